//! The device's persisted `+sip.instance` (RFC 5626 §4.1): one UUID per account, kept across
//! runs so a re-registration replaces our binding instead of adding another.

use std::path::Path;

/// Loads or creates the instance URN for `account_key` under `data_dir`.
pub fn instance_urn(data_dir: &Path, account_key: &str) -> std::io::Result<String> {
    let file = data_dir.join("instance-ids");
    let existing = std::fs::read_to_string(&file).unwrap_or_default();
    for line in existing.lines() {
        if let Some((key, uuid)) = line.split_once(' ') {
            if key == account_key {
                return Ok(format!("urn:uuid:{uuid}"));
            }
        }
    }
    let uuid = uuid::Uuid::new_v4();
    std::fs::create_dir_all(data_dir)?;
    // Write-then-rename so a crash never leaves a half-written file behind.
    let tmp = data_dir.join("instance-ids.tmp");
    std::fs::write(&tmp, format!("{existing}{account_key} {uuid}\n"))?;
    std::fs::rename(&tmp, &file)?;
    Ok(format!("urn:uuid:{uuid}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_is_stable_per_account_and_distinct_across_accounts() {
        let dir = std::env::temp_dir().join(format!("ringside-inst-{}", uuid::Uuid::new_v4()));
        let a1 = instance_urn(&dir, "1001@pbx").unwrap();
        let b = instance_urn(&dir, "1002@pbx").unwrap();
        let a2 = instance_urn(&dir, "1001@pbx").unwrap();
        assert_eq!(a1, a2);
        assert_ne!(a1, b);
        assert!(a1.starts_with("urn:uuid:"));
        std::fs::remove_dir_all(dir).ok();
    }
}
