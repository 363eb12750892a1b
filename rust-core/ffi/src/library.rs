//! Contacts, the company directory, visual voicemail and the history, as the shells see them:
//! records mirroring the store's, and the phone's methods over them (each runs on the core's
//! runtime; SQLite and the network never touch the shell's thread).

use crate::enums::ContactSource;
use crate::error::PhoneError;
use crate::events::SyncReport;
use crate::phone::Phone;
use crate::records::{CallLogEntry, History};
use ringside_core::library as store;

/// A number of a contact.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ContactNumber {
    /// As given (for display).
    pub number: String,
    /// The E.164 form; none for an extension.
    #[uniffi(default = None)]
    pub e164: Option<String>,
    /// `work`, `cell`… as the source labelled it.
    #[uniffi(default = None)]
    pub label: Option<String>,
}

/// A card of the device's address book, for [`Phone::import_contacts`].
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ContactCard {
    #[uniffi(default = None)]
    pub uid: Option<String>,
    pub name: String,
    #[uniffi(default = None)]
    pub organization: Option<String>,
    pub numbers: Vec<ContactNumber>,
    #[uniffi(default = [])]
    pub emails: Vec<String>,
}

/// A stored contact.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Contact {
    pub id: String,
    pub source: ContactSource,
    pub name: String,
    pub organization: Option<String>,
    pub numbers: Vec<ContactNumber>,
    pub emails: Vec<String>,
}

/// What an import kept, and why it skipped each other card.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ImportReport {
    pub imported: u32,
    pub skipped: Vec<String>,
}

/// One voicemail message.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Voicemail {
    pub id: String,
    pub caller: String,
    /// From the contacts, when known.
    pub caller_name: Option<String>,
    /// Wall clock, ms since 1970.
    pub received_ms: i64,
    pub duration_ms: Option<i64>,
    pub heard: bool,
    /// Its audio is on the phone (playable offline).
    pub cached: bool,
}

impl From<store::ContactNumber> for ContactNumber {
    fn from(n: store::ContactNumber) -> Self {
        ContactNumber { number: n.number, e164: n.e164, label: n.label }
    }
}

impl From<ContactNumber> for store::ContactNumber {
    fn from(n: ContactNumber) -> Self {
        store::ContactNumber { number: n.number, e164: n.e164, label: n.label }
    }
}

impl From<ContactCard> for store::ContactCard {
    fn from(c: ContactCard) -> Self {
        store::ContactCard {
            uid: c.uid,
            name: c.name,
            organization: c.organization,
            numbers: c.numbers.into_iter().map(Into::into).collect(),
            emails: c.emails,
        }
    }
}

impl From<store::ContactSource> for ContactSource {
    fn from(s: store::ContactSource) -> Self {
        match s {
            store::ContactSource::Device => ContactSource::Device,
            store::ContactSource::Directory => ContactSource::Directory,
        }
    }
}

impl From<store::Contact> for Contact {
    fn from(c: store::Contact) -> Self {
        Contact {
            id: c.id,
            source: c.source.into(),
            name: c.name,
            organization: c.organization,
            numbers: c.numbers.into_iter().map(Into::into).collect(),
            emails: c.emails,
        }
    }
}

impl From<store::ImportReport> for ImportReport {
    fn from(r: store::ImportReport) -> Self {
        ImportReport { imported: r.imported, skipped: r.skipped }
    }
}

impl From<ringside_core::library::Voicemail> for Voicemail {
    fn from(v: ringside_core::library::Voicemail) -> Self {
        Voicemail {
            id: v.id,
            caller: v.caller,
            caller_name: v.caller_name,
            received_ms: v.received_ms,
            duration_ms: v.duration_ms,
            heard: v.heard,
            cached: v.cached,
        }
    }
}

impl From<ringside_core::library::History> for History {
    fn from(h: ringside_core::library::History) -> Self {
        History { entries: h.entries.into_iter().map(CallLogEntry::from).collect(), missed_unseen: h.missed_unseen }
    }
}

/// `number` as a person reads it: national at home (`06 12 34 56 78` in `FR`), international
/// abroad; extensions (`1003`) and names unchanged.
#[uniffi::export]
pub fn format_number(number: String, default_region: String) -> String {
    ringside_core::library::format_number(&number, &default_region)
}

#[uniffi::export]
impl Phone {
    /// Replaces the device's address book in the core with `cards` (the directory stays).
    pub async fn import_contacts(&self, cards: Vec<ContactCard>) -> Result<ImportReport, PhoneError> {
        let cards: Vec<_> = cards.into_iter().map(Into::into).collect();
        self.run(move |p| async move { p.import_contacts(cards).await.map(Into::into) }).await
    }

    /// Imports a vCard file's text as the device's address book; each unreadable card is
    /// skipped with its reason, the rest imported.
    pub async fn import_vcard(&self, text: String) -> Result<ImportReport, PhoneError> {
        self.run(move |p| async move { p.import_vcard(text).await.map(Into::into) }).await
    }

    /// Type-ahead over names and numbers: prefixes, any case and accent (`elod` finds Élodie),
    /// digits in any formatting (`0612` finds `+33 6 12…`).
    pub async fn search_contacts(&self, query: String, limit: u32) -> Result<Vec<Contact>, PhoneError> {
        self.run(move |p| async move { p.search_contacts(query, limit).await.map(|v| v.into_iter().map(Into::into).collect()) }).await
    }

    /// The contact a number belongs to (caller ID), in any of its formattings.
    pub async fn lookup_number(&self, number: String) -> Result<Option<Contact>, PhoneError> {
        self.run(move |p| async move { p.lookup_number(number).await.map(|c| c.map(Into::into)) }).await
    }

    /// Syncs the company directory (CardDAV, incremental where the server can); a failure
    /// keeps what was cached.
    pub async fn sync_directory(&self) -> Result<SyncReport, PhoneError> {
        self.run(move |p| async move { p.sync_directory().await.map(Into::into) }).await
    }

    /// Syncs voicemail with the mailbox (IMAP): new messages and their audio come down, heard
    /// and deleted ones go up; a failure keeps what was cached.
    pub async fn sync_voicemail(&self) -> Result<SyncReport, PhoneError> {
        self.run(move |p| async move { p.sync_voicemail().await.map(Into::into) }).await
    }

    /// The cached voicemail, newest first.
    pub async fn voicemails(&self) -> Result<Vec<Voicemail>, PhoneError> {
        self.run(move |p| async move { p.voicemails().await.map(|v| v.into_iter().map(Into::into).collect()) }).await
    }

    /// The path of a message's audio (a WAV file on the phone) for the shell's player.
    pub async fn voicemail_audio(&self, id: String) -> Result<String, PhoneError> {
        self.run(move |p| async move { p.voicemail_audio(id).await.map(|path| path.display().to_string()) }).await
    }

    /// Marks a message heard (or not); the mailbox learns it at the next sync.
    pub async fn set_voicemail_heard(&self, id: String, heard: bool) -> Result<(), PhoneError> {
        self.run(move |p| async move { p.set_voicemail_heard(id, heard).await }).await
    }

    /// Deletes a message here; the mailbox expunges it at the next sync.
    pub async fn delete_voicemail(&self, id: String) -> Result<(), PhoneError> {
        self.run(move |p| async move { p.delete_voicemail(id).await }).await
    }

    /// The user has seen the missed calls.
    pub async fn mark_history_seen(&self) -> Result<(), PhoneError> {
        self.run(move |p| async move { p.mark_history_seen().await }).await?;
        self.history_changed();
        Ok(())
    }
}
