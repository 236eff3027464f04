//! The sync engine: keeps the cache a faithful copy of the account while
//! spending as few requests as possible.
//!
//! Every pass is resumable: a resource's cursor and watermark are saved
//! only after the page they cover has been committed, and every upsert is
//! idempotent, so a crash at any point at worst repeats one page.

mod details;
mod page;
mod resource;

pub use resource::Resource;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use chrono::Duration as ChronoDuration;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use syncro_store::model::{list_items, PageMeta};
use syncro_store::{time, SyncState};

use crate::client::{ApiError, Client};
use crate::db::{Db, DbError};
use crate::limiter::Priority;

/// Page size for every list: the API's maximum.
pub const PER_PAGE: usize = 100;
/// Re-read this much before the watermark, so a server clock that is a
/// little behind (or a record saved while we paged) is not missed.
/// Upserts are idempotent, so the overlap costs nothing but a few rows.
const WATERMARK_OVERLAP: ChronoDuration = ChronoDuration::minutes(2);
/// Thread fetches in flight at once: enough to keep the rate budget busy
/// despite round-trip latency, few enough to be gentle.
const DETAIL_CONCURRENCY: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error("cache error: {0}")]
    Db(#[from] DbError),
}

impl SyncError {
    /// Errors that stop a whole run rather than just this pass.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            SyncError::Api(ApiError::Unauthorized) | SyncError::Db(_)
        )
    }
}

/// What a pass did, for logs and `syncrod once`.
#[derive(Debug, Default, Clone, Serialize)]
pub struct PassReport {
    pub listed: u64,
    pub details: u64,
    pub deleted: u64,
    pub bad_records: u64,
    pub requests: u64,
}

/// Where an interrupted list walk resumes.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
struct ListCursor {
    /// `since_updated_at` of this walk (None: a full listing).
    since: Option<String>,
    /// Next page to fetch.
    page: u32,
    /// Newest `updated_at` seen so far in this walk.
    max_seen: Option<String>,
}

/// Shared state of the engine.
#[derive(Clone)]
pub struct Syncer {
    pub(crate) client: Client,
    pub(crate) db: Db,
    requests: Arc<AtomicU64>,
    pub(crate) progress: Option<indicatif::ProgressBar>,
}

impl Syncer {
    pub fn new(client: Client, db: Db) -> Syncer {
        Syncer {
            client,
            db,
            requests: Arc::new(AtomicU64::new(0)),
            progress: None,
        }
    }

    /// Shows a progress bar on a terminal (for the first, long pass).
    pub fn with_progress(mut self, bar: Option<indicatif::ProgressBar>) -> Syncer {
        self.progress = bar;
        self
    }

    /// Requests this engine has sent.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// An incremental pass over every resource, then up to `detail_budget`
    /// ticket threads from the backlog (open tickets first).
    pub async fn pass(&self, detail_budget: usize) -> Result<PassReport, SyncError> {
        let before = self.requests();
        let mut report = PassReport::default();
        for resource in Resource::ALL {
            let r = self.resource_pass(resource, detail_budget).await;
            self.record_outcome(resource, &r).await?;
            let r = r?;
            report.listed += r.listed;
            report.details += r.details;
            report.deleted += r.deleted;
            report.bad_records += r.bad_records;
        }
        report.requests = self.requests() - before;
        Ok(report)
    }

    /// The daily sweep: lists every record to find the ones deleted on the
    /// server (confirmed one by one with a 404) and any update missed.
    pub async fn reconcile(&self) -> Result<PassReport, SyncError> {
        let before = self.requests();
        let mut report = PassReport::default();
        for resource in Resource::ALL {
            let r = self.reconcile_resource(resource).await;
            self.record_outcome(resource, &r).await?;
            let r = r?;
            report.listed += r.listed;
            report.deleted += r.deleted;
            report.details += r.details;
        }
        report.requests = self.requests() - before;
        Ok(report)
    }

    async fn resource_pass(
        &self,
        resource: Resource,
        detail_budget: usize,
    ) -> Result<PassReport, SyncError> {
        match resource {
            Resource::Customers => self.walk_list(resource).await,
            Resource::Tickets => {
                let mut r = self.walk_list(resource).await?;
                r.details += self.sync_details(resource, detail_budget).await?;
                Ok(r)
            }
            Resource::Invoices => {
                let mut r = self.walk_list(resource).await?;
                r.details += self.sync_details(resource, usize::MAX).await?;
                Ok(r)
            }
        }
    }

    /// Records success or the error in the resource's sync_state.
    async fn record_outcome(
        &self,
        resource: Resource,
        r: &Result<PassReport, SyncError>,
    ) -> Result<(), SyncError> {
        let outcome = r.as_ref().map(|_| ()).map_err(|e| e.to_string());
        self.db
            .call(move |s| {
                let mut st = s.sync_state(resource.name())?;
                let now = time::now();
                st.last_attempt_at = Some(now.clone());
                match outcome {
                    Ok(()) => {
                        st.last_success_at = Some(now);
                        st.last_error = None;
                    }
                    Err(e) => {
                        st.last_error = Some(e);
                        st.last_error_at = Some(now);
                    }
                }
                st.backlog = match resource {
                    Resource::Tickets => s.tickets_needing_detail_count()?,
                    Resource::Invoices => s.invoices_needing_lines_count()?,
                    Resource::Customers => 0,
                };
                s.save_sync_state(&st)
            })
            .await?;
        Ok(())
    }

