//! One office, several technicians (not a test; minutes long):
//!
//!   cargo build --release --workspace --bins
//!   OFFICE_DAEMONS=1,3,5,10 cargo bench -p syncro-e2e --bench office
//!
//! For each count N in OFFICE_DAEMONS and each profile in OFFICE_PROFILES
//! (default `realistic,tidy`), N release `syncrod run` daemons (separate
//! caches, default config: a 150/min ceiling each) back-fill one simulated
//! account limited to 180 requests/minute per IP, which they all share
//! (loopback is one IP), while a background client stands in for the
//! office's browsers at 20 requests/minute.
//!
//! - `realistic`: the live service as integrators saw it: 429s without
//!   `Retry-After`, local time offsets, lean pages, 5% of answers 50-400 ms
//!   late. `tidy`: the simulator's defaults (429s carry `Retry-After`).
//! - After OFFICE_WARMUP_SECS (60) the run measures for OFFICE_SECS (180),
//!   in windows of OFFICE_WINDOW_SECS (all of it): the share of 429s among
//!   all requests, how much of the 180/min the office used, how long a
//!   comment queued on the first laptop takes to be verified (one every
//!   15 s), and how evenly the daemons share (each one's accepted requests
//!   a minute, and Jain's fairness index over them: 1 is perfectly even).
//! - OFFICE_JOIN=1: the last daemon starts only when the warm-up ends, in
//!   an office already at its limit.
//!
//! Goals: 429s <= 1%, use >= 90%, comment p50 <= 1 s and max <= 5 s,
//! Jain >= 0.95 (rates within +-20%) after three minutes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use syncro_e2e::{env_or, RunningDaemon, TestEnv};
use syncro_sim::{FaultConfig, FaultKind, Quirks, Shape, SimConfig};
use syncro_store::outbox::{Command, CommentWrite, NewItem, State};

fn counters(sim: &syncro_sim::SimHandle) -> (u64, u64) {
    let c = sim.counters();
    (
        c["requests"].as_u64().unwrap_or(0),
        c["rate_limited"].as_u64().unwrap_or(0),
    )
}

/// How the simulated server behaves.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Profile {
    /// The live service: no `Retry-After`, its answer shape, some latency.
    Realistic,
    /// The simulator's tidy defaults: 429s say when to come back.
    Tidy,
}

impl Profile {
    fn parse(s: &str) -> Option<Profile> {
        match s.trim() {
            "realistic" => Some(Profile::Realistic),
            "tidy" => Some(Profile::Tidy),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Profile::Realistic => "realistic",
            Profile::Tidy => "tidy",
        }
    }

    fn apply(self, c: &mut SimConfig) {
        if self == Profile::Realistic {
            c.shape = Shape::realistic();
            c.quirks = Quirks::realistic();
            c.faults = FaultConfig {
                seed: 3,
                rate: 0.05,
                weights: [(FaultKind::Latency, 1)].into_iter().collect(),
                latency_min_ms: 50,
                latency_max_ms: 400,
                ..FaultConfig::default()
            };
        }
    }
}

/// Jain's fairness index of `rates`: 1 when all are equal, 1/n when one
/// takes everything.
fn jain(rates: &[f64]) -> f64 {
    let sum: f64 = rates.iter().sum();
    let squares: f64 = rates.iter().map(|r| r * r).sum();
    if squares == 0.0 {
        return 1.0;
    }
    sum * sum / (rates.len() as f64 * squares)
}

/// What one measured window saw.
#[derive(Default)]
struct Window {
    requests: u64,
    limited: u64,
    secs: f64,
    latencies: Vec<Duration>,
    /// Each daemon's accepted requests a minute, averaged over the
    /// window's heartbeat samples.
    rates: Vec<f64>,
    /// Each daemon's share (what it allows itself a minute), averaged the
    /// same way: a daemon with little left to mirror uses less than its
    /// share, so its rate says nothing about fairness, its share does.
    shares: Vec<f64>,
    browser_429s: u64,
}

