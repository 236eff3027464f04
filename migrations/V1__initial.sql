-- V1: the first cache and outbox schema.
--
-- The cache mirrors what the Syncro API returns. Every mirrored record keeps
-- its raw JSON (`raw`) so fields we do not model yet are never lost; the typed
-- columns exist only for what we query or display. Timestamps are stored as
-- the server sends them, normalised to UTC RFC 3339 with milliseconds, so
-- that text comparison orders them correctly.
--
-- No foreign key ties tickets to customers or invoices to tickets: the sync
-- engine fetches resources independently and in any order, and a record the
-- server deleted must not block its neighbours. Child rows (comments, line
-- items, timers, invoice lines) cascade from their parent.

CREATE TABLE customers (
    id                 INTEGER PRIMARY KEY,
    firstname          TEXT,
    lastname           TEXT,
    fullname           TEXT,
    business_name      TEXT,
    business_then_name TEXT NOT NULL DEFAULT '',
    email              TEXT,
    phone              TEXT,
    mobile             TEXT,
    disabled           INTEGER NOT NULL DEFAULT 0,
    created_at         TEXT,
    updated_at         TEXT,
    raw                TEXT NOT NULL
);
CREATE INDEX customers_updated_at ON customers(updated_at);
CREATE INDEX customers_name ON customers(business_then_name COLLATE NOCASE);

CREATE TABLE tickets (
    id                 INTEGER PRIMARY KEY,
    number             INTEGER NOT NULL UNIQUE,
    subject            TEXT NOT NULL DEFAULT '',
    status             TEXT NOT NULL DEFAULT '',
    priority           TEXT,
    problem_type       TEXT,
    customer_id        INTEGER,
    customer_name      TEXT NOT NULL DEFAULT '',
    contact_id         INTEGER,
    contact_name       TEXT,
    user_id            INTEGER,
    user_name          TEXT,
    created_at         TEXT,
    updated_at         TEXT,
    due_date           TEXT,
    resolved_at        TEXT,
    -- The ticket's updated_at when its detail (comments, line items, timers)
    -- was last fetched; differing from updated_at means the detail is stale.
    detail_updated_at  TEXT,
    raw                TEXT NOT NULL
);
CREATE INDEX tickets_status ON tickets(status, updated_at);
CREATE INDEX tickets_customer ON tickets(customer_id);
CREATE INDEX tickets_updated_at ON tickets(updated_at);

CREATE TABLE comments (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    subject     TEXT,
    body        TEXT NOT NULL DEFAULT '',
    tech        TEXT,
    hidden      INTEGER NOT NULL DEFAULT 0,
    user_id     INTEGER,
    created_at  TEXT,
    updated_at  TEXT,
    raw         TEXT NOT NULL
);
CREATE INDEX comments_ticket ON comments(ticket_id, created_at);

CREATE TABLE ticket_line_items (
    id            INTEGER PRIMARY KEY,
    ticket_id     INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    product_id    INTEGER,
    name          TEXT,
    description   TEXT,
    quantity      REAL NOT NULL DEFAULT 0,
    -- Price in cents: the API reports both `price_retail` (dollars) and
    -- `retail_cents`; cents avoid float drift in totals.
    retail_cents  INTEGER NOT NULL DEFAULT 0,
    cost_cents    INTEGER,
    taxable       INTEGER,
    converted     INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT,
    updated_at    TEXT,
    raw           TEXT NOT NULL
);
CREATE INDEX ticket_line_items_ticket ON ticket_line_items(ticket_id);

CREATE TABLE ticket_timers (
    id                   INTEGER PRIMARY KEY,
    ticket_id            INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    user_id              INTEGER,
    start_time           TEXT,
    end_time             TEXT,
    billable             INTEGER NOT NULL DEFAULT 0,
    recorded             INTEGER NOT NULL DEFAULT 0,
    notes                TEXT,
    product_id           INTEGER,
    ticket_line_item_id  INTEGER,
    created_at           TEXT,
    updated_at           TEXT,
    raw                  TEXT NOT NULL
);
CREATE INDEX ticket_timers_ticket ON ticket_timers(ticket_id);

