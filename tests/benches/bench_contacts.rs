//! Bench (design §8 `contacts`): at 100k contacts, Ringside's store against raw SQLite — the
//! system's C library (`libsqlite3.so.0`, loaded here with dlopen so it stays apart from the
//! bundled copy in our store) running the same statements on the same data in the same run.
//!
//! - import: `contacts::replace_device` (numbers normalised by libphonenumber, FTS rows) vs
//!   the same INSERTs of the already-normalised rows, prepared, in one transaction;
//! - caller-ID lookup: `contacts::name_for` on a SIP URI vs the same indexed equality query;
//! - type-ahead: `contacts::search` (FTS5 prefix, then each hit's contact and numbers) vs the
//!   same three statements, in one read transaction as ours.
//!
//! Rounds alternate (ours, raw) so the shared machine's noise falls on both. Usage:
//! `cargo bench -p ringside-testbed --bench bench_contacts -- [contacts] [queries]`

use ringside_core::testing::store::contacts::{self, ContactCard, ContactNumber};
use ringside_core::testing::store::{self, numbers};
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::time::{Duration, Instant};

fn card(i: u32) -> ContactCard {
    const GIVEN: [&str; 8] = ["Élodie", "Paul", "Zoé", "Marc", "Inès", "Lucas", "Chloé", "Hugo"];
    ContactCard {
        uid: Some(format!("u{i}")),
        name: format!("{} {}", GIVEN[i as usize % GIVEN.len()], family(i / 8)),
        organization: Some(format!("Org{}", i % 500)),
        numbers: vec![
            ContactNumber {
                number: format!("06 {:02} {:02} {:02} {:02}", i / 1_000_000 % 100, i / 10_000 % 100, i / 100 % 100, i % 100),
                label: Some("cell".into()),
                e164: None,
            },
            ContactNumber {
                number: format!("+33 1 {:02} {:02} {:02} {:02}", i / 1_000_000 % 100, i / 10_000 % 100, i / 100 % 100, i % 100),
                label: Some("work".into()),
                e164: None,
            },
        ],
        emails: vec![format!("p{i}@example.test")],
    }
}

