-- V3: outcomes a write can have besides "done" and "failed", an undo
-- window, and a guard against storing an older ticket thread over a newer
-- one.
--
-- probing    the request may have reached the server (timeout, reset, 5xx,
--            unreadable answer, crash mid-send): the daemon looks for it,
--            spaced, before it may conclude "not landed" and resend.
-- uncertain  it stayed ambiguous: parked for a human; never resent silently.
-- differs    landed (the server holds it) but not as asked, in a way that
--            matters for the steps after it (a line item at $0.00); never
--            resent, re-verified on retry, accepted on release.
--
-- SQLite cannot alter a CHECK constraint, so the table is rebuilt.
CREATE TABLE outbox_v3 (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    kind             TEXT NOT NULL,
    payload          TEXT NOT NULL,
    ticket_id        INTEGER,
    ticket_number    INTEGER,
    state            TEXT NOT NULL DEFAULT 'queued'
                     CHECK (state IN ('queued', 'sending', 'probing', 'verifying', 'done',
                                      'differs', 'uncertain', 'failed', 'held', 'cancelled')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT,
    last_error       TEXT,
    depends_on       INTEGER REFERENCES outbox_v3(id),
    group_id         TEXT,
    group_seq        INTEGER,
    -- The ticket's updated_at as the user saw it when queueing: a field
    -- update against a ticket changed since then is held as a conflict.
    base_updated_at  TEXT,
    -- The id the server gave the record: once known, the write has landed
    -- and is never sent again.
    remote_id        INTEGER,
    -- What the daemon learned along the way (a typed JSON record: the
    -- baseline taken before sending, when it was sent, probes made, the
    -- differences a read-back found, the created ticket's number...).
    result           TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    -- The undo window: a customer-visible write is not sent before this
    -- (`syncro undo` can still take it back). Unlike next_attempt_at it is
    -- never cut short when the server comes back.
    send_after       TEXT
);
INSERT INTO outbox_v3 (id, kind, payload, ticket_id, ticket_number, state, attempts,
    next_attempt_at, last_error, depends_on, group_id, group_seq, base_updated_at, remote_id,
    result, created_at, updated_at)
SELECT id, kind, payload, ticket_id, ticket_number, state, attempts,
    next_attempt_at, last_error, depends_on, group_id, group_seq, base_updated_at, remote_id,
    result, created_at, updated_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_v3 RENAME TO outbox;
CREATE INDEX outbox_state ON outbox(state, next_attempt_at);
CREATE INDEX outbox_ticket ON outbox(ticket_id, id);
CREATE INDEX outbox_group ON outbox(group_id, group_seq);
CREATE INDEX outbox_depends ON outbox(depends_on);

-- When (our clock) the request that fetched a ticket's stored thread was
-- sent: a thread fetched earlier than the stored one is older and must not
-- replace it (the sync engine and the outbox's read-back race).
ALTER TABLE tickets ADD COLUMN detail_fetched_at TEXT;
