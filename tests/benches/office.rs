//! One office, several technicians (not a test; minutes long):
//!
//!   cargo build --release --workspace --bins
//!   OFFICE_DAEMONS=1,3,5 cargo bench -p syncro-e2e --bench office
//!
//! For each count N in OFFICE_DAEMONS, N release `syncrod run` daemons
//! (separate caches, default config: a 150/min ceiling each) back-fill one
//! simulated account limited to 180 requests/minute per IP, which they all
//! share (loopback is one IP), while a background client stands in for
//! the office's browsers at 20 requests/minute. After the first minute
//! (OFFICE_WARMUP_SECS) the run measures for OFFICE_SECS: the share of
//! 429s among all requests, how much of the 180/min the office used, and
//! how long a comment queued on the first laptop takes to be verified
//! (one every 15 s). Goals: 429s <= 1%, use >= 90%, comment p50 <= 5 s.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use syncro_e2e::{env_or, RunningDaemon, TestEnv};
use syncro_sim::SimConfig;
use syncro_store::outbox::{Command, NewItem, State};

fn counters(sim: &syncro_sim::SimHandle) -> (u64, u64) {
    let c = sim.counters();
    (
        c["requests"].as_u64().unwrap_or(0),
        c["rate_limited"].as_u64().unwrap_or(0),
    )
}

async fn run(daemons: usize, warmup: Duration, measure: Duration) {
    let sim = syncro_sim::spawn(SimConfig {
        seed: 3,
        tickets: 6_000,
        customers: 300,
        invoices: 600,
        rate_limit_per_minute: 180,
        log_capacity: 200_000,
        ..SimConfig::default()
    })
    .await
    .expect("sim");
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
    let _running: Vec<RunningDaemon> = envs.iter().map(TestEnv::start_daemon).collect();

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
    let daemon_429s = || -> u64 {
        envs.iter()
            .filter_map(|e| e.store().heartbeat().ok().flatten())
            .filter_map(|b| b.budget)
            .map(|b| u64::from(b.rate_limited_last_hour))
            .sum()
    };

    tokio::time::sleep(warmup).await;
    let (req0, lim0) = counters(&sim);
    let (browsers0, daemons0) = (browser_429s.load(Ordering::Relaxed), daemon_429s());
    let started = Instant::now();
    let t = &sim.dump()["tickets"][0];
    let (id, number) = (
        t["id"].as_i64().unwrap_or(0),
        t["number"].as_i64().unwrap_or(0),
    );
    let mut latencies = Vec::new();
    let mut store = envs[0].store();
    let mut n = 0;
    while started.elapsed() < measure {
        let queued = Instant::now();
        let item = store
            .enqueue(NewItem::on_ticket(
                Command::AddComment {
                    subject: "Update".into(),
                    body: format!("office sample {n}"),
                    hidden: true,
                    do_not_email: true,
                    tech: None,
                },
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
                latencies.push(queued.elapsed());
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let next = Duration::from_secs(15).saturating_sub(queued.elapsed());
        tokio::time::sleep(next).await;
    }
    let elapsed = started.elapsed();
    let (req1, lim1) = counters(&sim);
    let (browsers1, daemons1) = (browser_429s.load(Ordering::Relaxed), daemon_429s());
    let shares: Vec<String> = envs
        .iter()
        .filter_map(|e| e.store().heartbeat().ok().flatten())
        .filter_map(|b| b.budget)
        .map(|b| {
            format!(
                "{}/min ({} × 429 in the hour)",
                b.share_per_minute, b.rate_limited_last_hour
            )
        })
        .collect();
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
        std::fs::write(format!("{path}.{daemons}.json"), log).expect("write log");
    }
    let (requests, limited) = (req1 - req0, lim1 - lim0);
    let accepted = requests - limited;
    let per_minute = accepted as f64 * 60.0 / elapsed.as_secs_f64();
    latencies.sort();
    let p50 = latencies
        .get(latencies.len() / 2)
        .copied()
        .unwrap_or_default();
    let max = latencies.last().copied().unwrap_or_default();
    println!(
        "{daemons} daemon(s) + browsers 20/min, {:.0} s measured after {:.0} s: requests {requests}, 429s {limited} ({:.2}%), office used {:.1}/min ({:.1}% of 180), comment verified p50 {:.2?} max {:.2?} ({} samples)",
        elapsed.as_secs_f64(),
        warmup.as_secs_f64(),
        100.0 * limited as f64 / requests.max(1) as f64,
        per_minute,
        100.0 * per_minute / 180.0,
        p50,
        max,
        latencies.len()
    );
    println!("    shares at the end: {}", shares.join(", "));
    println!(
        "    429s in the measured window: {} on the browsers, {} on the daemons (their heartbeats, up to a few seconds stale)",
        browsers1 - browsers0,
        daemons1.saturating_sub(daemons0)
    );
    sim.shutdown().await;
}

#[tokio::main]
async fn main() {
    let counts: Vec<usize> = std::env::var("OFFICE_DAEMONS")
        .unwrap_or_else(|_| "1,3,5".into())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    let warmup = Duration::from_secs(env_or("OFFICE_WARMUP_SECS", 60));
    let measure = Duration::from_secs(env_or("OFFICE_SECS", 180));
    for n in counts {
        run(n, warmup, measure).await;
    }
}
