//! A model office, in virtual time: N daemons' [`Share`]s against one
//! sliding 60 s window of 180 requests, with browsers that never adapt.
//!
//! The office bench (`cargo bench -p syncro-e2e --bench office`) runs the
//! real thing, minutes per point, on a noisy machine. This runs ten
//! simulated minutes in milliseconds with a fixed seed, so the share's
//! arithmetic can be judged against the bench's goals (429s, use, fairness)
//! on every `cargo test`, and a change to it is seen at once. It models
//! what decides those figures: the pacing at the share (GCRA with a burst
//! of one, as [`crate::limiter`]), the pause after a 429, our log of
//! accepted requests, answer latency with a slow tail, and each daemon's
//! one request in flight. It leaves out what does not: writes (a few a
//! minute) and gaps between sync passes (a backfilling daemon has none).

use std::collections::VecDeque;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::time::Instant;

use super::Share;
use crate::limiter::{Answer, Log};

const WINDOW: Duration = Duration::from_secs(60);
const LIMIT: usize = 180;
const CEILING: f64 = 150.0;
/// The browsers' pace: one request every 3 s, 20 a minute.
const BROWSER_EVERY: Duration = Duration::from_secs(3);

/// The server: every client behind one IP in one sliding window.
struct Server {
    accepted: VecDeque<Instant>,
}

impl Server {
    fn admit(&mut self, now: Instant) -> bool {
        while self
            .accepted
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW)
        {
            self.accepted.pop_front();
        }
        if self.accepted.len() >= LIMIT {
            return false;
        }
        self.accepted.push_back(now);
        true
    }
}

/// One daemon, as the limiter drives its share.
struct Daemon {
    share: Share,
    /// The limiter's own log of our answers.
    log: Log,
    /// GCRA's theoretical arrival time at the current pace.
    tat: Instant,
    paced_at: u32,
    paused_until: Instant,
    /// When the request in flight is answered, and whether it was taken.
    in_flight: Option<(Instant, bool)>,
    /// Accepted requests and 429s, per minute since the office opened.
    ok: Vec<u64>,
    limited: Vec<u64>,
}

impl Daemon {
    fn new(now: Instant) -> Daemon {
        Daemon {
            share: Share::new(CEILING, now),
            log: Log::new(now),
            tat: now,
            paced_at: CEILING as u32,
            paused_until: now,
            in_flight: None,
            ok: Vec::new(),
            limited: Vec::new(),
        }
    }

    fn interval(&self) -> Duration {
        Duration::from_secs_f64(60.0 / f64::from(self.paced_at.max(1)))
    }

    /// When the next request may go.
    fn next_send(&self) -> Instant {
        self.tat.max(self.paused_until)
    }

    /// What [`crate::limiter::Limiter::answered`] does with an answer.
    fn answered(&mut self, now: Instant, taken: bool, rng: &mut StdRng) {
        if taken {
            self.log.record(now, Answer::Clean);
            self.share.clean(now, self.log.used_per_minute(now));
        } else {
            self.log.record(now, Answer::RateLimited);
            let (in_window, frees_in) = (self.log.in_window(), self.log.frees_in(now));
            let pause = self.share.limited_with(now, None, in_window, frees_in, rng);
            self.paused_until = self.paused_until.max(now + pause);
        }
        let rate = self.share.rate().round() as u32;
        if rate != self.paced_at {
            self.paced_at = rate;
            // A new governor with its burst spent.
            self.tat = now + self.interval();
        }
    }
}

/// What a run measured after its warm-up.
#[derive(Debug)]
pub(crate) struct Figures {
    /// 429s among all requests, browsers' included.
    pub limited_share: f64,
    /// Accepted requests a minute, as a fraction of the office's 180.
    pub used: f64,
    /// Each daemon's accepted requests a minute.
    pub rates: Vec<f64>,
}

impl Figures {
    /// Jain's fairness index over the daemons' rates.
    pub fn jain(&self) -> f64 {
        let sum: f64 = self.rates.iter().sum();
        let squares: f64 = self.rates.iter().map(|r| r * r).sum();
        if squares == 0.0 {
            return 1.0;
        }
        sum * sum / (self.rates.len() as f64 * squares)
    }
}

