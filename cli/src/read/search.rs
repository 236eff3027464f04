//! Full-text search (`syncro search`, `search_tickets`): best matches
//! first, with a snippet of where each matched.

use anyhow::Result;
use schemars::JsonSchema;
use serde::Serialize;
use syncro_store::{SearchFilter, SearchHit, StoreError, RANK_WINDOW};

use super::tickets::canonical;
use super::{Freshness, Pending};
use crate::context::{resolve_customer, usage, Cache, Ctx};

/// Plain markers around matched words when there is no colour.
const PLAIN_MARK: (&str, &str) = ("[", "]");
/// Bold yellow on a terminal.
const COLOR_MARK: (&str, &str) = ("\x1b[1;33m", "\x1b[0m");

/// What to search for.
#[derive(Debug, Clone)]
pub struct SearchQuery {
    /// Words to find; "quoted phrase", prefix*.
    pub query: String,
    /// Only this status (any case).
    pub status: Option<String>,
    /// Only this customer: an id or an unambiguous name.
    pub customer: Option<String>,
    /// Only tickets updated since: `YYYY-MM-DD` or RFC 3339.
    pub since: Option<String>,
    /// At most this many results (at least 1).
    pub limit: usize,
    /// Results to skip: where a previous page stopped.
    pub offset: usize,
    /// Rank every match, not only the newest [`RANK_WINDOW`].
    pub rank_all: bool,
}

/// A ticket that matched.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Found {
    #[serde(flatten)]
    pub hit: SearchHit,
    /// Writes on this ticket queued, in flight, or waiting for a human.
    pub pending_writes: i64,
}

/// What a search found, best first.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SearchAnswer {
    #[serde(flatten)]
    pub freshness: Freshness,
    pub tickets: Vec<Found>,
    /// More than the rank window's 5,000 tickets matched: the best of the
    /// newest (highest ids) are shown; add words or filters to narrow it.
    pub windowed: bool,
    /// Where the next results start; `null` when there are no more.
    #[serde(rename = "next_cursor", serialize_with = "offset_as_text")]
    #[schemars(with = "Option<String>")]
    pub next_offset: Option<usize>,
}

/// The CLI's JSON has always shown where the next results start as text.
fn offset_as_text<S: serde::Serializer>(at: &Option<usize>, s: S) -> Result<S::Ok, S::Error> {
    match at {
        Some(n) => s.serialize_str(&n.to_string()),
        None => s.serialize_none(),
    }
}

/// Checks the query (before touching the cache) and searches.
pub fn query(ctx: &Ctx, cache: &impl Cache, q: &SearchQuery) -> Result<SearchAnswer> {
    let status = q.status.as_deref().map(canonical).transpose()?;
    if q.limit == 0 {
        return Err(usage("--limit must be at least 1"));
    }
    let since = q
        .since
        .as_deref()
        .map(|s| {
            syncro_store::time::normalize(s).ok_or_else(|| {
                usage(format!(
                    "--since {s:?} is not a date (YYYY-MM-DD) or an RFC 3339 timestamp"
                ))
            })
        })
        .transpose()?;
    let offset = q.offset;
    let store = cache.store()?;
    let customer = q
        .customer
        .as_deref()
        .map(|c| resolve_customer(store, c, true))
        .transpose()?;
    let mark = if ctx.style.color {
        COLOR_MARK
    } else {
        PLAIN_MARK
    };
    let filter = SearchFilter {
        status: status.map(str::to_string),
        customer_id: customer.map(|c| c.id),
        since,
        // One more than asked, to know whether there is a next page.
        limit: offset.saturating_add(q.limit).saturating_add(1),
        mark: (mark.0.to_string(), mark.1.to_string()),
        rank_window: (!q.rank_all).then_some(RANK_WINDOW),
    };
    let found = match store.search(&q.query, &filter) {
        Ok(f) => f,
        Err(StoreError::BadQuery(m)) => return Err(usage(format!("cannot search for that: {m}"))),
        Err(e) => return Err(e.into()),
    };
    let more = found.hits.len() > offset + q.limit;
    let pending = Pending::load(store)?;
    let tickets = found
        .hits
        .into_iter()
        .skip(offset)
        .take(q.limit)
        .map(|hit| Found {
            pending_writes: pending.count(hit.ticket.id),
            hit,
        })
        .collect();
    Ok(SearchAnswer {
        freshness: Freshness::of(ctx, store, &["tickets"]),
        tickets,
        windowed: found.windowed,
        next_offset: more.then_some(offset + q.limit),
    })
}
