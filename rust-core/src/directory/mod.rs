//! The company directory and address-book files: vCard parsing and CardDAV (RFC 6352) sync,
//! sans-IO. Input: vCard text, WebDAV multistatus bodies and the sync state stored last time;
//! output: contact cards, the requests to make next, and the changes to store.
pub mod carddav;
pub mod vcard;
