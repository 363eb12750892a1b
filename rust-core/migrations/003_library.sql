-- The phone's offline library: contacts from two sources, the voicemail cache, and where each
-- sync left off. Numbers are kept as given for display and as a caller-ID key (E.164, or an
-- extension's digits as dialled) in their own indexed table: the lookup is one equality query.
CREATE TABLE contacts (
    id           INTEGER PRIMARY KEY,
    source       TEXT NOT NULL CHECK (source IN ('device', 'directory')),
    uid          TEXT,              -- the vCard UID or the shell's own id
    href         TEXT,              -- directory: the CardDAV resource
    etag         TEXT,              -- directory: the resource's ETag when fetched
    name         TEXT NOT NULL,
    organization TEXT,
    emails       TEXT NOT NULL DEFAULT '[]'  -- JSON array
);
CREATE UNIQUE INDEX contacts_by_href ON contacts (href) WHERE href IS NOT NULL;
CREATE INDEX contacts_by_source ON contacts (source);
CREATE TABLE contact_numbers (
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    number     TEXT NOT NULL,       -- as given
    e164       TEXT,                -- the E.164 form; none for an extension
    label      TEXT,
    lookup_key TEXT NOT NULL,       -- E.164, or an extension's digits (matched exactly)
    PRIMARY KEY (contact_id, position)
) WITHOUT ROWID;
CREATE INDEX contact_numbers_by_key ON contact_numbers (lookup_key);
-- Type-ahead on names: folded for case and accents, with prefix indexes so the first letters
-- typed read one doclist instead of merging every word they start.
CREATE VIRTUAL TABLE contacts_fts USING fts5 (name, organization, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3');
-- Type-ahead on numbers: each number's digits in every form a person types (as given, national,
-- international), so `0612` finds `+33 6 12 …` by a range scan of this index.
CREATE TABLE contact_digits (
    digits     TEXT NOT NULL,
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    PRIMARY KEY (digits, contact_id)
) WITHOUT ROWID;
CREATE INDEX contact_digits_by_contact ON contact_digits (contact_id);
-- Voicemail from the PBX's voicemail-to-e-mail mailbox: one row per message (IMAP UID under the
-- folder's UIDVALIDITY); the audio file lives under the data directory once fetched.
CREATE TABLE voicemail (
    id           TEXT PRIMARY KEY NOT NULL,   -- "<uidvalidity>:<uid>"
    uid          INTEGER NOT NULL,
    caller       TEXT NOT NULL,
    caller_name  TEXT,
    received_ms  INTEGER NOT NULL,
    duration_ms  INTEGER,
    heard        INTEGER NOT NULL DEFAULT 0,
    -- what the phone changed and the server has not heard of yet
    heard_dirty  INTEGER NOT NULL DEFAULT 0,
    deleted      INTEGER NOT NULL DEFAULT 0,
    audio_path   TEXT,
    audio_error  TEXT,
    source       TEXT NOT NULL                -- the mailbox: imap URL and folder
);
CREATE INDEX voicemail_by_received ON voicemail (received_ms DESC);
-- Where a sync left off (CardDAV sync-token and ctag, IMAP UIDVALIDITY): one row per key.
CREATE TABLE sync_state (
    source TEXT NOT NULL,
    key    TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (source, key)
) WITHOUT ROWID;
-- History: a missed call stays "new" until the user saw it.
ALTER TABLE call_log ADD COLUMN seen INTEGER NOT NULL DEFAULT 0;
