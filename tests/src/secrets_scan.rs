//! Finds a secret anywhere in a data directory: the database, its WAL and SHM, cached audio.

use std::path::Path;

/// Every file below `dir` whose bytes contain `secret`.
pub fn files_containing(dir: &Path, secret: &str) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_containing(&path, secret));
        } else if std::fs::read(&path).unwrap_or_default().windows(secret.len()).any(|w| w == secret.as_bytes()) {
            out.push(path.display().to_string());
        }
    }
    out
}
