//! The outbox drainer: sends queued writes, each exactly once, and reads
//! every one back to prove it landed as asked.
//!
//! Each step is committed to the store before the network is touched:
//! `sending` (with the attempt counted and the "before" baseline saved)
//! before the request, `verifying` (with the new record's id) before the
//! read-back. An item found in `sending` after a crash, or retried after an
//! unknown outcome, is first looked for on the server; it is sent again only
//! if it is not there.

mod check;
mod request;

use std::sync::Arc;
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use serde_json::{json, Value};
use syncro_store::model::{
    list_items, single, Invoice, InvoiceWithLines, Ticket, TicketWithChildren,
};
use syncro_store::outbox::{Change, Command, OutboxItem, State};
use syncro_store::time;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::client::{ApiError, Client};
use crate::db::{Db, DbError};
use crate::limiter::Priority;
use check::ExpectedLine;

/// Longest wait between tries of one item (also while offline).
const MAX_BACKOFF: Duration = Duration::from_secs(120);
/// Safety-net poll in case a wake-up was missed.
const POLL_INTERVAL: Duration = Duration::from_secs(30);

/// What one drain did.
#[derive(Debug, Default, Clone, Copy, serde::Serialize)]
pub struct DrainReport {
    pub processed: u64,
    pub done: u64,
    pub failed: u64,
    pub held: u64,
    pub retrying: u64,
}

#[derive(Clone)]
pub struct Outbox {
    client: Client,
    db: Db,
}

/// What the server looked like just before an attempt.
#[derive(Default)]
struct Context {
    ticket: Option<TicketWithChildren>,
    /// For a ticket create: the customer's tickets (newest first).
    customer_tickets: Vec<Ticket>,
    /// For an invoice create: the ticket's invoices.
    invoices: Vec<Invoice>,
}

/// Result of a read-back.
enum Verdict {
    /// Landed as asked; extra facts for the item's result.
    Landed {
        remote_id: Option<i64>,
        result: Value,
    },
    /// Landed differently (or not at all): the message says what differs.
    Differs(String),
}

fn delay_for(attempts: i64) -> Duration {
    ExponentialBuilder::default()
        .with_jitter()
        .with_min_delay(Duration::from_secs(1))
        .with_max_delay(MAX_BACKOFF)
        .without_max_times()
        .build()
        .nth(attempts.clamp(0, 30) as usize)
        .unwrap_or(MAX_BACKOFF)
}

fn later(d: Duration) -> String {
    time::format(chrono::Utc::now() + chrono::Duration::milliseconds(d.as_millis() as i64))
}

fn max_id(ids: impl Iterator<Item = i64>) -> i64 {
    ids.max().unwrap_or(0)
}

fn merge(base: Option<&Value>, extra: Value) -> Value {
    let mut out = base
        .cloned()
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    if let (Some(o), Value::Object(e)) = (out.as_object_mut(), extra) {
        o.extend(e);
    }
    out
}

impl Outbox {
    pub fn new(client: Client, db: Db) -> Outbox {
        Outbox { client, db }
    }

