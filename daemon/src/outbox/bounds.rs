//! Where a write ends when the server will never take it.
//!
//! The driver (`super::driver`) handles the outcomes a retry can change; this
//! file owns the ones it cannot, and how they are told to the technician:
//! - **a bound on requests** ([`MAX_REQUESTS`](super::kinds::MAX_REQUESTS), more for creates whose
//!   looks read lists: each family says which, `Family::max_requests`):
//!   every request the server answered for a write counts
//!   (the sends and the reads around them), so a write it keeps failing
//!   stops after a handful, with the server's own words, instead of taking
//!   the office's budget from the mirror;
//! - **a target that is gone**: a 404 on the write's ticket or invoice means
//!   it was deleted or merged in Syncro, for good: the write fails naming it
//!   (the record a send changes, when its family says one,
//!   `Family::not_found`) and the writes queued behind it on that ticket are
//!   held;
//! - **a refusal**: a 401/403 names the key or permission problem; any
//!   other 4xx quotes the server.
//!
//! Every message ends with what the technician can do next.

#[cfg(test)]
use syncro_store::outbox::is_access_problem;
use syncro_store::outbox::{Change, ItemResult, OutboxItem, State};

use super::kinds::{family, NotFound};
use super::reads;
use super::Outbox;
use crate::client::ApiError;
use crate::db::DbError;

/// Reads a landed write may still spend on its read-back past the bound
/// (the read-back itself gives up after a few misses): a write the server
/// took is worth verifying.
const VERIFY_ALLOWANCE: i64 = 6;

/// The request bound for `item` in its current state.
pub(super) fn limit(item: &OutboxItem) -> i64 {
    let base = family(&item.command).max_requests();
    if item.state == State::Verifying {
        base + VERIFY_ALLOWANCE
    } else {
        base
    }
}

/// How to settle an item parked as uncertain, in the technician's words.
pub(super) fn settle(item: &OutboxItem) -> String {
    let where_ = match (&item.command, item.ticket_number) {
        (c, _) if c.creates_ticket() => "the customer's tickets".to_string(),
        (_, Some(n)) => format!("ticket #{n}"),
        (_, None) => "the ticket".to_string(),
    };
    format!(
        "look at {where_} in the Syncro web UI: if it is there, `syncro outbox retry {id}` finds and verifies it; \
         if it is not, `syncro outbox release --force {id}` sends it; `syncro outbox cancel --force {id}` drops it",
        id = item.id
    )
}

fn ticket(item: &OutboxItem) -> String {
    item.ticket_number
        .map(|n| format!("ticket #{n}"))
        .unwrap_or_else(|| "the ticket".into())
}

fn next_step(item: &OutboxItem) -> String {
    format!(
        "`syncro outbox retry {id}` tries again, `syncro outbox cancel {id}` drops it",
        id = item.id
    )
}

/// The server refused the write (a 4xx, or the key): its words, and what
/// to do.
pub(super) fn refusal(item: &OutboxItem, e: &ApiError) -> String {
    match e {
        ApiError::Unauthorized => format!(
            "the server refused the API key (401): it is wrong, expired or revoked. Check it with `syncro doctor`, \
             set a new one with `syncro init`, then {}",
            next_step(item)
        ),
        ApiError::Rejected {
            status: 403,
            message,
        } => format!(
            "the API key's user is not allowed to do this (403: {message}): ask a Syncro admin to grant the \
             permission to that user, then {}",
            next_step(item)
        ),
        other => format!("{other}; {}", next_step(item)),
    }
}

/// What a 404 to the write itself means: its ticket went away between the
/// read before it and the send, or the record it changes (line item,
/// timer) is no longer on the ticket, as its family says.
pub(super) fn gone_on_send(item: &OutboxItem) -> String {
    match family(&item.command).not_found() {
        NotFound::Record(what) => format!(
            "{what} is no longer on {} (removed in Syncro); {}",
            ticket(item),
            next_step(item)
        ),
        // Removing a record already gone is not an error (the driver
        // verifies it), so a 404 here is the ticket's.
        NotFound::AlreadyGone | NotFound::Ticket => ticket_gone(item),
    }
}

fn ticket_gone(item: &OutboxItem) -> String {
    format!(
        "{} is no longer in Syncro (deleted or merged); `syncro outbox cancel {}` drops this write",
        ticket(item),
        item.id
    )
}

