-- V6: when a ticket's thread was asked for again (`syncro sync N`,
-- `request_sync`). A pass that fetched the thread before that moment and
-- stores it after must not clear the request: the thread it holds may
-- miss exactly what the technician asked to see.
ALTER TABLE tickets ADD COLUMN refetch_asked_at TEXT;
