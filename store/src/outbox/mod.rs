//! The outbox: writes queued by the CLI, sent and verified by the daemon.
//!
//! Each item is a small state machine whose state is committed, durably
//! (`synchronous = FULL`), *before* every network step, so a crash or a
//! power loss at any instant leaves a row that says exactly what may have
//! happened:
//!
//! ```text
//! queued -> sending -> verifying -> done | differs
//!   ^          |   \        ^
//!   |          |    +-> probing --(found)--+
//!   +----------+--------(proven absent)      \-> uncertain (ambiguous: a human decides)
//! sending -> failed (refused by the server) ; queued -> held (conflict, blocked step)
//! queued | held | failed | uncertain -> cancelled
//! ```
//!
//! Identity first: once the server gave the record an id (`remote_id`),
//! the write has landed and is never sent again; retrying such an item
//! re-verifies it. A request whose outcome is unknown (timeout, reset,
//! 5xx, unreadable answer, crash mid-send) is looked for (`probing`) after
//! a grace and again, spaced, before it may be resent: the API has no
//! idempotency and a duplicate comment cannot be deleted.

mod actions;
mod command;
mod duplicates;
mod record;
mod state;

use std::collections::HashMap;
use std::path::PathBuf;

use rusqlite::{params, OptionalExtension, Row, Transaction};
use serde::Serialize;

use crate::error::{StoreError, StoreResult};
use crate::{time, Store};

pub use actions::RetryPlan;
pub use command::{
    Command, CommentWrite, InvoiceWrite, LineItemWrite, TicketFields, TicketWrite, TimerWrite,
    ViewSection, WriteKind,
};
pub use duplicates::PossibleDuplicate;
pub use record::{Difference, ExpectedLine, ItemResult};
pub use state::State;

/// A write to queue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewItem {
    pub command: Command,
    /// The ticket's internal id; `None` for a ticket still being created
    /// offline (it comes from the `depends_on` chain's create item).
    pub ticket_id: Option<i64>,
    pub ticket_number: Option<i64>,
    pub depends_on: Option<i64>,
    /// The ticket's `updated_at` as the user saw it (conflict detection).
    pub base_updated_at: Option<String>,
}

impl NewItem {
    pub fn on_ticket(command: Command, ticket_id: i64, ticket_number: i64) -> Self {
        NewItem {
            command,
            ticket_id: Some(ticket_id),
            ticket_number: Some(ticket_number),
            depends_on: None,
            base_updated_at: None,
        }
    }
}

/// A row of the outbox.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct OutboxItem {
    pub id: i64,
    pub kind: String,
    pub state: State,
    #[serde(rename = "payload")]
    pub command: Command,
    pub ticket_id: Option<i64>,
    pub ticket_number: Option<i64>,
    pub attempts: i64,
    pub next_attempt_at: Option<String>,
    #[serde(rename = "error")]
    pub last_error: Option<String>,
    pub depends_on: Option<i64>,
    pub group_id: Option<String>,
    pub group_seq: Option<i64>,
    pub base_updated_at: Option<String>,
    pub remote_id: Option<i64>,
    pub result: ItemResult,
    pub created_at: String,
    pub updated_at: String,
    /// The end of the undo window: not sent before this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub send_after: Option<String>,
    /// Requests this write caused that the server answered (sends, and
    /// the reads around them), since it was queued or a human last
    /// retried it: the daemon gives up on a write past a bound.
    #[serde(skip_serializing_if = "is_zero")]
    pub requests: i64,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// Whether a write's error says the server refused the API key (401) or
/// the key's user lacks a permission (403): every write will meet it, so
/// `syncro status` and `doctor` call it out. The daemon words these
/// refusals with the status in parentheses.
pub fn is_access_problem(error: &str) -> bool {
    error.contains("(401)") || error.contains("(403:")
}