/// One of 2,000 family names made of syllables (an address book has many, none numbered).
fn family(i: u32) -> String {
    const S: [&str; 20] =
        ["mar", "dur", "lef", "pet", "ber", "rou", "mor", "lau", "gir", "bon", "fau", "mer", "cha", "dub", "lam", "fon", "rol", "vin", "gau", "bré"];
    const E: [&str; 5] = ["tin", "and", "ard", "eau", "ier"];
    let s = format!("{}{}{}", S[(i % 20) as usize], S[(i / 20 % 20) as usize], E[(i / 400 % 5) as usize]);
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// The C library, as a C program would use it.
struct Raw {
    _lib: *mut c_void,
    db: *mut c_void,
    prepare: unsafe extern "C" fn(*mut c_void, *const c_char, c_int, *mut *mut c_void, *mut *const c_char) -> c_int,
    bind_text: unsafe extern "C" fn(*mut c_void, c_int, *const c_char, c_int, isize) -> c_int,
    bind_int64: unsafe extern "C" fn(*mut c_void, c_int, i64) -> c_int,
    step: unsafe extern "C" fn(*mut c_void) -> c_int,
    reset: unsafe extern "C" fn(*mut c_void) -> c_int,
    column_int64: unsafe extern "C" fn(*mut c_void, c_int) -> i64,
    column_text: unsafe extern "C" fn(*mut c_void, c_int) -> *const c_char,
    column_count: unsafe extern "C" fn(*mut c_void) -> c_int,
    exec: unsafe extern "C" fn(*mut c_void, *const c_char, *const c_void, *const c_void, *mut *mut c_char) -> c_int,
}

const SQLITE_ROW: c_int = 100;
const OPEN_READWRITE: c_int = 0x2;
const OPEN_CREATE: c_int = 0x4;
const OPEN_URI: c_int = 0x40;
const OPEN_NOMUTEX: c_int = 0x8000;
/// SQLITE_TRANSIENT: the library copies bound text.
const TRANSIENT: isize = -1;

impl Raw {
    fn open(path: &std::path::Path) -> Raw {
        // SAFETY: dlopen/dlsym of the system SQLite; every symbol has the C signature declared.
        unsafe {
            let lib = libc::dlopen(c"libsqlite3.so.0".as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL);
            assert!(!lib.is_null(), "libsqlite3.so.0 (apt libsqlite3-0) is needed for the raw peer");
            let sym = |name: &CStr| {
                let p = libc::dlsym(lib, name.as_ptr());
                assert!(!p.is_null(), "{name:?}");
                p
            };
            let open: unsafe extern "C" fn(*const c_char, *mut *mut c_void, c_int, *const c_char) -> c_int = std::mem::transmute(sym(c"sqlite3_open_v2"));
            let mut db = std::ptr::null_mut();
            let p = CString::new(path.to_str().unwrap()).unwrap();
            // The flags rusqlite opens ours with: without NOMUTEX the C library would lock its
            // connection mutex on every call, a cost ours does not pay.
            assert_eq!(open(p.as_ptr(), &mut db, OPEN_READWRITE | OPEN_CREATE | OPEN_URI | OPEN_NOMUTEX, std::ptr::null()), 0);
            Raw {
                _lib: lib,
                db,
                prepare: std::mem::transmute(sym(c"sqlite3_prepare_v2")),
                bind_text: std::mem::transmute(sym(c"sqlite3_bind_text")),
                bind_int64: std::mem::transmute(sym(c"sqlite3_bind_int64")),
                step: std::mem::transmute(sym(c"sqlite3_step")),
                reset: std::mem::transmute(sym(c"sqlite3_reset")),
                column_int64: std::mem::transmute(sym(c"sqlite3_column_int64")),
                column_text: std::mem::transmute(sym(c"sqlite3_column_text")),
                column_count: std::mem::transmute(sym(c"sqlite3_column_count")),
                exec: std::mem::transmute(sym(c"sqlite3_exec")),
            }
        }
    }

    fn exec(&self, sql: &str) {
        let sql = CString::new(sql).unwrap();
        // SAFETY: a valid db handle and a NUL-terminated statement.
        let rc = unsafe { (self.exec)(self.db, sql.as_ptr(), std::ptr::null(), std::ptr::null(), std::ptr::null_mut()) };
        assert_eq!(rc, 0, "raw exec failed: {sql:?}");
    }

    fn prepare(&self, sql: &str) -> *mut c_void {
        let sql = CString::new(sql).unwrap();
        let mut stmt = std::ptr::null_mut();
        // SAFETY: as above; the statement lives until the process ends.
        assert_eq!(unsafe { (self.prepare)(self.db, sql.as_ptr(), -1, &mut stmt, std::ptr::null_mut()) }, 0, "{sql:?}");
        stmt
    }

    /// Binds `args`, steps to the end, and returns each row's first column (as integer and text).
    /// The other columns are copied out too and dropped, as a program that shows the rows
    /// would read them (ours builds each hit's contact from all of them).
    fn run(&self, stmt: *mut c_void, args: &[Arg]) -> Vec<(i64, Option<String>)> {
        let mut out = Vec::new();
        // SAFETY: stmt came from prepare; texts are copied by the library (TRANSIENT).
        unsafe {
            (self.reset)(stmt);
            for (i, a) in args.iter().enumerate() {
                let at = i as c_int + 1;
                match a {
                    Arg::Int(v) => (self.bind_int64)(stmt, at, *v),
                    Arg::Text(s) => (self.bind_text)(stmt, at, s.as_ptr() as *const c_char, s.len() as c_int, TRANSIENT),
                    Arg::Null => 0,
                };
            }
            while (self.step)(stmt) == SQLITE_ROW {
                let t = (self.column_text)(stmt, 0);
                out.push(((self.column_int64)(stmt, 0), (!t.is_null()).then(|| CStr::from_ptr(t).to_string_lossy().into_owned())));
                for c in 1..(self.column_count)(stmt) {
                    let t = (self.column_text)(stmt, c);
                    std::hint::black_box((!t.is_null()).then(|| CStr::from_ptr(t).to_string_lossy().into_owned()));
                }
            }
        }
        out
    }
}

fn opt(o: &Option<String>) -> Arg<'_> {
    o.as_deref().map(Arg::Text).unwrap_or(Arg::Null)
}

enum Arg<'a> {
    Int(i64),
    Text(&'a str),
    Null,
}

const IMPORT_ROUNDS: usize = 3;

/// Every row ours stored, to insert again through the raw library.
struct Rows {
    schema: Vec<String>,
    contacts: Vec<(i64, String, Option<String>, Option<String>, Option<String>, String)>,
    numbers: Vec<(i64, i64, String, Option<String>, Option<String>, String)>,
    fts: Vec<(i64, String, Option<String>)>,
    digits: Vec<(i64, String)>,
}

fn all<T>(db: &rusqlite::Connection, sql: &str, f: impl FnMut(&rusqlite::Row) -> rusqlite::Result<T>) -> Vec<T> {
    db.prepare(sql).unwrap().query_map([], f).unwrap().map(Result::unwrap).collect()
}