/// Whether a read of `path` was of the write's own target: its ticket, the
/// ticket or invoice it created, a record of its ticket (line items and
/// timers are read through the ticket), or an invoice it reads back.
fn about_the_target(item: &OutboxItem, path: &str) -> bool {
    let ticket_path = |id: i64| {
        let base = format!("/tickets/{id}");
        path == base
            || path.starts_with(&format!("{base}/"))
            || path.starts_with(&format!("{base}?"))
    };
    if item.ticket_id.is_some_and(ticket_path) {
        return true;
    }
    if item.command.creates_ticket() {
        return item.remote_id.is_some_and(ticket_path);
    }
    // Not a create: every read is of its target or of invoices it made.
    true
}

/// What a 404 on a read means for the write: which record is gone.
fn gone_on_read(item: &OutboxItem, path: &str) -> String {
    let created = item.remote_id.filter(|_| item.command.creates_ticket());
    if let Some(id) = created.filter(|id| path == format!("/tickets/{id}")) {
        return format!(
            "the ticket this created (id {id}) is no longer in Syncro (deleted or merged); \
             `syncro outbox cancel --force {}` clears it",
            item.id
        );
    }
    if let Some(invoice) = path.strip_prefix("/invoices/") {
        return format!(
            "invoice {invoice} is no longer in Syncro (deleted); `syncro outbox cancel --force {}` clears it",
            item.id
        );
    }
    ticket_gone(item)
}

/// The message for a write proven absent after every send the server
/// failed: how often, its words, and what to do.
pub(super) fn refused_repeatedly(item: &OutboxItem, result: &ItemResult) -> String {
    let said = result
        .server_said
        .as_deref()
        .or(item.last_error.as_deref())
        .unwrap_or("no answer");
    format!(
        "the server failed it {} time(s) ({said}) and it is not on {}: nothing was applied. \
         Check {} in the Syncro web UI; {}",
        result.unknown_sends,
        ticket(item),
        ticket(item),
        next_step(item)
    )
}

impl Outbox {
    /// The API key's user, asked once (`GET /me`) and kept: `None` when
    /// the server has no such answer (no author check is possible), an
    /// error while it cannot be asked (a passing failure: asked again next
    /// time). Never `None` for a passing failure: every author would then
    /// count as ours, and a colleague's look-alike with it.
    pub(super) async fn api_user(&self) -> Result<Option<i64>, ApiError> {
        let got = self
            .me
            .get_or_try_init(|| async {
                match reads::api_user(&self.client).await {
                    Ok(id) => Ok(id),
                    // The server has no /me or will not show it: nothing to
                    // learn by asking again.
                    Err(ApiError::NotFound(_) | ApiError::Rejected { .. }) => Ok(None),
                    Err(e) => Err(e),
                }
            })
            .await;
        match got {
            Ok(id) => Ok(*id),
            Err(e) => {
                tracing::debug!(error = %e, "cannot tell the API user yet");
                Err(e)
            }
        }
    }

    /// A read around the write failed. A passing failure is retried (the
    /// request bound ends it); a 404 means the target is gone; a refusal
    /// (401, 403, other 4xx) will not change by itself.
    pub(super) async fn read_failed(&self, item: &OutboxItem, e: ApiError) -> Result<(), DbError> {
        match &e {
            ApiError::NotFound(path) if !about_the_target(item, path) => {
                // A record read only to tell ours from look-alikes (a
                // candidate ticket of a create) went away between the list
                // and its read: the next look lists again without it.
                tracing::info!(item = item.id, %path, "a record looked at is gone; looking again");
                self.not_sent(item, e).await
            }
            ApiError::NotFound(path) => {
                let reason = gone_on_read(item, path);
                self.gone(item, reason).await
            }
            ApiError::Unauthorized | ApiError::Rejected { .. } => {
                let reason = refusal(item, &e);
                if item.may_have_landed() {
                    let why = format!(
                        "cannot look for it on the server: {reason}. It may have landed: {}",
                        settle(item)
                    );
                    self.park(item, State::Uncertain, why).await
                } else {
                    self.refused(item, reason).await
                }
            }
            _ => self.not_sent(item, e).await,
        }
    }

