//! Contacts: the device's address book (replaced wholesale by each import) and the company
//! directory (one row per CardDAV resource), with caller-ID lookup and type-ahead search.
//! Input: cards from the shell, a vCard file or the directory; output: contacts for screens
//! and the name of a caller.

use super::numbers::{self, Normalized};
use super::StoreError;
use phonenumber::country::Id;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;

/// Where a contact came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactSource {
    /// The phone's own address book, handed in by the shell.
    Device,
    /// The company directory (CardDAV).
    Directory,
}

impl ContactSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ContactSource::Device => "device",
            ContactSource::Directory => "directory",
        }
    }
}

/// One number of a contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct ContactNumber {
    /// As given (for display).
    pub number: String,
    /// The E.164 form, when libphonenumber knows it (none for an extension).
    pub e164: Option<String>,
    /// `work`, `cell`… as the source labelled it.
    pub label: Option<String>,
}

/// A contact as a source hands it in (the shell's bulk import, one vCard).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct ContactCard {
    pub uid: Option<String>,
    pub name: String,
    pub organization: Option<String>,
    pub numbers: Vec<ContactNumber>,
    pub emails: Vec<String>,
}

/// A stored contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contact {
    pub id: String,
    pub source: ContactSource,
    pub name: String,
    pub organization: Option<String>,
    pub numbers: Vec<ContactNumber>,
    pub emails: Vec<String>,
}

/// What an import did: how many cards it kept, and why it skipped each other one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct ImportReport {
    pub imported: u32,
    pub skipped: Vec<String>,
}

/// Why `card` cannot be stored, if it cannot.
fn rejected(card: &ContactCard) -> Option<String> {
    if card.name.trim().is_empty() && card.numbers.is_empty() {
        return Some("no name and no number".into());
    }
    None
}

/// Replaces every device contact with `cards`, in one transaction: a failure (a full disk)
/// leaves the previous address book whole.
pub fn replace_device(conn: &mut Connection, cards: &[ContactCard], region: Option<Id>) -> Result<ImportReport, StoreError> {
    let fail = |source| StoreError::Query { what: "importing the address book", source };
    // libphonenumber costs more than the inserts: it runs on every core before the
    // transaction takes the write lock.
    let numbers = normalize_all(cards, region);
    let tx = conn.transaction().map_err(fail)?;
    tx.execute("DELETE FROM contacts_fts WHERE rowid IN (SELECT id FROM contacts WHERE source = 'device')", []).map_err(fail)?;
    tx.execute("DELETE FROM contacts WHERE source = 'device'", []).map_err(fail)?;
    let mut report = ImportReport::default();
    for (i, (card, numbers)) in cards.iter().zip(numbers).enumerate() {
        if let Some(why) = rejected(card) {
            report.skipped.push(format!("card {} ({}): {why}", i + 1, card.uid.as_deref().unwrap_or("no uid")));
            continue;
        }
        insert(&tx, ContactSource::Device, None, None, card, numbers).map_err(fail)?;
        report.imported += 1;
    }
    tx.commit().map_err(fail)?;
    Ok(report)
}

/// Stores (or replaces) the directory's resource `href` at `etag`.
pub fn put_directory(tx: &Transaction, href: &str, etag: Option<&str>, card: &ContactCard, region: Option<Id>) -> Result<bool, StoreError> {
    let fail = |source| StoreError::Query { what: "storing a directory contact", source };
    let existed = remove_directory(tx, href)?;
    insert(tx, ContactSource::Directory, Some(href), etag, card, normalize_card(card, region)).map_err(fail)?;
    Ok(existed)
}

/// Removes the directory's resource `href`; whether it was there.
pub fn remove_directory(tx: &Transaction, href: &str) -> Result<bool, StoreError> {
    let fail = |source| StoreError::Query { what: "removing a directory contact", source };
    let id: Option<i64> = tx.query_row("SELECT id FROM contacts WHERE href = ?1", [href], |r| r.get(0)).optional().map_err(fail)?;
    if let Some(id) = id {
        tx.execute("DELETE FROM contacts_fts WHERE rowid = ?1", [id]).map_err(fail)?;
        tx.execute("DELETE FROM contacts WHERE id = ?1", [id]).map_err(fail)?;
    }
    Ok(id.is_some())
}

