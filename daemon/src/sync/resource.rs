//! What the mirrored resources have in common: how a list page is fetched
//! and stored, and the reconcile sweep that finds deletions.

use std::collections::HashSet;

use serde_json::Value;
use syncro_store::model::{
    single, Customer, Invoice, InvoiceWithLines, Product, TicketWithChildren,
};
use syncro_store::{Store, StoreResult};

use super::page::{parse_page, parse_ticket_page};
use super::{is_last_page, PassReport, SyncError, Syncer};
use crate::client::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Customers,
    Tickets,
    Invoices,
    /// The product catalogue: small, no `updated_at`, listed whole.
    Products,
}

impl Resource {
    /// In pass order: customers first, so tickets find their names.
    pub const ALL: [Resource; 4] = [
        Resource::Customers,
        Resource::Tickets,
        Resource::Invoices,
        Resource::Products,
    ];

    /// The name used in `sync_state` and as the list's JSON key.
    pub fn name(self) -> &'static str {
        match self {
            Resource::Customers => "customers",
            Resource::Tickets => "tickets",
            Resource::Invoices => "invoices",
            Resource::Products => "products",
        }
    }

    pub(crate) fn path(self) -> String {
        format!("/{}", self.name())
    }

    /// Whether the list can be asked for "changed since"; customers and
    /// products cannot.
    pub(crate) fn has_since_filter(self) -> bool {
        matches!(self, Resource::Tickets | Resource::Invoices)
    }

    /// Removes records the server no longer has from the cache.
    pub(crate) fn delete(self, s: &mut Store, ids: &[i64]) -> StoreResult<usize> {
        match self {
            Resource::Customers => s.delete_customers(ids),
            Resource::Tickets => s.delete_tickets(ids),
            Resource::Invoices => s.delete_invoices(ids),
            Resource::Products => s.delete_products(ids),
        }
    }

    /// Query parameters every listing of this resource carries. Customers
    /// have no `since_updated_at`: they are read newest-updated first, and
    /// disabled ones must be seen too, or they would look deleted.
    pub(crate) fn list_query(self) -> Vec<(&'static str, String)> {
        match self {
            Resource::Customers => vec![
                ("sort", "updated_at DESC".to_string()),
                ("include_disabled", "true".to_string()),
            ],
            _ => Vec::new(),
        }
    }
}

/// What storing one list page found.
#[derive(Debug, Default)]
pub(crate) struct StoredPage {
    pub ids: Vec<i64>,
    /// The newest `updated_at` that may move a watermark: records stamped
    /// beyond our clock plus [`super::FUTURE_TOLERANCE`] are stored but
    /// ignored here, or one bad clock would freeze incremental sync.
    pub newest: Option<String>,
    pub oldest: Option<String>,
    /// `updated_at` of the page's first and last records, in served order.
    pub first: Option<String>,
    pub last: Option<String>,
    /// Whether the records came newest-updated first, as asked.
    pub descending: bool,
    /// Records stamped in the future (beyond the tolerance).
    pub future: u64,
    /// Records that could not be parsed (skipped and logged).
    pub bad: u64,
}

impl Syncer {
    /// Parses a list page record by record (a bad one is skipped alone)
    /// and stores the rest in one transaction.
    pub(crate) async fn store_page(
        &self,
        r: Resource,
        items: &[Value],
    ) -> Result<StoredPage, SyncError> {
        let (ids, stamps, bad): (Vec<i64>, Vec<Option<String>>, u64) = match r {
            Resource::Customers => {
                let (rows, bad) = parse_page(items, "customer", Customer::from_json);
                let out = (
                    rows.iter().map(|c| c.id).collect(),
                    rows.iter().map(|c| c.updated_at.clone()).collect(),
                    bad,
                );
                self.db.call(move |s| s.upsert_customers(&rows)).await?;
                out
            }
            Resource::Tickets => {
                let (rows, comments, bad) = parse_ticket_page(items);
                let out = (
                    rows.iter().map(|t| t.id).collect(),
                    rows.iter().map(|t| t.updated_at.clone()).collect(),
                    bad,
                );
                self.db
                    .call(move |s| s.upsert_tickets(&rows, &comments))
                    .await?;
                out
            }
            Resource::Invoices => {
                let (rows, bad) = parse_page(items, "invoice", Invoice::from_json);
                let out = (
                    rows.iter().map(|i| i.id).collect(),
                    rows.iter().map(|i| i.updated_at.clone()).collect(),
                    bad,
                );
                self.db.call(move |s| s.upsert_invoices(&rows)).await?;
                out
            }
            Resource::Products => {
                let (rows, bad) = parse_page(items, "product", Product::from_json);
                // No `updated_at`: nothing moves a watermark.
                let out = (rows.iter().map(|p| p.id).collect(), Vec::new(), bad);
                self.db.call(move |s| s.upsert_products(&rows)).await?;
                out
            }
        };
        let stamps: Vec<String> = stamps.into_iter().flatten().collect();
        let horizon = super::horizon();
        let (present, future): (Vec<&String>, Vec<&String>) =
            stamps.iter().partition(|s| **s <= horizon);
        Ok(StoredPage {
            ids,
            newest: present.into_iter().max().cloned(),
            oldest: stamps.iter().min().cloned(),
            first: stamps.first().cloned(),
            last: stamps.last().cloned(),
            descending: stamps.windows(2).all(|w| w[0] >= w[1]),
            future: future.len() as u64,
            bad,
        })
    }

