//! Following a queued write: waiting for it (`wait_for_write`), taking it
//! back (`cancel_write`), letting it go (`release_write`) and the one safe
//! retry (`retry_write`), with the same store actions and the same
//! sentences as `syncro outbox`.

use std::time::Duration;

use anyhow::{Context as _, Result};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router, Json};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use syncro_store::outbox::{OutboxItem, RetryPlan, State};
use syncro_store::Store;

use super::server::SyncroMcp;
use super::tool_error::{for_tools, ToolError};
use crate::commands::outbox::{act, waiting_on, Acted, Action};
use crate::commands::write::wait::{self, steps_summary, WaitOutcome, Waited};
use crate::context::{daemon_alive_at, Ctx};
use crate::render::one_line;

/// The longest a single `wait_for_write` blocks: clients time calls out.
const MAX_WAIT_SECS: u64 = 600;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutboxIdArgs {
    /// The outbox id a write tool answered with.
    pub id: i64,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ForceArgs {
    /// The outbox id a write tool answered with.
    pub id: i64,
    /// Act on a write that may already be on the server (sending,
    /// probing, verifying, uncertain): only once the technician checked
    /// the ticket in the web UI.
    #[serde(default)]
    pub force: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WaitForWriteArgs {
    /// The outbox id a write tool answered with; for a bill, any of its
    /// steps (the whole bill is waited for).
    pub id: i64,
    /// How long to wait, in seconds (default 60, at most 600).
    pub timeout_secs: Option<u64>,
}

/// What a cancel or retry did.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ActionAnswer {
    pub id: i64,
    /// The item's state now.
    pub state: State,
    /// What was done, in a sentence.
    pub message: String,
    /// For a retry: what it does, decided by what is known about whether
    /// the write landed (it never resends one that may have).
    pub retry_plan: Option<RetryPlan>,
    /// Writes queued after this one that can no longer run (steps of the
    /// same bill): cancel them too, or they wait forever.
    pub waiting_on_it: Vec<i64>,
    pub item: OutboxItem,
}

/// How a wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Sent and read back from the server: it landed as asked.
    Verified,
    /// Failed, held, differs, uncertain or cancelled: the technician
    /// decides what happens next (see `message`).
    NeedsAttention,
    /// Still on its way when time ran out; it stays queued and goes on.
    TimedOut,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct WaitAnswer {
    pub outcome: Outcome,
    /// The item that ended badly, or that was still on its way.
    pub stopped_at: Option<i64>,
    /// What happened and what to do next, in a sentence.
    pub message: String,
    /// Every waited-on item as it stands (for a created ticket, its number
    /// is in `result.number`).
    pub items: Vec<OutboxItem>,
    /// Whether syncrod is running.
    pub daemon_running: bool,
}

/// The ids to wait for: the item's whole group (a bill) when it has one.
fn group_of(store: &Store, id: i64) -> Result<Vec<i64>> {
    let item = store
        .outbox_item(id)?
        .with_context(|| format!("there is no outbox item {id} (see list_outbox with all)"))?;
    let Some(group) = item.group_id else {
        return Ok(vec![id]);
    };
    Ok(store
        .outbox_items(&[])?
        .into_iter()
        .filter(|i| i.group_id.as_deref() == Some(group.as_str()))
        .map(|i| i.id)
        .collect())
}

/// The sentence for a wait's end: what happened and what the technician
/// can do, in tool terms.
fn describe(waited: &Waited, timeout: Duration, alive: bool) -> (Outcome, Option<i64>, String) {
    match &waited.outcome {
        WaitOutcome::Verified => {
            let ids: Vec<String> = waited.items.iter().map(|i| format!("#{}", i.id)).collect();
            let mut msg = format!(
                "verified: {} sent and read back from the server, as asked",
                ids.join(", ")
            );
            for i in &waited.items {
                if let Some(d) = i.result.describe_differences() {
                    msg.push_str(&format!("; #{} landed with differences: {d}", i.id));
                }
            }
            (Outcome::Verified, None, msg)
        }
        WaitOutcome::NeedsAttention(item) => {
            let reason = item
                .last_error
                .as_deref()
                .map(one_line)
                .unwrap_or_else(|| "no reason recorded".into());
            let id = item.id;
            let next = match item.state {
                State::Held => format!(
                    "tell the technician; once they agree, release_write with id {id} lets it go, or cancel_write with id {id} drops it"
                ),
                State::Failed => format!(
                    "the server refused it: fix the cause with the technician, then retry_write with id {id} ({}), or cancel_write with id {id}",
                    RetryPlan::for_item(item).describe()
                ),
                State::Differs | State::Uncertain => {
                    "the technician settles it (`syncro outbox` explains; do not queue it again)"
                        .to_string()
                }
                State::Cancelled => "it was cancelled; nothing more will be sent".to_string(),
                _ => "see list_outbox".to_string(),
            };
            let steps = steps_summary(&waited.items);
            let steps = if steps.is_empty() {
                String::new()
            } else {
                format!(" Steps: {}.", one_line(&steps))
            };
            (
                Outcome::NeedsAttention,
                Some(id),
                format!(
                    "#{id} {}: {}. {next}.{steps}",
                    item.state,
                    for_tools(&reason)
                ),
            )
        }
        WaitOutcome::TimedOut(item) => (
            Outcome::TimedOut,
            Some(item.id),
            format!(
                "#{} still {} after {} s; it stays in the outbox and goes on by itself: call wait_for_write again, never queue it again{}",
                item.id,
                item.state,
                timeout.as_secs(),
                if alive {
                    ""
                } else {
                    ". syncrod is not running: nothing is sent until it starts"
                }
            ),
        ),
    }
}

fn action_answer(store: &Store, acted: Acted, action: Action) -> Result<ActionAnswer> {
    let waiting_on_it = if action == Action::Cancel {
        waiting_on(store, acted.item.id)?
    } else {
        Vec::new()
    };
    let mut message = format!(
        "#{} {}: {}",
        acted.item.id,
        acted.item.command.describe(),
        acted.what
    );
    if !waiting_on_it.is_empty() {
        message.push_str(&format!(
            "; {} wait(s) on it and will not run: cancel them too",
            waiting_on_it
                .iter()
                .map(|i| format!("#{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(ActionAnswer {
        id: acted.item.id,
        state: acted.item.state,
        message: for_tools(&message),
        retry_plan: acted.retry,
        waiting_on_it,
        item: acted.item,
    })
}

#[tool_router(router = follow_tools, vis = "pub(super)")]
impl SyncroMcp {
    /// Wait until a queued write is sent and verified, ends badly (failed,
    /// held, differs, uncertain, cancelled) or `timeout_secs` pass, and
    /// say how it went. For a bill, waits for every step. Never queue a
    /// write again because this timed out: it is still on its way.
    // It changes nothing, but it belongs with the writes it follows (and
    // `--read-only` leaves it out with them), so it is not marked
    // read-only.
    #[tool(annotations(
        title = "Wait for a write",
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    pub async fn wait_for_write(
        &self,
        Parameters(a): Parameters<WaitForWriteArgs>,
    ) -> Result<Json<WaitAnswer>, ToolError> {
        let timeout = Duration::from_secs(a.timeout_secs.unwrap_or(60).min(MAX_WAIT_SECS));
        self.with_own_store(move |ctx: &Ctx, store| {
            let ids = group_of(store, a.id)?;
            let waited = wait::wait(store, &ids, timeout)?;
            let alive = daemon_alive_at(ctx, store.heartbeat()?.as_ref(), ctx.clock());
            let (outcome, stopped_at, message) = describe(&waited, timeout, alive);
            Ok(WaitAnswer {
                outcome,
                stopped_at,
                message,
                items: waited.items,
                daemon_running: alive,
            })
        })
        .await
        .map(Json)
    }

    /// Take back a queued write: in its undo window, waiting offline, held
    /// or failed. One that may already be on the server needs `force` (and
    /// stays there if it landed: the API cannot delete comments).
    #[tool(annotations(
        title = "Cancel a queued write",
        read_only_hint = false,
        destructive_hint = true,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    pub async fn cancel_write(
        &self,
        Parameters(a): Parameters<ForceArgs>,
    ) -> Result<Json<ActionAnswer>, ToolError> {
        self.with_cache(move |_ctx, cache| {
            let store = cache.store_mut()?;
            let acted = act(store, a.id, Action::Cancel, a.force)?;
            action_answer(store, acted, Action::Cancel)
        })
        .await
        .map(Json)
    }

    /// Let a held write go ahead once the technician agrees (a conflict
    /// they checked, a ticket back in Syncro), accept a differing one as it
    /// landed, or send one waiting out a backoff now. Resending one that
    /// may already be on the server needs `force`.
    #[tool(annotations(
        title = "Release a write",
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = false,
        open_world_hint = true
    ))]
    pub async fn release_write(
        &self,
        Parameters(a): Parameters<ForceArgs>,
    ) -> Result<Json<ActionAnswer>, ToolError> {
        self.with_cache(move |_ctx, cache| {
            let store = cache.store_mut()?;
            let acted = act(store, a.id, Action::Release, a.force)?;
            action_answer(store, acted, Action::Release)
        })
        .await
        .map(Json)
    }

    /// Try a failed, held, differing or uncertain write again, doing only
    /// what is safe: re-verify one that landed, look for one that may have
    /// landed before resending it, resend only one known not to have
    /// landed. The answer says which. The only safe retry: never queue the
    /// same write again by hand.
    #[tool(annotations(
        title = "Retry a write",
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = true,
        open_world_hint = true
    ))]
    pub async fn retry_write(
        &self,
        Parameters(a): Parameters<OutboxIdArgs>,
    ) -> Result<Json<ActionAnswer>, ToolError> {
        self.with_cache(move |_ctx, cache| {
            let store = cache.store_mut()?;
            let acted = act(store, a.id, Action::Retry, false)?;
            action_answer(store, acted, Action::Retry)
        })
        .await
        .map(Json)
    }
}
