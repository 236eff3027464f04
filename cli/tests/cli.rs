//! `syncro` end to end on a fixture cache in a temp dir: every command's
//! text and JSON output (insta snapshots), every validation error, the
//! confirmation rules, and `--wait` against rows flipped from the test.
//!
//! Output is made deterministic with TZ=UTC and SYNCRO_NOW; SYNCRO_CONFIG
//! and SYNCRO_DB point into the temp dir so the real home is never touched.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use syncro_store::outbox::{Change, Command, NewItem, OutboxItem, State, TicketFields};
use syncro_store::{Budget, DaemonHeartbeat, Store};

mod fixture;

use fixture::*;

// ------------------------------------------------------------------ reads

#[test]
fn tickets_lists_open_tickets_aligned() {
    let fx = Fx::new();
    let out = fx.run(&["tickets"]);
    insta::assert_snapshot!("tickets_text", fx.show(&out));
    // No subcommand means the same list.
    assert_eq!(stdout(&fx.run(&[])), stdout(&out));
}

#[test]
fn tickets_json_uses_api_field_names() {
    let fx = Fx::new();
    let out = fx.run(&["tickets", "--json"]);
    assert_eq!(code(&out), 0);
    insta::assert_snapshot!("tickets_json", stdout(&out));
    let v = json_out(&out);
    assert_eq!(
        v["tickets"][0]["customer_business_then_name"],
        "Jerry Burger"
    );
    assert!(v["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["number"].is_i64() && t["pending_writes"] == 0));
}

#[test]
fn tickets_filters() {
    let fx = Fx::new();
    let numbers = |args: &[&str]| -> Vec<i64> {
        let mut a = vec!["tickets", "--json"];
        a.extend_from_slice(args);
        let out = fx.run(&a);
        assert_eq!(code(&out), 0, "{}", fx.show(&out));
        json_out(&out)["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["number"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(numbers(&[]), vec![32180, 32170, 32164]);
    assert_eq!(numbers(&["--all"]), vec![32180, 32170, 32164, 32150, 32100]);
    assert_eq!(numbers(&["--status", "in progress"]), vec![32170]);
    assert_eq!(numbers(&["--status", "RESOLVED"]), vec![32150]);
    assert_eq!(numbers(&["--customer", "Jerry Burger"]), vec![32180, 32164]);
    assert_eq!(numbers(&["--customer", "10"]), vec![32180, 32164]);
    assert_eq!(numbers(&["--customer", "dental"]), vec![32170]);
    assert_eq!(numbers(&["--mine"]), vec![32164]);
    assert_eq!(numbers(&["--limit", "1"]), vec![32180]);
}

#[test]
fn tickets_filter_errors() {
    let fx = Fx::new();
    let out = fx.run(&["tickets", "--status", "Done"]);
    insta::assert_snapshot!("tickets_unknown_status", fx.show(&out));
    let out = fx.run(&["tickets", "--customer", "burger"]);
    insta::assert_snapshot!("tickets_ambiguous_customer", fx.show(&out));
    let out = fx.run(&["tickets", "--limit", "many"]);
    assert_eq!(code(&out), 2);

    let fx = Fx::with_config("tech = \"Jane Tech\"\n");
    seed(&mut fx.store());
    let out = fx.run(&["tickets", "--mine"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("--mine needs your Syncro user id: add `user_id = <your id>` to"));
}

#[test]
fn a_missing_cache_says_how_to_get_one() {
    let fx = Fx::with_config(CONFIG);
    let out = fx.run(&["tickets"]);
    insta::assert_snapshot!("missing_cache", fx.show(&out));
    assert!(!fx.db().exists(), "reading must not create the cache");
}

#[test]
fn a_missing_config_file_is_named() {
    let fx = Fx::new();
    let out = fx
        .cmd(&["tickets"])
        .env("SYNCRO_CONFIG", fx.path().join("nope.toml"))
        .write_stdin("")
        .output()
        .unwrap();
    insta::assert_snapshot!("missing_config", fx.show(&out));
    let out = fx
        .cmd(&["--config", "/nonexistent/syncro.toml", "tickets"])
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("/nonexistent/syncro.toml"));
}

#[test]
fn ticket_detail_text() {
    let fx = Fx::new();
    let out = fx.run(&["ticket", "#32164"]);
    insta::assert_snapshot!("ticket_text", fx.show(&out));
    let all = fx.run(&["ticket", "32164", "--comments", "all"]);
    assert_eq!(code(&all), 0);
    let text = stdout(&all);
    assert!(text.contains("Comments (newest first, 7)"));
    assert!(text.contains("Own cloud stopped syncing"));
    let resolved = fx.run(&["ticket", "32150"]);
    insta::assert_snapshot!("ticket_resolved_text", fx.show(&resolved));
}

#[test]
fn ticket_detail_json() {
    let fx = Fx::new();
    let out = fx.run(&["ticket", "32164", "--json"]);
    assert_eq!(code(&out), 0);
    insta::assert_snapshot!("ticket_json", stdout(&out));
}

#[test]
fn ticket_never_fetched_says_so() {
    let fx = Fx::new();
    let out = fx.run(&["ticket", "32180"]);
    insta::assert_snapshot!("ticket_not_fetched", fx.show(&out));
    let v = json_out(&fx.run(&["ticket", "32180", "--json"]));
    assert_eq!(v["detail_synced"], false);
}

#[test]
fn ticket_errors() {
    let fx = Fx::new();
    let out = fx.run(&["ticket", "99999"]);
    insta::assert_snapshot!("ticket_unknown", fx.show(&out));
    for bad in ["abc", "#", "@3", "-4"] {
        let out = fx.run(&["ticket", bad]);
        assert_eq!(code(&out), 2, "{bad}: {}", fx.show(&out));
    }
    assert_eq!(code(&fx.run(&["ticket", "32164", "--comments", "some"])), 2);
}

#[test]
fn ticket_shows_queued_writes_inline() {
    let fx = Fx::new();
    let mut store = fx.store();
    store
        .enqueue(NewItem::on_ticket(
            comment_cmd("Client is stable now.\nClosing tomorrow."),
            1001,
            32164,
        ))
        .unwrap();
    let held = store
        .enqueue(NewItem::on_ticket(
            Command::UpdateTicket {
                fields: TicketFields {
                    status: Some("Resolved".into()),
                    ..Default::default()
                },
            },
            1001,
            32164,
        ))
        .unwrap();
    store
        .outbox_transition(
            held,
            &[State::Queued],
            State::Held,
            Change {
                last_error: Some(Some(
                    "conflict: the ticket changed on the server since you viewed it".into(),
                )),
                ..Default::default()
            },
        )
        .unwrap();
    let failed = store
        .enqueue(NewItem::on_ticket(
            Command::AddLineItem {
                product_id: Some(9001),
                name: "Labor - Remote".into(),
                description: "Follow-up".into(),
                quantity: 0.25,
                price_retail: 125.0,
            },
            1001,
            32164,
        ))
        .unwrap();
    store
        .outbox_transition(
            failed,
            &[State::Queued],
            State::Failed,
            Change {
                last_error: Some(Some("422: Name can't be blank".into())),
                ..Default::default()
            },
        )
        .unwrap();
    store
        .enqueue(NewItem::on_ticket(
            Command::ChargeTimer { timer_id: 7001 },
            1001,
            32164,
        ))
        .unwrap();
    store
        .enqueue(NewItem::on_ticket(Command::CreateInvoice {}, 1001, 32164))
        .unwrap();
    // Done and cancelled writes are not pending.
    let done = store
        .enqueue(NewItem::on_ticket(comment_cmd("already sent"), 1001, 32164))
        .unwrap();
    store
        .outbox_transition(done, &[State::Queued], State::Done, Change::default())
        .unwrap();
    fx.pin_outbox_times();

    let out = fx.run(&["ticket", "32164"]);
    insta::assert_snapshot!("ticket_with_pending", fx.show(&out));
    let v = json_out(&fx.run(&["ticket", "32164", "--json"]));
    let kinds: Vec<&str> = v["outbox"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "add_comment",
            "update_ticket",
            "add_line_item",
            "charge_timer",
            "create_invoice"
        ]
    );
    assert_eq!(v["outbox"][1]["state"], "held");
    assert_eq!(v["outbox"][2]["error"], "422: Name can't be blank");
}

#[test]
fn search_text_json_and_filters() {
    let fx = Fx::new();
    let out = fx.run(&["search", "sync", "client"]);
    insta::assert_snapshot!("search_text", fx.show(&out));
    let out = fx.run(&["search", "--json", "fuser"]);
    assert_eq!(code(&out), 0);
    insta::assert_snapshot!("search_json", stdout(&out));

    let numbers = |args: &[&str]| -> Vec<i64> {
        let mut a = vec!["search", "--json"];
        a.extend_from_slice(args);
        let out = fx.run(&a);
        assert_eq!(code(&out), 0, "{}", fx.show(&out));
        json_out(&out)["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["number"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(numbers(&["\"mail profile\""]), vec![32170]);
    assert_eq!(numbers(&["outl*"]), vec![32170]);
    assert_eq!(numbers(&["printer"]), vec![32150]);
    assert_eq!(numbers(&["printer", "--status", "new"]), Vec::<i64>::new());
    assert_eq!(numbers(&["printer", "--status", "resolved"]), vec![32150]);
    // The customer's name is searchable too.
    let mut jerry = numbers(&["jerry"]);
    jerry.sort();
    assert_eq!(jerry, vec![32164, 32180]);
    assert_eq!(
        numbers(&["again", "--customer", "Burger Barn"]),
        vec![32150]
    );
    assert_eq!(numbers(&["again", "--customer", "10"]), vec![32164]);
    assert_eq!(numbers(&["again", "--since", "2026-03-06"]), vec![32164]);
    assert_eq!(
        numbers(&["again", "--since", "2026-03-09T17:00:00+00:00"]),
        Vec::<i64>::new()
    );
    assert_eq!(numbers(&["again", "--limit", "1"]).len(), 1);
}

#[test]
fn search_errors_and_no_hits() {
    let fx = Fx::new();
    let out = fx.run(&["search", "zebra"]);
    insta::assert_snapshot!("search_no_hits", fx.show(&out));
    assert_eq!(code(&fx.run(&["search", "???"])), 2);
    assert_eq!(code(&fx.run(&["search"])), 2);
    assert_eq!(code(&fx.run(&["search", "x", "--since", "last week"])), 2);
    assert_eq!(code(&fx.run(&["search", "x", "--status", "bogus"])), 1);
}

#[test]
fn customers_and_customer() {
    let fx = Fx::new();
    insta::assert_snapshot!("customers_text", fx.show(&fx.run(&["customers"])));
    let v = json_out(&fx.run(&["customers", "--all", "--json"]));
    assert_eq!(v["customers"].as_array().unwrap().len(), 4);
    let v = json_out(&fx.run(&["customers", "burger", "--json"]));
    assert_eq!(
        v["customers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["business_then_name"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["Burger Barn", "Jerry Burger"]
    );
    insta::assert_snapshot!(
        "customer_text",
        fx.show(&fx.run(&["customer", "Jerry Burger"]))
    );
    let out = fx.run(&["customer", "10", "--json"]);
    insta::assert_snapshot!("customer_json", stdout(&out));
    insta::assert_snapshot!(
        "customer_ambiguous",
        fx.show(&fx.run(&["customer", "burger"]))
    );
    let out = fx.run(&["customer", "Nobody"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("no customer matches \"Nobody\""));
    let out = fx.run(&["customer", "99"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("no customer with id 99"));
}

#[test]
fn invoices_and_invoice() {
    let fx = Fx::new();
    insta::assert_snapshot!("invoices_text", fx.show(&fx.run(&["invoices"])));
    let numbers = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["invoices", "--json"];
        a.extend_from_slice(args);
        json_out(&fx.run(&a))["invoices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["number"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(numbers(&[]), ["1201", "1150", "1100"]);
    assert_eq!(numbers(&["--unpaid"]), ["1201", "1150"]);
    assert_eq!(numbers(&["--ticket", "#32150"]), ["1201"]);
    assert_eq!(numbers(&["--customer", "Jerry Burger"]), ["1150"]);
    let out = fx.run(&["invoices", "--ticket", "99999"]);
    assert_eq!(code(&out), 1);

    insta::assert_snapshot!("invoice_text", fx.show(&fx.run(&["invoice", "1201"])));
    insta::assert_snapshot!(
        "invoice_json",
        stdout(&fx.run(&["invoice", "#1201", "--json"]))
    );
    insta::assert_snapshot!(
        "invoice_lines_not_fetched",
        fx.show(&fx.run(&["invoice", "1100"]))
    );
    let out = fx.run(&["invoice", "4040"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("invoice 4040 is not in the cache"));
    assert_eq!(code(&fx.run(&["invoice"])), 2);
}

#[test]
fn status_with_and_without_daemon() {
    let fx = Fx::new();
    insta::assert_snapshot!("status_no_daemon", fx.show(&fx.run(&["status"])));
    fx.beat("2026-03-10T11:59:30.000Z");
    insta::assert_snapshot!("status_daemon", fx.show(&fx.run(&["status"])));
    let out = fx.run(&["status", "--json"]);
    let v = json_out(&out);
    assert_eq!(v["daemon"]["alive"], true);
    assert_eq!(v["daemon"]["heartbeat"]["pid"], 4121);
    assert_eq!(v["outbox"]["queued"], 0);
    assert_eq!(v["resources"].as_array().unwrap().len(), 3);
    assert_eq!(v["schema_version"], syncro_store::SCHEMA_VERSION);
    // A beat older than three sync intervals is a dead daemon.
    fx.beat("2026-03-10T11:50:00.000Z");
    let v = json_out(&fx.run(&["status", "--json"]));
    assert_eq!(v["daemon"]["alive"], false);
}

// ------------------------------------------------------------- freshness

/// Every query's JSON, with the freshness fields at the top level.
const QUERIES: [&[&str]; 9] = [
    &["tickets", "--json"],
    &["ticket", "32164", "--json"],
    &["search", "sync", "--json"],
    &["customers", "--json"],
    &["customer", "10", "--json"],
    &["invoices", "--json"],
    &["invoice", "1201", "--json"],
    &["status", "--json"],
    &["outbox", "--json"],
];

#[test]
fn every_query_answers_with_as_of() {
    let fx = Fx::new();
    fx.beat("2026-03-10T11:59:30.000Z");
    for args in QUERIES {
        let out = fx.run(args);
        assert_eq!(code(&out), 0, "{args:?}: {}", fx.show(&out));
        let v = json_out(&out);
        assert!(v.is_object(), "{args:?} answers an object: {v}");
        assert!(v["as_of"].is_string(), "{args:?} has as_of: {v}");
        assert!(v["age_secs"].is_i64(), "{args:?} has age_secs: {v}");
        assert!(v["stale"].is_boolean(), "{args:?} has stale: {v}");
        assert_eq!(v["daemon_running"], true, "{args:?}: {v}");
    }
    // The answer draws on the oldest resource it uses.
    let v = json_out(&fx.run(&["tickets", "--json"]));
    assert_eq!(
        (
            v["as_of"].as_str(),
            v["age_secs"].as_i64(),
            v["stale"].as_bool()
        ),
        (Some("2026-03-10T11:58:00.000Z"), Some(120), Some(false))
    );
    let v = json_out(&fx.run(&["customer", "10", "--json"]));
    assert_eq!(
        v["as_of"], "2026-03-10T11:50:00.000Z",
        "customers, tickets and invoices: the oldest"
    );
    assert_eq!(v["stale"], true);
}

#[test]
fn text_answers_end_with_how_fresh_they_are() {
    let fx = Fx::new();
    fx.beat("2026-03-10T11:59:30.000Z");
    let out = fx.run(&["tickets"]);
    assert_eq!(stderr(&out), "as of 2 min ago\n");
    let out = fx.run(&["search", "printer"]);
    assert_eq!(stderr(&out), "as of 2 min ago\n");
    // The line never reaches stdout, which scripts read.
    assert!(!stdout(&out).contains("as of"));
    assert_eq!(stderr(&fx.run(&["tickets", "--json"])), "");
}

#[test]
fn a_stopped_daemon_is_called_out() {
    let fx = Fx::new();
    // Never started.
    let out = fx.run(&["tickets"]);
    assert_eq!(
        stderr(&out),
        "as of 2 min ago (syncrod is not running: nothing is being refreshed)\n"
    );
    assert_eq!(
        json_out(&fx.run(&["tickets", "--json"]))["daemon_running"],
        false
    );
    // Hung: its last beat is older than three sync intervals.
    fx.beat("2026-03-10T11:50:00.000Z");
    assert!(stderr(&fx.run(&["ticket", "32164"])).contains("syncrod is not running"));
    assert_eq!(
        json_out(&fx.run(&["ticket", "32164", "--json"]))["daemon_running"],
        false
    );
}

#[test]
fn a_stale_cache_is_called_out() {
    let fx = Fx::new();
    // An hour after the last pass, the daemon beating but failing to sync.
    let later = "2026-03-10T12:58:00Z";
    fx.beat("2026-03-10T12:57:50.000Z");
    let run = |args: &[&str]| {
        fx.cmd(args)
            .env("SYNCRO_NOW", later)
            .write_stdin("")
            .output()
            .unwrap()
    };
    let out = run(&["tickets"]);
    assert_eq!(code(&out), 0);
    assert_eq!(
        stderr(&out),
        "as of 60 min ago (older than 5 min: run `syncro sync` or check `syncro status`)\n"
    );
    let v = json_out(&run(&["tickets", "--json"]));
    assert_eq!(
        (v["stale"].as_bool(), v["age_secs"].as_i64()),
        (Some(true), Some(3600))
    );
    assert_eq!(v["daemon_running"], true);
    // The limit is configurable.
    let fx = Fx::with_config(&format!("stale_after_secs = 7200\n{CONFIG}"));
    seed(&mut fx.store());
    fx.beat("2026-03-10T12:57:50.000Z");
    let out = fx
        .cmd(&["tickets"])
        .env("SYNCRO_NOW", later)
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(stderr(&out), "as of 60 min ago\n");
}

#[test]
fn a_cache_never_synced_says_so() {
    let fx = Fx::with_config(CONFIG);
    drop(fx.store());
    let out = fx.run(&["tickets"]);
    assert_eq!(code(&out), 0);
    assert_eq!(
        stderr(&out),
        "no open tickets\nnever synced (syncrod is not running: nothing is being refreshed)\n"
    );
    let v = json_out(&fx.run(&["tickets", "--json"]));
    assert_eq!(v["as_of"], Value::Null);
    assert_eq!(v["stale"], true);
    assert_eq!(v["tickets"], json!([]));
}

#[test]
fn a_ticket_says_how_old_its_thread_is() {
    let fx = Fx::new();
    let conn = rusqlite::Connection::open(fx.db()).unwrap();
    conn.execute(
        "UPDATE tickets SET detail_fetched_at = '2026-03-10T11:57:00.000Z' WHERE number = 32164",
        [],
    )
    .unwrap();
    let out = fx.run(&["ticket", "32164"]);
    assert!(
        stdout(&out).contains("  thread    fetched 3m ago\n"),
        "{}",
        fx.show(&out)
    );
    let v = json_out(&fx.run(&["ticket", "32164", "--json"]));
    assert_eq!(v["thread_fetched_at"], "2026-03-10T11:57:00.000Z");
    assert_eq!(v["thread_age_secs"], 180);
    // A ticket whose thread was never fetched has no thread age.
    let v = json_out(&fx.run(&["ticket", "32180", "--json"]));
    assert_eq!(
        (&v["thread_fetched_at"], &v["thread_age_secs"]),
        (&Value::Null, &Value::Null)
    );
}

#[test]
fn lists_and_search_mark_tickets_with_pending_writes() {
    let fx = Fx::new();
    let mut store = fx.store();
    store
        .enqueue(NewItem::on_ticket(
            comment_cmd("Still syncing."),
            1001,
            32164,
        ))
        .unwrap();
    let held = store
        .enqueue(NewItem::on_ticket(comment_cmd("Second note."), 1001, 32164))
        .unwrap();
    store
        .outbox_transition(held, &[State::Queued], State::Held, Change::default())
        .unwrap();
    // Done and cancelled writes are not pending.
    for state in [State::Done, State::Cancelled] {
        let id = store
            .enqueue(NewItem::on_ticket(comment_cmd("Old."), 1002, 32170))
            .unwrap();
        store
            .outbox_transition(id, &[State::Queued], state, Change::default())
            .unwrap();
    }
    let out = fx.run(&["tickets"]);
    let line = |text: &str, number: &str| {
        text.lines()
            .find(|l| l.starts_with(number))
            .unwrap_or_else(|| panic!("no {number} in {text}"))
            .to_string()
    };
    assert!(line(&stdout(&out), "#32164").ends_with("Own cloud thing again  [2 pending]"));
    assert!(line(&stdout(&out), "#32170").ends_with("Outlook keeps asking for password"));
    let v = json_out(&fx.run(&["tickets", "--json"]));
    let pending: Vec<(i64, i64)> = v["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["number"].as_i64().unwrap(),
                t["pending_writes"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(pending, [(32180, 0), (32170, 0), (32164, 2)]);
    let out = fx.run(&["search", "sync"]);
    assert!(
        line(&stdout(&out), "#32164").ends_with("[2 pending]"),
        "{}",
        fx.show(&out)
    );
    let v = json_out(&fx.run(&["search", "sync", "--json"]));
    assert_eq!(v["tickets"][0]["pending_writes"], 2);
    let v = json_out(&fx.run(&["customer", "10", "--json"]));
    assert_eq!(v["tickets"][1]["pending_writes"], 2);
}

#[test]
fn search_pages_with_a_cursor() {
    let fx = Fx::new();
    let v = json_out(&fx.run(&["search", "jerry", "--limit", "1", "--json"]));
    assert_eq!(v["tickets"].as_array().unwrap().len(), 1);
    assert_eq!(v["next_cursor"], "1");
    let v = json_out(&fx.run(&["search", "jerry", "--limit", "2", "--json"]));
    assert_eq!(v["next_cursor"], Value::Null);
}

#[test]
fn status_shows_the_daemons_budget() {
    let fx = Fx::new();
    fx.store()
        .write_heartbeat(&DaemonHeartbeat {
            pid: 4121,
            version: "0.1.0".into(),
            started_at: "2026-03-10T08:00:00.000Z".into(),
            beat_at: "2026-03-10T11:59:30.000Z".into(),
            running: true,
            budget: Some(Budget {
                ceiling_per_minute: 150,
                share_per_minute: 132,
                requests_last_minute: 128,
                rate_limited_last_hour: 3,
            }),
        })
        .unwrap();
    let out = fx.run(&["status"]);
    assert!(
        stdout(&out).contains(
            "\nbudget   share 132/150 per min (adaptive), 128 requests in the last minute, 3 × 429 in the last hour\n"
        ),
        "{}",
        fx.show(&out)
    );
    let v = json_out(&fx.run(&["status", "--json"]));
    assert_eq!(
        v["daemon"]["budget"],
        json!({"ceiling_per_minute": 150, "share_per_minute": 132,
               "requests_last_minute": 128, "rate_limited_last_hour": 3})
    );
    assert_eq!(v["resources"][0]["resource"], "customers");
    assert_eq!(v["resources"][0]["age_secs"], 300);
    assert_eq!(v["resources"][1]["stale"], true, "invoices: 10 min old");
    assert_eq!(v["resources"][2]["stale"], false, "tickets: 2 min old");
    // An older daemon's beat has no budget: the line is left out.
    fx.beat("2026-03-10T11:59:30.000Z");
    assert!(!stdout(&fx.run(&["status"])).contains("budget"));
    assert_eq!(
        json_out(&fx.run(&["status", "--json"]))["daemon"]["budget"],
        Value::Null
    );
}

#[test]
fn sync_requests_a_pass_and_warns_without_daemon() {
    let fx = Fx::new();
    let out = fx.run(&["sync"]);
    insta::assert_snapshot!("sync_no_daemon", fx.show(&out));
    assert!(fx.store().sync_requested_at().unwrap().is_some());
    fx.beat("2026-03-10T11:59:30.000Z");
    let out = fx.run(&["sync"]);
    assert_eq!(code(&out), 0);
    assert_eq!(
        stdout(&out),
        "sync requested: syncrod (pid 4121) starts a pass now\n"
    );
    assert_eq!(stderr(&out), "");
    let v = json_out(&fx.run(&["sync", "--json"]));
    assert_eq!(v, json!({"requested": true, "daemon_alive": true}));
}

#[test]
fn log_writes_a_markdown_session_log() {
    let fx = Fx::new();
    let out = fx.run(&["log", "32150"]);
    insta::assert_snapshot!("log_output", fx.show(&out));
    let path = fx
        .path()
        .join("clients/burger-barn/session-logs/2026-03-05-32150.md");
    let text = std::fs::read_to_string(&path).unwrap();
    insta::assert_snapshot!("log_markdown_resolved", text);
    // Never overwritten silently.
    let out = fx.run(&["log", "32150"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("already exists; pass --force"));
    assert_eq!(code(&fx.run(&["log", "32150", "--force"])), 0);

    let elsewhere = fx.path().join("notes");
    let out = fx.run(&[
        "log",
        "#32164",
        "--dir",
        elsewhere.to_str().unwrap(),
        "--json",
    ]);
    let v = json_out(&out);
    let p = PathBuf::from(v["path"].as_str().unwrap());
    assert_eq!(
        p,
        elsewhere.join("clients/jerry-burger/session-logs/2026-03-09-32164.md")
    );
    insta::assert_snapshot!("log_markdown_open", std::fs::read_to_string(p).unwrap());
    assert_eq!(code(&fx.run(&["log", "99999"])), 1);
}

#[test]
fn completions_are_generated() {
    let fx = Fx::new();
    for shell in ["bash", "zsh", "fish"] {
        let out = fx.run(&["completions", shell]);
        assert_eq!(code(&out), 0);
        assert!(stdout(&out).contains("syncro"), "{shell}");
    }
    assert_eq!(code(&fx.run(&["completions", "tcsh"])), 2);
}

// ----------------------------------------------------------------- writes

#[test]
fn comment_with_yes_is_queued() {
    let fx = Fx::new();
    let out = fx.run(&["comment", "#32164", "Client confirmed it works.", "--yes"]);
    insta::assert_snapshot!("comment_queued", fx.show(&out));
    assert_eq!(
        fx.outbox_json(),
        json!([{
            "id": 1, "kind": "add_comment", "state": "queued",
            "ticket_id": 1001, "ticket_number": 32164, "depends_on": null,
            "group_id": null, "group_seq": null, "base_updated_at": null,
            "payload": {"kind": "add_comment", "subject": "Update",
                        "body": "Client confirmed it works.", "hidden": false,
                        "do_not_email": false, "tech": "Jane Tech"}
        }])
    );
    assert!(fx.store().wake_file().exists(), "the daemon is poked");
}

#[test]
fn comment_options_and_json() {
    let fx = Fx::new();
    let out = fx.run(&[
        "comment",
        "32170",
        "Internal note",
        "--subject",
        "Notes",
        "--hidden",
        "--do-not-email",
        "--tech",
        "Sam Tech",
        "--yes",
        "--json",
    ]);
    assert_eq!(code(&out), 0, "{}", fx.show(&out));
    insta::assert_snapshot!(
        "comment_json",
        serde_json::to_string_pretty(&scrub_times(json_out(&out))).unwrap()
    );
}

#[test]
fn comment_text_from_stdin() {
    let fx = Fx::new();
    let out = fx.run_stdin(
        &["comment", "32164", "-", "--yes"],
        "First line\nsecond line\n\n",
    );
    assert_eq!(code(&out), 0, "{}", fx.show(&out));
    assert_eq!(
        fx.outbox()[0].command,
        Command::AddComment {
            subject: "Update".into(),
            body: "First line\nsecond line".into(),
            hidden: false,
            do_not_email: false,
            tech: Some("Jane Tech".into()),
        }
    );
}

#[test]
fn a_non_terminal_without_yes_refuses_and_queues_nothing() {
    let fx = Fx::new();
    let out = fx.run(&["comment", "32164", "Client confirmed it works."]);
    insta::assert_snapshot!("comment_refused", fx.show(&out));
    assert!(fx.outbox().is_empty());
    // Reading the text from stdin leaves no one to ask either.
    let out = fx.run_stdin(&["comment", "32164", "-"], "text");
    assert_eq!(code(&out), 1);
    assert!(fx.outbox().is_empty());
}

#[test]
fn comment_validation_errors_queue_nothing() {
    let fx = Fx::new();
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["comment", "99999", "hi", "--yes"],
            1,
            "ticket #99999 is not in the cache",
        ),
        (
            &["comment", "32164", "   ", "--yes"],
            1,
            "the comment is empty; nothing queued",
        ),
        (
            &["comment", "32164", "hi", "--subject", " ", "--yes"],
            1,
            "the subject is empty",
        ),
        (
            &["comment", "32164", "--yes"],
            2,
            "no comment text: give TEXT, or `-`",
        ),
        (
            &["comment", "abc", "hi", "--yes"],
            2,
            "is not a ticket number",
        ),
        (
            &["comment", "@99", "hi", "--yes"],
            1,
            "there is no outbox item 99",
        ),
    ];
    for (args, want, msg) in cases {
        let out = fx.run(args);
        assert_eq!(code(&out), *want, "{args:?}: {}", fx.show(&out));
        assert!(stderr(&out).contains(msg), "{args:?}: {}", fx.show(&out));
    }
    let out = fx.run_stdin(&["comment", "32164", "-", "--yes"], "\n  \n");
    assert_eq!(code(&out), 1);
    insta::assert_snapshot!(
        "comment_empty",
        fx.show(&fx.run(&["comment", "32164", "", "--yes"]))
    );
    assert!(fx.outbox().is_empty());
}

#[test]
fn update_and_close() {
    let fx = Fx::new();
    let out = fx.run(&[
        "update",
        "32164",
        "--status",
        "waiting on customer",
        "--priority",
        "1 High",
        "--yes",
    ]);
    insta::assert_snapshot!("update_queued", fx.show(&out));
    let out = fx.run(&["close", "#32170"]);
    insta::assert_snapshot!("close_refused_preview", fx.show(&out));
    let out = fx.run(&["close", "#32170", "--yes"]);
    assert_eq!(code(&out), 0);
    insta::assert_json_snapshot!("update_close_outbox", fx.outbox_json());
    let items = fx.outbox();
    assert_eq!(
        items[0].base_updated_at.as_deref(),
        Some("2026-03-09T16:40:00.000Z"),
        "the conflict check compares with the ticket as cached"
    );
}

#[test]
fn update_validation_errors_queue_nothing() {
    let fx = Fx::new();
    let out = fx.run(&["update", "32164", "--status", "Finished", "--yes"]);
    insta::assert_snapshot!("update_unknown_status", fx.show(&out));
    let out = fx.run(&["update", "32164", "--yes"]);
    assert_eq!(code(&out), 2, "nothing to change is a usage error");
    let out = fx.run(&["update", "99999", "--status", "New", "--yes"]);
    assert_eq!(code(&out), 1);
    let out = fx.run(&["close", "32150", "--yes"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("#32150 is already Resolved; nothing queued"));
    assert!(fx.outbox().is_empty());
}

#[test]
fn create_then_write_to_the_pending_ticket() {
    let fx = Fx::new();
    let out = fx.run(&[
        "create",
        "Jerry Burger",
        "Printer on fire",
        "--problem-type",
        "Hardware",
        "--priority",
        "0 Urgent",
        "--body",
        "Smoke from the printer.",
        "--yes",
    ]);
    insta::assert_snapshot!("create_queued", fx.show(&out));
    let out = fx.run(&["comment", "@1", "Unplugged it.", "--yes"]);
    assert_eq!(code(&out), 0, "{}", fx.show(&out));
    assert_eq!(
        stdout(&out),
        "queued #2 on @1: comment \"Update\": Unplugged it.\n"
    );
    let out = fx.run(&[
        "bill",
        "@1",
        "--minutes",
        "30",
        "--labor",
        "onsite",
        "--yes",
    ]);
    assert_eq!(code(&out), 0, "{}", fx.show(&out));
    insta::assert_json_snapshot!("create_pending_outbox", fx.outbox_json());
    // `syncro outbox` shows which pending ticket each write waits for.
    fx.pin_outbox_times();
    insta::assert_snapshot!("outbox_pending_ticket", fx.show(&fx.run(&["outbox"])));

    // @ID must name a queued ticket creation.
    let out = fx.run(&["comment", "@2", "x", "--yes"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("@2: outbox item 2 is a add_comment, not a ticket creation"));
    fx.run(&["outbox", "cancel", "1"]);
    let out = fx.run(&["comment", "@1", "x", "--yes"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("creating that ticket cancelled"));
}

#[test]
fn create_validation_errors_queue_nothing() {
    let fx = Fx::new();
    let out = fx.run(&["create", "burger", "Thing", "--yes"]);
    insta::assert_snapshot!("create_ambiguous_customer", fx.show(&out));
    let out = fx.run(&["create", "Old Client", "Thing", "--yes"]);
    assert_eq!(code(&out), 1, "disabled customers get no new tickets");
    let out = fx.run(&["create", "10", " ", "--yes"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("the subject is empty"));
    assert!(fx.outbox().is_empty());
}

#[test]
fn bill_queues_the_whole_workflow_as_one_group() {
    let fx = Fx::new();
    let out = fx.run(&[
        "bill",
        "32164",
        "--minutes",
        "45",
        "--labor",
        "Remote",
        "--comment",
        "Upgraded the sync client and verified syncing.\nCustomer confirmed.",
        "--yes",
    ]);
    insta::assert_snapshot!("bill_queued", fx.show(&out));
    insta::assert_json_snapshot!("bill_outbox", fx.outbox_json());
    let items = fx.outbox();
    assert_eq!(items.len(), 4);
    assert!(items.iter().all(|i| i.base_updated_at.is_none()));
    assert_eq!(items[1].depends_on, Some(items[0].id));
    assert_eq!(items[3].depends_on, Some(items[2].id));
}

#[test]
fn bill_preview_shows_every_step_hours_and_total() {
    let fx = Fx::new();
    // Without a terminal the preview is shown and nothing is queued.
    let out = fx.run(&[
        "bill",
        "32170",
        "--minutes",
        "20",
        "--labor",
        "onsite",
        "--rate",
        "160",
    ]);
    insta::assert_snapshot!("bill_preview_refused", fx.show(&out));
    assert!(fx.outbox().is_empty());
    let out = fx.run(&[
        "bill",
        "32170",
        "--minutes",
        "20",
        "--labor",
        "onsite",
        "--rate",
        "160",
        "--yes",
        "--json",
    ]);
    assert_eq!(code(&out), 0);
    let v = scrub_times(json_out(&out));
    insta::assert_json_snapshot!("bill_json", v);
}

#[test]
fn bill_validation_errors_queue_nothing() {
    let fx = Fx::new();
    let out = fx.run(&[
        "bill",
        "32164",
        "--minutes",
        "30",
        "--labor",
        "plumbing",
        "--yes",
    ]);
    insta::assert_snapshot!("bill_unknown_labor", fx.show(&out));
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &[
                "bill",
                "32164",
                "--minutes",
                "0",
                "--labor",
                "remote",
                "--yes",
            ],
            1,
            "--minutes must be positive, not 0",
        ),
        (
            &[
                "bill",
                "32164",
                "--minutes",
                "-15",
                "--labor",
                "remote",
                "--yes",
            ],
            1,
            "--minutes must be positive, not -15",
        ),
        (
            &[
                "bill",
                "99999",
                "--minutes",
                "15",
                "--labor",
                "remote",
                "--yes",
            ],
            1,
            "ticket #99999 is not in the cache",
        ),
        (
            &[
                "bill",
                "32164",
                "--minutes",
                "15",
                "--labor",
                "remote",
                "--comment",
                "  ",
                "--yes",
            ],
            1,
            "the comment is empty",
        ),
        (
            &[
                "bill",
                "32164",
                "--minutes",
                "15",
                "--labor",
                "remote",
                "--rate",
                "-1",
                "--yes",
            ],
            1,
            "--rate must be a non-negative",
        ),
        (
            &["bill", "32164", "--labor", "remote", "--yes"],
            2,
            "--minutes",
        ),
        (&["bill", "32164", "--minutes", "15", "--yes"], 2, "--labor"),
        (
            &[
                "bill",
                "32164",
                "--minutes",
                "1.5",
                "--labor",
                "remote",
                "--yes",
            ],
            2,
            "invalid value",
        ),
    ];
    for (args, want, msg) in cases {
        let out = fx.run(args);
        assert_eq!(code(&out), *want, "{args:?}: {}", fx.show(&out));
        assert!(stderr(&out).contains(msg), "{args:?}: {}", fx.show(&out));
    }
    let fx_nolabor = Fx::with_config("tech = \"Jane Tech\"\n");
    seed(&mut fx_nolabor.store());
    let out = fx_nolabor.run(&[
        "bill",
        "32164",
        "--minutes",
        "30",
        "--labor",
        "remote",
        "--yes",
    ]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("no labor types are configured"));
    assert!(fx.outbox().is_empty());
    assert!(fx_nolabor.outbox().is_empty());
}

#[test]
fn line_items() {
    let fx = Fx::new();
    let out = fx.run(&[
        "line-item",
        "add",
        "32164",
        "--name",
        "Cable",
        "--description",
        "Cat6 patch cable",
        "--quantity",
        "2",
        "--price",
        "7.5",
        "--product",
        "812",
        "--yes",
    ]);
    insta::assert_snapshot!("line_item_add", fx.show(&out));
    let out = fx.run(&[
        "line-item",
        "update",
        "32164",
        "5001",
        "--quantity",
        "0.75",
        "--price",
        "130",
        "--yes",
    ]);
    assert_eq!(code(&out), 0, "{}", fx.show(&out));
    let out = fx.run(&["line-item", "remove", "32164", "5001", "--yes"]);
    assert_eq!(code(&out), 0, "{}", fx.show(&out));
    // Changing an invoiced line is allowed, with a warning.
    let out = fx.run(&["line-item", "remove", "32150", "5002", "--yes"]);
    assert_eq!(code(&out), 0);
    assert!(stderr(&out).contains("line item 5002 is already invoiced"));
    insta::assert_json_snapshot!("line_items_outbox", fx.outbox_json());
}

#[test]
fn line_item_validation_errors_queue_nothing() {
    let fx = Fx::new();
    let out = fx.run(&[
        "line-item",
        "update",
        "32164",
        "5999",
        "--price",
        "1",
        "--yes",
    ]);
    insta::assert_snapshot!("line_item_unknown", fx.show(&out));
    let add = |extra: &[&str]| {
        let mut a = vec![
            "line-item",
            "add",
            "32164",
            "--name",
            "Cable",
            "--description",
            "Cat6",
            "--yes",
        ];
        a.extend_from_slice(extra);
        fx.run(&a)
    };
    let out = add(&["--quantity", "0", "--price", "5"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("--quantity must be positive"));
    let out = add(&["--quantity", "1", "--price", "NaN"]);
    assert_eq!(code(&out), 1);
    let out = add(&["--quantity", "1"]);
    assert_eq!(code(&out), 2, "--price is required");
    let out = fx.run(&[
        "line-item",
        "add",
        "32164",
        "--name",
        " ",
        "--description",
        "x",
        "--quantity",
        "1",
        "--price",
        "1",
        "--yes",
    ]);
    assert_eq!(code(&out), 1);
    let out = fx.run(&["line-item", "update", "32164", "5001", "--yes"]);
    assert_eq!(code(&out), 2, "nothing to change");
    let out = fx.run(&["line-item", "remove", "32180", "5001", "--yes"]);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("#32180 has no line item 5001 in the cache (its line items: none)")
    );
    assert!(fx.outbox().is_empty());
}

#[test]
fn timers() {
    let fx = Fx::new();
    let out = fx.run(&[
        "timer",
        "add",
        "32164",
        "--start",
        "2026-03-10 09:00",
        "--minutes",
        "90",
        "--notes",
        "Migration",
        "--billable",
        "--labor",
        "remote",
        "--yes",
    ]);
    insta::assert_snapshot!("timer_add", fx.show(&out));
    let out = fx.run(&[
        "timer",
        "add",
        "32164",
        "--start",
        "08:00",
        "--end",
        "2026-03-10T08:20:00Z",
        "--product",
        "812",
        "--yes",
    ]);
    assert_eq!(code(&out), 0, "{}", fx.show(&out));
    let out = fx.run(&["timer", "charge", "32164", "7001", "--yes"]);
    assert_eq!(code(&out), 0, "{}", fx.show(&out));
    let out = fx.run(&["timer", "delete", "32164", "7001", "--yes"]);
    assert_eq!(code(&out), 0, "{}", fx.show(&out));
    insta::assert_json_snapshot!("timers_outbox", fx.outbox_json());
}

#[test]
fn timer_validation_errors_queue_nothing() {
    let fx = Fx::new();
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &[
                "timer", "add", "32164", "--start", "10:00", "--end", "09:00", "--yes",
            ],
            1,
            "the timer ends (2026-03-10 09:00) before it starts (2026-03-10 10:00)",
        ),
        (
            &[
                "timer",
                "add",
                "32164",
                "--start",
                "10:00",
                "--minutes",
                "0",
                "--yes",
            ],
            1,
            "--minutes must be positive",
        ),
        (
            &[
                "timer",
                "add",
                "32164",
                "--start",
                "soon",
                "--minutes",
                "5",
                "--yes",
            ],
            2,
            "--start \"soon\" is not a time",
        ),
        (
            &["timer", "add", "32164", "--start", "10:00", "--yes"],
            2,
            "--end",
        ),
        (
            &[
                "timer",
                "add",
                "32164",
                "--start",
                "10:00",
                "--end",
                "11:00",
                "--minutes",
                "5",
                "--yes",
            ],
            2,
            "cannot be used with",
        ),
        (
            &[
                "timer",
                "add",
                "32164",
                "--start",
                "10:00",
                "--minutes",
                "5",
                "--labor",
                "x",
                "--yes",
            ],
            1,
            "unknown labor type \"x\"; configured: onsite, remote",
        ),
        (
            &["timer", "charge", "32164", "7999", "--yes"],
            1,
            "#32164 has no timer 7999 in the cache (its timers: 7001)",
        ),
        (
            &["timer", "charge", "32150", "7002", "--yes"],
            1,
            "timer 7002 on #32150 is already charged",
        ),
    ];
    for (args, want, msg) in cases {
        let out = fx.run(args);
        assert_eq!(code(&out), *want, "{args:?}: {}", fx.show(&out));
        assert!(stderr(&out).contains(msg), "{args:?}: {}", fx.show(&out));
    }
    assert!(fx.outbox().is_empty());
}

#[test]
fn invoice_create() {
    let fx = Fx::new();
    let out = fx.run(&["invoice", "create", "32164"]);
    insta::assert_snapshot!("invoice_create_preview", fx.show(&out));
    assert!(fx.outbox().is_empty());
    let out = fx.run(&["invoice", "create", "32170", "--yes"]);
    insta::assert_snapshot!("invoice_create_empty_warning", fx.show(&out));
    assert_eq!(fx.outbox()[0].kind, "create_invoice");
}

// ----------------------------------------------------------------- outbox

fn outbox_fixture(fx: &Fx) -> (i64, i64, i64, i64) {
    let mut store = fx.store();
    let queued = store
        .enqueue(NewItem::on_ticket(
            comment_cmd("Client confirmed."),
            1001,
            32164,
        ))
        .unwrap();
    let held = store
        .enqueue(NewItem::on_ticket(
            Command::UpdateTicket {
                fields: TicketFields {
                    status: Some("Resolved".into()),
                    ..Default::default()
                },
            },
            1002,
            32170,
        ))
        .unwrap();
    store
        .outbox_transition(
            held,
            &[State::Queued],
            State::Held,
            Change {
                last_error: Some(Some(
                    "conflict: #32170 changed on the server since you viewed it".into(),
                )),
                ..Default::default()
            },
        )
        .unwrap();
    let failed = store
        .enqueue(NewItem::on_ticket(Command::CreateInvoice {}, 1003, 32150))
        .unwrap();
    store
        .outbox_transition(
            failed,
            &[State::Queued],
            State::Failed,
            Change {
                bump_attempts: true,
                last_error: Some(Some("422: Ticket has no billable line items".into())),
                ..Default::default()
            },
        )
        .unwrap();
    let done = store
        .enqueue(NewItem::on_ticket(
            comment_cmd("Sent already."),
            1001,
            32164,
        ))
        .unwrap();
    store
        .outbox_transition(
            done,
            &[State::Queued],
            State::Done,
            Change {
                bump_attempts: true,
                ..Default::default()
            },
        )
        .unwrap();
    fx.pin_outbox_times();
    (queued, held, failed, done)
}

#[test]
fn outbox_lists_what_waits_with_reasons() {
    let fx = Fx::new();
    insta::assert_snapshot!("outbox_empty", fx.show(&fx.run(&["outbox"])));
    outbox_fixture(&fx);
    insta::assert_snapshot!("outbox_text", fx.show(&fx.run(&["outbox"])));
    insta::assert_snapshot!("outbox_all_text", fx.show(&fx.run(&["outbox", "--all"])));
    let out = fx.run(&["outbox", "--json"]);
    insta::assert_snapshot!("outbox_json", stdout(&out));
    assert_eq!(
        json_out(&fx.run(&["outbox", "--all", "--json"]))["outbox"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
}

#[test]
fn outbox_cancel_release_retry() {
    let fx = Fx::new();
    let (queued, held, failed, done) = outbox_fixture(&fx);
    let out = fx.run(&["outbox", "release", &held.to_string()]);
    assert_eq!(code(&out), 0, "{}", fx.show(&out));
    assert_eq!(
        stdout(&out),
        "#2 update status -> Resolved: released: it goes ahead\n"
    );
    let out = fx.run(&["outbox", "retry", &failed.to_string(), "--json"]);
    assert_eq!(json_out(&out)["state"], "queued");
    let out = fx.run(&["outbox", "cancel", &queued.to_string()]);
    assert_eq!(
        stdout(&out),
        "#1 comment \"Update\": Client confirmed.: cancelled: nothing more will be sent\n"
    );
    let store = fx.store();
    assert_eq!(
        store.outbox_item(held).unwrap().unwrap().state,
        State::Queued
    );
    assert_eq!(
        store.outbox_item(failed).unwrap().unwrap().state,
        State::Queued
    );
    assert_eq!(
        store.outbox_item(queued).unwrap().unwrap().state,
        State::Cancelled
    );

    let out = fx.run(&["outbox", "cancel", &done.to_string()]);
    insta::assert_snapshot!("outbox_cancel_done", fx.show(&out));
    let out = fx.run(&["outbox", "release", &done.to_string()]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("it is finished; there is nothing to release"));
    let out = fx.run(&["outbox", "retry", "99"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("there is no outbox item 99"));
    assert_eq!(code(&fx.run(&["outbox", "cancel", "x"])), 2);
}

#[test]
fn a_dry_run_shows_the_bill_and_its_total_and_queues_nothing() {
    let fx = Fx::new();
    let out = fx.run(&[
        "bill",
        "32164",
        "--minutes",
        "45",
        "--labor",
        "remote",
        "--comment",
        "Swapped the fuser",
        "--hidden",
        "--subject",
        "Onsite",
        "--dry-run",
    ]);
    assert_eq!(code(&out), 0, "{}", fx.show(&out));
    let text = stdout(&out);
    assert!(
        text.contains("0.75 h x $125.00/h = $93.75")
            && text.contains("total: 45 min = 0.75 h, $93.75"),
        "{text}"
    );
    assert!(text.contains("comment \"Onsite\""), "{text}");
    assert!(
        stderr(&out).contains("--dry-run: nothing queued"),
        "{}",
        fx.show(&out)
    );
    let out = fx.run(&["invoice", "create", "32164", "--dry-run", "--json"]);
    let v = json_out(&out);
    assert_eq!(
        (&v["dry_run"], &v["target"]),
        (&json!(true), &json!("#32164")),
        "{v}"
    );
    assert!(fx.store().outbox_items(&[]).unwrap().is_empty());
    // The comment options need a comment.
    let out = fx.run(&[
        "bill",
        "32164",
        "--minutes",
        "45",
        "--labor",
        "remote",
        "--hidden",
        "--yes",
    ]);
    assert_eq!(code(&out), 2, "{}", fx.show(&out));
}

#[test]
fn a_write_that_may_have_landed_needs_force_to_cancel_or_release() {
    let fx = Fx::new();
    let mut store = fx.store();
    let mut probing = |text: &str| {
        let id = store
            .enqueue(NewItem::on_ticket(comment_cmd(text), 1001, 32164))
            .unwrap();
        store
            .outbox_transition(id, &[State::Queued], State::Probing, Change::default())
            .unwrap();
        id
    };
    let (a, b) = (
        probing("Rebooted the switch."),
        probing("Swapped the cable."),
    );
    for (action, id) in [("cancel", a), ("release", b)] {
        let out = fx.run(&["outbox", action, &id.to_string()]);
        assert_eq!(code(&out), 1, "{}", fx.show(&out));
        assert!(
            stderr(&out).contains("it may already be on the server")
                && stderr(&out).contains("--force"),
            "{}",
            fx.show(&out)
        );
    }
    let store = fx.store();
    assert_eq!(store.outbox_item(a).unwrap().unwrap().state, State::Probing);
    let out = fx.run(&["outbox", "cancel", &a.to_string(), "--force"]);
    assert_eq!(code(&out), 0, "{}", fx.show(&out));
    assert!(stdout(&out).contains("it may already be on the server: check the ticket"));
    let out = fx.run(&["outbox", "release", &b.to_string(), "--force", "--json"]);
    assert_eq!(json_out(&out)["state"], "queued", "{}", fx.show(&out));
    assert_eq!(
        store.outbox_item(a).unwrap().unwrap().state,
        State::Cancelled
    );
}

#[test]
fn cancelling_a_bill_step_warns_about_the_steps_after_it() {
    let fx = Fx::new();
    let out = fx.run(&[
        "bill",
        "32164",
        "--minutes",
        "30",
        "--labor",
        "remote",
        "--yes",
    ]);
    assert_eq!(code(&out), 0);
    let out = fx.run(&["outbox", "cancel", "1"]);
    assert_eq!(code(&out), 0);
    assert!(
        stderr(&out).contains("#2 wait(s) on #1 and will not run"),
        "{}",
        fx.show(&out)
    );
}

// ------------------------------------------------------------------- wait

/// Runs `args` in the background, flips the queued rows with `flip` once
/// they appear, and returns the finished process's output.
fn run_and_flip(fx: &Fx, args: &[&str], flip: impl FnOnce(&mut Store, &[OutboxItem])) -> Output {
    let mut child = std::process::Command::new(BIN)
        .args(args)
        .env("SYNCRO_CONFIG", fx.path().join("config.toml"))
        .env("SYNCRO_DB", fx.db())
        .env("SYNCRO_NOW", NOW)
        .env("TZ", "UTC")
        .env("HOME", fx.path())
        .env_remove("SYNCRO_API_KEY")
        .env_remove("SYNCRO_BASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let mut store = fx.store();
    let items = loop {
        let items = store.outbox_items(&[]).unwrap();
        if !items.is_empty() {
            break items;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "nothing was queued"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    // A group is queued in one transaction, so every step is there.
    flip(&mut store, &items);
    let status = child.wait().unwrap();
    let mut out = Vec::new();
    child.stdout.take().unwrap().read_to_end(&mut out).unwrap();
    let mut err = Vec::new();
    child.stderr.take().unwrap().read_to_end(&mut err).unwrap();
    Output {
        status,
        stdout: out,
        stderr: err,
    }
}

#[test]
fn wait_succeeds_when_the_daemon_marks_it_done() {
    let fx = Fx::new();
    let out = run_and_flip(
        &fx,
        &["comment", "32164", "Done and dusted", "--yes", "--wait=20"],
        |store, items| {
            for i in items {
                store
                    .outbox_transition(i.id, &[State::Queued], State::Sending, Change::default())
                    .unwrap();
                store
                    .outbox_transition(i.id, &[State::Sending], State::Done, Change::default())
                    .unwrap();
            }
        },
    );
    insta::assert_snapshot!("wait_done", fx.show(&out));
}

#[test]
fn wait_fails_with_the_reason() {
    let fx = Fx::new();
    let out = run_and_flip(
        &fx,
        &[
            "bill",
            "32164",
            "--minutes",
            "30",
            "--labor",
            "remote",
            "--yes",
            "--wait",
        ],
        |store, items| {
            store
                .outbox_transition(
                    items[0].id,
                    &[State::Queued],
                    State::Done,
                    Change::default(),
                )
                .unwrap();
            store
                .outbox_transition(
                    items[1].id,
                    &[State::Queued],
                    State::Failed,
                    Change {
                        last_error: Some(Some("422: no billable line items".into())),
                        ..Default::default()
                    },
                )
                .unwrap();
        },
    );
    insta::assert_snapshot!("wait_failed", fx.show(&out));
}

#[test]
fn wait_reports_a_held_item_in_json() {
    let fx = Fx::new();
    let out = run_and_flip(
        &fx,
        &["close", "32164", "--yes", "--wait=20", "--json"],
        |store, items| {
            store
                .outbox_transition(
                    items[0].id,
                    &[State::Queued],
                    State::Held,
                    Change {
                        last_error: Some(Some("conflict: changed on the server".into())),
                        ..Default::default()
                    },
                )
                .unwrap();
        },
    );
    assert_eq!(code(&out), 1);
    let v = json_out(&out);
    assert_eq!(v[0]["state"], "held");
    assert_eq!(v[0]["error"], "conflict: changed on the server");
    assert!(stderr(&out).contains("release it with `syncro outbox release 1`"));
}

#[test]
fn wait_times_out_and_leaves_the_item_queued() {
    let fx = Fx::new();
    let started = Instant::now();
    let out = fx.run(&["comment", "32164", "Anyone there?", "--yes", "--wait=1"]);
    assert!(started.elapsed() >= Duration::from_secs(1));
    insta::assert_snapshot!("wait_timeout", fx.show(&out));
    assert_eq!(fx.outbox()[0].state, State::Queued);
    assert_eq!(
        code(&fx.run(&["comment", "32164", "x", "--yes", "--wait", "5"])),
        2,
        "--wait takes its value only as --wait=SECONDS"
    );
}

// ----------------------------------------------------------------- doctor

/// A one-shot HTTP server answering `status` with `body`; returns its base
/// URL and a handle yielding the request it received.
fn fake_server(
    status: &'static str,
    body: &'static str,
) -> (String, std::thread::JoinHandle<String>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/api/v1", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut request = Vec::new();
        let mut buf = [0u8; 1024];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = conn.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            request.extend_from_slice(&buf[..n]);
        }
        let response = format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        conn.write_all(response.as_bytes()).unwrap();
        String::from_utf8_lossy(&request).into_owned()
    });
    (base, handle)
}

const KEY: &str = "sekret-key-123";

#[test]
fn doctor_checks_everything_and_never_prints_the_key() {
    let fx = Fx::new();
    let (base, server) = fake_server(
        "200 OK",
        r#"{"user_token": "tok-should-not-show", "user_name": "Jane Tech", "user_id": 7}"#,
    );
    let out = fx
        .cmd(&["doctor"])
        .env("SYNCRO_BASE_URL", &base)
        .env("SYNCRO_API_KEY", KEY)
        .write_stdin("")
        .output()
        .unwrap();
    let request = server.join().unwrap();
    assert!(
        request.starts_with(&format!("GET /api/v1/me?api_key={KEY} ")),
        "{request}"
    );
    let text = fx.show(&out).replace(&base, "[SERVER]");
    assert!(!text.contains(KEY) && !text.contains("tok-should-not-show"));
    insta::assert_snapshot!("doctor_ok", text);
}

#[test]
fn doctor_sends_a_bearer_header_when_configured() {
    let fx = Fx::with_config(&format!("auth = \"header\"\n{CONFIG}"));
    seed(&mut fx.store());
    let (base, server) = fake_server("200 OK", r#"{"user_name": "Jane Tech", "user_id": 9}"#);
    let out = fx
        .cmd(&["doctor", "--json"])
        .env("SYNCRO_BASE_URL", &base)
        .env("SYNCRO_API_KEY", KEY)
        .write_stdin("")
        .output()
        .unwrap();
    let request = server.join().unwrap();
    assert!(request.starts_with("GET /api/v1/me "), "{request}");
    assert!(
        request.to_ascii_lowercase().contains(&format!(
            "authorization: bearer {}",
            KEY.to_ascii_lowercase()
        )),
        "{request}"
    );
    assert_eq!(code(&out), 0, "{}", fx.show(&out));
    assert!(!stdout(&out).contains(KEY));
    let text = stdout(&out)
        .replace(&base, "[SERVER]")
        .replace(&fx.path().display().to_string(), "[TMP]");
    insta::assert_snapshot!("doctor_json", text);
}

#[test]
fn doctor_reports_a_refused_key_without_printing_it() {
    let fx = Fx::new();
    let (base, server) = fake_server("401 Unauthorized", r#"{"error": "bad key"}"#);
    let out = fx
        .cmd(&["doctor"])
        .env("SYNCRO_BASE_URL", &base)
        .env("SYNCRO_API_KEY", KEY)
        .write_stdin("")
        .output()
        .unwrap();
    server.join().unwrap();
    assert_eq!(code(&out), 1);
    let text = fx.show(&out).replace(&base, "[SERVER]");
    assert!(!text.contains(KEY));
    assert!(
        text.contains("FAIL  server    [SERVER] refused the key (401 Unauthorized: bad key)"),
        "{text}"
    );
}

#[test]
fn doctor_unreachable_server_error_has_no_key() {
    let fx = Fx::new();
    // Bind then drop a listener: nothing answers on that port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let out = fx
        .cmd(&["doctor"])
        .env("SYNCRO_BASE_URL", &base)
        .env("SYNCRO_API_KEY", KEY)
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(code(&out), 1);
    let text = fx.show(&out);
    assert!(!text.contains(KEY), "{text}");
    assert!(text.contains(&format!("cannot reach {base}")), "{text}");
}

#[test]
fn doctor_without_config_or_cache_or_key() {
    let fx = Fx::with_config("tech = \"x\"\n");
    let out = fx.run(&["doctor"]);
    insta::assert_snapshot!("doctor_bare", fx.show(&out));
    let out = fx
        .cmd(&["doctor"])
        .env("SYNCRO_CONFIG", fx.path().join("missing.toml"))
        .write_stdin("")
        .output()
        .unwrap();
    insta::assert_snapshot!("doctor_no_config", fx.show(&out));
}

#[test]
fn usage_errors_exit_2() {
    let fx = Fx::new();
    for args in [
        &["frobnicate"][..],
        &["tickets", "--bogus"],
        &["comment"],
        &["outbox", "cancel"],
        &["line-item"],
        &["timer", "add", "32164"],
    ] {
        let out = fx.run(args);
        assert_eq!(code(&out), 2, "{args:?}: {}", fx.show(&out));
    }
    assert_eq!(code(&fx.run(&["--help"])), 0);
    assert!(fx.outbox().is_empty());
}

// --------------------------------------------------------------- terminal

/// Runs `syncro args` on a pseudo-terminal (util-linux `script`), typing
/// `input`; stdout and stderr arrive merged. `None` where `script` is
/// missing, so the test is skipped rather than failed.
#[cfg(target_os = "linux")]
fn run_on_terminal(fx: &Fx, args: &[&str], input: &str, env: &[(&str, &str)]) -> Option<Output> {
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let line = std::iter::once(BIN)
        .chain(args.iter().copied())
        .map(quote)
        .collect::<Vec<_>>()
        .join(" ");
    let mut cmd = std::process::Command::new("script");
    cmd.args(["-qec", &line, "/dev/null"])
        .env("SYNCRO_CONFIG", fx.path().join("config.toml"))
        .env("SYNCRO_DB", fx.db())
        .env("SYNCRO_NOW", NOW)
        .env("TZ", "UTC")
        .env("HOME", fx.path())
        .env_remove("SYNCRO_API_KEY")
        .env_remove("SYNCRO_BASE_URL")
        .env_remove("NO_COLOR")
        .env_remove("VISUAL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let Ok(mut child) = cmd.spawn() else {
        eprintln!("skipped: util-linux `script` is not available");
        return None;
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    Some(child.wait_with_output().unwrap())
}

#[cfg(target_os = "linux")]
#[test]
fn on_a_terminal_the_write_is_confirmed_first() {
    let fx = Fx::new();
    let Some(out) = run_on_terminal(&fx, &["close", "32164"], "y\n", &[("NO_COLOR", "1")]) else {
        return;
    };
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "{text}");
    assert!(
        text.contains("Close #32164 Own cloud thing again (Jerry Burger):"),
        "{text}"
    );
    assert!(text.contains("Queue this? [y/N]"), "{text}");
    assert!(
        text.contains("queued #1 on #32164: update status -> Resolved"),
        "{text}"
    );
    assert_eq!(fx.outbox().len(), 1);

    let Some(out) = run_on_terminal(&fx, &["close", "32170"], "n\n", &[("NO_COLOR", "1")]) else {
        return;
    };
    assert_eq!(code(&out), 1);
    assert!(stdout(&out).contains("nothing queued: not confirmed"));
    assert_eq!(fx.outbox().len(), 1, "declining queues nothing");
}

#[cfg(target_os = "linux")]
#[test]
fn colour_only_on_a_terminal_and_never_with_no_color() {
    let fx = Fx::new();
    let Some(out) = run_on_terminal(&fx, &["search", "fuser"], "", &[]) else {
        return;
    };
    let text = stdout(&out);
    assert!(text.contains("\x1b[1;33mfuser\x1b[0m"), "{text:?}");
    assert!(text.contains("\x1b[32mResolved\x1b[0m"), "{text:?}");
    let Some(out) = run_on_terminal(&fx, &["search", "fuser"], "", &[("NO_COLOR", "1")]) else {
        return;
    };
    let text = stdout(&out);
    assert!(!text.contains('\x1b'), "{text:?}");
    assert!(text.contains("[fuser]"), "{text:?}");
    // And never in a pipe.
    assert!(!stdout(&fx.run(&["search", "fuser"])).contains('\x1b'));
}

#[cfg(target_os = "linux")]
#[test]
fn on_a_terminal_an_omitted_comment_opens_the_editor() {
    let fx = Fx::new();
    let editor = fx.path().join("fake-editor");
    std::fs::write(
        &editor,
        "#!/bin/sh\nprintf 'Written in the editor.\\n' > \"$1\"\n",
    )
    .unwrap();
    let empty = fx.path().join("empty-editor");
    std::fs::write(&empty, "#!/bin/sh\n: > \"$1\"\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    for f in [&editor, &empty] {
        std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let editor = editor.display().to_string();
    let Some(out) = run_on_terminal(
        &fx,
        &["comment", "32164", "--yes"],
        "",
        &[("EDITOR", &editor), ("NO_COLOR", "1")],
    ) else {
        return;
    };
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let Command::AddComment { body, .. } = &fx.outbox()[0].command else {
        panic!("not a comment: {:?}", fx.outbox());
    };
    assert_eq!(body, "Written in the editor.");

    let empty = empty.display().to_string();
    let out = run_on_terminal(
        &fx,
        &["comment", "32164", "--yes"],
        "",
        &[("EDITOR", &empty), ("NO_COLOR", "1")],
    )
    .unwrap();
    assert_eq!(code(&out), 1);
    assert!(stdout(&out).contains("the comment is empty; nothing queued"));
    assert_eq!(fx.outbox().len(), 1);
}

#[test]
fn times_show_in_the_local_zone_but_bare_dates_do_not_shift() {
    let fx = Fx::new();
    // POSIX form: five hours west of UTC, no tz database needed.
    let run = |args: &[&str]| {
        stdout(
            &fx.cmd(args)
                .env("TZ", "EST5")
                .write_stdin("")
                .output()
                .unwrap(),
        )
    };
    let ticket = run(&["ticket", "32150"]);
    assert!(ticket.contains("created   2026-03-04 03:00"), "{ticket}");
    let invoice = run(&["invoice", "1201"]);
    assert!(invoice.contains("date      2026-03-05"), "{invoice}");
    assert!(invoice.contains("due       2026-03-19"), "{invoice}");
}
