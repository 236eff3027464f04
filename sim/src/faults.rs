//! Fault injection: which misbehaviour, if any, a given /api/v1 request gets.
//!
//! Two sources, queue first: a deterministic queue ("the next request
//! matching POST .../comment is dropped after applying"), which tests rely
//! on, and a seeded random rate for soak runs. Only the choice lives here;
//! `gate.rs` carries the chosen fault out.

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
}

impl FaultKind {
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
        FaultKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| {
                let names: Vec<_> = FaultKind::ALL.iter().map(|k| k.name()).collect();
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
    /// weigh 0.
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

/// One queued fault: the next request matching `method` and
/// `path_contains` (each optional) gets `fault`. Queue several to fault the
/// next N matching requests in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueuedFault {
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub path_contains: Option<String>,
    pub fault: FaultKind,
    /// Overrides the delay of `latency` / `apply_then_slow_answer` /
    /// `hang_then_commit`.
    #[serde(default)]
    pub delay_ms: Option<u64>,
}

impl QueuedFault {
    /// A fault for the next request, whatever it is.
    pub fn new(fault: FaultKind) -> Self {
        QueuedFault {
            method: None,
            path_contains: None,
            fault,
            delay_ms: None,
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

    pub fn delay_ms(mut self, ms: u64) -> Self {
        self.delay_ms = Some(ms);
        self
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
        m && p
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
    /// (consumed), else a random draw.
    pub fn select(&mut self, method: &str, path: &str) -> Option<Chosen> {
        if let Some(pos) = self.queue.iter().position(|q| q.matches(method, path)) {
            let q = self.queue.remove(pos)?;
            let delay_ms = match q.delay_ms {
                Some(ms) => ms,
                None => self.default_delay(q.fault),
            };
            return Some(self.chosen(q.fault, delay_ms));
        }
        self.random(method)
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
            FaultKind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names.len(), FaultKind::ALL.len());
        for k in FaultKind::ALL {
            assert_eq!(k.name().parse::<FaultKind>(), Ok(k));
            assert_eq!(
                serde_json::to_value(k).ok(),
                Some(serde_json::json!(k.name()))
            );
        }
        let weights = FaultConfig::default().weights;
        assert!(FaultKind::ALL.iter().all(|k| weights.get(k) == Some(&1)));
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
