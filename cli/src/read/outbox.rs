//! The outbox as a list (`syncro outbox`, `list_outbox`): what waits, what
//! is on its way, and what needs a human.

use anyhow::Result;
use schemars::JsonSchema;
use serde::Serialize;
use syncro_store::outbox::{OutboxItem, State};

use super::Freshness;
use crate::context::{Cache, Ctx};

/// One outbox item.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OutboxRow {
    #[serde(flatten)]
    pub item: OutboxItem,
    /// Comments that look like extra copies of the one this item posted
    /// (remove them in the Syncro web UI: the API cannot delete comments).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub possible_duplicates: Option<Vec<i64>>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OutboxList {
    /// How fresh the tickets the writes act on are, and whether syncrod
    /// runs to send them.
    #[serde(flatten)]
    pub freshness: Freshness,
    /// Oldest first.
    pub outbox: Vec<OutboxRow>,
}

/// Items the daemon works on or that need a human; with `all`, done and
/// cancelled ones too. Done comments with copies behind them are listed
/// either way: they need attention.
pub fn query(ctx: &Ctx, cache: &impl Cache, all: bool) -> Result<OutboxList> {
    let store = cache.store()?;
    // Done items pile up over months: only read them when asked.
    let states: Vec<State> = if all {
        Vec::new()
    } else {
        State::ACTIVE
            .into_iter()
            .chain(State::NEEDS_HUMAN)
            .collect()
    };
    let mut items = store.outbox_items(&states)?;
    let duplicates = store.outbox_possible_duplicates()?;
    for d in &duplicates {
        for id in &d.item_ids {
            if !items.iter().any(|i| i.id == *id) {
                items.extend(store.outbox_item(*id)?);
            }
        }
    }
    items.sort_by_key(|i| i.id);
    let outbox = items
        .into_iter()
        .map(|item| OutboxRow {
            possible_duplicates: duplicates
                .iter()
                .find(|d| d.item_ids.contains(&item.id))
                .map(|d| d.extra_comment_ids.clone()),
            item,
        })
        .collect();
    Ok(OutboxList {
        freshness: Freshness::of(ctx, store, &["tickets"]),
        outbox,
    })
}
