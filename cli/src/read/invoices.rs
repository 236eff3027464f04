//! Invoices (`syncro invoices`, `list_invoices`) and one invoice with its
//! line items (`syncro invoice`, `get_invoice`).

use anyhow::{Context as _, Result};
use schemars::JsonSchema;
use serde::Serialize;
use syncro_store::{InvoiceDetail, InvoiceFilter, InvoiceRow};

use super::{cut, Freshness};
use crate::context::{cached_ticket, resolve_customer, Cache, Ctx};

/// Which invoices to list.
#[derive(Debug, Clone, Default)]
pub struct InvoicesQuery {
    /// Only invoices of this ticket number.
    pub ticket: Option<i64>,
    pub unpaid: bool,
    /// Only this customer: an id or an unambiguous name.
    pub customer: Option<String>,
    pub limit: Option<usize>,
}

/// Invoices, newest first.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct InvoiceList {
    #[serde(flatten)]
    pub freshness: Freshness,
    pub invoices: Vec<InvoiceRow>,
    /// More invoices match than `limit` let through.
    pub truncated: bool,
}

pub fn list(ctx: &Ctx, cache: &impl Cache, q: &InvoicesQuery) -> Result<InvoiceList> {
    let store = cache.store()?;
    let ticket_id = q
        .ticket
        .map(|n| cached_ticket(store, n).map(|t| t.id))
        .transpose()?;
    let customer_id = q
        .customer
        .as_deref()
        .map(|c| resolve_customer(store, c, true).map(|c| c.id))
        .transpose()?;
    let filter = InvoiceFilter {
        ticket_id,
        customer_id,
        unpaid_only: q.unpaid,
        limit: q.limit.map(|l| l.saturating_add(1)),
    };
    let (invoices, truncated) = cut(store.invoices(&filter)?, q.limit);
    Ok(InvoiceList {
        freshness: Freshness::of(ctx, store, &["invoices"]),
        invoices,
        truncated,
    })
}

/// An invoice with its line items.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct InvoiceAnswer {
    #[serde(flatten)]
    pub freshness: Freshness,
    #[serde(flatten)]
    pub detail: InvoiceDetail,
}

/// Invoice `number` (`1201` or `#1201`; an id works too).
pub fn show(ctx: &Ctx, cache: &impl Cache, number: &str) -> Result<InvoiceAnswer> {
    let number = number.trim().trim_start_matches('#');
    let store = cache.store()?;
    let detail = store.invoice_detail(number)?.with_context(|| {
        format!(
            "invoice {number} is not in the cache (see `syncro invoices`, or run `syncro sync`)"
        )
    })?;
    Ok(InvoiceAnswer {
        freshness: Freshness::of(ctx, store, &["invoices"]),
        detail,
    })
}
