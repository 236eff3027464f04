//! Fault injection: which misbehaviour, if any, a given /api/v1 request gets.
//!
//! Two sources, queue first: a deterministic queue ("the next request
//! matching POST .../comment is dropped after applying"), which tests rely
//! on, and a seeded random rate for soak runs. Only the choice lives here;
//! `gate.rs` carries the chosen fault out.
//!
//! Long (about 750 lines) because half of it is the tests of the queue's
//! matching rules (once, times, persistent, path patterns) and of the
//! random choice's reproducibility: they belong next to the rules.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::str::FromStr;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// The kinds of misbehaviour seen from the real service or its network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// 500 JSON, nothing applied.
    ServerError,
    /// 502 with an HTML page (a proxy in front), nothing applied.
    BadGateway,
    /// 429 with `Retry-After` although the client is under the limit.
    TooManyRequests,
    /// Extra delay (`latency_min_ms..=latency_max_ms`), then served normally.
    Latency,
    /// The connection is closed without an answer; nothing applied.
    ResetBeforeApply,
    /// The request is applied, then the connection is closed without an
    /// answer: the client cannot tell that its write landed.
    ApplyThenDrop,
    /// The request is applied, answered only after `slow_answer_ms`: a client
    /// with a shorter timeout gives up on a write that landed.
    ApplyThenSlowAnswer,
    /// The request is applied and answered 200 with the JSON cut in half.
    TruncatedJson,
    /// The request is held for `hang_commit_ms` (or the queued `delay_ms`)
    /// and only then applied and answered: a server that commits late. The
    /// write lands even if the client timed out and hung up meanwhile, so a
    /// client that reads back right after its timeout sees nothing yet, and
    /// the write appears later.
    HangThenCommit,
    /// The request is applied, then answered 504 with an HTML gateway page:
    /// the proxy gave up waiting although the write landed.
    // snake_case alone would spell it "commit_then504".
    #[serde(rename = "commit_then_504")]
    CommitThen504,
    /// 403 JSON, nothing applied: the key's technician lacks the
    /// permission (a key carries its technician's permissions, which an
    /// admin changes in the web UI at any time).
    Forbidden,
    /// 401 JSON, nothing applied: the key was revoked or rotated in the
    /// web UI while the daemon runs.
    Unauthorized,
    /// Nothing of the request is applied; a colleague's look-alike of it is
    /// (same ticket, same subject and body, same times or line, but
    /// written by another technician), then 502 with an HTML page. Offices
    /// have colleagues, the web UI and RMM alerts writing the same things
    /// at the same time: a client that looks for its write afterwards finds
    /// one that matches what it sent, and must not take it for its own.
    /// Only `POST /tickets`, `/comment`, `/timer_entry` and `/add_line_item`
    /// have a look-alike; any other request gets a plain `bad_gateway`.
    ColleagueTwin,
}

impl FaultKind {
    /// The kinds a random run draws from by default (weight 1 each in
    /// `FaultConfig::default()`). Kinds added later that would change what
    /// existing seeded runs do are left out: they are in `EVERY` only, and
    /// take part when given a weight.
    pub const ALL: [FaultKind; 10] = [
        FaultKind::ServerError,
        FaultKind::BadGateway,
        FaultKind::TooManyRequests,
        FaultKind::Latency,
        FaultKind::ResetBeforeApply,
        FaultKind::ApplyThenDrop,
        FaultKind::ApplyThenSlowAnswer,
        FaultKind::TruncatedJson,
        FaultKind::HangThenCommit,
        FaultKind::CommitThen504,
    ];

