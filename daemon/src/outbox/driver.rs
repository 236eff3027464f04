//! One item's trip through the state machine. What a write *means* lives
//! in `kinds`; this file only decides, from the item's state and what the
//! server answered, which step comes next, and persists it (durably)
//! before any request that depends on it.
//!
//! The rules, in order of importance:
//! 1. **Identity first.** Once the server answered with an id the write
//!    has landed; nothing sends it again, whatever follows.
//! 2. **Unknown is not absent.** A timeout, a reset after sending, any 5xx
//!    to a write, a success with an unreadable body, or a crash mid-send
//!    leaves the outcome unknown. The item waits a grace (a slow backend
//!    may still commit after its gateway gave up), then is looked for
//!    `probes` times, spaced. Only when every look misses is it sent
//!    again; after [`MAX_UNKNOWN_SENDS`] such rounds, or when a look cannot
//!    tell, it is parked `uncertain` for a human. Idempotent writes skip
//!    the grace: sending them twice is harmless.
//! 3. **Read-back reports, it does not re-decide.** A landed write whose
//!    fields differ is `done` with the differences listed, or `differs`
//!    when a difference blocks later steps; neither is ever resent.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use syncro_store::outbox::{Change, Command, ItemResult, OutboxItem, State};
use syncro_store::time;

use super::kinds::{family, Probe, ReadBack};
use super::reads::Reader;
use super::Outbox;
use crate::client::ApiError;
use crate::db::DbError;

/// Longest wait between tries of one item (also while offline).
pub(super) const MAX_BACKOFF: Duration = Duration::from_secs(120);
/// Rounds of "sent, outcome unknown, then not found" before a human is
/// asked: a server that keeps losing answers to one write is not one to
/// keep sending it to.
pub const MAX_UNKNOWN_SENDS: u32 = 3;
/// Read-backs that miss a write the server said it applied before the item
/// is parked (a replica may lag behind the primary for a moment).
const MAX_VERIFY_MISSES: u32 = 3;

fn backoff(attempts: i64) -> Duration {
    ExponentialBuilder::default()
        .with_jitter()
        .with_min_delay(Duration::from_secs(1))
        .with_max_delay(MAX_BACKOFF)
        .without_max_times()
        .build()
        .nth(attempts.clamp(0, 30) as usize)
        .unwrap_or(MAX_BACKOFF)
}

fn at(t: chrono::DateTime<chrono::Utc>) -> String {
    time::format(t)
}

fn later(d: Duration) -> String {
    at(chrono::Utc::now() + chrono::Duration::milliseconds(d.as_millis() as i64))
}

const ACTIVE: &[State] = &State::ACTIVE;

/// How to settle an item parked as uncertain, in the technician's words.
fn settle(item: &OutboxItem) -> String {
    let where_ = item
        .ticket_number
        .map(|n| format!("ticket #{n}"))
        .unwrap_or_else(|| "the ticket".into());
    format!(
        "look at {where_} in the Syncro web UI: if it is there, `syncro outbox retry {id}` finds and verifies it; \
         if it is not, `syncro outbox release {id}` sends it; `syncro outbox cancel {id}` drops it",
        id = item.id
    )
}

impl Outbox {
    pub(super) async fn process(&self, item: OutboxItem) -> Result<(), DbError> {
        let Some(item) = self.resolve_ticket(item).await? else {
            return Ok(());
        };
        match item.state {
            State::Queued => self.send(item).await,
            // Found in `sending`: the daemon stopped mid-request. The
            // request may have reached the server.
            State::Sending => {
                self.unknown_outcome(item, "syncrod stopped while sending")
                    .await
            }
            State::Probing => self.probe(item).await,
            State::Verifying => self.verify(item).await,
            _ => Ok(()),
        }
    }

