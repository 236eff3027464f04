-- V4: the shop's product catalogue, mirrored so that `syncro labor` (and a
-- bill's preview) can tell when a configured labor type points at a
-- product id the server does not have, one that is not a labor product,
-- or one that was retired: otherwise that shows only on the invoice.
--
-- GET /products has no `updated_at` and no "changed since" filter, and the
-- catalogue is small: syncrod re-lists it whole on its own schedule (hourly,
-- and in the daily sweep, which also removes products the server no longer
-- has). Like every mirrored table it keeps the raw JSON.
CREATE TABLE products (
    id                  INTEGER PRIMARY KEY,
    name                TEXT NOT NULL DEFAULT '',
    description         TEXT,
    -- The category as the server names it ("Labor"), and its path when the
    -- category is nested ("Services > Labor").
    product_category    TEXT,
    category_path       TEXT,
    -- Prices in cents, like the other tables; NULL when the server sent
    -- none (or nothing readable as a number).
    price_retail_cents  INTEGER,
    price_cost_cents    INTEGER,
    taxable             INTEGER,
    -- Retired: the web UI's "disabled"; kept, flagged, never billed against.
    disabled            INTEGER NOT NULL DEFAULT 0,
    upc_code            TEXT,
    raw                 TEXT NOT NULL
);
CREATE INDEX products_name ON products(name COLLATE NOCASE);
