//! The reads the write families ask for ([`Read`]), done at write
//! priority. A ticket read also refreshes the cache, stamped with when
//! it was requested so an older thread fetched by the sync engine cannot
//! replace it.

use syncro_store::model::{
    list_items, single, Invoice, InvoiceWithLines, Ticket, TicketWithChildren,
};
use syncro_store::time;

use super::kinds::{Read, Snapshot};
use crate::client::{ApiError, Client};
use crate::db::Db;
use crate::limiter::Priority;
use crate::sync::is_last_page;

/// Pages of one customer's tickets read at most, to bound a probe on an
/// account where one customer has thousands of tickets.
const MAX_CUSTOMER_PAGES: u32 = 50;

pub(super) struct Reader<'a> {
    pub client: &'a Client,
    pub db: &'a Db,
}

impl Reader<'_> {
    pub async fn snapshot(&self, reads: &[Read]) -> Result<Snapshot, ApiError> {
        let mut snap = Snapshot::default();
        for read in reads {
            match *read {
                Read::Ticket(id) => {
                    let t = self.ticket(id).await?;
                    snap.tickets.insert(id, t);
                }
                Read::CustomerTickets(c) => {
                    let ts = self.customer_tickets(c).await?;
                    snap.customer_tickets.insert(c, ts);
                }
                Read::TicketInvoices(t) => {
                    let is = self.ticket_invoices(t).await?;
                    snap.ticket_invoices.insert(t, is);
                }
                Read::Invoice(id) => {
                    let i = self.invoice(id).await?;
                    snap.invoices.insert(id, i);
                }
            }
        }
        Ok(snap)
    }

    async fn ticket(&self, id: i64) -> Result<TicketWithChildren, ApiError> {
        let requested = time::now();
        let body = self
            .client
            .get(&format!("/tickets/{id}"), &[], Priority::Write)
            .await?;
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
    /// first would miss a landing on a busy customer and resend.
    async fn customer_tickets(&self, customer_id: i64) -> Result<Vec<Ticket>, ApiError> {
        let (mut out, mut page, mut served) = (Vec::new(), 1, 0);
        loop {
            let body = self
                .client
                .get(
                    "/tickets",
                    &[
                        ("customer_id", customer_id.to_string()),
                        ("per_page", "100".into()),
                        ("page", page.to_string()),
                    ],
                    Priority::Write,
                )
                .await?;
            let (items, meta) =
                list_items(&body, "tickets").map_err(|e| ApiError::BadResponse(e.to_string()))?;
            out.extend(
                items
                    .iter()
                    .filter_map(|t| Ticket::from_json(t).ok())
                    // A server that ignores the filter lists everyone's.
                    .filter(|t| t.customer_id == Some(customer_id)),
            );
            if is_last_page(items.len(), &meta, page, served) || page >= MAX_CUSTOMER_PAGES {
                return Ok(out);
            }
            served = served.max(items.len());
            page += 1;
        }
    }

    async fn ticket_invoices(&self, ticket_id: i64) -> Result<Vec<Invoice>, ApiError> {
        let (mut out, mut page, mut served) = (Vec::new(), 1, 0);
        loop {
            let body = self
                .client
                .get(
                    "/invoices",
                    &[
                        ("ticket_id", ticket_id.to_string()),
                        ("page", page.to_string()),
                    ],
                    Priority::Write,
                )
                .await?;
            let (items, meta) =
                list_items(&body, "invoices").map_err(|e| ApiError::BadResponse(e.to_string()))?;
            out.extend(items.iter().filter_map(|i| Invoice::from_json(i).ok()));
            // A server that ignores the filter pages through every invoice;
            // the newest come first, so a few pages hold any new one.
            if is_last_page(items.len(), &meta, page, served) || page >= 4 {
                return Ok(out);
            }
            served = served.max(items.len());
            page += 1;
        }
    }

    async fn invoice(&self, id: i64) -> Result<InvoiceWithLines, ApiError> {
        let body = self
            .client
            .get(&format!("/invoices/{id}"), &[], Priority::Write)
            .await?;
        let inv = InvoiceWithLines::from_json(single(&body, "invoice"))
            .map_err(|e| ApiError::BadResponse(format!("invoice {id}: {e}")))?;
        let copy = inv.clone();
        if let Err(e) = self.db.call(move |s| s.upsert_invoice_detail(&copy)).await {
            tracing::warn!(error = %e, "could not cache the invoice");
        }
        Ok(inv)
    }
}
