//! Many CLI processes reading and queueing while the daemon backfills:
//! no "database is locked", every queued item present exactly once.
//!
//! The default suite uses 3,000 tickets and keeps the CLI busy for a few
//! seconds of the backfill. The full-size run from the issue keeps the CLI
//! busy for the daemon's whole first pass: from the first page until every
//! ticket, customer and invoice is listed and stored and every invoice's
//! lines are fetched, the write-heavy part of a backfill. (Ticket threads
//! then trickle in at `schedule.history_batch` per pass, by design; the
//! run reports how many it has.) Build the release binaries first:
//!   CONCURRENCY_TICKETS=100000 CONCURRENCY_WHOLE_BACKFILL=1 \
//!     cargo test --release -p syncro-e2e --test e2e concurrency:: -- --nocapture

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use syncro_e2e::TestEnv;
use syncro_sim::SimConfig;
use syncro_store::outbox::{Command, CommentWrite};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_cli_processes_and_a_backfilling_daemon_never_see_a_locked_database() {
    let tickets: usize = std::env::var("CONCURRENCY_TICKETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let sim = syncro_sim::spawn(SimConfig {
        tickets,
        customers: (tickets / 20).max(10),
        invoices: (tickets / 10).max(10),
        rate_limit_per_minute: 0,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let env = TestEnv::new(&sim.base_url(), "test-key", 6_000_000);
    // The CLI needs a ticket cached to queue on it: cache one ticket's
    // detail per process directly, then let the daemon backfill the rest.
    let dump = sim.dump();
    let mut numbers = Vec::new();
    for t in dump["tickets"].as_array().unwrap().iter().take(10) {
        numbers.push(t["number"].as_i64().unwrap().to_string());
        env.store()
            .upsert_ticket_detail(&syncro_store::model::TicketWithChildren::from_json(t).unwrap())
            .unwrap();
    }
    drop(dump);
    let mut daemon = env.start_daemon();
    // Start the CLI once the backfill is under way, and keep it busy for a
    // while (at least 12 rounds per process) while the daemon writes.
    let probe = env.store();
    let wait = Instant::now();
    while probe.ticket_ids().unwrap().len() < 11 && wait.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let cached_at_start = probe.ticket_ids().unwrap().len();

    // With CONCURRENCY_WHOLE_BACKFILL the CLI keeps going until the daemon's
    // first pass has ended with every record listed (capped at 30 minutes).
    let whole = std::env::var_os("CONCURRENCY_WHOLE_BACKFILL").is_some();
    let backfilled = Arc::new(AtomicBool::new(false));
    let monitor = whole.then(|| {
        let (db, backfilled) = (env.db.clone(), backfilled.clone());
        tokio::spawn(async move {
            let store = syncro_store::Store::open(&db).unwrap();
            let start = Instant::now();
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                // A pass records its success per resource as it ends; the
                // invoices are the last resource of a pass.
                let cached = store.ticket_ids().unwrap().len();
                let first_pass_done = store
                    .sync_state("invoices")
                    .unwrap()
                    .last_success_at
                    .is_some();
                if (cached >= tickets && first_pass_done)
                    || start.elapsed() > Duration::from_secs(1800)
                {
                    backfilled.store(true, Ordering::SeqCst);
                    let threads = store.tickets_needing_detail_count().unwrap();
                    let invoice_lines = store.invoices_needing_lines_count().unwrap();
                    return (
                        cached,
                        first_pass_done,
                        threads,
                        invoice_lines,
                        start.elapsed(),
                    );
                }
            }
        })
    });

    let started = Instant::now();
    let mut workers = Vec::new();
    for (p, number) in numbers.into_iter().enumerate() {
        let (config, key) = (env.config.clone(), env.api_key.clone());
        let backfilled = backfilled.clone();
        let busy = move |i: usize| {
            i < 12
                || if whole {
                    !backfilled.load(Ordering::SeqCst)
                } else {
                    started.elapsed() < Duration::from_secs(6)
                }
        };
        workers.push(tokio::task::spawn_blocking(move || {
            let run = |args: &[String]| {
                std::process::Command::new(syncro_e2e::bin("syncro"))
                    .env("SYNCRO_CONFIG", &config)
                    .env("SYNCRO_API_KEY", &key)
                    .env("NO_COLOR", "1")
                    .args(args)
                    .output()
                    .expect("run syncro")
            };
            let mut errors = Vec::new();
            let mut queued = Vec::new();
            let mut runs = 0;
            let mut i = 0;
            while busy(i) {
                // Over a whole backfill, queue every 10th round: a realistic
                // pace that keeps each ticket's thread a normal size.
                let queue = !whole || i < 12 || i % 10 == 0;
                let body = format!("concurrency {p}-{i}");
                let rounds: [Vec<String>; 3] = [
                    vec!["tickets".into(), "--limit".into(), "5".into()],
                    vec![
                        "search".into(),
                        "printer".into(),
                        "--limit".into(),
                        "5".into(),
                    ],
                    vec![
                        "comment".into(),
                        number.clone(),
                        body.clone(),
                        "--yes".into(),
                    ],
                ];
                for (k, args) in rounds.iter().enumerate().take(if queue { 3 } else { 2 }) {
                    let out = run(args);
                    runs += 1;
                    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
                    if !out.status.success() || stderr.to_lowercase().contains("locked") {
                        errors.push(format!("{args:?}: {} {}", out.status, stderr));
                    } else if k == 2 {
                        queued.push(body.clone());
                    }
                }
                i += 1;
            }
            (errors, queued, runs)
        }));
    }
    let mut errors = Vec::new();
    let mut queued = Vec::new();
    let mut runs = 0;
    for w in workers {
        let (e, q, r) = w.await.unwrap();
        errors.extend(e);
        queued.extend(q);
        runs += r;
    }
    let elapsed = started.elapsed();
    let cached_at_end = probe.ticket_ids().unwrap().len();
    if let Some(monitor) = monitor {
        let (cached, first_pass_done, threads, invoice_lines, took) = monitor.await.unwrap();
        eprintln!(
            "first pass: {cached} of {tickets} tickets listed after {took:.0?}; \
             {} ticket threads fetched, {threads} left to the trickle; {invoice_lines} invoices without lines",
            tickets.saturating_sub(threads as usize)
        );
        assert!(
            cached >= tickets && first_pass_done && invoice_lines == 0,
            "the first pass did not finish within 30 minutes"
        );
    }
    daemon.kill();
    assert!(
        errors.is_empty(),
        "{} CLI failures:\n{}",
        errors.len(),
        errors.join("\n")
    );
    assert!(
        cached_at_end > cached_at_start,
        "the daemon was not backfilling during the run"
    );

    let store = env.store();
    let mut bodies: HashMap<String, usize> = HashMap::new();
    for item in store.outbox_items(&[]).unwrap() {
        if let Command::Comment(CommentWrite::Add { body, .. }) = item.command {
            *bodies.entry(body).or_default() += 1;
        }
    }
    assert_eq!(
        bodies.len(),
        queued.len(),
        "every queued comment is in the outbox"
    );
    assert!(
        queued.iter().all(|b| bodies.get(b) == Some(&1)),
        "a comment is missing or queued twice"
    );
    eprintln!(
        "{runs} CLI runs ({} comments queued) in {elapsed:.1?} while the daemon went from {cached_at_start} to {cached_at_end} of {tickets} tickets cached",
        queued.len()
    );
    sim.shutdown().await;
}
