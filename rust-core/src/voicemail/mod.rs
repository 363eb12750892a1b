//! Visual voicemail from the PBX's voicemail-to-e-mail mailbox, sans-IO: reading one message
//! (caller, duration, WAV) and deciding what a sync changes. The IMAP I/O is the engine's.
pub mod mail;
