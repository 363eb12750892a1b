//! Contacts: the device's address book (replaced wholesale by each import) and the company
//! directory (one row per CardDAV resource), with caller-ID lookup and type-ahead search.
//! Input: cards from the shell, a vCard file or the directory; output: contacts for screens
//! and the name of a caller.

use super::numbers::{self, Normalized};
use super::StoreError;
use phonenumber::country::Id;
use rusqlite::{params, CachedStatement, Connection, OptionalExtension, Transaction};
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
///
/// libphonenumber costs about as much as the inserts, so a second thread normalises the cards
/// in order while this one writes the previous batch (see [`normalized_in_order`]).
pub fn replace_device(conn: &mut Connection, cards: &[ContactCard], region: Option<Id>) -> Result<ImportReport, StoreError> {
    let fail = |source| StoreError::Query { what: "importing the address book", source };
    let tx = conn.transaction().map_err(fail)?;
    tx.execute("DELETE FROM contacts_fts WHERE rowid IN (SELECT id FROM contacts WHERE source = 'device')", []).map_err(fail)?;
    tx.execute("DELETE FROM contacts WHERE source = 'device'", []).map_err(fail)?;
    let mut report = ImportReport::default();
    {
        let mut inserts = Inserts::prepare(&tx).map_err(fail)?;
        normalized_in_order(cards, region, IMPORT_BATCH, |i, card, numbers| {
            if let Some(why) = rejected(card) {
                report.skipped.push(format!("card {} ({}): {why}", i + 1, card.uid.as_deref().unwrap_or("no uid")));
                return Ok(());
            }
            inserts.insert(ContactSource::Device, None, None, card, numbers)?;
            report.imported += 1;
            Ok(())
        })
        .map_err(fail)?;
    }
    tx.commit().map_err(fail)?;
    Ok(report)
}

/// Cards normalised per hand-over: large enough that the channel costs nothing per card, small
/// enough that the writer starts at once and a batch's numbers stay in cache.
const IMPORT_BATCH: usize = 256;
/// Batches the normaliser may run ahead of the writer (bounds the memory held in between).
const BATCHES_AHEAD: usize = 4;

/// Calls `write(index, card, its numbers)` for every card in order, the numbers normalised on
/// a second thread `batch` cards at a time while `write` runs on this one; stops at the first
/// error `write` returns, and the normaliser stops with it.
///
/// One normaliser, not one per core: libphonenumber runs every regex under one process-wide
/// lock (the `regex-cache` its metadata shares), so more threads only queue on it.
fn normalized_in_order<E>(
    cards: &[ContactCard],
    region: Option<Id>,
    batch: usize,
    mut write: impl FnMut(usize, &ContactCard, CardNumbers) -> Result<(), E>,
) -> Result<(), E> {
    let batch = batch.max(1);
    if cards.len() <= batch {
        return cards.iter().enumerate().try_for_each(|(i, card)| write(i, card, normalize_card(card, region)));
    }
    std::thread::scope(|s| {
        let (send, batches) = std::sync::mpsc::sync_channel::<Vec<CardNumbers>>(BATCHES_AHEAD);
        let normaliser = std::thread::Builder::new().name("contacts-normalise".into()).spawn_scoped(s, move || {
            for part in cards.chunks(batch) {
                // The writer has stopped (an error): nothing more is wanted.
                if send.send(part.iter().map(|c| normalize_card(c, region)).collect()).is_err() {
                    return;
                }
            }
        });
        // Without a second thread (the process is at its limit) the import still runs, slower.
        let mut batches = normaliser.is_ok().then_some(batches);
        let mut ready = Vec::new().into_iter();
        for (i, card) in cards.iter().enumerate() {
            if ready.len() == 0 {
                ready = batches.as_ref().and_then(|b| b.recv().ok()).unwrap_or_default().into_iter();
            }
            let numbers = match ready.next() {
                Some(numbers) => numbers,
                // The normaliser is gone early (it cannot panic: each card is guarded), so
                // this thread normalises the rest itself.
                None => {
                    batches = None;
                    normalize_card(card, region)
                }
            };
            write(i, card, numbers)?;
        }
        Ok(())
    })
}

