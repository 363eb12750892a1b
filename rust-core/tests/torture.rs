//! RFC 4475 torture messages from `../shared/sip-torture/`, each handled as `manifest.tsv` says.

use ringside_core::testing::inbound::{check_parsed, classify, Verdict};
use std::path::PathBuf;

fn torture_dir() -> PathBuf {
    let shared = std::env::var_os("RINGSIDE_SHARED").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    shared.join("sip-torture")
}

/// What we do with each file: `req`/`resp` = accepted and parsed, a number = that answer,
/// `drop` = silently discarded. Derived from the manifest's class and text.
fn expected(file: &str) -> &'static str {
    match file {
        "intmeth.dat" | "esc02.dat" => "501",
        "unreason.dat" | "noreason.dat" => "resp",
        "badinv01.dat" | "clerr.dat" | "ncl.dat" | "scalar02.dat" | "quotbal.dat" | "ltgtruri.dat" | "lwsruri.dat" | "lwsstart.dat" | "trws.dat"
        | "escruri.dat" | "regbadct.dat" | "badaspec.dat" | "baddn.dat" | "mismatch01.dat" | "mismatch02.dat" | "insuf.dat" | "multi01.dat" | "mcl01.dat" => {
            "400"
        }
        "scalarlg.dat" | "bigcode.dat" | "bcast.dat" => "drop",
        "badvers.dat" => "505",
        "unkscm.dat" | "novelsc.dat" => "416",
        "bext01.dat" => "420",
        "invut.dat" => "415",
        "sdp01.dat" => "406",
        // baddate: "tolerate or 400" — we tolerate a bad Date, it changes nothing for a phone.
        _ => "req",
    }
}

#[test]
fn rfc4475_all_49_messages_handled_per_manifest() {
    let dir = torture_dir();
    let manifest =
        std::fs::read_to_string(dir.join("manifest.tsv")).unwrap_or_else(|e| panic!("torture manifest at {}: {e} (set RINGSIDE_SHARED)", dir.display()));
    let mut checked = 0;
    let mut failures = Vec::new();
    for line in manifest.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (file, class, what) = (cols[0], cols[2], cols[3]);
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let verdict = classify(&bytes, true);
        let got = match &verdict {
            Verdict::Request(_) => "req".to_string(),
            Verdict::Response(_) => "resp".to_string(),
            Verdict::Reject { code, .. } => code.to_string(),
            Verdict::Discard { .. } => "drop".to_string(),
        };
        let want = expected(file);
        // The manifest's classes bound what is acceptable whatever our table says.
        match class {
            "valid" => assert!(matches!(want, "req" | "resp" | "501"), "{file}: valid must parse"),
            "invalid" => assert!(want != "req" || file == "baddate.dat", "{file}: invalid must be refused"),
            _ => {}
        }
        if got != want {
            failures.push(format!("{file} ({class}: {what}): expected {want}, got {got}: {verdict:?}"));
        }
        if let Verdict::Reject { response, .. } = &verdict {
            let text = String::from_utf8_lossy(response);
            if !text.starts_with(&format!("SIP/2.0 {want} ")) {
                failures.push(format!("{file}: answered {}", text.lines().next().unwrap_or("")));
            }
            // The answer itself must parse: it goes back to the sender.
            rsipstack::sip::parser::parse_message(response).unwrap_or_else(|e| panic!("{file}: our {want} does not parse: {e}\n{text}"));
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "{} of {checked} mishandled:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(checked, 49);
}

/// The live path's gate sees rsipstack's parse, not the octets: wherever rsipstack parses a
/// message as a request, the parsed gate must say what the byte gate says of it, except for
/// the faults only the octets show — a start line rsipstack reads past (RFC 4475 §3.1.2.7
/// `<sip:…>` as the Request-URI, §3.1.2.10 a trailing SP) — which `classify` alone judges.
#[test]
fn the_parsed_gate_agrees_with_the_byte_gate_on_every_torture_request_rsipstack_parses() {
    let dir = torture_dir();
    let manifest = std::fs::read_to_string(dir.join("manifest.tsv")).unwrap();
    let mut compared = 0;
    let mut disagreements = Vec::new();
    for file in manifest.lines().skip(1).filter_map(|l| l.split('\t').next()).filter(|f| !f.trim().is_empty()) {
        let bytes = std::fs::read(dir.join(file)).unwrap();
        // As the live path has it: rsipstack's own parse, body cut to what it read.
        let Ok(rsipstack::sip::SipMessage::Request(req)) = rsipstack::sip::parser::parse_message(&bytes) else { continue };
        let by_bytes = match classify(&bytes, true) {
            Verdict::Request(_) => 0,
            Verdict::Reject { code, .. } => code,
            Verdict::Discard { .. } | Verdict::Response(_) => continue,
        };
        let parsed = check_parsed(&req).err().map(|r| r.code).unwrap_or(0);
        compared += 1;
        if parsed != by_bytes {
            disagreements.push(format!("{file}: bytes {by_bytes}, parsed {parsed}"));
        }
    }
    assert_eq!(compared, 38, "torture requests rsipstack parses");
    assert_eq!(disagreements, ["ltgtruri.dat: bytes 400, parsed 0", "trws.dat: bytes 400, parsed 0"]);
}

#[test]
fn dblreq_ignores_octets_after_content_length() {
    let bytes = std::fs::read(torture_dir().join("dblreq.dat")).unwrap();
    let Verdict::Request(req) = classify(&bytes, true) else { panic!("dblreq must parse") };
    assert_eq!(req.method.to_string(), "REGISTER");
    assert!(req.body.is_empty());
}

#[test]
fn truncations_of_every_message_never_panic() {
    let dir = torture_dir();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("dat") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        for cut in 0..bytes.len() {
            let _ = classify(&bytes[..cut], true);
            let _ = classify(&bytes[..cut], false);
        }
    }
}

