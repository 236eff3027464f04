//! The outbox drainer: sends queued writes, each exactly once, and reads
//! every one back to prove it landed as asked.
//!
//! - [`kinds`]: what each family of writes means (request, probe,
//!   read-back, tolerant comparison), pure and unit-tested;
//! - `driver`: one item's state machine, persisted before every request;
//! - `reads`: the reads the families ask for;
//! - [`bounds`]: where a write ends when the server will never take it;
//! - this file: which items go when, and waking up for them.

mod backoff;
pub mod bounds;
mod driver;
pub mod kinds;
mod reads;

use std::sync::Arc;
use std::time::Duration;

use syncro_store::config::Config;
use syncro_store::outbox::{Change, OutboxItem, State};
use syncro_store::time;
use syncro_store::StoreError;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::client::Client;
use crate::db::{Db, DbError};
use kinds::Snapshot;

pub use driver::MAX_UNKNOWN_SENDS;
pub use kinds::MAX_REQUESTS;

/// Safety-net poll in case a wake-up was missed.
const POLL_INTERVAL: Duration = Duration::from_secs(30);
/// Pause before draining again when an item that can go is already due.
const DUE_AGAIN: Duration = Duration::from_millis(250);

/// How writes whose outcome is unknown are looked for (from `[outbox]`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    /// Wait after the send before the first look.
    pub grace: Duration,
    /// Looks that must all miss before a resend.
    pub probes: u32,
}

impl Policy {
    pub fn from_config(c: &Config) -> Policy {
        Policy {
            grace: c.unknown_outcome_grace(),
            probes: c.unknown_outcome_probes().max(1),
        }
    }

    /// Time between looks.
    pub fn spacing(&self) -> Duration {
        (self.grace / 2).max(Duration::from_secs(1))
    }
}

/// What one drain did.
#[derive(Debug, Default, Clone, Copy, serde::Serialize)]
pub struct DrainReport {
    pub processed: u64,
    pub done: u64,
    pub failed: u64,
    pub held: u64,
    /// Landed, but not as asked in a way that holds later steps.
    pub differs: u64,
    /// Parked: could not tell whether it landed.
    pub uncertain: u64,
    pub retrying: u64,
}

impl DrainReport {
    pub fn add(&mut self, other: &DrainReport) {
        self.processed += other.processed;
        self.done += other.done;
        self.failed += other.failed;
        self.held += other.held;
        self.differs += other.differs;
        self.uncertain += other.uncertain;
        self.retrying += other.retrying;
    }
}

#[derive(Clone)]
pub struct Outbox {
    client: Client,
    db: Db,
    policy: Policy,
    /// The API key's user, once the server said (see `bounds::api_user`).
    me: Arc<tokio::sync::OnceCell<Option<i64>>>,
}

impl Outbox {
    pub fn new(client: Client, db: Db, policy: Policy) -> Outbox {
        Outbox {
            client,
            db,
            policy,
            me: Arc::new(tokio::sync::OnceCell::new()),
        }
    }

    /// Works every item that is ready until none is. Items waiting out a
    /// backoff or a grace are left for later.
    pub async fn drain(&self, shutdown: &CancellationToken) -> Result<DrainReport, DbError> {
        let mut report = DrainReport::default();
        loop {
            self.hold_blocked().await?;
            let now = time::now();
            let ready = self.db.call(move |s| s.outbox_ready(&now)).await?;
            if ready.is_empty() || shutdown.is_cancelled() {
                return Ok(report);
            }
            for item in ready {
                if shutdown.is_cancelled() {
                    return Ok(report);
                }
                let id = item.id;
                match self.process(item).await {
                    // A technician cancelled or released it meanwhile
                    // (`--force`): their move stands, nothing to undo.
                    Err(DbError::Store(StoreError::WrongState { actual, .. })) => {
                        tracing::info!(item = id, state = %actual, "moved by a technician while in flight");
                    }
                    other => other?,
                }
                report.processed += 1;
                match self
                    .db
                    .call(move |s| s.outbox_item(id))
                    .await?
                    .map(|i| i.state)
                {
                    Some(State::Done) => report.done += 1,
                    Some(State::Failed) => report.failed += 1,
                    Some(State::Held) => report.held += 1,
                    Some(State::Differs) => report.differs += 1,
                    Some(State::Uncertain) => report.uncertain += 1,
                    _ => report.retrying += 1,
                }
            }
        }
    }

