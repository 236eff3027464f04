//! Acting on a queued write: cancel, release or retry it (`syncro outbox
//! cancel|release|retry`, `syncro undo`, `syncro mcp`'s `cancel_write`
//! and friends, `syncro tui`'s outbox pane).

use anyhow::Result;
use syncro_store::outbox::{OutboxItem, RetryPlan, State};
use syncro_store::{Store, StoreError};

/// What a human (or `syncro mcp`) can do to an outbox item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Cancel,
    Release,
    Retry,
}

/// What an [`Action`] did.
pub(crate) struct Acted {
    pub item: OutboxItem,
    /// What it did, in a sentence: "retrying" means three different things
    /// depending on what is known about whether the write landed.
    pub what: String,
    /// For a retry: what the retry does.
    pub retry: Option<RetryPlan>,
}

/// Cancels, releases or retries item `id`; an item in the wrong state is an
/// error saying why (and what would work).
///
/// `force` lets a cancel or release act on a write that may already be on
/// the server (sending, probing, verifying, uncertain): without it such an
/// action is refused, saying so.
pub(crate) fn act(store: &mut Store, id: i64, action: Action, force: bool) -> Result<Acted> {
    let result = match action {
        Action::Cancel => store.outbox_cancel(id, force).map(|i| Acted {
            what: if i.last_error.as_deref().is_some_and(|e| e.contains("--force")) {
                "cancelled: nothing more will be sent (it may already be on the server: check the ticket in the web UI)"
                    .to_string()
            } else {
                "cancelled: nothing more will be sent".to_string()
            },
            item: i,
            retry: None,
        }),
        Action::Release => store.outbox_release(id, force).map(|(i, was)| {
            let what = match was {
                State::Differs => "accepted as it landed; the steps after it may go",
                State::Uncertain | State::Probing | State::Sending => {
                    "sending it again, as you checked it is not on the server"
                }
                State::Verifying => "accepted as it is, without reading it back",
                State::Queued => "released: it goes now",
                _ => "released: it goes ahead",
            };
            Acted {
                item: i,
                what: what.to_string(),
                retry: None,
            }
        }),
        Action::Retry => store.outbox_retry(id).map(|(i, plan)| Acted {
            item: i,
            what: format!("retrying: {}", plan.describe()),
            retry: Some(plan),
        }),
    };
    match result {
        Ok(r) => Ok(r),
        Err(StoreError::MayHaveLanded { state, .. }) => {
            let what = match action {
                Action::Cancel => "cancelling it does not take it off the server",
                _ => "releasing it sends it again",
            };
            anyhow::bail!(
                "outbox item {id} is {state}: it may already be on the server, and {what}. \
                 Look at the ticket in the Syncro web UI first; if you are sure, add --force"
            );
        }
        Err(StoreError::WrongState { actual, .. }) => {
            let why = match (action, actual.as_str()) {
                (Action::Cancel, "differs") => {
                    "it landed on the server and cannot be unsent; `syncro outbox release` accepts it as it is"
                }
                (Action::Cancel, _) => "it is finished; there is nothing to cancel",
                (Action::Release, "failed") => {
                    "`syncro outbox retry` tries a failed write again"
                }
                (Action::Release, _) => "it is finished; there is nothing to release",
                (Action::Retry, "done") => "it landed and was verified; there is nothing to retry",
                (Action::Retry, _) => {
                    "only failed, held, differing or uncertain items can be retried; the daemon is still working on this one"
                }
            };
            anyhow::bail!("outbox item {id} is {actual}: {why}");
        }
        Err(StoreError::NoSuchItem(_)) => {
            anyhow::bail!("there is no outbox item {id} (see `syncro outbox --all`)")
        }
        Err(e) => Err(e.into()),
    }
}

/// Items queued behind `id` that can never run now it is cancelled.
pub(crate) fn waiting_on(store: &Store, id: i64) -> Result<Vec<i64>> {
    Ok(store
        .outbox_blocked()?
        .iter()
        .filter(|(_, dep)| dep.id == id)
        .map(|(i, _)| i.id)
        .collect())
}
