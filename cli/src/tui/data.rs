//! What the screen shows, read from the cache: the same store and read
//! layer as the CLI, never the network. Each load is one short query, so a
//! keystroke never waits on more than the cache.

use std::collections::HashMap;

use anyhow::Result;
use syncro_store::outbox::{OutboxItem, State};
use syncro_store::{LastWriters, SearchFilter, Store, TicketFilter, TicketRow};

use crate::context::Ctx;
use crate::freshness::Freshness;

/// Tickets the list loads: the open ones with the latest activity.
const LIST_LIMIT: usize = 500;
/// Tickets a filter with a non-ASCII word looks through, latest activity
/// first (then shows the first [`LIST_LIMIT`] that match): every open
/// ticket of a large account. ASCII words are matched by the store.
const FILTER_SCAN: usize = 20_000;
/// Search results shown as you type.
pub const SEARCH_LIMIT: usize = 50;
/// Matches ranked as you type: the newest this many (the CLI ranks 5,000,
/// `syncro_store::RANK_WINDOW`). A common word of a large account matches
/// tens of thousands of tickets, and bm25 must score each one it ranks:
/// with a cold page cache (the first searches of a fresh screen) ranking
/// 5,000 took up to 144 ms a keystroke; as you type, the newest matches
/// are the ones wanted, and a word that narrows the search is a keystroke
/// away.
const TYPING_RANK_WINDOW: usize = 1_000;
/// Around a matched word in a snippet: characters no ticket text holds.
pub const MARK: (&str, &str) = ("\u{1}", "\u{2}");

/// A row of the ticket list or of search results.
#[derive(Debug, Clone)]
pub struct Row {
    pub ticket: TicketRow,
    /// The matched words, between [`MARK`]s (search only).
    pub snippet: Option<String>,
    /// Our writes on it still on their way or needing a human.
    pub pending: i64,
    /// The customer wrote since the technician last opened it here.
    pub customer_wrote: bool,
}

/// The status bar's facts.
#[derive(Debug, Clone)]
pub struct Bar {
    pub freshness: Freshness,
    /// Writes on their way, and writes needing a human.
    pub active: i64,
    pub needs_human: i64,
}

pub fn bar(ctx: &Ctx, store: &Store) -> Result<Bar> {
    let counts = store.outbox_counts()?;
    Ok(Bar {
        freshness: Freshness::of(ctx, store, &["tickets"]),
        active: counts.active(),
        needs_human: counts.needs_human(),
    })
}

/// When each ticket was last opened here (ticket id -> RFC 3339).
pub type Seen = HashMap<i64, String>;

/// Whether the customer wrote since the ticket was last opened here.
///
/// From the cached thread: the customer's newest comment (one by no
/// Syncro user) after the last opening; on a ticket never opened here,
/// a customer's comment answering one of ours. A ticket whose thread is
/// not cached yet falls back on the status Syncro gives a customer's
/// email reply ("Customer Reply"), newer than the last opening.
fn customer_wrote(t: &TicketRow, last: Option<&LastWriters>, seen: &Seen) -> bool {
    let opened = seen.get(&t.id);
    match last.and_then(|l| l.customer.as_ref().map(|c| (c, l.staff.as_ref()))) {
        Some((customer, staff)) => match opened {
            Some(at) => customer > at,
            None => staff.is_some_and(|s| customer > s) || t.status == "Customer Reply",
        },
        None => {
            t.status == "Customer Reply"
                && match (opened, &t.updated_at) {
                    (Some(at), Some(updated)) => updated > at,
                    _ => true,
                }
        }
    }
}

/// Rows for `tickets`, with their pending writes and reply markers.
fn rows(store: &Store, tickets: Vec<(TicketRow, Option<String>)>, seen: &Seen) -> Result<Vec<Row>> {
    let pending = store.outbox_pending_by_ticket()?;
    let ids: Vec<i64> = tickets.iter().map(|(t, _)| t.id).collect();
    let last = store.last_writers(&ids)?;
    Ok(tickets
        .into_iter()
        .map(|(t, snippet)| Row {
            pending: pending.get(&t.id).copied().unwrap_or(0),
            customer_wrote: customer_wrote(&t, last.get(&t.id), seen),
            snippet,
            ticket: t,
        })
        .collect())
}

/// Whether a ticket passes the list's filter: every word typed is part of
/// its status, its customer's name or its assignee's name (any case), so
/// "jane wait" is Jane's tickets waiting on someone.
pub fn passes(t: &TicketRow, words: &[String]) -> bool {
    let fields = [
        t.status.to_lowercase(),
        t.customer_name.to_lowercase(),
        t.user_name.as_deref().unwrap_or("").to_lowercase(),
    ];
    words.iter().all(|w| fields.iter().any(|f| f.contains(w)))
}

/// Open tickets (all with `all`), newest activity first, that pass
/// `filter` (see [`passes`]).
pub fn list(store: &Store, all: bool, filter: &str, seen: &Seen) -> Result<Vec<Row>> {
    let words: Vec<String> = filter.split_whitespace().map(str::to_lowercase).collect();
    // The store matches ASCII words in its index; words with other
    // letters are matched here, over a longer scan.
    let scan = if words.iter().all(|w| w.is_ascii()) {
        LIST_LIMIT
    } else {
        FILTER_SCAN
    };
    let mut tickets = store.tickets(&TicketFilter {
        include_closed: all,
        words: words.clone(),
        limit: Some(scan),
        by_activity: true,
        ..TicketFilter::default()
    })?;
    if !words.is_empty() {
        tickets.retain(|t| passes(t, &words));
    }
    tickets.truncate(LIST_LIMIT);
    rows(
        store,
        tickets.into_iter().map(|t| (t, None)).collect(),
        seen,
    )
}

/// Full-text search, best first; a query the index cannot take (a lone
/// quote while typing) finds nothing rather than failing.
pub fn search(store: &Store, query: &str, seen: &Seen) -> Result<Vec<Row>> {
    if query.trim().is_empty() {
        return Ok(Vec::new());
    }
    let filter = SearchFilter {
        status: None,
        customer_id: None,
        since: None,
        limit: SEARCH_LIMIT,
        mark: (MARK.0.to_string(), MARK.1.to_string()),
        rank_window: Some(TYPING_RANK_WINDOW),
    };
    let found = match store.search(query, &filter) {
        Ok(f) => f,
        Err(syncro_store::StoreError::BadQuery(_)) => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let hits = found
        .hits
        .into_iter()
        .map(|h| (h.ticket, Some(h.snippet)))
        .collect();
    rows(store, hits, seen)
}

/// The outbox pane: what is on its way or needs a human, then the last
/// done ones.
pub fn outbox(store: &Store) -> Result<Vec<OutboxItem>> {
    let mut items = store.outbox_items(&[
        State::Queued,
        State::Sending,
        State::Probing,
        State::Verifying,
        State::Held,
        State::Failed,
        State::Differs,
        State::Uncertain,
    ])?;
    let mut done = store.outbox_items(&[State::Done, State::Cancelled])?;
    done.sort_by_key(|i| std::cmp::Reverse(i.id));
    done.truncate(20);
    items.extend(done);
    items.sort_by_key(|i| std::cmp::Reverse(i.id));
    Ok(items)
}
