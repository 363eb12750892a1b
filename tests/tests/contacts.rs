//! Contacts end to end: the company directory over CardDAV against a real Radicale (started
//! here on loopback, by PID, with its own htpasswd user), the device address book from vCard
//! files and bulk imports, caller ID and type-ahead, and what failures leave in the cache.

use ringside_core::library::Library;
use ringside_core::library::{ContactCard, ContactNumber};
use ringside_core::library::{ContactsConfig, DirectoryConfig, LibraryConfig};
use ringside_core::{EngineError, StaticSecrets};
use ringside_core::{PhoneEvent, SyncSource};
use ringside_testbed::events::{runtime as rt, Events};
use ringside_testbed::radicale::{vcard, Radicale};
use ringside_testbed::ringside::Ringside;
use ringside_testbed::secrets_scan::files_containing;
use std::sync::Arc;
use std::time::{Duration, Instant};

const SEC: Duration = Duration::from_secs(1);

fn library(dir: &std::path::Path, url: &str, user: &str, password: &str) -> (Library, Arc<Events>) {
    let events = Arc::new(Events::default());
    let config = LibraryConfig {
        contacts: ContactsConfig { default_region: Some("FR".into()) },
        directory: Some(DirectoryConfig { url: url.into(), username: user.into(), password_env: None }),
        ..Default::default()
    };
    let secrets = StaticSecrets(vec![(format!("directory:{user}"), password.into())]);
    (Library::open(dir, config, Arc::new(secrets), events.clone()).unwrap(), events)
}

fn names(lib: &Library, rt: &tokio::runtime::Runtime, q: &str) -> Vec<String> {
    rt.block_on(lib.search_contacts(q.into(), 50)).unwrap().into_iter().map(|c| c.name).collect()
}

#[test]
fn the_directory_syncs_incrementally_from_radicale_and_names_callers() {
    let server = Radicale::start("alice", "dav-secret-1");
    server.put("a.vcf", &vcard("a", "Élodie Martin", &["+33 6 12 34 56 78"]));
    server.put("b.vcf", &vcard("b", "Reception", &["1003"]));
    server.put("c.vcf", &vcard("c", "Paul Durand", &["01 45 67 89 01"]));
    let dir = tempfile::tempdir().unwrap();
    let (lib, events) = library(dir.path(), &server.url(), "alice", "dav-secret-1");
    let rt = rt();
    let first = rt.block_on(lib.sync_directory()).unwrap_or_else(|e| panic!("{e}\n{}", server.log()));
    assert_eq!((first.added, first.updated, first.removed), (3, 0, 0), "{first:?}");
    assert_eq!(rt.block_on(lib.lookup_number("sip:0612345678@pbx.test".into())).unwrap().unwrap().name, "Élodie Martin");
    assert_eq!(lib.caller_name("sip:1003@pbx.test").as_deref(), Some("Reception"));
    assert_eq!(names(&lib, &rt, "elod"), vec!["Élodie Martin"]);

    // The directory changes: one edited, one new, one gone. Only those travel.
    server.put("a.vcf", &vcard("a", "Élodie Martin-Roy", &["+33 6 12 34 56 78"]));
    server.put("d.vcf", &vcard("d", "Zoé Petit", &["1004"]));
    server.delete("c.vcf");
    let second = rt.block_on(lib.sync_directory()).unwrap();
    assert_eq!((second.added, second.updated, second.removed), (1, 1, 1), "{second:?}");
    assert_eq!(names(&lib, &rt, "zoe"), vec!["Zoé Petit"]);
    assert!(names(&lib, &rt, "paul").is_empty());
    let third = rt.block_on(lib.sync_directory()).unwrap();
    assert_eq!((third.added, third.updated, third.removed), (0, 0, 0), "nothing changed: {third:?}");
    let got = events.all();
    assert!(got.iter().any(|e| matches!(e, PhoneEvent::SyncProgress { source: SyncSource::Directory, .. })));
    assert_eq!(got.iter().filter(|e| matches!(e, PhoneEvent::SyncFinished { source: SyncSource::Directory, .. })).count(), 3);
}

