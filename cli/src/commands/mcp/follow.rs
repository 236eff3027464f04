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
use syncro_store::outbox::{RetryPlan, State};
use syncro_store::Store;

use super::lean::{Lean, WriteRow};
use super::server::SyncroMcp;
use super::tool_error::{for_tools, ToolError};
use crate::context::{daemon_alive_at, ticket_number, Ctx};
use crate::read::Freshness;
use crate::render::one_line;
use crate::ticket_ref::TicketRef;
use crate::write::outbox::{act, waiting_on, Acted, Action};
use crate::write::refresh;
use crate::write::wait::{self, steps_summary, WaitOutcome, Waited};

/// The longest a single `wait_for_write` blocks: clients time calls out.
const MAX_WAIT_SECS: u64 = 600;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutboxIdArgs {
    pub id: i64,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ForceArgs {
    pub id: i64,
    /// After checking the web UI.
    #[serde(default)]
    pub force: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WaitForWriteArgs {
    pub id: i64,
    /// Default 60, at most 600.
    pub timeout_secs: Option<u64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestSyncArgs {
    /// Only this ticket.
    pub number: Option<TicketRef>,
    pub timeout_secs: Option<u64>,
}

/// What a requested sync brought.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SyncAnswer {
    /// The new data arrived within the timeout.
    pub refreshed: bool,
    #[serde(flatten)]
    pub freshness: Freshness,
    pub message: String,
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
    pub item: WriteRow,
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
    /// Every waited-on write as it stands (a created ticket's number is
    /// its `number`).
    pub items: Vec<WriteRow>,
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
                State::Differs => format!(
                    "it landed, but not as asked: show the technician the differences; release_write with id {id} accepts it as it is (do not queue it again)"
                ),
                State::Uncertain => format!(
                    "it may be on the server: the technician checks the ticket in the Syncro web UI; if it is there, cancel_write with id {id} and force; if not, release_write with id {id} and force sends it (never queue it again)"
                ),
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
        item: WriteRow::from(&acted.item),
    })
}

#[tool_router(router = follow_tools, vis = "pub(super)")]
impl SyncroMcp {
    /// Wait until a write (a bill: all steps) is verified or needs a human.
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
    ) -> Result<Json<Lean<WaitAnswer>>, ToolError> {
        let timeout = Duration::from_secs(a.timeout_secs.unwrap_or(60).min(MAX_WAIT_SECS));
        self.with_own_store(move |ctx: &Ctx, store| {
            let ids = group_of(store, a.id)?;
            let waited = wait::wait(store, &ids, timeout)?;
            let alive = daemon_alive_at(ctx, store.heartbeat()?.as_ref(), ctx.clock());
            let (outcome, stopped_at, message) = describe(&waited, timeout, alive);
            Ok(Lean(WaitAnswer {
                outcome,
                stopped_at,
                message,
                items: waited.items.iter().map(WriteRow::from).collect(),
                daemon_running: alive,
            }))
        })
        .await
        .map(Json)
    }

    /// Take back a write not sent yet (force: one that may have landed).
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
    ) -> Result<Json<Lean<ActionAnswer>>, ToolError> {
        self.with_cache(move |_ctx, cache| {
            let store = cache.store_mut()?;
            let acted = act(store, a.id, Action::Cancel, a.force)?;
            action_answer(store, acted, Action::Cancel).map(Lean)
        })
        .await
        .map(Json)
    }

    /// Let a held or differing write go once the technician agreed.
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
    ) -> Result<Json<Lean<ActionAnswer>>, ToolError> {
        self.with_cache(move |_ctx, cache| {
            let store = cache.store_mut()?;
            let acted = act(store, a.id, Action::Release, a.force)?;
            action_answer(store, acted, Action::Release).map(Lean)
        })
        .await
        .map(Json)
    }

    /// The only safe retry: never resends what may have landed.
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
    ) -> Result<Json<Lean<ActionAnswer>>, ToolError> {
        self.with_cache(move |_ctx, cache| {
            let store = cache.store_mut()?;
            let acted = act(store, a.id, Action::Retry, false)?;
            action_answer(store, acted, Action::Retry).map(Lean)
        })
        .await
        .map(Json)
    }

    /// Refresh now (all, or one ticket) and wait for it.
    #[tool(annotations(
        title = "Refresh now",
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = true,
        open_world_hint = true
    ))]
    pub async fn request_sync(
        &self,
        Parameters(a): Parameters<RequestSyncArgs>,
    ) -> Result<Json<Lean<SyncAnswer>>, ToolError> {
        let timeout = Duration::from_secs(a.timeout_secs.unwrap_or(30));
        self.with_own_store(move |ctx: &Ctx, store| {
            let number = match a.number {
                Some(r) => Some(ticket_number(store, r)?),
                None => None,
            };
            let asked = refresh::request(ctx, store, number)?;
            let refreshed = asked.wait(store, timeout)?;
            let message = asked.outcome(refreshed, timeout);
            Ok(Lean(SyncAnswer {
                refreshed,
                freshness: Freshness::of(ctx, store, &["tickets"]),
                message,
            }))
        })
        .await
        .map(Json)
    }
}
