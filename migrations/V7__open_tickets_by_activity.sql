-- V7: the ticket screen lists open tickets by latest activity and filters
-- them as the technician types (status, customer, assignee). Without this
-- partial index SQLite walks every ticket's `updated_at` entry and reads
-- each open ticket's row (large: it carries the raw JSON) to filter it,
-- ~120 ms a keystroke at 100k tickets; the index holds the filtered
-- columns, so only the matches' rows are read.
CREATE INDEX tickets_open_by_activity
    ON tickets(updated_at, number, status, customer_name, user_name)
    WHERE status NOT IN ('Resolved', 'Invoiced', 'Closed');