    /// Every kind: `ALL` plus the opt-in ones (`colleague_twin`,
    /// `forbidden`, `unauthorized`).
    pub const EVERY: [FaultKind; 13] = [
        FaultKind::ServerError,
        FaultKind::BadGateway,
        FaultKind::TooManyRequests,
        FaultKind::Latency,
        FaultKind::ResetBeforeApply,
        FaultKind::ApplyThenDrop,
        FaultKind::ApplyThenSlowAnswer,
        FaultKind::TruncatedJson,
        FaultKind::HangThenCommit,
        FaultKind::CommitThen504,
        FaultKind::ColleagueTwin,
        FaultKind::Forbidden,
        FaultKind::Unauthorized,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FaultKind::ServerError => "server_error",
            FaultKind::BadGateway => "bad_gateway",
            FaultKind::TooManyRequests => "too_many_requests",
            FaultKind::Latency => "latency",
            FaultKind::ResetBeforeApply => "reset_before_apply",
            FaultKind::ApplyThenDrop => "apply_then_drop",
            FaultKind::ApplyThenSlowAnswer => "apply_then_slow_answer",
            FaultKind::TruncatedJson => "truncated_json",
            FaultKind::HangThenCommit => "hang_then_commit",
            FaultKind::CommitThen504 => "commit_then_504",
            FaultKind::ColleagueTwin => "colleague_twin",
            FaultKind::Forbidden => "forbidden",
            FaultKind::Unauthorized => "unauthorized",
        }
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for FaultKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FaultKind::EVERY
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| {
                let names: Vec<_> = FaultKind::EVERY.iter().map(|k| k.name()).collect();
                format!("unknown fault kind {s:?}; known: {}", names.join(", "))
            })
    }
}

/// The random side of fault injection, and the parameters of the kinds.
/// GET/PUT /admin/faults read and replace it whole.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultConfig {
    /// Seed of the random choice, so a soak run can be replayed.
    pub seed: u64,
    /// Probability (0..=1) that a request gets a random fault.
    pub rate: f64,
    /// Random faults only for non-GET requests.
    pub writes_only: bool,
    /// Relative weight of each kind in the random choice; missing kinds
    /// weigh 0. The default weighs every kind of `FaultKind::ALL` 1, and
    /// leaves out the opt-in `colleague_twin`.
    pub weights: BTreeMap<FaultKind, u32>,
    pub latency_min_ms: u64,
    pub latency_max_ms: u64,
    /// Delay before answering for `apply_then_slow_answer`.
    pub slow_answer_ms: u64,
    /// How long `hang_then_commit` holds a request before applying it.
    /// Longer than a typical client timeout (a few seconds), so by default
    /// the client has given up before the write lands.
    pub hang_commit_ms: u64,
    /// `Retry-After` of a spurious 429. Small by default so clients that
    /// honour it don't slow the tests down.
    pub retry_after_secs: u64,
}

impl Default for FaultConfig {
    fn default() -> Self {
        FaultConfig {
            seed: 1,
            rate: 0.0,
            writes_only: false,
            weights: FaultKind::ALL.into_iter().map(|k| (k, 1)).collect(),
            latency_min_ms: 50,
            latency_max_ms: 500,
            slow_answer_ms: 10_000,
            hang_commit_ms: 8_000,
            retry_after_secs: 1,
        }
    }
}

/// One queued fault: the next request matching `method`, `path_contains`
/// and `path_matches` (each optional) gets `fault`. Queue several to fault
/// the next N matching requests in order, or give one entry `times`; a
/// `persistent` entry faults every matching request until the queue is
/// cleared. The first matching entry wins; entries that do not match a
/// request (persistent ones included) never hold up later ones.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueuedFault {
    #[serde(default)]
    pub method: Option<String>,
    /// A part of the request path, `/api/v1` included: "/comment". Loose:
    /// "/tickets/123" also matches "/tickets/1234/comment".
    #[serde(default)]
    pub path_contains: Option<String>,
    /// The whole path after `/api/v1`, segment by segment, `*` standing for
    /// any one segment: "/tickets/123" is that ticket only (not its
    /// comments, not ticket 1234), "/tickets/*/comment" any ticket's
    /// comment POST. A leading "/api/v1" is allowed; slashes at either end
    /// do not count.
    #[serde(default)]
    pub path_matches: Option<String>,
    pub fault: FaultKind,
    /// Overrides the delay of `latency` / `apply_then_slow_answer` /
    /// `hang_then_commit`.
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// How many matching requests the entry faults before it is used up
    /// (1 when absent). Counts down: the queue shows what is left.
    #[serde(default)]
    pub times: Option<u32>,
    /// Never used up: every matching request gets the fault until the
    /// queue is cleared, like a route the server refuses for good (one
    /// ticket it cannot write any more).
    #[serde(default)]
    pub persistent: bool,
}

