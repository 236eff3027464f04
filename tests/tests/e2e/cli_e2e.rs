//! The real `syncro` CLI end to end: writes queued through the binary show
//! as pending, `syncrod` sends each exactly once, and the cache then shows
//! them as landed; `--wait` returns once a running daemon has verified.

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;
use syncro_e2e::{json_of, ok, text, TestEnv};

const KEY: &str = "test-key";
const COMMENT: &str = "Rebuilt the Outlook profile and re-added the shared mailbox";
const BILL_COMMENT: &str = "Cleaned up the mail flow rules\nand tested delivery";

fn server_ticket(dump: &Value, id: i64) -> Value {
    dump["tickets"]
        .as_array()
        .expect("tickets")
        .iter()
        .find(|t| t["id"].as_i64() == Some(id))
        .cloned()
        .expect("the ticket on the server")
}

fn invoices_of(dump: &Value, id: i64) -> Vec<Value> {
    dump["invoices"]
        .as_array()
        .expect("invoices")
        .iter()
        .filter(|i| i["ticket_id"].as_i64() == Some(id))
        .cloned()
        .collect()
}

/// A decimal the API renders as a string or a number.
fn num(v: &Value) -> Option<f64> {
    v.as_f64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

fn count_bodies(ticket: &Value, body: &str) -> usize {
    ticket["comments"]
        .as_array()
        .map(|cs| cs.iter().filter(|c| c["body"] == body).count())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_writes_show_as_pending_then_land_exactly_once() {
    let sim = syncro_e2e::small_sim().await;
    let env = TestEnv::new(&sim.base_url(), KEY, 600_000);
    env.syncrod_once(&[]);

    // An open ticket, as the CLI lists it, not already waiting on the
    // customer (so the status change is a real change).
    let open = json_of("syncro tickets --json", env.syncro(&["tickets", "--json"]));
    let first = open["tickets"]
        .as_array()
        .expect("a list")
        .iter()
        .find(|t| t["status"] != "Waiting on Customer")
        .expect("an open ticket not waiting on the customer");
    let (id, number) = (
        first["id"].as_i64().expect("id"),
        first["number"].as_i64().expect("number"),
    );
    let n = number.to_string();
    let before = sim.dump();
    let t0 = server_ticket(&before, id);
    let lines_before = t0["line_items"].as_array().map_or(0, Vec::len);
    let invoices_before = invoices_of(&before, id).len();
    let bill_first_line = BILL_COMMENT.lines().next().unwrap();

    // Without a terminal, a write without --yes is refused and queues nothing.
    let refused = env.syncro(&["comment", &n, COMMENT]).status.code();
    assert_eq!(refused, Some(1), "a write without --yes off a terminal");
    let outbox = json_of("syncro outbox --json", env.syncro(&["outbox", "--json"]));
    assert_eq!(
        outbox["outbox"].as_array().map(Vec::len),
        Some(0),
        "{outbox}"
    );

    ok(
        "syncro comment",
        env.syncro(&["comment", &n, COMMENT, "--yes"]),
    );
    ok(
        "syncro update",
        env.syncro(&["update", &n, "--status", "Waiting on Customer", "--yes"]),
    );
    ok(
        "syncro bill",
        env.syncro(&[
            "bill",
            &n,
            "--minutes",
            "45",
            "--labor",
            "remote",
            "--comment",
            BILL_COMMENT,
            "--yes",
        ]),
    );

    // Pending, in the outbox...
    let outbox = json_of("syncro outbox --json", env.syncro(&["outbox", "--json"]));
    let items = outbox["outbox"].as_array().expect("outbox list");
    let kinds: Vec<&str> = items.iter().filter_map(|i| i["kind"].as_str()).collect();
    assert_eq!(
        kinds,
        [
            "add_comment",
            "update_ticket",
            "add_comment",
            "add_line_item",
            "create_invoice",
            "update_ticket"
        ],
        "{outbox:#}"
    );
    for i in items {
        assert_eq!(i["state"], "queued", "{i}");
        assert_eq!(i["ticket_number"].as_i64(), Some(number), "{i}");
    }
    let ids: Vec<i64> = items.iter().filter_map(|i| i["id"].as_i64()).collect();
    let listed = text(&ok("syncro outbox", env.syncro(&["outbox"])));
    assert!(listed.contains("Waiting on Customer"), "{listed}");
    assert!(listed.contains("Labor - Remote"), "{listed}");
    assert!(
        listed.contains(&format!("#{number}")) || listed.contains(&n),
        "{listed}"
    );

    // ...and on the ticket, in text...
    let shown = text(&ok("syncro ticket", env.syncro(&["ticket", &n])));
    for id in &ids {
        assert!(
            shown.contains(&format!("[pending #{id}]")),
            "no [pending #{id}] in:\n{shown}"
        );
    }
    assert!(shown.contains(COMMENT), "{shown}");
    assert!(shown.contains("status -> Waiting on Customer"), "{shown}");
    assert!(shown.contains("Labor - Remote"), "{shown}");
    assert!(shown.contains("status -> Invoiced"), "{shown}");
    assert!(shown.contains("invoice the ticket's line items"), "{shown}");

    // ...and in --json.
    let detail = json_of(
        "syncro ticket --json",
        env.syncro(&["ticket", &n, "--json"]),
    );
    let pending = detail["outbox"].as_array().expect("outbox on the ticket");
    assert_eq!(
        pending
            .iter()
            .filter_map(|i| i["id"].as_i64())
            .collect::<Vec<_>>(),
        ids,
        "{detail:#}"
    );
    assert!(pending.iter().all(|i| i["state"] == "queued"), "{detail:#}");
    assert_eq!(pending[0]["payload"]["body"], COMMENT);
    assert_eq!(
        pending[1]["payload"]["fields"]["status"],
        "Waiting on Customer"
    );
    assert_eq!(pending[3]["payload"]["product_id"].as_i64(), Some(9001));
    assert_eq!(num(&pending[3]["payload"]["quantity"]), Some(0.75));
    assert_eq!(num(&pending[3]["payload"]["price_retail"]), Some(125.0));
    // Nothing has reached the server yet.
    assert_eq!(count_bodies(&server_ticket(&sim.dump(), id), COMMENT), 0);

    // The daemon sends everything.
    env.syncrod_once(&["--quick"]);
    // Each write reached the server once (the status change and the bill's
    // final status are the two ticket updates).
    assert_eq!(
        sim.counters()["writes"],
        serde_json::json!({
            "POST /invoices": 1,
            "POST /tickets/{id}/add_line_item": 1,
            "POST /tickets/{id}/comment": 2,
            "PUT /tickets/{id}": 2
        }),
        "{:#}",
        sim.counters()
    );

    let dump = sim.dump();
    let t = server_ticket(&dump, id);
    assert_eq!(count_bodies(&t, COMMENT), 1, "the comment, exactly once");
    assert_eq!(
        count_bodies(&t, BILL_COMMENT),
        1,
        "the bill's comment, exactly once: {:#}",
        t["comments"]
    );
    assert_eq!(t["status"], "Invoiced", "the bill's status comes last");
    let lines = t["line_items"].as_array().expect("line items");
    assert_eq!(lines.len(), lines_before + 1, "one labor line: {lines:#?}");
    let labor: Vec<&Value> = lines
        .iter()
        .filter(|l| l["product_id"].as_i64() == Some(9001) && l["description"] == bill_first_line)
        .collect();
    assert_eq!(labor.len(), 1, "{lines:#?}");
    assert_eq!(num(&labor[0]["quantity"]), Some(0.75), "{:#}", labor[0]);
    assert_eq!(
        num(&labor[0]["price_retail"]),
        Some(125.0),
        "{:#}",
        labor[0]
    );
    assert_eq!(labor[0]["converted"], true, "the labor line was invoiced");
    let invoices = invoices_of(&dump, id);
    assert_eq!(
        invoices.len(),
        invoices_before + 1,
        "exactly one new invoice"
    );
    let holding: Vec<&Value> = invoices
        .iter()
        .filter(|i| {
            i["line_items"].as_array().is_some_and(|ls| {
                ls.iter().any(|l| {
                    l["product_id"].as_i64() == Some(9001)
                        && num(&l["quantity"]) == Some(0.75)
                        && num(&l["price"]) == Some(125.0)
                })
            })
        })
        .collect();
    assert_eq!(
        holding.len(),
        1,
        "one invoice holds the labor: {invoices:#?}"
    );
    assert_eq!(
        sim.counters()["duplicate_comments"]
            .as_object()
            .map(|o| o.len()),
        Some(0)
    );

    // Every item done.
    let all = json_of(
        "syncro outbox --all --json",
        env.syncro(&["outbox", "--all", "--json"]),
    );
    let all = all["outbox"].as_array().expect("outbox list");
    assert_eq!(all.len(), ids.len(), "{all:#?}");
    for i in all {
        assert_eq!(i["state"], "done", "{i:#}");
    }
    let active = json_of("syncro outbox --json", env.syncro(&["outbox", "--json"]));
    assert_eq!(
        active["outbox"].as_array().map(Vec::len),
        Some(0),
        "{active:#}"
    );

    // The ticket now shows them landed.
    let shown = text(&ok("syncro ticket", env.syncro(&["ticket", &n])));
    for marker in ["[pending", "[sending", "[verifying", "[held", "[failed"] {
        assert!(!shown.contains(marker), "{marker} left in:\n{shown}");
    }
    assert!(shown.contains(COMMENT), "{shown}");
    assert!(shown.contains(bill_first_line), "{shown}");
    assert!(
        shown
            .lines()
            .any(|l| l.trim_start().starts_with("status") && l.contains("Invoiced")),
        "{shown}"
    );
    assert!(!shown.contains("status -> "), "{shown}");
    assert!(shown.contains("Labor - Remote"), "{shown}");
    let detail = json_of(
        "syncro ticket --json",
        env.syncro(&["ticket", &n, "--json"]),
    );
    assert_eq!(detail["status"], "Invoiced", "{detail:#}");
    assert_eq!(detail["outbox"].as_array().map(Vec::len), Some(0));
    let cached_comments = detail["comments"].as_array().expect("comments");
    assert_eq!(
        cached_comments
            .iter()
            .filter(|c| c["body"] == COMMENT)
            .count(),
        1
    );
    assert!(
        detail["invoices"]
            .as_array()
            .is_some_and(|is| is.len() == invoices_before + 1),
        "{:#}",
        detail["invoices"]
    );

    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_returns_once_a_running_daemon_has_verified() {
    let sim = syncro_e2e::small_sim().await;
    let env = TestEnv::new(&sim.base_url(), KEY, 600_000);
    env.syncrod_once(&[]);
    let open = json_of("syncro tickets --json", env.syncro(&["tickets", "--json"]));
    let first = &open["tickets"].as_array().expect("a list")[0];
    let (id, number) = (
        first["id"].as_i64().expect("id"),
        first["number"].as_i64().expect("number"),
    );
    let body = "Waited for: the backup job finished";

    let daemon = env.start_daemon();
    let out = env
        .command("syncro")
        .args(["comment", &number.to_string(), body, "--yes", "--wait=20"])
        .stdin(Stdio::null())
        .output()
        .expect("run syncro comment --wait");
    // Success means verified within the wait.
    ok("syncro comment --wait=20", out);
    // Verified means landed: it is on the server, once, and done locally.
    assert_eq!(count_bodies(&server_ticket(&sim.dump(), id), body), 1);
    let all = json_of(
        "syncro outbox --all --json",
        env.syncro(&["outbox", "--all", "--json"]),
    );
    let all = all["outbox"].as_array().expect("outbox list");
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0]["state"], "done", "{:#}", all[0]);
    drop(daemon);

    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn labor_checks_the_config_against_the_products_syncrod_mirrored() {
    let sim = syncro_e2e::small_sim().await;
    let env = TestEnv::new(&sim.base_url(), KEY, 600_000);
    env.syncrod_once(&[]);
    let v = json_of("syncro labor --json", env.syncro(&["labor", "--json"]));
    assert_eq!(v["products_mirrored"], true, "{v:#}");
    assert_eq!(v["products_cached"], 15, "{v:#}");
    assert!(v["as_of"].is_string(), "{v:#}");
    let types = v["labor_types"].as_array().expect("labor types");
    assert_eq!(types.len(), 7, "the example config's labor table");
    assert!(types.iter().all(|t| t["check"] == "ok"), "{v:#}");
    let onsite = types
        .iter()
        .find(|t| t["labor"] == "onsite")
        .expect("onsite");
    assert_eq!(
        (
            &onsite["product"]["name"],
            &onsite["product"]["price_retail_cents"]
        ),
        (&Value::from("Labor - Onsite"), &Value::from(15000))
    );
    assert_eq!(v["unused_labor_products"], Value::Array(Vec::new()));

    // Retired in the web UI: the next `syncrod once` (its sweep lists the
    // products whatever their age) brings it, and `syncro labor` exits 1.
    syncro_e2e::mutate(
        &sim.admin_url(),
        serde_json::json!({"action": "edit_product", "id": 9002, "fields": {"disabled": true}}),
    )
    .await;
    env.syncrod_once(&[]);
    let out = env.syncro(&["labor", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["problems"], 1, "{v:#}");
    let onsite = v["labor_types"]
        .as_array()
        .expect("labor types")
        .iter()
        .find(|t| t["labor"] == "onsite")
        .cloned()
        .expect("onsite");
    assert_eq!(onsite["check"], "retired", "{v:#}");

    // A bill at that labor type says so in its preview.
    let open = json_of("syncro tickets --json", env.syncro(&["tickets", "--json"]));
    let number = open["tickets"][0]["number"]
        .as_i64()
        .expect("an open ticket");
    let out = env.syncro(&[
        "bill",
        &number.to_string(),
        "--minutes",
        "15",
        "--labor",
        "onsite",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("labor type onsite bills product 9002: retired"),
        "{stderr}"
    );
    sim.shutdown().await;
}

/// Assignee, due date and a timer's new length, queued through the CLI,
/// land on a server that speaks in local time offsets and are verified
/// (not left `differs` because the due date came back as +02:00).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assignee_due_date_and_timer_update_land_and_verify() {
    let sim = syncro_sim::spawn(syncro_sim::SimConfig {
        seed: 7,
        tickets: 30,
        customers: 4,
        invoices: 2,
        rate_limit_per_minute: 0,
        shape: syncro_sim::Shape::realistic(),
        ..syncro_sim::SimConfig::default()
    })
    .await
    .expect("start the simulator");
    // An open ticket with a timer not yet charged (a colleague's, made in
    // the web UI), mirrored.
    let dump = sim.dump();
    let open_id = dump["tickets"]
        .as_array()
        .and_then(|ts| {
            ts.iter().find(|t| {
                !["Resolved", "Invoiced", "Closed"].contains(&t["status"].as_str().unwrap_or(""))
            })
        })
        .and_then(|t| t["id"].as_i64())
        .expect("an open ticket");
    syncro_e2e::mutate(
        &sim.admin_url(),
        serde_json::json!({"action": "add_timer", "ticket_id": open_id,
            "start_at": "2026-12-01T09:00:00Z", "end_at": "2026-12-01T09:30:00Z",
            "billable": true, "notes": "On site"}),
    )
    .await;
    let env = TestEnv::new(&sim.base_url(), KEY, 600_000);
    env.syncrod_once(&[]);
    let store = env.store();
    let ticket = store
        .ticket_by_id(open_id)
        .expect("read")
        .expect("the ticket, mirrored");
    let timer = store
        .timers(open_id)
        .expect("timers")
        .into_iter()
        .find(|x| !x.recorded && x.notes.as_deref() == Some("On site"))
        .expect("the colleague's timer, mirrored");
    // Someone the cache knows, not the ticket's assignee.
    let (user_id, user_name) = store
        .assignees()
        .expect("assignees")
        .into_iter()
        .find(|(u, _)| Some(*u) != ticket.user_id)
        .expect("another user");
    let n = ticket.number.to_string();

    ok(
        "syncro update --assignee --due-date",
        env.syncro(&[
            "update",
            &n,
            "--assignee",
            &user_name,
            "--due-date",
            "2026-12-18T16:00:00Z",
            "--yes",
        ]),
    );
    ok(
        "syncro timer update",
        env.syncro(&[
            "timer",
            "update",
            &n,
            &timer.id.to_string(),
            "--minutes",
            "50",
            "--notes",
            "Stayed to watch the backup run",
            "--yes",
        ]),
    );
    env.syncrod_once(&["--quick"]);

    let all = json_of(
        "syncro outbox --all --json",
        env.syncro(&["outbox", "--all", "--json"]),
    );
    let items = all["outbox"].as_array().expect("outbox list");
    assert_eq!(items.len(), 2, "{all:#}");
    for i in items {
        assert_eq!(i["state"], "done", "{i:#}");
    }
    let t = syncro_e2e::ticket_of(&sim.dump(), ticket.id);
    assert_eq!(t["user_id"].as_i64(), Some(user_id), "{t:#}");
    let due = t["due_date"].as_str().and_then(syncro_store::time::parse);
    assert_eq!(
        due,
        syncro_store::time::parse("2026-12-18T16:00:00Z"),
        "{:#}",
        t["due_date"]
    );
    let start = timer
        .start_time
        .as_deref()
        .and_then(syncro_store::time::parse)
        .expect("start");
    let server_timer = t["ticket_timers"]
        .as_array()
        .and_then(|ts| ts.iter().find(|x| x["id"].as_i64() == Some(timer.id)))
        .cloned()
        .unwrap_or_default();
    let end = server_timer["end_time"]
        .as_str()
        .and_then(syncro_store::time::parse);
    assert_eq!(
        end,
        Some(start + chrono::Duration::minutes(50)),
        "{server_timer:#}"
    );
    assert_eq!(server_timer["notes"], "Stayed to watch the backup run");
    sim.shutdown().await;
}

/// A colleague's comment the server does not announce (the live service
/// does not bump the ticket's `updated_at` for it, so the incremental sync
/// never sees it): `syncro sync N --wait` fetches that ticket's thread now
/// and returns once it is in the cache.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_of_one_ticket_waits_until_its_thread_is_fresh() {
    let sim = syncro_sim::spawn(syncro_sim::SimConfig {
        seed: 7,
        tickets: 12,
        customers: 4,
        invoices: 2,
        rate_limit_per_minute: 0,
        quirks: syncro_sim::Quirks::realistic(),
        ..syncro_sim::SimConfig::default()
    })
    .await
    .expect("start the simulator");
    let env = TestEnv::new(&sim.base_url(), KEY, 600_000);
    env.syncrod_once(&[]);
    let open = json_of("syncro tickets --json", env.syncro(&["tickets", "--json"]));
    let first = &open["tickets"].as_array().expect("a list")[0];
    let (id, number) = (
        first["id"].as_i64().expect("id"),
        first["number"].as_i64().expect("number"),
    );
    let said = "Customer called back: the scanner works again";
    syncro_e2e::mutate(
        &sim.admin_url(),
        serde_json::json!({"action": "add_comment", "ticket_id": id, "body": said}),
    )
    .await;
    // Without a daemon: asked, but nothing to bring it; exit 1 at once.
    let waited = Instant::now();
    let out = env.syncro(&["sync", &number.to_string(), "--wait=20"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(waited.elapsed() < Duration::from_secs(10));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("syncrod is not running"),
        "{out:?}"
    );

    let daemon = env.start_daemon();
    syncro_e2e::wait_for_heartbeat(&env, &daemon).await;
    let out = env.syncro(&["sync", &number.to_string(), "--wait=60"]);
    let printed = text(&ok("syncro sync N --wait", out));
    assert_eq!(printed, format!("#{number} refreshed from Syncro\n"));
    let shown = text(&ok(
        "syncro ticket",
        env.syncro(&["ticket", &number.to_string()]),
    ));
    assert!(shown.contains(said), "{shown}");
    // Everything, as JSON.
    let v = json_of(
        "syncro sync --wait --json",
        env.syncro(&["sync", "--wait=60", "--json"]),
    );
    assert_eq!(v["refreshed"], true, "{v:#}");
    assert_eq!(v["daemon_alive"], true, "{v:#}");
    drop(daemon);
    sim.shutdown().await;
}
