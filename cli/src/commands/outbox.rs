//! `syncro outbox`: what is queued, and cancel/release/retry.

use std::collections::HashMap;
use std::process::ExitCode;

use anyhow::Result;
use syncro_store::outbox::{OutboxItem, State};
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Cancel,
    Release,
    Retry,
}

pub fn run(ctx: &Ctx, args: OutboxArgs) -> Result<ExitCode> {
    let mut store = ctx.store()?;
    let (id, action, result) = match args.command {
        None => return list(ctx, &store, args.all),
        Some(OutboxCommand::Cancel(a)) => (a.id, Action::Cancel, store.outbox_cancel(a.id)),
        Some(OutboxCommand::Release(a)) => (a.id, Action::Release, store.outbox_release(a.id)),
        Some(OutboxCommand::Retry(a)) => (a.id, Action::Retry, store.outbox_retry(a.id)),
    };
    let item = match result {
        Ok(item) => item,
        Err(StoreError::WrongState { actual, .. }) => {
            let why = match (action, actual.as_str()) {
                (Action::Cancel, "sending" | "verifying") => {
                    "it is being sent right now and may already have reached the server"
                }
                (Action::Cancel, _) => "only queued, held or failed items can be cancelled",
                (Action::Release, _) => "only held items can be released",
                (Action::Retry, _) => "only failed or held items can be retried",
            };
            anyhow::bail!("outbox item {id} is {actual}: {why}");
        }
        Err(StoreError::NoSuchItem(_)) => {
            anyhow::bail!("there is no outbox item {id} (see `syncro outbox --all`)")
        }
        Err(e) => return Err(e.into()),
    };
    if ctx.json {
        render::print_json(&item)?;
    } else {
        let done = match action {
            Action::Cancel => "cancelled",
            Action::Release => "released",
            Action::Retry => "queued again",
        };
        render::print(&format!(
            "{done} #{}: {}\n",
            item.id,
            item.command.describe()
        ))?;
    }
    // Steps waiting on a cancelled one can never run.
    if action == Action::Cancel {
        let stuck: Vec<String> = store
            .outbox_blocked()?
            .iter()
            .filter(|(_, dep)| dep.id == item.id)
            .map(|(i, _)| format!("#{}", i.id))
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

fn list(ctx: &Ctx, store: &Store, all: bool) -> Result<ExitCode> {
    // Done items pile up over months: only read them when asked.
    let states: &[State] = if all {
        &[]
    } else {
        &[
            State::Queued,
            State::Sending,
            State::Verifying,
            State::Held,
            State::Failed,
        ]
    };
    let items = store.outbox_items(states)?;
    let shown: Vec<&OutboxItem> = items.iter().collect();
    if ctx.json {
        render::print_json(&shown)?;
        return Ok(ExitCode::SUCCESS);
    }
    if shown.is_empty() {
        render::note(if all {
            "the outbox is empty"
        } else {
            "nothing waiting in the outbox (--all shows done and cancelled items)"
        });
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
                render::age(Some(&i.updated_at)),
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
            State::Held | State::Failed => problems.push(format!(
                "  #{} {}: {}",
                i.id,
                i.state,
                i.last_error
                    .as_deref()
                    .map(render::one_line)
                    .unwrap_or_else(|| "no reason recorded".into())
            )),
            State::Queued => {
                if let Some(err) = &i.last_error {
                    problems.push(format!(
                        "  #{} will retry {}: {}",
                        i.id,
                        i.next_attempt_at
                            .as_deref()
                            .map(|t| render::age(Some(t)))
                            .unwrap_or_else(|| "soon".into()),
                        render::one_line(err)
                    ));
                }
                if let Some(dep) = i.depends_on.and_then(|d| lookup.get(d)) {
                    if matches!(dep.state, State::Held | State::Failed | State::Cancelled) {
                        problems.push(format!(
                            "  #{} waits on #{}, which is {}",
                            i.id, dep.id, dep.state
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    if !problems.is_empty() {
        out.push_str(&format!("\n{}\n", ctx.style.bold("Needs attention")));
        for p in problems {
            out.push_str(&p);
            out.push('\n');
        }
    }
    render::print(&out)?;
    Ok(ExitCode::SUCCESS)
}