    /// Drains whenever woken (the CLI touched the wake file), when a
    /// backoff or grace expires, or on the slow safety-net poll, until
    /// shutdown.
    pub async fn run(self, wake: Arc<Notify>, shutdown: CancellationToken) {
        loop {
            if let Err(e) = self.drain(&shutdown).await {
                tracing::error!(error = %e, "outbox drain failed");
            }
            let wait = match self.db.call(|s| s.outbox_next_due()).await {
                // Due already (it became due while draining): go again soon.
                Ok(Some(due)) => time::parse(&due)
                    .and_then(|t| (t - chrono::Utc::now()).to_std().ok())
                    .unwrap_or(DUE_AGAIN)
                    .min(POLL_INTERVAL),
                _ => POLL_INTERVAL,
            };
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.cancelled() => return,
            }
        }
    }

    /// Holds queued items whose dependency failed, was cancelled, is held,
    /// differs or is uncertain: later steps of a group wait for a human.
    async fn hold_blocked(&self) -> Result<(), DbError> {
        let blocked = self.db.call(|s| s.outbox_blocked()).await?;
        for (item, dep) in blocked {
            let reason = format!(
                "waiting: step #{} ({}) is {}{}",
                dep.id,
                dep.command.describe(),
                dep.state,
                dep.last_error
                    .as_deref()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default()
            );
            tracing::warn!(item = item.id, %reason, "holding outbox item");
            self.set_state(
                item.id,
                &[State::Queued],
                State::Held,
                Change {
                    last_error: Some(Some(reason)),
                    ..Change::default()
                },
            )
            .await?;
        }
        Ok(())
    }

    async fn set_state(
        &self,
        id: i64,
        from: &'static [State],
        to: State,
        change: Change,
    ) -> Result<OutboxItem, DbError> {
        self.db
            .call(move |s| s.outbox_transition(id, from, to, change))
            .await
    }

    /// Fills in the ticket of an item queued against a ticket that was
    /// itself created offline, from the create's result.
    async fn resolve_ticket(&self, item: OutboxItem) -> Result<Option<OutboxItem>, DbError> {
        if item.ticket_id.is_some() || item.command.creates_ticket() {
            return Ok(Some(item));
        }
        let mut dep = item.depends_on;
        while let Some(id) = dep {
            let Some(d) = self.db.call(move |s| s.outbox_item(id)).await? else {
                break;
            };
            let from_result = d.result.ticket_id.zip(d.result.number);
            let found = match (d.ticket_id, d.ticket_number) {
                (Some(t), Some(n)) => Some((t, n)),
                _ if d.command.creates_ticket() => from_result,
                _ => None,
            };
            if let Some((t, n)) = found {
                let id = item.id;
                self.db.call(move |s| s.outbox_set_ticket(id, t, n)).await?;
                return self.db.call(move |s| s.outbox_item(id)).await;
            }
            dep = d.depends_on;
        }
        self.set_state(
            item.id,
            &State::ACTIVE,
            State::Held,
            Change {
                last_error: Some(Some(
                    "cannot tell which ticket this is for: the ticket it depends on was not created"
                        .into(),
                )),
                ..Change::default()
            },
        )
        .await?;
        Ok(None)
    }

    /// A field update against a ticket someone else changed since the user
    /// queued it is held, not applied blindly. Our own earlier writes to
    /// the ticket (their `updated_at` is recorded) are not someone else's.
    async fn conflict(
        &self,
        item: &OutboxItem,
        snap: &Snapshot,
    ) -> Result<Option<String>, DbError> {
        if !item.command.can_conflict() {
            return Ok(None);
        }
        let (Some(base), Some(t), Some(tid)) = (
            &item.base_updated_at,
            snap.ticket(item.ticket_id),
            item.ticket_id,
        ) else {
            return Ok(None);
        };
        let Some(server) = t.ticket.updated_at.clone() else {
            return Ok(None);
        };
        let own = self.db.call(move |s| s.outbox_own_last_update(tid)).await?;
        let seen = match own {
            Some(o) if o > *base => o,
            _ => base.clone(),
        };
        Ok((server > seen).then(|| {
            format!(
                "ticket #{} changed on the server at {server} after you queued this (you saw {base}; it is now {}): \
                 `syncro outbox release {}` to apply anyway, or `syncro outbox cancel {}`",
                t.ticket.number, t.ticket.status, item.id, item.id
            )
        }))
    }
}