/// Every directory resource held, with its ETag: what an etag comparison starts from.
pub fn directory_etags(conn: &Connection) -> Result<std::collections::HashMap<String, String>, StoreError> {
    let fail = |source| StoreError::Query { what: "reading directory etags", source };
    let mut stmt = conn.prepare("SELECT href, coalesce(etag, '') FROM contacts WHERE source = 'directory'").map_err(fail)?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).map_err(fail)?;
    rows.collect::<Result<_, _>>().map_err(fail)
}

/// Each number of a card, normalised, with the digit forms a person types.
type CardNumbers = Vec<(Option<Normalized>, Vec<String>)>;

fn normalize_card(card: &ContactCard, region: Option<Id>) -> CardNumbers {
    card.numbers
        .iter()
        .map(|n| {
            let norm = numbers::normalize(&n.number, region);
            let typed = numbers::typed_forms(&n.number, norm.as_ref());
            (norm, typed)
        })
        .collect()
}

/// [`normalize_card`] for every card, split across the machine's cores.
fn normalize_all(cards: &[ContactCard], region: Option<Id>) -> Vec<CardNumbers> {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(8);
    if threads == 1 || cards.len() < 1000 {
        return cards.iter().map(|c| normalize_card(c, region)).collect();
    }
    let chunk = cards.len().div_ceil(threads);
    std::thread::scope(|s| {
        let parts: Vec<_> = cards.chunks(chunk).map(|part| s.spawn(move || part.iter().map(|c| normalize_card(c, region)).collect::<Vec<_>>())).collect();
        // A panicking worker (never expected) costs its numbers their normal forms, not the import.
        parts
            .into_iter()
            .zip(cards.chunks(chunk))
            .flat_map(|(p, part)| p.join().unwrap_or_else(|_| part.iter().map(|c| vec![(None, Vec::new()); c.numbers.len()]).collect()))
            .collect()
    })
}

fn insert(
    tx: &Transaction,
    source: ContactSource,
    href: Option<&str>,
    etag: Option<&str>,
    card: &ContactCard,
    normalized: CardNumbers,
) -> rusqlite::Result<i64> {
    let name = if card.name.trim().is_empty() { card.numbers[0].number.clone() } else { card.name.trim().to_string() };
    let emails = serde_json::to_string(&card.emails).unwrap_or_else(|_| "[]".into());
    tx.prepare_cached("INSERT INTO contacts (source, uid, href, etag, name, organization, emails) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?.execute(params![
        source.as_str(),
        card.uid,
        href,
        etag,
        name,
        card.organization,
        emails
    ])?;
    let id = tx.last_insert_rowid();
    let mut typed: Vec<String> = Vec::new();
    let mut add_number =
        tx.prepare_cached("INSERT INTO contact_numbers (contact_id, position, number, e164, label, lookup_key) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?;
    for (position, (n, (norm, forms))) in card.numbers.iter().zip(normalized).enumerate() {
        typed.extend(forms);
        let key = norm.as_ref().map(|n| n.key.clone()).unwrap_or_else(|| n.number.trim().to_string());
        let e164 = norm.and_then(|n| n.e164).or_else(|| n.e164.clone());
        add_number.execute(params![id, position as i64, n.number, e164, n.label, key])?;
    }
    tx.prepare_cached("INSERT INTO contacts_fts (rowid, name, organization) VALUES (?1, ?2, ?3)")?.execute(params![id, name, card.organization])?;
    typed.sort();
    typed.dedup();
    let mut add_digits = tx.prepare_cached("INSERT INTO contact_digits (digits, contact_id) VALUES (?1, ?2)")?;
    for d in typed {
        add_digits.execute(params![d, id])?;
    }
    Ok(id)
}

