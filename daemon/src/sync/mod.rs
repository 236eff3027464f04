//! The sync engine: keeps the cache a faithful copy of the account while
//! spending as few requests as possible.
//!
//! Every pass is resumable: a resource's cursor and watermark are saved
//! only after the page they cover has been committed, and every upsert is
//! idempotent, so a crash at any point at worst repeats one page.
//!
//! What it does not trust, because the real service has been seen (or may
//! be) otherwise:
//! - **Paging**: `per_page` may be ignored (tickets come 50 a page,
//!   invoices 25) and `meta` may lack `total_entries`. A walk follows
//!   `total_pages` when given, else goes on until an empty page or one
//!   shorter than the largest it was served.
//! - **Order and filters**: customers have no `since_updated_at`, so they
//!   are read newest-updated first and the walk stops at the watermark,
//!   but only while the pages really come in that order; a server that
//!   ignores `sort` gets a full walk. `since_updated_at` is re-asked with a
//!   2-minute overlap, so inclusive or exclusive makes no difference.
//! - **Clocks**: a record stamped more than 10 minutes past our clock is
//!   stored but does not move the watermark (one future stamp would
//!   otherwise freeze incremental sync until the daily sweep).
//! - **Comments bumping `updated_at`**: threads are re-fetched when a
//!   ticket's `updated_at` changes. Whether the real service bumps it for
//!   a comment added in the web UI is not documented, so as a safety net
//!   each idle pass re-reads a few open tickets' threads (the ones read
//!   longest ago, none more often than every 10 minutes;
//!   `schedule.open_refresh_per_pass`, default 10 requests, under 7% of
//!   the default budget). A new web-UI comment on an open ticket thus
//!   reaches the cache within `open tickets / 10` passes at worst, and at
//!   once if the server does bump `updated_at`. Closed tickets rely on the
//!   bump and on the daily sweep.
//!
//! The product catalogue has neither `updated_at` nor a filter, and is
//! small: it is listed whole when [`PRODUCTS_REFRESH_SECS`] old (and in the
//! daily sweep), right after the open tickets. A failure there (a key
//! without the Products permission) is recorded and logged but never
//! stops a pass: the catalogue only serves `syncro labor`'s checks.

mod details;
pub(crate) mod page;
mod resource;

pub use resource::Resource;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use chrono::Duration as ChronoDuration;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use syncro_store::model::{list_items, PageMeta};
use syncro_store::{time, SyncState, PRODUCTS_REFRESH_SECS};

use crate::client::{ApiError, Client};
use crate::db::{Db, DbError};
use crate::limiter::Priority;

/// Page size for every list: the API's maximum.
pub const PER_PAGE: usize = 100;
/// Re-read this much before the watermark, so a server clock that is a
/// little behind (or a record saved while we paged) is not missed.
/// Upserts are idempotent, so the overlap costs nothing but a few rows.
const WATERMARK_OVERLAP: ChronoDuration = ChronoDuration::minutes(2);
/// How far past our own clock a record's `updated_at` may be and still
/// move a watermark (server clocks drift; an import can stamp the future).
const FUTURE_TOLERANCE: ChronoDuration = ChronoDuration::minutes(10);
/// 429s in a row one read takes before its pass gives up.
const MAX_RATE_LIMITED_RETRIES: u32 = 8;
/// Thread fetches in flight at once: enough to keep the rate budget busy
/// despite round-trip latency, few enough to be gentle.
const DETAIL_CONCURRENCY: usize = 8;
/// After a failed listing of the products, the next try waits this long
/// (a key without the Products permission fails every time).
const PRODUCTS_RETRY: ChronoDuration = ChronoDuration::minutes(5);

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

    /// Whether a failure of an optional step (the products) must still end
    /// the pass: the rest would fail the same way.
    fn stops_the_pass(&self) -> bool {
        self.is_fatal() || matches!(self, SyncError::Api(ApiError::Unreachable(_)))
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
    /// The largest page the server has served in this walk.
    #[serde(default)]
    served: usize,
    /// The server ignored the requested order (seen in this walk): the
    /// walk cannot stop at the watermark and must read every page.
    #[serde(default)]
    unordered: bool,
    /// `updated_at` of the last record of the previous page.
    #[serde(default)]
    prev_last: Option<String>,
}

/// A thread re-read by the open-ticket safety net is not re-read again
/// before this long.
const OPEN_REFRESH_MIN_AGE: ChronoDuration = ChronoDuration::minutes(10);

/// Shared state of the engine.
#[derive(Clone)]
pub struct Syncer {
    pub(crate) client: Client,
    pub(crate) db: Db,
    requests: Arc<AtomicU64>,
    pub(crate) progress: Option<indicatif::ProgressBar>,
    /// Open threads re-read per idle pass (see [`Syncer::refresh_open_threads`]).
    open_refresh: usize,
}

impl Syncer {
    pub fn new(client: Client, db: Db) -> Syncer {
        Syncer {
            client,
            db,
            requests: Arc::new(AtomicU64::new(0)),
            progress: None,
            open_refresh: 0,
        }
    }

