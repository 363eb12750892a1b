//! The core's layers, guarded: every `crate::<layer>` path in a layer's source may name only its
//! own layer or one below it. The order, bottom up:
//!
//! vocab → sip → signalling → media → audio → push → voicemail → store → directory → engine
//!
//! - `vocab`: the words more than one layer speaks (end reasons, media direction, codecs, ids);
//! - `sip`: our layer over rsipstack (digest, inbound gate, SDP, header parsing);
//! - `signalling`: sans-IO call, registration, session-timer and INVITE-policy machines;
//! - `media`: RTP/SRTP, codecs, jitter buffer, the sans-IO media pipeline;
//! - `audio`: devices (wav, null, a test tone, foreign for iOS, Oboe for Android);
//! - `push`: payload, hint decision, the wake machine, RFC 8599 parameters;
//! - `voicemail`: reading a PBX's voicemail e-mails (sans-IO);
//! - `store`: SQLite, with input types of its own;
//! - `directory`: reading CardDAV answers and vCards into the store's contact cards (sans-IO);
//! - `engine`: tokio, sockets, the `Phone` API — the only layer that may see them all.
//!
//! Why a test and not one crate per layer: the layers share one crate's `pub(crate)` API, and
//! a test catches an upward import with the file and line, before review does.

mod sources;

use std::path::Path;

const LAYERS: [&str; 10] = ["vocab", "sip", "signalling", "media", "audio", "push", "voicemail", "store", "directory", "engine"];

/// Known climbs being removed (file, layer it names): the call log folds the engine's events
/// until it takes an input type of its own.
const BEING_REMOVED: [(&str, &str); 0] = [];

fn rank(layer: &str) -> Option<usize> {
    LAYERS.iter().position(|l| *l == layer)
}

/// Every `crate::name` in `source` (comments included: a doc link upward is a smell too).
fn crate_paths(source: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in source.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            let name: String = rest[at + 7..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            out.push((n + 1, name));
            rest = &rest[at + 7..];
        }
    }
    out
}

#[test]
fn no_layer_imports_a_layer_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut violations = Vec::new();
    for layer in LAYERS {
        for file in sources::rust_files(&src.join(layer)) {
            let text = std::fs::read_to_string(&file).unwrap();
            for (line, name) in crate_paths(&text) {
                match rank(&name) {
                    Some(r) if r > rank(layer).unwrap() => {
                        let rel = file.strip_prefix(&src).unwrap().display().to_string();
                        if BEING_REMOVED.contains(&(rel.as_str(), name.as_str())) {
                            continue;
                        }
                        violations.push(format!("{}:{line}: {layer} names crate::{name}", file.strip_prefix(&src).unwrap().display()))
                    }
                    Some(_) => {}
                    None => {}
                }
            }
        }
    }
    assert!(violations.is_empty(), "imports that climb a layer:\n{}", violations.join("\n"));
}

#[test]
fn every_top_level_module_has_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for entry in std::fs::read_dir(&src).unwrap().flatten() {
        let path = entry.path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        if name == "lib" {
            continue;
        }
        assert!(rank(&name).is_some(), "{name} is in no layer: add it to LAYERS where it belongs");
    }
}

#[test]
fn the_scanner_finds_every_crate_path_on_a_line() {
    let found = crate_paths("use crate::sip::x; let y = crate::engine::calls::call_uuid(a, crate::vocab::b);");
    let names: Vec<_> = found.into_iter().map(|(_, n)| n).collect();
    assert_eq!(names, ["sip", "engine", "vocab"]);
}