impl Rows {
    fn read(db: &rusqlite::Connection) -> Rows {
        Rows {
            schema: all(
                db,
                "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'contacts_fts_%' ORDER BY rowid",
                |r| r.get(0),
            ),
            contacts: all(db, "SELECT id, source, uid, name, organization, emails FROM contacts ORDER BY id", |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
            }),
            numbers: all(db, "SELECT contact_id, position, number, e164, label, lookup_key FROM contact_numbers", |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
            }),
            fts: all(db, "SELECT rowid, name, organization FROM contacts_fts", |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))),
            digits: all(db, "SELECT contact_id, digits FROM contact_digits ORDER BY contact_id", |r| Ok((r.get(0)?, r.get(1)?))),
        }
    }
}

/// The same rows through the C library: prepared INSERTs in one transaction, WAL, FULL sync.
fn raw_import(path: &std::path::Path, rows: &Rows) -> Duration {
    let raw = Raw::open(path);
    raw.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;");
    for sql in &rows.schema {
        raw.exec(sql);
    }
    let start = Instant::now();
    raw.exec("BEGIN");
    let ins_c = raw.prepare("INSERT INTO contacts (id, source, uid, name, organization, emails) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    let ins_n = raw.prepare("INSERT INTO contact_numbers (contact_id, position, number, e164, label, lookup_key) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    let ins_f = raw.prepare("INSERT INTO contacts_fts (rowid, name, organization) VALUES (?1, ?2, ?3)");
    let ins_d = raw.prepare("INSERT INTO contact_digits (digits, contact_id) VALUES (?1, ?2)");
    let mut numbers_by_contact = rows.numbers.iter().peekable();
    let mut digits_by_contact = rows.digits.iter().peekable();
    for (c, f) in rows.contacts.iter().zip(&rows.fts) {
        raw.run(ins_c, &[Arg::Int(c.0), Arg::Text(&c.1), opt(&c.2), opt(&c.3), opt(&c.4), Arg::Text(&c.5)]);
        while let Some(nr) = numbers_by_contact.next_if(|nr| nr.0 == c.0) {
            raw.run(ins_n, &[Arg::Int(nr.0), Arg::Int(nr.1), Arg::Text(&nr.2), opt(&nr.3), opt(&nr.4), Arg::Text(&nr.5)]);
        }
        raw.run(ins_f, &[Arg::Int(f.0), Arg::Text(&f.1), opt(&f.2)]);
        while let Some(d) = digits_by_contact.next_if(|d| d.0 == c.0) {
            raw.run(ins_d, &[Arg::Text(&d.1), Arg::Int(d.0)]);
        }
    }
    raw.exec("COMMIT");
    start.elapsed()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn result(name: &str, ratio: f64, target: f64, extra_ok: bool) {
    println!("RESULT {name} ratio={ratio:.2} target={target} {}", if ratio <= target && extra_ok { "pass" } else { "miss" });
}

fn main() {
    let n: u32 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let queries: usize = std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(5_000);
    let region = numbers::region("FR");
    let dir = tempfile::tempdir().unwrap();
    let cards: Vec<ContactCard> = (0..n).map(card).collect();
    println!("bench contacts: {n} contacts (2 numbers each), {queries} lookups and searches; raw = system libsqlite3 (C API, prepared statements)");

    // Import: ours from the cards, raw from the rows ours produced (normalised already), in
    // interleaved rounds on fresh files; medians.
    let mut kept_db: Option<(rusqlite::Connection, Raw)> = None;
    let mut ours_times = Vec::new();
    let mut raw_times = Vec::new();
    let mut kept = None;
    for round in 0..IMPORT_ROUNDS {
        let mut ours = store::open(&dir.path().join(format!("ours{round}.db"))).unwrap();
        let start = Instant::now();
        contacts::replace_device(&mut ours, &cards, region).unwrap();
        ours_times.push(start.elapsed());
        let rows = kept.get_or_insert_with(|| Rows::read(&ours));
        raw_times.push(raw_import(&dir.path().join(format!("raw{round}.db")), rows));
        if round + 1 == IMPORT_ROUNDS {
            kept_db = Some((ours, Raw::open(&dir.path().join(format!("raw{round}.db")))));
        }
    }
    ours_times.sort();
    raw_times.sort();
    let (ours_import, raw_import) = (ours_times[IMPORT_ROUNDS / 2], raw_times[IMPORT_ROUNDS / 2]);
    let (ours, raw) = kept_db.take().unwrap();
    println!(
        "import (median of {IMPORT_ROUNDS} interleaved rounds): ringside {:.0} ms (incl. libphonenumber), raw {:.0} ms",
        ours_import.as_secs_f64() * 1e3,
        raw_import.as_secs_f64() * 1e3
    );

    // Lookups: the same sample of callers, as SIP sends them.
    let mut seed = 0x9e3779b97f4a7c15u64;
    println!("seed {seed:#x}");
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let picks: Vec<u32> = (0..queries).map(|_| (next() % u64::from(n)) as u32).collect();
    let callers: Vec<String> = picks.iter().map(|i| format!("sip:+33600{:02}{:02}{:02}@pbx.test", i / 10_000 % 100, i / 100 % 100, i % 100)).collect();
    let keys: Vec<String> = callers.iter().map(|c| numbers::lookup_key(c, region).unwrap()).collect();
    let raw_lookup = raw.prepare("SELECT c.name FROM contact_numbers n JOIN contacts c ON c.id = n.contact_id WHERE n.lookup_key = ?1 LIMIT 1");
    let (mut ours_l, mut raw_l) = (Vec::new(), Vec::new());
    for (caller, key) in callers.iter().zip(&keys) {
        let t = Instant::now();
        let a = contacts::name_for(&ours, caller, region).unwrap();
        ours_l.push(t.elapsed());
        let t = Instant::now();
        let b = raw.run(raw_lookup, &[Arg::Text(key)]);
        raw_l.push(t.elapsed());
        assert_eq!(a, b.first().and_then(|r| r.1.clone()), "same answer for {caller}");
    }
    ours_l.sort();
    raw_l.sort();

    // Type-ahead: name prefixes and digit prefixes, 20 results, with each hit's numbers.
    let prefixes: Vec<String> = picks
        .iter()
        .enumerate()
        .map(|(k, i)| {
            if k % 2 == 0 {
                card(*i).name.chars().take(3).collect::<String>().to_lowercase().replace('é', "e")
            } else {
                format!("0600{:02}{}", i / 10_000 % 100, i / 1000 % 10)
            }
        })
        .collect();
    let raw_fts = raw.prepare(contacts::WORDS_SQL);
    let raw_digits = raw.prepare(contacts::DIGITS_SQL);
    let raw_head = raw.prepare("SELECT source, name, organization, emails FROM contacts WHERE id = ?1");
    let raw_nums = raw.prepare("SELECT number, e164, label FROM contact_numbers WHERE contact_id = ?1 ORDER BY position");
    let (mut ours_t, mut raw_t) = (Vec::new(), Vec::new());
    for p in &prefixes {
        let t = Instant::now();
        let a = contacts::search(&ours, p, 20).unwrap();
        ours_t.push(t.elapsed());
        let t = Instant::now();
        // The query is built from what was typed on both sides: the same function, as a C
        // program would do the same work in its own code.
        let q = contacts::type_ahead(p).unwrap();
        // Ours reads the hits and their rows in one read transaction: so does the C program.
        raw.exec("BEGIN");
        let ids = match &q {
            contacts::TypeAhead::Digits { from, to } => raw.run(raw_digits, &[Arg::Text(from), Arg::Text(to), Arg::Int(20)]),
            contacts::TypeAhead::Words(q) => raw.run(raw_fts, &[Arg::Text(q), Arg::Int(20)]),
        };
        let mut got = 0;
        for (id, _) in &ids {
            got += raw.run(raw_head, &[Arg::Int(*id)]).len();
            raw.run(raw_nums, &[Arg::Int(*id)]);
        }
        raw.exec("COMMIT");
        raw_t.push(t.elapsed());
        assert_eq!(a.len(), got, "same hits for {p:?}");
    }
    ours_t.sort();
    raw_t.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "caller-ID lookup: ringside p50 {:.1} µs p99 {:.1} µs; raw p50 {:.1} µs p99 {:.1} µs",
        us(percentile(&ours_l, 0.5)),
        us(percentile(&ours_l, 0.99)),
        us(percentile(&raw_l, 0.5)),
        us(percentile(&raw_l, 0.99))
    );
    println!(
        "type-ahead (20 results): ringside p50 {:.1} µs p99 {:.1} µs; raw p50 {:.1} µs p99 {:.1} µs",
        us(percentile(&ours_t, 0.5)),
        us(percentile(&ours_t, 0.99)),
        us(percentile(&raw_t, 0.5)),
        us(percentile(&raw_t, 0.99))
    );
    let typeahead_p99 = percentile(&ours_t, 0.99);
    result("contacts-import", ours_import.as_secs_f64() / raw_import.as_secs_f64(), 1.3, true);
    // Medians: a lookup takes microseconds, and the shared machine's p99 is its scheduler's.
    result("contacts-lookup", percentile(&ours_l, 0.5).as_secs_f64() / percentile(&raw_l, 0.5).as_secs_f64(), 1.3, true);
    result("contacts-typeahead", typeahead_p99.as_secs_f64() / percentile(&raw_t, 0.99).as_secs_f64(), 1.3, typeahead_p99 <= Duration::from_millis(2));
}