    /// Re-reads up to `n` open threads per idle pass.
    pub fn with_open_refresh(mut self, n: usize) -> Syncer {
        self.open_refresh = n;
        self
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

    /// An incremental pass, in the order a technician needs things: the
    /// customer list (small; tickets are indexed for search with their
    /// customer's names), the ticket list and every open ticket's thread,
    /// the product catalogue when due (an hour old, see `products_due`), then the
    /// invoice list and invoice lines, then up to `detail_budget`
    /// threads of closed tickets from the history backlog, then (when
    /// idle) the open-thread safety net. On a fresh install the open
    /// threads are thus in the cache after two lists plus one request per
    /// open ticket, whatever the size of the history.
    pub async fn pass(&self, detail_budget: usize) -> Result<PassReport, SyncError> {
        let before = self.requests();
        let mut report = PassReport::default();
        let mut add = |r: &PassReport| {
            report.listed += r.listed;
            report.details += r.details;
            report.deleted += r.deleted;
            report.bad_records += r.bad_records;
        };
        let customers = self.resource_pass(Resource::Customers).await;
        add(&self.finish(Resource::Customers, customers, true).await?);
        let open = async {
            let mut r = self.walk_list(Resource::Tickets).await?;
            r.details += self
                .sync_details(Resource::Tickets, usize::MAX, true)
                .await?;
            Ok(r)
        }
        .await;
        let open = self.finish(Resource::Tickets, open, false).await?;
        add(&open);
        if self.products_due().await? {
            let products = self.walk_list(Resource::Products).await;
            match self.finish(Resource::Products, products, true).await {
                Ok(r) => add(&r),
                Err(e) if e.stops_the_pass() => return Err(e),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot list the products; trying again later")
                }
            }
        }
        let invoices = self.resource_pass(Resource::Invoices).await;
        add(&self.finish(Resource::Invoices, invoices, true).await?);
        let history = async {
            let fetched = self
                .sync_details(Resource::Tickets, detail_budget, false)
                .await?;
            let mut r = PassReport {
                details: fetched,
                ..PassReport::default()
            };
            // Only when idle: the backlog (and a first pass) come first.
            if (fetched as usize) < detail_budget {
                r.details += self.refresh_open_threads().await?;
            }
            Ok(r)
        }
        .await;
        add(&self.finish(Resource::Tickets, history, true).await?);
        report.requests = self.requests() - before;
        Ok(report)
    }

    /// Records the outcome of a resource's work (`done`: its last step in
    /// this pass, so success may be recorded) and passes it on.
    async fn finish(
        &self,
        resource: Resource,
        r: Result<PassReport, SyncError>,
        done: bool,
    ) -> Result<PassReport, SyncError> {
        if done || r.is_err() {
            self.record_outcome(resource, &r).await?;
        }
        r
    }

    /// The daily sweep: lists every record to find the ones deleted on the
    /// server (confirmed one by one with a 404) and any update missed.
    pub async fn reconcile(&self) -> Result<PassReport, SyncError> {
        let before = self.requests();
        let mut report = PassReport::default();
        for resource in Resource::ALL {
            let r = self.reconcile_resource(resource).await;
            self.record_outcome(resource, &r).await?;
            let r = match r {
                Err(e) if resource == Resource::Products && !e.stops_the_pass() => {
                    tracing::warn!(error = %e, "cannot list the products; trying again later");
                    continue;
                }
                r => r?,
            };
            report.listed += r.listed;
            report.deleted += r.deleted;
            report.details += r.details;
        }
        report.requests = self.requests() - before;
        Ok(report)
    }

