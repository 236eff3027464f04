//! Enqueue-to-verified latency of the outbox on loopback (not a test).
//!
//!   cargo build --release --workspace --bins
//!   cargo bench -p syncro-e2e --bench outbox_latency
//!
//! A release `syncrod run` works against an in-process simulator with the
//! default budget (150 requests/minute). Comments are queued through the
//! store exactly as the CLI does (row + wake file), spaced so the budget is
//! never the bottleneck; each is timed until the daemon marks it verified.

use std::process::Stdio;
use std::time::{Duration, Instant};

use syncro_e2e::TestEnv;
use syncro_sim::SimConfig;
use syncro_store::outbox::{Command, CommentWrite, NewItem, State};

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let samples: usize = std::env::var("BENCH_SAMPLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let sim = syncro_sim::spawn(SimConfig {
        tickets: 50,
        rate_limit_per_minute: 0,
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    let env = TestEnv::new(&sim.base_url(), "test-key", 150);
    let text = std::fs::read_to_string(&env.config).unwrap();
    // Keep scheduled sync passes out of the way of the measurement.
    std::fs::write(
        &env.config,
        text.replace("sync_interval_secs = 1", "sync_interval_secs = 3600"),
    )
    .unwrap();
    let t = &sim.dump()["tickets"][0];
    let (id, number) = (t["id"].as_i64().unwrap(), t["number"].as_i64().unwrap());
    let mut store = env.store();
    let mut daemon = env
        .command("syncrod")
        .arg("run")
        .stderr(Stdio::null())
        .spawn()
        .expect("syncrod");
    // Let the startup pass finish and the budget refill.
    tokio::time::sleep(Duration::from_secs(3)).await;

    let (mut to_verified, mut to_pickup) = (Vec::new(), Vec::new());
    for n in 0..samples {
        let queued = Instant::now();
        let item = store
            .enqueue(NewItem::on_ticket(
                Command::Comment(CommentWrite::Add {
                    subject: "Update".into(),
                    body: format!("latency sample {n}"),
                    hidden: true,
                    do_not_email: true,
                    tech: None,
                }),
                id,
                number,
            ))
            .unwrap();
        let mut picked = None;
        loop {
            let state = store.outbox_item(item).unwrap().unwrap().state;
            if picked.is_none() && state != State::Queued {
                picked = Some(queued.elapsed());
            }
            if state == State::Done || state == State::Failed {
                break;
            }
            if queued.elapsed() > Duration::from_secs(30) {
                panic!("item {item} not verified after 30 s");
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        to_verified.push(queued.elapsed());
        to_pickup.push(picked.unwrap_or_default());
        // Each write costs 3 requests (read, send, read back); at 150/min
        // the budget refills 2.5 per second. Space samples so it has, and
        // only the outbox's own latency is measured.
        tokio::time::sleep(Duration::from_millis(3000)).await;
    }
    let _ = daemon.kill();
    let _ = daemon.wait();
    to_verified.sort();
    to_pickup.sort();
    println!("outbox latency: {samples} comments, syncrod at 150 requests/min, loopback simulator");
    println!(
        "  enqueue -> picked up (wake-up)   p50 {:>8.1?}  p90 {:>8.1?}  max {:>8.1?}",
        pct(&to_pickup, 0.5),
        pct(&to_pickup, 0.9),
        to_pickup[samples - 1]
    );
    println!("  enqueue -> verified              p50 {:>8.1?}  p90 {:>8.1?}  max {:>8.1?}   (goal p50 < 1 s)", pct(&to_verified, 0.5), pct(&to_verified, 0.9), to_verified[samples - 1]);
    sim.shutdown().await;
}
