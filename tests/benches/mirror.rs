//! Mirror benchmark (issue: sync within the rate budget). Not a test: it
//! prints numbers measured in one run, side by side.
//!
//!   cargo build --release --workspace --bins
//!   BENCH_TICKETS=20000 BENCH_RATE=12000 cargo bench -p syncro-e2e --bench mirror
//!
//! It serves BENCH_TICKETS generated tickets from the simulator (rate limit
//! = BENCH_RATE per minute) and runs the release `syncrod once --quick` with
//! the same budget as a child process, then reports: requests used versus
//! the minimum, the share of the rate budget used, 429s, requests per idle
//! pass, and the daemon's peak RSS.

use std::process::Stdio;
use std::time::Instant;

use syncro_e2e::{env_or, TestEnv};
use syncro_sim::SimConfig;

/// The child's peak RSS (KiB) so far, from /proc (VmHWM). getrusage's
/// RUSAGE_CHILDREN would count the pages a child shares with this (large)
/// process between fork and exec, so it is not used.
fn peak_rss_kib(pid: u32) -> Option<i64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::main]
async fn main() {
    let tickets = env_or("BENCH_TICKETS", 20_000);
    let rate = env_or("BENCH_RATE", 12_000) as u32;
    let customers = (tickets / 20).max(10);
    let invoices = (tickets / 10).max(10);
    let t0 = Instant::now();
    let sim = syncro_sim::spawn(SimConfig {
        seed: 11,
        tickets,
        customers,
        invoices,
        comments_per_ticket: 4,
        rate_limit_per_minute: rate,
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    let generated = t0.elapsed();
    let env = TestEnv::new(&sim.base_url(), "test-key", rate);

    let started = Instant::now();
    let mut child = env
        .command("syncrod")
        .args(["once", "--quick", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run syncrod");
    let pid = child.id();
    let mut rss_kib = 0;
    while child.try_wait().expect("wait").is_none() {
        rss_kib = rss_kib.max(peak_rss_kib(pid).unwrap_or(0));
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let out = child.wait_with_output().expect("syncrod output");
    let elapsed = started.elapsed();
    assert!(out.status.success(), "syncrod once failed");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report");
    let used = report["sync"]["requests"].as_u64().unwrap_or(0);
    let counters = sim.counters();
    let rate_limited = counters["rate_limited"].as_u64().unwrap_or(0);

    let pages = |n: usize| n.div_ceil(100) as u64;
    let minimum =
        pages(tickets) + pages(customers) + pages(invoices) + tickets as u64 + invoices as u64;
    let budget = f64::from(rate) * elapsed.as_secs_f64() / 60.0;

    // Idle passes: nothing changed on the server.
    let mut idle = Vec::new();
    for _ in 0..3 {
        let o = env
            .command("syncrod")
            .args(["once", "--quick", "--json"])
            .stderr(Stdio::null())
            .output()
            .expect("idle pass");
        let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_default();
        idle.push(r["sync"]["requests"].as_u64().unwrap_or(0));
    }

    println!("mirror benchmark: {tickets} tickets, {customers} customers, {invoices} invoices, rate {rate}/min");
    println!("  simulator data generated in      {:>10.2?}", generated);
    println!("  first full mirror took           {:>10.2?}", elapsed);
    println!("  requests used                    {used:>10}");
    println!("  minimum (list pages + details)   {minimum:>10}");
    println!(
        "  used / minimum                   {:>10.3}x   (goal <= 1.05x)",
        used as f64 / minimum as f64
    );
    println!(
        "  share of rate budget used        {:>9.1}%   (goal >= 95%)",
        100.0 * used as f64 / budget
    );
    println!("  429 answers                      {rate_limited:>10}   (goal 0)");
    println!("  requests per idle pass           {:>10?}", idle);
    println!(
        "  syncrod peak RSS                 {:>7.1} MiB  (goal <= 100 MB at 100k tickets)",
        rss_kib as f64 / 1024.0
    );
    sim.shutdown().await;
}
