//! Exactly once against a server that is not byte-exact, is slow, or
//! half-fails: real `syncro` and `syncrod` processes against `syncro-sim`
//! with the real service's slack switched on (bodies normalised, commits
//! after the client gave up, gateway pages after a commit).
//!
//! Long (about 750 lines) because each scenario needs its server set up by
//! hand; the refusals and look-alikes have their own room (`refusals`).

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};
use syncro_e2e::{api, json_of, mutate, ok, text, wait_for, TestEnv};
use syncro_sim::{FaultKind, QueuedFault, Quirks, Shape, SimConfig, SimHandle};
use syncro_store::matching::normalize_text;
use syncro_store::outbox::{Change, ItemResult, State};

const KEY: &str = "test-key";

async fn sim(quirks: Quirks) -> SimHandle {
    syncro_sim::spawn(SimConfig {
        seed: 11,
        tickets: 16,
        customers: 4,
        invoices: 2,
        rate_limit_per_minute: 0,
        quirks,
        // The real service's shape: local offsets, lean meta, per_page
        // ignored, comments that do not bump the ticket...
        shape: Shape::realistic(),
        ..SimConfig::default()
    })
    .await
    .expect("start the simulator")
}

/// An environment whose requests time out after `timeout_secs`, with the
/// `[outbox]` settings given (TOML lines).
fn env(sim: &SimHandle, timeout_secs: u64, outbox: &str) -> TestEnv {
    let env = TestEnv::new(&sim.base_url(), KEY, 600_000);
    let text = std::fs::read_to_string(&env.config).expect("read config");
    std::fs::write(
        &env.config,
        format!("request_timeout_secs = {timeout_secs}\n{text}\n[outbox]\n{outbox}\n"),
    )
    .expect("write config");
    env
}

fn server_ticket(sim: &SimHandle, id: i64) -> Value {
    sim.dump()["tickets"]
        .as_array()
        .expect("tickets")
        .iter()
        .find(|t| t["id"].as_i64() == Some(id))
        .cloned()
        .expect("the ticket on the server")
}

/// Comments on the ticket whose body is `body` once normalised.
fn copies(sim: &SimHandle, ticket: i64, body: &str) -> usize {
    let want = normalize_text(body);
    server_ticket(sim, ticket)["comments"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .filter(|c| normalize_text(c["body"].as_str().unwrap_or("")) == want)
                .count()
        })
        .unwrap_or(0)
}

fn invoices_of(sim: &SimHandle, ticket: i64) -> usize {
    sim.dump()["invoices"]
        .as_array()
        .map(|is| {
            is.iter()
                .filter(|i| i["ticket_id"].as_i64() == Some(ticket))
                .count()
        })
        .unwrap_or(0)
}

/// `n` fresh open tickets (id, number) for the first customer, made on
/// the server directly; `syncrod once` then brings them into the cache.
async fn fresh_tickets(sim: &SimHandle, n: usize) -> Vec<(i64, i64)> {
    let customer = sim.dump()["customers"][0]["id"]
        .as_i64()
        .expect("a customer");
    let mut out = Vec::new();
    for i in 0..n {
        let t = api(
            &sim.base_url(),
            KEY,
            Method::POST,
            "/tickets",
            Some(json!({"customer_id": customer, "subject": format!("Test bed {i}"), "status": "New"})),
        )
        .await;
        out.push((
            t["ticket"]["id"].as_i64().expect("id"),
            t["ticket"]["number"].as_i64().expect("number"),
        ));
    }
    out
}

/// Gives `ticket` an uninvoiced line (set up on the server directly),
/// mirrors it, and zeroes the simulator's counters so the test counts only
/// its own writes. Returns how many invoices the ticket had.
async fn invoiceable(sim: &SimHandle, env: &TestEnv, ticket: i64) -> usize {
    api(
        &sim.base_url(),
        KEY,
        Method::POST,
        &format!("/tickets/{ticket}/add_line_item"),
        Some(json!({"name": "Cable", "description": "Cat6", "quantity": 2, "price_retail": 12.5})),
    )
    .await;
    env.syncrod_once(&["--quick"]);
    sim.reset_counters();
    invoices_of(sim, ticket)
}

