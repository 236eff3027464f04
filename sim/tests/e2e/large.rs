//! 100k tickets: generation time and list latency. Ignored by default (it is
//! a measurement, and slow in debug builds); run with
//! `cargo test -p syncro-sim --release --test e2e large -- --ignored --nocapture`.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use syncro_sim::SimConfig;

use crate::support::start_with;

#[tokio::test]
#[ignore = "measurement; run in release"]
async fn hundred_thousand_tickets_generate_fast_and_lists_stay_fast() {
    let cfg = SimConfig {
        tickets: 100_000,
        customers: 2_000,
        comments_per_ticket: 4,
        invoices: 5_000,
        ..SimConfig::default()
    };
    let t0 = Instant::now();
    let state = syncro_sim::generate(&cfg);
    let generated = t0.elapsed();
    println!(
        "generated {} tickets, {} comments in {generated:?}",
        state.ticket_count(),
        state.comment_count()
    );
    drop(state);

    let sim = start_with(SimConfig {
        rate_limit_per_minute: 0,
        ..cfg
    })
    .await;
    let mut worst = Duration::ZERO;
    for path in [
        "/tickets",
        "/tickets?per_page=100&page=500",
        "/tickets?status=New&per_page=100",
        "/tickets?query=outlook",
        "/tickets?since_updated_at=2000-01-01&per_page=100",
        "/customers?sort=updated_at%20DESC",
        "/invoices?unpaid=true",
        "/ticket_timers",
    ] {
        let t = Instant::now();
        let (s, _) = sim.get(path).await;
        let took = t.elapsed();
        println!("{path}: {took:?}");
        assert_eq!(s, StatusCode::OK);
        worst = worst.max(took);
    }
    assert!(
        generated < Duration::from_secs(30),
        "generation took {generated:?}"
    );
    assert!(
        worst < Duration::from_secs(1),
        "slowest list took {worst:?}"
    );
}