fn contact(conn: &Connection, id: i64) -> rusqlite::Result<Option<Contact>> {
    let head = conn
        .prepare_cached("SELECT source, name, organization, emails FROM contacts WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?, r.get::<_, String>(3)?)))
        .optional()?;
    let Some((source, name, organization, emails)) = head else { return Ok(None) };
    let mut stmt = conn.prepare_cached("SELECT number, e164, label FROM contact_numbers WHERE contact_id = ?1 ORDER BY position")?;
    let numbers = stmt.query_map([id], |r| Ok(ContactNumber { number: r.get(0)?, e164: r.get(1)?, label: r.get(2)? }))?.collect::<Result<_, _>>()?;
    Ok(Some(Contact {
        id: id.to_string(),
        source: if source == "device" { ContactSource::Device } else { ContactSource::Directory },
        name,
        organization,
        numbers,
        emails: serde_json::from_str(&emails).unwrap_or_default(),
    }))
}

/// The contact whose number is `number` (any formatting, a SIP URI): one indexed equality
/// query on the normalised key. A device contact wins over the directory's.
pub fn lookup(conn: &Connection, number: &str, region: Option<Id>) -> Result<Option<Contact>, StoreError> {
    let fail = |source| StoreError::Query { what: "looking a number up", source };
    let Some(key) = numbers::lookup_key(number, region) else { return Ok(None) };
    let id: Option<i64> = conn
        .prepare_cached("SELECT contact_id FROM contact_numbers WHERE lookup_key = ?1 LIMIT 1")
        .map_err(fail)?
        .query_row([key], |r| r.get(0))
        .optional()
        .map_err(fail)?;
    match id {
        Some(id) => contact(conn, id).map_err(fail),
        None => Ok(None),
    }
}

/// Only the name of the contact whose number is `number` (the caller-ID hot path).
pub fn name_for(conn: &Connection, number: &str, region: Option<Id>) -> Result<Option<String>, StoreError> {
    let fail = |source| StoreError::Query { what: "looking a caller up", source };
    let Some(key) = numbers::lookup_key(number, region) else { return Ok(None) };
    conn.prepare_cached("SELECT c.name FROM contact_numbers n JOIN contacts c ON c.id = n.contact_id WHERE n.lookup_key = ?1 LIMIT 1")
        .map_err(fail)?
        .query_row([key], |r| r.get(0))
        .optional()
        .map_err(fail)
}

/// What a person typed, as the query that answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeAhead {
    /// Digits and phone punctuation: numbers whose digits start so (`[from, to)` of the index).
    Digits { from: String, to: String },
    /// Words: an FTS5 query, each word a prefix.
    Words(String),
}

/// The SQL of each [`TypeAhead`] (`?1`, `?2` the bounds or the query; the last, the limit).
pub const DIGITS_SQL: &str = "SELECT DISTINCT contact_id FROM contact_digits WHERE digits >= ?1 AND digits < ?2 LIMIT ?3";
pub const WORDS_SQL: &str = "SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ?1 LIMIT ?2";

/// `None` when nothing searchable is left.
pub fn type_ahead(typed: &str) -> Option<TypeAhead> {
    let phone_like = typed.chars().all(|c| c.is_ascii_digit() || " +-.()/".contains(c));
    if phone_like {
        let d = numbers::digits(typed);
        // ':' sorts right after '9': every string that starts with the digits is below it.
        return (!d.is_empty()).then(|| TypeAhead::Digits { to: format!("{d}:"), from: d });
    }
    fts_query(typed).map(TypeAhead::Words)
}

/// The FTS5 query for typed words: each word a prefix, quoted so it is never FTS syntax.
pub fn fts_query(typed: &str) -> Option<String> {
    let words: Vec<String> = typed
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        // Quoted: a word is never FTS syntax (AND, NEAR, a column filter).
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// Type-ahead: contacts whose name words, organisation or numbers start with what was typed
/// (case and accents folded), at most `limit`, sorted by name. No ranking: the index answers.
pub fn search(conn: &Connection, typed: &str, limit: u32) -> Result<Vec<Contact>, StoreError> {
    let fail = |source| StoreError::Query { what: "searching contacts", source };
    let ids: Vec<i64> = match type_ahead(typed) {
        None => return Ok(Vec::new()),
        Some(TypeAhead::Digits { from, to }) => conn
            .prepare_cached(DIGITS_SQL)
            .map_err(fail)?
            .query_map(params![from, to, limit], |r| r.get(0))
            .map_err(fail)?
            .collect::<Result<_, _>>()
            .map_err(fail)?,
        Some(TypeAhead::Words(query)) => conn
            .prepare_cached(WORDS_SQL)
            .map_err(fail)?
            .query_map(params![query, limit], |r| r.get(0))
            .map_err(fail)?
            .collect::<Result<_, _>>()
            .map_err(fail)?,
    };
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.extend(contact(conn, id).map_err(fail)?);
    }
    out.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()));
    Ok(out)
}

