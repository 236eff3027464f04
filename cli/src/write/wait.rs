//! `--wait`: following queued rows until syncrod has sent and verified
//! them, one ends badly, or time runs out ([`wait`]). Telling the user how
//! it went is each front end's (the CLI's `commands::write`, `syncro mcp`'s
//! `wait_for_write`).

use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use syncro_store::outbox::{OutboxItem, State};
use syncro_store::Store;

use crate::render;

/// The outbox rows `ids`, as they stand now.
pub fn load_items(store: &Store, ids: &[i64]) -> Result<Vec<OutboxItem>> {
    ids.iter()
        .map(|id| {
            store
                .outbox_item(*id)?
                .with_context(|| format!("outbox item {id} disappeared"))
        })
        .collect()
}

/// How a wait ended.
#[derive(Debug, Clone, PartialEq)]
pub enum WaitOutcome {
    /// Every item was sent and verified (some perhaps with differences
    /// that hold nothing up: see [`OutboxItem::result`]).
    Verified,
    /// This item (one of ours, or the queued create one of ours waits on
    /// as `@ID`) failed, is held, differs, is uncertain or was cancelled:
    /// a human decides what happens next.
    NeedsAttention(OutboxItem),
    /// Time ran out; this item was still on its way, and stays queued.
    TimedOut(OutboxItem),
}

/// The end of a wait: how it ended and every waited-on item as it stood.
#[derive(Debug, Clone, PartialEq)]
pub struct Waited {
    pub outcome: WaitOutcome,
    /// The items `ids`, in that order.
    pub items: Vec<OutboxItem>,
}

const POLL: Duration = Duration::from_millis(200);

/// Polls the queued rows `ids` until all are done, one ends badly, or
/// `timeout` runs out. Blocks; prints nothing.
pub fn wait(store: &Store, ids: &[i64], timeout: Duration) -> Result<Waited> {
    let started = Instant::now();
    loop {
        let items = load_items(store, ids)?;
        let ended_badly = |s: State| s.needs_human() || s == State::Cancelled;
        let mut bad = items.iter().find(|i| ended_badly(i.state)).cloned();
        if bad.is_none() {
            // Something outside the group this waits on (`@ID`) may have failed.
            for i in &items {
                if let Some(dep) = i.depends_on.filter(|d| !ids.contains(d)) {
                    if let Some(d) = store.outbox_item(dep)? {
                        if ended_badly(d.state) {
                            bad = Some(d);
                            break;
                        }
                    }
                }
                // An earlier write on the same ticket waits for a human:
                // this one goes only after it (writes on a ticket go in
                // order), so waiting out the timeout would tell nothing.
                if let Some(first) = store.outbox_stopped_by(i)? {
                    bad = Some(first);
                    break;
                }
            }
        }
        let outcome = if let Some(b) = bad {
            WaitOutcome::NeedsAttention(b)
        } else if let Some(pending) = items.iter().find(|i| i.state != State::Done) {
            if started.elapsed() < timeout {
                std::thread::sleep(POLL);
                continue;
            }
            WaitOutcome::TimedOut(pending.clone())
        } else {
            WaitOutcome::Verified
        };
        return Ok(Waited { outcome, items });
    }
}

/// For a group (`bill`), where each step stands, so a failure in the
/// middle says what already landed on the server and what never went;
/// empty for a single item.
pub fn steps_summary(items: &[OutboxItem]) -> String {
    if items.len() < 2 {
        return String::new();
    }
    let mut out = String::new();
    for i in items {
        let stands = match i.state {
            State::Done => "landed",
            State::Failed => "failed",
            State::Held => "held",
            State::Cancelled => "cancelled",
            State::Queued => "not sent",
            State::Sending | State::Verifying => "in flight",
            State::Probing => "looking",
            State::Differs => "differs",
            State::Uncertain => "uncertain",
        };
        out.push_str(&format!(
            "  #{:<4} {stands:<9}  {}\n",
            i.id,
            render::one_line(&i.command.describe())
        ));
    }
    out
}
