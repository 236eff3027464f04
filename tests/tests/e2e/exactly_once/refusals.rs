//! Writes the server will never take, and look-alikes written by others.
//!
//! A real office: a ticket whose updates the server refuses for ever, a
//! ticket deleted (or merged) in the web UI while a comment for it waits,
//! and colleagues and RMM alerts writing the same subjects, comments,
//! timers and lines at the same moment as we do. Each write ends where a
//! human sees it, at a bounded cost, and is never taken for someone
//! else's.

use super::*;

/// The simulator's log of API requests to exactly `path` (query aside),
/// as (method, status).
async fn requests_to(sim: &SimHandle, path: &str) -> Vec<(String, Option<u64>)> {
    let log: Value = reqwest::get(format!("{}/log", sim.admin_url()))
        .await
        .expect("the simulator's log")
        .json()
        .await
        .expect("log JSON");
    log["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| {
            let p = e["path"].as_str().unwrap_or("");
            p.split('?').next() == Some(&format!("/api/v1{path}"))
        })
        .map(|e| {
            (
                e["method"].as_str().unwrap_or("").to_string(),
                e["status"].as_u64(),
            )
        })
        .collect()
}

fn item(env: &TestEnv, id: i64) -> syncro_store::outbox::OutboxItem {
    env.store()
        .outbox_item(id)
        .expect("read the outbox")
        .expect("the item")
}

/// The outbox id a write command answered with (`--json`: the queued
/// items, the first one first).
fn queued_id(what: &str, out: std::process::Output) -> i64 {
    let v = json_of(what, out);
    v[0]["id"]
        .as_i64()
        .or_else(|| v["id"].as_i64())
        .unwrap_or_else(|| panic!("{what}: no outbox id in {v:#}"))
}

