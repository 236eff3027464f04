//! The ticket list (`syncro tickets`, `list_tickets`).

use anyhow::{bail, Result};
use schemars::JsonSchema;
use serde::Serialize;
use syncro_store::TicketFilter;

use super::{cut, Freshness, ListedTicket, Pending};
use crate::context::{resolve_customer, Cache, Ctx};

/// Which tickets to list.
#[derive(Debug, Clone, Default)]
pub struct TicketsQuery {
    /// Only these statuses (any case). Empty: every open status, or every
    /// status with `all`.
    pub statuses: Vec<String>,
    /// Only this customer: an id or an unambiguous name.
    pub customer: Option<String>,
    /// Only tickets assigned to the configured `user_id`.
    pub mine: bool,
    /// Include Resolved, Invoiced and Closed tickets.
    pub all: bool,
    pub limit: Option<usize>,
}

/// Tickets, newest number first.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TicketList {
    #[serde(flatten)]
    pub freshness: Freshness,
    pub tickets: Vec<ListedTicket>,
    /// More tickets match than `limit` let through.
    pub truncated: bool,
}

/// Canonical spellings of status filters, or an error listing the valid ones.
pub fn statuses(input: &[String]) -> Result<Vec<String>> {
    input
        .iter()
        .map(|s| canonical(s).map(str::to_string))
        .collect()
}

/// One status in its canonical spelling.
pub fn canonical(s: &str) -> Result<&'static str> {
    match syncro_store::canonical_status(s) {
        Some(c) => Ok(c),
        None => bail!(
            "unknown status {s:?}; use one of: {}",
            syncro_store::TICKET_STATUSES.join(", ")
        ),
    }
}

/// Checks the query (before touching the cache) and lists the tickets.
pub fn query(ctx: &Ctx, cache: &impl Cache, q: &TicketsQuery) -> Result<TicketList> {
    let statuses = statuses(&q.statuses)?;
    let user_id = if q.mine {
        match ctx.config.user_id {
            Some(u) => Some(u),
            None => bail!(
                "--mine needs your Syncro user id: add `user_id = <your id>` to {}",
                ctx.config.origin
            ),
        }
    } else {
        None
    };
    let store = cache.store()?;
    let customer = q
        .customer
        .as_deref()
        .map(|c| resolve_customer(store, c, true))
        .transpose()?;
    let filter = TicketFilter {
        statuses,
        customer_id: customer.as_ref().map(|c| c.id),
        user_id,
        include_closed: q.all,
        limit: q.limit.map(|l| l.saturating_add(1)),
        by_activity: false,
        ..TicketFilter::default()
    };
    let (tickets, truncated) = cut(store.tickets(&filter)?, q.limit);
    Ok(TicketList {
        freshness: Freshness::of(ctx, store, &["tickets"]),
        tickets: Pending::load(store)?.list(tickets),
        truncated,
    })
}
