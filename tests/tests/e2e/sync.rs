//! syncrod's mirror against the simulator: convergence, incremental
//! passes, crash recovery, faults, and the key never leaking.

use std::time::Duration;

use serde_json::json;
use syncro_e2e::{compare, find_in_files, mutate, TestEnv};
use syncro_sim::{FaultConfig, FaultKind, SimConfig};
use syncrod::sync::Syncer;
use syncrod::Daemon;

fn sim_config(tickets: usize) -> SimConfig {
    SimConfig {
        tickets,
        customers: 25,
        invoices: 15,
        rate_limit_per_minute: 0,
        ..SimConfig::default()
    }
}

async fn once(env: &TestEnv) -> syncrod::OnceReport {
    let daemon = Daemon::open(env.config()).expect("open daemon");
    let options = syncrod::OnceOptions {
        deadline: Duration::from_secs(120),
        ..Default::default()
    };
    syncrod::once(&daemon, options, None).await.expect("once")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_mirrors_every_field_and_an_idle_pass_costs_one_request_per_resource() {
    let sim = syncro_sim::spawn(sim_config(120)).await.unwrap();
    let env = TestEnv::new(&sim.base_url(), "test-key", 60_000);
    let report = once(&env).await;
    assert!(report.sync.listed >= 120, "{report:?}");
    let diffs = compare(&env.store(), &sim.dump());
    assert!(
        diffs.is_empty(),
        "cache differs from the server:\n{}",
        diffs.join("\n")
    );

    // Nothing changed: an incremental pass is one list request per resource.
    let daemon = Daemon::open(env.config()).unwrap();
    let syncer = Syncer::new(daemon.client.clone(), daemon.db.clone());
    let r = syncer.pass(usize::MAX).await.unwrap();
    assert_eq!(r.requests, 3, "{r:?}");
    assert_eq!(r.details, 0, "{r:?}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_pass_converges_after_changes_by_another_technician() {
    let sim = syncro_sim::spawn(sim_config(60)).await.unwrap();
    let env = TestEnv::new(&sim.base_url(), "test-key", 60_000);
    once(&env).await;
    let dump = sim.dump();
    let tickets = dump["tickets"].as_array().unwrap();
    let (t0, t1, t2) = (
        tickets[0]["id"].as_i64().unwrap(),
        tickets[1]["id"].as_i64().unwrap(),
        tickets[2]["id"].as_i64().unwrap(),
    );
    let customers = dump["customers"].as_array().unwrap();
    let c0 = customers[0]["id"].as_i64().unwrap();
    let c_last = customers.last().unwrap()["id"].as_i64().unwrap();
    let invoice = dump["invoices"][0]["id"].as_i64().unwrap();
    let admin = sim.admin_url();
    mutate(&admin, json!({"action": "edit_ticket", "id": t0, "fields": {"status": "Waiting on Customer", "subject": "Edited elsewhere"}})).await;
    mutate(&admin, json!({"action": "add_comment", "ticket_id": t1, "body": "Called the customer back", "tech": "Marcus"})).await;
    mutate(&admin, json!({"action": "delete_ticket", "id": t2})).await;
    mutate(
        &admin,
        json!({"action": "create_ticket", "customer_id": c0, "subject": "Brand new printer issue"}),
    )
    .await;
    mutate(
        &admin,
        json!({"action": "edit_customer", "id": c0, "fields": {"email": "new@example.com"}}),
    )
    .await;
    mutate(&admin, json!({"action": "create_customer", "business_name": "Fresh Bakery", "firstname": "Ann", "lastname": "Lee"})).await;
    mutate(
        &admin,
        json!({"action": "mark_invoice_paid", "id": invoice}),
    )
    .await;
    mutate(&admin, json!({"action": "delete_invoice", "id": invoice})).await;
    let deleted_customer = mutate(&admin, json!({"action": "delete_customer", "id": c_last})).await;
    assert!(!deleted_customer.is_null());
    let diffs = compare(&env.store(), &sim.dump());
    assert!(
        !diffs.is_empty(),
        "the changes should not be in the cache yet"
    );

    once(&env).await;
    let diffs = compare(&env.store(), &sim.dump());
    assert!(
        diffs.is_empty(),
        "cache differs after the second pass:\n{}",
        diffs.join("\n")
    );
    let store = env.store();
    assert!(
        store
            .search("\"Brand new printer\"", &Default::default())
            .unwrap()
            .hits
            .len()
            == 1
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_slow_the_sync_but_never_corrupt_the_cache() {
    let mut config = sim_config(80);
    config.faults = FaultConfig {
        seed: 7,
        rate: 0.3,
        writes_only: false,
        weights: [
            (FaultKind::ServerError, 2),
            (FaultKind::BadGateway, 2),
            (FaultKind::TooManyRequests, 2),
            (FaultKind::TruncatedJson, 2),
            (FaultKind::ResetBeforeApply, 1),
            (FaultKind::Latency, 1),
        ]
        .into_iter()
        .collect(),
        latency_min_ms: 1,
        latency_max_ms: 20,
        retry_after_secs: 1,
        ..FaultConfig::default()
    };
    let sim = syncro_sim::spawn(config).await.unwrap();
    let env = TestEnv::new(&sim.base_url(), "test-key", 60_000);
    let daemon = Daemon::open(env.config()).unwrap();
    // Under a 30% fault rate a pass may fail; it must fail cleanly. The
    // injected 429s cut the daemon's share each time (as real ones would:
    // see `share`), so a pass can crawl; one cut short by the timeout is a
    // crash at an arbitrary await point, which must not corrupt either.
    for _ in 0..3 {
        let options = syncrod::OnceOptions {
            deadline: Duration::from_secs(20),
            ..Default::default()
        };
        let _ = tokio::time::timeout(
            Duration::from_secs(15),
            syncrod::once(&daemon, options, None),
        )
        .await;
    }
    let counters = sim.counters();
    assert!(
        counters["faults"]
            .as_object()
            .is_some_and(|f| !f.is_empty()),
        "no faults were injected: {counters}"
    );
    sim.set_faults(FaultConfig::default());
    once(&env).await;
    let diffs = compare(&env.store(), &sim.dump());
    assert!(
        diffs.is_empty(),
        "cache differs after faults:\n{}",
        diffs.join("\n")
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_during_the_first_pass_resumes_and_converges_without_duplicates() {
    use rand::Rng;
    let sim = syncro_sim::spawn(SimConfig {
        tickets: 2500,
        customers: 200,
        invoices: 150,
        rate_limit_per_minute: 0,
        faults: FaultConfig {
            rate: 1.0,
            weights: [(FaultKind::Latency, 1)].into_iter().collect(),
            latency_min_ms: 2,
            latency_max_ms: 6,
            ..FaultConfig::default()
        },
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let env = TestEnv::new(&sim.base_url(), "test-key", 600_000);
    let mut rng = rand::rng();
    // Kill it at random points; a later run may finish before its kill
    // comes (the cache is fuller each time), so count the real kills.
    let mut kills = 0;
    for _ in 0..3 {
        let mut child = env
            .command("syncrod")
            .args(["once", "--quick"])
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let ms = rng.random_range(150..700);
        tokio::time::sleep(Duration::from_millis(ms)).await;
        if child.try_wait().unwrap().is_some() {
            break;
        }
        let _ = child.kill();
        let _ = child.wait();
        kills += 1;
    }
    assert!(kills >= 1, "the first pass ended before any kill");
    env.syncrod_once(&[]);
    let store = env.store();
    let diffs = compare(&store, &sim.dump());
    assert!(
        diffs.is_empty(),
        "cache differs after kills:\n{}",
        diffs.join("\n")
    );
    // One FTS row per ticket: no duplicates left behind by interrupted pages.
    let extra = rusqlite_count(
        &env.db,
        "SELECT (SELECT COUNT(*) FROM ticket_fts) - (SELECT COUNT(*) FROM tickets)",
    );
    assert_eq!(extra, 0);
    sim.shutdown().await;
}

fn rusqlite_count(db: &std::path::Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_key_never_appears_in_trace_logs_or_the_cache() {
    let key = "sk-e2e-SECRET-7f3a9";
    let sim = syncro_sim::spawn(SimConfig {
        api_key: key.to_string(),
        rate_limit_per_minute: 0,
        ..sim_config(20)
    })
    .await
    .unwrap();
    sim.queue_faults(vec![
        syncro_sim::QueuedFault::new(FaultKind::BadGateway),
        syncro_sim::QueuedFault::new(FaultKind::TruncatedJson),
    ]);
    let env = TestEnv::new(&sim.base_url(), key, 60_000);
    let out = env
        .command("syncrod")
        .arg("once")
        .env("RUST_LOG", "trace")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("TRACE") || stderr.contains("trace"),
        "trace logging did not engage"
    );
    assert!(!stderr.contains(key), "the key leaked into the logs");
    let (found, _) = find_in_files(env.db.parent().unwrap(), key.as_bytes());
    assert_eq!(found, None, "the key is in the data dir");
    // The running daemon: not in its command line, not in its trace-level
    // log file, not in the cache after it has synced and sent a write.
    let mut store = env.store();
    let t = &sim.dump()["tickets"][0];
    store
        .enqueue(syncro_store::outbox::NewItem::on_ticket(
            syncro_store::outbox::Command::Comment(syncro_store::outbox::CommentWrite::Add {
                subject: "Update".into(),
                body: "key leak check".into(),
                hidden: false,
                do_not_email: false,
                tech: None,
            }),
            t["id"].as_i64().unwrap(),
            t["number"].as_i64().unwrap(),
        ))
        .unwrap();
    let mut daemon = syncro_e2e::RunningDaemon::spawn(
        env.command("syncrod").arg("run").env("RUST_LOG", "trace"),
    );
    let started = std::time::Instant::now();
    while store.outbox_counts().unwrap().done < 1 && started.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    #[cfg(target_os = "linux")]
    {
        let cmdline = std::fs::read(format!("/proc/{}/cmdline", daemon.pid())).unwrap();
        assert!(
            !cmdline.windows(key.len()).any(|w| w == key.as_bytes()),
            "the key is in the command line"
        );
    }
    daemon.kill();
    assert_eq!(store.outbox_counts().unwrap().done, 1);
    let logs = std::fs::read_dir(env.db.parent().unwrap().join("logs"))
        .map(|d| d.count())
        .unwrap_or(0);
    let (found, _) = find_in_files(env.db.parent().unwrap(), key.as_bytes());
    assert_eq!(found, None, "the key is in the data dir");
    assert!(logs > 0, "syncrod run wrote no log file to check");
    // A wrong key is a clear, non-zero failure, without the key in it.
    let out = env
        .command("syncrod")
        .arg("once")
        .env("SYNCRO_API_KEY", "wrong-key")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("401"), "{stderr}");
    assert!(!stderr.contains("wrong-key"), "{stderr}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_is_a_clear_failure() {
    let env = TestEnv::new("http://127.0.0.1:9/api/v1", "k", 60_000);
    let out = env
        .command("syncrod")
        .args(["once", "--timeout", "1"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("cannot reach"), "{stderr}");
}

/// The paths the simulator served since its counters were last reset,
/// oldest first, without their query strings.
async fn served(sim: &syncro_sim::SimHandle) -> Vec<String> {
    let log: serde_json::Value = reqwest::get(format!("{}/log", sim.admin_url()))
        .await
        .expect("admin log")
        .json()
        .await
        .expect("admin log JSON");
    log["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["path"].as_str())
        .map(|p| p.split('?').next().unwrap_or(p).to_string())
        .collect()
}

/// Makes the products' last listing long past (instead of waiting an hour).
fn age_products(env: &TestEnv) {
    let mut store = env.store();
    let mut st = store.sync_state("products").unwrap();
    st.last_success_at = Some("2000-01-01T00:00:00.000Z".into());
    store.save_sync_state(&st).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn products_are_mirrored_after_the_open_tickets_then_hourly_and_by_the_sweep() {
    let sim = syncro_sim::spawn(sim_config(40)).await.unwrap();
    let env = TestEnv::new(&sim.base_url(), "test-key", 60_000);
    let daemon = Daemon::open(env.config()).unwrap();
    let syncer = Syncer::new(daemon.client.clone(), daemon.db.clone());
    let admin = sim.admin_url();

    // A first pass: every open thread first, then the catalogue (one
    // request), then the invoices.
    syncer.pass(0).await.unwrap();
    let log = served(&sim).await;
    let at = |path: &str| log.iter().position(|l| l == path);
    let products = at("/api/v1/products").unwrap_or_else(|| panic!("no products: {log:?}"));
    assert_eq!(log.iter().filter(|l| *l == "/api/v1/products").count(), 1);
    let dump = sim.dump();
    let open: Vec<i64> = dump["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| {
            !matches!(
                t["status"].as_str(),
                Some("Resolved" | "Invoiced" | "Closed")
            )
        })
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert!(!open.is_empty());
    for id in open {
        let thread = at(&format!("/api/v1/tickets/{id}")).expect("open thread fetched");
        assert!(
            thread < products,
            "open ticket {id} after the products: {log:?}"
        );
    }
    assert!(
        at("/api/v1/invoices").is_some_and(|i| i > products),
        "{log:?}"
    );
    let store = env.store();
    assert_eq!(store.product_count().unwrap(), 15);
    let remote = store.product(9001).unwrap().expect("9001 cached");
    assert_eq!(
        (
            remote.name.as_str(),
            remote.price_retail_cents,
            remote.is_labor()
        ),
        ("Labor - Remote", Some(12_500), true)
    );
    assert!(store
        .sync_state("products")
        .unwrap()
        .last_success_at
        .is_some());

    // Within the hour an incremental pass leaves the catalogue alone.
    sim.reset_counters();
    let r = syncer.pass(0).await.unwrap();
    assert_eq!(r.requests, 3, "{r:?}: {:?}", served(&sim).await);

    // Changed in the web UI: retired, added, deleted. The daily sweep (and
    // so `syncrod once`) lists the catalogue whatever its age.
    mutate(
        &admin,
        json!({"action": "edit_product", "id": 9002, "fields": {"disabled": true}}),
    )
    .await;
    let added = mutate(
        &admin,
        json!({"action": "create_product", "name": "Labor - After Hours", "product_category": "Labor", "price_retail": 180}),
    )
    .await;
    let added = added["product"]["id"].as_i64().unwrap();
    mutate(&admin, json!({"action": "delete_product", "id": 9108})).await;
    syncer.reconcile().await.unwrap();
    let store = env.store();
    assert!(store.product(9002).unwrap().expect("9002 kept").disabled);
    assert!(store.product(added).unwrap().is_some());
    assert_eq!(store.product(9108).unwrap(), None, "deleted on the server");
    let mut got: Vec<(i64, String, bool)> = store
        .products()
        .unwrap()
        .into_iter()
        .map(|p| (p.id, p.name, p.disabled))
        .collect();
    got.sort();
    let want: Vec<(i64, String, bool)> = sim.dump()["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_i64().unwrap(),
                p["name"].as_str().unwrap().to_string(),
                p["disabled"] == true,
            )
        })
        .collect();
    assert_eq!(got, want);

    // An hour on, a pass lists it again.
    mutate(
        &admin,
        json!({"action": "edit_product", "id": 9003, "fields": {"price_retail": 250}}),
    )
    .await;
    age_products(&env);
    syncer.pass(0).await.unwrap();
    assert_eq!(
        env.store()
            .product(9003)
            .unwrap()
            .unwrap()
            .price_retail_cents,
        Some(25_000)
    );

    // A listing that fails is recorded, never sinks the pass, and is not
    // tried again at once.
    age_products(&env);
    sim.queue_faults(vec![syncro_sim::QueuedFault {
        path_contains: Some("/products".into()),
        ..syncro_sim::QueuedFault::new(FaultKind::ServerError)
    }]);
    sim.reset_counters();
    syncer
        .pass(0)
        .await
        .expect("the pass goes on without the products");
    let log = served(&sim).await;
    assert!(log.iter().any(|l| l == "/api/v1/invoices"), "{log:?}");
    let st = env.store().sync_state("products").unwrap();
    assert!(
        st.last_error.is_some() && st.last_error_at > st.last_success_at,
        "{st:?}"
    );
    sim.reset_counters();
    syncer.pass(0).await.unwrap();
    assert!(!served(&sim).await.iter().any(|l| l == "/api/v1/products"));
    sim.shutdown().await;
}
