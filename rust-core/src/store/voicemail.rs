//! The voicemail cache: one row per message of the voicemail mailbox, kept for offline
//! listening. Input: messages the IMAP sync found and the user's heard/delete actions; output:
//! the list screen, and the changes the next sync must carry to the server.

use super::StoreError;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

/// One voicemail message as the shells show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Voicemail {
    /// `<uidvalidity>:<uid>`: stable while the mailbox is.
    pub id: String,
    pub caller: String,
    pub caller_name: Option<String>,
    pub received_ms: i64,
    pub duration_ms: Option<i64>,
    pub heard: bool,
    /// Its audio is on the phone (playable offline).
    pub cached: bool,
}

/// A message as the sync found it on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVoicemail {
    pub id: String,
    pub uid: u32,
    pub caller: String,
    pub caller_name: Option<String>,
    pub received_ms: i64,
    pub duration_ms: Option<i64>,
    pub heard: bool,
    pub audio_path: Option<String>,
    /// Why its audio could not be kept (a broken or non-audio attachment).
    pub audio_error: Option<String>,
    pub source: String,
}

fn fail(what: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |source| StoreError::Query { what, source }
}

fn row(r: &Row) -> rusqlite::Result<Voicemail> {
    Ok(Voicemail {
        id: r.get(0)?,
        caller: r.get(1)?,
        caller_name: r.get(2)?,
        received_ms: r.get(3)?,
        duration_ms: r.get(4)?,
        heard: r.get(5)?,
        cached: r.get::<_, Option<String>>(6)?.is_some(),
    })
}

/// Every message not deleted, newest first.
pub fn list(conn: &Connection) -> Result<Vec<Voicemail>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, caller, caller_name, received_ms, duration_ms, heard, audio_path FROM voicemail WHERE deleted = 0 ORDER BY received_ms DESC, uid DESC",
        )
        .map_err(fail("listing voicemail"))?;
    let rows = stmt.query_map([], row).map_err(fail("listing voicemail"))?;
    rows.collect::<Result<_, _>>().map_err(fail("listing voicemail"))
}

/// Stores a message found on the server (a known one keeps the user's pending changes).
pub fn insert(conn: &Connection, m: &NewVoicemail) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO voicemail (id, uid, caller, caller_name, received_ms, duration_ms, heard, audio_path, audio_error, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (id) DO NOTHING",
        params![m.id, m.uid, m.caller, m.caller_name, m.received_ms, m.duration_ms, m.heard, m.audio_path, m.audio_error, m.source],
    )
    .map_err(fail("storing a voicemail"))?;
    Ok(())
}

/// The server's `\Seen` for a message the phone has not changed since.
pub fn set_heard_from_server(conn: &Connection, id: &str, heard: bool) -> Result<(), StoreError> {
    conn.execute("UPDATE voicemail SET heard = ?2 WHERE id = ?1 AND heard_dirty = 0", params![id, heard]).map_err(fail("updating a voicemail"))?;
    Ok(())
}

/// The user heard (or un-heard) a message; the next sync tells the server. Whether it exists.
pub fn set_heard(conn: &Connection, id: &str, heard: bool) -> Result<bool, StoreError> {
    let n = conn
        .execute("UPDATE voicemail SET heard = ?2, heard_dirty = 1 WHERE id = ?1 AND deleted = 0", params![id, heard])
        .map_err(fail("marking a voicemail heard"))?;
    Ok(n > 0)
}

/// The user deleted a message: hidden now, expunged from the server by the next sync.
pub fn mark_deleted(conn: &Connection, id: &str) -> Result<bool, StoreError> {
    let n = conn.execute("UPDATE voicemail SET deleted = 1 WHERE id = ?1 AND deleted = 0", [id]).map_err(fail("deleting a voicemail"))?;
    Ok(n > 0)
}

