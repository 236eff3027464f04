//! `--wait`: following queued rows until syncrod has sent and verified
//! them, one ends badly, or time runs out ([`wait`]), and telling the user
//! how it went ([`report`]).

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use syncro_store::outbox::{OutboxItem, RetryPlan, State};
use syncro_store::Store;

use crate::context::{daemon_alive_at, Ctx};
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

/// Prints how the wait went (JSON: the items) and picks the exit code.
pub(super) fn report(
    ctx: &Ctx,
    store: &Store,
    ids: &[i64],
    waited: Waited,
    timeout: Duration,
) -> Result<ExitCode> {
    let Waited { outcome, items } = waited;
    if ctx.json {
        render::print_json(&items)?;
    }
    match outcome {
        WaitOutcome::Verified => {
            if !ctx.json {
                render::print(&format!(
                    "done: {} sent and verified\n",
                    ids.iter()
                        .map(|i| format!("#{i}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))?;
                // Landed, with differences that do not hold anything up
                // (a reworded comment): worth knowing, not an error.
                for i in &items {
                    if let Some(d) = i.result.describe_differences() {
                        render::note(&format!("note: #{} landed with differences: {d}", i.id));
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        WaitOutcome::NeedsAttention(item) => {
            let reason = item
                .last_error
                .as_deref()
                .map(render::one_line)
                .unwrap_or_else(|| "no reason recorded".into());
            let fix = match item.state {
                State::Held => format!(
                    "release it with `syncro outbox release {0}` or cancel it with `syncro outbox cancel {0}`",
                    item.id
                ),
                State::Failed => format!(
                    "`syncro outbox retry {0}` ({1}), or `syncro outbox cancel {0}`",
                    item.id,
                    RetryPlan::for_item(&item).describe()
                ),
                // The daemon's sentence already names the commands.
                State::Differs | State::Uncertain => String::new(),
                _ => "see `syncro outbox --all`".into(),
            };
            render::note(&format!(
                "error: #{} {}: {reason}\n{}{fix}",
                item.id,
                item.state,
                steps_summary(&items)
            ));
            Ok(ExitCode::FAILURE)
        }
        WaitOutcome::TimedOut(item) => {
            // Judged now, not when the command started: the wait took a while.
            let alive = daemon_alive_at(ctx, store.heartbeat()?.as_ref(), ctx.clock());
            render::note(&format!(
                "error: #{} still {} after {} s; it stays in the outbox (see `syncro outbox`{})",
                item.id,
                item.state,
                timeout.as_secs(),
                if alive {
                    ""
                } else {
                    "; syncrod is not running"
                }
            ));
            Ok(ExitCode::FAILURE)
        }
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
