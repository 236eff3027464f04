//! Keeping the full-text index (`ticket_fts`, migration V1) in step with
//! the cache. This module is the only code that writes the index: the
//! ticket, comment and customer upserts call it inside their transaction
//! and never touch `ticket_fts` themselves.
//!
//! The index has one row per ticket (rowid = ticket id) holding the
//! subject, the problem type, the customer (the ticket's customer name and
//! the cached customer's full name) and the whole comment thread, so bm25
//! ranks tickets, not comments. A change to any of those is a change to
//! the ticket's row: call [`ticket_changed`] once per ticket after the
//! rows it reads from are written.

use rusqlite::Transaction;

use crate::error::StoreResult;

/// Rebuilds the index row of one ticket from the cached ticket, its
/// customer and its comments. Call it after upserting the ticket, its
/// comments or its customer, in the same transaction.
pub(crate) fn ticket_changed(tx: &Transaction<'_>, ticket_id: i64) -> StoreResult<()> {
    ticket_removed(tx, ticket_id)?;
    tx.prepare_cached(
        "INSERT INTO ticket_fts (rowid, subject, problem_type, customer, comments)
         SELECT t.id, t.subject, COALESCE(t.problem_type, ''),
                t.customer_name || COALESCE(' ' || NULLIF(c.fullname, t.customer_name), ''),
                COALESCE((SELECT group_concat(COALESCE(m.subject, '') || ': ' || m.body, char(10))
                          FROM (SELECT subject, body FROM comments WHERE ticket_id = t.id
                                ORDER BY created_at, id) m), '')
         FROM tickets t LEFT JOIN customers c ON c.id = t.customer_id
         WHERE t.id = ?1",
    )?
    .execute([ticket_id])?;
    Ok(())
}

/// Drops the index row of a ticket leaving the cache. Call it with the
/// ticket's deletion, in the same transaction.
pub(crate) fn ticket_removed(tx: &Transaction<'_>, ticket_id: i64) -> StoreResult<()> {
    tx.prepare_cached("DELETE FROM ticket_fts WHERE rowid = ?1")?
        .execute([ticket_id])?;
    Ok(())
}
