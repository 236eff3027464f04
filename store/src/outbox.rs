//! The outbox: writes queued by the CLI, sent and verified by the daemon.
//!
//! Each item is a small state machine whose state is committed *before*
//! every network step, so a crash at any instant leaves a row that says
//! exactly what may have happened:
//!
//! ```text
//! queued -> sending -> verifying -> done
//!    ^         |            |
//!    +---------+------------+   retryable failure (back off, try again)
//! any active state -> failed (permanent) | held (needs a human) | cancelled
//! ```
//!
//! `attempts > 0` means a request may already have reached the server, so
//! the daemon must look for its effect before sending again: the API has no
//! idempotency and a duplicate comment cannot be deleted.

use std::fmt;
use std::path::PathBuf;

use rusqlite::{params, OptionalExtension, Row, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{StoreError, StoreResult};
use crate::{time, Store};

/// Where an outbox item is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Queued,
    Sending,
    Verifying,
    Done,
    Failed,
    Held,
    Cancelled,
}

impl State {
    pub const ALL: [State; 7] = [
        State::Queued,
        State::Sending,
        State::Verifying,
        State::Done,
        State::Failed,
        State::Held,
        State::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Queued => "queued",
            State::Sending => "sending",
            State::Verifying => "verifying",
            State::Done => "done",
            State::Failed => "failed",
            State::Held => "held",
            State::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// States the daemon still has to move forward.
    pub fn is_active(self) -> bool {
        matches!(self, State::Queued | State::Sending | State::Verifying)
    }

    /// States nothing will change without a human.
    pub fn is_final(self) -> bool {
        matches!(self, State::Done | State::Failed | State::Cancelled)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Ticket fields an update may change; `None` leaves a field alone (the
/// request sends only what changes, since some Syncro PUTs reset omitted
/// fields).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TicketFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<i64>,
}

/// What a queued write asks the server to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Command {
    AddComment {
        subject: String,
        body: String,
        #[serde(default)]
        hidden: bool,
        #[serde(default)]
        do_not_email: bool,
        #[serde(default)]
        tech: Option<String>,
    },
    UpdateTicket {
        fields: TicketFields,
    },
    CreateTicket {
        customer_id: i64,
        subject: String,
        #[serde(default)]
        problem_type: Option<String>,
        #[serde(default)]
        priority: Option<String>,
        #[serde(default)]
        status: Option<String>,
        /// The initial comment's body.
        #[serde(default)]
        body: Option<String>,
    },
    AddLineItem {
        #[serde(default)]
        product_id: Option<i64>,
        name: String,
        description: String,
        /// Decimal hours for labor (30 minutes = 0.5).
        quantity: f64,
        /// Dollars; sent as `price_retail`, the only field that sets a price.
        price_retail: f64,
    },
    UpdateLineItem {
        line_item_id: i64,
        #[serde(default)]
        quantity: Option<f64>,
        #[serde(default)]
        price_retail: Option<f64>,
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        description: Option<String>,
    },
    RemoveLineItem {
        line_item_id: i64,
    },
    AddTimer {
        start_at: String,
        end_at: String,
        #[serde(default)]
        notes: Option<String>,
        #[serde(default)]
        billable: bool,
        #[serde(default)]
        product_id: Option<i64>,
    },
    UpdateTimer {
        timer_id: i64,
        #[serde(default)]
        start_at: Option<String>,
        #[serde(default)]
        end_at: Option<String>,
        #[serde(default)]
        notes: Option<String>,
        #[serde(default)]
        billable: Option<bool>,
        #[serde(default)]
        product_id: Option<i64>,
    },
    DeleteTimer {
        timer_id: i64,
    },
    ChargeTimer {
        timer_id: i64,
    },
    /// Invoice the ticket's uninvoiced line items, then verify they arrived.
    CreateInvoice {},
}

impl Command {
    /// The `kind` column value (the serde tag).
    pub fn kind(&self) -> &'static str {
        match self {
            Command::AddComment { .. } => "add_comment",
            Command::UpdateTicket { .. } => "update_ticket",
            Command::CreateTicket { .. } => "create_ticket",
            Command::AddLineItem { .. } => "add_line_item",
            Command::UpdateLineItem { .. } => "update_line_item",
            Command::RemoveLineItem { .. } => "remove_line_item",
            Command::AddTimer { .. } => "add_timer",
            Command::UpdateTimer { .. } => "update_timer",
            Command::DeleteTimer { .. } => "delete_timer",
            Command::ChargeTimer { .. } => "charge_timer",
            Command::CreateInvoice {} => "create_invoice",
        }
    }

    /// A one-line human description for lists and previews.
    pub fn describe(&self) -> String {
        match self {
            Command::AddComment {
                subject,
                body,
                hidden,
                ..
            } => {
                let first = body.lines().next().unwrap_or("");
                format!(
                    "comment{} \"{subject}\": {}",
                    if *hidden { " (hidden)" } else { "" },
                    truncate(first, 60)
                )
            }
            Command::UpdateTicket { fields } => {
                let mut parts = Vec::new();
                if let Some(s) = &fields.status {
                    parts.push(format!("status -> {s}"));
                }
                if let Some(p) = &fields.priority {
                    parts.push(format!("priority -> {p}"));
                }
                if let Some(s) = &fields.subject {
                    parts.push(format!("subject -> {s}"));
                }
                if let Some(p) = &fields.problem_type {
                    parts.push(format!("problem type -> {p}"));
                }
                if let Some(u) = fields.user_id {
                    parts.push(format!("assign -> user {u}"));
                }
                format!("update {}", parts.join(", "))
            }
            Command::CreateTicket {
                subject,
                customer_id,
                ..
            } => {
                format!("create ticket \"{subject}\" for customer {customer_id}")
            }
            Command::AddLineItem {
                name,
                quantity,
                price_retail,
                ..
            } => {
                format!("line item {name}: {quantity} x ${price_retail:.2}")
            }
            Command::UpdateLineItem { line_item_id, .. } => {
                format!("update line item {line_item_id}")
            }
            Command::RemoveLineItem { line_item_id } => format!("remove line item {line_item_id}"),
            Command::AddTimer {
                start_at, end_at, ..
            } => format!("timer {start_at} .. {end_at}"),
            Command::UpdateTimer { timer_id, .. } => format!("update timer {timer_id}"),
            Command::DeleteTimer { timer_id } => format!("delete timer {timer_id}"),
            Command::ChargeTimer { timer_id } => format!("charge timer {timer_id}"),
            Command::CreateInvoice {} => "invoice the ticket's line items".to_string(),
        }
    }

    /// Field updates can conflict with someone else's edit; appends
    /// (comments, line items, timers) cannot.
    pub fn can_conflict(&self) -> bool {
        matches!(self, Command::UpdateTicket { .. })
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max - 1).collect::<String>())
    }
}

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
    pub result: Option<Value>,
    pub created_at: String,
    pub updated_at: String,
}

