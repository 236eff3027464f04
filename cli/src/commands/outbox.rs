//! `syncro outbox`: what is queued, and cancel/release/retry.

use std::collections::HashMap;
use std::process::ExitCode;

use anyhow::Result;
use syncro_store::outbox::{OutboxItem, PossibleDuplicate, RetryPlan, State};
use syncro_store::{Store, StoreError};

use crate::args::{OutboxArgs, OutboxCommand};
use crate::context::Ctx;
use crate::render;

/// Looks items up by id: from the listed ones, else from the store
/// (dependencies may be done and so not listed).
struct Lookup<'a> {
    store: &'a Store,
    listed: HashMap<i64, &'a OutboxItem>,
}

impl Lookup<'_> {
    fn get(&self, id: i64) -> Option<OutboxItem> {
        match self.listed.get(&id) {
            Some(i) => Some((*i).clone()),
            None => self.store.outbox_item(id).ok().flatten(),
        }
    }
}

/// Where an item acts: `#32164`, `@5` (a ticket still being created), or
/// `new` for the create itself.
fn ticket_label(item: &OutboxItem, lookup: &Lookup<'_>) -> String {
    if let Some(n) = item.ticket_number {
        return format!("#{n}");
    }
    if item.kind == "create_ticket" {
        return "new".into();
    }
    let mut next = item.depends_on;
    let mut hops = 0;
    while let Some(id) = next {
        match lookup.get(id) {
            Some(dep) if dep.kind == "create_ticket" => return format!("@{id}"),
            Some(dep) if hops < 100 => {
                next = dep.depends_on;
                hops += 1;
            }
            _ => break,
        }
    }
    "-".into()
}

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

