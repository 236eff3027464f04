//! Freshness: as_of on every answer, a stopped daemon, a stale or never
//! synced cache, pending writes marked in lists; sync, log, completions.

use std::path::PathBuf;

use serde_json::{json, Value};
use syncro_store::outbox::{Change, NewItem, State};
use syncro_store::{Budget, DaemonHeartbeat};

use crate::fixture::*;

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
    assert_snapshot!("sync_no_daemon", fx.show(&out));
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
fn sync_of_one_ticket_marks_it_for_a_fresh_thread_and_wait_says_when_nothing_runs() {
    let fx = Fx::new();
    let out = fx.run(&["sync", "32150"]);
    assert_eq!(code(&out), 0, "{out:?}");
    assert!(fx.store().sync_requested_at().unwrap().is_some());
    // Not a cached ticket: an error naming it, nothing asked.
    let out = fx.run(&["sync", "99999"]);
    assert_ne!(code(&out), 0);
    assert!(stderr(&out).contains("99999"), "{}", stderr(&out));
    // No daemon to bring it: --wait does not wait, and says so.
    let out = fx.run(&["sync", "32150", "--wait=30", "--json"]);
    assert_eq!(code(&out), 1, "{out:?}");
    let v = json_out(&out);
    assert_eq!(v["refreshed"], false, "{v:#}");
    assert_eq!(v["number"], 32150, "{v:#}");
    assert!(
        v["message"].as_str().unwrap_or("").contains("not running"),
        "{v:#}"
    );
    // A daemon that beats but does not bring it in time.
    fx.beat("2026-03-10T11:59:30.000Z");
    let out = fx.run(&["sync", "--wait=1"]);
    assert_eq!(code(&out), 1, "{out:?}");
    assert!(
        stderr(&out).contains("not refreshed within 1 s"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn log_writes_a_markdown_session_log() {
    let fx = Fx::new();
    let out = fx.run(&["log", "32150"]);
    assert_snapshot!("log_output", fx.show(&out));
    let path = fx
        .path()
        .join("clients/burger-barn/session-logs/2026-03-05-32150.md");
    let text = std::fs::read_to_string(&path).unwrap();
    assert_snapshot!("log_markdown_resolved", text);
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
    assert_snapshot!("log_markdown_open", std::fs::read_to_string(p).unwrap());
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
