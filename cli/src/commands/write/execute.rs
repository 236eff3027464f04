//! The terminal side of a write: show the plan, confirm, queue, report
//! what was queued, and with `--wait` follow it and say how it went.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Result};
use syncro_store::outbox::{RetryPlan, State};
use syncro_store::Store;

use crate::args::WriteOpts;
use crate::confirm;
use crate::context::{daemon_alive, daemon_alive_at, Ctx};
use crate::render;
use crate::write::plan::{Plan, Queued, Step};
use crate::write::wait::{self, steps_summary, WaitOutcome, Waited};

/// Shows, confirms, queues, reports and (with `--wait`) follows a plan.
pub(super) fn execute(
    ctx: &Ctx,
    mut store: Store,
    plan: Plan,
    opts: &WriteOpts,
) -> Result<ExitCode> {
    let warn = |w: &str| render::note(&ctx.err_style.yellow(&format!("warning: {w}")));
    if opts.dry_run {
        if ctx.json {
            render::print_json(&plan.dry_run())?;
        } else {
            render::print(&plan.preview())?;
            for w in plan.warnings() {
                warn(w);
            }
            render::note("--dry-run: nothing queued");
        }
        return Ok(ExitCode::SUCCESS);
    }
    if !opts.yes {
        render::note(plan.preview().trim_end());
        for w in plan.warnings() {
            warn(w);
        }
        confirm::confirm(false, "Queue this?")?;
    } else {
        for w in plan.warnings() {
            warn(w);
        }
    }
    let descriptions: Vec<String> = plan.steps().iter().map(Step::summary).collect();
    let is_create = plan
        .steps()
        .first()
        .is_some_and(|s| s.command().creates_ticket());
    let target = plan.target().to_string();
    let footer = plan.footer().to_vec();
    // `--wait` means "send it now and tell me": no undo window.
    let send_after = plan.send_after(ctx, opts.wait.is_some());
    let window_skipped = opts.wait.is_some() && plan.customer_visible() && ctx.config.undo_secs > 0;
    let Queued {
        ids,
        group,
        send_after,
    } = plan.enqueue(&mut store, send_after)?;

    let (Some(&first), Some(first_text)) = (ids.first(), descriptions.first()) else {
        bail!("nothing was queued");
    };
    if !ctx.json {
        let mut out = String::new();
        if is_create {
            out.push_str(&format!("queued as @{first}: {first_text}\n"));
            out.push_str(&format!(
                "use @{first} as the TICKET of further writes until it has a number\n"
            ));
        } else if ids.len() == 1 {
            out.push_str(&format!("queued #{first} on {target}: {first_text}\n"));
        } else {
            out.push_str(&format!(
                "queued {} on {target}:\n",
                group.unwrap_or_default()
            ));
            for (id, d) in ids.iter().zip(&descriptions) {
                out.push_str(&format!("  #{id}  {d}\n"));
            }
        }
        for f in &footer {
            out.push_str(&format!("{f}\n"));
        }
        render::print(&out)?;
        if send_after.is_some() {
            render::note(&format!(
                "sending in {} s: `syncro undo` takes it back",
                ctx.config.undo_secs
            ));
        } else if window_skipped {
            render::note("--wait: sent without the undo window");
        }
    }
    let alive = daemon_alive(ctx, store.heartbeat()?.as_ref());
    if !alive {
        render::note("note: syncrod is not running; this waits in the outbox until it starts");
    }
    let Some(secs) = opts.wait else {
        if ctx.json {
            render::print_json(&wait::load_items(&store, &ids)?)?;
        }
        return Ok(ExitCode::SUCCESS);
    };
    let timeout = Duration::from_secs(secs);
    let waited = wait::wait(&store, &ids, timeout)?;
    report(ctx, &store, &ids, waited, timeout)
}

/// Prints how the wait went (JSON: the items) and picks the exit code.
fn report(
    ctx: &Ctx,
    store: &Store,
    ids: &[i64],
    waited: Waited,
    timeout: Duration,
) -> Result<ExitCode> {
    let Waited { outcome, items } = waited;
    if ctx.json {
        render::print_json(&items)?;
    }
    match outcome {
        WaitOutcome::Verified => {
            if !ctx.json {
                render::print(&format!(
                    "done: {} sent and verified\n",
                    ids.iter()
                        .map(|i| format!("#{i}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))?;
                // Landed, with differences that do not hold anything up
                // (a reworded comment): worth knowing, not an error.
                for i in &items {
                    if let Some(d) = i.result.describe_differences() {
                        render::note(&format!("note: #{} landed with differences: {d}", i.id));
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        WaitOutcome::NeedsAttention(item) => {
            let reason = item
                .last_error
                .as_deref()
                .map(render::one_line)
                .unwrap_or_else(|| "no reason recorded".into());
            let fix = match item.state {
                State::Held => format!(
                    "release it with `syncro outbox release {0}` or cancel it with `syncro outbox cancel {0}`",
                    item.id
                ),
                State::Failed => format!(
                    "`syncro outbox retry {0}` ({1}), or `syncro outbox cancel {0}`",
                    item.id,
                    RetryPlan::for_item(&item).describe()
                ),
                // The daemon's sentence already names the commands.
                State::Differs | State::Uncertain => String::new(),
                _ => "see `syncro outbox --all`".into(),
            };
            render::note(&format!(
                "error: #{} {}: {reason}\n{}{fix}",
                item.id,
                item.state,
                steps_summary(&items)
            ));
            Ok(ExitCode::FAILURE)
        }
        WaitOutcome::TimedOut(item) => {
            // Judged now, not when the command started: the wait took a while.
            let alive = daemon_alive_at(ctx, store.heartbeat()?.as_ref(), ctx.clock());
            render::note(&format!(
                "error: #{} still {} after {} s; it stays in the outbox (see `syncro outbox`{})",
                item.id,
                item.state,
                timeout.as_secs(),
                if alive {
                    ""
                } else {
                    "; syncrod is not running"
                }
            ));
            Ok(ExitCode::FAILURE)
        }
    }
}