impl OutboxItem {
    /// Whether the server may hold this write without our knowing: a
    /// request went out and no answer settled it either way. Cancelling or
    /// resending such an item needs a human who looked (`--force`).
    pub fn may_have_landed(&self) -> bool {
        matches!(
            self.state,
            State::Sending | State::Probing | State::Verifying | State::Uncertain
        )
    }
}

/// An active item not waiting behind another: its dependency is done and
/// no earlier item on its ticket is unfinished or needs a human.
const UNBLOCKED: &str = "o.state IN ('queued', 'sending', 'probing', 'verifying')
    AND (o.depends_on IS NULL
         OR (SELECT d.state FROM outbox d WHERE d.id = o.depends_on) = 'done')
    AND (o.ticket_id IS NULL OR NOT EXISTS (
         SELECT 1 FROM outbox e
         WHERE e.ticket_id = o.ticket_id AND e.id < o.id
           AND e.state IN ('queued', 'sending', 'probing', 'verifying', 'held', 'uncertain')))";

pub(super) const COLUMNS: &str = "id, kind, state, payload, ticket_id, ticket_number, attempts, next_attempt_at, \
     last_error, depends_on, group_id, group_seq, base_updated_at, remote_id, result, created_at, updated_at, \
     send_after, requests";

impl OutboxItem {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        let state: String = r.get(2)?;
        let payload: String = r.get(3)?;
        let result: Option<String> = r.get(14)?;
        let bad = |i: usize, e: Box<dyn std::error::Error + Send + Sync>| {
            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e)
        };
        Ok(OutboxItem {
            id: r.get(0)?,
            kind: r.get(1)?,
            state: State::parse(&state)
                .ok_or_else(|| bad(2, format!("unknown outbox state {state:?}").into()))?,
            command: serde_json::from_str(&payload).map_err(|e| bad(3, Box::new(e)))?,
            ticket_id: r.get(4)?,
            ticket_number: r.get(5)?,
            attempts: r.get(6)?,
            next_attempt_at: r.get(7)?,
            last_error: r.get(8)?,
            depends_on: r.get(9)?,
            group_id: r.get(10)?,
            group_seq: r.get(11)?,
            base_updated_at: r.get(12)?,
            remote_id: r.get(13)?,
            // A record this version cannot read (newer, damaged) reads as
            // empty rather than hiding the item: its state still says
            // what is safe, and an empty record only makes the daemon
            // more careful (no baseline: probe finds nothing to rule out).
            result: result
                .and_then(|s| serde_json::from_str(&s).ok())
                .unwrap_or_default(),
            created_at: r.get(15)?,
            updated_at: r.get(16)?,
            send_after: r.get(17)?,
            requests: r.get(18)?,
        })
    }
}

/// Counts of items per state, for `syncro status`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct OutboxCounts {
    pub queued: i64,
    pub sending: i64,
    pub probing: i64,
    pub verifying: i64,
    pub done: i64,
    pub differs: i64,
    pub uncertain: i64,
    pub failed: i64,
    pub held: i64,
    pub cancelled: i64,
}

impl OutboxCounts {
    /// Items the daemon still has to move.
    pub fn active(&self) -> i64 {
        self.queued + self.sending + self.probing + self.verifying
    }

    /// Items waiting for a human.
    pub fn needs_human(&self) -> i64 {
        self.held + self.failed + self.differs + self.uncertain
    }
}

impl Store {
    /// Queues one write and pokes the daemon.
    pub fn enqueue(&mut self, item: NewItem) -> StoreResult<i64> {
        self.enqueue_after(item, None)
    }

    /// Queues one write that is not sent before `send_after` (the undo
    /// window), and pokes the daemon.
    pub fn enqueue_after(&mut self, item: NewItem, send_after: Option<&str>) -> StoreResult<i64> {
        let id = self.write_durable(|tx| insert(tx, &item, None, None, send_after))?;
        self.wake_daemon();
        Ok(id)
    }

    /// Queues steps that must happen in order as one durable group (e.g.
    /// `bill`): each depends on the one before, all share a group id.
    pub fn enqueue_group(
        &mut self,
        group_name: &str,
        items: Vec<NewItem>,
    ) -> StoreResult<Vec<i64>> {
        self.enqueue_group_after(group_name, items, None)
    }