pub fn run(ctx: &Ctx, args: OutboxArgs) -> Result<ExitCode> {
    let mut store = ctx.store()?;
    let (id, action, force) = match &args.command {
        None => return list(ctx, &store, args.all),
        Some(OutboxCommand::Cancel(a)) => (a.id, Action::Cancel, a.force),
        Some(OutboxCommand::Release(a)) => (a.id, Action::Release, a.force),
        Some(OutboxCommand::Retry(a)) => (a.id, Action::Retry, false),
    };
    let Acted { item, what, .. } = act(&mut store, id, action, force)?;
    if ctx.json {
        render::print_json(&item)?;
    } else {
        render::print(&format!(
            "#{} {}: {what}\n",
            item.id,
            item.command.describe()
        ))?;
    }
    // Steps waiting on a cancelled one can never run.
    if action == Action::Cancel {
        let stuck: Vec<String> = waiting_on(&store, item.id)?
            .iter()
            .map(|i| format!("#{i}"))
            .collect();
        if !stuck.is_empty() {
            render::note(&format!(
                "warning: {} wait(s) on #{} and will not run; cancel them too with `syncro outbox cancel ID`",
                stuck.join(", "),
                item.id
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `syncro undo`: takes back the most recent write that has not been sent
/// (in its undo window, or waiting offline). A bill goes as a whole.
pub fn undo(ctx: &Ctx) -> Result<ExitCode> {
    let mut store = ctx.store()?;
    let Some(items) = store.outbox_undo()? else {
        anyhow::bail!(
            "nothing to undo: every write has been sent (see `syncro outbox --all`); \
             the API cannot delete a comment once it is sent"
        );
    };
    if ctx.json {
        render::print_json(&items)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = String::new();
    for i in &items {
        out.push_str(&format!(
            "took back #{} on {}: {}\n",
            i.id,
            i.ticket_number
                .map(|n| format!("#{n}"))
                .unwrap_or_else(|| "a new ticket".into()),
            render::one_line(&i.command.describe())
        ));
    }
    render::print(&out)?;
    // Steps of the same bill already sent stay sent: say so.
    if let Some(group) = items.first().and_then(|i| i.group_id.clone()) {
        let sent: Vec<String> = store
            .outbox_items(&[])?
            .iter()
            .filter(|i| i.group_id.as_deref() == Some(group.as_str()) && i.attempts > 0)
            .map(|i| format!("#{} ({})", i.id, i.state))
            .collect();
        if !sent.is_empty() {
            render::note(&format!(
                "note: {} of that write already went to the server and stay(s)",
                sent.join(", ")
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn list(ctx: &Ctx, store: &Store, all: bool) -> Result<ExitCode> {
    let answer = crate::read::outbox::query(ctx, store, all)?;
    if ctx.json {
        render::print_json(&answer)?;
        return Ok(ExitCode::SUCCESS);
    }
    let items: Vec<OutboxItem> = answer.outbox.iter().map(|r| r.item.clone()).collect();
    let duplicates = store.outbox_possible_duplicates()?;
    let shown: Vec<&OutboxItem> = items.iter().collect();
    if shown.is_empty() {
        render::note(if all {
            "the outbox is empty"
        } else {
            "nothing waiting in the outbox (--all shows done and cancelled items)"
        });
        answer.freshness.note(ctx);
        return Ok(ExitCode::SUCCESS);
    }
    let lookup = Lookup {
        store,
        listed: items.iter().map(|i| (i.id, i)).collect(),
    };
    let rows = shown
        .iter()
        .map(|i| {
            vec![
                i.id.to_string(),
                i.state.to_string(),
                ticket_label(i, &lookup),
                render::truncate(&render::one_line(&i.command.describe()), 60),
                i.attempts.to_string(),
                render::age(Some(&i.updated_at), ctx.now),
            ]
        })
        .collect();
    let mut out = render::table(
        &["ID", "STATE", "TICKET", "WHAT", "TRIES", "UPDATED"],
        rows,
        &[0, 4],
        ctx.style,
    );
    let mut problems = Vec::new();
    for i in &shown {
        match i.state {
            State::Held | State::Failed | State::Differs | State::Uncertain => {
                problems.push(format!(
                    "  #{} {}: {}",
                    i.id,
                    i.state,
                    i.last_error
                        .as_deref()
                        .map(render::one_line)
                        .unwrap_or_else(|| "no reason recorded".into())
                ))
            }
            State::Queued => {
                if let Some(err) = &i.last_error {
                    problems.push(format!(
                        "  #{} will retry {}: {}",
                        i.id,
                        i.next_attempt_at
                            .as_deref()
                            .map(|t| render::age(Some(t), ctx.now))
                            .unwrap_or_else(|| "soon".into()),
                        render::one_line(err)
                    ));
                }
                if let Some(dep) = i.depends_on.and_then(|d| lookup.get(d)) {
                    if dep.state.needs_human() || dep.state == State::Cancelled {
                        problems.push(format!(
                            "  #{} waits on #{}, which is {}",
                            i.id, dep.id, dep.state
                        ));
                    }
                }
            }
            State::Probing => problems.push(format!(
                "  #{} answer lost: looking for it on the server {} before anything is resent",
                i.id,
                i.next_attempt_at
                    .as_deref()
                    .map(|t| render::age(Some(t), ctx.now))
                    .unwrap_or_else(|| "now".into()),
            )),
            State::Done => {
                if let Some(d) = i.result.describe_differences() {
                    problems.push(format!(
                        "  #{} landed with differences: {}",
                        i.id,
                        render::one_line(&d)
                    ));
                }
            }
            _ => {}
        }
    }
    for d in &duplicates {
        problems.push(format!(
            "  {} on {}: {}: {}",
            d.item_ids
                .iter()
                .map(|i| format!("#{i}"))
                .collect::<Vec<_>>()
                .join(", "),
            d.ticket_label(),
            d.summary(),
            PossibleDuplicate::advice()
        ));
    }
    if !problems.is_empty() {
        out.push_str(&format!("\n{}\n", ctx.style.bold("Needs attention")));
        for p in problems {
            out.push_str(&p);
            out.push('\n');
        }
    }
    render::print(&out)?;
    answer.freshness.note(ctx);
    Ok(ExitCode::SUCCESS)
}