/// How many contacts `source` holds.
#[cfg(test)]
pub fn count(conn: &Connection, source: ContactSource) -> Result<u32, StoreError> {
    conn.query_row("SELECT count(*) FROM contacts WHERE source = ?1", [source.as_str()], |r| r.get(0))
        .map_err(|source| StoreError::Query { what: "counting contacts", source })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(name: &str, numbers: &[&str]) -> ContactCard {
        ContactCard {
            name: name.into(),
            numbers: numbers.iter().map(|n| ContactNumber { number: n.to_string(), ..Default::default() }).collect(),
            ..Default::default()
        }
    }

    fn fr() -> Option<Id> {
        numbers::region("FR")
    }

    fn names(list: &[Contact]) -> Vec<&str> {
        list.iter().map(|c| c.name.as_str()).collect()
    }

    #[test]
    fn caller_id_matches_any_formatting_of_the_number() {
        let mut db = super::super::open_in_memory().unwrap();
        replace_device(&mut db, &[card("Élodie Martin", &["06 12 34 56 78"]), card("Reception", &["1003"])], fr()).unwrap();
        let c = lookup(&db, "sip:+33612345678@pbx.test;user=phone", fr()).unwrap().unwrap();
        assert_eq!((c.name.as_str(), c.source, c.numbers[0].e164.as_deref()), ("Élodie Martin", ContactSource::Device, Some("+33612345678")));
        assert_eq!(name_for(&db, "0033 6 12 34 56 78", fr()).unwrap().as_deref(), Some("Élodie Martin"));
        assert_eq!(name_for(&db, "sip:1003@pbx.test", fr()).unwrap().as_deref(), Some("Reception"));
        assert_eq!(name_for(&db, "10030", fr()).unwrap(), None, "extensions match exactly");
    }

    #[test]
    fn type_ahead_folds_case_and_accents_and_finds_digits_in_any_formatting() {
        let mut db = super::super::open_in_memory().unwrap();
        replace_device(&mut db, &[card("Élodie Martin", &["+33 6 12 34 56 78"]), card("Eloïse Durand", &["1003"]), card("Bob", &["0145"])], fr()).unwrap();
        assert_eq!(names(&search(&db, "elod", 10).unwrap()), vec!["Élodie Martin"]);
        assert_eq!(names(&search(&db, "ELO", 10).unwrap()), vec!["Eloïse Durand", "Élodie Martin"]);
        assert_eq!(names(&search(&db, "mar elo", 10).unwrap()), vec!["Élodie Martin"]);
        assert_eq!(names(&search(&db, "0612", 10).unwrap()), vec!["Élodie Martin"]);
        assert_eq!(names(&search(&db, "+33 6 1", 10).unwrap()), vec!["Élodie Martin"]);
        assert_eq!(names(&search(&db, "100", 10).unwrap()), vec!["Eloïse Durand"]);
        assert!(search(&db, "\"AND NEAR(", 10).unwrap().is_empty(), "FTS syntax in a query is only text");
    }

    #[test]
    fn an_import_replaces_the_device_source_and_leaves_the_directory() {
        let mut db = super::super::open_in_memory().unwrap();
        {
            let tx = db.transaction().unwrap();
            put_directory(&tx, "/ab/1.vcf", Some("\"e1\""), &card("Dir Person", &["1004"]), fr()).unwrap();
            tx.commit().unwrap();
        }
        replace_device(&mut db, &[card("Old", &["0611111111"])], fr()).unwrap();
        let report = replace_device(&mut db, &[card("New", &["0622222222"]), card("", &[])], fr()).unwrap();
        assert_eq!(report.imported, 1);
        assert_eq!(report.skipped.len(), 1);
        assert!(report.skipped[0].contains("no name and no number"), "{:?}", report.skipped);
        assert!(search(&db, "old", 5).unwrap().is_empty());
        assert_eq!(name_for(&db, "0611111111", fr()).unwrap(), None, "the old card's numbers went with it");
        assert_eq!(count(&db, ContactSource::Directory).unwrap(), 1);
        assert_eq!(directory_etags(&db).unwrap().get("/ab/1.vcf").map(String::as_str), Some("\"e1\""));
    }

    #[test]
    fn a_card_with_only_a_number_is_named_by_it() {
        let mut db = super::super::open_in_memory().unwrap();
        replace_device(&mut db, &[card(" ", &["1005"])], fr()).unwrap();
        assert_eq!(name_for(&db, "1005", fr()).unwrap().as_deref(), Some("1005"));
    }
}