/// The path segments after `/api/v1` (the prefix is optional), empty ones
/// skipped.
fn api_segments(path: &str) -> impl Iterator<Item = &str> {
    let rest = match path.strip_prefix("/api/v1") {
        Some(r) if r.is_empty() || r.starts_with('/') => r,
        _ => path,
    };
    rest.split('/').filter(|s| !s.is_empty())
}

/// Whether `path` is `pattern`, segment for segment, `*` matching any one
/// segment.
fn path_matches(pattern: &str, path: &str) -> bool {
    let mut want = api_segments(pattern);
    let mut got = api_segments(path);
    loop {
        match (want.next(), got.next()) {
            (None, None) => return true,
            (Some(w), Some(g)) if w == "*" || w == g => {}
            _ => return false,
        }
    }
}

impl QueuedFault {
    /// A fault for the next request, whatever it is.
    pub fn new(fault: FaultKind) -> Self {
        QueuedFault {
            method: None,
            path_contains: None,
            path_matches: None,
            fault,
            delay_ms: None,
            times: None,
            persistent: false,
        }
    }

    pub fn method(mut self, method: &str) -> Self {
        self.method = Some(method.to_string());
        self
    }

    pub fn path_contains(mut self, part: &str) -> Self {
        self.path_contains = Some(part.to_string());
        self
    }

    /// Only requests to exactly this path; `*` matches one segment.
    pub fn path_matches(mut self, pattern: &str) -> Self {
        self.path_matches = Some(pattern.to_string());
        self
    }

    pub fn delay_ms(mut self, ms: u64) -> Self {
        self.delay_ms = Some(ms);
        self
    }

    /// Faults the next `n` matching requests, then is used up.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    /// Faults every matching request until the queue is cleared.
    pub fn persistent(mut self) -> Self {
        self.persistent = true;
        self
    }

    /// Why the entry cannot be queued, if it cannot: `times` 0 would never
    /// fault anything, and `times` with `persistent` says two things.
    pub fn validate(&self) -> Result<(), String> {
        match (self.times, self.persistent) {
            (Some(0), _) => Err("times must be at least 1".into()),
            (Some(_), true) => Err(
                "times and persistent exclude each other: a persistent entry is never used up"
                    .into(),
            ),
            _ => Ok(()),
        }
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        let m = self
            .method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method));
        let p = self
            .path_contains
            .as_deref()
            .is_none_or(|p| path.contains(p));
        let exact = self
            .path_matches
            .as_deref()
            .is_none_or(|pattern| path_matches(pattern, path));
        m && p && exact
    }
}

/// The fault picked for one request, its delay resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chosen {
    pub kind: FaultKind,
    /// For `latency`, `apply_then_slow_answer` and `hang_then_commit`; 0
    /// otherwise.
    pub delay_ms: u64,
    /// `Retry-After` for `too_many_requests`.
    pub retry_after_secs: u64,
}

/// Picks faults. Lives behind a mutex: the random sequence must be consumed
/// in request order to be reproducible.
pub struct FaultEngine {
    config: FaultConfig,
    rng: StdRng,
    queue: VecDeque<QueuedFault>,
}

impl FaultEngine {
    pub fn new(config: FaultConfig) -> Self {
        let rng = StdRng::seed_from_u64(config.seed);
        FaultEngine {
            config,
            rng,
            queue: VecDeque::new(),
        }
    }

    pub fn config(&self) -> &FaultConfig {
        &self.config
    }

    /// Replaces the configuration and restarts the random sequence from its
    /// seed; the queue is kept.
    pub fn set_config(&mut self, config: FaultConfig) {
        self.rng = StdRng::seed_from_u64(config.seed);
        self.config = config;
    }

