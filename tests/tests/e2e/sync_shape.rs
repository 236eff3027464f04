//! The sync engine against the real service's shape and its outages:
//! local-offset timestamps, `per_page` ignored, lean `meta`, string
//! decimals, a customer `sort` that is ignored, comments that do not bump
//! `updated_at`, a fast server clock, no network at all. Real `syncrod`
//! and `syncro` processes against `syncro-sim`.

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use syncro_e2e::{compare, mutate, TestEnv};
use syncro_sim::{Quirks, Shape, SimConfig, SimHandle};

const KEY: &str = "test-key";

async fn realistic(tickets: usize, customers: usize, shape: Shape) -> SimHandle {
    syncro_sim::spawn(SimConfig {
        seed: 5,
        tickets,
        customers,
        invoices: 60,
        rate_limit_per_minute: 0,
        quirks: Quirks::realistic(),
        shape,
        ..SimConfig::default()
    })
    .await
    .expect("start the simulator")
}

fn open_ticket(sim: &SimHandle) -> (i64, i64) {
    let dump = sim.dump();
    let t = dump["tickets"]
        .as_array()
        .expect("tickets")
        .iter()
        .rev()
        .find(|t| {
            !matches!(
                t["status"].as_str(),
                Some("Resolved" | "Invoiced" | "Closed")
            )
        })
        .cloned()
        .expect("an open ticket");
    (
        t["id"].as_i64().expect("id"),
        t["number"].as_i64().expect("number"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_realistic_server_is_mirrored_and_kept_in_step() {
    // 260 customers over three pages served in id order (sort ignored),
    // tickets 50 a page and invoices 25 whatever is asked, lean meta,
    // local offsets, comments that do not bump the ticket.
    let sim = realistic(300, 260, Shape::realistic()).await;
    let env = TestEnv::new(&sim.base_url(), KEY, 600_000);
    env.syncrod_once(&[]);
    let diffs = compare(&env.store(), &sim.dump());
    assert!(diffs.is_empty(), "first mirror:\n{}", diffs.join("\n"));

    // Changes beyond the first page of customers, a ticket edit, and a
    // comment from the web UI that leaves `updated_at` alone.
    let customers = sim.dump()["customers"].clone();
    let last = customers
        .as_array()
        .and_then(|cs| cs.last())
        .and_then(|c| c["id"].as_i64())
        .expect("a customer");
    mutate(
        &sim.admin_url(),
        json!({"action": "edit_customer", "id": last, "business_name": "Renamed Holdings"}),
    )
    .await;
    let (ticket, number) = open_ticket(&sim);
    let updated_before = sim.dump()["tickets"]
        .as_array()
        .and_then(|ts| ts.iter().find(|t| t["id"].as_i64() == Some(ticket)))
        .map(|t| t["updated_at"].clone())
        .unwrap_or(Value::Null);
    mutate(
        &sim.admin_url(),
        json!({"action": "add_comment", "ticket_id": ticket, "subject": "Call",
               "body": "Spoke to Ann in the web UI", "tech": "Marcus Lee"}),
    )
    .await;
    let updated_after = sim.dump()["tickets"]
        .as_array()
        .and_then(|ts| ts.iter().find(|t| t["id"].as_i64() == Some(ticket)))
        .map(|t| t["updated_at"].clone())
        .unwrap_or(Value::Null);
    assert_eq!(
        updated_before, updated_after,
        "the comment must not bump the ticket"
    );

    env.syncrod_once(&["--quick"]);
    let customer = env.store().customer(last).expect("read").expect("cached");
    assert_eq!(
        customer.business_then_name, "Renamed Holdings",
        "a change beyond page 1 of an unsorted customer list"
    );
    // The safety net re-reads an open thread once it is old enough; age
    // the cache's record of when it was read instead of waiting.
    let conn = rusqlite::Connection::open(&env.db).expect("open the cache");
    conn.execute(
        "UPDATE tickets SET detail_fetched_at = '2000-01-01T00:00:00.000Z' WHERE id = ?1",
        [ticket],
    )
    .expect("age the thread");
    drop(conn);
    env.syncrod_once(&["--quick"]);
    let shown =
        String::from_utf8_lossy(&env.syncro(&["ticket", &number.to_string()]).stdout).into_owned();
    assert!(shown.contains("Spoke to Ann in the web UI"), "{shown}");
    let diffs = compare(&env.store(), &sim.dump());
    assert!(diffs.is_empty(), "after changes:\n{}", diffs.join("\n"));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_clock_ahead_never_moves_the_watermark_past_ours() {
    let shape = Shape {
        clock_skew_secs: 7200,
        ..Shape::default()
    };
    let sim = realistic(40, 10, shape).await;
    let env = TestEnv::new(&sim.base_url(), KEY, 600_000);
    env.syncrod_once(&[]);
    let horizon = syncro_store::time::format(
        syncro_store::time::parse(&syncro_store::time::now()).expect("now")
            + Duration::from_secs(600),
    );
    for resource in ["tickets", "invoices", "customers"] {
        let st = env.store().sync_state(resource).expect("sync state");
        assert!(
            st.watermark.as_ref().is_none_or(|w| *w <= horizon),
            "{resource}: watermark {:?} is past our clock",
            st.watermark
        );
    }
    // Incremental passes still see new changes.
    let (ticket, number) = open_ticket(&sim);
    mutate(
        &sim.admin_url(),
        json!({"action": "edit_ticket", "id": ticket, "subject": "Edited on a fast clock"}),
    )
    .await;
    env.syncrod_once(&["--quick"]);
    let t = env
        .store()
        .ticket_detail(number)
        .expect("read")
        .expect("cached");
    assert_eq!(t.ticket.subject, "Edited on a fast clock");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn syncrod_once_offline_gives_up_and_says_what_is_still_queued() {
    let sim = realistic(80, 5, Shape::default()).await;
    let env = TestEnv::new(&sim.base_url(), KEY, 600_000);
    env.syncrod_once(&[]);
    let (_, number) = open_ticket(&sim);
    let queued = env.syncro(&["comment", &number.to_string(), "Written offline", "--yes"]);
    assert!(queued.status.success());
    sim.shutdown().await;

    let started = Instant::now();
    let out = env
        .command("syncrod")
        .args(["once", "--offline-tries", "3"])
        .stdin(Stdio::null())
        .output()
        .expect("run syncrod once");
    let took = started.elapsed();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(took < Duration::from_secs(60), "took {took:?}");
    assert!(err.contains("cannot reach the Syncro server"), "{err}");
    assert!(err.contains("gave up after 3 tries"), "{err}");
    assert!(err.contains("1 write(s) still queued"), "{err}");
    assert!(!err.contains(KEY), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_heartbeat_beats_during_a_long_first_pass() {
    // 60 requests a minute against 400 tickets: the first pass takes
    // minutes; the heartbeat (every 15 s) must not wait for it.
    let sim = syncro_sim::spawn(SimConfig {
        tickets: 400,
        customers: 20,
        invoices: 40,
        rate_limit_per_minute: 0,
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    let env = TestEnv::new(&sim.base_url(), KEY, 60);
    let _daemon = env.start_daemon();
    let beat = |env: &TestEnv| {
        syncro_store::Store::open(&env.db)
            .ok()
            .and_then(|s| s.heartbeat().ok().flatten())
            .map(|b| b.beat_at)
    };
    // (Generous: the e2e tests share one process and the machine's cores,
    // and this is about beats during the pass, not start-up time.)
    syncro_e2e::wait_for("a first heartbeat", Duration::from_secs(30), || {
        beat(&env).is_some()
    })
    .await;
    let first = beat(&env);
    tokio::time::sleep(Duration::from_secs(17)).await;
    let later = beat(&env);
    let store = env.store();
    let invoices_done = store
        .sync_state("invoices")
        .map(|s| s.last_success_at.is_some())
        .unwrap_or(false);
    assert!(!invoices_done, "the first pass should still be running");
    assert!(
        later > first,
        "no beat during the pass: {first:?} then {later:?}"
    );
    let status = String::from_utf8_lossy(&env.syncro(&["status"]).stdout).into_owned();
    assert!(status.contains("running"), "{status}");
    sim.shutdown().await;
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_schedulers_chatter_stays_out_of_the_log() {
    let sim = realistic(10, 5, Shape::default()).await;
    let env = TestEnv::new(&sim.base_url(), KEY, 600_000);
    let mut child = env
        .command("syncrod")
        .arg("run")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start syncrod");
    tokio::time::sleep(Duration::from_secs(3)).await;
    // SAFETY: kill(2) on a pid we spawned and have not reaped.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let _ = tokio::task::spawn_blocking(move || child.wait()).await;
    // Off a terminal, the daemon logs to files next to the cache.
    let logs = env.db.parent().expect("data dir").join("logs");
    let mut out = String::new();
    for entry in std::fs::read_dir(&logs)
        .expect("the log directory")
        .flatten()
    {
        out.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
    }
    assert!(out.contains("syncrod running"), "{out}");
    for noise in ["Uninited", "Job creator created", "JobScheduler"] {
        assert!(!out.contains(noise), "{noise:?} in:\n{out}");
    }
    sim.shutdown().await;
}