    /// The list walk of customers or invoices, and invoice lines.
    async fn resource_pass(&self, resource: Resource) -> Result<PassReport, SyncError> {
        let mut r = self.walk_list(resource).await?;
        if resource == Resource::Invoices {
            r.details += self.sync_details(resource, usize::MAX, false).await?;
        }
        Ok(r)
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
                    Resource::Customers | Resource::Products => 0,
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

    /// A read at background priority. A 429 is tried again (the limiter
    /// has already cut the share and paused): in a busy office 429s are
    /// the normal signal of a shared budget, not a reason to drop a pass.
    pub(crate) async fn get(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Value, ApiError> {
        let mut limited = 0;
        loop {
            self.requests.fetch_add(1, Ordering::Relaxed);
            match self.client.get(path, query, Priority::Read).await {
                Err(ApiError::RateLimited { .. }) if limited < MAX_RATE_LIMITED_RETRIES => {
                    limited += 1;
                }
                other => return other,
            }
        }
    }

    /// Adds this walk's request count to the resource's lifetime total.
    pub(crate) async fn save_state(&self, st: SyncState) -> Result<(), SyncError> {
        self.db.call(move |s| s.save_sync_state(&st)).await?;
        Ok(())
    }

    pub(crate) async fn load_state(&self, resource: &'static str) -> Result<SyncState, SyncError> {
        Ok(self.db.call(move |s| s.sync_state(resource)).await?)
    }

    /// Whether the product catalogue is due for a listing.
    async fn products_due(&self) -> Result<bool, SyncError> {
        let st = self.load_state(Resource::Products.name()).await?;
        Ok(products_due(&st, chrono::Utc::now()))
    }
}

/// The latest `updated_at` that may move a watermark.
fn horizon() -> String {
    time::format(chrono::Utc::now() + FUTURE_TOLERANCE)
}

/// Whether `page` was the last one. `total_pages` decides when the server
/// gives it. Without it, `per_page` may not have been honoured (tickets
/// come 50 a page, invoices 25, whatever is asked), so a page is short
/// only against the largest page this walk has been served (`served`);
/// otherwise the walk goes on until an empty page.
pub(crate) fn is_last_page(items: usize, meta: &PageMeta, page: u32, served: usize) -> bool {
    if items == 0 {
        return true;
    }
    match meta.total_pages {
        Some(total) => i64::from(page) >= total,
        None => served > 0 && items < served,
    }
}

/// Whether the products are due at `now`: never listed, or listed
/// [`PRODUCTS_REFRESH_SECS`] ago or more; but not within
/// [`PRODUCTS_RETRY`] of a failed listing.
fn products_due(st: &SyncState, now: chrono::DateTime<chrono::Utc>) -> bool {
    let age = |t: Option<&String>| t.and_then(|t| time::parse(t)).map(|t| now - t);
    let refresh = ChronoDuration::seconds(i64::try_from(PRODUCTS_REFRESH_SECS).unwrap_or(3600));
    if age(st.last_success_at.as_ref()).is_some_and(|a| a < refresh) {
        return false;
    }
    let failed_last = match (&st.last_error_at, &st.last_success_at) {
        (Some(err), Some(ok)) => err > ok,
        (Some(_), None) => true,
        (None, _) => false,
    };
    !(failed_last && age(st.last_error_at.as_ref()).is_some_and(|a| a < PRODUCTS_RETRY))
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
            ..ListCursor::default()
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
            if stored.future > 0 {
                tracing::warn!(
                    resource = resource.name(),
                    records = stored.future,
                    "records stamped in the future (server clock ahead?): stored, but they do not move the watermark"
                );
            }
            cursor.max_seen = newer(cursor.max_seen.take(), page_max.as_ref());
            let served_before = cursor.served;
            cursor.served = cursor.served.max(items.len());
            // Without a server-side filter the list is asked newest-updated
            // first, and a record older than the watermark means everything
            // after it is already mirrored: but only if the server really
            // sorted (within the page and across pages). If it did not,
            // this walk reads every page.
            if !resource.has_since_filter() && !cursor.unordered {
                let across = matches!((&cursor.prev_last, &stored.first), (Some(prev), Some(first)) if first > prev);
                if !stored.descending || across {
                    tracing::warn!(
                        resource = resource.name(),
                        "the server ignored the requested order; reading every page"
                    );
                    cursor.unordered = true;
                }
            }
            cursor.prev_last = stored.last.clone().or(cursor.prev_last.take());
            let reached_watermark = !resource.has_since_filter()
                && !cursor.unordered
                && matches!((&cursor.since, &stored.oldest), (Some(since), Some(oldest)) if oldest < since);
            let last =
                reached_watermark || is_last_page(items.len(), &meta, cursor.page, served_before);
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
        assert!(!is_last_page(100, &meta, 2, 100));
        assert!(is_last_page(100, &meta, 3, 100));
        assert!(is_last_page(0, &meta, 1, 0));
        let none = PageMeta::default();
        // A server that ignores per_page=100 and serves 50: page 1 is not
        // the end, a page of 50 after 50s is not either, 12 after 50 is.
        assert!(!is_last_page(50, &none, 1, 0));
        assert!(!is_last_page(50, &none, 2, 50));
        assert!(is_last_page(12, &none, 3, 50));
        assert!(is_last_page(0, &none, 2, 50));
    }

    #[test]
    fn the_horizon_is_a_little_past_now() {
        let h = time::parse(&horizon()).expect("a timestamp");
        let ahead = h - chrono::Utc::now();
        assert!(ahead > ChronoDuration::minutes(9) && ahead <= FUTURE_TOLERANCE);
    }

    #[test]
    fn products_are_due_hourly_and_not_hammered_after_a_failure() {
        let now = time::parse("2026-03-10T12:00:00Z").expect("a time");
        let at = |mins: i64| Some(time::format(now - ChronoDuration::minutes(mins)));
        let state = |ok: Option<String>, err: Option<String>| SyncState {
            resource: "products".into(),
            last_success_at: ok,
            last_error_at: err,
            ..SyncState::default()
        };
        assert!(products_due(&state(None, None), now), "never listed");
        assert!(!products_due(&state(at(59), None), now));
        assert!(products_due(&state(at(60), None), now));
        // A failure after the last success holds the next try a while.
        assert!(!products_due(&state(at(90), at(2)), now));
        assert!(!products_due(&state(None, at(2)), now));
        assert!(products_due(&state(at(90), at(5)), now));
        // An old failure followed by a success is history.
        assert!(!products_due(&state(at(10), at(30)), now));
        assert!(products_due(&state(at(70), at(80)), now));
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
