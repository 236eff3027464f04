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
//! 4. **Bounded.** Every request the server answers is counted against the
//!    write (`bounds::limit`), failed tries back off, and a write the
//!    server keeps failing ends where a human sees it (`bounds`), so one
//!    bad write never takes the office's budget from the mirror.

use std::time::Duration;

use syncro_store::outbox::{Change, ItemResult, OutboxItem, State};
use syncro_store::time;

use super::backoff::{at, backoff, later};
use super::bounds::{self, settle};
use super::kinds::{family, NotFound, Probe, Read, ReadBack, Snapshot};
use super::reads::{reached_server, Reader};
use super::Outbox;
use crate::client::ApiError;
use crate::db::DbError;

/// Rounds of "sent, outcome unknown, then not found" before a human is
/// asked: a server that keeps losing answers to one write is not one to
/// keep sending it to.
pub const MAX_UNKNOWN_SENDS: u32 = 3;
/// The longest backoff step after a failed read (see `not_sent`).
const MAX_FAILURE_BACKOFF_STEP: i64 = 4;
/// Read-backs that miss a write the server said it applied before the item
/// is parked (a replica may lag behind the primary for a moment).
const MAX_VERIFY_MISSES: u32 = 3;

pub(super) const ACTIVE: &[State] = &State::ACTIVE;

impl Outbox {
    pub(super) async fn process(&self, item: OutboxItem) -> Result<(), DbError> {
        let Some(item) = self.resolve_ticket(item).await? else {
            return Ok(());
        };
        if item.requests >= bounds::limit(&item) {
            return self.give_up(item).await;
        }
        match item.state {
            State::Queued => self.send(item).await,
            // Found in `sending`: the daemon stopped mid-request. The
            // request may have reached the server.
            State::Sending => {
                self.unknown_outcome_because(item, "syncrod stopped while sending", None)
                    .await
            }
            State::Probing => self.probe(item).await,
            State::Verifying => self.verify(item).await,
            _ => Ok(()),
        }
    }

    /// Reads `reads` for `item` (then, with `follow_up`, what the family
    /// asks next from what they found), counting every request the server
    /// answered against the item's bound.
    async fn read(
        &self,
        item: &mut OutboxItem,
        reads: &[Read],
        follow_up: bool,
    ) -> Result<Result<Snapshot, ApiError>, DbError> {
        let reader = Reader::new(&self.client, &self.db);
        let mut snap = Snapshot::default();
        let mut read = reader.read_into(&mut snap, reads).await;
        if read.is_ok() && follow_up {
            let more = family(&item.command).follow_up_reads(item, &snap);
            read = reader.read_into(&mut snap, &more).await;
        }
        let n = i64::from(reader.answered());
        if n > 0 {
            let id = item.id;
            self.db.call(move |s| s.outbox_add_requests(id, n)).await?;
            item.requests += n;
        }
        // Who we are on the server, for the author checks: a look that
        // cannot tell a colleague's record from ours is a failed read.
        let read = match (read, self.api_user().await) {
            (Ok(()), Ok(user)) => {
                snap.api_user = user;
                Ok(())
            }
            (Ok(()), Err(e)) | (Err(e), _) => Err(e),
        };
        Ok(read.map(|()| snap))
    }

    async fn claimed(&self, item: &OutboxItem) -> Result<Vec<i64>, DbError> {
        let (kind, id) = (item.kind.clone(), item.id);
        self.db.call(move |s| s.outbox_claimed_ids(&kind, id)).await
    }

