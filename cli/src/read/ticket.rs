//! One ticket (`syncro ticket N`, `get_ticket`): its thread, billing, the
//! writes still pending on it, and comments that look like extra copies of
//! ours.

use anyhow::Result;
use schemars::JsonSchema;
use serde::Serialize;
use syncro_store::outbox::{OutboxItem, PossibleDuplicate};
use syncro_store::{Store, TicketDetail};

use super::Freshness;
use crate::context::{not_cached, Cache, Ctx};
use crate::freshness::age_secs;

/// A ticket as the API names it, plus its unsent writes.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TicketAnswer {
    #[serde(flatten)]
    pub freshness: Freshness,
    #[serde(flatten)]
    pub detail: TicketDetail,
    /// Seconds since this ticket's thread (comments, line items, timers)
    /// was fetched (`null`: not recorded).
    pub thread_age_secs: Option<i64>,
    /// Queued, in-flight, held or failed writes on this ticket.
    pub outbox: Vec<OutboxItem>,
    /// Comments on this ticket that look like extra copies of ours.
    pub possible_duplicates: Vec<PossibleDuplicate>,
}

/// Ticket `number` (what people say: #32164), or an error saying it is
/// not cached.
pub fn query(ctx: &Ctx, cache: &impl Cache, number: i64) -> Result<TicketAnswer> {
    find(ctx, cache.store()?, number)?.ok_or_else(|| not_cached(number))
}

/// Ticket `number`, or `None` when it is not cached (the terminal screen
/// keeps a ticket open while the daemon may delete or merge it).
pub fn find(ctx: &Ctx, store: &Store, number: i64) -> Result<Option<TicketAnswer>> {
    let Some(detail) = store.ticket_detail(number)? else {
        return Ok(None);
    };
    let outbox = store.outbox_for_ticket(detail.ticket.id)?;
    let possible_duplicates = store.possible_duplicates_on_ticket(detail.ticket.id)?;
    Ok(Some(TicketAnswer {
        freshness: Freshness::of(ctx, store, &["tickets"]),
        thread_age_secs: age_secs(detail.thread_fetched_at.as_deref(), ctx.now),
        detail,
        outbox,
        possible_duplicates,
    }))
}