const COLUMNS: &str = "id, kind, state, payload, ticket_id, ticket_number, attempts, next_attempt_at, \
     last_error, depends_on, group_id, group_seq, base_updated_at, remote_id, result, created_at, updated_at";

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
            result: result.and_then(|s| serde_json::from_str(&s).ok()),
            created_at: r.get(15)?,
            updated_at: r.get(16)?,
        })
    }
}

/// Counts of items per state, for `syncro status`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OutboxCounts {
    pub queued: i64,
    pub sending: i64,
    pub verifying: i64,
    pub done: i64,
    pub failed: i64,
    pub held: i64,
    pub cancelled: i64,
}

impl Store {
    /// Queues one write and pokes the daemon.
    pub fn enqueue(&mut self, item: NewItem) -> StoreResult<i64> {
        let id = self.write(|tx| insert(tx, &item, None, None))?;
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
        let ids = self.write(|tx| {
            let mut ids: Vec<i64> = Vec::with_capacity(items.len());
            let mut group_id = None;
            for (seq, mut item) in items.into_iter().enumerate() {
                if let Some(prev) = ids.last() {
                    item.depends_on = Some(*prev);
                }
                let id = insert(tx, &item, group_id.as_deref(), Some(seq as i64 + 1))?;
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
                Some(State::Verifying) => counts.verifying = n,
                Some(State::Done) => counts.done = n,
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
    /// same ticket (items on one ticket run in the order queued).
    pub fn outbox_ready(&self, now: &str) -> StoreResult<Vec<OutboxItem>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM outbox o
             WHERE o.state IN ('queued', 'sending', 'verifying')
               AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= ?1)
               AND (o.depends_on IS NULL
                    OR (SELECT d.state FROM outbox d WHERE d.id = o.depends_on) = 'done')
               AND (o.ticket_id IS NULL OR NOT EXISTS (
                    SELECT 1 FROM outbox e
                    WHERE e.ticket_id = o.ticket_id AND e.id < o.id
                      AND e.state IN ('queued', 'sending', 'verifying', 'held')))
             ORDER BY o.id"
        ))?;
        let items = stmt
            .query_map([now], OutboxItem::from_row)?
            .collect::<Result<_, _>>()?;
        Ok(items)
    }