/// What `screen` hands rsipstack on the live UDP path, rsipstack's endpoint can take: it parses,
/// its top Via takes `received`, and its From has a tag (rsipstack drops a request whose From
/// tag it cannot read, "from tags missing"). `wsinv.dat` gets there by being written tight,
/// `inv2543.dat` (an RFC 2543 request, no From tag at all) by a stand-in tag.
#[test]
fn every_request_the_datagram_screen_hands_on_is_one_rsipstack_takes() {
    use ringside_core::testing::inbound::{screen, Screened};
    use rsipstack::sip::prelude::HeadersExt;
    let dir = torture_dir();
    let manifest = std::fs::read_to_string(dir.join("manifest.tsv")).unwrap();
    let mut refused_by_rsipstack = Vec::new();
    for file in manifest.lines().skip(1).filter_map(|l| l.split('\t').next()) {
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let handed = match screen(&bytes, true) {
            Screened::Pass => bytes.clone(),
            Screened::Rewrite(tight) => tight,
            Screened::Refuse { .. } | Screened::Discard { .. } => continue,
        };
        let Ok(rsipstack::sip::SipMessage::Request(req)) = rsipstack::sip::SipMessage::try_from(&handed[..]) else { continue };
        let from_tag = req.from_header().ok().and_then(|f| f.tag().ok().flatten()).map(|t| t.value().to_string());
        let via_ok =
            rsipstack::transport::SipConnection::update_msg_received(req.into(), "192.0.2.1:5060".parse().unwrap(), rsipstack::sip::Transport::Udp).is_ok();
        if from_tag.is_none() || !via_ok {
            refused_by_rsipstack.push(file.to_string());
        }
        if file == "wsinv.dat" {
            assert_eq!(from_tag.as_deref(), Some("98asjd8"), "the folded `tag = 98asjd8` reads once written tight");
        }
    }
    assert_eq!(refused_by_rsipstack, Vec::<String>::new());
}

/// The same on a stream: each file as the bytes of a TCP flow, cut by our framer, screened,
/// and what is handed on read by rsipstack's parser (which, on a stream, would end the flow
/// over a message it cannot read). Every request is answered or handed on, none lost between.
#[test]
fn every_message_the_stream_gate_hands_on_is_one_rsipstack_parses() {
    use ringside_core::testing::inbound::{answer_unframed, screen_framed, Screened};
    use ringside_core::testing::stream_framer::{Frame, StreamFramer};
    let dir = torture_dir();
    let manifest = std::fs::read_to_string(dir.join("manifest.tsv")).unwrap();
    let mut outcomes = Vec::new();
    for file in manifest.lines().skip(1).filter_map(|l| l.split('\t').next()) {
        let mut framer = StreamFramer::default();
        framer.push(&std::fs::read(dir.join(file)).unwrap());
        // A file without its blank line ends its header section on a stream only with one.
        framer.push(b"\r\n\r\n");
        let mut first = None;
        while let Some(frame) = framer.next_frame().unwrap() {
            let screened = match frame {
                Frame::Message(bytes) => match screen_framed(&bytes) {
                    Screened::Pass => Screened::Rewrite(bytes),
                    other => other,
                },
                Frame::Unframed { head, why } => answer_unframed(&head, &why),
                Frame::Ping | Frame::Pong => continue,
            };
            let outcome = match &screened {
                Screened::Rewrite(bytes) => {
                    assert!(rsipstack::sip::SipMessage::try_from(&bytes[..]).is_ok(), "{file}: handed on, unreadable");
                    "handed on".to_string()
                }
                Screened::Refuse { code, .. } => code.to_string(),
                Screened::Discard { .. } => "dropped".to_string(),
                Screened::Pass => unreachable!(),
            };
            first.get_or_insert(outcome);
        }
        outcomes.push(format!("{file}: {}", first.unwrap_or_else(|| "waiting".into())));
    }
    let waiting: Vec<&String> = outcomes.iter().filter(|o| o.ends_with("waiting")).collect();
    // 9999 octets claimed and not sent: a stream rightly waits for them.
    assert_eq!(waiting, ["clerr.dat: waiting"], "{outcomes:#?}");
    let dblreq = outcomes.iter().find(|o| o.starts_with("dblreq")).unwrap();
    assert_eq!(dblreq, "dblreq.dat: handed on");
}
