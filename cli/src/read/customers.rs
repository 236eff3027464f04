//! Customers (`syncro customers`, `list_customers`) and one customer with
//! its open tickets and unpaid invoices (`syncro customer`,
//! `get_customer`).

use anyhow::Result;
use schemars::JsonSchema;
use serde::Serialize;
use syncro_store::{CustomerRow, InvoiceFilter, InvoiceRow, TicketFilter};

use super::{cut, Freshness, ListedTicket, Pending};
use crate::context::{resolve_customer, Cache, Ctx};

/// Which customers to list.
#[derive(Debug, Clone, Default)]
pub struct CustomersQuery {
    /// Part of a name, business, email or phone.
    pub query: Option<String>,
    /// Include disabled customers.
    pub all: bool,
    pub limit: Option<usize>,
}

/// Customers, by name.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CustomerList {
    #[serde(flatten)]
    pub freshness: Freshness,
    pub customers: Vec<CustomerRow>,
    /// More customers match than `limit` let through.
    pub truncated: bool,
}

pub fn list(ctx: &Ctx, cache: &impl Cache, q: &CustomersQuery) -> Result<CustomerList> {
    let store = cache.store()?;
    let (customers, truncated) = cut(store.customers(q.query.as_deref(), q.all)?, q.limit);
    Ok(CustomerList {
        freshness: Freshness::of(ctx, store, &["customers"]),
        customers,
        truncated,
    })
}

/// A customer with what is open for it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CustomerAnswer {
    #[serde(flatten)]
    pub freshness: Freshness,
    #[serde(flatten)]
    pub customer: CustomerRow,
    /// Open tickets, newest first.
    pub tickets: Vec<ListedTicket>,
    /// Unpaid invoices, newest first.
    pub invoices: Vec<InvoiceRow>,
}

/// The customer `who` (an id, or a name matching one customer; an
/// ambiguous name lists the candidates in the error).
pub fn show(ctx: &Ctx, cache: &impl Cache, who: &str) -> Result<CustomerAnswer> {
    let store = cache.store()?;
    let customer = resolve_customer(store, who, true)?;
    let tickets = store.tickets(&TicketFilter {
        customer_id: Some(customer.id),
        ..Default::default()
    })?;
    let invoices = store.invoices(&InvoiceFilter {
        customer_id: Some(customer.id),
        unpaid_only: true,
        ..Default::default()
    })?;
    Ok(CustomerAnswer {
        freshness: Freshness::of(ctx, store, &["customers", "tickets", "invoices"]),
        customer,
        tickets: Pending::load(store)?.list(tickets),
        invoices,
    })
}
