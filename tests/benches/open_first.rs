//! Time to open threads on a fresh install (not a test):
//!
//!   cargo build --release --workspace --bins
//!   cargo bench -p syncro-e2e --bench open_first
//!
//! A release `syncrod run` with the default budget (150 requests/minute)
//! mirrors a fresh account (BENCH_TICKETS, default 3,000, of which a few
//! hundred open) from a simulator limited to 180/minute per IP. Reported:
//! when every open ticket's thread is in the cache, against the physical
//! minimum at that budget (every list page, plus one request per open
//! ticket), and when the whole first pass ended.

use std::time::{Duration, Instant};

use syncro_e2e::{env_or, TestEnv};
use syncro_sim::SimConfig;

#[tokio::main]
async fn main() {
    let tickets = env_or("BENCH_TICKETS", 3_000);
    let rate = env_or("BENCH_RATE", 150);
    let customers = (tickets / 20).max(10);
    let invoices = (tickets / 10).max(10);
    let sim = syncro_sim::spawn(SimConfig {
        seed: 11,
        tickets,
        customers,
        invoices,
        rate_limit_per_minute: 180,
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    let open: usize = sim.dump()["tickets"]
        .as_array()
        .map(|ts| {
            ts.iter()
                .filter(|t| {
                    !matches!(
                        t["status"].as_str(),
                        Some("Resolved" | "Invoiced" | "Closed")
                    )
                })
                .count()
        })
        .unwrap_or(0);
    let env = TestEnv::new(&sim.base_url(), "test-key", rate as u32);
    let text = std::fs::read_to_string(&env.config).expect("config");
    std::fs::write(
        &env.config,
        text.replace("sync_interval_secs = 1", "sync_interval_secs = 60"),
    )
    .expect("config");

    let started = Instant::now();
    let _daemon = env.start_daemon();
    let mut open_done = None;
    let mut pass_done = None;
    while started.elapsed() < Duration::from_secs(1800) {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let Ok(store) = syncro_store::Store::open(&env.db) else {
            continue;
        };
        let listed = store.ticket_ids().map(|ids| ids.len()).unwrap_or(0);
        // Open tickets whose thread is missing or stale (plain SQL, so the
        // bench also runs against older builds).
        let waiting: i64 = rusqlite::Connection::open(&env.db)
            .and_then(|c| {
                c.query_row(
                    "SELECT COUNT(*) FROM tickets
                     WHERE status NOT IN ('Resolved', 'Invoiced', 'Closed')
                       AND (detail_updated_at IS NULL OR detail_updated_at <> COALESCE(updated_at, ''))",
                    [],
                    |r| r.get(0),
                )
            })
            .unwrap_or(1);
        if open_done.is_none() && listed == tickets && waiting == 0 {
            open_done = Some(started.elapsed());
        }
        let invoices_done = store
            .sync_state("invoices")
            .map(|s| s.last_success_at.is_some())
            .unwrap_or(false);
        if open_done.is_some() && invoices_done {
            pass_done = Some(started.elapsed());
            break;
        }
    }
    let pages = |n: usize| n.div_ceil(100);
    let minimum_requests = pages(tickets) + pages(customers) + open;
    let minimum = Duration::from_secs_f64(minimum_requests as f64 * 60.0 / rate as f64);
    println!("open first: {tickets} tickets ({open} open), {customers} customers, {invoices} invoices, {rate} requests/min");
    println!(
        "  physical minimum                 {:>8.1?}   ({minimum_requests} requests: list pages + one per open ticket)",
        minimum
    );
    match open_done {
        Some(t) => println!(
            "  every open thread cached after   {:>8.1?}   ({:.2}x the minimum)",
            t,
            t.as_secs_f64() / minimum.as_secs_f64()
        ),
        None => println!("  open threads not all cached within 30 min"),
    }
    if let Some(t) = pass_done {
        println!("  first pass (invoices too) after  {:>8.1?}", t);
    }
    sim.shutdown().await;
}