    /// The write's target is gone from Syncro: the write fails naming it,
    /// and the writes queued behind it on that ticket are held with the
    /// same reason (each would only collect its own 404).
    pub(super) async fn gone(&self, item: &OutboxItem, reason: String) -> Result<(), DbError> {
        tracing::warn!(item = item.id, %reason, "the write's target is gone");
        self.set_state(
            item.id,
            &State::ACTIVE,
            State::Failed,
            Change {
                last_error: Some(Some(reason.clone())),
                next_attempt_at: Some(None),
                ..Change::default()
            },
        )
        .await?;
        if let Some(ticket_id) = item
            .ticket_id
            .filter(|_| reason.contains("no longer in Syncro"))
        {
            let (id, why) = (item.id, format!("waiting: {reason}"));
            self.db
                .call(move |s| s.outbox_hold_ticket(ticket_id, id, &why))
                .await?;
        }
        Ok(())
    }

    /// The write used up its requests: end it where a human sees it, in
    /// the state that says what is known about whether it landed.
    pub(super) async fn give_up(&self, item: OutboxItem) -> Result<(), DbError> {
        let cost = format!("syncrod stopped after {} requests", item.requests);
        let last = item.last_error.as_deref().unwrap_or("no answer");
        let (to, why) = match item.state {
            State::Queued | State::Sending if item.result.sent_at.is_none() => {
                if item.result.unknown_sends > 0 {
                    (State::Failed, refused_repeatedly(&item, &item.result))
                } else {
                    (
                        State::Failed,
                        format!("{cost}: {last}; it was not sent. {}", next_step(&item)),
                    )
                }
            }
            State::Verifying if item.remote_id.is_some() => (
                State::Failed,
                format!(
                    "it landed (id {}), but {cost} without reading it back: {last}; it will not be resent \
                     (`syncro outbox retry {}` reads it again)",
                    item.remote_id.unwrap_or_default(),
                    item.id
                ),
            ),
            _ => (
                State::Uncertain,
                format!(
                    "{cost} without telling whether it landed: {last}; {}",
                    settle(&item)
                ),
            ),
        };
        self.park(&item, to, why).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syncro_store::outbox::{CommentWrite, TicketWrite, TimerWrite};

    /// A 404 on a look-alike read while looking for a create's landing is
    /// not the write's target going away: the create must not fail for it.
    #[test]
    fn a_404_is_the_writes_only_when_it_is_on_its_target() {
        let mut create = super::super::kinds::testing::item(TicketWrite::Create {
            customer_id: 7,
            subject: "Printer offline".into(),
            problem_type: None,
            priority: None,
            status: None,
            body: Some("It is dead".into()),
        });
        create.ticket_id = None;
        create.remote_id = None;
        assert!(!about_the_target(&create, "/tickets/12"));
        create.remote_id = Some(12);
        assert!(about_the_target(&create, "/tickets/12"));
        assert!(!about_the_target(&create, "/tickets/13"));
        let comment = super::super::kinds::testing::item(CommentWrite::Add {
            subject: "Update".into(),
            body: "x".into(),
            hidden: true,
            do_not_email: true,
            tech: None,
        });
        assert!(about_the_target(&comment, "/tickets/1000"));
        assert!(about_the_target(&comment, "/tickets/1000/comments"));
    }

    #[test]
    fn refusals_name_the_key_or_the_permission() {
        let item = super::super::kinds::testing::item(TicketWrite::Update {
            fields: Default::default(),
        });
        let key = refusal(&item, &ApiError::Unauthorized);
        assert!(key.contains("API key") && is_access_problem(&key), "{key}");
        let perm = refusal(
            &item,
            &ApiError::Rejected {
                status: 403,
                message: "You do not have permission".into(),
            },
        );
        assert!(
            perm.contains("not allowed") && is_access_problem(&perm),
            "{perm}"
        );
        let other = refusal(
            &item,
            &ApiError::Rejected {
                status: 422,
                message: "Status is not included in the list".into(),
            },
        );
        assert!(other.contains("Status is not included") && !is_access_problem(&other));
    }

    #[test]
    fn a_404_names_what_is_gone() {
        let mut item = super::super::kinds::testing::item(CommentWrite::Add {
            subject: "Update".into(),
            body: "x".into(),
            hidden: false,
            do_not_email: false,
            tech: None,
        });
        assert!(
            gone_on_read(&item, "/tickets/1000").starts_with("ticket #5000 is no longer in Syncro")
        );
        item.command = TimerWrite::Charge { timer_id: 77 }.into();
        assert!(gone_on_send(&item).starts_with("timer 77 is no longer on ticket #5000"));
    }
}
