//! Tickets and their thread (comments, line items, timers) in the cache.

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;

use crate::customers::upsert_customer;
use crate::error::StoreResult;
use crate::invoices::InvoiceRow;
use crate::model::{Comment, LineItem, Ticket, TicketWithChildren, Timer};
use crate::search::index;
use crate::ticket_row::{TicketRow, TICKET_COLUMNS};
use crate::{time, Store};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct CommentRow {
    pub id: i64,
    pub ticket_id: i64,
    pub subject: Option<String>,
    pub body: String,
    pub tech: Option<String>,
    pub hidden: bool,
    pub user_id: Option<i64>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct LineItemRow {
    pub id: i64,
    pub ticket_id: i64,
    pub product_id: Option<i64>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub quantity: f64,
    pub retail_cents: i64,
    /// True once the line was pulled into an invoice.
    pub converted: bool,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
}

impl LineItemRow {
    /// quantity x price, in cents.
    pub fn total_cents(&self) -> i64 {
        (self.quantity * self.retail_cents as f64).round() as i64
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct TimerRow {
    pub id: i64,
    pub ticket_id: i64,
    pub user_id: Option<i64>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub billable: bool,
    pub recorded: bool,
    pub notes: Option<String>,
    pub product_id: Option<i64>,
    pub ticket_line_item_id: Option<i64>,
}

/// When the customer and the staff last wrote on a ticket (RFC 3339, as
/// the server stamped it); `None` where the cached thread has none.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LastWriters {
    pub customer: Option<String>,
    pub staff: Option<String>,
}

/// A ticket with everything the detail view shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct TicketDetail {
    #[serde(flatten)]
    pub ticket: TicketRow,
    /// Oldest first, as the API embeds them.
    pub comments: Vec<CommentRow>,
    pub line_items: Vec<LineItemRow>,
    pub ticket_timers: Vec<TimerRow>,
    pub invoices: Vec<InvoiceRow>,
    /// False when only the list payload has been seen (thread not fetched).
    pub detail_synced: bool,
    /// When (our clock) the stored thread was requested from the server:
    /// how old the comments, line items and timers shown are (`null`: not
    /// recorded, e.g. fetched by an older version).
    pub thread_fetched_at: Option<String>,
}

/// Filters for the ticket list.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    /// Only these statuses (exact, canonical spelling). Empty: any.
    pub statuses: Vec<String>,
    /// Only this customer.
    pub customer_id: Option<i64>,
    /// Only tickets assigned to this user.
    pub user_id: Option<i64>,
    /// Include Resolved/Invoiced/Closed tickets.
    pub include_closed: bool,
    /// Words each of which is part of the status, the customer's name or
    /// the assignee's name, ignoring ASCII case (SQLite's `lower`): what
    /// the ticket screen's filter types, matched in the index rather than
    /// over every open ticket's row. Words with other letters are the
    /// caller's to match (their case folding is not SQLite's).
    pub words: Vec<String>,
    pub limit: Option<usize>,
    /// Latest activity (`updated_at`) first instead of the newest number:
    /// an old ticket with a fresh reply comes up with the new ones.
    pub by_activity: bool,
}

impl Store {
    /// Upserts one page of the ticket list in one transaction. The list
    /// carries only the initial comment, so existing comments are kept.
    pub fn upsert_tickets(
        &mut self,
        tickets: &[Ticket],
        initial_comments: &[Comment],
    ) -> StoreResult<()> {
        self.write(|tx| {
            for t in tickets {
                upsert_ticket_row(tx, t)?;
            }
            for c in initial_comments {
                upsert_comment(tx, c)?;
            }
            for t in tickets {
                index::ticket_changed(tx, t.id)?;
            }
            Ok(())
        })
    }

    /// Stores a ticket's full detail: the ticket, and its thread replaced
    /// exactly (children the server no longer has are removed).
    pub fn upsert_ticket_detail(&mut self, detail: &TicketWithChildren) -> StoreResult<()> {
        self.write(|tx| store_detail(tx, detail))
    }

    /// Like [`Store::upsert_ticket_detail`] for many tickets in one transaction.
    pub fn upsert_ticket_details(&mut self, details: &[TicketWithChildren]) -> StoreResult<()> {
        self.write(|tx| details.iter().try_for_each(|d| store_detail(tx, d)))
    }

    /// Removes tickets (and their threads) the server no longer has.
    pub fn delete_tickets(&mut self, ids: &[i64]) -> StoreResult<usize> {
        self.write(|tx| {
            let mut n = 0;
            for id in ids {
                index::ticket_removed(tx, *id)?;
                n += tx.execute("DELETE FROM tickets WHERE id = ?1", [id])?;
            }
            Ok(n)
        })
    }

