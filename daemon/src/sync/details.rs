//! Fetching the records whose list entry is newer than their cached
//! detail: ticket threads (comments, line items, timers) and invoice lines,
//! which only `GET /tickets/{id}` and `GET /invoices/{id}` carry.

use std::collections::HashSet;

use futures::stream::{self, StreamExt};
use serde_json::Value;
use syncro_store::model::{single, InvoiceWithLines, ModelError, TicketWithChildren};
use tokio::sync::mpsc;

use super::{Resource, SyncError, Syncer, DETAIL_CONCURRENCY};
use crate::client::ApiError;
use crate::db::DbError;

/// Details stored per transaction.
const DETAIL_BATCH: usize = 25;
/// Stale ids taken from the cache per round.
const DETAIL_ROUND: usize = 500;

/// One parsed detail answer.
enum Detail {
    Ticket(Box<TicketWithChildren>),
    Invoice(Box<InvoiceWithLines>),
}

impl Detail {
    /// `requested` is when the request went out: a ticket thread older
    /// than the one stored (say, the outbox's read-back of a comment it
    /// just verified) does not replace it.
    fn parse(r: Resource, body: &Value, requested: String) -> Result<Detail, ModelError> {
        match r {
            Resource::Invoices => InvoiceWithLines::from_json(single(body, "invoice"))
                .map(|i| Detail::Invoice(Box::new(i))),
            _ => TicketWithChildren::from_json(single(body, "ticket"))
                .map(|t| Detail::Ticket(Box::new(t.fetched_at(requested)))),
        }
    }

    fn id(&self) -> i64 {
        match self {
            Detail::Ticket(d) => d.ticket.id,
            Detail::Invoice(d) => d.invoice.id,
        }
    }
}

impl Syncer {
    /// Fetches up to `budget` stale details of `r`, in the cache's priority
    /// order (for tickets: open first, then most recently updated, so the
    /// history trickles in behind current work; with `open_only`, only the
    /// open ones). A record that fails is skipped for the rest of this
    /// pass; a 404 means it was deleted.
    pub(crate) async fn sync_details(
        &self,
        r: Resource,
        budget: usize,
        open_only: bool,
    ) -> Result<u64, SyncError> {
        let mut done = 0u64;
        let mut failed: HashSet<i64> = HashSet::new();
        while (done as usize) < budget {
            let want = (budget - done as usize).min(DETAIL_ROUND);
            let skip = failed.len();
            let ids: Vec<i64> = self
                .db
                .call(move |s| match r {
                    Resource::Invoices => s.invoices_needing_lines(want + skip),
                    _ => s.tickets_needing_detail(want + skip, open_only),
                })
                .await?
                .into_iter()
                .filter(|id| !failed.contains(id))
                .take(want)
                .collect();
            if ids.is_empty() {
                break;
            }
            done += self.fetch_round(r, ids, &mut failed).await?;
        }
        Ok(done)
    }

    /// The safety net for comments that do not bump a ticket's
    /// `updated_at` (whether the real service bumps it for a comment added
    /// in the web UI is not documented): each idle pass re-reads the
    /// threads of a few open tickets, the ones read longest ago and not in
    /// the last ten minutes. It costs at most `open_refresh_per_pass`
    /// requests a pass, and only when the backlog is empty.
    pub(crate) async fn refresh_open_threads(&self) -> Result<u64, SyncError> {
        if self.open_refresh == 0 {
            return Ok(0);
        }
        let (limit, before) = (
            self.open_refresh,
            syncro_store::time::format(chrono::Utc::now() - super::OPEN_REFRESH_MIN_AGE),
        );
        let ids = self
            .db
            .call(move |s| s.open_tickets_stalest_threads(limit, &before))
            .await?;
        if ids.is_empty() {
            return Ok(0);
        }
        let mut failed = HashSet::new();
        self.fetch_round(Resource::Tickets, ids, &mut failed).await
    }

    /// Fetches the details of `ids` (several in flight, stored in batches
    /// while the next requests are on the wire), removes the ones the
    /// server says are gone, and adds the ones that failed to `failed`.
    /// Returns how many were stored.
    async fn fetch_round(
        &self,
        r: Resource,
        ids: Vec<i64>,
        failed: &mut HashSet<i64>,
    ) -> Result<u64, SyncError> {
        // Fetching and storing overlap: a writer task commits batches
        // while the next requests are already in flight, so the rate
        // budget, not SQLite, sets the pace.
        let (tx, mut rx) = mpsc::channel::<Vec<Detail>>(4);
        let db = self.db.clone();
        let writer = tokio::spawn(async move {
            while let Some(batch) = rx.recv().await {
                db.call(move |s| {
                    let (mut tickets, mut invoices) = (Vec::new(), Vec::new());
                    for d in batch {
                        match d {
                            Detail::Ticket(t) => tickets.push(*t),
                            Detail::Invoice(i) => invoices.push(*i),
                        }
                    }
                    s.upsert_ticket_details(&tickets)?;
                    s.upsert_invoice_details(&invoices)
                })
                .await?;
            }
            Ok::<_, DbError>(())
        });
        let path = r.path();
        let mut results = stream::iter(ids)
            .map(|id| {
                let url = format!("{path}/{id}");
                async move {
                    let requested = syncro_store::time::now();
                    (id, self.get(&url, &[]).await, requested)
                }
            })
            .buffer_unordered(DETAIL_CONCURRENCY);
        let mut batch = Vec::with_capacity(DETAIL_BATCH);
        let (mut stored, mut gone, mut first_error) = (0u64, Vec::new(), None);
        while let Some((id, answer, requested)) = results.next().await {
            match answer.map(|body| Detail::parse(r, &body, requested)) {
                Ok(Ok(d)) if d.id() == id => batch.push(d),
                Ok(Ok(d)) => {
                    tracing::warn!(
                        resource = r.name(),
                        asked = id,
                        got = d.id(),
                        "detail answered for another record"
                    );
                    failed.insert(id);
                }
                Ok(Err(e)) => {
                    tracing::warn!(resource = r.name(), id, error = %e, "skipping a malformed detail");
                    failed.insert(id);
                }
                Err(ApiError::NotFound(_)) => gone.push(id),
                Err(ApiError::Unauthorized) => return Err(ApiError::Unauthorized.into()),
                Err(e) => {
                    failed.insert(id);
                    first_error.get_or_insert(e);
                }
            }
            if batch.len() >= DETAIL_BATCH {
                stored += batch.len() as u64;
                if let Some(bar) = &self.progress {
                    bar.inc(batch.len() as u64);
                }
                if tx.send(std::mem::take(&mut batch)).await.is_err() {
                    break; // the writer failed; its error is below
                }
            }
        }
        drop(results);
        stored += batch.len() as u64;
        if !batch.is_empty() {
            let _ = tx.send(batch).await;
        }
        drop(tx);
        writer.await.map_err(|e| DbError::Join(e.to_string()))??;
        let progressed = stored > 0 || !gone.is_empty();
        if !gone.is_empty() {
            tracing::info!(
                resource = r.name(),
                count = gone.len(),
                "removing records deleted on the server"
            );
            self.db.call(move |s| r.delete(s, &gone)).await?;
        }
        if let (false, Some(e)) = (progressed, first_error) {
            // Nothing in this round worked: the server is struggling;
            // stop the pass and keep what landed.
            return Err(e.into());
        }
        Ok(stored)
    }
}