/// Every minute of one run: what each daemon and the browsers sent, so
/// any window of it can be measured without running it again.
pub(crate) struct Minutes {
    /// Per daemon, accepted requests and 429s per minute.
    ok: Vec<Vec<u64>>,
    limited: Vec<Vec<u64>>,
    /// The browsers' requests and 429s per minute.
    browser_sent: Vec<u64>,
    browser_limited: Vec<u64>,
}

impl Minutes {
    /// The figures of minutes `from..to` (0 is the office's first).
    pub fn figures(&self, from: usize, to: usize) -> Figures {
        let sum = |v: &[u64]| -> u64 { v.iter().skip(from).take(to - from).sum() };
        let minutes = (to - from) as f64;
        let ok: Vec<u64> = self.ok.iter().map(|v| sum(v)).collect();
        let limited: u64 =
            self.limited.iter().map(|v| sum(v)).sum::<u64>() + sum(&self.browser_limited);
        let sent = ok.iter().sum::<u64>()
            + self.limited.iter().map(|v| sum(v)).sum::<u64>()
            + sum(&self.browser_sent);
        Figures {
            limited_share: limited as f64 / sent.max(1) as f64,
            used: (sent - limited) as f64 / minutes / LIMIT as f64,
            rates: ok.iter().map(|&n| n as f64 / minutes).collect(),
        }
    }
}

/// Runs `daemons` daemons (the last starting at `join_at`, if given) for
/// `warmup + measure` and reports what the measured part saw (whole
/// minutes).
pub(crate) fn run(
    daemons: usize,
    join_at: Option<Duration>,
    warmup: Duration,
    measure: Duration,
    seed: u64,
) -> Figures {
    let from = (warmup.as_secs() / 60) as usize;
    let to = ((warmup + measure).as_secs() / 60) as usize;
    simulate(daemons, join_at, warmup + measure, seed).figures(from, to)
}

/// Bumps minute `m` of a per-minute count.
fn bump(v: &mut Vec<u64>, m: usize) {
    if v.len() <= m {
        v.resize(m + 1, 0);
    }
    v[m] += 1;
}