/// Every id the cache holds for `source`, with its UID and pending changes
/// (`(id, uid, heard, heard_dirty, deleted)`).
pub fn held(conn: &Connection, source: &str) -> Result<Vec<(String, u32, bool, bool, bool)>, StoreError> {
    let mut stmt = conn.prepare("SELECT id, uid, heard, heard_dirty, deleted FROM voicemail WHERE source = ?1").map_err(fail("reading voicemail"))?;
    let rows = stmt.query_map([source], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))).map_err(fail("reading voicemail"))?;
    rows.collect::<Result<_, _>>().map_err(fail("reading voicemail"))
}

/// The server took the phone's heard flag `heard`; a change the user made since stays pending.
pub fn clear_dirty(conn: &Connection, id: &str, heard: bool) -> Result<(), StoreError> {
    conn.execute("UPDATE voicemail SET heard_dirty = 0 WHERE id = ?1 AND heard = ?2", params![id, heard]).map_err(fail("updating a voicemail"))?;
    Ok(())
}

/// Forgets a message (gone from the server); returns its audio file, to delete.
pub fn remove(conn: &Connection, id: &str) -> Result<Option<String>, StoreError> {
    let path: Option<Option<String>> =
        conn.query_row("SELECT audio_path FROM voicemail WHERE id = ?1", [id], |r| r.get(0)).optional().map_err(fail("removing a voicemail"))?;
    conn.execute("DELETE FROM voicemail WHERE id = ?1", [id]).map_err(fail("removing a voicemail"))?;
    Ok(path.flatten())
}

/// The cached audio of `id`, or why there is none (`Err` of the row's error text).
pub fn audio(conn: &Connection, id: &str) -> Result<Option<Result<String, String>>, StoreError> {
    let r: Option<(Option<String>, Option<String>)> = conn
        .query_row("SELECT audio_path, audio_error FROM voicemail WHERE id = ?1 AND deleted = 0", [id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .map_err(fail("reading a voicemail"))?;
    Ok(r.map(|(path, error)| path.ok_or_else(|| error.unwrap_or_else(|| "no audio".into()))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(id: &str, uid: u32, received_ms: i64) -> NewVoicemail {
        NewVoicemail {
            id: id.into(),
            uid,
            caller: "0612345678".into(),
            caller_name: None,
            received_ms,
            duration_ms: Some(42_000),
            heard: false,
            audio_path: Some(format!("/vm/{uid}.wav")),
            audio_error: None,
            source: "imap://h/INBOX".into(),
        }
    }

    #[test]
    fn heard_by_the_user_wins_over_the_server_until_the_server_took_it() {
        let db = super::super::open_in_memory().unwrap();
        insert(&db, &message("7:1", 1, 10)).unwrap();
        assert!(set_heard(&db, "7:1", true).unwrap());
        set_heard_from_server(&db, "7:1", false).unwrap();
        assert!(list(&db).unwrap()[0].heard, "the phone's change is pending");
        clear_dirty(&db, "7:1", false).unwrap();
        set_heard_from_server(&db, "7:1", false).unwrap();
        assert!(list(&db).unwrap()[0].heard, "the server took an older flag than the phone's");
        clear_dirty(&db, "7:1", true).unwrap();
        set_heard_from_server(&db, "7:1", false).unwrap();
        assert!(!list(&db).unwrap()[0].heard);
    }

    #[test]
    fn a_deleted_message_is_hidden_then_forgotten_with_its_audio() {
        let db = super::super::open_in_memory().unwrap();
        insert(&db, &message("7:1", 1, 10)).unwrap();
        insert(&db, &message("7:2", 2, 20)).unwrap();
        assert_eq!(list(&db).unwrap().iter().map(|v| v.id.as_str()).collect::<Vec<_>>(), vec!["7:2", "7:1"]);
        assert!(mark_deleted(&db, "7:1").unwrap());
        assert_eq!(list(&db).unwrap().len(), 1);
        assert_eq!(audio(&db, "7:1").unwrap(), None);
        assert_eq!(remove(&db, "7:1").unwrap().as_deref(), Some("/vm/1.wav"));
        assert_eq!(held(&db, "imap://h/INBOX").unwrap().len(), 1);
    }
}