/// The tickets on the server with this subject.
fn tickets_with_subject(sim: &SimHandle, subject: &str) -> Vec<Value> {
    sim.dump()["tickets"]
        .as_array()
        .expect("tickets")
        .iter()
        .filter(|t| t["subject"] == subject)
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_the_server_always_refuses_fails_within_ten_requests_and_the_mirror_goes_on() {
    let sim = sim(Quirks::realistic()).await;
    let env = env(&sim, 5, "unknown_outcome_grace_secs = 1");
    let open = fresh_tickets(&sim, 2).await;
    let ((bad, bad_num), (other, _)) = (open[0], open[1]);
    env.syncrod_once(&[]);
    // Every PUT to that one ticket answers 500 and applies nothing.
    sim.queue_faults(vec![QueuedFault::new(FaultKind::ServerError)
        .method("PUT")
        .path_matches(&format!("/tickets/{bad}"))
        .persistent()]);
    let mut daemon = env.start_daemon();
    let id = queued_id(
        "update",
        env.syncro(&[
            "update",
            &bad_num.to_string(),
            "--status",
            "Waiting on Customer",
            "--yes",
            "--json",
        ]),
    );
    // Meanwhile someone edits another ticket in the web UI.
    let edited = Instant::now();
    mutate(
        &sim.admin_url(),
        json!({"action": "edit_ticket", "id": other, "subject": "Edited in the web UI"}),
    )
    .await;
    wait_for(
        "the other ticket's edit in the cache",
        Duration::from_secs(60),
        || {
            env.store()
                .ticket_by_id(other)
                .ok()
                .flatten()
                .is_some_and(|t| t.subject == "Edited in the web UI")
        },
    )
    .await;
    let mirrored_in = edited.elapsed();
    wait_for(
        "the refused update to fail",
        Duration::from_secs(120),
        || item(&env, id).state == State::Failed,
    )
    .await;
    daemon.kill();
    let it = item(&env, id);
    let error = it.last_error.clone().unwrap_or_default();
    assert!(
        error.contains("500") && error.contains(&format!("not on ticket #{bad_num}")),
        "the server's words and the ticket: {error}"
    );
    assert!(
        error.contains("syncro outbox retry"),
        "a next step: {error}"
    );
    assert!(it.requests <= 10, "{} requests: {it:#?}", it.requests);
    let seen = requests_to(&sim, &format!("/tickets/{bad}")).await;
    let puts = seen.iter().filter(|(m, _)| m == "PUT").count();
    assert!(
        (1..=3).contains(&puts),
        "PUTs to the refusing ticket: {seen:?}"
    );
    eprintln!(
        "refused update: {} requests counted by syncrod, {} to /tickets/{bad} in all (sync included), {puts} PUTs; \
         the other edit mirrored in {mirrored_in:?}",
        it.requests,
        seen.len()
    );
    assert_ne!(server_ticket(&sim, bad)["status"], "Waiting on Customer");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_refused_for_a_permission_or_a_revoked_key_fails_at_once_and_status_and_doctor_say_so(
) {
    let sim = sim(Quirks::realistic()).await;
    let env = env(&sim, 5, "");
    let open = fresh_tickets(&sim, 2).await;
    let ((a, a_num), (b, b_num)) = (open[0], open[1]);
    env.syncrod_once(&[]);
    // An admin took the comment permission from the key's technician, and
    // later (for the other ticket) revoked the key itself.
    sim.queue_faults(vec![
        QueuedFault::new(FaultKind::Forbidden)
            .method("POST")
            .path_matches(&format!("/tickets/{a}/comment"))
            .persistent(),
        QueuedFault::new(FaultKind::Unauthorized)
            .method("POST")
            .path_matches(&format!("/tickets/{b}/comment"))
            .persistent(),
    ]);
    let denied = queued_id(
        "comment",
        env.syncro(&[
            "comment",
            &a_num.to_string(),
            "Swapped the toner",
            "--hidden",
            "--yes",
            "--json",
        ]),
    );
    let revoked = queued_id(
        "comment",
        env.syncro(&[
            "comment",
            &b_num.to_string(),
            "Rebooted the switch",
            "--hidden",
            "--yes",
            "--json",
        ]),
    );
    env.syncrod_once(&["--quick"]);
    let d = item(&env, denied);
    assert_eq!(d.state, State::Failed, "{d:#?}");
    let d_error = d.last_error.clone().unwrap_or_default();
    assert!(
        d_error.contains("not allowed")
            && d_error.contains("403")
            && d_error.contains("permission"),
        "the permission named: {d_error}"
    );
    let r = item(&env, revoked);
    assert_eq!(r.state, State::Failed, "{r:#?}");
    let r_error = r.last_error.clone().unwrap_or_default();
    assert!(
        r_error.contains("refused the API key (401)") && r_error.contains("syncro doctor"),
        "the key named: {r_error}"
    );
    // A 4xx is final at once: one POST each, nothing resent.
    for (id, what) in [(a, "forbidden"), (b, "revoked")] {
        let posts = requests_to(&sim, &format!("/tickets/{id}/comment")).await;
        assert_eq!(posts.len(), 1, "{what}: {posts:?}");
    }
    // The technician sees it where they look first.
    let status = text(&ok("status", env.syncro(&["status"])));
    assert!(
        status.contains("2 write(s) refused for the API key or a permission"),
        "{status}"
    );
    let doctor = env.syncro(&["doctor"]);
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&doctor.stdout),
        String::from_utf8_lossy(&doctor.stderr)
    );
    assert!(
        report.contains("2 write(s) refused for the API key or a permission"),
        "{report}"
    );
    assert!(!doctor.status.success(), "doctor fails on it: {report}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_to_a_deleted_ticket_fails_naming_it_and_holds_the_writes_behind_it() {
    let sim = sim(Quirks::realistic()).await;
    let env = env(&sim, 5, "");
    let (id, number) = fresh_tickets(&sim, 1).await[0];
    env.syncrod_once(&[]);
    let n = number.to_string();
    let comment = queued_id(
        "comment",
        env.syncro(&["comment", &n, "On my way", "--hidden", "--yes", "--json"]),
    );
    let update = queued_id(
        "update",
        env.syncro(&["update", &n, "--status", "In Progress", "--yes", "--json"]),
    );
    // Deleted (or merged) in the web UI before syncrod sends anything.
    mutate(
        &sim.admin_url(),
        json!({"action": "delete_ticket", "id": id}),
    )
    .await;
    env.syncrod_once(&["--quick"]);
    let gone = format!("ticket #{number} is no longer in Syncro (deleted or merged)");
    let c = item(&env, comment);
    assert_eq!(c.state, State::Failed, "{c:#?}");
    assert!(
        c.last_error.as_deref().unwrap_or("").contains(&gone),
        "{c:#?}"
    );
    let u = item(&env, update);
    assert_eq!(u.state, State::Held, "{u:#?}");
    assert!(
        u.last_error.as_deref().unwrap_or("").contains(&gone),
        "{u:#?}"
    );
    // Nothing was sent to the deleted ticket.
    let writes = requests_to(&sim, &format!("/tickets/{id}/comment")).await;
    assert!(writes.is_empty(), "{writes:?}");
    // The technician sees it and can clear it.
    let listed = text(&ok("outbox", env.syncro(&["outbox"])));
    assert!(listed.contains("no longer in Syncro"), "{listed}");
    ok(
        "cancel",
        env.syncro(&["outbox", "cancel", &update.to_string()]),
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_colleagues_look_alike_ticket_is_never_taken_for_ours() {
    let sim = sim(Quirks::realistic()).await;
    let env = env(&sim, 5, "unknown_outcome_grace_secs = 1");
    let customer = sim.dump()["customers"][0]["id"]
        .as_i64()
        .expect("a customer")
        .to_string();
    env.syncrod_once(&[]);
    // Our POST gets a 502 and does not commit; at that moment a colleague
    // creates the same ticket (same customer, subject and first comment).
    sim.queue_faults(vec![QueuedFault::new(FaultKind::ColleagueTwin)
        .method("POST")
        .path_matches("/tickets")]);
    let subject = "Printer offline in reception";
    let body = "The reception printer shows offline since this morning";
    let create = queued_id(
        "create",
        env.syncro(&[
            "create", &customer, subject, "--body", body, "--yes", "--json",
        ]),
    );
    let follow = queued_id(
        "comment on the new ticket",
        env.syncro(&[
            "comment",
            &format!("@{create}"),
            "Power-cycled it",
            "--hidden",
            "--yes",
            "--json",
        ]),
    );
    env.syncrod_once(&["--quick"]);
    let ours = item(&env, create);
    assert_eq!(ours.state, State::Done, "{ours:#?}");
    let both = tickets_with_subject(&sim, subject);
    assert_eq!(both.len(), 2, "ours and the colleague's: {both:#?}");
    let our_id = ours.result.ticket_id.expect("our ticket's id");
    let theirs: Vec<&Value> = both.iter().filter(|t| t["id"] != our_id).collect();
    assert_eq!(theirs.len(), 1);
    let their_id = theirs[0]["id"].as_i64().expect("id");
    // The first comment of ours is ours; the comment queued on "@ID" went
    // to ours, not to theirs.
    assert_eq!(copies(&sim, our_id, body), 1);
    assert_eq!(item(&env, follow).state, State::Done);
    assert_eq!(copies(&sim, our_id, "Power-cycled it"), 1);
    assert_eq!(copies(&sim, their_id, "Power-cycled it"), 0);

    // Without a first comment nothing tells ours from the colleague's:
    // parked for a human, never `done` on theirs.
    sim.queue_faults(vec![QueuedFault::new(FaultKind::ColleagueTwin)
        .method("POST")
        .path_matches("/tickets")]);
    let alert = "Low disk space on SERVER01";
    let bare = queued_id(
        "create",
        env.syncro(&["create", &customer, alert, "--yes", "--json"]),
    );
    env.syncrod_once(&["--quick"]);
    let parked = item(&env, bare);
    assert_eq!(parked.state, State::Uncertain, "{parked:#?}");
    assert!(
        parked
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("to tell it from a colleague's"),
        "{parked:#?}"
    );
    assert_eq!(parked.result.ticket_id, None);
    assert_eq!(tickets_with_subject(&sim, alert).len(), 1);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_colleagues_identical_comment_timer_and_line_are_not_ours() {
    let sim = sim(Quirks::realistic()).await;
    let env = env(&sim, 5, "unknown_outcome_grace_secs = 1");
    let (id, number) = fresh_tickets(&sim, 1).await[0];
    env.syncrod_once(&[]);
    // Each of our three POSTs gets a 502 while a colleague writes the same.
    sim.queue_faults(
        [
            "/tickets/*/comment",
            "/tickets/*/timer_entry",
            "/tickets/*/add_line_item",
        ]
        .iter()
        .map(|p| {
            QueuedFault::new(FaultKind::ColleagueTwin)
                .method("POST")
                .path_matches(p)
        })
        .collect(),
    );
    let n = number.to_string();
    let body = "Rebooted the switch, all ports up";
    let comment = queued_id(
        "comment",
        env.syncro(&["comment", &n, body, "--yes", "--json"]),
    );
    let timer = queued_id(
        "timer",
        env.syncro(&[
            "timer",
            "add",
            &n,
            "--start",
            "2026-11-30T09:00:00Z",
            "--end",
            "2026-11-30T09:40:00Z",
            "--notes",
            "onsite visit",
            "--yes",
            "--json",
        ]),
    );
    let line = queued_id(
        "line item",
        env.syncro(&[
            "line-item",
            "add",
            &n,
            "--name",
            "Patch cable",
            "--description",
            "2 m",
            "--quantity",
            "1",
            "--price",
            "9",
            "--yes",
            "--json",
        ]),
    );
    env.syncrod_once(&["--quick"]);
    let t = server_ticket(&sim, id);
    let me = 1; // the simulator's API user (GET /me)
    for (what, id, list, key, value) in [
        ("comment", comment, "comments", "body", body),
        ("timer", timer, "ticket_timers", "notes", "onsite visit"),
        ("line item", line, "line_items", "name", "Patch cable"),
    ] {
        let it = item(&env, id);
        assert_eq!(it.state, State::Done, "{what}: {it:#?}");
        let records: Vec<&Value> = t[list]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|r| normalize_text(r[key].as_str().unwrap_or("")) == value)
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(records.len(), 2, "{what}: the colleague's and ours: {t:#}");
        let ours: Vec<&&Value> = records.iter().filter(|r| r["user_id"] == me).collect();
        assert_eq!(ours.len(), 1, "{what}: {records:#?}");
        assert_eq!(
            Some(ours[0]["id"].as_i64().expect("id")),
            it.remote_id,
            "{what}"
        );
    }
    sim.shutdown().await;
}

/// A row in a list that nobody can read (a `null` among the records): the
/// mirror skips it and goes on, and a probe that met it concludes nothing,
/// since the row may be the very ticket it looks for. A create whose
/// answer was lost is then parked for a human, never sent again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_row_nobody_can_read_makes_a_probe_conclude_nothing() {
    let sim = sim(Quirks::realistic()).await;
    sim.set_shape(Shape {
        null_list_rows: true,
        ..Shape::realistic()
    })
    .expect("the shape");
    let env = env(&sim, 5, "unknown_outcome_grace_secs = 1");
    env.syncrod_once(&[]);
    let on_server = sim.dump()["tickets"].as_array().expect("tickets").len();
    let cached = env
        .store()
        .tickets(&syncro_store::TicketFilter {
            include_closed: true,
            ..Default::default()
        })
        .expect("cached tickets")
        .len();
    assert_eq!(cached, on_server, "every readable row mirrored");
    let customer = sim.dump()["customers"][0]["id"]
        .as_i64()
        .expect("a customer");
    // The POST's answer is lost (502, nothing committed).
    sim.queue_faults(vec![QueuedFault::new(FaultKind::BadGateway)
        .method("POST")
        .path_matches("/tickets")]);
    let subject = "Scanner offline in the back office";
    let create = queued_id(
        "create",
        env.syncro(&[
            "create",
            &customer.to_string(),
            subject,
            "--body",
            "The scanner shows offline since noon",
            "--yes",
            "--json",
        ]),
    );
    env.syncrod_once(&["--quick"]);
    let parked = item(&env, create);
    assert_eq!(parked.state, State::Uncertain, "{parked:#?}");
    assert!(
        parked
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("could not all be read"),
        "{parked:#?}"
    );
    let posts = requests_to(&sim, "/tickets").await;
    let posts = posts.iter().filter(|(m, _)| m == "POST").count();
    assert_eq!(posts, 1, "never sent again");
    assert!(tickets_with_subject(&sim, subject).is_empty());
    sim.shutdown().await;
}
