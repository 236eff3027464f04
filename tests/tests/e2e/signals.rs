//! `syncrod run` stopped by SIGTERM at the two moments that matter: in the
//! middle of a long first sync, and while an outbox write is on the wire.
//! Each time it must exit 0 within a few seconds, and a restart must lose
//! nothing and send nothing twice.
#![cfg(unix)]

use std::time::Duration;

use syncro_e2e::{compare, ticket_of, wait_for, TestEnv};
use syncro_sim::{FaultConfig, FaultKind, QueuedFault, SimConfig};
use syncro_store::outbox::{Command, CommentWrite, NewItem, State};

const KEY: &str = "test-key";

/// Longest acceptable stop: the outbox grace (3 s), the runtime's
/// shutdown (2 s) and slack for a loaded machine.
const STOP_LIMIT: Duration = Duration::from_secs(8);

fn count(db: &std::path::Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).expect("open cache");
    conn.query_row(sql, [], |r| r.get(0)).expect(sql)
}

/// Tickets cached so far; 0 while the daemon has not created the schema.
fn tickets_cached(db: &std::path::Path) -> i64 {
    rusqlite::Connection::open(db)
        .and_then(|c| c.query_row("SELECT COUNT(*) FROM tickets", [], |r| r.get(0)))
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_long_first_sync_exits_cleanly_and_a_restart_converges() {
    const TICKETS: i64 = 2000;
    let sim = syncro_sim::spawn(SimConfig {
        tickets: TICKETS as usize,
        customers: 150,
        invoices: 100,
        rate_limit_per_minute: 0,
        faults: FaultConfig {
            rate: 1.0,
            weights: [(FaultKind::Latency, 1)].into_iter().collect(),
            latency_min_ms: 5,
            latency_max_ms: 15,
            ..FaultConfig::default()
        },
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let env = TestEnv::new(&sim.base_url(), KEY, 600_000);
    let mut daemon = env.start_daemon();
    wait_for(
        "the first pass to be under way",
        Duration::from_secs(60),
        || env.db.exists() && tickets_cached(&env.db) >= 200,
    )
    .await;
    daemon.sigterm();
    let (status, took) = daemon.exit_within(STOP_LIMIT).await;
    assert!(
        status.success(),
        "syncrod run exited with {status} on SIGTERM"
    );
    let cached = tickets_cached(&env.db);
    let threads_left = env.store().tickets_needing_detail_count().unwrap();
    assert!(
        cached < TICKETS || threads_left > 0,
        "the pass finished before the signal: the test proves nothing"
    );
    eprintln!(
        "stopped {took:?} after SIGTERM with {cached} of {TICKETS} tickets listed, {threads_left} threads to fetch"
    );
    let conn = rusqlite::Connection::open(&env.db).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    drop(conn);

    env.syncrod_once(&[]);
    let diffs = compare(&env.store(), &sim.dump());
    assert!(
        diffs.is_empty(),
        "cache differs after a stop and restart:\n{}",
        diffs.join("\n")
    );
    assert_eq!(
        count(
            &env.db,
            "SELECT (SELECT COUNT(*) FROM ticket_fts) - (SELECT COUNT(*) FROM tickets)"
        ),
        0,
        "duplicate search rows after the interrupted pass"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_an_outbox_send_exits_cleanly_and_nothing_is_lost_or_sent_twice() {
    let sim = syncro_sim::spawn(SimConfig {
        tickets: 10,
        customers: 4,
        invoices: 0,
        rate_limit_per_minute: 0,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let env = TestEnv::new(&sim.base_url(), KEY, 600_000);
    let t = &sim.dump()["tickets"][0];
    let (id, number) = (t["id"].as_i64().unwrap(), t["number"].as_i64().unwrap());
    // The first comment lands at once but its answer takes 30 s: the
    // daemon is in the middle of that send when the signal comes.
    sim.queue_faults(vec![QueuedFault::new(FaultKind::ApplyThenSlowAnswer)
        .method("POST")
        .path_contains("/comment")
        .delay_ms(30_000)]);
    let mut store = env.store();
    let comment = |body: &str| {
        NewItem::on_ticket(
            Command::Comment(CommentWrite::Add {
                subject: "Update".into(),
                body: body.into(),
                hidden: false,
                do_not_email: false,
                tech: None,
            }),
            id,
            number,
        )
    };
    let first = store.enqueue(comment("Replaced the NIC")).unwrap();
    // Queued behind the first on the same ticket: must wait, then land.
    let second = store.enqueue(comment("Driver updated too")).unwrap();

    let mut daemon = env.start_daemon();
    // On the wire: the server has applied it and is holding the answer.
    wait_for(
        "the first comment to reach the server",
        Duration::from_secs(30),
        || {
            store.outbox_item(first).unwrap().unwrap().state == State::Sending
                && ticket_of(&sim.dump(), id)["comments"]
                    .as_array()
                    .is_some_and(|c| c.iter().any(|c| c["body"] == "Replaced the NIC"))
        },
    )
    .await;
    daemon.sigterm();
    let (status, took) = daemon.exit_within(STOP_LIMIT).await;
    assert!(
        status.success(),
        "syncrod run exited with {status} on SIGTERM"
    );
    eprintln!("stopped {took:?} after SIGTERM with a send in flight");
    // Nothing lost: the in-flight item kept its state, the next one waits.
    assert_eq!(
        store.outbox_item(first).unwrap().unwrap().state,
        State::Sending
    );
    assert_eq!(
        store.outbox_item(second).unwrap().unwrap().state,
        State::Queued
    );

    env.syncrod_once(&["--quick"]);
    for item in [first, second] {
        let i = store.outbox_item(item).unwrap().unwrap();
        assert_eq!(i.state, State::Done, "{i:?}");
    }
    let dump = sim.dump();
    let comments = ticket_of(&dump, id)["comments"].as_array().unwrap().clone();
    for body in ["Replaced the NIC", "Driver updated too"] {
        let n = comments.iter().filter(|c| c["body"] == body).count();
        assert_eq!(n, 1, "{body:?} must land exactly once, found {n}");
    }
    assert_eq!(
        sim.counters()["duplicate_comments"]
            .as_object()
            .map(|o| o.len()),
        Some(0)
    );
    sim.shutdown().await;
}
