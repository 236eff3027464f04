//! Invoices: incremental list by `since_updated_at`, then the line items of
//! each changed invoice (only `GET /invoices/{id}` carries them).

use std::collections::HashSet;

use futures::stream::{self, StreamExt};
use serde_json::Value;
use syncro_store::model::{single, Invoice, InvoiceWithLines};

use super::{SyncError, Syncer, DETAIL_CONCURRENCY};
use crate::client::ApiError;

pub(crate) fn parse_invoice_page(items: &[Value]) -> (Vec<Invoice>, u64) {
    let mut out = Vec::with_capacity(items.len());
    let mut bad = 0;
    for item in items {
        match Invoice::from_json(item) {
            Ok(i) => out.push(i),
            Err(e) => {
                bad += 1;
                tracing::warn!(error = %e, "skipping a malformed invoice in a list page");
            }
        }
    }
    (out, bad)
}

impl Syncer {
    pub(crate) async fn sync_invoice_details(&self, budget: usize) -> Result<u64, SyncError> {
        let mut done = 0u64;
        let mut failed: HashSet<i64> = HashSet::new();
        while (done as usize) < budget {
            let want = (budget - done as usize).min(100);
            let skip = failed.len();
            let ids: Vec<i64> = self
                .db
                .call(move |s| s.invoices_needing_lines(want + skip))
                .await?
                .into_iter()
                .filter(|id| !failed.contains(id))
                .take(want)
                .collect();
            if ids.is_empty() {
                break;
            }
            let results: Vec<(i64, Result<Value, ApiError>)> = stream::iter(ids)
                .map(|id| async move { (id, self.get(&format!("/invoices/{id}"), &[]).await) })
                .buffer_unordered(DETAIL_CONCURRENCY)
                .collect()
                .await;
            let mut details = Vec::new();
            let mut gone = Vec::new();
            let mut first_error = None;
            for (id, r) in results {
                match r.map(|body| InvoiceWithLines::from_json(single(&body, "invoice"))) {
                    Ok(Ok(d)) if d.invoice.id == id => details.push(d),
                    Ok(Ok(_)) | Ok(Err(_)) => {
                        tracing::warn!(invoice = id, "skipping a malformed invoice detail");
                        failed.insert(id);
                    }
                    Err(ApiError::NotFound(_)) => gone.push(id),
                    Err(ApiError::Unauthorized) => return Err(ApiError::Unauthorized.into()),
                    Err(e) => {
                        failed.insert(id);
                        first_error.get_or_insert(e);
                    }
                }
            }
            let progressed = !details.is_empty() || !gone.is_empty();
            done += details.len() as u64;
            self.db
                .call(move |s| s.upsert_invoice_details(&details))
                .await?;
            if !gone.is_empty() {
                self.db.call(move |s| s.delete_invoices(&gone)).await?;
            }
            if let (false, Some(e)) = (progressed, first_error) {
                return Err(e.into());
            }
        }
        Ok(done)
    }
}
