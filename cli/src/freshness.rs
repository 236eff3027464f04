//! How fresh an answer from the cache is.
//!
//! Every query answers from the cache, never from the network, so every
//! answer says how old that cache is ("as of 12 s ago", `as_of` in JSON),
//! and says plainly when the daemon is not running or the data is older
//! than `stale_after_secs`: a technician (or an agent) must know when to
//! ask for a sync before acting on what it read.

use chrono::{DateTime, Utc};
use serde::Serialize;
use syncro_store::{time, Store};

use crate::context::{daemon_alive, Ctx};
use crate::render;

/// The freshness of one answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Freshness {
    /// When the oldest resource the answer draws on was last mirrored in
    /// full (`null`: never).
    pub as_of: Option<String>,
    /// Seconds between `as_of` and now.
    pub age_secs: Option<i64>,
    /// Older than the configured limit (`stale_after_secs`), or never synced.
    pub stale: bool,
    /// Whether syncrod is running (its heartbeat is fresh).
    pub daemon_running: bool,
}

impl Freshness {
    /// The freshness of an answer drawn from `resources` (sync state names:
    /// "tickets", "customers", "invoices").
    pub fn of(ctx: &Ctx, store: &Store, resources: &[&str]) -> Freshness {
        let mut as_of: Option<String> = None;
        let mut never = false;
        for r in resources {
            match store.sync_state(r).ok().and_then(|s| s.last_success_at) {
                Some(t) => {
                    if as_of.as_ref().is_none_or(|a| t < *a) {
                        as_of = Some(t);
                    }
                }
                None => never = true,
            }
        }
        if never {
            as_of = None;
        }
        let beat = store.heartbeat().ok().flatten();
        Freshness::at(ctx, ctx.now, as_of, daemon_alive(ctx, beat.as_ref()))
    }

    fn at(ctx: &Ctx, now: DateTime<Utc>, as_of: Option<String>, daemon_running: bool) -> Freshness {
        let age_secs = as_of
            .as_deref()
            .and_then(time::parse)
            .map(|t| (now - t).num_seconds().max(0));
        let limit = i64::try_from(ctx.config.stale_after_secs).unwrap_or(i64::MAX);
        Freshness {
            stale: age_secs.is_none_or(|a| a > limit),
            as_of,
            age_secs,
            daemon_running,
        }
    }

    /// One line for the end of a text answer: "as of 12 s ago", with what
    /// is wrong when something is.
    pub fn line(&self, ctx: &Ctx) -> String {
        let when = match &self.as_of {
            Some(t) => format!("as of {}", render::age(Some(t), ctx.now)),
            None => "never synced".to_string(),
        };
        let mut problems = Vec::new();
        if !self.daemon_running {
            problems.push("syncrod is not running: nothing is being refreshed".to_string());
        }
        if self.stale && self.as_of.is_some() {
            problems.push(format!(
                "older than {} s: run `syncro sync` or check `syncro status`",
                ctx.config.stale_after_secs
            ));
        }
        if problems.is_empty() {
            when
        } else {
            format!("{when} ({})", problems.join("; "))
        }
    }

    /// Whether the line is a warning rather than news.
    pub fn is_warning(&self) -> bool {
        self.stale || !self.daemon_running
    }

    /// Prints the line on stderr, dim when fine and yellow when not, so it
    /// never mixes into what a script reads on stdout.
    pub fn note(&self, ctx: &Ctx) {
        let line = self.line(ctx);
        render::note(&if self.is_warning() {
            ctx.err_style.yellow(&line)
        } else {
            ctx.err_style.dim(&line)
        });
    }
}