    /// Every ticket id in the cache, ascending (for deletion sweeps).
    pub fn ticket_ids(&self) -> StoreResult<Vec<i64>> {
        let mut stmt = self.conn.prepare("SELECT id FROM tickets ORDER BY id")?;
        let ids = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// The people tickets are assigned to, as the cache knows them (id and
    /// name, by name): who a ticket can be assigned to without asking the
    /// server for its user list, which not every API key may read.
    pub fn assignees(&self) -> StoreResult<Vec<(i64, String)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT user_id, MAX(user_name) FROM tickets
             WHERE user_id IS NOT NULL AND COALESCE(user_name, '') <> ''
             GROUP BY user_id ORDER BY MAX(user_name), user_id",
        )?;
        let users = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(users)
    }

    /// Tickets whose detail is missing or older than their list entry: the
    /// sync engine's work queue. First the ones someone asked for
    /// ([`Store::refetch_ticket_detail`]: fetched before, marked again),
    /// whatever their status, then the open ones, then most recently
    /// updated. With `open_only`, only those asked for and the open ones
    /// (what a technician needs first).
    pub fn tickets_needing_detail(&self, limit: usize, open_only: bool) -> StoreResult<Vec<i64>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM tickets
             WHERE (detail_updated_at IS NULL OR detail_updated_at <> COALESCE(updated_at, ''))
               AND (NOT ?2 OR status NOT IN ('Resolved', 'Invoiced', 'Closed')
                    OR (detail_updated_at IS NULL AND detail_fetched_at IS NOT NULL))
             ORDER BY (detail_updated_at IS NULL AND detail_fetched_at IS NOT NULL) DESC,
                      (status IN ('Resolved', 'Invoiced', 'Closed')), updated_at DESC
             LIMIT ?1",
        )?;
        let ids = stmt
            .query_map(params![limit as i64, open_only], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// Open tickets whose cached thread is current by `updated_at` but was
    /// fetched longest ago (and at least `min_age` ago), for the sync
    /// engine's safety net: a comment that does not bump the ticket's
    /// `updated_at` is still found within a bounded time.
    pub fn open_tickets_stalest_threads(
        &self,
        limit: usize,
        fetched_before: &str,
    ) -> StoreResult<Vec<i64>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM tickets
             WHERE status NOT IN ('Resolved', 'Invoiced', 'Closed')
               AND detail_updated_at IS NOT NULL AND detail_updated_at = COALESCE(updated_at, '')
               AND COALESCE(detail_fetched_at, '') < ?2
             ORDER BY COALESCE(detail_fetched_at, '') ASC, id
             LIMIT ?1",
        )?;
        let ids = stmt
            .query_map(params![limit as i64, fetched_before], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// Marks ticket `number`'s thread as needing a fetch, so the next pass
    /// reads it before any other (`request_sync` for one ticket). The
    /// thread already cached stays readable meanwhile, and still counts as
    /// fetched. False when the ticket is not cached.
    pub fn refetch_ticket_detail(&mut self, number: i64) -> StoreResult<bool> {
        Ok(self.conn.execute(
            "UPDATE tickets SET detail_updated_at = NULL, refetch_asked_at = ?2 WHERE number = ?1",
            params![number, time::now()],
        )? > 0)
    }

    /// How many tickets still wait for their detail.
    pub fn tickets_needing_detail_count(&self) -> StoreResult<i64> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM tickets WHERE detail_updated_at IS NULL OR detail_updated_at <> COALESCE(updated_at, '')",
            [],
            |r| r.get(0),
        )?)
    }

    /// The cached `updated_at` of a ticket, if cached.
    pub fn ticket_updated_at(&self, id: i64) -> StoreResult<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT updated_at FROM tickets WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?
            .flatten())
    }

    /// The ticket list, newest number first (or latest activity first,
    /// [`TicketFilter::by_activity`]).
    pub fn tickets(&self, filter: &TicketFilter) -> StoreResult<Vec<TicketRow>> {
        let mut sql = format!("SELECT {TICKET_COLUMNS} FROM tickets t WHERE 1=1");
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        if !filter.statuses.is_empty() {
            sql += &format!(" AND t.status IN ({})", placeholders(filter.statuses.len()));
            args.extend(filter.statuses.iter().cloned().map(Into::into));
        } else if !filter.include_closed {
            sql += " AND t.status NOT IN ('Resolved', 'Invoiced', 'Closed')";
        }
        if let Some(c) = filter.customer_id {
            sql += " AND t.customer_id = ?";
            args.push(c.into());
        }
        if let Some(u) = filter.user_id {
            sql += " AND t.user_id = ?";
            args.push(u.into());
        }
        for w in filter.words.iter().filter(|w| w.is_ascii()) {
            sql += " AND (instr(lower(t.status), ?) > 0 OR instr(lower(t.customer_name), ?) > 0
                      OR instr(lower(COALESCE(t.user_name, '')), ?) > 0)";
            let w = w.to_ascii_lowercase();
            args.extend([w.clone().into(), w.clone().into(), w.into()]);
        }
        sql += if filter.by_activity {
            " ORDER BY t.updated_at DESC, t.number DESC"
        } else {
            " ORDER BY t.number DESC"
        };
        if let Some(limit) = filter.limit {
            sql += &format!(" LIMIT {limit}");
        }
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(args), TicketRow::from_row)?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// One ticket by the number people say ("#32181").
    pub fn ticket_by_number(&self, number: i64) -> StoreResult<Option<TicketRow>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {TICKET_COLUMNS} FROM tickets t WHERE t.number = ?1"),
                [number],
                TicketRow::from_row,
            )
            .optional()?)
    }

    /// One ticket by its internal id.
    pub fn ticket_by_id(&self, id: i64) -> StoreResult<Option<TicketRow>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {TICKET_COLUMNS} FROM tickets t WHERE t.id = ?1"),
                [id],
                TicketRow::from_row,
            )
            .optional()?)
    }

    /// A ticket with its comments, line items, timers and invoices.
    pub fn ticket_detail(&self, number: i64) -> StoreResult<Option<TicketDetail>> {
        let Some(ticket) = self.ticket_by_number(number)? else {
            return Ok(None);
        };
        let id = ticket.id;
        let (detail_synced, thread_fetched_at): (bool, Option<String>) = self.conn.query_row(
            "SELECT detail_updated_at IS NOT NULL OR detail_fetched_at IS NOT NULL, detail_fetched_at
             FROM tickets WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(Some(TicketDetail {
            comments: self.comments(id)?,
            line_items: self.line_items(id)?,
            ticket_timers: self.timers(id)?,
            invoices: self.invoices_for_ticket(id)?,
            detail_synced,
            thread_fetched_at,
            ticket,
        }))
    }

    /// Who wrote last on each of `ticket_ids`, from the cached threads:
    /// the newest visible comment by no Syncro user (the customer, by
    /// email or the portal) and the newest by anyone else, by ticket id.
    /// A ticket list marks the ones where the customer wrote since the
    /// technician last looked; a ticket with no cached comment is absent.
    pub fn last_writers(&self, ticket_ids: &[i64]) -> StoreResult<HashMap<i64, LastWriters>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT ticket_id,
                    MAX(CASE WHEN user_id IS NULL AND NOT hidden THEN created_at END),
                    MAX(CASE WHEN user_id IS NOT NULL THEN created_at END)
             FROM comments WHERE ticket_id IN (SELECT value FROM json_each(?1))
             GROUP BY ticket_id",
        )?;
        let ids = serde_json::to_string(ticket_ids)?;
        let rows = stmt
            .query_map([ids], |r| {
                Ok((
                    r.get(0)?,
                    LastWriters {
                        customer: r.get(1)?,
                        staff: r.get(2)?,
                    },
                ))
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// A ticket's comments, oldest first.
    pub fn comments(&self, ticket_id: i64) -> StoreResult<Vec<CommentRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, ticket_id, subject, body, tech, hidden, user_id, created_at, updated_at
             FROM comments WHERE ticket_id = ?1 ORDER BY created_at, id",
        )?;
        let rows = stmt
            .query_map([ticket_id], |r| {
                Ok(CommentRow {
                    id: r.get(0)?,
                    ticket_id: r.get(1)?,
                    subject: r.get(2)?,
                    body: r.get(3)?,
                    tech: r.get(4)?,
                    hidden: r.get(5)?,
                    user_id: r.get(6)?,
                    created_at: r.get(7)?,
                    updated_at: r.get(8)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// A ticket's line items in the order they were added.
    /// The totals (cents) of a ticket's line items not yet on an invoice:
    /// what `invoice create` would bill, and what `bill` adds to.
    pub fn uninvoiced_line_totals(&self, ticket_id: i64) -> StoreResult<Vec<i64>> {
        Ok(self
            .line_items(ticket_id)?
            .iter()
            .filter(|l| !l.converted)
            .map(LineItemRow::total_cents)
            .collect())
    }

    pub fn line_items(&self, ticket_id: i64) -> StoreResult<Vec<LineItemRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, ticket_id, product_id, name, description, quantity, retail_cents, converted, created_at, updated_at
             FROM ticket_line_items WHERE ticket_id = ?1 ORDER BY id",
        )?;
        let rows = stmt
            .query_map([ticket_id], |r| {
                Ok(LineItemRow {
                    id: r.get(0)?,
                    ticket_id: r.get(1)?,
                    product_id: r.get(2)?,
                    name: r.get(3)?,
                    description: r.get(4)?,
                    quantity: r.get(5)?,
                    retail_cents: r.get(6)?,
                    converted: r.get(7)?,
                    created_at: r.get(8)?,
                    updated_at: r.get(9)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// A ticket's timers, oldest first.
    pub fn timers(&self, ticket_id: i64) -> StoreResult<Vec<TimerRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, ticket_id, user_id, start_time, end_time, billable, recorded, notes, product_id, ticket_line_item_id
             FROM ticket_timers WHERE ticket_id = ?1 ORDER BY start_time, id",
        )?;
        let rows = stmt
            .query_map([ticket_id], |r| {
                Ok(TimerRow {
                    id: r.get(0)?,
                    ticket_id: r.get(1)?,
                    user_id: r.get(2)?,
                    start_time: r.get(3)?,
                    end_time: r.get(4)?,
                    billable: r.get(5)?,
                    recorded: r.get(6)?,
                    notes: r.get(7)?,
                    product_id: r.get(8)?,
                    ticket_line_item_id: r.get(9)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }
}

pub(crate) fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

fn store_detail(tx: &Transaction<'_>, d: &TicketWithChildren) -> StoreResult<()> {
    let id = d.ticket.id;
    // The sync engine and the outbox's read-back fetch threads
    // concurrently: a thread requested before the one stored is older,
    // and storing it would drop a comment we just verified.
    if let Some(fetched) = &d.fetched_at {
        let stored: Option<String> = tx
            .query_row(
                "SELECT detail_fetched_at FROM tickets WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        if stored.is_some_and(|s| s > *fetched) {
            return Ok(());
        }
    }
    upsert_ticket_row(tx, &d.ticket)?;
    if let Some(c) = &d.customer {
        upsert_customer(tx, c)?;
    }
    replace_children(tx, "comments", id, d.comments.iter().map(|c| c.id))?;
    for c in &d.comments {
        upsert_comment(tx, c)?;
    }
    replace_children(
        tx,
        "ticket_line_items",
        id,
        d.line_items.iter().map(|l| l.id),
    )?;
    for l in &d.line_items {
        upsert_line_item(tx, l)?;
    }
    replace_children(tx, "ticket_timers", id, d.timers.iter().map(|t| t.id))?;
    for t in &d.timers {
        upsert_timer(tx, t)?;
    }
    // A thread requested before someone asked for it again is stored (it
    // is newer than what the cache held) but leaves the request standing.
    tx.execute(
        "UPDATE tickets SET
             detail_updated_at = CASE WHEN ?2 < refetch_asked_at THEN NULL
                                      ELSE COALESCE(updated_at, '') END,
             refetch_asked_at = CASE WHEN ?2 < refetch_asked_at THEN refetch_asked_at END,
             detail_fetched_at = COALESCE(?2, detail_fetched_at)
         WHERE id = ?1",
        params![id, d.fetched_at],
    )?;
    index::ticket_changed(tx, id)
}

/// Deletes the children of `ticket_id` in `table` whose ids are not in `keep`.
fn replace_children(
    tx: &Transaction<'_>,
    table: &str,
    ticket_id: i64,
    keep: impl Iterator<Item = i64>,
) -> StoreResult<()> {
    let keep = serde_json::to_string(&keep.collect::<Vec<_>>())?;
    tx.execute(
        &format!("DELETE FROM {table} WHERE ticket_id = ?1 AND id NOT IN (SELECT value FROM json_each(?2))"),
        params![ticket_id, keep],
    )?;
    Ok(())
}

pub(crate) fn upsert_ticket_row(tx: &Transaction<'_>, t: &Ticket) -> StoreResult<()> {
    // A number is unique to one ticket; if another cached id holds it, that
    // row is stale (deleted and renumbered server-side) and must give way.
    let stale: Vec<i64> = {
        let mut stmt =
            tx.prepare_cached("SELECT id FROM tickets WHERE number = ?1 AND id <> ?2")?;
        let ids = stmt
            .query_map(params![t.number, t.id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        ids
    };
    for id in stale {
        index::ticket_removed(tx, id)?;
        tx.execute("DELETE FROM tickets WHERE id = ?1", [id])?;
    }
    let mut stmt = tx.prepare_cached(
        "INSERT INTO tickets (id, number, subject, status, priority, problem_type, customer_id, customer_name,
                              contact_id, contact_name, user_id, user_name, created_at, updated_at, due_date,
                              resolved_at, raw)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
         ON CONFLICT(id) DO UPDATE SET
             number = excluded.number, subject = excluded.subject, status = excluded.status,
             priority = excluded.priority, problem_type = excluded.problem_type,
             customer_id = excluded.customer_id, customer_name = excluded.customer_name,
             contact_id = excluded.contact_id, contact_name = COALESCE(excluded.contact_name, contact_name),
             user_id = excluded.user_id, user_name = COALESCE(excluded.user_name, user_name),
             created_at = excluded.created_at, updated_at = excluded.updated_at,
             due_date = excluded.due_date, resolved_at = excluded.resolved_at,
             -- list and detail payloads carry different fields: merge so
             -- neither erases what only the other has.
             raw = json_patch(raw, excluded.raw)",
    )?;
    stmt.execute(params![
        t.id,
        t.number,
        t.subject,
        t.status,
        t.priority,
        t.problem_type,
        t.customer_id,
        t.customer_name,
        t.contact_id,
        t.contact_name,
        t.user_id,
        t.user_name,
        t.created_at,
        t.updated_at,
        t.due_date,
        t.resolved_at,
        t.raw.to_string(),
    ])?;
    Ok(())
}

pub(crate) fn upsert_comment(tx: &Transaction<'_>, c: &Comment) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO comments (id, ticket_id, subject, body, tech, hidden, user_id, created_at, updated_at, raw)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT(id) DO UPDATE SET
             ticket_id = excluded.ticket_id, subject = excluded.subject, body = excluded.body,
             tech = excluded.tech, hidden = excluded.hidden, user_id = excluded.user_id,
             created_at = excluded.created_at, updated_at = excluded.updated_at, raw = excluded.raw",
    )?
    .execute(params![
        c.id,
        c.ticket_id,
        c.subject,
        c.body,
        c.tech,
        c.hidden,
        c.user_id,
        c.created_at,
        c.updated_at,
        c.raw.to_string()
    ])?;
    Ok(())
}

pub(crate) fn upsert_line_item(tx: &Transaction<'_>, l: &LineItem) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO ticket_line_items (id, ticket_id, product_id, name, description, quantity, retail_cents,
                                        cost_cents, taxable, converted, created_at, updated_at, raw)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT(id) DO UPDATE SET
             ticket_id = excluded.ticket_id, product_id = excluded.product_id, name = excluded.name,
             description = excluded.description, quantity = excluded.quantity,
             retail_cents = excluded.retail_cents, cost_cents = excluded.cost_cents,
             taxable = excluded.taxable, converted = excluded.converted,
             created_at = excluded.created_at, updated_at = excluded.updated_at, raw = excluded.raw",
    )?
    .execute(params![
        l.id,
        l.ticket_id,
        l.product_id,
        l.name,
        l.description,
        l.quantity,
        l.retail_cents,
        l.cost_cents,
        l.taxable,
        l.converted,
        l.created_at,
        l.updated_at,
        l.raw.to_string()
    ])?;
    Ok(())
}

pub(crate) fn upsert_timer(tx: &Transaction<'_>, t: &Timer) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO ticket_timers (id, ticket_id, user_id, start_time, end_time, billable, recorded, notes,
                                    product_id, ticket_line_item_id, created_at, updated_at, raw)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT(id) DO UPDATE SET
             ticket_id = excluded.ticket_id, user_id = excluded.user_id, start_time = excluded.start_time,
             end_time = excluded.end_time, billable = excluded.billable, recorded = excluded.recorded,
             notes = excluded.notes, product_id = excluded.product_id,
             ticket_line_item_id = excluded.ticket_line_item_id,
             created_at = excluded.created_at, updated_at = excluded.updated_at, raw = excluded.raw",
    )?
    .execute(params![
        t.id,
        t.ticket_id,
        t.user_id,
        t.start_time,
        t.end_time,
        t.billable,
        t.recorded,
        t.notes,
        t.product_id,
        t.ticket_line_item_id,
        t.created_at,
        t.updated_at,
        t.raw.to_string()
    ])?;
    Ok(())
}