/// Runs `daemons` daemons (the last starting at `join_at`, if given) for
/// `total`, counting every minute.
pub(crate) fn simulate(
    daemons: usize,
    join_at: Option<Duration>,
    total: Duration,
    seed: u64,
) -> Minutes {
    let mut rng = StdRng::seed_from_u64(seed);
    // OFFICE_MODEL_TRACE=1: every 429 and, each 10 s, the window and the
    // shares (with `--ignored --nocapture` and one of the printing tests).
    let trace = std::env::var_os("OFFICE_MODEL_TRACE").is_some();
    let t0 = Instant::now();
    let end = t0 + total;
    let mut server = Server {
        accepted: VecDeque::new(),
    };
    let start_of = |i: usize| match join_at {
        Some(j) if i + 1 == daemons => t0 + j,
        _ => t0 + Duration::from_millis(i as u64 * 37),
    };
    let mut fleet: Vec<Daemon> = (0..daemons).map(|i| Daemon::new(start_of(i))).collect();
    let mut browser_at = t0 + Duration::from_millis(1500);
    let (mut browser_sent, mut browser_limited) = (Vec::new(), Vec::new());
    // One millisecond a step: coarse enough to be quick, fine enough that
    // ties between daemons are rare.
    let step = Duration::from_millis(1);
    let mut now = t0;
    while now < end {
        let minute = (now.duration_since(t0).as_secs() / 60) as usize;
        if now >= browser_at {
            let taken = server.admit(now);
            bump(&mut browser_sent, minute);
            if !taken {
                bump(&mut browser_limited, minute);
            }
            browser_at += BROWSER_EVERY;
        }
        for (i, d) in fleet.iter_mut().enumerate() {
            if now < start_of(i) {
                continue;
            }
            if let Some((at, taken)) = d.in_flight {
                if now >= at {
                    d.in_flight = None;
                    d.answered(now, taken, &mut rng);
                }
                continue;
            }
            if now < d.next_send() {
                continue;
            }
            // Latency: 20-60 ms, one answer in twenty 50-400 ms later; the
            // server counts the request halfway.
            let mut latency = Duration::from_millis(rng.random_range(20..60));
            if rng.random_bool(0.05) {
                latency += Duration::from_millis(rng.random_range(50..400));
            }
            let taken = server.admit(now + latency / 2);
            d.in_flight = Some((now + latency, taken));
            d.tat = d.tat.max(now) + d.interval();
            if taken {
                bump(&mut d.ok, minute);
            } else {
                bump(&mut d.limited, minute);
                if trace {
                    println!(
                        "{:7.1}s daemon {i} 429 (share {:.1}, limit {:.1}, {} in window)",
                        now.duration_since(t0).as_secs_f64(),
                        d.share.rate(),
                        d.share.w_max.unwrap_or(0.0),
                        d.log.in_window()
                    );
                }
            }
        }
        if trace && now.duration_since(t0).as_millis().is_multiple_of(10_000) {
            let shares: Vec<String> = fleet
                .iter()
                .map(|d| format!("{:.0}", d.share.rate()))
                .collect();
            println!(
                "{:5}s window {:3} shares sum {:5.1}: {}",
                now.duration_since(t0).as_secs(),
                server.accepted.len(),
                fleet.iter().map(|d| d.share.rate()).sum::<f64>(),
                shares.join(" ")
            );
        }
        now += step;
    }
    let minutes = (total.as_secs() / 60) as usize;
    let padded = |mut v: Vec<u64>| {
        v.resize(minutes.max(v.len()), 0);
        v
    };
    Minutes {
        ok: fleet
            .iter_mut()
            .map(|d| padded(std::mem::take(&mut d.ok)))
            .collect(),
        limited: fleet
            .iter_mut()
            .map(|d| padded(std::mem::take(&mut d.limited)))
            .collect(),
        browser_sent: padded(browser_sent),
        browser_limited: padded(browser_limited),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    /// The printing tests' settings: `key` from the environment, else `default`.
    fn env_or<T: std::str::FromStr>(key: &str, default: T) -> T {
        std::env::var(key)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(default)
    }

    /// The office bench's goals, held by the model over a few seeds: a
    /// change to the share's arithmetic that breaks them fails here, in
    /// seconds, before anyone runs the real bench. (Before the quick climb
    /// stopped inside the plateau, ten daemons stood at about 1% of 429s
    /// here, some seeds 1.5%.)
    #[test]
    fn the_model_office_meets_the_bench_goals() {
        for n in [1, 3, 5, 10] {
            for seed in 1..=4 {
                let f = run(n, None, MINUTE, 3 * MINUTE, seed);
                assert!(f.limited_share <= 0.01, "{n} daemons, seed {seed}: {f:?}");
                // (The bench's goal is 90%; the model's three daemons sit at
                // 89-95%, their plateau being 85-93% of their part.)
                assert!(f.used >= 0.88, "{n} daemons, seed {seed}: {f:?}");
                assert!(f.jain() >= 0.95, "{n} daemons, seed {seed}: {f:?}");
            }
        }
        // A daemon joining a full office has its part within three minutes
        // on half the seeds (Jain >= 0.95), and is never starved: not met
        // yet (a joiner that finds the window with room at its start takes
        // more than its part, and the shares then converge over cycles
        // longer than three minutes).
        let joins: Vec<Figures> = (1..=8)
            .map(|seed| run(3, Some(MINUTE), 4 * MINUTE, MINUTE, seed))
            .collect();
        let fair = joins.iter().filter(|f| f.jain() >= 0.95).count();
        assert!(fair >= 4, "{joins:?}");
        assert!(
            joins.iter().all(|f| f.rates[2] >= 15.0),
            "a joiner starved: {joins:?}"
        );
    }

    /// Half an hour of five daemons: the shares stay within +-20% of their
    /// mean in every 5-minute window (the soak's goal), without 429s
    /// piling up. (Before the steady cut, seed 3 spread to 21-37/min by
    /// minute 30.)
    #[test]
    fn five_daemons_stay_within_twenty_percent_of_each_other_for_half_an_hour() {
        for seed in [3, 4] {
            let minutes = simulate(5, None, 31 * MINUTE, seed);
            for k in 0..6 {
                let f = minutes.figures(1 + 5 * k, 6 + 5 * k);
                let mean = f.rates.iter().sum::<f64>() / f.rates.len() as f64;
                let off = f
                    .rates
                    .iter()
                    .map(|r| (r - mean).abs() / mean)
                    .fold(0.0, f64::max);
                assert!(off <= 0.2, "seed {seed}, window {}: {f:?}", k + 1);
                assert!(
                    f.limited_share <= 0.01,
                    "seed {seed}, window {}: {f:?}",
                    k + 1
                );
            }
        }
    }

    /// Half an hour of ten daemons: fewer than 1% of 429s in every
    /// 5-minute window (before the steps near the limit were in proportion
    /// to each daemon's part, 0.7-1.9%) and Jain's index >= 0.95.
    #[test]
    fn ten_daemons_stay_under_one_percent_of_429s_for_half_an_hour() {
        for seed in 1..=4 {
            let minutes = simulate(10, None, 31 * MINUTE, seed);
            for k in 0..6 {
                let f = minutes.figures(1 + 5 * k, 6 + 5 * k);
                let window = k + 1;
                assert!(
                    f.limited_share < 0.01,
                    "seed {seed}, window {window}: {f:?}"
                );
                assert!(f.jain() >= 0.95, "seed {seed}, window {window}: {f:?}");
            }
        }
    }

    /// The model's figures over OFFICE_MODEL_SEEDS seeds (10) from
    /// OFFICE_MODEL_FIRST_SEED (1), measured for OFFICE_MODEL_MINUTES (3),
    /// one line per office: `cargo test -p syncrod --lib print_the_office
    /// -- --ignored --nocapture` (OFFICE_MODEL_TRACE=1 adds every 429 and
    /// the shares).
    #[test]
    #[ignore = "prints the model's figures"]
    fn print_the_office() {
        let seeds: u64 = env_or("OFFICE_MODEL_SEEDS", 10);
        // OFFICE_MODEL_FIRST_SEED: where the seeds start (1).
        let first: u64 = env_or("OFFICE_MODEL_FIRST_SEED", 1);
        // OFFICE_MODEL_MINUTES: how long each office is measured (3).
        let minutes: u32 = env_or("OFFICE_MODEL_MINUTES", 3);
        let offices: [(&str, usize, Option<Duration>, Duration); 5] = [
            ("1 daemon", 1, None, MINUTE),
            ("3 daemons", 3, None, MINUTE),
            ("5 daemons", 5, None, MINUTE),
            ("10 daemons", 10, None, MINUTE),
            // Measured in minute 4 after the third daemon joins.
            ("join", 3, Some(MINUTE), 4 * MINUTE),
        ];
        for (name, n, join_at, warmup) in offices {
            let measure = if join_at.is_some() {
                MINUTE
            } else {
                minutes * MINUTE
            };
            let runs: Vec<Figures> = (first..first + seeds)
                .map(|seed| run(n, join_at, warmup, measure, seed))
                .collect();
            let limited: Vec<f64> = runs.iter().map(|f| 100.0 * f.limited_share).collect();
            let used: Vec<f64> = runs.iter().map(|f| 100.0 * f.used).collect();
            let jain: Vec<f64> = runs.iter().map(Figures::jain).collect();
            let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
            println!(
                "{name}: 429s mean {:.2}% worst {:.2}%, used mean {:.1}%, Jain mean {:.3} worst {:.3}, last daemon's rates {:.0?}",
                mean(&limited),
                limited.iter().copied().fold(0.0, f64::max),
                mean(&used),
                mean(&jain),
                jain.iter().copied().fold(1.0, f64::min),
                runs.iter().map(|f| f.rates[n - 1]).collect::<Vec<_>>()
            );
        }
    }

    /// The 30-minute soak in the model: five daemons, Jain's index and the
    /// spread of rates per 5-minute window, over OFFICE_MODEL_SEEDS seeds:
    /// `cargo test --release -p syncrod --lib print_the_soak -- --ignored
    /// --nocapture`.
    #[test]
    #[ignore = "prints the model's figures"]
    fn print_the_soak() {
        let seeds: u64 = env_or("OFFICE_MODEL_SEEDS", 4);
        let n: usize = env_or("OFFICE_MODEL_DAEMONS", 5);
        for seed in 1..=seeds {
            let minutes = simulate(n, None, 31 * MINUTE, seed);
            let line: Vec<String> = (0..6usize)
                .map(|k| {
                    let f = minutes.figures(1 + 5 * k, 6 + 5 * k);
                    let lo = f.rates.iter().copied().fold(f64::MAX, f64::min);
                    let hi = f.rates.iter().copied().fold(0.0, f64::max);
                    format!(
                        "{:.3} {:.0}-{:.0} {:.2}% {:.1}%",
                        f.jain(),
                        lo,
                        hi,
                        100.0 * f.limited_share,
                        100.0 * f.used
                    )
                })
                .collect();
            println!("seed {seed}: {}", line.join(" | "));
        }
    }
}