    pub fn enqueue(&mut self, faults: impl IntoIterator<Item = QueuedFault>) {
        self.queue.extend(faults);
    }

    pub fn queued(&self) -> Vec<QueuedFault> {
        self.queue.iter().cloned().collect()
    }

    pub fn clear_queue(&mut self) {
        self.queue.clear();
    }

    /// The fault for a request, if any: the first matching queued entry
    /// (used once), else a random draw.
    pub fn select(&mut self, method: &str, path: &str) -> Option<Chosen> {
        if let Some(pos) = self.queue.iter().position(|q| q.matches(method, path)) {
            let (fault, delay_ms) = self.use_queued(pos)?;
            let delay_ms = match delay_ms {
                Some(ms) => ms,
                None => self.default_delay(fault),
            };
            return Some(self.chosen(fault, delay_ms));
        }
        self.random(method)
    }

    /// Uses the queued entry at `pos` once, answering its fault and delay:
    /// a persistent entry stays as it is, one with `times` left counts
    /// down, any other is removed. (`times: 0`, which `validate` refuses,
    /// counts as 1 rather than faulting for ever.)
    fn use_queued(&mut self, pos: usize) -> Option<(FaultKind, Option<u64>)> {
        let q = self.queue.get_mut(pos)?;
        let picked = (q.fault, q.delay_ms);
        if q.persistent {
            return Some(picked);
        }
        match q.times.unwrap_or(1) {
            0 | 1 => {
                self.queue.remove(pos);
            }
            n => q.times = Some(n - 1),
        }
        Some(picked)
    }

    fn random(&mut self, method: &str) -> Option<Chosen> {
        let rate = self.config.rate.clamp(0.0, 1.0);
        if rate <= 0.0 {
            return None;
        }
        let is_read = method.eq_ignore_ascii_case("GET") || method.eq_ignore_ascii_case("HEAD");
        if self.config.writes_only && is_read {
            return None;
        }
        if self.rng.random::<f64>() >= rate {
            return None;
        }
        let total: u64 = self.config.weights.values().map(|w| u64::from(*w)).sum();
        if total == 0 {
            return None;
        }
        let mut pick = self.rng.random_range(0..total);
        let mut kind = None;
        for (k, w) in &self.config.weights {
            let w = u64::from(*w);
            if pick < w {
                kind = Some(*k);
                break;
            }
            pick -= w;
        }
        let kind = kind?;
        let delay_ms = self.default_delay(kind);
        Some(self.chosen(kind, delay_ms))
    }

    fn default_delay(&mut self, kind: FaultKind) -> u64 {
        match kind {
            FaultKind::Latency => {
                let lo = self.config.latency_min_ms.min(self.config.latency_max_ms);
                let hi = self.config.latency_min_ms.max(self.config.latency_max_ms);
                self.rng.random_range(lo..=hi)
            }
            FaultKind::ApplyThenSlowAnswer => self.config.slow_answer_ms,
            FaultKind::HangThenCommit => self.config.hang_commit_ms,
            _ => 0,
        }
    }