#[test]
fn a_forgotten_sync_token_means_a_full_sync_with_removals() {
    let server = Radicale::start("bob", "dav-secret-2");
    server.put("a.vcf", &vcard("a", "Anne", &["1001"]));
    server.put("b.vcf", &vcard("b", "Bert", &["1002"]));
    let dir = tempfile::tempdir().unwrap();
    let (lib, _) = library(dir.path(), &server.url(), "bob", "dav-secret-2");
    let rt = rt();
    rt.block_on(lib.sync_directory()).unwrap();
    server.delete("b.vcf");
    // The server lost our token (a restored backup): it refuses it, we list everything.
    let db = rusqlite::Connection::open(dir.path().join("ringside.db")).unwrap();
    db.execute("UPDATE sync_state SET value = 'http://radicale.org/ns/sync/unknown' WHERE key = 'sync-token'", []).unwrap();
    let report = rt.block_on(lib.sync_directory()).unwrap();
    assert_eq!(report.removed, 1, "{report:?}");
    assert_eq!(names(&lib, &rt, "a"), vec!["Anne"]);
}

#[test]
fn a_wrong_password_is_an_auth_error_and_a_dead_server_keeps_the_cache() {
    let server = Radicale::start("carol", "dav-secret-3");
    server.put("a.vcf", &vcard("a", "Anne", &["1001"]));
    let dir = tempfile::tempdir().unwrap();
    let rt = rt();
    let (wrong, _) = library(dir.path(), &server.url(), "carol", "not-it");
    assert!(matches!(rt.block_on(wrong.sync_directory()), Err(EngineError::Auth(_))));
    let (lib, events) = library(dir.path(), &server.url(), "carol", "dav-secret-3");
    rt.block_on(lib.sync_directory()).unwrap();
    drop(server);
    let err = rt.block_on(lib.sync_directory()).unwrap_err();
    assert!(matches!(err, EngineError::Network(_)), "{err}");
    assert!(events.all().iter().any(|e| matches!(e, PhoneEvent::SyncFailed { source: SyncSource::Directory, .. })));
    assert_eq!(names(&lib, &rt, "anne"), vec!["Anne"], "what was cached stays");
}

/// A server that answers the sync with half a multistatus, then hangs up.
fn half_answer_server() -> (u16, std::thread::JoinHandle<()>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        listener.set_nonblocking(false).unwrap();
        for _ in 0..3 {
            let Ok((mut s, _)) = listener.accept() else { return };
            s.set_read_timeout(Some(SEC)).ok();
            let mut buf = [0u8; 8192];
            let _ = s.read(&mut buf);
            let body = "<?xml version=\"1.0\"?><multistatus xmlns=\"DAV:\"><response><href>/ab/x.vcf</href><propstat><prop><getetag>\"1\"</getetag>";
            let _ = write!(s, "HTTP/1.1 207 Multi-Status\r\nContent-Type: application/xml\r\nContent-Length: 4000\r\n\r\n{body}");
            // Closed here, 3900 bytes short.
        }
    });
    (port, handle)
}

#[test]
fn a_server_that_disconnects_mid_sync_fails_cleanly_and_keeps_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let rt = rt();
    let (port, server) = half_answer_server();
    let (lib, events) = library(dir.path(), &format!("http://127.0.0.1:{port}/ab/"), "dave", "dav-secret-4");
    let card = ContactCard { name: "Kept".into(), numbers: vec![ContactNumber { number: "1009".into(), ..Default::default() }], ..Default::default() };
    rt.block_on(lib.import_contacts(vec![card])).unwrap();
    let err = rt.block_on(lib.sync_directory()).unwrap_err();
    assert!(matches!(err, EngineError::Network(_)), "{err}");
    assert!(events.all().iter().any(|e| matches!(e, PhoneEvent::SyncFailed { message, .. } if !message.contains("dav-secret-4"))));
    assert_eq!(names(&lib, &rt, "kept"), vec!["Kept"]);
    drop(server);
}

