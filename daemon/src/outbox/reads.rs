//! The reads the write families ask for ([`Read`]), done at write
//! priority. A ticket read also refreshes the cache, stamped with when
//! it was requested so an older thread fetched by the sync engine cannot
//! replace it.
//!
//! The reader counts the requests the server answered (every write has a
//! bounded number of them), and says when a list was cut short: a probe
//! that did not see everything must not conclude "absent".

use std::sync::atomic::{AtomicU32, Ordering};
use syncro_store::model::{
    list_items, single, Invoice, InvoiceWithLines, Ticket, TicketWithChildren,
};

use serde_json::Value;
use syncro_store::time;

use super::kinds::{Read, Snapshot};
use crate::client::{ApiError, Client};
use crate::db::Db;
use crate::limiter::Priority;
use crate::sync::is_last_page;
use crate::sync::page::parse_page;

/// Pages of one customer's tickets read at most, to bound a probe on an
/// account where one customer has thousands of tickets.
const MAX_CUSTOMER_PAGES: u32 = 50;
/// Pages of one ticket's invoices read at most. A ticket has a handful;
/// more pages means the server ignored the `ticket_id` filter and lists
/// every invoice of the account, and then a look cannot rule anything out
/// (the probe says so, and a human settles it).
const MAX_INVOICE_PAGES: u32 = 4;

pub(super) struct Reader<'a> {
    pub client: &'a Client,
    pub db: &'a Db,
    /// Requests the server answered (not a 429, not one that never left).
    pub answered: AtomicU32,
}

/// Whether a request that ended so reached the server and was dealt with
/// there: what a write's request bound counts. A 429 is the office's
/// budget, not the write's doing; an unreachable server is offline.
pub(super) fn reached_server<T>(r: &Result<T, ApiError>) -> bool {
    !matches!(
        r,
        Err(ApiError::Unreachable(_) | ApiError::RateLimited { .. })
    )
}

