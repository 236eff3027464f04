//! What a technician can do to an item (`syncro outbox cancel|release|retry`,
//! `syncro undo`, and the same MCP tools). Each action is allowed only
//! where it cannot make a write land twice or vanish unseen; where the
//! write may already be on the server, it needs `force`, and the refusal
//! says so.

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;

use super::{transition, Change, ItemResult, OutboxItem, State, COLUMNS};
use crate::error::{StoreError, StoreResult};
use crate::{time, Store};

impl Store {
    /// User action: stop an item. One that never reached the server
    /// (queued, held, failed) just stops. One that may already be on the
    /// server (sending, probing, verifying, uncertain) stops only with
    /// `force`: the technician has looked in the web UI, and knows a
    /// cancelled write that did land stays there. A landed one (`differs`)
    /// cannot be unsent: release it.
    pub fn outbox_cancel(&mut self, id: i64, force: bool) -> StoreResult<OutboxItem> {
        self.write_durable(|tx| {
            let before = item_in(tx, id)?;
            if before.may_have_landed() && !force {
                return Err(StoreError::MayHaveLanded {
                    id,
                    state: before.state.to_string(),
                });
            }
            let note = before.may_have_landed().then(|| {
                "cancelled with --force: it may be on the server; nothing more is sent".to_string()
            });
            let from = [
                State::Queued,
                State::Held,
                State::Failed,
                State::Uncertain,
                State::Sending,
                State::Probing,
                State::Verifying,
            ];
            let change = Change {
                last_error: note.map(Some),
                next_attempt_at: Some(None),
                ..Change::default()
            };
            transition(tx, id, &from, State::Cancelled, &change)
        })
    }

    /// User action (`syncro undo`): takes back the most recent write that
    /// has not been sent yet. A group (`bill`) is one write: its steps not
    /// sent yet are all cancelled. Returns the cancelled items, newest
    /// write's first step first; `None` when nothing is waiting unsent.
    pub fn outbox_undo(&mut self) -> StoreResult<Option<Vec<OutboxItem>>> {
        self.write_durable(|tx| {
            let newest: Option<(i64, Option<String>)> = tx
                .query_row(
                    "SELECT id, group_id FROM outbox WHERE state = 'queued' AND attempts = 0
                     ORDER BY id DESC LIMIT 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let Some((id, group)) = newest else {
                return Ok(None);
            };
            let ids: Vec<i64> = match &group {
                Some(g) => tx
                    .prepare(
                        "SELECT id FROM outbox WHERE group_id = ?1 AND attempts = 0
                           AND state IN ('queued', 'held') ORDER BY id",
                    )?
                    .query_map([g], |r| r.get(0))?
                    .collect::<Result<_, _>>()?,
                None => vec![id],
            };
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                out.push(transition(
                    tx,
                    id,
                    &[State::Queued, State::Held],
                    State::Cancelled,
                    &Change {
                        last_error: Some(Some("taken back with `syncro undo`".into())),
                        ..Change::default()
                    },
                )?);
            }
            Ok(Some(out))
        })
    }

    /// User action: let an item go ahead despite what stopped it.
    ///
    /// - held: queued without the conflict check that held it;
    /// - differs: accepted as it landed (done);
    /// - queued (waiting out a backoff): goes now;
    /// - uncertain, probing, sending (it may be on the server): sent again,
    ///   only with `force`, because the technician checked it is not there;
    /// - verifying (the server has it, the read-back cannot finish):
    ///   accepted without it (done), only with `force`.
    ///
    /// Steps held behind it may go too. The request count starts again.
    pub fn outbox_release(&mut self, id: i64, force: bool) -> StoreResult<(OutboxItem, State)> {
        let out = self.write_durable(|tx| {
            let before = item_in(tx, id)?;
            if before.may_have_landed() && !force {
                return Err(StoreError::MayHaveLanded {
                    id,
                    state: before.state.to_string(),
                });
            }
            let fresh = Change {
                next_attempt_at: Some(None),
                reset_requests: true,
                ..Change::default()
            };
            let (to, change) = match before.state {
                State::Differs => (State::Done, Change::default()),
                State::Verifying => (
                    State::Done,
                    Change {
                        last_error: Some(Some(
                            "accepted with `release --force` without a read-back".into(),
                        )),
                        ..fresh
                    },
                ),
                State::Uncertain | State::Probing | State::Sending => {
                    let result = ItemResult {
                        sent_at: None,
                        probes: 0,
                        ..before.result.clone()
                    };
                    (
                        State::Queued,
                        Change {
                            result: Some(result),
                            last_error: Some(None),
                            ..fresh
                        },
                    )
                }
                _ => (
                    State::Queued,
                    Change {
                        clear_base: true,
                        ..fresh
                    },
                ),
            };
            let from = [
                State::Held,
                State::Differs,
                State::Uncertain,
                State::Queued,
                State::Probing,
                State::Sending,
                State::Verifying,
            ];
            let item = transition(tx, id, &from, to, &change)?;
            requeue_held_steps(tx, &item)?;
            Ok((item, before.state))
        })?;
        self.wake_daemon();
        Ok(out)
    }