impl Window {
    fn report(&mut self, label: &str) -> String {
        self.latencies.sort();
        let p50 = self
            .latencies
            .get(self.latencies.len() / 2)
            .copied()
            .unwrap_or_default();
        let max = self.latencies.last().copied().unwrap_or_default();
        let accepted = self.requests - self.limited;
        let per_minute = accepted as f64 * 60.0 / self.secs.max(1.0);
        let rates: Vec<String> = self
            .rates
            .iter()
            .zip(&self.shares)
            .map(|(r, s)| format!("{r:.0} ({s:.0})"))
            .collect();
        format!(
            "{label}: requests {}, 429s {} ({:.2}%, {} on the browsers), office used {:.1}/min ({:.1}% of 180), \
             comment p50 {:.2?} max {:.2?} ({} samples), daemons' rates (shares) {} /min, Jain {:.3} (shares {:.3})",
            self.requests,
            self.limited,
            100.0 * self.limited as f64 / self.requests.max(1) as f64,
            self.browser_429s,
            per_minute,
            100.0 * per_minute / 180.0,
            p50,
            max,
            self.latencies.len(),
            rates.join(" / "),
            jain(&self.rates),
            jain(&self.shares)
        )
    }
}

async fn run(
    daemons: usize,
    profile: Profile,
    join: bool,
    warmup: Duration,
    measure: Duration,
    window: Duration,
) {
    let mut config = SimConfig {
        seed: 3,
        tickets: 6_000,
        customers: 300,
        invoices: 600,
        rate_limit_per_minute: 180,
        log_capacity: 200_000,
        ..SimConfig::default()
    };
    profile.apply(&mut config);
    let sim = syncro_sim::spawn(config).await.expect("sim");
    let envs: Vec<TestEnv> = (0..daemons)
        .map(|_| {
            let env = TestEnv::new(&sim.base_url(), "test-key", 150);
            let text = std::fs::read_to_string(&env.config).expect("config");
            std::fs::write(
                &env.config,
                text.replace("sync_interval_secs = 1", "sync_interval_secs = 60"),
            )
            .expect("config");
            env
        })
        .collect();
    let starting = if join { daemons - 1 } else { daemons };
    let mut running: Vec<RunningDaemon> =
        envs[..starting].iter().map(TestEnv::start_daemon).collect();

    // The browsers: 20 requests a minute, whatever the answers. They count
    // the 429s they get, to tell whom the office's limit falls on.
    let base = sim.base_url();
    let browser_429s = Arc::new(AtomicU64::new(0));
    let counted = browser_429s.clone();
    let browsers = tokio::spawn(async move {
        let http = reqwest::Client::new();
        let mut tick = tokio::time::interval(Duration::from_secs(3));
        loop {
            tick.tick().await;
            let answer = http
                .get(format!("{base}/tickets"))
                .query(&[("api_key", "test-key"), ("page", "1")])
                .send()
                .await;
            if answer.is_ok_and(|a| a.status() == reqwest::StatusCode::TOO_MANY_REQUESTS) {
                counted.fetch_add(1, Ordering::Relaxed);
            }
        }
    });

    tokio::time::sleep(warmup).await;
    if join {
        // The last technician opens the laptop in a full office.
        running.extend(envs[starting..].iter().map(TestEnv::start_daemon));
    }
    let started = Instant::now();
    let t = &sim.dump()["tickets"][0];
    let (id, number) = (
        t["id"].as_i64().unwrap_or(0),
        t["number"].as_i64().unwrap_or(0),
    );
    let mut store = envs[0].store();
    let mut n = 0;
    let mut windows: Vec<Window> = Vec::new();
    while started.elapsed() < measure {
        let (req0, lim0) = counters(&sim);
        let browsers0 = browser_429s.load(Ordering::Relaxed);
        let opened = Instant::now();
        let mut w = Window::default();
        let mut samples = vec![0.0; daemons];
        let mut share_samples = vec![0.0; daemons];
        let mut taken = 0;
        while opened.elapsed() < window && started.elapsed() < measure {
            let queued = Instant::now();
            let item = store
                .enqueue(NewItem::on_ticket(
                    Command::Comment(CommentWrite::Add {
                        subject: "Update".into(),
                        body: format!("office sample {n}"),
                        hidden: true,
                        do_not_email: true,
                        tech: None,
                    }),
                    id,
                    number,
                ))
                .expect("enqueue");
            n += 1;
            loop {
                let state = store
                    .outbox_item(item)
                    .ok()
                    .flatten()
                    .map(|i| i.state)
                    .unwrap_or(State::Queued);
                if !state.is_active() || queued.elapsed() > Duration::from_secs(120) {
                    w.latencies.push(queued.elapsed());
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            // Each daemon's rate from its heartbeat (a few seconds stale):
            // requests answered in its last minute.
            for (i, e) in envs.iter().enumerate() {
                let b = e.store().heartbeat().ok().flatten().and_then(|b| b.budget);
                samples[i] += b.map_or(0.0, |b| f64::from(b.requests_last_minute));
                share_samples[i] += b.map_or(0.0, |b| f64::from(b.share_per_minute));
            }
            taken += 1;
            let next = Duration::from_secs(15).saturating_sub(queued.elapsed());
            tokio::time::sleep(next).await;
        }
        let (req1, lim1) = counters(&sim);
        w.requests = req1 - req0;
        w.limited = lim1 - lim0;
        w.secs = opened.elapsed().as_secs_f64();
        w.browser_429s = browser_429s.load(Ordering::Relaxed) - browsers0;
        w.rates = samples
            .iter()
            .map(|s| s / f64::from(taken.max(1)))
            .collect();
        w.shares = share_samples
            .iter()
            .map(|s| s / f64::from(taken.max(1)))
            .collect();
        windows.push(w);
    }
    browsers.abort();
    // OFFICE_LOG=FILE keeps the simulator's request log (times to the
    // millisecond, statuses) for a closer look at the window.
    if let Ok(path) = std::env::var("OFFICE_LOG") {
        let log = reqwest::get(format!("{}/log?limit=200000", sim.admin_url()))
            .await
            .expect("log")
            .text()
            .await
            .expect("log");
        std::fs::write(format!("{path}.{}.{daemons}.json", profile.name()), log)
            .expect("write log");
    }
    let mut all = Window::default();
    for w in &windows {
        all.requests += w.requests;
        all.limited += w.limited;
        all.secs += w.secs;
        all.browser_429s += w.browser_429s;
        all.latencies.extend(w.latencies.iter().copied());
    }
    // Fairness over the last window: after the shares settled.
    all.rates = windows.last().map(|w| w.rates.clone()).unwrap_or_default();
    all.shares = windows.last().map(|w| w.shares.clone()).unwrap_or_default();
    println!(
        "{}",
        all.report(&format!(
            "{daemons} daemon(s){} + browsers 20/min, {} profile, {:.0} s measured after {:.0} s",
            if join { " (the last one joining)" } else { "" },
            profile.name(),
            all.secs,
            warmup.as_secs_f64()
        ))
    );
    if windows.len() > 1 {
        for (i, w) in windows.iter_mut().enumerate() {
            println!("    {}", w.report(&format!("window {}", i + 1)));
        }
    }
    drop(running);
    sim.shutdown().await;
}

#[tokio::main]
async fn main() {
    let counts: Vec<usize> = std::env::var("OFFICE_DAEMONS")
        .unwrap_or_else(|_| "1,3,5".into())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    let profiles: Vec<Profile> = std::env::var("OFFICE_PROFILES")
        .unwrap_or_else(|_| "realistic,tidy".into())
        .split(',')
        .filter_map(Profile::parse)
        .collect();
    let join = env_or("OFFICE_JOIN", 0) == 1;
    let warmup = Duration::from_secs(env_or("OFFICE_WARMUP_SECS", 60));
    let measure = Duration::from_secs(env_or("OFFICE_SECS", 180));
    let window = Duration::from_secs(env_or("OFFICE_WINDOW_SECS", measure.as_secs()));
    for n in counts {
        for &p in &profiles {
            run(n, p, join && n > 1, warmup, measure, window).await;
        }
    }
}