fn text_err(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn outbox_all(env: &TestEnv) -> Vec<Value> {
    json_of(
        "syncro outbox --all",
        env.syncro(&["outbox", "--all", "--json"]),
    )["outbox"]
        .as_array()
        .cloned()
        .expect("outbox list")
}

fn comment_writes(sim: &SimHandle) -> i64 {
    sim.counters()["writes"]["POST /tickets/{id}/comment"]
        .as_i64()
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn normalised_bodies_land_once_and_a_multi_line_bill_reaches_invoiced() {
    let all = Quirks {
        comment_crlf: true,
        comment_br: true,
        comment_trim: true,
        comment_entities: true,
        comment_paragraphs: true,
        ..Quirks::default()
    };
    let cases = [
        (
            "crlf",
            Quirks {
                comment_crlf: true,
                ..Quirks::default()
            },
        ),
        (
            "br",
            Quirks {
                comment_br: true,
                ..Quirks::default()
            },
        ),
        (
            "trim",
            Quirks {
                comment_trim: true,
                ..Quirks::default()
            },
        ),
        ("all", all),
    ];
    for (name, quirks) in cases {
        let sim = sim(quirks).await;
        let env = env(&sim, 5, "unknown_outcome_grace_secs = 1");
        let (id, number) = fresh_tickets(&sim, 1).await[0];
        env.syncrod_once(&[]);
        let n = number.to_string();
        let plain = "Replaced the toner";
        let multi = "Called Ann at R&D:  no answer\nLeft a voicemail\n\nWill try again at 3pm";
        let bill = "Fixed the VPN profile\nTested from home";
        let invoices_before = invoices_of(&sim, id);
        ok("comment", env.syncro(&["comment", &n, plain, "--yes"]));
        ok("comment", env.syncro(&["comment", &n, multi, "--yes"]));
        ok(
            "bill",
            env.syncro(&[
                "bill",
                &n,
                "--minutes",
                "30",
                "--labor",
                "remote",
                "--comment",
                bill,
                "--yes",
            ]),
        );
        env.syncrod_once(&["--quick"]);

        for item in outbox_all(&env) {
            assert_eq!(item["state"], "done", "{name}: {item:#}");
            assert!(
                item["result"].get("differences").is_none(),
                "{name}: a normalised body is not a difference: {item:#}"
            );
        }
        for body in [plain, multi, bill] {
            assert_eq!(copies(&sim, id, body), 1, "{name}: {body:?} exactly once");
        }
        assert_eq!(comment_writes(&sim), 3, "{name}: {:#}", sim.counters());
        let t = server_ticket(&sim, id);
        assert_eq!(t["status"], "Invoiced", "{name}");
        assert_eq!(
            invoices_of(&sim, id),
            invoices_before + 1,
            "{name}: one invoice"
        );
        assert_eq!(
            sim.counters()["duplicate_comments"]
                .as_object()
                .map(|o| o.len()),
            Some(0),
            "{name}"
        );
        sim.shutdown().await;
    }
}

/// How a scenario of the retry test starts.
struct Scenario {
    state: State,
    /// The comment is already on the server (our request landed).
    landed: bool,
    /// The item knows the id the server gave it.
    with_id: bool,
    /// `syncro outbox retry` accepts it.
    retryable: bool,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_retry_in_every_state_never_makes_a_second_copy() {
    let sim = sim(Quirks::realistic()).await;
    let env = env(
        &sim,
        5,
        "unknown_outcome_grace_secs = 1\nunknown_outcome_probes = 2",
    );
    let (id, number) = fresh_tickets(&sim, 1).await[0];
    env.syncrod_once(&[]);
    let n = number.to_string();
    let s = |state, landed, with_id, retryable| Scenario {
        state,
        landed,
        with_id,
        retryable,
    };
    let scenarios = [
        s(State::Queued, false, false, false),
        s(State::Sending, true, false, false),
        s(State::Probing, true, false, false),
        s(State::Verifying, true, true, false),
        s(State::Done, true, true, false),
        s(State::Differs, true, true, true),
        s(State::Uncertain, true, false, true),
        s(State::Failed, true, true, true),
        s(State::Failed, false, false, true),
        s(State::Held, false, false, true),
        s(State::Cancelled, false, false, false),
    ];
    let mut store = env.store();
    let mut items = Vec::new();
    for (i, sc) in scenarios.iter().enumerate() {
        let body = format!("Scenario {i}: {}\nsecond line", sc.state);
        ok(
            "comment",
            env.syncro(&["comment", &n, &body, "--hidden", "--yes"]),
        );
        let item = store
            .outbox_items(&[State::Queued])
            .expect("outbox")
            .into_iter()
            .max_by_key(|i| i.id)
            .expect("the queued comment");
        let before = server_ticket(&sim, id)["comments"]
            .as_array()
            .and_then(|cs| cs.iter().filter_map(|c| c["id"].as_i64()).max())
            .unwrap_or(0);
        let mut remote_id = None;
        if sc.landed {
            // Our request reached the server; only its answer was lost.
            let posted = api(
                &sim.base_url(),
                KEY,
                Method::POST,
                &format!("/tickets/{id}/comment"),
                Some(json!({"subject": "Update", "body": body, "hidden": true})),
            )
            .await;
            remote_id = posted["comment"]["id"].as_i64().filter(|_| sc.with_id);
        }
        let result = ItemResult {
            before_max_id: Some(before),
            sent_at: sc.landed.then(syncro_store::time::now),
            ..ItemResult::default()
        };
        store
            .outbox_transition(
                item.id,
                &State::ALL,
                sc.state,
                Change {
                    bump_attempts: sc.landed,
                    remote_id,
                    result: Some(result),
                    last_error: Some(Some(format!("set up as {}", sc.state))),
                    ..Change::default()
                },
            )
            .expect("set the state");
        items.push((item.id, body));
    }
    for ((item, _), sc) in items.iter().zip(&scenarios) {
        let out = env.syncro(&["outbox", "retry", &item.to_string()]);
        assert_eq!(
            out.status.success(),
            sc.retryable,
            "retry of a {} item: {}{}",
            sc.state,
            text(&out),
            String::from_utf8_lossy(&out.stderr)
        );
        if sc.retryable {
            let said = text(&out);
            let expected = match (sc.landed, sc.with_id) {
                (true, true) => "reading it back again",
                (true, false) => "looking for it on the server first",
                _ => "sending it",
            };
            assert!(said.contains(expected), "{}: {said}", sc.state);
        }
    }
    // Retrying twice more changes nothing either.
    for (item, _) in &items {
        let _ = env.syncro(&["outbox", "retry", &item.to_string()]);
    }
    env.syncrod_once(&["--quick"]);

    for ((item, body), sc) in items.iter().zip(&scenarios) {
        let got = store.outbox_item(*item).expect("read").expect("the item");
        let want_copies = usize::from(sc.state != State::Cancelled);
        assert_eq!(
            copies(&sim, id, body),
            want_copies,
            "{} (landed {}): {got:#?}",
            sc.state,
            sc.landed
        );
        let want = if sc.state == State::Cancelled {
            State::Cancelled
        } else {
            State::Done
        };
        assert_eq!(got.state, want, "{}: {got:#?}", sc.state);
    }
    assert_eq!(
        sim.counters()["duplicate_comments"]
            .as_object()
            .map(|o| o.len()),
        Some(0)
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_committed_after_the_client_gave_up_land_exactly_once() {
    let sim = sim(Quirks::realistic()).await;
    // A 3 s client timeout against a server that commits after 8 s. The
    // grace is the default (twice the timeout, 6 s), looked at 3 times,
    // 3 s apart: the first look misses, the second finds it.
    let env = env(&sim, 3, "");
    let open = fresh_tickets(&sim, 3).await;
    env.syncrod_once(&[]);
    let ((c_id, c_num), (l_id, l_num), (i_id, i_num)) = (open[0], open[1], open[2]);
    let customer = server_ticket(&sim, c_id)["customer_id"]
        .as_i64()
        .expect("customer");
    // Something to invoice on the third ticket.
    let invoices_before = invoiceable(&sim, &env, i_id).await;
    let hang = |path: &str| {
        QueuedFault::new(FaultKind::HangThenCommit)
            .method("POST")
            .path_contains(path)
            .delay_ms(8000)
    };
    sim.queue_faults(vec![
        hang("/comment"),
        hang("/add_line_item"),
        hang("/api/v1/tickets"),
        hang("/api/v1/invoices"),
    ]);
    let body = "Swapped the switch\nAll ports up";
    ok(
        "comment",
        env.syncro(&["comment", &c_num.to_string(), body, "--yes"]),
    );
    ok(
        "line-item add",
        env.syncro(&[
            "line-item",
            "add",
            &l_num.to_string(),
            "--name",
            "Patch cable",
            "--description",
            "1 m",
            "--quantity",
            "3",
            "--price",
            "4.5",
            "--yes",
        ]),
    );
    ok(
        "create",
        env.syncro(&[
            "create",
            &customer.to_string(),
            "Slow server ticket",
            "--body",
            "It hangs",
            "--yes",
        ]),
    );
    ok(
        "invoice create",
        env.syncro(&["invoice", "create", &i_num.to_string(), "--yes"]),
    );
    let _daemon = env.start_daemon();
    let store = env.store();
    wait_for("every write to settle", Duration::from_secs(90), || {
        store
            .outbox_counts()
            .map(|c| c.active() == 0)
            .unwrap_or(false)
    })
    .await;

    for item in outbox_all(&env) {
        assert_eq!(item["state"], "done", "{item:#}");
    }
    assert_eq!(copies(&sim, c_id, body), 1);
    let lines = server_ticket(&sim, l_id)["line_items"].clone();
    let patch = lines
        .as_array()
        .map(|ls| ls.iter().filter(|l| l["name"] == "Patch cable").count());
    assert_eq!(patch, Some(1), "{lines:#}");
    let created = sim.dump()["tickets"].as_array().map(|ts| {
        ts.iter()
            .filter(|t| t["subject"] == "Slow server ticket")
            .count()
    });
    assert_eq!(created, Some(1));
    assert_eq!(invoices_of(&sim, i_id), invoices_before + 1);
    let writes = sim.counters()["writes"].clone();
    for endpoint in [
        "POST /tickets/{id}/comment",
        "POST /tickets/{id}/add_line_item",
        "POST /tickets",
        "POST /invoices",
    ] {
        assert_eq!(writes[endpoint], 1, "{endpoint}: {writes:#}");
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_504_after_the_commit_lands_exactly_once() {
    let sim = sim(Quirks::realistic()).await;
    let env = env(&sim, 5, "unknown_outcome_grace_secs = 1");
    let open = fresh_tickets(&sim, 5).await;
    env.syncrod_once(&[]);
    let num = |i: usize| open[i].1.to_string();
    let customer = server_ticket(&sim, open[0].0)["customer_id"]
        .as_i64()
        .expect("customer");
    let invoices_before = invoiceable(&sim, &env, open[4].0).await;
    // Every write of this test gets its 504 after the commit.
    sim.queue_faults(
        (0..6)
            .map(|_| QueuedFault::new(FaultKind::CommitThen504).method("POST"))
            .chain(std::iter::once(
                QueuedFault::new(FaultKind::CommitThen504).method("PUT"),
            ))
            .collect(),
    );
    let body = "Gateway trouble\nbut it landed";
    ok("comment", env.syncro(&["comment", &num(0), body, "--yes"]));
    ok(
        "update",
        env.syncro(&["update", &num(1), "--status", "Waiting for Parts", "--yes"]),
    );
    // With a first comment: what tells our ticket from a look-alike when
    // the answer is lost (without one it parks: refusals.rs).
    ok(
        "create",
        env.syncro(&[
            "create",
            &customer.to_string(),
            "Gateway ticket",
            "--body",
            "Opened through a flaky gateway",
            "--yes",
        ]),
    );
    ok(
        "line-item add",
        env.syncro(&[
            "line-item",
            "add",
            &num(2),
            "--name",
            "Toner",
            "--description",
            "black",
            "--quantity",
            "1",
            "--price",
            "80",
            "--yes",
        ]),
    );
    ok(
        "timer add",
        env.syncro(&[
            "timer",
            "add",
            &num(3),
            "--start",
            "2026-11-30T09:00:00Z",
            "--minutes",
            "45",
            "--notes",
            "remote session",
            "--billable",
            "--labor",
            "remote",
            "--yes",
        ]),
    );
    ok(
        "invoice create",
        env.syncro(&["invoice", "create", &num(4), "--yes"]),
    );
    env.syncrod_once(&["--quick"]);

    for item in outbox_all(&env) {
        assert_eq!(item["state"], "done", "{item:#}");
    }
    assert_eq!(copies(&sim, open[0].0, body), 1);
    assert_eq!(
        server_ticket(&sim, open[1].0)["status"],
        "Waiting for Parts"
    );
    let writes = sim.counters()["writes"].clone();
    for endpoint in [
        "POST /tickets/{id}/comment",
        "PUT /tickets/{id}",
        "POST /tickets",
        "POST /tickets/{id}/add_line_item",
        "POST /tickets/{id}/timer_entry",
        "POST /invoices",
    ] {
        assert_eq!(writes[endpoint], 1, "{endpoint}: {writes:#}");
    }
    assert_eq!(invoices_of(&sim, open[4].0), invoices_before + 1);
    let faults = sim.counters()["faults"]["commit_then_504"].as_i64();
    assert!(faults.unwrap_or(0) >= 6, "{:#}", sim.counters());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_own_timed_out_status_update_is_not_held_as_a_conflict() {
    let sim = sim(Quirks::realistic()).await;
    let env = env(&sim, 1, "");
    let (id, number) = fresh_tickets(&sim, 1).await[0];
    env.syncrod_once(&[]);
    // The server applies the PUT at once but answers after the client's
    // 1 s timeout: our own change bumps `updated_at` past what we queued.
    sim.queue_faults(vec![QueuedFault::new(FaultKind::ApplyThenSlowAnswer)
        .method("PUT")
        .delay_ms(2500)]);
    ok(
        "update",
        env.syncro(&[
            "update",
            &number.to_string(),
            "--status",
            "Waiting on Customer",
            "--yes",
        ]),
    );
    env.syncrod_once(&["--quick"]);
    let items = outbox_all(&env);
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["state"], "done", "{:#}", items[0]);
    assert_eq!(server_ticket(&sim, id)["status"], "Waiting on Customer");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_behind_our_back_is_reported_and_twins_are_not() {
    let sim = sim(Quirks::realistic()).await;
    let env = env(&sim, 5, "");
    let open = fresh_tickets(&sim, 2).await;
    env.syncrod_once(&[]);
    let ((dup_id, dup_num), (_, twin_num)) = (open[0], open[1]);
    let body = "Reset the user's MFA\nShe can log in again";
    ok(
        "comment",
        env.syncro(&["comment", &dup_num.to_string(), body, "--yes"]),
    );
    let twin = "Checked the backups: all green";
    for _ in 0..2 {
        ok(
            "comment",
            env.syncro(&["comment", &twin_num.to_string(), twin, "--yes"]),
        );
    }
    env.syncrod_once(&["--quick"]);
    for item in outbox_all(&env) {
        assert_eq!(item["state"], "done", "{item:#}");
    }
    // Nothing to report yet: the twins were queued on purpose.
    let status = text(&ok("status", env.syncro(&["status"])));
    assert!(!status.contains("possible duplicate"), "{status}");

    // Someone's script retries the same comment behind our back.
    mutate(
        &sim.admin_url(),
        json!({"action": "add_comment", "ticket_id": dup_id, "subject": "Update",
               "body": body, "tech": "Test Tech", "hidden": false}),
    )
    .await;
    // The realistic server does not bump `updated_at` for a comment: the
    // copy reaches the cache through the open-thread safety net, once the
    // thread is old enough to be re-read. Age it rather than wait.
    let conn = rusqlite::Connection::open(&env.db).expect("open the cache");
    conn.execute(
        "UPDATE tickets SET detail_fetched_at = '2000-01-01T00:00:00.000Z' WHERE id = ?1",
        [dup_id],
    )
    .expect("age the thread");
    drop(conn);
    env.syncrod_once(&["--quick"]);

    let status = text(&ok("status", env.syncro(&["status"])));
    assert!(status.contains("possible duplicate"), "{status}");
    assert!(status.contains(&format!("ticket #{dup_num}")), "{status}");
    assert!(!status.contains(&format!("ticket #{twin_num}")), "{status}");
    let outbox = text(&ok("outbox", env.syncro(&["outbox"])));
    assert!(outbox.contains("look like copies"), "{outbox}");
    assert!(
        outbox.contains("remove it in the Syncro web UI"),
        "{outbox}"
    );
    let ticket = text(&ok("ticket", env.syncro(&["ticket", &dup_num.to_string()])));
    assert!(
        ticket.contains(
            "possible duplicate; the API cannot delete comments, remove it in the Syncro web UI"
        ),
        "{ticket}"
    );
    let twin_view = text(&ok(
        "ticket",
        env.syncro(&["ticket", &twin_num.to_string()]),
    ));
    assert!(!twin_view.contains("possible duplicate"), "{twin_view}");
    let json = json_of("status --json", env.syncro(&["status", "--json"]));
    let dups = json["possible_duplicates"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(dups.len(), 1, "{json:#}");
    assert_eq!(
        dups[0]["extra_comment_ids"].as_array().map(Vec::len),
        Some(1)
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_that_keeps_losing_its_answer_is_parked_not_resent_forever() {
    let sim = sim(Quirks::default()).await;
    let env = env(
        &sim,
        5,
        "unknown_outcome_grace_secs = 1\nunknown_outcome_probes = 1",
    );
    let (id, number) = fresh_tickets(&sim, 1).await[0];
    env.syncrod_once(&[]);
    // Every send of the comment is reset before the server applies it:
    // each time the outcome is unknown, and each time it is not found.
    sim.queue_faults(
        (0..syncrod::outbox::MAX_UNKNOWN_SENDS)
            .map(|_| {
                QueuedFault::new(FaultKind::ResetBeforeApply)
                    .method("POST")
                    .path_contains("/comment")
            })
            .collect(),
    );
    let body = "Unlucky comment";
    ok(
        "comment",
        env.syncro(&["comment", &number.to_string(), body, "--yes"]),
    );
    let started = Instant::now();
    env.syncrod_once(&["--quick"]);
    assert!(started.elapsed() < Duration::from_secs(60));
    let items = outbox_all(&env);
    assert_eq!(items[0]["state"], "uncertain", "{:#}", items[0]);
    let why = items[0]["error"].as_str().unwrap_or_default().to_string();
    assert!(why.contains("syncro outbox release"), "{why}");
    assert_eq!(copies(&sim, id, body), 0);
    // Retrying looks again (still nothing, still uncertain: never resent
    // on its own); releasing is the technician saying "send it".
    let item = items[0]["id"].as_i64().expect("id").to_string();
    ok("retry", env.syncro(&["outbox", "retry", &item]));
    env.syncrod_once(&["--quick"]);
    assert_eq!(outbox_all(&env)[0]["state"], "uncertain");
    assert_eq!(copies(&sim, id, body), 0);
    // Sending again what may be there needs the technician's --force.
    let refused = env.syncro(&["outbox", "release", &item]);
    assert!(
        !refused.status.success() && text_err(&refused).contains("--force"),
        "{refused:?}"
    );
    ok(
        "release",
        env.syncro(&["outbox", "release", "--force", &item]),
    );
    env.syncrod_once(&["--quick"]);
    assert_eq!(outbox_all(&env)[0]["state"], "done");
    assert_eq!(copies(&sim, id, body), 1);
    sim.shutdown().await;
}

/// Writes the server never takes, deleted targets and look-alikes.
mod refusals;
