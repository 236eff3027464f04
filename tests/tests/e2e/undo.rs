//! The undo window, end to end: a customer-visible comment waits before it
//! is sent, `syncro undo` takes it back (it never reaches the server), and
//! one whose window passed is sent exactly once.

use std::time::{Duration, Instant};

use serde_json::json;
use syncro_e2e::{api, wait_for, TestEnv};
use syncro_sim::{SimConfig, SimHandle};

const KEY: &str = "test-key";

fn copies(sim: &SimHandle, ticket: i64, body: &str) -> usize {
    sim.dump()["tickets"]
        .as_array()
        .and_then(|ts| ts.iter().find(|t| t["id"].as_i64() == Some(ticket)))
        .and_then(|t| t["comments"].as_array().cloned())
        .map(|cs| cs.iter().filter(|c| c["body"] == body).count())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undone_comment_never_reaches_the_server_and_a_late_one_goes_once() {
    let sim = syncro_sim::spawn(SimConfig {
        rate_limit_per_minute: 0,
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    let customer = sim.dump()["customers"][0]["id"].as_i64().expect("customer");
    let t = api(
        &sim.base_url(),
        KEY,
        reqwest::Method::POST,
        "/tickets",
        Some(json!({"customer_id": customer, "subject": "Undo bed"})),
    )
    .await;
    let (id, number) = (
        t["ticket"]["id"].as_i64().expect("id"),
        t["ticket"]["number"].as_i64().expect("number").to_string(),
    );
    let env = TestEnv::new(&sim.base_url(), KEY, 600_000);
    let text = std::fs::read_to_string(&env.config).expect("config");
    std::fs::write(&env.config, text.replace("undo_secs = 0", "undo_secs = 3")).expect("config");
    env.syncrod_once(&[]);
    let _daemon = env.start_daemon();

    // Queued, announced with its window, taken back: never sent.
    let oops = "Sorry, wrong customer";
    let out = env.syncro(&["comment", &number, oops, "--yes"]);
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        said.contains("sending in 3 s: `syncro undo` takes it back"),
        "{said}"
    );
    let out = env.syncro(&["undo"]);
    let undone = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{undone}");
    assert!(undone.contains("took back"), "{undone}");
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(
        copies(&sim, id, oops),
        0,
        "an undone comment reached the server"
    );

    // A hidden note has no window: it goes at once.
    // (Judged by what was queued, not by a clock: the machine may be slow.)
    let note = "Internal: called the vendor";
    let out = env.syncro(&["comment", &number, note, "--hidden", "--yes"]);
    assert!(out.status.success(), "{out:?}");
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!said.contains("sending in"), "{said}");
    let queued = env.store().outbox_items(&[]).expect("outbox");
    let item = queued.iter().max_by_key(|i| i.id).expect("the note");
    assert_eq!(item.send_after, None, "{item:?}");
    wait_for("the hidden note", Duration::from_secs(20), || {
        copies(&sim, id, note) == 1
    })
    .await;

    // One left alone goes out once its window has passed, exactly once.
    let fine = "Replaced the toner, printing again";
    let queued = Instant::now();
    assert!(env
        .syncro(&["comment", &number, fine, "--yes"])
        .status
        .success());
    wait_for(
        "the comment after its window",
        Duration::from_secs(30),
        || copies(&sim, id, fine) == 1,
    )
    .await;
    assert!(
        queued.elapsed() >= Duration::from_secs(3),
        "sent inside its window"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(copies(&sim, id, fine), 1);
    // Nothing left to take back once it was sent.
    let out = env.syncro(&["undo"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to undo"));
    sim.shutdown().await;
}
