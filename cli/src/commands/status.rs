//! `syncro status` and `syncro sync`.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;
use syncro_store::outbox::PossibleDuplicate;
use syncro_store::{Budget, DaemonHeartbeat};

use crate::args::SyncArgs;
use crate::context::{Ctx, LazyStore};
use crate::read::status;
use crate::render;
use crate::write::refresh;

/// The daemon's state in a few words, and what to do about it if anything.
fn daemon_state(
    alive: bool,
    beat: Option<&DaemonHeartbeat>,
    now: DateTime<Utc>,
) -> (String, Option<&'static str>) {
    match (alive, beat) {
        (true, Some(b)) => (
            format!(
                "running (pid {}, version {}, last beat {})",
                b.pid,
                b.version,
                render::age(Some(&b.beat_at), now)
            ),
            None,
        ),
        (false, Some(b)) if !b.running => (
            format!("stopped (last beat {})", render::age(Some(&b.beat_at), now)),
            Some("start it with `syncrod`"),
        ),
        (false, Some(b)) => (
            format!(
                "not responding (pid {}, last beat {}: hung or killed)",
                b.pid,
                render::age(Some(&b.beat_at), now)
            ),
            Some("restart `syncrod`"),
        ),
        (_, None) => (
            "not running (never started on this cache)".into(),
            Some("start it with `syncrod`"),
        ),
    }
}

/// The budget line: "share 132/150 per min (adaptive), 128 requests in
/// the last minute, 3 × 429 in the last hour".
fn budget_line(b: &Budget) -> String {
    format!(
        "share {}/{} per min (adaptive), {} requests in the last minute, {} × 429 in the last hour",
        b.share_per_minute, b.ceiling_per_minute, b.requests_last_minute, b.rate_limited_last_hour
    )
}

