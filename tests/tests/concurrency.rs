//! Many CLI processes reading and queueing while the daemon backfills:
//! no "database is locked", every queued item present exactly once.
//!
//! The default suite uses 3,000 tickets; the full-size run from the issue:
//!   CONCURRENCY_TICKETS=100000 cargo test --release -p syncro-e2e --test concurrency -- --nocapture

use std::collections::HashMap;
use std::process::Stdio;
use std::time::{Duration, Instant};

use syncro_e2e::TestEnv;
use syncro_sim::SimConfig;
use syncro_store::outbox::Command;

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
    // The CLI needs the ticket cached to queue on it: cache one ticket's
    // detail directly, then let the daemon backfill everything else.
    let t = &sim.dump()["tickets"][0];
    let number = t["number"].as_i64().unwrap().to_string();
    env.store()
        .upsert_ticket_detail(&syncro_store::model::TicketWithChildren::from_json(t).unwrap())
        .unwrap();
    let mut daemon = env
        .command("syncrod")
        .arg("run")
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    let started = Instant::now();
    let mut workers = Vec::new();
    for p in 0..10 {
        let cmd = |args: Vec<String>| {
            let mut c = env.command("syncro");
            c.args(args);
            c
        };
        let number = number.clone();
        let mut commands = Vec::new();
        for i in 0..12 {
            commands.push(cmd(vec!["tickets".into(), "--limit".into(), "5".into()]));
            commands.push(cmd(vec![
                "search".into(),
                "printer".into(),
                "--limit".into(),
                "5".into(),
            ]));
            commands.push(cmd(vec![
                "comment".into(),
                number.clone(),
                format!("concurrency {p}-{i}"),
                "--yes".into(),
            ]));
        }
        workers.push(tokio::task::spawn_blocking(move || {
            let mut errors = Vec::new();
            for mut c in commands {
                let out = c.output().expect("run syncro");
                let stderr = String::from_utf8_lossy(&out.stderr).to_string();
                if !out.status.success() || stderr.to_lowercase().contains("locked") {
                    errors.push(format!(
                        "{:?}: {} {}",
                        c.get_args().collect::<Vec<_>>(),
                        out.status,
                        stderr
                    ));
                }
            }
            errors
        }));
    }
    let mut errors = Vec::new();
    for w in workers {
        errors.extend(w.await.unwrap());
    }
    let elapsed = started.elapsed();
    let _ = daemon.kill();
    let _ = daemon.wait();
    assert!(
        errors.is_empty(),
        "{} CLI failures:\n{}",
        errors.len(),
        errors.join("\n")
    );

    let store = env.store();
    let mut bodies: HashMap<String, usize> = HashMap::new();
    for item in store.outbox_items(&[]).unwrap() {
        if let Command::AddComment { body, .. } = item.command {
            *bodies.entry(body).or_default() += 1;
        }
    }
    assert_eq!(bodies.len(), 120, "every queued comment is in the outbox");
    assert!(
        bodies.values().all(|n| *n == 1),
        "a comment was queued twice"
    );
    let cached = store.ticket_ids().unwrap().len();
    eprintln!(
        "360 CLI runs in {elapsed:.1?} while the daemon cached {cached} of {tickets} tickets"
    );
    sim.shutdown().await;
}