    /// Works every item that is ready until none is. Items waiting out a
    /// backoff are left for later.
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
                self.process(item).await?;
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
                    _ => report.retrying += 1,
                }
            }
        }
    }

    /// Drains whenever woken (the CLI touched the wake file), when a
    /// backoff expires, or on the slow safety-net poll, until shutdown.
    pub async fn run(self, wake: Arc<Notify>, shutdown: CancellationToken) {
        loop {
            if let Err(e) = self.drain(&shutdown).await {
                tracing::error!(error = %e, "outbox drain failed");
            }
            let wait = match self.db.call(|s| s.outbox_next_due()).await {
                Ok(Some(due)) => time::parse(&due)
                    .map(|t| {
                        (t - chrono::Utc::now())
                            .to_std()
                            .unwrap_or(Duration::from_millis(50))
                    })
                    .unwrap_or(POLL_INTERVAL)
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

    /// Holds queued items whose dependency failed, was cancelled or is
    /// held: later steps of a group wait for a human.
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

    async fn process(&self, item: OutboxItem) -> Result<(), DbError> {
        let Some(item) = self.resolve_ticket(item).await? else {
            return Ok(());
        };
        match item.state {
            State::Verifying => self.verify(item).await,
            State::Queued | State::Sending => self.attempt(item).await,
            _ => Ok(()),
        }
    }

    /// Fills in the ticket of an item queued against a ticket that was
    /// itself created offline, from the create's result.
    async fn resolve_ticket(&self, item: OutboxItem) -> Result<Option<OutboxItem>, DbError> {
        if item.ticket_id.is_some() || matches!(item.command, Command::CreateTicket { .. }) {
            return Ok(Some(item));
        }
        let mut dep = item.depends_on;
        while let Some(id) = dep {
            let Some(d) = self.db.call(move |s| s.outbox_item(id)).await? else {
                break;
            };
            let from_result = d
                .result
                .as_ref()
                .and_then(|r| Some((r.get("ticket_id")?.as_i64()?, r.get("number")?.as_i64()?)));
            let found = match (&d.command, d.ticket_id, d.ticket_number) {
                (_, Some(t), Some(n)) => Some((t, n)),
                (Command::CreateTicket { .. }, _, _) => from_result,
                _ => None,
            };
            if let Some((t, n)) = found {
                let id = item.id;
                self.db.call(move |s| s.outbox_set_ticket(id, t, n)).await?;
                return self.db.call(move |s| s.outbox_item(id)).await;
            }
            dep = d.depends_on;
        }
        self.set_state(item.id, &[State::Queued, State::Sending, State::Verifying], State::Held, Change {
            last_error: Some(Some("cannot tell which ticket this is for: the ticket it depends on was not created".into())),
            ..Change::default()
        })
        .await?;
        Ok(None)
    }

    async fn attempt(&self, item: OutboxItem) -> Result<(), DbError> {
        let ctx = match self.read_context(&item).await {
            Ok(c) => c,
            Err(e) => return self.after_error(&item, e).await,
        };
        if item.attempts > 0 || item.state == State::Sending {
            if let Some(found) = self.probe(&item, &ctx).await? {
                tracing::info!(item = item.id, remote = ?found, "an earlier attempt landed; verifying instead of resending");
                let item = self
                    .set_state(
                        item.id,
                        &[State::Queued, State::Sending],
                        State::Verifying,
                        Change {
                            remote_id: found,
                            ..Change::default()
                        },
                    )
                    .await?;
                return self.verify(item).await;
            }
        }
        if let Some(reason) = self.conflict(&item, &ctx).await? {
            tracing::warn!(item = item.id, %reason, "holding a conflicting update");
            self.set_state(
                item.id,
                &[State::Queued, State::Sending],
                State::Held,
                Change {
                    last_error: Some(Some(reason)),
                    ..Change::default()
                },
            )
            .await?;
            return Ok(());
        }
        let baseline = match baseline(&item, &ctx) {
            Ok(b) => b,
            Err(reason) => {
                self.set_state(
                    item.id,
                    &[State::Queued, State::Sending],
                    State::Failed,
                    Change {
                        last_error: Some(Some(reason)),
                        ..Change::default()
                    },
                )
                .await?;
                return Ok(());
            }
        };
        let customer_id = ctx.ticket.as_ref().and_then(|t| t.ticket.customer_id);
        let item = self
            .set_state(
                item.id,
                &[State::Queued, State::Sending],
                State::Sending,
                Change {
                    bump_attempts: true,
                    result: item.result.is_none().then_some(baseline),
                    ..Change::default()
                },
            )
            .await?;
        let (method, path, body) = request::build(&item.command, item.ticket_id, customer_id);
        tracing::debug!(item = item.id, kind = %item.kind, %path, "sending");
        match self.client.send(method, &path, Some(&body)).await {
            Ok(resp) => {
                let remote_id = request::created_id(&item.command, &resp);
                let item = self
                    .set_state(
                        item.id,
                        &[State::Sending],
                        State::Verifying,
                        Change {
                            remote_id,
                            ..Change::default()
                        },
                    )
                    .await?;
                self.verify(item).await
            }
            Err(ApiError::NotFound(_))
                if matches!(
                    item.command,
                    Command::RemoveLineItem { .. } | Command::DeleteTimer { .. }
                ) =>
            {
                // Already gone: the read-back confirms it.
                let item = self
                    .set_state(
                        item.id,
                        &[State::Sending],
                        State::Verifying,
                        Change::default(),
                    )
                    .await?;
                self.verify(item).await
            }
            Err(e) => self.after_error(&item, e).await,
        }
    }

    /// Puts an item back to wait (retryable) or fails it (permanent).
    async fn after_error(&self, item: &OutboxItem, e: ApiError) -> Result<(), DbError> {
        let active: &'static [State] = &[State::Queued, State::Sending, State::Verifying];
        match &e {
            ApiError::Rejected { status, message } => {
                tracing::warn!(item = item.id, status, %message, "write rejected by the server");
                self.set_state(
                    item.id,
                    active,
                    State::Failed,
                    Change {
                        last_error: Some(Some(format!("rejected by Syncro ({status}): {message}"))),
                        ..Change::default()
                    },
                )
                .await?;
            }
            ApiError::NotFound(path) => {
                self.set_state(
                    item.id,
                    active,
                    State::Failed,
                    Change {
                        last_error: Some(Some(format!(
                            "not found on the server ({path}): the ticket or record was deleted"
                        ))),
                        ..Change::default()
                    },
                )
                .await?;
            }
            _ => {
                let wait = if matches!(e, ApiError::Unauthorized) {
                    MAX_BACKOFF
                } else {
                    delay_for(item.attempts)
                };
                tracing::info!(item = item.id, error = %e, retry_in_s = wait.as_secs(), "outbox item will be retried");
                // A verify that failed stays verifying (the write landed);
                // anything else goes back to the queue. Either way the
                // attempt is counted, so the next try looks before sending.
                let to = if item.state == State::Verifying {
                    State::Verifying
                } else {
                    State::Queued
                };
                self.set_state(
                    item.id,
                    active,
                    to,
                    Change {
                        bump_attempts: item.state == State::Queued,
                        last_error: Some(Some(e.to_string())),
                        next_attempt_at: Some(Some(later(wait))),
                        ..Change::default()
                    },
                )
                .await?;
            }
        }
        Ok(())
    }

    /// Reads what the attempt needs to know about the server first; the
    /// ticket detail also refreshes the cache.
    async fn read_context(&self, item: &OutboxItem) -> Result<Context, ApiError> {
        let mut ctx = Context::default();
        if let Command::CreateTicket { customer_id, .. } = &item.command {
            let body = self
                .client
                .get(
                    "/tickets",
                    &[
                        ("customer_id", customer_id.to_string()),
                        ("per_page", "100".into()),
                    ],
                    Priority::Write,
                )
                .await?;
            let (items, _) =
                list_items(&body, "tickets").map_err(|e| ApiError::BadResponse(e.to_string()))?;
            ctx.customer_tickets = items
                .iter()
                .filter_map(|t| Ticket::from_json(t).ok())
                .collect();
            return Ok(ctx);
        }
        let Some(tid) = item.ticket_id else {
            return Ok(ctx);
        };
        ctx.ticket = Some(self.fetch_ticket(tid).await?);
        if matches!(item.command, Command::CreateInvoice {}) {
            ctx.invoices = self.fetch_ticket_invoices(tid).await?;
        }
        Ok(ctx)
    }

    async fn fetch_ticket(&self, id: i64) -> Result<TicketWithChildren, ApiError> {
        let body = self
            .client
            .get(&format!("/tickets/{id}"), &[], Priority::Write)
            .await?;
        let detail = TicketWithChildren::from_json(single(&body, "ticket"))
            .map_err(|e| ApiError::BadResponse(format!("ticket {id}: {e}")))?;
        let copy = detail.clone();
        if let Err(e) = self.db.call(move |s| s.upsert_ticket_detail(&copy)).await {
            tracing::warn!(error = %e, "could not refresh the cached ticket");
        }
        Ok(detail)
    }

    async fn fetch_ticket_invoices(&self, ticket_id: i64) -> Result<Vec<Invoice>, ApiError> {
        let body = self
            .client
            .get(
                "/invoices",
                &[("ticket_id", ticket_id.to_string())],
                Priority::Write,
            )
            .await?;
        let (items, _) =
            list_items(&body, "invoices").map_err(|e| ApiError::BadResponse(e.to_string()))?;
        Ok(items
            .iter()
            .filter_map(|i| Invoice::from_json(i).ok())
            .collect())
    }

    /// Looks for an earlier attempt's effect. `Some(remote id)` (possibly
    /// `Some(None)` for effects without an id) means "do not send again".
    async fn probe(
        &self,
        item: &OutboxItem,
        ctx: &Context,
    ) -> Result<Option<Option<i64>>, DbError> {
        let after = item
            .result
            .as_ref()
            .and_then(|r| r.get("before_max_id"))
            .and_then(Value::as_i64);
        let Some(after) = after else {
            // No baseline was saved, so no request went out.
            return Ok(None);
        };
        let (kind, id) = (item.kind.clone(), item.id);
        let claimed = self
            .db
            .call(move |s| s.outbox_claimed_ids(&kind, id))
            .await?;
        let ticket = ctx.ticket.as_ref();
        Ok(match &item.command {
            Command::AddComment {
                subject,
                body,
                hidden,
                ..
            } => ticket
                .and_then(|t| {
                    check::find_comment(&t.comments, subject, body, *hidden, after, &claimed)
                })
                .map(|c| Some(c.id)),
            Command::CreateTicket { subject, .. } => ctx
                .customer_tickets
                .iter()
                .find(|t| t.id > after && !claimed.contains(&t.id) && t.subject == *subject)
                .map(|t| Some(t.id)),
            Command::AddLineItem {
                name,
                quantity,
                product_id,
                ..
            } => ticket
                .and_then(|t| {
                    check::find_line_item(
                        &t.line_items,
                        name,
                        *quantity,
                        *product_id,
                        after,
                        &claimed,
                    )
                })
                .map(|l| Some(l.id)),
            Command::AddTimer { start_at, .. } => ticket
                .and_then(|t| check::find_timer(&t.timers, start_at, after, &claimed))
                .map(|t| Some(t.id)),
            Command::CreateInvoice {} => ctx
                .invoices
                .iter()
                .find(|i| i.id > after && !claimed.contains(&i.id))
                .map(|i| Some(i.id)),
            Command::ChargeTimer { timer_id } => ticket
                .and_then(|t| t.timers.iter().find(|x| x.id == *timer_id))
                .filter(|t| t.recorded)
                .map(|t| t.ticket_line_item_id),
            Command::RemoveLineItem { line_item_id } => ticket
                .filter(|t| !t.line_items.iter().any(|l| l.id == *line_item_id))
                .map(|_| None),
            Command::DeleteTimer { timer_id } => ticket
                .filter(|t| !t.timers.iter().any(|x| x.id == *timer_id))
                .map(|_| None),
            // Updates set absolute values: sending one twice is harmless.
            Command::UpdateTicket { .. }
            | Command::UpdateLineItem { .. }
            | Command::UpdateTimer { .. } => None,
        })
    }

    /// A field update against a ticket someone else changed since the user
    /// queued it is held, not applied blindly.
    async fn conflict(&self, item: &OutboxItem, ctx: &Context) -> Result<Option<String>, DbError> {
        if !item.command.can_conflict() {
            return Ok(None);
        }
        let (Some(base), Some(t), Some(tid)) = (&item.base_updated_at, &ctx.ticket, item.ticket_id)
        else {
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

    /// Reads the effect back and compares it with what was asked.
    async fn verify(&self, item: OutboxItem) -> Result<(), DbError> {
        match self.read_back(&item).await {
            Ok(Verdict::Landed { remote_id, result }) => {
                let ticket = match (
                    &item.command,
                    remote_id,
                    result.get("number").and_then(Value::as_i64),
                ) {
                    (Command::CreateTicket { .. }, Some(id), Some(n)) => Some((id, n)),
                    _ => None,
                };
                self.set_state(
                    item.id,
                    &[State::Verifying],
                    State::Done,
                    Change {
                        remote_id: remote_id.or(item.remote_id),
                        result: Some(merge(item.result.as_ref(), result)),
                        last_error: Some(None),
                        ticket,
                        ..Change::default()
                    },
                )
                .await?;
                if let Some((tid, number)) = ticket {
                    let id = item.id;
                    self.db
                        .call(move |s| s.outbox_resolve_created_ticket(id, tid, number))
                        .await?;
                }
                tracing::info!(item = item.id, kind = %item.kind, "outbox item landed and verified");
            }
            Ok(Verdict::Differs(reason)) => {
                tracing::warn!(item = item.id, %reason, "outbox item failed verification");
                self.set_state(
                    item.id,
                    &[State::Verifying],
                    State::Failed,
                    Change {
                        last_error: Some(Some(format!("verification failed: {reason}"))),
                        ..Change::default()
                    },
                )
                .await?;
            }
            Err(e) => self.after_error(&item, e).await?,
        }
        Ok(())
    }

    async fn read_back(&self, item: &OutboxItem) -> Result<Verdict, ApiError> {
        let after = item
            .result
            .as_ref()
            .and_then(|r| r.get("before_max_id"))
            .and_then(Value::as_i64)
            .unwrap_or(0);
        if let Command::CreateTicket {
            subject,
            customer_id,
            ..
        } = &item.command
        {
            let id = match item.remote_id {
                Some(id) => id,
                None => {
                    let ctx = self.read_context(item).await?;
                    match ctx
                        .customer_tickets
                        .iter()
                        .find(|t| t.id > after && t.subject == *subject)
                    {
                        Some(t) => t.id,
                        None => {
                            return Ok(Verdict::Differs(
                                "the created ticket is not on the server".into(),
                            ))
                        }
                    }
                }
            };
            let d = self.fetch_ticket(id).await?;
            let mut diff = Vec::new();
            if d.ticket.subject != *subject {
                diff.push(format!("subject is {:?}", d.ticket.subject));
            }
            if d.ticket.customer_id != Some(*customer_id) {
                diff.push(format!(
                    "customer is {:?}, expected {customer_id}",
                    d.ticket.customer_id
                ));
            }
            return Ok(if diff.is_empty() {
                Verdict::Landed {
                    remote_id: Some(id),
                    result: json!({"ticket_id": id, "number": d.ticket.number,
                                   "ticket_updated_at": d.ticket.updated_at}),
                }
            } else {
                Verdict::Differs(diff.join("; "))
            });
        }
        let tid = item.ticket_id.unwrap_or_default();
        if let Command::CreateInvoice {} = &item.command {
            let id = match item.remote_id {
                Some(id) => id,
                None => match self
                    .fetch_ticket_invoices(tid)
                    .await?
                    .iter()
                    .find(|i| i.id > after)
                {
                    Some(i) => i.id,
                    None => return Ok(Verdict::Differs("the invoice is not on the server".into())),
                },
            };
            let body = self
                .client
                .get(&format!("/invoices/{id}"), &[], Priority::Write)
                .await?;
            let inv = InvoiceWithLines::from_json(single(&body, "invoice"))
                .map_err(|e| ApiError::BadResponse(format!("invoice {id}: {e}")))?;
            let copy = inv.clone();
            if let Err(e) = self.db.call(move |s| s.upsert_invoice_detail(&copy)).await {
                tracing::warn!(error = %e, "could not cache the invoice");
            }
            let expected: Vec<ExpectedLine> = item
                .result
                .as_ref()
                .and_then(|r| r.get("expected_lines"))
                .and_then(|v| serde_json::from_value(v.clone()).ok())
                .unwrap_or_default();
            let missing = check::missing_invoice_lines(&expected, &inv.lines);
            if !missing.is_empty() {
                return Ok(Verdict::Differs(format!(
                    "invoice {} lacks {} of the ticket's line items: {}",
                    inv.invoice.number,
                    missing.len(),
                    missing
                        .iter()
                        .map(check::describe_line)
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            // The ticket's lines are now invoiced; refresh it.
            let t = self.fetch_ticket(tid).await?;
            return Ok(Verdict::Landed {
                remote_id: Some(id),
                result: json!({"invoice_id": id, "invoice_number": inv.invoice.number,
                               "ticket_updated_at": t.ticket.updated_at}),
            });
        }

        let d = self.fetch_ticket(tid).await?;
        let updated = json!({"ticket_updated_at": d.ticket.updated_at});
        let landed = |remote_id: Option<i64>| Verdict::Landed {
            remote_id,
            result: updated.clone(),
        };
        // Landed as asked when nothing differs; otherwise say what does.
        let judge = |what: &str, id: i64, diff: Vec<String>| {
            if diff.is_empty() {
                landed(Some(id))
            } else {
                Verdict::Differs(format!("{what} {id}: {}", diff.join("; ")))
            }
        };
        let claimed = {
            let (kind, id) = (item.kind.clone(), item.id);
            self.db
                .call(move |s| s.outbox_claimed_ids(&kind, id))
                .await
                .unwrap_or_default()
        };
        Ok(match &item.command {
            Command::AddComment {
                subject,
                body,
                hidden,
                ..
            } => {
                let found = match item.remote_id {
                    Some(id) => d.comments.iter().find(|c| c.id == id),
                    None => {
                        check::find_comment(&d.comments, subject, body, *hidden, after, &claimed)
                    }
                };
                match found {
                    None => Verdict::Differs("the comment is not on the ticket".into()),
                    Some(c) => {
                        let mut diff = Vec::new();
                        if c.subject.as_deref().unwrap_or("").trim() != subject.trim() {
                            diff.push(format!(
                                "subject is {:?}",
                                c.subject.as_deref().unwrap_or("")
                            ));
                        }
                        if c.body.trim() != body.trim() {
                            diff.push("body differs".to_string());
                        }
                        if c.hidden != *hidden {
                            diff.push(format!("hidden is {}, expected {hidden}", c.hidden));
                        }
                        judge("comment", c.id, diff)
                    }
                }
            }
            Command::UpdateTicket { fields } => {
                let diff = check::ticket_fields_differ(&d.ticket, fields);
                if diff.is_empty() {
                    landed(Some(tid))
                } else {
                    Verdict::Differs(diff.join("; "))
                }
            }
            Command::AddLineItem {
                name,
                quantity,
                product_id,
                ..
            } => {
                let found = match item.remote_id {
                    Some(id) => d.line_items.iter().find(|l| l.id == id),
                    None => check::find_line_item(
                        &d.line_items,
                        name,
                        *quantity,
                        *product_id,
                        after,
                        &claimed,
                    ),
                };
                match found {
                    None => Verdict::Differs("the line item is not on the ticket".into()),
                    Some(l) => judge(
                        "line item",
                        l.id,
                        check::line_item_differs(l, &item.command),
                    ),
                }
            }
            Command::UpdateLineItem { line_item_id, .. } => {
                match d.line_items.iter().find(|l| l.id == *line_item_id) {
                    None => {
                        Verdict::Differs(format!("line item {line_item_id} is not on the ticket"))
                    }
                    Some(l) => judge(
                        "line item",
                        l.id,
                        check::line_item_differs(l, &item.command),
                    ),
                }
            }
            Command::RemoveLineItem { line_item_id } => {
                if d.line_items.iter().any(|l| l.id == *line_item_id) {
                    Verdict::Differs(format!("line item {line_item_id} is still on the ticket"))
                } else {
                    landed(None)
                }
            }
            Command::AddTimer { start_at, .. } => {
                let found = match item.remote_id {
                    Some(id) => d.timers.iter().find(|t| t.id == id),
                    None => check::find_timer(&d.timers, start_at, after, &claimed),
                };
                match found {
                    None => Verdict::Differs("the timer is not on the ticket".into()),
                    Some(t) => judge("timer", t.id, check::timer_differs(t, &item.command)),
                }
            }
            Command::UpdateTimer { timer_id, .. } => {
                match d.timers.iter().find(|t| t.id == *timer_id) {
                    None => Verdict::Differs(format!("timer {timer_id} is not on the ticket")),
                    Some(t) => judge("timer", t.id, check::timer_differs(t, &item.command)),
                }
            }
            Command::DeleteTimer { timer_id } => {
                if d.timers.iter().any(|t| t.id == *timer_id) {
                    Verdict::Differs(format!("timer {timer_id} is still on the ticket"))
                } else {
                    landed(None)
                }
            }
            Command::ChargeTimer { timer_id } => {
                match d.timers.iter().find(|t| t.id == *timer_id) {
                    None => Verdict::Differs(format!("timer {timer_id} is not on the ticket")),
                    Some(t) if !t.recorded => {
                        Verdict::Differs(format!("timer {timer_id} is not charged"))
                    }
                    Some(t) => match t.ticket_line_item_id {
                        Some(l) if d.line_items.iter().any(|x| x.id == l) => landed(Some(l)),
                        Some(l) => Verdict::Differs(format!(
                            "timer {timer_id} links line item {l}, which is not on the ticket"
                        )),
                        None => Verdict::Differs(format!(
                            "timer {timer_id} is charged but has no line item"
                        )),
                    },
                }
            }
            Command::CreateTicket { .. } | Command::CreateInvoice {} => landed(item.remote_id),
        })
    }
}

/// What must be remembered before the first send: the newest id of the
/// records this command would add (so a later look for "did it land?"
/// only considers newer ones), and for an invoice the lines it must hold.
fn baseline(item: &OutboxItem, ctx: &Context) -> Result<Value, String> {
    let t = ctx.ticket.as_ref();
    let before = match &item.command {
        Command::AddComment { .. } => t.map(|t| max_id(t.comments.iter().map(|c| c.id))),
        Command::AddLineItem { .. } => t.map(|t| max_id(t.line_items.iter().map(|l| l.id))),
        Command::AddTimer { .. } => t.map(|t| max_id(t.timers.iter().map(|x| x.id))),
        Command::CreateTicket { .. } => Some(max_id(ctx.customer_tickets.iter().map(|t| t.id))),
        Command::CreateInvoice {} => Some(max_id(ctx.invoices.iter().map(|i| i.id))),
        _ => Some(0),
    }
    .unwrap_or(0);
    let mut out = json!({"before_max_id": before});
    match (&item.command, t) {
        (Command::CreateInvoice {}, Some(t)) => {
            let lines: Vec<ExpectedLine> = t
                .line_items
                .iter()
                .filter(|l| !l.converted)
                .map(|l| ExpectedLine {
                    product_id: l.product_id,
                    name: l.name.clone(),
                    quantity: l.quantity,
                    price_cents: l.retail_cents,
                })
                .collect();
            if lines.is_empty() {
                return Err(format!(
                    "ticket #{} has no uninvoiced line items: nothing to invoice",
                    t.ticket.number
                ));
            }
            out["expected_lines"] = serde_json::to_value(lines).unwrap_or_default();
        }
        (Command::RemoveLineItem { line_item_id }, Some(t))
            if !t.line_items.iter().any(|l| l.id == *line_item_id) =>
        {
            return Err(format!(
                "line item {line_item_id} is not on ticket #{}",
                t.ticket.number
            ));
        }
        (Command::UpdateLineItem { line_item_id, .. }, Some(t))
            if !t.line_items.iter().any(|l| l.id == *line_item_id) =>
        {
            return Err(format!(
                "line item {line_item_id} is not on ticket #{}",
                t.ticket.number
            ));
        }
        (
            Command::DeleteTimer { timer_id }
            | Command::ChargeTimer { timer_id }
            | Command::UpdateTimer { timer_id, .. },
            Some(t),
        ) if !t.timers.iter().any(|x| x.id == *timer_id) => {
            return Err(format!(
                "timer {timer_id} is not on ticket #{}",
                t.ticket.number
            ));
        }
        _ => {}
    }
    Ok(out)
}