/// Stores (or replaces) the directory's resource `href` at `etag`.
pub fn put_directory(tx: &Transaction, href: &str, etag: Option<&str>, card: &ContactCard, region: Option<Id>) -> Result<bool, StoreError> {
    let fail = |source| StoreError::Query { what: "storing a directory contact", source };
    let existed = remove_directory(tx, href)?;
    Inserts::prepare(tx).and_then(|mut ins| ins.insert(ContactSource::Directory, Some(href), etag, card, normalize_card(card, region))).map_err(fail)?;
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

/// A card's numbers through libphonenumber. A panic in it (never expected) costs that card's
/// numbers their normal forms, never the import: they stay as given.
fn normalize_card(card: &ContactCard, region: Option<Id>) -> CardNumbers {
    let normalize = || {
        card.numbers
            .iter()
            .map(|n| {
                let norm = numbers::normalize(&n.number, region);
                let typed = numbers::typed_forms(&n.number, norm.as_ref());
                (norm, typed)
            })
            .collect()
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(normalize)).unwrap_or_else(|_| vec![(None, Vec::new()); card.numbers.len()])
}

/// The four INSERTs of a contact, prepared once per import rather than looked up per row.
struct Inserts<'t> {
    contact: CachedStatement<'t>,
    number: CachedStatement<'t>,
    words: CachedStatement<'t>,
    digits: CachedStatement<'t>,
    conn: &'t Connection,
}