    /// A first send, or a resend of a write proven not to have landed.
    async fn send(&self, mut item: OutboxItem) -> Result<(), DbError> {
        let resend = item.attempts > 0;
        // A resend costs at least the read before it and the write itself.
        if resend && item.requests + 2 > bounds::limit(&item) {
            return self.give_up(item).await;
        }
        let reads = family(&item.command).reads_before(&item);
        let snap = match self.read(&mut item, &reads, resend).await? {
            Ok(s) => s,
            Err(e) => return self.read_failed(&item, e).await,
        };
        let fam = family(&item.command);
        if resend {
            // Look once more, on the read just made: a request that
            // committed after the last look is ours, not to be sent again
            // nor taken for someone else's edit.
            let claimed = self.claimed(&item).await?;
            match fam.probe(&item, &snap, &claimed) {
                Probe::Landed(remote_id) => return self.found(item, remote_id).await,
                Probe::Ambiguous(reason) => {
                    let why = format!("cannot tell whether it landed: {reason}; {}", settle(&item));
                    return self.park(&item, State::Uncertain, why).await;
                }
                Probe::Absent => {}
            }
        }
        // Before every send, not only the first: a resend after a 429 or
        // a miss must not overwrite an edit made meanwhile.
        if let Some(reason) = self.conflict(&item, &snap).await? {
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
        result.server_said = item.result.server_said.clone();
        result.sent_at = Some(time::now());
        let request = fam.request(&item, &snap);
        // Counted before it goes: once out, it may reach the server.
        let item = self
            .set_state(
                item.id,
                &[State::Queued],
                State::Sending,
                Change {
                    bump_attempts: true,
                    result: Some(result),
                    add_requests: 1,
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
                let remote_id = fam.created_id(&resp);
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
            Err(ApiError::NotFound(_)) if fam.not_found() == NotFound::AlreadyGone => {
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
            Err(e) if e.outcome_unknown() => self.unknown_outcome(item, &e).await,
            Err(ApiError::NotFound(_)) => {
                let reason = bounds::gone_on_send(&item);
                self.gone(&item, reason).await
            }
            Err(e @ (ApiError::Rejected { .. } | ApiError::Unauthorized)) => {
                tracing::warn!(item = item.id, error = %e, "write refused by the server");
                self.refused(&item, bounds::refusal(&item, &e)).await
            }
            Err(e) => self.not_sent(&item, e).await,
        }
    }

    /// The server answered with a refusal: it did not apply the write.
    pub(super) async fn refused(&self, item: &OutboxItem, reason: String) -> Result<(), DbError> {
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
                next_attempt_at: Some(None),
                ..Change::default()
            },
        )
        .await
        .map(drop)
    }

    /// The request did not reach the server (unreachable, 429), or a read
    /// around it failed for a passing reason: back off and try again,
    /// nothing to look for. The wait grows with what the write has already
    /// cost, so a server failing it cannot keep it hot.
    pub(super) async fn not_sent(&self, item: &OutboxItem, e: ApiError) -> Result<(), DbError> {
        let wait = match &e {
            // The office's budget is shared: a 429 is not a failure of this
            // write, and a technician is waiting for it. Go again as soon
            // as the limiter's pause is over, not on an ever longer backoff.
            ApiError::RateLimited { retry_after } => (*retry_after).max(Duration::from_millis(500)),
            // Offline: nothing was spent; the outage ends the wait early.
            ApiError::Unreachable(_) => backoff(item.attempts),
            // The request bound ends a write the server keeps failing; the
            // wait only spaces the tries (1, 2, 4, 8, then 16 s), so the
            // writes queued behind it on the ticket are not held for long.
            _ => backoff(item.requests.min(MAX_FAILURE_BACKOFF_STEP)),
        };
        tracing::info!(item = item.id, error = %e, retry_in_s = wait.as_secs(), "outbox item will be retried");
        let (to, result, add_requests) = if item.state == State::Sending {
            // The send itself never reached the server: it costs nothing.
            let r = ItemResult {
                sent_at: None,
                ..item.result.clone()
            };
            let refund = if reached_server::<()>(&Err(e.clone())) {
                0
            } else {
                -1
            };
            (State::Queued, Some(r), refund)
        } else {
            (item.state, None, 0)
        };
        self.set_state(
            item.id,
            ACTIVE,
            to,
            Change {
                last_error: Some(Some(e.to_string())),
                next_attempt_at: Some(Some(later(wait))),
                result,
                add_requests,
                ..Change::default()
            },
        )
        .await
        .map(drop)
    }

    /// The request may have reached the server: look for it after a grace.
    async fn unknown_outcome(&self, item: OutboxItem, e: &ApiError) -> Result<(), DbError> {
        // A 5xx or an unreadable body is the server's own word on it; no
        // answer at all (a timeout) says nothing.
        let said = (!matches!(e, ApiError::NoAnswer(_))).then(|| e.to_string());
        self.unknown_outcome_because(item, &e.to_string(), said)
            .await
    }

    async fn unknown_outcome_because(
        &self,
        item: OutboxItem,
        why: &str,
        server_said: Option<String>,
    ) -> Result<(), DbError> {
        let fam = family(&item.command);
        let sent = item
            .result
            .sent_at
            .as_deref()
            .and_then(time::parse)
            .or_else(|| time::parse(&item.updated_at))
            .unwrap_or_else(chrono::Utc::now);
        let first_look = if fam.idempotent() {
            chrono::Utc::now()
        } else {
            sent + chrono::Duration::from_std(self.policy.grace).unwrap_or_default()
        };
        let result = ItemResult {
            sent_at: Some(at(sent)),
            probes: 0,
            server_said,
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
    async fn probe(&self, mut item: OutboxItem) -> Result<(), DbError> {
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
        let reads = family(&item.command).reads_before(&item);
        let snap = match self.read(&mut item, &reads, true).await? {
            Ok(s) => s,
            Err(e) => return self.read_failed(&item, e).await,
        };
        let claimed = self.claimed(&item).await?;
        match family(&item.command).probe(&item, &snap, &claimed) {
            Probe::Landed(remote_id) => self.found(item, remote_id).await,
            Probe::Ambiguous(reason) => {
                let why = format!("cannot tell whether it landed: {reason}; {}", settle(&item));
                self.park(&item, State::Uncertain, why).await
            }
            Probe::Absent => self.absent(item).await,
        }
    }

    /// A look found the write: verify it instead of sending it again.
    async fn found(&self, item: OutboxItem, remote_id: Option<i64>) -> Result<(), DbError> {
        tracing::info!(item = item.id, remote = ?remote_id, "the earlier attempt landed; verifying instead of resending");
        let item = self
            .set_state(
                item.id,
                &[State::Probing, State::Queued],
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

    /// A look missed: look again later, or conclude it did not land.
    async fn absent(&self, item: OutboxItem) -> Result<(), DbError> {
        let mut result = item.result.clone();
        result.probes += 1;
        let idempotent = family(&item.command).idempotent();
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
        // A resend costs at least the read before it and the write.
        let spent = item.requests + 2 > bounds::limit(&item);
        if result.unknown_sends >= MAX_UNKNOWN_SENDS || spent {
            // Proven absent each time: when the server said why (a 5xx),
            // or re-reading the target shows it is not as asked (an
            // absolute update), nothing landed: it failed. Only a server
            // that never answered may be applying it late.
            let (to, why) = if idempotent || result.server_said.is_some() {
                (State::Failed, bounds::refused_repeatedly(&item, &result))
            } else {
                (
                    State::Uncertain,
                    format!(
                        "sent {} times, each time without an answer, and not found afterwards: the server may be \
                         failing after applying it; {}",
                        result.unknown_sends,
                        settle(&item)
                    ),
                )
            };
            result.sent_at = None;
            result.probes = 0;
            tracing::warn!(item = item.id, state = %to, reason = %why, "outbox item needs a human");
            return self
                .set_state(
                    item.id,
                    &[State::Probing],
                    to,
                    Change {
                        last_error: Some(Some(why)),
                        result: Some(result),
                        next_attempt_at: Some(None),
                        ..Change::default()
                    },
                )
                .await
                .map(drop);
        }
        let wait = super::backoff::resend_wait(result.unknown_sends);
        tracing::info!(
            item = item.id,
            looks = result.probes,
            resend_in_s = wait.as_secs(),
            "not found after every look: it did not land; sending again"
        );
        result.sent_at = None;
        result.probes = 0;
        self.set_state(
            item.id,
            &[State::Probing],
            State::Queued,
            Change {
                next_attempt_at: Some(Some(later(wait))),
                result: Some(result),
                ..Change::default()
            },
        )
        .await
        .map(drop)
    }

    /// Reads the landed write back and records what it found.
    pub(super) async fn verify(&self, mut item: OutboxItem) -> Result<(), DbError> {
        if item.requests >= bounds::limit(&item) {
            return self.give_up(item).await;
        }
        let reads = family(&item.command).reads_after(&item);
        let snap = match self.read(&mut item, &reads, false).await? {
            Ok(s) => s,
            Err(e) => return self.read_failed(&item, e).await,
        };
        let claimed = self.claimed(&item).await?;
        match family(&item.command).read_back(&item, &snap, &claimed) {
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
    pub(super) async fn park(
        &self,
        item: &OutboxItem,
        to: State,
        why: String,
    ) -> Result<(), DbError> {
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
