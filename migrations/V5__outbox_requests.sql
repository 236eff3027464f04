-- V5: what a write has cost. Every request an item caused that the server
-- answered (its sends and the reads around them; not a 429, not one that
-- never left this machine) is counted here, so a write the server keeps
-- refusing ends `failed` after a bounded number of requests instead of
-- taking the office's whole budget. A human's retry or release starts the
-- count again.
ALTER TABLE outbox ADD COLUMN requests INTEGER NOT NULL DEFAULT 0;