#[test]
fn a_100k_address_book_imports_in_one_go_and_answers_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let (lib, _) = library(dir.path(), "http://127.0.0.1:1/", "x", "y");
    let rt = rt();
    let cards: Vec<ContactCard> = (0..100_000)
        .map(|i| ContactCard {
            name: format!("Person{i} Family{}", i % 997),
            numbers: vec![ContactNumber {
                number: format!("06 {:02} {:02} {:02} {:02}", i / 1_000_000 % 100, i / 10_000 % 100, i / 100 % 100, i % 100),
                ..Default::default()
            }],
            ..Default::default()
        })
        .collect();
    let start = Instant::now();
    let report = rt.block_on(lib.import_contacts(cards)).unwrap();
    println!("100k import: {:?}", start.elapsed());
    assert_eq!(report.imported, 100_000);
    let name = |i: u32| format!("Person{i} Family{}", i % 997);
    let start = Instant::now();
    assert_eq!(lib.caller_name("06 00 01 23 45"), Some(name(12345)));
    assert_eq!(lib.caller_name("sip:+33600009999@pbx.test"), Some(name(9999)));
    let hits = rt.block_on(lib.search_contacts("person4242".into(), 20)).unwrap();
    assert!(hits.iter().any(|c| c.name == name(4242)), "{hits:?}");
    let digits = rt.block_on(lib.search_contacts("06 00 00 42".into(), 20)).unwrap();
    assert!(!digits.is_empty());
    println!("lookups and searches: {:?}", start.elapsed());
    assert!(start.elapsed() < 2 * SEC, "{:?}", start.elapsed());
}

#[test]
fn the_cli_imports_a_vcard_file_searches_and_syncs_without_sip() {
    let server = Radicale::start("erin", "dav-secret-5");
    server.put("a.vcf", &vcard("a", "Directory Dan", &["1005"]));
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let vcf = dir.path().join("book.vcf");
    std::fs::write(&vcf, "BEGIN:VCARD\nVERSION:3.0\nFN:Élodie Martin\nTEL:+33 6 12 34 56 78\nEND:VCARD\nBEGIN:VCARD\nVERSION:3.0\nNOTE:no name\nEND:VCARD\n")
        .unwrap();
    let config =
        format!("[contacts]\ndefault_region = \"FR\"\n[directory]\nurl = \"{}\"\nusername = \"erin\"\npassword_env = \"RINGSIDE_PASSWORD\"\n", server.url());
    let run = |args: &[&str]| Ringside::run_in(&data, &config, "dav-secret-5", args, 20 * SEC);
    let (code, out, _) = run(&["contacts", "import", vcf.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out:?}");
    assert_eq!((out[0]["event"].as_str(), out[0]["imported"].as_u64(), out[0]["skipped"].as_array().map(Vec::len)), (Some("import_report"), Some(1), Some(1)));
    let (code, out, stderr) = run(&["contacts", "sync"]);
    assert_eq!(code, Some(0), "{out:?}\n{stderr}");
    let finished = out.iter().find(|e| e["event"] == "sync_finished").unwrap();
    assert_eq!((finished["source"].as_str(), finished["report"]["added"].as_u64()), (Some("directory"), Some(1)));
    assert!(!stderr.contains("dav-secret-5"), "no password in logs");
    let (_, out, _) = run(&["contacts", "search", "0612"]);
    assert_eq!(out[0]["contacts"][0]["name"], "Élodie Martin");
    let (_, out, _) = run(&["contacts", "search", "dan"]);
    assert_eq!(out[0]["contacts"][0]["source"], "directory");
    assert_eq!(files_containing(&data, "dav-secret-5"), Vec::<String>::new(), "the password is in these files");
}