    /// The daily sweep for one resource: lists every record (storing what
    /// it sees, so a missed update is caught too), then confirms each
    /// cached record the list did not mention with a request of its own
    /// before deleting it, since a record created while we paged is not a
    /// deletion.
    pub(crate) async fn reconcile_resource(&self, r: Resource) -> Result<PassReport, SyncError> {
        let mut report = PassReport::default();
        let mut seen = HashSet::new();
        let (mut page, mut served) = (1, 0);
        loop {
            let (items, meta) = self
                .list_page(&r.path(), r.name(), r.list_query(), page)
                .await?;
            let stored = self.store_page(r, &items).await?;
            report.bad_records += stored.bad;
            report.listed += stored.ids.len() as u64;
            seen.extend(stored.ids);
            if is_last_page(items.len(), &meta, page, served) {
                break;
            }
            served = served.max(items.len());
            page += 1;
        }
        let cached = self
            .db
            .call(move |s| match r {
                Resource::Customers => s.customer_ids(),
                Resource::Tickets => s.ticket_ids(),
                Resource::Invoices => s.invoice_ids(),
                Resource::Products => s.product_ids(),
            })
            .await?;
        let mut gone = Vec::new();
        for id in cached.into_iter().filter(|id| !seen.contains(id)) {
            let requested = syncro_store::time::now();
            match self.get(&format!("{}/{id}", r.path()), &[]).await {
                Err(ApiError::NotFound(_)) => gone.push(id),
                Ok(body) => {
                    self.store_detail(r, &body, requested).await?;
                    report.details += 1;
                }
                Err(e) => return Err(e.into()),
            }
        }
        report.deleted = gone.len() as u64;
        if !gone.is_empty() {
            tracing::info!(
                resource = r.name(),
                count = gone.len(),
                "removing records deleted on the server"
            );
            self.db.call(move |s| r.delete(s, &gone)).await?;
        }
        if r == Resource::Invoices {
            report.details += self.sync_details(r, usize::MAX, false).await?;
        }
        Ok(report)
    }

    /// Stores one record's detail answer; a malformed one is logged and
    /// left alone (the cache keeps what it had).
    async fn store_detail(
        &self,
        r: Resource,
        body: &Value,
        requested: String,
    ) -> Result<(), SyncError> {
        let body = body.clone();
        let malformed = self
            .db
            .call(move |s| {
                let parsed = match r {
                    Resource::Customers => Customer::from_json(single(&body, "customer"))
                        .map(|c| s.upsert_customers(&[c])),
                    Resource::Tickets => TicketWithChildren::from_json(single(&body, "ticket"))
                        .map(|d| s.upsert_ticket_detail(&d.fetched_at(requested))),
                    Resource::Invoices => InvoiceWithLines::from_json(single(&body, "invoice"))
                        .map(|d| s.upsert_invoice_detail(&d)),
                    Resource::Products => Product::from_json(single(&body, "product"))
                        .map(|p| s.upsert_products(&[p])),
                };
                match parsed {
                    Ok(stored) => stored.map(|()| None),
                    Err(e) => Ok(Some(e)),
                }
            })
            .await?;
        if let Some(e) = malformed {
            tracing::warn!(resource = r.name(), error = %e, "skipping a malformed record");
        }
        Ok(())
    }
}