pub fn status(ctx: &Ctx) -> Result<ExitCode> {
    let answer = status::query(ctx, &LazyStore::new(ctx))?;
    if ctx.json {
        render::print_json(&answer)?;
        return Ok(ExitCode::SUCCESS);
    }
    let style = ctx.style;
    let (alive, beat) = (answer.daemon.alive, answer.daemon.heartbeat.as_ref());
    let (counts, duplicates) = (&answer.outbox, &answer.possible_duplicates);
    let mut out = String::new();
    let daemon = match daemon_state(alive, beat, ctx.now) {
        (state, Some(fix)) => format!("{state}: {fix}"),
        (state, None) => state,
    };
    out.push_str(&format!(
        "{:<8} {}\n",
        "daemon",
        if alive {
            style.green(&daemon)
        } else {
            style.red(&daemon)
        }
    ));
    if let Some(b) = &answer.daemon.budget {
        let line = budget_line(b);
        out.push_str(&format!(
            "{:<8} {}\n",
            "budget",
            if b.rate_limited_last_hour > 0 {
                style.yellow(&line)
            } else {
                line
            }
        ));
    }
    out.push_str(&format!(
        "{:<8} {} (schema {})\n",
        "cache",
        answer.cache,
        answer
            .schema_version
            .map(|v| v.to_string())
            .unwrap_or_else(|| "-".into())
    ));
    let mut outbox = vec![format!("{} queued", counts.queued)];
    if counts.sending + counts.verifying > 0 {
        outbox.push(format!("{} sending", counts.sending + counts.verifying));
    }
    if counts.probing > 0 {
        outbox.push(format!("{} looking for a lost answer", counts.probing));
    }
    for (n, what) in [
        (counts.held, "held"),
        (counts.failed, "failed"),
        (counts.differs, "landed but differ"),
        (counts.uncertain, "uncertain"),
    ] {
        if n > 0 || matches!(what, "held" | "failed") {
            let text = format!("{n} {what}");
            outbox.push(if n > 0 { style.red(&text) } else { text });
        }
    }
    outbox.push(format!("{} done", counts.done));
    out.push_str(&format!("{:<8} {}\n", "outbox", outbox.join(", ")));
    for d in duplicates {
        let text = format!(
            "{} on {}: {}: {}",
            style.red("possible duplicate"),
            d.ticket_label(),
            d.summary(),
            PossibleDuplicate::advice()
        );
        out.push_str(&format!("         {text}\n"));
    }
    if let Some(first) = answer.access_refused.first() {
        out.push_str(&format!(
            "{:<8} {}: {}\n",
            "access",
            style.red(&format!(
                "{} write(s) refused for the API key or a permission",
                answer.access_refused.len()
            )),
            crate::render::one_line(&first.error)
        ));
    }
    if counts.needs_human() > 0 {
        out.push_str("         see `syncro outbox` for the reasons\n");
    }
    out.push('\n');
    if answer.resources.is_empty() {
        out.push_str("nothing synced yet\n");
    } else {
        let rows = answer
            .resources
            .iter()
            .map(|r| {
                let s = &r.state;
                let error = match (&s.last_error, &s.last_error_at, &s.last_success_at) {
                    // An error older than the last success is history.
                    (Some(_), Some(at), Some(ok)) if at <= ok => String::new(),
                    (Some(e), at, _) => format!(
                        "{} ({})",
                        render::truncate(&render::one_line(e), 60),
                        render::age(at.as_deref(), ctx.now)
                    ),
                    (None, _, _) => String::new(),
                };
                vec![
                    s.resource.clone(),
                    render::time(s.last_success_at.as_deref()),
                    {
                        let age = render::age(s.last_success_at.as_deref(), ctx.now);
                        if r.stale {
                            style.yellow(&age)
                        } else {
                            age
                        }
                    },
                    s.rows_synced.to_string(),
                    s.backlog.to_string(),
                    error,
                ]
            })
            .collect();
        out.push_str(&render::table(
            &[
                "RESOURCE",
                "LAST SYNC",
                "AGE",
                "ROWS",
                "BACKLOG",
                "LAST ERROR",
            ],
            rows,
            &[3, 4],
            style,
        ));
    }
    render::print(&out)?;
    answer.freshness.note(ctx);
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct SyncJson {
    requested: bool,
    daemon_alive: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    number: Option<i64>,
    /// With `--wait`: whether the new data arrived in time.
    #[serde(skip_serializing_if = "Option::is_none")]
    refreshed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

/// `syncro sync [TICKET] [--wait]`: asks the daemon (never the API), and
/// with `--wait` follows it until the data is in the cache (exit 1 when
/// it did not come in time, or no daemon runs to bring it).
pub fn sync(ctx: &Ctx, args: SyncArgs) -> Result<ExitCode> {
    let mut store = ctx.store()?;
    let number = args
        .ticket
        .map(|r| crate::context::ticket_number(&store, r))
        .transpose()?;
    let asked = refresh::request(ctx, &mut store, number)?;
    let beat = store.heartbeat()?;
    let alive = asked.daemon_alive;
    let waited = args.wait.map(|secs| {
        let timeout = Duration::from_secs(secs);
        asked
            .wait(&store, timeout)
            .map(|arrived| (arrived, asked.outcome(arrived, timeout)))
    });
    let waited = waited.transpose()?;
    if ctx.json {
        render::print_json(&SyncJson {
            requested: true,
            daemon_alive: alive,
            number,
            refreshed: waited.as_ref().map(|w| w.0),
            message: waited.as_ref().map(|w| w.1.clone()),
        })?;
    } else if let Some((arrived, message)) = &waited {
        if *arrived {
            render::print(&format!("{message}\n"))?;
        } else if alive {
            render::note(&format!("error: {message}"));
        }
    } else if let (true, Some(b)) = (alive, &beat) {
        render::print(&format!(
            "sync requested: syncrod (pid {}) starts a pass now{}\n",
            b.pid,
            number.map_or(String::new(), |n| format!(", #{n} first"))
        ))?;
    } else {
        render::print("sync requested\n")?;
    }
    if !alive {
        let (state, fix) = daemon_state(false, beat.as_ref(), ctx.now);
        render::note(&format!(
            "warning: syncrod is {state}; the sync happens once it runs: {}",
            fix.unwrap_or("start `syncrod`")
        ));
    }
    Ok(match waited {
        Some((false, _)) => ExitCode::FAILURE,
        _ => ExitCode::SUCCESS,
    })
}
