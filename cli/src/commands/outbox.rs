//! `syncro outbox`: what is queued, and cancel/release/retry.

use std::collections::HashMap;
use std::process::ExitCode;

use anyhow::Result;
use syncro_store::outbox::{OutboxItem, PossibleDuplicate, State};
use syncro_store::Store;

use crate::args::{OutboxArgs, OutboxCommand};
use crate::context::Ctx;
use crate::render;

use crate::write::outbox::{act, waiting_on, Acted, Action};

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
    if item.command.creates_ticket() {
        return "new".into();
    }
    let mut next = item.depends_on;
    let mut hops = 0;
    while let Some(id) = next {
        match lookup.get(id) {
            Some(dep) if dep.command.creates_ticket() => return format!("@{id}"),
            Some(dep) if hops < 100 => {
                next = dep.depends_on;
                hops += 1;
            }
            _ => break,
        }
    }
    "-".into()
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
                if let Some(first) = store.outbox_stopped_by(i)? {
                    problems.push(format!(
                        "  #{} waits behind #{} on {}, which is {}: writes on a ticket go in order (settle #{} first)",
                        i.id,
                        first.id,
                        ticket_label(i, &lookup),
                        first.state,
                        first.id
                    ));
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
