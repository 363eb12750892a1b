//! Where each sync left off: CardDAV's sync-token and ctag, IMAP's UIDVALIDITY. Input and
//! output: small text values under a source and a key, written in the same transaction as the
//! rows they describe, so a sync cut short resumes from what was really stored.

use super::StoreError;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

/// What one sync changed in the cache, and why it skipped each item it skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct SyncReport {
    pub added: u32,
    pub updated: u32,
    pub removed: u32,
    pub skipped: Vec<String>,
}

pub fn get(conn: &Connection, source: &str, key: &str) -> Result<Option<String>, StoreError> {
    conn.query_row("SELECT value FROM sync_state WHERE source = ?1 AND key = ?2", params![source, key], |r| r.get(0))
        .optional()
        .map_err(|source| StoreError::Query { what: "reading sync state", source })
}

/// Sets (or with `None` forgets) one value.
pub fn set(conn: &Connection, source: &str, key: &str, value: Option<&str>) -> Result<(), StoreError> {
    let fail = |source| StoreError::Query { what: "writing sync state", source };
    match value {
        Some(v) => conn.execute("INSERT OR REPLACE INTO sync_state (source, key, value) VALUES (?1, ?2, ?3)", params![source, key, v]).map_err(fail)?,
        None => conn.execute("DELETE FROM sync_state WHERE source = ?1 AND key = ?2", params![source, key]).map_err(fail)?,
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn values_are_kept_per_source_and_key_and_can_be_forgotten() {
        let db = super::super::open_in_memory().unwrap();
        super::set(&db, "directory", "sync-token", Some("t1")).unwrap();
        super::set(&db, "directory", "sync-token", Some("t2")).unwrap();
        super::set(&db, "voicemail", "sync-token", Some("v")).unwrap();
        assert_eq!(super::get(&db, "directory", "sync-token").unwrap().as_deref(), Some("t2"));
        super::set(&db, "directory", "sync-token", None).unwrap();
        assert_eq!(super::get(&db, "directory", "sync-token").unwrap(), None);
        assert_eq!(super::get(&db, "voicemail", "sync-token").unwrap().as_deref(), Some("v"));
    }
}
