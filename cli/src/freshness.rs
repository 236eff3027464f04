//! How fresh an answer from the cache is.
//!
//! Every query answers from the cache, never from the network, so every
//! answer says how old that cache is ("as of 12 s ago", `as_of` in JSON),
//! and says plainly when the daemon is not running or the data is older
//! than `stale_after_secs`: a technician (or an agent) must know when to
//! ask for a sync before acting on what it read.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;
use syncro_store::{time, Store, SyncState, PRODUCTS_REFRESH_SECS};

use crate::context::{daemon_alive, Ctx};
use crate::render;

/// The freshness of one answer.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Freshness {
    /// When the data this answer draws on was last mirrored in full (the
    /// oldest of its resources; `null`: never synced).
    pub as_of: Option<String>,
    /// Seconds between `as_of` and now.
    pub age_secs: Option<i64>,
    /// Older than the configured limit (`stale_after_secs`), or never
    /// synced: ask for a sync (`syncro sync`) before acting on it.
    pub stale: bool,
    /// Whether syncrod is running (its heartbeat is fresh); when false,
    /// nothing refreshes the cache and queued writes wait.
    pub daemon_running: bool,
    /// Age allowed on top of `stale_after_secs`: the refresh interval of
    /// a resource listed only now and then (products).
    #[serde(skip)]
    extra_secs: u64,
}

impl Freshness {
    /// The freshness of an answer drawn from `resources` (sync state names:
    /// "tickets", "customers", "invoices", "products").
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
        let extra = resources.iter().map(|r| refresh_secs(r)).max().unwrap_or(0);
        Freshness::at(ctx, as_of, Freshness::daemon(ctx, store), extra)
    }

    /// The freshness of one resource's sync state (`syncro status`).
    pub fn of_state(ctx: &Ctx, state: &SyncState, daemon_running: bool) -> Freshness {
        Freshness::at(
            ctx,
            state.last_success_at.clone(),
            daemon_running,
            refresh_secs(&state.resource),
        )
    }

    /// Whether syncrod's heartbeat is fresh.
    pub fn daemon(ctx: &Ctx, store: &Store) -> bool {
        let beat = store.heartbeat().ok().flatten();
        daemon_alive(ctx, beat.as_ref())
    }

    fn at(ctx: &Ctx, as_of: Option<String>, daemon_running: bool, extra_secs: u64) -> Freshness {
        let age_secs = age_secs(as_of.as_deref(), ctx.now);
        let limit = limit_secs(ctx, extra_secs);
        Freshness {
            stale: age_secs.is_none_or(|a| a > limit),
            as_of,
            age_secs,
            daemon_running,
            extra_secs,
        }
    }

    /// One line for the end of a text answer: "as of 12 s ago", with what
    /// is wrong when something is.
    pub fn line(&self, ctx: &Ctx) -> String {
        let when = match self.age_secs {
            Some(secs) => format!("as of {} ago", span(secs)),
            None => "never synced".to_string(),
        };
        let mut problems = Vec::new();
        if !self.daemon_running {
            problems.push("syncrod is not running: nothing is being refreshed".to_string());
        }
        if self.stale && self.as_of.is_some() {
            problems.push(format!(
                "older than {}: run `syncro sync` or check `syncro status`",
                span(limit_secs(ctx, self.extra_secs))
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

/// How much older than `stale_after_secs` a resource may be: syncrod lists
/// the product catalogue only every [`PRODUCTS_REFRESH_SECS`].
fn refresh_secs(resource: &str) -> u64 {
    if resource == "products" {
        PRODUCTS_REFRESH_SECS
    } else {
        0
    }
}

/// The age past which an answer is stale.
fn limit_secs(ctx: &Ctx, extra_secs: u64) -> i64 {
    i64::try_from(ctx.config.stale_after_secs.saturating_add(extra_secs)).unwrap_or(i64::MAX)
}

/// Seconds from a cache timestamp to `now` (never negative: a stamp from
/// a clock slightly ahead reads as just now).
pub fn age_secs(ts: Option<&str>, now: DateTime<Utc>) -> Option<i64> {
    ts.and_then(time::parse)
        .map(|t| (now - t).num_seconds().max(0))
}

/// A duration in the unit people use for it: `12 s`, `5 min`, `3 h`, `2 d`.
pub fn span(secs: i64) -> String {
    match secs {
        s if s < 120 => format!("{s} s"),
        s if s < 2 * 3600 => format!("{} min", s / 60),
        s if s < 48 * 3600 => format!("{} h", s / 3600),
        s => format!("{} d", s / 86400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_in_the_natural_unit() {
        assert_eq!(span(0), "0 s");
        assert_eq!(span(12), "12 s");
        assert_eq!(span(119), "119 s");
        assert_eq!(span(300), "5 min");
        assert_eq!(span(3 * 3600 + 5), "3 h");
        assert_eq!(span(3 * 86400), "3 d");
    }

    #[test]
    fn ages_never_go_negative() {
        let now = time::parse("2026-03-10T12:00:00Z").unwrap();
        assert_eq!(age_secs(Some("2026-03-10T11:59:48Z"), now), Some(12));
        assert_eq!(age_secs(Some("2026-03-10T12:00:05Z"), now), Some(0));
        assert_eq!(age_secs(None, now), None);
        assert_eq!(age_secs(Some("garbage"), now), None);
    }
}