    fn chosen(&self, kind: FaultKind, delay_ms: u64) -> Chosen {
        Chosen {
            kind,
            delay_ms,
            retry_after_secs: self.config.retry_after_secs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine(rate: f64, weights: &[(FaultKind, u32)]) -> FaultEngine {
        FaultEngine::new(FaultConfig {
            rate,
            weights: weights.iter().copied().collect(),
            ..FaultConfig::default()
        })
    }

    #[test]
    fn no_rate_no_queue_means_no_fault() {
        let mut e = FaultEngine::new(FaultConfig::default());
        assert!((0..1000).all(|_| e.select("POST", "/api/v1/tickets").is_none()));
    }

    #[test]
    fn queue_is_consumed_in_order_by_matching_requests_only() {
        let mut e = FaultEngine::new(FaultConfig::default());
        e.enqueue([
            QueuedFault::new(FaultKind::ApplyThenDrop)
                .method("post")
                .path_contains("/comment"),
            QueuedFault::new(FaultKind::ServerError)
                .method("POST")
                .path_contains("/comment"),
        ]);
        assert_eq!(e.select("GET", "/api/v1/tickets/1000/comments"), None);
        assert_eq!(e.select("POST", "/api/v1/tickets"), None);
        let first = e.select("POST", "/api/v1/tickets/1000/comment");
        assert_eq!(first.map(|c| c.kind), Some(FaultKind::ApplyThenDrop));
        let second = e.select("POST", "/api/v1/tickets/1000/comment");
        assert_eq!(second.map(|c| c.kind), Some(FaultKind::ServerError));
        assert_eq!(e.select("POST", "/api/v1/tickets/1000/comment"), None);
    }

    #[test]
    fn unmatched_queue_entries_do_not_block_later_ones() {
        let mut e = FaultEngine::new(FaultConfig::default());
        e.enqueue([
            QueuedFault::new(FaultKind::BadGateway).path_contains("/invoices"),
            QueuedFault::new(FaultKind::TruncatedJson).path_contains("/tickets"),
        ]);
        let c = e.select("GET", "/api/v1/tickets");
        assert_eq!(c.map(|c| c.kind), Some(FaultKind::TruncatedJson));
        assert_eq!(e.queued().len(), 1);
    }

    #[test]
    fn a_persistent_entry_faults_every_match_until_cleared_and_blocks_nothing_else() {
        let mut e = FaultEngine::new(FaultConfig::default());
        e.enqueue([
            QueuedFault::new(FaultKind::BadGateway)
                .method("POST")
                .path_matches("/tickets/123/comment")
                .persistent(),
            QueuedFault::new(FaultKind::ServerError).path_contains("/comment"),
        ]);
        let kind = |e: &mut FaultEngine, m: &str, p: &str| e.select(m, p).map(|c| c.kind);
        for _ in 0..5 {
            assert_eq!(
                kind(&mut e, "POST", "/api/v1/tickets/123/comment"),
                Some(FaultKind::BadGateway)
            );
        }
        // Another ticket's comment reaches the entry behind it.
        assert_eq!(
            kind(&mut e, "POST", "/api/v1/tickets/1234/comment"),
            Some(FaultKind::ServerError)
        );
        assert_eq!(kind(&mut e, "POST", "/api/v1/tickets/1234/comment"), None);
        assert_eq!(e.queued().len(), 1, "the persistent entry stays");
        assert!(e.queued()[0].persistent);
        e.clear_queue();
        assert_eq!(kind(&mut e, "POST", "/api/v1/tickets/123/comment"), None);
    }

    #[test]
    fn times_faults_the_next_n_matches_counting_down() {
        let mut e = FaultEngine::new(FaultConfig::default());
        e.enqueue([QueuedFault::new(FaultKind::TooManyRequests)
            .method("GET")
            .times(3)]);
        assert!(e.select("POST", "/api/v1/tickets").is_none());
        assert!(e.select("GET", "/api/v1/me").is_some());
        assert_eq!(e.queued()[0].times, Some(2));
        assert!(e.select("GET", "/api/v1/me").is_some());
        assert!(e.select("GET", "/api/v1/me").is_some());
        assert!(e.queued().is_empty());
        assert!(e.select("GET", "/api/v1/me").is_none());
        // Refused over /admin, but harmless if queued directly: once.
        e.enqueue([QueuedFault::new(FaultKind::ServerError).times(0)]);
        assert!(e.select("GET", "/api/v1/me").is_some());
        assert!(e.select("GET", "/api/v1/me").is_none());
    }

    #[test]
    fn path_matches_is_the_whole_path_with_star_for_one_segment() {
        let cases = [
            ("/tickets/123", "/api/v1/tickets/123", true),
            ("/tickets/123", "/api/v1/tickets/1234", false),
            ("/tickets/123", "/api/v1/tickets/123/comment", false),
            ("/tickets/123", "/api/v1/tickets/1234/comment", false),
            ("/tickets/123", "/api/v1/tickets/123/", true),
            ("tickets/123/", "/api/v1/tickets/123", true),
            ("/api/v1/tickets/123", "/api/v1/tickets/123", true),
            ("/tickets/*/comment", "/api/v1/tickets/9/comment", true),
            ("/tickets/*/comment", "/api/v1/tickets/9/comments", false),
            ("/tickets/*/comment", "/api/v1/tickets/comment", false),
            ("/tickets/*", "/api/v1/tickets", false),
            ("/tickets", "/api/v1/tickets", true),
            ("/api/v1x/tickets", "/api/v1/tickets", false),
        ];
        for (pattern, path, want) in cases {
            assert_eq!(path_matches(pattern, path), want, "{pattern} vs {path}");
        }
        let q = QueuedFault::new(FaultKind::ServerError)
            .path_matches("/tickets/*")
            .path_contains("/tickets/12");
        assert!(q.matches("PUT", "/api/v1/tickets/123"));
        assert!(!q.matches("PUT", "/api/v1/tickets/99"), "both must hold");
    }

    #[test]
    fn old_queue_json_still_reads_and_bad_entries_are_named() {
        let old: QueuedFault = serde_json::from_value(serde_json::json!(
            {"method": "POST", "path_contains": "/comment", "fault": "apply_then_drop", "delay_ms": null}
        ))
        .unwrap_or_else(|_| QueuedFault::new(FaultKind::Latency));
        assert_eq!(
            old,
            QueuedFault::new(FaultKind::ApplyThenDrop)
                .method("POST")
                .path_contains("/comment")
        );
        let new: Result<QueuedFault, _> = serde_json::from_value(serde_json::json!(
            {"path_matches": "/tickets/5", "fault": "colleague_twin", "persistent": true}
        ));
        assert_eq!(
            new.ok(),
            Some(
                QueuedFault::new(FaultKind::ColleagueTwin)
                    .path_matches("/tickets/5")
                    .persistent()
            )
        );
        assert!(QueuedFault::new(FaultKind::BadGateway).validate().is_ok());
        let zero = QueuedFault::new(FaultKind::BadGateway).times(0).validate();
        assert!(zero.is_err_and(|e| e.contains("at least 1")));
        let both = QueuedFault::new(FaultKind::BadGateway)
            .times(2)
            .persistent()
            .validate();
        assert!(both.is_err_and(|e| e.contains("persistent")));
    }

    #[test]
    fn queued_delay_overrides_config() {
        let mut e = FaultEngine::new(FaultConfig::default());
        e.enqueue([QueuedFault::new(FaultKind::ApplyThenSlowAnswer).delay_ms(7)]);
        assert_eq!(e.select("GET", "/x").map(|c| c.delay_ms), Some(7));
    }

    #[test]
    fn hang_then_commit_waits_hang_commit_ms_unless_queued_with_a_delay() {
        let mut e = FaultEngine::new(FaultConfig {
            hang_commit_ms: 1234,
            ..FaultConfig::default()
        });
        e.enqueue([
            QueuedFault::new(FaultKind::HangThenCommit),
            QueuedFault::new(FaultKind::HangThenCommit).delay_ms(2500),
            QueuedFault::new(FaultKind::CommitThen504),
        ]);
        let delays: Vec<_> = (0..3)
            .filter_map(|_| e.select("POST", "/api/v1/tickets/1/comment"))
            .map(|c| (c.kind, c.delay_ms))
            .collect();
        assert_eq!(
            delays,
            [
                (FaultKind::HangThenCommit, 1234),
                (FaultKind::HangThenCommit, 2500),
                (FaultKind::CommitThen504, 0)
            ]
        );
    }

    #[test]
    fn every_kind_has_a_distinct_name_that_parses_back_and_a_default_weight() {
        let names: std::collections::BTreeSet<_> =
            FaultKind::EVERY.iter().map(|k| k.name()).collect();
        assert_eq!(names.len(), FaultKind::EVERY.len());
        for k in FaultKind::EVERY {
            assert_eq!(k.name().parse::<FaultKind>(), Ok(k));
            assert_eq!(
                serde_json::to_value(k).ok(),
                Some(serde_json::json!(k.name()))
            );
        }
        let weights = FaultConfig::default().weights;
        assert!(FaultKind::ALL.iter().all(|k| weights.get(k) == Some(&1)));
        // Opt-in kinds are in EVERY only and weigh 0 unless given a weight,
        // so seeded random runs draw what they drew before they existed.
        assert!(FaultKind::ALL.iter().all(|k| FaultKind::EVERY.contains(k)));
        let opt_in: Vec<_> = FaultKind::EVERY
            .into_iter()
            .filter(|k| !FaultKind::ALL.contains(k))
            .collect();
        assert_eq!(
            opt_in,
            [
                FaultKind::ColleagueTwin,
                FaultKind::Forbidden,
                FaultKind::Unauthorized
            ]
        );
        assert!(opt_in.iter().all(|k| !weights.contains_key(k)));
        assert_eq!(
            "colleague_twin".parse::<FaultKind>(),
            Ok(FaultKind::ColleagueTwin)
        );
        assert_eq!(
            "commit_then_504".parse::<FaultKind>(),
            Ok(FaultKind::CommitThen504)
        );
    }

    #[test]
    fn rate_one_single_weight_always_picks_it() {
        let mut e = engine(1.0, &[(FaultKind::BadGateway, 3)]);
        for _ in 0..100 {
            assert_eq!(
                e.select("GET", "/api/v1/me").map(|c| c.kind),
                Some(FaultKind::BadGateway)
            );
        }
    }

    #[test]
    fn writes_only_spares_reads() {
        let mut e = FaultEngine::new(FaultConfig {
            rate: 1.0,
            writes_only: true,
            ..FaultConfig::default()
        });
        assert!(e.select("GET", "/api/v1/tickets").is_none());
        assert!(e.select("POST", "/api/v1/tickets").is_some());
    }

    #[test]
    fn random_choice_is_reproducible_and_near_rate() {
        let run = || {
            let mut e = engine(0.2, &[(FaultKind::ServerError, 1), (FaultKind::Latency, 1)]);
            (0..2000)
                .map(|_| {
                    e.select("POST", "/api/v1/tickets")
                        .map(|c| (c.kind, c.delay_ms))
                })
                .collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        let hits = a.iter().filter(|c| c.is_some()).count();
        assert!(
            (300..500).contains(&hits),
            "{hits} faults in 2000 at rate 0.2"
        );
        let lat = a.iter().flatten().filter(|c| c.0 == FaultKind::Latency);
        assert!(lat.clone().count() > 50);
        assert!(lat.into_iter().all(|c| (50..=500).contains(&c.1)));
    }

    #[test]
    fn set_config_restarts_the_sequence() {
        let mut e = engine(0.5, &[(FaultKind::ServerError, 1)]);
        let a: Vec<_> = (0..50).map(|_| e.select("GET", "/").is_some()).collect();
        let cfg = e.config().clone();
        e.set_config(cfg);
        let b: Vec<_> = (0..50).map(|_| e.select("GET", "/").is_some()).collect();
        assert_eq!(a, b);
    }

    #[test]
    fn config_json_round_trips_with_kind_names() {
        let cfg: FaultConfig = serde_json::from_value(serde_json::json!({
            "rate": 0.1,
            "weights": {"apply_then_drop": 2, "truncated_json": 1}
        }))
        .unwrap_or_default();
        assert_eq!(cfg.rate, 0.1);
        assert_eq!(cfg.weights.get(&FaultKind::ApplyThenDrop), Some(&2));
        assert_eq!(cfg.slow_answer_ms, 10_000);
        assert_eq!(cfg.hang_commit_ms, 8_000);
        assert_eq!("latency".parse::<FaultKind>(), Ok(FaultKind::Latency));
        assert!("nope".parse::<FaultKind>().is_err());
    }
}
