//! Tickets: incremental list by `since_updated_at`, then each changed
//! ticket's thread (comments, line items, timers) by detail.

use std::collections::HashSet;

use futures::stream::{self, StreamExt};
use serde_json::Value;
use syncro_store::model::{single, Comment, Ticket, TicketWithChildren};
use tokio::sync::mpsc;

use super::{SyncError, Syncer, DETAIL_CONCURRENCY};
use crate::client::ApiError;
use crate::db::DbError;

/// Threads stored per transaction while draining the backlog.
const DETAIL_BATCH: usize = 25;
/// Ticket ids taken from the backlog per round.
const DETAIL_ROUND: usize = 500;

/// Parses a list page, skipping (and logging) records that cannot be
/// stored. Returns tickets, their embedded initial comments, and how many
/// records were bad.
pub(crate) fn parse_ticket_page(items: &[Value]) -> (Vec<Ticket>, Vec<Comment>, u64) {
    let mut tickets = Vec::with_capacity(items.len());
    let mut comments = Vec::new();
    let mut bad = 0;
    for item in items {
        match Ticket::from_json(item) {
            Ok(t) => {
                for c in syncro_store::json::array(item, "comments") {
                    match Comment::from_json(c, t.id) {
                        Ok(c) => comments.push(c),
                        Err(e) => {
                            tracing::warn!(ticket = t.id, error = %e, "skipping a malformed comment")
                        }
                    }
                }
                tickets.push(t);
            }
            Err(e) => {
                bad += 1;
                tracing::warn!(error = %e, "skipping a malformed ticket in a list page");
            }
        }
    }
    (tickets, comments, bad)
}

impl Syncer {
    /// Fetches up to `budget` stale threads, open tickets first, then the
    /// most recently updated: the history trickles in behind current work.
    pub(crate) async fn sync_ticket_details(&self, budget: usize) -> Result<u64, SyncError> {
        let mut done = 0u64;
        let mut failed: HashSet<i64> = HashSet::new();
        while (done as usize) < budget {
            let want = (budget - done as usize).min(DETAIL_ROUND);
            let skip = failed.len();
            let ids: Vec<i64> = self
                .db
                .call(move |s| s.tickets_needing_detail(want + skip))
                .await?
                .into_iter()
                .filter(|id| !failed.contains(id))
                .take(want)
                .collect();
            if ids.is_empty() {
                break;
            }
            // Fetching and storing overlap: a writer task commits batches
            // while the next requests are already in flight, so the rate
            // budget, not SQLite, sets the pace.
            let (tx, mut rx) = mpsc::channel::<Vec<TicketWithChildren>>(4);
            let db = self.db.clone();
            let writer = tokio::spawn(async move {
                while let Some(batch) = rx.recv().await {
                    db.call(move |s| s.upsert_ticket_details(&batch)).await?;
                }
                Ok::<_, DbError>(())
            });
            let mut results = stream::iter(ids)
                .map(|id| async move { (id, self.get(&format!("/tickets/{id}"), &[]).await) })
                .buffer_unordered(DETAIL_CONCURRENCY);
            let mut batch = Vec::with_capacity(DETAIL_BATCH);
            let (mut stored, mut gone, mut first_error) = (0u64, Vec::new(), None);
            while let Some((id, r)) = results.next().await {
                match r.map(|body| TicketWithChildren::from_json(single(&body, "ticket"))) {
                    Ok(Ok(d)) if d.ticket.id == id => batch.push(d),
                    Ok(Ok(d)) => {
                        tracing::warn!(
                            asked = id,
                            got = d.ticket.id,
                            "detail answered for another ticket"
                        );
                        failed.insert(id);
                    }
                    Ok(Err(e)) => {
                        tracing::warn!(ticket = id, error = %e, "skipping a malformed ticket detail");
                        failed.insert(id);
                    }
                    Err(ApiError::NotFound(_)) => gone.push(id),
                    Err(ApiError::Unauthorized) => return Err(ApiError::Unauthorized.into()),
                    Err(e) => {
                        // Skipped for the rest of this pass; the next pass
                        // tries it again.
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
            done += stored;
            let progressed = stored > 0 || !gone.is_empty();
            if !gone.is_empty() {
                tracing::info!(count = gone.len(), "removing tickets deleted on the server");
                self.db.call(move |s| s.delete_tickets(&gone)).await?;
            }
            if let (false, Some(e)) = (progressed, first_error) {
                // Nothing in this round worked: the server is struggling;
                // stop the pass and keep what landed.
                return Err(e.into());
            }
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_page_with_junk_keeps_the_good_records_and_counts_the_bad() {
        let items = vec![
            json!({"id": 1, "number": 30001, "subject": "ok"}),
            json!({"id": "x", "number": 30002}),
            json!(null),
            json!("a string"),
            json!({"id": 2, "number": "30003", "comments": [{"no_id": 1}, {"id": 5, "body": null}]}),
        ];
        let (tickets, comments, bad) = parse_ticket_page(&items);
        assert_eq!(tickets.iter().map(|t| t.id).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(comments.iter().map(|c| c.id).collect::<Vec<_>>(), vec![5]);
        assert_eq!(bad, 3);
    }
}