    /// Holds every queued write on a ticket (but `except`) with `reason`:
    /// the ticket is gone from Syncro (deleted or merged), so sending them
    /// would only collect more 404s; a human decides (cancel, or release
    /// if the ticket comes back).
    pub fn outbox_hold_ticket(
        &mut self,
        ticket_id: i64,
        except: i64,
        reason: &str,
    ) -> StoreResult<usize> {
        self.write_durable(|tx| {
            Ok(tx.execute(
                "UPDATE outbox SET state = 'held', last_error = ?3, updated_at = ?4
                 WHERE ticket_id = ?1 AND id <> ?2 AND state = 'queued'",
                params![ticket_id, except, reason, time::now()],
            )?)
        })
    }

    /// User action: try an item that needs a human again, doing only what
    /// is safe for what is known about it (see [`RetryPlan`]).
    pub fn outbox_retry(&mut self, id: i64) -> StoreResult<(OutboxItem, RetryPlan)> {
        let out = self.write_durable(|tx| {
            let before = item_in(tx, id)?;
            let plan = RetryPlan::for_item(&before);
            let to = match plan {
                RetryPlan::Reverify => State::Verifying,
                RetryPlan::Probe => State::Probing,
                RetryPlan::Resend => State::Queued,
            };
            let result = ItemResult {
                probes: 0,
                ..before.result.clone()
            };
            let from = [State::Failed, State::Held, State::Differs, State::Uncertain];
            let item = transition(
                tx,
                id,
                &from,
                to,
                &Change {
                    next_attempt_at: Some(None),
                    result: Some(result),
                    reset_requests: true,
                    ..Change::default()
                },
            )?;
            requeue_held_steps(tx, &item)?;
            Ok((item, plan))
        })?;
        self.wake_daemon();
        Ok(out)
    }
}

/// What `syncro outbox retry` does with an item, decided by what is known
/// about whether it landed. Nothing that may have landed is ever resent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RetryPlan {
    /// It landed (the server gave it an id, or it differs): read it back
    /// again, never resend.
    Reverify,
    /// A request may have reached the server: look for it first; resend
    /// only if it is proven absent.
    Probe,
    /// It never reached the server, or the server refused it (it did not
    /// land): send it.
    Resend,
}

impl RetryPlan {
    pub fn for_item(item: &OutboxItem) -> RetryPlan {
        if item.remote_id.is_some() || item.state == State::Differs {
            RetryPlan::Reverify
        } else if item.result.sent_at.is_some() || item.state == State::Uncertain {
            RetryPlan::Probe
        } else {
            RetryPlan::Resend
        }
    }

    /// What the plan will do, for the technician.
    pub fn describe(self) -> &'static str {
        match self {
            RetryPlan::Reverify => "it landed: reading it back again (it will not be resent)",
            RetryPlan::Probe => {
                "it may have landed: looking for it on the server first; sent again only if it is not there"
            }
            RetryPlan::Resend => "it is known not to have landed: sending it",
        }
    }
}

fn item_in(tx: &Transaction<'_>, id: i64) -> StoreResult<OutboxItem> {
    tx.query_row(
        &format!("SELECT {COLUMNS} FROM outbox WHERE id = ?1"),
        [id],
        OutboxItem::from_row,
    )
    .optional()?
    .ok_or(StoreError::NoSuchItem(id))
}

/// Steps of the same group held only because `item` could not go on may
/// go again now that a human moved it.
fn requeue_held_steps(tx: &Transaction<'_>, item: &OutboxItem) -> StoreResult<()> {
    tx.execute(
        "UPDATE outbox SET state = 'queued', last_error = NULL, updated_at = ?2
         WHERE state = 'held' AND group_id IS NOT NULL AND group_id = ?1 AND id > ?3",
        params![item.group_id, time::now(), item.id],
    )?;
    Ok(())
}
