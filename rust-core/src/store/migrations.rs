//! Numbered schema migrations: each step runs in its own transaction together with the
//! `user_version` bump, so a crash mid-upgrade leaves the previous schema, never half of one.

use super::StoreError;
use rusqlite::Connection;
use std::path::Path;

/// (version, name, SQL), in order; a step is never edited once released: add one.
pub(super) const MIGRATIONS: &[(u32, &str, &str)] = &[
    (1, "call_log", include_str!("../../migrations/001_call_log.sql")),
    (2, "call_quality", include_str!("../../migrations/002_call_quality.sql")),
    (3, "library", include_str!("../../migrations/003_library.sql")),
];

/// The schema version this build writes.
pub(super) fn latest() -> u32 {
    MIGRATIONS.last().map(|m| m.0).unwrap_or(0)
}

/// Brings `conn` up to [`latest`], one transaction per step.
pub(super) fn run(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    run_to(conn, path, latest())
}

pub(super) fn run_to(conn: &mut Connection, path: &Path, target: u32) -> Result<(), StoreError> {
    let current: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(|source| StoreError::Open { path: path.to_path_buf(), source })?;
    if current > latest() {
        return Err(StoreError::TooNew { path: path.to_path_buf(), found: current, known: latest() });
    }
    for &(version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > current && m.0 <= target) {
        let fail = |source| StoreError::Migration { version, name, source };
        let tx = conn.transaction().map_err(fail)?;
        tx.execute_batch(sql).map_err(fail)?;
        tx.pragma_update(None, "user_version", version).map_err(fail)?;
        tx.commit().map_err(fail)?;
        tracing::info!(version, name, "database migrated");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every table, index and column definition, as SQLite itself prints them.
    fn schema(conn: &Connection) -> Vec<String> {
        let mut stmt = conn.prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").unwrap();
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?))).unwrap();
        let objects: Vec<(String, String, Option<String>)> = rows.map(Result::unwrap).collect();
        let mut out: Vec<String> = objects.iter().map(|(t, n, sql)| format!("{t} {n} {sql:?}")).collect();
        for (_, table, _) in objects.iter().filter(|(t, _, _)| t == "table") {
            let mut cols = conn.prepare("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1) ORDER BY name").unwrap();
            let cols = cols
                .query_map([table], |r| {
                    Ok(format!(
                        "col {table}.{} {} {} {:?} {}",
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, i64>(4)?
                    ))
                })
                .unwrap();
            out.extend(cols.map(Result::unwrap));
        }
        out
    }

    #[test]
    fn a_database_upgraded_from_every_version_equals_a_fresh_one_and_keeps_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let fresh = super::super::open(&dir.path().join("fresh.db")).unwrap();
        for from in 1..latest() {
            let old_path = dir.path().join(format!("v{from}.db"));
            let mut old = Connection::open(&old_path).unwrap();
            run_to(&mut old, &old_path, from).unwrap();
            old.execute("INSERT INTO call_log (call_uuid, direction, peer, started_ms) VALUES ('a', 'in', 'sip:1002@pbx', 1)", []).unwrap();
            drop(old);
            let upgraded = super::super::open(&old_path).unwrap();
            assert_eq!(schema(&upgraded), schema(&fresh), "upgraded from version {from}");
            let version: u32 = upgraded.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
            assert_eq!(version, latest());
            let peer: String = upgraded.query_row("SELECT peer FROM call_log WHERE call_uuid = 'a'", [], |r| r.get(0)).unwrap();
            assert_eq!(peer, "sip:1002@pbx", "rows survive the upgrade from {from}");
        }
    }

    #[test]
    fn a_database_from_a_newer_build_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.db");
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        assert!(matches!(super::super::open(&path), Err(StoreError::TooNew { found: 99, .. })));
    }

    #[test]
    fn the_database_runs_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let conn = super::super::open(&dir.path().join("w.db")).unwrap();
        let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
    }
}