    /// One list page: the raw items (parsed one by one by the caller, so
    /// a bad record is skipped alone) and the paging facts.
    pub(crate) async fn list_page(
        &self,
        path: &str,
        key: &str,
        mut query: Vec<(&str, String)>,
        page: u32,
    ) -> Result<(Vec<Value>, PageMeta), SyncError> {
        query.push(("page", page.to_string()));
        query.push(("per_page", PER_PAGE.to_string()));
        let body = self.get(path, &query).await?;
        let (items, meta) = list_items(&body, key)
            .map_err(|e| ApiError::BadResponse(format!("{path} page {page}: {e}")))?;
        Ok((items.to_vec(), meta))
    }

    pub(crate) async fn get(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Value, ApiError> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.client.get(path, query, Priority::Read).await
    }

    /// Adds this walk's request count to the resource's lifetime total.
    pub(crate) async fn save_state(&self, st: SyncState) -> Result<(), SyncError> {
        self.db.call(move |s| s.save_sync_state(&st)).await?;
        Ok(())
    }

    pub(crate) async fn load_state(&self, resource: &'static str) -> Result<SyncState, SyncError> {
        Ok(self.db.call(move |s| s.sync_state(resource)).await?)
    }
}

/// Whether `page` was the last one.
fn is_last_page(items: usize, meta: &PageMeta, page: u32) -> bool {
    if items == 0 {
        return true;
    }
    match meta.total_pages {
        Some(total) => i64::from(page) >= total,
        None => items < PER_PAGE,
    }
}

/// The `since_updated_at` to ask for, given a watermark.
fn since(watermark: &str) -> Option<String> {
    time::parse(watermark).map(|t| time::format(t - WATERMARK_OVERLAP))
}

fn newer(a: Option<String>, b: Option<&String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b > &a { b.clone() } else { a }),
        (a, b) => a.or_else(|| b.cloned()),
    }
}

fn load_cursor(st: &SyncState) -> Option<ListCursor> {
    st.cursor
        .as_deref()
        .and_then(|c| serde_json::from_str(c).ok())
}

fn save_cursor(c: &ListCursor) -> Option<String> {
    serde_json::to_string(c).ok()
}

impl Syncer {
    /// Walks a resource's list page by page from its watermark, resuming an
    /// interrupted walk where it stopped: with `since_updated_at` where the
    /// API has it (tickets, invoices), else newest-updated first until the
    /// watermark (customers).
    pub(crate) async fn walk_list(&self, resource: Resource) -> Result<PassReport, SyncError> {
        let mut st = self.load_state(resource.name()).await?;
        let mut report = PassReport::default();
        let mut cursor = load_cursor(&st).unwrap_or(ListCursor {
            since: st.watermark.as_deref().and_then(since),
            page: 1,
            max_seen: st.watermark.clone(),
        });
        loop {
            let mut query = resource.list_query();
            if let (Some(since), true) = (&cursor.since, resource.has_since_filter()) {
                query.push(("since_updated_at", since.clone()));
            }
            let (items, meta) = self
                .list_page(&resource.path(), resource.name(), query, cursor.page)
                .await?;
            st.requests += 1;
            if cursor.page == 1 && cursor.since.is_none() {
                if let (Some(bar), Some(total)) = (&self.progress, meta.total_entries) {
                    bar.set_length(bar.length().unwrap_or(0) + total.max(0) as u64);
                }
            }
            let stored = self.store_page(resource, &items).await?;
            let (n, bad, page_max) = (stored.ids.len(), stored.bad, stored.newest.clone());
            report.listed += n as u64;
            report.bad_records += bad;
            st.rows_synced += n as i64;
            cursor.max_seen = newer(cursor.max_seen.take(), page_max.as_ref());
            // Without a server-side filter the list comes newest-updated
            // first: a record older than the watermark means everything
            // after it is already mirrored.
            let reached_watermark = !resource.has_since_filter()
                && matches!((&cursor.since, &stored.oldest), (Some(since), Some(oldest)) if oldest < since);
            let last = reached_watermark || is_last_page(items.len(), &meta, cursor.page);
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_page_detection() {
        let meta = PageMeta {
            total_pages: Some(3),
            ..Default::default()
        };
        assert!(!is_last_page(100, &meta, 2));
        assert!(is_last_page(100, &meta, 3));
        assert!(is_last_page(0, &meta, 1));
        assert!(is_last_page(5, &PageMeta::default(), 1));
        assert!(!is_last_page(100, &PageMeta::default(), 1));
    }

    #[test]
    fn since_subtracts_the_overlap() {
        assert_eq!(
            since("2026-01-01T10:00:00.000Z").as_deref(),
            Some("2026-01-01T09:58:00.000Z")
        );
        assert_eq!(since("garbage"), None);
    }
}