impl<'t> Inserts<'t> {
    fn prepare(tx: &'t Connection) -> rusqlite::Result<Self> {
        Ok(Inserts {
            contact: tx.prepare_cached("INSERT INTO contacts (source, uid, href, etag, name, organization, emails) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?,
            number: tx.prepare_cached("INSERT INTO contact_numbers (contact_id, position, number, e164, label, lookup_key) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?,
            words: tx.prepare_cached("INSERT INTO contacts_fts (rowid, name, organization) VALUES (?1, ?2, ?3)")?,
            digits: tx.prepare_cached("INSERT INTO contact_digits (digits, contact_id) VALUES (?1, ?2)")?,
            conn: tx,
        })
    }

    fn insert(&mut self, source: ContactSource, href: Option<&str>, etag: Option<&str>, card: &ContactCard, normalized: CardNumbers) -> rusqlite::Result<i64> {
        let name = match card.name.trim() {
            "" => card.numbers[0].number.as_str(),
            name => name,
        };
        let emails = serde_json::to_string(&card.emails).unwrap_or_else(|_| "[]".into());
        self.contact.execute(params![source.as_str(), card.uid, href, etag, name, card.organization, emails])?;
        let id = self.conn.last_insert_rowid();
        let mut typed: Vec<String> = Vec::new();
        for (position, (n, (norm, forms))) in card.numbers.iter().zip(normalized).enumerate() {
            typed.extend(forms);
            let (key, e164) = match norm {
                Some(Normalized { key, e164, .. }) => (key, e164.or_else(|| n.e164.clone())),
                None => (n.number.trim().to_string(), n.e164.clone()),
            };
            self.number.execute(params![id, position as i64, n.number, e164, n.label, key])?;
        }
        self.words.execute(params![id, name, card.organization])?;
        typed.sort_unstable();
        typed.dedup();
        for d in typed {
            self.digits.execute(params![d, id])?;
        }
        Ok(id)
    }
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
    let Some(query) = type_ahead(typed) else { return Ok(Vec::new()) };
    // One read transaction for the hits and their rows: they come from one snapshot (no write
    // lands between a hit and its numbers), under one WAL read lock, not one per statement.
    let snapshot = if conn.is_autocommit() { Some(conn.unchecked_transaction().map_err(fail)?) } else { None };
    let ids: Vec<i64> = match query {
        TypeAhead::Digits { from, to } => conn
            .prepare_cached(DIGITS_SQL)
            .map_err(fail)?
            .query_map(params![from, to, limit], |r| r.get(0))
            .map_err(fail)?
            .collect::<Result<_, _>>()
            .map_err(fail)?,
        TypeAhead::Words(query) => conn
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
    if let Some(snapshot) = snapshot {
        snapshot.commit().map_err(fail)?;
    }
    // Each name folded once, not twice per comparison (a stable sort, as before).
    out.sort_by_cached_key(|c| c.name.to_lowercase());
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

    /// `n` cards with distinct mobile numbers, `Person <i>` for card `i`.
    fn people(n: usize) -> Vec<ContactCard> {
        (0..n).map(|i| card(&format!("Person {i}"), &[&format!("06 12 {:02} {:02} {:02}", i / 10_000 % 100, i / 100 % 100, i % 100)])).collect()
    }

    #[test]
    fn the_normaliser_hands_every_card_over_in_order_with_its_own_numbers() {
        let cards = people(50);
        let mut seen = Vec::new();
        normalized_in_order(&cards, fr(), 3, |i, card, numbers| {
            seen.push((i, card.name.clone(), numbers));
            Ok::<_, ()>(())
        })
        .unwrap();
        assert_eq!(seen.len(), cards.len());
        for (k, (i, name, numbers)) in seen.into_iter().enumerate() {
            assert_eq!((i, name.as_str()), (k, cards[k].name.as_str()));
            assert_eq!(numbers, normalize_card(&cards[k], fr()), "card {k} got its own numbers");
        }
    }

    #[test]
    fn an_error_while_writing_stops_the_import_there() {
        let cards = people(100);
        let mut written = 0;
        let out = normalized_in_order(&cards, fr(), 2, |i, _, _| {
            written += 1;
            if i == 7 {
                Err("disk full")
            } else {
                Ok(())
            }
        });
        assert_eq!((out, written), (Err("disk full"), 8));
    }

    #[test]
    fn a_large_import_reports_each_rejected_card_by_its_position() {
        let mut cards = people(3 * IMPORT_BATCH);
        for i in [0, IMPORT_BATCH, 3 * IMPORT_BATCH - 1] {
            cards[i] = ContactCard { uid: Some(format!("bad{i}")), ..Default::default() };
        }
        let mut db = super::super::open_in_memory().unwrap();
        let report = replace_device(&mut db, &cards, fr()).unwrap();
        assert_eq!(report.imported as usize, cards.len() - 3);
        let expected: Vec<String> = [0, IMPORT_BATCH, 3 * IMPORT_BATCH - 1].iter().map(|i| format!("card {} (bad{i}): no name and no number", i + 1)).collect();
        assert_eq!(report.skipped, expected);
        assert_eq!(name_for(&db, "+33612000101", fr()).unwrap().as_deref(), Some("Person 101"));
        assert_eq!(names(&search(&db, "0612000", 1).unwrap()).len(), 1);
    }

    #[test]
    fn a_large_import_that_fails_midway_leaves_the_previous_address_book_whole() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = super::super::open(&dir.path().join("c.db")).unwrap();
        let before = people(4 * IMPORT_BATCH);
        assert_eq!(replace_device(&mut db, &before, fr()).unwrap().imported as usize, before.len());
        // A write that fails part-way through, as a full disk would.
        db.execute_batch("CREATE TEMP TRIGGER full_disk BEFORE INSERT ON contacts WHEN NEW.name = 'Poison' BEGIN SELECT RAISE(ABORT, 'disk full'); END;")
            .unwrap();
        let mut after: Vec<ContactCard> = (0..4 * IMPORT_BATCH).map(|i| card(&format!("New {i}"), &[&format!("07{i:08}")])).collect();
        after[3 * IMPORT_BATCH] = card("Poison", &["0700000000"]);
        let err = replace_device(&mut db, &after, fr()).unwrap_err();
        assert!(err.to_string().contains("disk full"), "{err}");
        assert_eq!(count(&db, ContactSource::Device).unwrap() as usize, before.len());
        for i in [0, 2 * IMPORT_BATCH + 1, 4 * IMPORT_BATCH - 1] {
            let n = format!("+33612{:02}{:02}{:02}", i / 10_000 % 100, i / 100 % 100, i % 100);
            assert_eq!(name_for(&db, &n, fr()).unwrap(), Some(format!("Person {i}")), "{n}");
            assert!(names(&search(&db, &format!("person {i}"), 50).unwrap()).contains(&format!("Person {i}").as_str()), "type-ahead finds {i}");
        }
        assert!(search(&db, "new", 5).unwrap().is_empty(), "nothing of the failed import is left");
        assert_eq!(name_for(&db, "0700000001", fr()).unwrap(), None);
    }

    #[test]
    fn type_ahead_reads_inside_a_transaction_already_open() {
        let mut db = super::super::open_in_memory().unwrap();
        replace_device(&mut db, &[card("Élodie Martin", &["06 12 34 56 78"])], fr()).unwrap();
        let tx = db.transaction().unwrap();
        put_directory(&tx, "/ab/2.vcf", None, &card("Élise Dir", &["1004"]), fr()).unwrap();
        assert_eq!(names(&search(&tx, "el", 10).unwrap()), vec!["Élise Dir", "Élodie Martin"], "it sees the open transaction's rows");
        tx.commit().unwrap();
    }
}
