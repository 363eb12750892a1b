-- Every call, keyed by its stable uuid (UUIDv5 of account and Call-ID), so a push and its
-- INVITE are one row. A row is written when the call starts and completed when it ends: a
-- crash mid-call leaves the entry, with no end.
CREATE TABLE call_log (
    call_uuid    TEXT PRIMARY KEY NOT NULL,
    call_id      TEXT,
    account      TEXT,
    direction    TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    peer         TEXT NOT NULL,
    display_name TEXT,
    started_ms   INTEGER NOT NULL,  -- wall clock, ms since 1970
    answered_ms  INTEGER,
    ended_ms     INTEGER,
    reason       TEXT,              -- design §2 end reasons
    sip_code     INTEGER,
    duration_ms  INTEGER,
    push_woken   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX call_log_by_start ON call_log (started_ms DESC);