    /// [`Store::enqueue_group`] whose steps are not sent before
    /// `send_after` (the undo window).
    pub fn enqueue_group_after(
        &mut self,
        group_name: &str,
        items: Vec<NewItem>,
        send_after: Option<&str>,
    ) -> StoreResult<Vec<i64>> {
        let ids = self.write_durable(|tx| {
            let mut ids: Vec<i64> = Vec::with_capacity(items.len());
            let mut group_id = None;
            for (seq, mut item) in items.into_iter().enumerate() {
                if let Some(prev) = ids.last() {
                    item.depends_on = Some(*prev);
                }
                let id = insert(
                    tx,
                    &item,
                    group_id.as_deref(),
                    Some(seq as i64 + 1),
                    send_after,
                )?;
                if group_id.is_none() {
                    let gid = format!("{group_name}-{id}");
                    tx.execute(
                        "UPDATE outbox SET group_id = ?1 WHERE id = ?2",
                        params![gid, id],
                    )?;
                    group_id = Some(gid);
                }
                ids.push(id);
            }
            Ok(ids)
        })?;
        self.wake_daemon();
        Ok(ids)
    }

    pub fn outbox_item(&self, id: i64) -> StoreResult<Option<OutboxItem>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM outbox WHERE id = ?1"),
                [id],
                OutboxItem::from_row,
            )
            .optional()?)
    }

    /// Items in any of `states` (all when empty), oldest first.
    pub fn outbox_items(&self, states: &[State]) -> StoreResult<Vec<OutboxItem>> {
        let filter = if states.is_empty() {
            String::new()
        } else {
            let list = states
                .iter()
                .map(|s| format!("'{}'", s.as_str()))
                .collect::<Vec<_>>()
                .join(", ");
            format!("WHERE state IN ({list})")
        };
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM outbox {filter} ORDER BY id"
        ))?;
        let items = stmt
            .query_map([], OutboxItem::from_row)?
            .collect::<Result<_, _>>()?;
        Ok(items)
    }

    /// Items on one ticket that are not done or cancelled (shown inline by
    /// `syncro ticket`).
    pub fn outbox_for_ticket(&self, ticket_id: i64) -> StoreResult<Vec<OutboxItem>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM outbox WHERE ticket_id = ?1 AND state NOT IN ('done', 'cancelled') ORDER BY id"
        ))?;
        let items = stmt
            .query_map([ticket_id], OutboxItem::from_row)?
            .collect::<Result<_, _>>()?;
        Ok(items)
    }

    /// How many writes are pending on each ticket (by ticket id): items
    /// the daemon still has to send or a human has to settle, i.e. what a
    /// ticket list marks so nobody acts twice on a ticket already changing.
    pub fn outbox_pending_by_ticket(&self) -> StoreResult<HashMap<i64, i64>> {
        let states = State::ACTIVE
            .into_iter()
            .chain(State::NEEDS_HUMAN)
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT ticket_id, COUNT(*) FROM outbox
             WHERE ticket_id IS NOT NULL AND state IN ({states}) GROUP BY ticket_id"
        ))?;
        let counts = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(counts)
    }

    pub fn outbox_counts(&self) -> StoreResult<OutboxCounts> {
        let mut counts = OutboxCounts::default();
        let mut stmt = self
            .conn
            .prepare("SELECT state, COUNT(*) FROM outbox GROUP BY state")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (state, n) = row?;
            match State::parse(&state) {
                Some(State::Queued) => counts.queued = n,
                Some(State::Sending) => counts.sending = n,
                Some(State::Probing) => counts.probing = n,
                Some(State::Verifying) => counts.verifying = n,
                Some(State::Done) => counts.done = n,
                Some(State::Differs) => counts.differs = n,
                Some(State::Uncertain) => counts.uncertain = n,
                Some(State::Failed) => counts.failed = n,
                Some(State::Held) => counts.held = n,
                Some(State::Cancelled) => counts.cancelled = n,
                None => {}
            }
        }
        Ok(counts)
    }

    /// Active items the daemon may work on now, in queue order: due, with
    /// their dependency done, and with no earlier unfinished item on the
    /// same ticket (items on one ticket run in the order queued; an item
    /// held or uncertain stops the ones after it, a landed one does not).
    pub fn outbox_ready(&self, now: &str) -> StoreResult<Vec<OutboxItem>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM outbox o
             WHERE {UNBLOCKED}
               AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= ?1)
               AND (o.send_after IS NULL OR o.send_after <= ?1)
             ORDER BY o.id"
        ))?;
        let items = stmt
            .query_map([now], OutboxItem::from_row)?
            .collect::<Result<_, _>>()?;
        Ok(items)
    }

    /// Makes every waiting item due now: the server just came back, so the
    /// backoff earned while it was away should not delay the queue. Items
    /// probing keep their wait: it is the grace a slow server needs to
    /// commit, not a backoff.
    pub fn outbox_due_now(&mut self) -> StoreResult<usize> {
        self.write_durable(|tx| {
            Ok(tx.execute(
                "UPDATE outbox SET next_attempt_at = NULL
                 WHERE state IN ('queued', 'verifying') AND next_attempt_at IS NOT NULL",
                [],
            )?)
        })
    }

    /// When the earliest item that can actually go is due (when to wake).
    /// Items blocked behind another (a dependency, an earlier item on the
    /// same ticket) do not count, however overdue: waking for them would
    /// spin until the one in front moves, and its move wakes the drainer.
    pub fn outbox_next_due(&self) -> StoreResult<Option<String>> {
        Ok(self.conn.query_row(
            &format!(
                "SELECT MIN(max(COALESCE(o.next_attempt_at, ''), COALESCE(o.send_after, '')))
                 FROM outbox o WHERE {UNBLOCKED}"
            ),
            [],
            |r| r.get(0),
        )?)
    }

    /// The earlier write on the same ticket that stops `item` because it
    /// needs a human (held or uncertain: writes on one ticket go in the
    /// order queued), so a list can say why a queued write does not move.
    pub fn outbox_stopped_by(&self, item: &OutboxItem) -> StoreResult<Option<OutboxItem>> {
        let Some(ticket) = item.ticket_id.filter(|_| item.state.is_active()) else {
            return Ok(None);
        };
        let id: Option<i64> = self
            .conn
            .query_row(
                "SELECT id FROM outbox WHERE ticket_id = ?1 AND id < ?2
                   AND state IN ('held', 'uncertain') ORDER BY id LIMIT 1",
                params![ticket, item.id],
                |r| r.get(0),
            )
            .optional()?;
        match id {
            Some(id) => self.outbox_item(id),
            None => Ok(None),
        }
    }

    /// Active items whose dependency ended badly: they cannot run until a
    /// human retries or cancels the step they wait on.
    ///
    /// Asked before every batch the drainer sends, so it is one indexed
    /// join that decodes only the (rare) blocked rows, not every queued one.
    pub fn outbox_blocked(&self) -> StoreResult<Vec<(OutboxItem, OutboxItem)>> {
        let ids: Vec<(i64, i64)> = self
            .conn
            .prepare_cached(
                "SELECT o.id, d.id FROM outbox o JOIN outbox d ON d.id = o.depends_on
                 WHERE o.state = 'queued' AND d.state IN ('failed', 'cancelled', 'held', 'differs', 'uncertain')
                 ORDER BY o.id",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(ids.len());
        for (item, dep) in ids {
            if let (Some(i), Some(d)) = (self.outbox_item(item)?, self.outbox_item(dep)?) {
                out.push((i, d));
            }
        }
        Ok(out)
    }

    /// Compare-and-set transition: moves `id` to `to` only if it is in one
    /// of `from`, applying `change` in the same statement.
    pub fn outbox_transition(
        &mut self,
        id: i64,
        from: &[State],
        to: State,
        change: Change,
    ) -> StoreResult<OutboxItem> {
        self.write_durable(|tx| transition(tx, id, from, to, &change))
    }

    /// Sets the ticket an item acts on, once a ticket created offline exists.
    pub fn outbox_set_ticket(
        &mut self,
        id: i64,
        ticket_id: i64,
        ticket_number: i64,
    ) -> StoreResult<()> {
        self.write_durable(|tx| {
            tx.execute(
                "UPDATE outbox SET ticket_id = ?2, ticket_number = ?3, updated_at = ?4 WHERE id = ?1",
                params![id, ticket_id, ticket_number, time::now()],
            )?;
            Ok(())
        })
    }

    /// Once a ticket created offline exists, every item queued against it
    /// (directly or further down its dependency chain) gets its real id
    /// and number, so the one-ticket-in-order rule applies to them too.
    pub fn outbox_resolve_created_ticket(
        &mut self,
        create_id: i64,
        ticket_id: i64,
        number: i64,
    ) -> StoreResult<usize> {
        self.write_durable(|tx| {
            Ok(tx.execute(
                "WITH RECURSIVE deps(id) AS (
                     SELECT id FROM outbox WHERE depends_on = ?1
                     UNION SELECT o.id FROM outbox o JOIN deps d ON o.depends_on = d.id)
                 UPDATE outbox SET ticket_id = ?2, ticket_number = ?3, updated_at = ?4
                 WHERE id IN (SELECT id FROM deps) AND ticket_id IS NULL",
                params![create_id, ticket_id, number, time::now()],
            )?)
        })
    }

    /// Failed writes the server refused for the key or a permission (see
    /// [`is_access_problem`]), newest first.
    pub fn outbox_access_refused(&self) -> StoreResult<Vec<OutboxItem>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM outbox
             WHERE state = 'failed' AND (last_error LIKE '%(401)%' OR last_error LIKE '%(403:%')
             ORDER BY id DESC"
        ))?;
        let items = stmt
            .query_map([], OutboxItem::from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(items
            .into_iter()
            .filter(|i| i.last_error.as_deref().is_some_and(is_access_problem))
            .collect())
    }

    /// Counts `n` more requests against item `id` (see
    /// [`OutboxItem::requests`]); negative takes back one that never
    /// reached the server.
    pub fn outbox_add_requests(&mut self, id: i64, n: i64) -> StoreResult<()> {
        self.write_durable(|tx| {
            tx.execute(
                "UPDATE outbox SET requests = max(0, requests + ?2) WHERE id = ?1",
                params![id, n],
            )?;
            Ok(())
        })
    }

    /// The newest ticket `updated_at` our own completed writes produced on
    /// a ticket: a server `updated_at` not newer than this is our own doing,
    /// not a conflicting edit by someone else.
    pub fn outbox_own_last_update(&self, ticket_id: i64) -> StoreResult<Option<String>> {
        Ok(self.conn.query_row(
            "SELECT MAX(json_extract(result, '$.ticket_updated_at')) FROM outbox
             WHERE ticket_id = ?1 AND state IN ('done', 'differs') AND result IS NOT NULL",
            [ticket_id],
            |r| r.get(0),
        )?)
    }

    /// Remote ids already claimed by other items of the same kind: when two
    /// identical writes were queued on purpose, each claims its own record.
    pub fn outbox_claimed_ids(&self, kind: &str, exclude_id: i64) -> StoreResult<Vec<i64>> {
        let mut stmt = self.conn.prepare(
            "SELECT remote_id FROM outbox WHERE kind = ?1 AND id <> ?2 AND remote_id IS NOT NULL",
        )?;
        let ids = stmt
            .query_map(params![kind, exclude_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// The file the CLI touches after queueing, which the daemon watches.
    pub fn wake_file(&self) -> PathBuf {
        let mut p = self.path().as_os_str().to_owned();
        p.push(".wake");
        PathBuf::from(p)
    }

    /// Pokes the daemon. Best effort: if it fails the daemon's slow poll
    /// still finds the row, so the error is not worth failing the enqueue.
    pub fn wake_daemon(&self) {
        let _ = std::fs::write(self.wake_file(), time::now());
    }
}

/// Fields an outbox transition may change alongside the state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Change {
    /// Count one more attempt (set when a request is about to go out).
    pub bump_attempts: bool,
    /// `Some(None)` clears the error.
    pub last_error: Option<Option<String>>,
    pub next_attempt_at: Option<Option<String>>,
    pub remote_id: Option<i64>,
    /// Replaces the whole record.
    pub result: Option<ItemResult>,
    pub ticket: Option<(i64, i64)>,
    /// Drop the conflict baseline (a human released the item).
    pub clear_base: bool,
    /// Requests to add to the item's count (see [`OutboxItem::requests`]).
    pub add_requests: i64,
    /// Start the count again (a human gave the write a new chance).
    pub reset_requests: bool,
}

fn insert(
    tx: &Transaction<'_>,
    item: &NewItem,
    group_id: Option<&str>,
    group_seq: Option<i64>,
    send_after: Option<&str>,
) -> StoreResult<i64> {
    let now = time::now();
    tx.execute(
        "INSERT INTO outbox (kind, payload, ticket_id, ticket_number, state, depends_on, group_id, group_seq,
                             base_updated_at, created_at, updated_at, send_after)
         VALUES (?1, ?2, ?3, ?4, 'queued', ?5, ?6, ?7, ?8, ?9, ?9, ?10)",
        params![
            item.command.kind(),
            serde_json::to_string(&item.command)?,
            item.ticket_id,
            item.ticket_number,
            item.depends_on,
            group_id,
            group_seq,
            item.base_updated_at,
            now,
            send_after
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

pub(super) fn transition(
    tx: &Transaction<'_>,
    id: i64,
    from: &[State],
    to: State,
    c: &Change,
) -> StoreResult<OutboxItem> {
    let current: Option<String> = tx
        .query_row("SELECT state FROM outbox WHERE id = ?1", [id], |r| r.get(0))
        .optional()?;
    let current = current.ok_or(StoreError::NoSuchItem(id))?;
    if !from.iter().any(|s| s.as_str() == current) {
        return Err(StoreError::WrongState {
            id,
            expected: from
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(" or "),
            actual: current,
        });
    }
    let (set_error, error) = match &c.last_error {
        Some(e) => (true, e.clone()),
        None => (false, None),
    };
    let (set_next, next) = match &c.next_attempt_at {
        Some(n) => (true, n.clone()),
        None => (false, None),
    };
    tx.execute(
        "UPDATE outbox SET
             state = ?2,
             attempts = attempts + ?3,
             last_error = CASE WHEN ?4 THEN ?5 ELSE last_error END,
             next_attempt_at = CASE WHEN ?6 THEN ?7 ELSE next_attempt_at END,
             remote_id = COALESCE(?8, remote_id),
             result = COALESCE(?9, result),
             ticket_id = COALESCE(?10, ticket_id),
             ticket_number = COALESCE(?11, ticket_number),
             base_updated_at = CASE WHEN ?12 THEN NULL ELSE base_updated_at END,
             updated_at = ?13,
             requests = CASE WHEN ?15 THEN 0 ELSE requests END + ?14
         WHERE id = ?1",
        params![
            id,
            to.as_str(),
            c.bump_attempts as i64,
            set_error,
            error,
            set_next,
            next,
            c.remote_id,
            c.result.as_ref().map(serde_json::to_string).transpose()?,
            c.ticket.map(|t| t.0),
            c.ticket.map(|t| t.1),
            c.clear_base,
            time::now(),
            c.add_requests,
            c.reset_requests,
        ],
    )?;
    Ok(tx.query_row(
        &format!("SELECT {COLUMNS} FROM outbox WHERE id = ?1"),
        [id],
        OutboxItem::from_row,
    )?)
}