CREATE TABLE invoices (
    id               INTEGER PRIMARY KEY,
    number           TEXT NOT NULL DEFAULT '',
    customer_id      INTEGER,
    customer_name    TEXT NOT NULL DEFAULT '',
    ticket_id        INTEGER,
    date             TEXT,
    due_date         TEXT,
    subtotal_cents   INTEGER NOT NULL DEFAULT 0,
    tax_cents        INTEGER NOT NULL DEFAULT 0,
    total_cents      INTEGER NOT NULL DEFAULT 0,
    is_paid          INTEGER NOT NULL DEFAULT 0,
    verified_paid    INTEGER NOT NULL DEFAULT 0,
    tech_marked_paid INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT,
    updated_at       TEXT,
    -- The invoice's updated_at when its line items were last fetched.
    lines_updated_at TEXT,
    raw              TEXT NOT NULL
);
CREATE INDEX invoices_ticket ON invoices(ticket_id);
CREATE INDEX invoices_customer ON invoices(customer_id);
CREATE INDEX invoices_number ON invoices(number);
CREATE INDEX invoices_updated_at ON invoices(updated_at);

CREATE TABLE invoice_line_items (
    id           INTEGER PRIMARY KEY,
    invoice_id   INTEGER NOT NULL REFERENCES invoices(id) ON DELETE CASCADE,
    product_id   INTEGER,
    item         TEXT,
    name         TEXT,
    quantity     REAL NOT NULL DEFAULT 0,
    price_cents  INTEGER NOT NULL DEFAULT 0,
    cost_cents   INTEGER,
    taxable      INTEGER,
    created_at   TEXT,
    updated_at   TEXT,
    raw          TEXT NOT NULL
);
CREATE INDEX invoice_line_items_invoice ON invoice_line_items(invoice_id);

-- Full-text index, one row per ticket (rowid = ticket id). The store's
-- upserts rebuild a ticket's row whenever the ticket or its comments change,
-- so bm25 ranks whole tickets. Column weights are chosen at query time.
CREATE VIRTUAL TABLE ticket_fts USING fts5(
    subject,
    problem_type,
    customer,
    comments,
    tokenize = 'porter unicode61 remove_diacritics 2',
    prefix = '2 3'
);
-- Default ranking: a hit in the subject counts most, then the customer,
-- the problem type, and the (long) comment thread least.
INSERT INTO ticket_fts (ticket_fts, rank) VALUES ('rank', 'bm25(10.0, 3.0, 5.0, 1.0)');

-- Per-resource progress of the sync engine. `cursor` is an opaque JSON blob
-- (e.g. the next page of a resumable backfill), saved only after the page it
-- points past has been committed.
CREATE TABLE sync_state (
    resource         TEXT PRIMARY KEY,
    watermark        TEXT,
    cursor           TEXT,
    last_attempt_at  TEXT,
    last_success_at  TEXT,
    last_error       TEXT,
    last_error_at    TEXT,
    rows_synced      INTEGER NOT NULL DEFAULT 0,
    backlog          INTEGER NOT NULL DEFAULT 0,
    requests         INTEGER NOT NULL DEFAULT 0,
    updated_at       TEXT NOT NULL
);

-- Queued writes. Each row is a small state machine persisted before every
-- network step, so a crash at any instant resumes without loss and without
-- blindly resending a non-idempotent request.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    kind             TEXT NOT NULL,
    payload          TEXT NOT NULL,
    ticket_id        INTEGER,
    ticket_number    INTEGER,
    state            TEXT NOT NULL DEFAULT 'queued'
                     CHECK (state IN ('queued', 'sending', 'verifying', 'done',
                                      'failed', 'held', 'cancelled')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT,
    last_error       TEXT,
    depends_on       INTEGER REFERENCES outbox(id),
    group_id         TEXT,
    group_seq        INTEGER,
    -- The ticket's updated_at as the user saw it when queueing: a field
    -- update against a ticket changed since then is held as a conflict.
    base_updated_at  TEXT,
    remote_id        INTEGER,
    -- Server-side result worth keeping (e.g. the created ticket's number).
    result           TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX outbox_state ON outbox(state, next_attempt_at);
CREATE INDEX outbox_ticket ON outbox(ticket_id, id);
CREATE INDEX outbox_group ON outbox(group_id, group_seq);

-- Small key/value facts shared between the CLI and the daemon: the daemon's
-- heartbeat, "sync now" requests.
CREATE TABLE meta (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
