//! Customers: the API has no `since_updated_at` for them, so the list is
//! read newest-updated first and the walk stops at the watermark.

use std::collections::HashSet;

use serde_json::Value;
use syncro_store::model::{single, Customer};
use syncro_store::time;

use super::{load_cursor, newer, save_cursor, since, ListCursor, PassReport, SyncError, Syncer};
use crate::client::ApiError;

pub(crate) fn parse_customer_page(items: &[Value]) -> (Vec<Customer>, u64) {
    let mut out = Vec::with_capacity(items.len());
    let mut bad = 0;
    for item in items {
        match Customer::from_json(item) {
            Ok(c) => out.push(c),
            Err(e) => {
                bad += 1;
                tracing::warn!(error = %e, "skipping a malformed customer in a list page");
            }
        }
    }
    (out, bad)
}

fn customer_query() -> Vec<(&'static str, String)> {
    vec![
        ("sort", "updated_at DESC".to_string()),
        ("include_disabled", "true".to_string()),
    ]
}

impl Syncer {
    pub(crate) async fn sync_customers(&self) -> Result<PassReport, SyncError> {
        let mut st = self.load_state("customers").await?;
        let mut report = PassReport::default();
        // An interrupted first walk resumes at its page; an incremental
        // walk is cheap and simply starts over.
        let mut cursor = load_cursor(&st)
            .filter(|c| c.since.is_none() && st.watermark.is_none())
            .unwrap_or(ListCursor {
                since: st.watermark.as_deref().and_then(since),
                page: 1,
                max_seen: st.watermark.clone(),
            });
        loop {
            let (items, meta) = self
                .list_page("/customers", "customers", customer_query(), cursor.page)
                .await?;
            st.requests += 1;
            let (customers, bad) = parse_customer_page(&items);
            report.bad_records += bad;
            report.listed += customers.len() as u64;
            let page_max = customers.iter().filter_map(|c| c.updated_at.clone()).max();
            let reached_watermark = match &cursor.since {
                Some(since) => customers
                    .iter()
                    .any(|c| c.updated_at.as_deref().is_some_and(|u| u < since.as_str())),
                None => false,
            };
            let n = customers.len() as i64;
            self.db
                .call(move |s| s.upsert_customers(&customers))
                .await?;
            cursor.max_seen = newer(cursor.max_seen.take(), page_max.as_ref());
            st.rows_synced += n;
            let last = reached_watermark || super::is_last_page(items.len(), &meta, cursor.page);
            if last {
                st.watermark = cursor.max_seen.clone();
                st.cursor = None;
            } else {
                cursor.page += 1;
                st.cursor = save_cursor(&cursor);
            }
            st.last_attempt_at = Some(time::now());
            self.save_state(st.clone()).await?;
            if last {
                return Ok(report);
            }
        }
    }

    pub(crate) async fn reconcile_customers(&self) -> Result<PassReport, SyncError> {
        let mut report = PassReport::default();
        let mut seen = HashSet::new();
        let mut page = 1;
        loop {
            let (items, meta) = self
                .list_page("/customers", "customers", customer_query(), page)
                .await?;
            let (customers, bad) = parse_customer_page(&items);
            report.bad_records += bad;
            report.listed += customers.len() as u64;
            seen.extend(customers.iter().map(|c| c.id));
            self.db
                .call(move |s| s.upsert_customers(&customers))
                .await?;
            if super::is_last_page(items.len(), &meta, page) {
                break;
            }
            page += 1;
        }
        let cached = self.db.call(|s| s.customer_ids()).await?;
        let mut gone = Vec::new();
        for id in cached.into_iter().filter(|id| !seen.contains(id)) {
            match self.get(&format!("/customers/{id}"), &[]).await {
                Err(ApiError::NotFound(_)) => gone.push(id),
                Ok(body) => {
                    if let Ok(c) = Customer::from_json(single(&body, "customer")) {
                        self.db.call(move |s| s.upsert_customers(&[c])).await?;
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        report.deleted = gone.len() as u64;
        if !gone.is_empty() {
            self.db.call(move |s| s.delete_customers(&gone)).await?;
        }
        Ok(report)
    }
}