    fn reader(&self) -> Reader<'_> {
        Reader {
            client: &self.client,
            db: &self.db,
        }
    }

    async fn claimed(&self, item: &OutboxItem) -> Result<Vec<i64>, DbError> {
        let (kind, id) = (item.kind.clone(), item.id);
        self.db.call(move |s| s.outbox_claimed_ids(&kind, id)).await
    }

    /// A first send, or a resend of a write proven not to have landed.
    async fn send(&self, item: OutboxItem) -> Result<(), DbError> {
        let fam = family(&item.command);
        let snap = match self.reader().snapshot(&fam.reads_before(&item)).await {
            Ok(s) => s,
            Err(e) => return self.not_sent(&item, e).await,
        };
        // Only before the first send: after one, a newer `updated_at` may
        // be our own request committing late, not someone else's edit.
        let first_send = item.attempts == 0;
        if let Some(reason) = self.conflict(&item, &snap).await?.filter(|_| first_send) {
            tracing::warn!(item = item.id, %reason, "holding a conflicting update");
            return self.park(&item, State::Held, reason).await;
        }
        let mut result = match fam.baseline(&item, &snap) {
            Ok(b) => b,
            Err(reason) => return self.park(&item, State::Failed, reason).await,
        };
        // A resend keeps the first baseline: if the earlier request
        // commits even later, a look finds it too (either copy is ours).
        if let Some(b) = item.result.before_max_id {
            result.before_max_id = Some(b);
        }
        result.unknown_sends = item.result.unknown_sends;
        result.sent_at = Some(time::now());
        let request = fam.request(&item, &snap);
        let item = self
            .set_state(
                item.id,
                &[State::Queued],
                State::Sending,
                Change {
                    bump_attempts: true,
                    result: Some(result),
                    ..Change::default()
                },
            )
            .await?;
        tracing::debug!(item = item.id, kind = %item.kind, path = %request.path, "sending");
        let answer = self
            .client
            .send(request.method.clone(), &request.path, Some(&request.body))
            .await;
        match answer {
            Ok(resp) => {
                let remote_id = fam.created_id(&item.command, &resp);
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
            // Removing what is already gone: the read-back confirms it.
            Err(ApiError::NotFound(_))
                if matches!(
                    item.command,
                    Command::RemoveLineItem { .. } | Command::DeleteTimer { .. }
                ) =>
            {
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
            Err(e) if e.outcome_unknown() => self.unknown_outcome(item, &e.to_string()).await,
            Err(e @ (ApiError::Rejected { .. } | ApiError::NotFound(_))) => {
                tracing::warn!(item = item.id, error = %e, "write refused by the server");
                let reason = match &e {
                    ApiError::NotFound(path) => format!(
                        "not found on the server ({path}): the ticket or record was deleted"
                    ),
                    other => other.to_string(),
                };
                self.refused(&item, reason).await
            }
            Err(e) => self.not_sent(&item, e).await,
        }
    }

    /// The server answered with a refusal: it did not apply the write.
    async fn refused(&self, item: &OutboxItem, reason: String) -> Result<(), DbError> {
        let result = ItemResult {
            sent_at: None,
            probes: 0,
            ..item.result.clone()
        };
        self.set_state(
            item.id,
            ACTIVE,
            State::Failed,
            Change {
                last_error: Some(Some(reason)),
                result: Some(result),
                ..Change::default()
            },
        )
        .await
        .map(drop)
    }

    /// The request did not reach the server (unreachable, 429, 401) or a
    /// read before it failed: back off and try again, nothing to look for.
    async fn not_sent(&self, item: &OutboxItem, e: ApiError) -> Result<(), DbError> {
        let wait = match &e {
            ApiError::Unauthorized => MAX_BACKOFF,
            // The office's budget is shared: a 429 is not a failure of this
            // write, and a technician is waiting for it. Go again as soon
            // as the limiter's pause is over, not on an ever longer backoff.
            ApiError::RateLimited { retry_after } => (*retry_after).max(Duration::from_millis(500)),
            _ => backoff(item.attempts),
        };
        tracing::info!(item = item.id, error = %e, retry_in_s = wait.as_secs(), "outbox item will be retried");
        let (to, result) = if item.state == State::Sending {
            // The send itself never reached the server.
            let r = ItemResult {
                sent_at: None,
                ..item.result.clone()
            };
            (State::Queued, Some(r))
        } else {
            (item.state, None)
        };
        self.set_state(
            item.id,
            ACTIVE,
            to,
            Change {
                last_error: Some(Some(e.to_string())),
                next_attempt_at: Some(Some(later(wait))),
                result,
                ..Change::default()
            },
        )
        .await
        .map(drop)
    }

    /// The request may have reached the server: look for it after a grace.
    async fn unknown_outcome(&self, item: OutboxItem, why: &str) -> Result<(), DbError> {
        let fam = family(&item.command);
        let sent = item
            .result
            .sent_at
            .as_deref()
            .and_then(time::parse)
            .or_else(|| time::parse(&item.updated_at))
            .unwrap_or_else(chrono::Utc::now);
        let first_look = if fam.idempotent(&item.command) {
            chrono::Utc::now()
        } else {
            sent + chrono::Duration::from_std(self.policy.grace).unwrap_or_default()
        };
        let result = ItemResult {
            sent_at: Some(at(sent)),
            probes: 0,
            ..item.result.clone()
        };
        tracing::warn!(item = item.id, reason = why, look_at = %at(first_look),
            "outcome unknown: will look for it before anything is resent");
        self.set_state(
            item.id,
            &[State::Sending, State::Queued],
            State::Probing,
            Change {
                last_error: Some(Some(format!(
                    "{why}; it may have landed: looking for it before anything is resent"
                ))),
                next_attempt_at: Some(Some(at(first_look))),
                result: Some(result),
                ..Change::default()
            },
        )
        .await
        .map(drop)
    }

    /// One look for a write whose outcome is unknown.
    async fn probe(&self, item: OutboxItem) -> Result<(), DbError> {
        if item.remote_id.is_some() {
            // Identity first: it landed; only the read-back is left.
            let item = self
                .set_state(
                    item.id,
                    &[State::Probing],
                    State::Verifying,
                    Change::default(),
                )
                .await?;
            return self.verify(item).await;
        }
        let fam = family(&item.command);
        let snap = match self.reader().snapshot(&fam.reads_before(&item)).await {
            Ok(s) => s,
            Err(e) => return self.not_sent(&item, e).await,
        };
        let claimed = self.claimed(&item).await?;
        match fam.probe(&item, &snap, &claimed) {
            Probe::Landed(remote_id) => {
                tracing::info!(item = item.id, remote = ?remote_id, "the earlier attempt landed; verifying instead of resending");
                let item = self
                    .set_state(
                        item.id,
                        &[State::Probing],
                        State::Verifying,
                        Change {
                            remote_id,
                            last_error: Some(None),
                            ..Change::default()
                        },
                    )
                    .await?;
                self.verify(item).await
            }
            Probe::Ambiguous(reason) => {
                let why = format!("cannot tell whether it landed: {reason}; {}", settle(&item));
                self.park(&item, State::Uncertain, why).await
            }
            Probe::Absent => self.absent(item).await,
        }
    }

    /// A look missed: look again later, or conclude it did not land.
    async fn absent(&self, item: OutboxItem) -> Result<(), DbError> {
        let mut result = item.result.clone();
        result.probes += 1;
        let idempotent = family(&item.command).idempotent(&item.command);
        if result.probes < self.policy.probes && !idempotent {
            let next = later(self.policy.spacing());
            tracing::info!(item = item.id, probes = result.probes, next = %next, "not on the server yet; looking again later");
            return self
                .set_state(
                    item.id,
                    &[State::Probing],
                    State::Probing,
                    Change {
                        next_attempt_at: Some(Some(next)),
                        result: Some(result),
                        ..Change::default()
                    },
                )
                .await
                .map(drop);
        }
        result.unknown_sends += 1;
        if result.unknown_sends >= MAX_UNKNOWN_SENDS && !idempotent {
            let why = format!(
                "sent {} times, each time without an answer, and not found afterwards: the server may be \
                 failing after applying it; {}",
                result.unknown_sends,
                settle(&item)
            );
            return self.park(&item, State::Uncertain, why).await;
        }
        tracing::info!(
            item = item.id,
            looks = result.probes,
            "not found after every look: it did not land; sending again"
        );
        result.sent_at = None;
        result.probes = 0;
        self.set_state(
            item.id,
            &[State::Probing],
            State::Queued,
            Change {
                next_attempt_at: Some(None),
                result: Some(result),
                ..Change::default()
            },
        )
        .await
        .map(drop)
    }

    /// Reads the landed write back and records what it found.
    pub(super) async fn verify(&self, item: OutboxItem) -> Result<(), DbError> {
        let fam = family(&item.command);
        let snap = match self.reader().snapshot(&fam.reads_after(&item)).await {
            Ok(s) => s,
            Err(e) => return self.not_sent(&item, e).await,
        };
        let claimed = self.claimed(&item).await?;
        match fam.read_back(&item, &snap, &claimed) {
            ReadBack::Landed {
                remote_id,
                differences,
                facts,
            } => {
                if item.remote_id.is_none() && remote_id.is_some() {
                    // Found without knowing its id: record the identity,
                    // then judge the record itself, read by that id.
                    let item = self
                        .set_state(
                            item.id,
                            &[State::Verifying],
                            State::Verifying,
                            Change {
                                remote_id,
                                ..Change::default()
                            },
                        )
                        .await?;
                    return Box::pin(self.verify(item)).await;
                }
                let mut result = item.result.clone();
                facts.apply(&mut result);
                result.probes = 0;
                result.differences = differences;
                let blocking = result
                    .blocking()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>();
                let (to, error) = if blocking.is_empty() {
                    (State::Done, None)
                } else {
                    (
                        State::Differs,
                        Some(format!(
                            "landed, but not as asked: {}; later steps wait. `syncro outbox retry {id}` reads it again, \
                             `syncro outbox release {id}` accepts it as it is",
                            blocking.join("; "),
                            id = item.id
                        )),
                    )
                };
                let ticket = facts.created_ticket;
                self.set_state(
                    item.id,
                    &[State::Verifying],
                    to,
                    Change {
                        remote_id: remote_id.or(item.remote_id),
                        result: Some(result.clone()),
                        last_error: Some(error.clone()),
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
                match error {
                    None => match result.describe_differences() {
                        None => {
                            tracing::info!(item = item.id, kind = %item.kind, "outbox item landed and verified")
                        }
                        Some(d) => {
                            tracing::warn!(item = item.id, kind = %item.kind, differences = %d, "outbox item landed with differences")
                        }
                    },
                    Some(e) => {
                        tracing::warn!(item = item.id, kind = %item.kind, error = %e, "outbox item landed but differs")
                    }
                }
                Ok(())
            }
            ReadBack::Missing(reason) => self.missing(item, reason).await,
        }
    }

    /// The read-back did not find a write the server said it applied (or
    /// that a look found): look again a few times, then ask a human. It
    /// is never resent from here.
    async fn missing(&self, item: OutboxItem, reason: String) -> Result<(), DbError> {
        let mut result = item.result.clone();
        result.probes += 1;
        if result.probes < MAX_VERIFY_MISSES {
            tracing::info!(item = item.id, %reason, "read-back missed; reading again later");
            return self
                .set_state(
                    item.id,
                    &[State::Verifying],
                    State::Verifying,
                    Change {
                        last_error: Some(Some(reason)),
                        next_attempt_at: Some(Some(later(self.policy.spacing()))),
                        result: Some(result),
                        ..Change::default()
                    },
                )
                .await
                .map(drop);
        }
        let (to, why) = match item.remote_id {
            Some(id) => (
                State::Failed,
                format!(
                    "the server answered with id {id}, but {reason}; it will not be resent \
                     (`syncro outbox retry {}` reads it again)",
                    item.id
                ),
            ),
            None => (
                State::Uncertain,
                format!("the server accepted it, but {reason}; {}", settle(&item)),
            ),
        };
        self.park(&item, to, why).await
    }

    /// Moves an item to a state that waits for a human, saying why.
    async fn park(&self, item: &OutboxItem, to: State, why: String) -> Result<(), DbError> {
        tracing::warn!(item = item.id, state = %to, reason = %why, "outbox item needs a human");
        self.set_state(
            item.id,
            ACTIVE,
            to,
            Change {
                last_error: Some(Some(why)),
                ..Change::default()
            },
        )
        .await
        .map(drop)
    }
}
