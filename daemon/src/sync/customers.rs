//! Customers: the API has no `since_updated_at` for them, so the list is
//! read newest-updated first and the walk stops at the watermark.

use syncro_store::time;

use super::{
    load_cursor, newer, save_cursor, since, ListCursor, PassReport, Resource, SyncError, Syncer,
};

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
            let r = Resource::Customers;
            let (items, meta) = self
                .list_page(&r.path(), r.name(), r.list_query(), cursor.page)
                .await?;
            st.requests += 1;
            let stored = self.store_page(r, &items).await?;
            report.bad_records += stored.bad;
            report.listed += stored.ids.len() as u64;
            st.rows_synced += stored.ids.len() as i64;
            // Newest-updated first: a record older than the watermark means
            // everything after it is already mirrored.
            let reached_watermark = match (&cursor.since, &stored.oldest) {
                (Some(since), Some(oldest)) => oldest < since,
                _ => false,
            };
            cursor.max_seen = newer(cursor.max_seen.take(), stored.newest.as_ref());
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
}
