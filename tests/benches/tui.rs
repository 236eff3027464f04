//! `syncro tui` benchmark (not a test; prints numbers measured in one run):
//!
//!   cargo build --release --workspace --bins
//!   cargo bench -p syncro-e2e --bench tui        # BENCH_TICKETS=100000
//!
//! On the search bench's generated cache (BENCH_TICKETS tickets, 10
//! comments each: 100k tickets, 1M comments by default), the release
//! `syncro tui` renders headless at 80x24 (the same drawing code as on a
//! terminal, to an in-memory screen): BENCH_REPS launches measure the time
//! from the process's start to its first frame; then each search query is
//! typed one key at a time, as a technician searches as they type, and
//! every keystroke's time from the key to its finished frame is measured;
//! the same for the list's filter (`f`, status and customer words).
//! Goals: first frame <= 100 ms; keystroke p50 <= 16 ms, p99 <= 50 ms.

use std::process::Command;

use serde_json::Value;
use syncro_e2e::{bench_cache, bin, env_or};

/// What a technician types: common words, a rare one, a phrase, a prefix,
/// with a correction (backspace) in the middle.
const TYPED: [&str; 4] = [
    "/outlook profile",
    "/printer<Backspace><Backspace>er toner",
    "/\"vpn client\"",
    "/back*",
];

/// The list's filter typed (`f`): a status word, then a customer's.
const FILTERED: [&str; 2] = ["fin prog", "fnew<Backspace><Backspace><Backspace>burger"];

fn run(config: &std::path::Path, keys: &str) -> Value {
    let out = Command::new(bin("syncro"))
        .args(["tui", "--headless", "80x24", "--bench", "--keys", keys])
        .env("SYNCRO_CONFIG", config)
        .env("NO_COLOR", "1")
        .output()
        .expect("run syncro tui");
    assert!(
        out.status.success(),
        "syncro tui: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("timings JSON")
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(((v.len() as f64 - 1.0) * p).round() as usize)
        .copied()
        .unwrap_or(0.0)
}

fn main() {
    let tickets: usize = env_or("BENCH_TICKETS", 100_000);
    let reps: usize = env_or("BENCH_REPS", 20).max(1);
    let db = bench_cache::cached(tickets);
    let config = db
        .parent()
        .expect("bench-data dir")
        .join(format!("tui-{tickets}.toml"));
    std::fs::write(
        &config,
        format!(
            "base_url = \"http://127.0.0.1:9/api/v1\"\ndb_path = {:?}\ntech = \"Bench Tech\"\nuser_id = 1\n\n[labor.remote]\nproduct_id = 9001\nrate = 125.0\n",
            db.display().to_string()
        ),
    )
    .expect("write config");
    // Warm the page cache as a technician's second launch would find it.
    run(&config, "");
    let mut first: Vec<f64> = (0..reps)
        .map(|_| {
            run(&config, "")["first_frame_ms"]
                .as_f64()
                .unwrap_or(f64::NAN)
        })
        .collect();
    let mut keys = Vec::new();
    let mut worst: f64 = 0.0;
    for _ in 0..reps.div_ceil(4) {
        for typed in TYPED {
            let t = run(&config, typed);
            // Per-keystroke p50/p99 per run; keep the runs' own figures.
            keys.push(t["p50_ms"].as_f64().unwrap_or(f64::NAN));
            worst = worst.max(t["max_ms"].as_f64().unwrap_or(0.0));
            keys.push(t["p99_ms"].as_f64().unwrap_or(f64::NAN));
        }
    }
    let (mut filter_p50s, mut filter_p99s, mut filter_worst) = (Vec::new(), Vec::new(), 0f64);
    for _ in 0..reps.div_ceil(4) {
        for typed in FILTERED {
            let t = run(&config, typed);
            filter_p50s.push(t["p50_ms"].as_f64().unwrap_or(f64::NAN));
            filter_p99s.push(t["p99_ms"].as_f64().unwrap_or(f64::NAN));
            filter_worst = filter_worst.max(t["max_ms"].as_f64().unwrap_or(0.0));
        }
    }
    let (mut p50s, mut p99s): (Vec<f64>, Vec<f64>) = (
        keys.iter().step_by(2).copied().collect(),
        keys.iter().skip(1).step_by(2).copied().collect(),
    );
    println!("syncro tui, {tickets} tickets, 80x24, release build, headless (same drawing code)");
    println!(
        "  launch to first frame   p50 {:.1} ms   p90 {:.1} ms   ({} launches)",
        percentile(&mut first, 0.5),
        percentile(&mut first, 0.9),
        first.len()
    );
    println!(
        "  search as you type      keystroke p50 {:.1} ms (median of runs), p99 {:.1} ms (worst run), max {:.1} ms",
        percentile(&mut p50s, 0.5),
        percentile(&mut p99s, 1.0),
        worst
    );
    println!(
        "  filter as you type      keystroke p50 {:.1} ms (median of runs), p99 {:.1} ms (worst run), max {:.1} ms",
        percentile(&mut filter_p50s, 0.5),
        percentile(&mut filter_p99s, 1.0),
        filter_worst
    );
}