    /// Makes every waiting item due now: the server just came back, so the
    /// backoff earned while it was away should not delay the queue.
    pub fn outbox_due_now(&mut self) -> StoreResult<usize> {
        self.write(|tx| {
            Ok(tx.execute(
                "UPDATE outbox SET next_attempt_at = NULL
                 WHERE state IN ('queued', 'verifying') AND next_attempt_at IS NOT NULL",
                [],
            )?)
        })
    }

    /// The earliest `next_attempt_at` among active items (when to wake).
    pub fn outbox_next_due(&self) -> StoreResult<Option<String>> {
        Ok(self.conn.query_row(
            "SELECT MIN(next_attempt_at) FROM outbox WHERE state IN ('queued', 'sending', 'verifying')",
            [],
            |r| r.get(0),
        )?)
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
                 WHERE o.state = 'queued' AND d.state IN ('failed', 'cancelled', 'held')
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
        self.write(|tx| transition(tx, id, from, to, &change))
    }

    /// Sets the ticket an item acts on, once a ticket created offline exists.
    pub fn outbox_set_ticket(
        &mut self,
        id: i64,
        ticket_id: i64,
        ticket_number: i64,
    ) -> StoreResult<()> {
        self.write(|tx| {
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
        self.write(|tx| {
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

    /// The newest ticket `updated_at` our own completed writes produced on
    /// a ticket: a server `updated_at` not newer than this is our own doing,
    /// not a conflicting edit by someone else.
    pub fn outbox_own_last_update(&self, ticket_id: i64) -> StoreResult<Option<String>> {
        Ok(self.conn.query_row(
            "SELECT MAX(json_extract(result, '$.ticket_updated_at')) FROM outbox
             WHERE ticket_id = ?1 AND state = 'done' AND result IS NOT NULL",
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

    /// User action: stop an item that has not started sending.
    pub fn outbox_cancel(&mut self, id: i64) -> StoreResult<OutboxItem> {
        self.outbox_transition(
            id,
            &[State::Queued, State::Held, State::Failed],
            State::Cancelled,
            Change::default(),
        )
    }

    /// User action: let a held item go ahead (skipping the conflict check
    /// that held it).
    pub fn outbox_release(&mut self, id: i64) -> StoreResult<OutboxItem> {
        let item = self.outbox_transition(
            id,
            &[State::Held],
            State::Queued,
            Change {
                clear_base: true,
                next_attempt_at: Some(None),
                ..Change::default()
            },
        )?;
        self.wake_daemon();
        Ok(item)
    }

    /// User action: try a failed item again. Its earlier attempts still
    /// count, so the daemon looks for an earlier landing before resending.
    pub fn outbox_retry(&mut self, id: i64) -> StoreResult<OutboxItem> {
        let item = self.write(|tx| {
            let item = transition(
                tx,
                id,
                &[State::Failed, State::Held],
                State::Queued,
                &Change {
                    next_attempt_at: Some(None),
                    ..Change::default()
                },
            )?;
            // Steps held only because this one failed may go again too.
            tx.execute(
                "UPDATE outbox SET state = 'queued', last_error = NULL, updated_at = ?2
                 WHERE state = 'held' AND group_id IS NOT NULL AND group_id = ?1 AND id > ?3",
                params![item.group_id, time::now(), id],
            )?;
            Ok(item)
        })?;
        self.wake_daemon();
        Ok(item)
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
    pub result: Option<Value>,
    pub ticket: Option<(i64, i64)>,
    /// Drop the conflict baseline (a human released the item).
    pub clear_base: bool,
}

fn insert(
    tx: &Transaction<'_>,
    item: &NewItem,
    group_id: Option<&str>,
    group_seq: Option<i64>,
) -> StoreResult<i64> {
    let now = time::now();
    tx.execute(
        "INSERT INTO outbox (kind, payload, ticket_id, ticket_number, state, depends_on, group_id, group_seq,
                             base_updated_at, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, 'queued', ?5, ?6, ?7, ?8, ?9, ?9)",
        params![
            item.command.kind(),
            serde_json::to_string(&item.command)?,
            item.ticket_id,
            item.ticket_number,
            item.depends_on,
            group_id,
            group_seq,
            item.base_updated_at,
            now
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

fn transition(
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
             updated_at = ?13
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
            c.result.as_ref().map(Value::to_string),
            c.ticket.map(|t| t.0),
            c.ticket.map(|t| t.1),
            c.clear_base,
            time::now(),
        ],
    )?;
    Ok(tx.query_row(
        &format!("SELECT {COLUMNS} FROM outbox WHERE id = ?1"),
        [id],
        OutboxItem::from_row,
    )?)
}