impl<'a> Reader<'a> {
    pub fn new(client: &'a Client, db: &'a Db) -> Reader<'a> {
        Reader {
            client,
            db,
            answered: AtomicU32::new(0),
        }
    }

    /// Requests made so far that the server answered.
    pub fn answered(&self) -> u32 {
        self.answered.load(Ordering::Relaxed)
    }

    async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Value, ApiError> {
        let r = self.client.get(path, query, Priority::Write).await;
        if reached_server(&r) {
            self.answered.fetch_add(1, Ordering::Relaxed);
        }
        r
    }

    /// Adds `reads` to `snap`.
    pub async fn read_into(&self, snap: &mut Snapshot, reads: &[Read]) -> Result<(), ApiError> {
        for read in reads {
            match *read {
                Read::Ticket(id) => {
                    let t = self.ticket(id).await?;
                    snap.tickets.insert(id, t);
                }
                Read::CustomerTickets(c) => {
                    let (ts, complete) = self.customer_tickets(c).await?;
                    if !complete {
                        snap.incomplete.push(*read);
                    }
                    snap.customer_tickets.insert(c, ts);
                }
                Read::TicketInvoices(t) => {
                    let (is, complete) = self.ticket_invoices(t).await?;
                    if !complete {
                        snap.incomplete.push(*read);
                    }
                    snap.ticket_invoices.insert(t, is);
                }
                Read::Invoice(id) => {
                    let i = self.invoice(id).await?;
                    snap.invoices.insert(id, i);
                }
            }
        }
        Ok(())
    }

    async fn ticket(&self, id: i64) -> Result<TicketWithChildren, ApiError> {
        let requested = time::now();
        let body = self.get(&format!("/tickets/{id}"), &[]).await?;
        let detail = TicketWithChildren::from_json(single(&body, "ticket"))
            .map_err(|e| ApiError::BadResponse(format!("ticket {id}: {e}")))?
            .fetched_at(requested);
        let copy = detail.clone();
        if let Err(e) = self.db.call(move |s| s.upsert_ticket_detail(&copy)).await {
            tracing::warn!(error = %e, "could not refresh the cached ticket");
        }
        Ok(detail)
    }

    /// Every page of the customer's tickets: a probe that read only the
    /// first would miss a landing on a busy customer and resend. Says
    /// whether the list is complete (false when the page cap cut it, or a
    /// row could not be read).
    async fn customer_tickets(&self, customer_id: i64) -> Result<(Vec<Ticket>, bool), ApiError> {
        let (mut out, mut page, mut served, mut complete) = (Vec::new(), 1, 0, true);
        loop {
            let body = self
                .get(
                    "/tickets",
                    &[
                        ("customer_id", customer_id.to_string()),
                        ("per_page", "100".into()),
                        ("page", page.to_string()),
                    ],
                )
                .await?;
            let (items, meta) =
                list_items(&body, "tickets").map_err(|e| ApiError::BadResponse(e.to_string()))?;
            let (rows, unreadable) = parse_page(items, "ticket", Ticket::from_json);
            // A server that ignores the filter lists everyone's.
            out.extend(
                rows.into_iter()
                    .filter(|t| t.customer_id == Some(customer_id)),
            );
            // A row we could not read may be the one we look for: the
            // list then rules nothing out.
            complete &= unreadable == 0;
            if is_last_page(items.len(), &meta, page, served) {
                return Ok((out, complete));
            }
            if page >= MAX_CUSTOMER_PAGES {
                return Ok((out, false));
            }
            served = served.max(items.len());
            page += 1;
        }
    }

    /// The ticket's invoices, and whether the list is complete: a server
    /// that ignores the `ticket_id` filter pages through every invoice,
    /// and past the cap a look rules nothing out.
    async fn ticket_invoices(&self, ticket_id: i64) -> Result<(Vec<Invoice>, bool), ApiError> {
        let (mut out, mut page, mut served, mut complete) = (Vec::new(), 1, 0, true);
        loop {
            let body = self
                .get(
                    "/invoices",
                    &[
                        ("ticket_id", ticket_id.to_string()),
                        ("page", page.to_string()),
                    ],
                )
                .await?;
            let (items, meta) =
                list_items(&body, "invoices").map_err(|e| ApiError::BadResponse(e.to_string()))?;
            let (rows, unreadable) = parse_page(items, "invoice", Invoice::from_json);
            out.extend(rows);
            // As for tickets: an unreadable row rules nothing out.
            complete &= unreadable == 0;
            if is_last_page(items.len(), &meta, page, served) {
                return Ok((out, complete));
            }
            if page >= MAX_INVOICE_PAGES {
                return Ok((out, false));
            }
            served = served.max(items.len());
            page += 1;
        }
    }

    async fn invoice(&self, id: i64) -> Result<InvoiceWithLines, ApiError> {
        let body = self.get(&format!("/invoices/{id}"), &[]).await?;
        let inv = InvoiceWithLines::from_json(single(&body, "invoice"))
            .map_err(|e| ApiError::BadResponse(format!("invoice {id}: {e}")))?;
        let copy = inv.clone();
        if let Err(e) = self.db.call(move |s| s.upsert_invoice_detail(&copy)).await {
            tracing::warn!(error = %e, "could not cache the invoice");
        }
        Ok(inv)
    }
}

/// The API user's id (`GET /me`): what the server records as the author of
/// our comments and timers, so a look-alike written by a colleague is never
/// taken for ours. `None` when the server does not say.
pub(super) async fn api_user(client: &Client) -> Result<Option<i64>, ApiError> {
    let me = client.get("/me", &[], Priority::Write).await?;
    Ok(syncro_store::json::int(&me, "user_id").or_else(|| {
        me.get("user")
            .and_then(|u| syncro_store::json::int(u, "id"))
    }))
}
