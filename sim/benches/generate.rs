//! The simulator at full size: how long 100k tickets take to generate, and
//! how long its list endpoints take to answer at that size. A measurement,
//! not a test (timings are never asserted):
//!   cargo bench -p syncro-sim --bench generate
//! The goal: 100k tickets generated "well under a minute".

use std::time::{Duration, Instant};

use syncro_sim::SimConfig;

const PATHS: [&str; 8] = [
    "/tickets",
    "/tickets?per_page=100&page=500",
    "/tickets?status=New&per_page=100",
    "/tickets?query=outlook",
    "/tickets?since_updated_at=2000-01-01&per_page=100",
    "/customers?sort=updated_at%20DESC",
    "/invoices?unpaid=true",
    "/ticket_timers",
];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cfg = SimConfig {
        tickets: 100_000,
        customers: 2_000,
        comments_per_ticket: 4,
        invoices: 5_000,
        rate_limit_per_minute: 0,
        ..SimConfig::default()
    };
    let t0 = Instant::now();
    let state = syncro_sim::generate(&cfg);
    let generated = t0.elapsed();
    println!(
        "generate: {} tickets, {} comments in {generated:.2?} (goal: well under a minute)",
        state.ticket_count(),
        state.comment_count()
    );
    drop(state);

    let sim = syncro_sim::spawn(cfg.clone()).await?;
    let client = reqwest::Client::new();
    println!("list latency at that size (median of 5, after one warm-up):");
    for path in PATHS {
        let url = format!("{}{path}", sim.base_url());
        let mut samples = Vec::new();
        for i in 0..6 {
            let t = Instant::now();
            let resp = client
                .get(&url)
                .query(&[("api_key", cfg.api_key.as_str())])
                .send()
                .await?;
            let status = resp.status();
            resp.bytes().await?;
            anyhow::ensure!(status.is_success(), "{path}: {status}");
            if i > 0 {
                samples.push(t.elapsed());
            }
        }
        samples.sort();
        let median: Duration = samples[samples.len() / 2];
        println!("  {path:<52} {median:>10.2?}");
    }
    sim.shutdown().await;
    Ok(())
}
