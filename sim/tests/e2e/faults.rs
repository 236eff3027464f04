//! Fault injection over real connections: every fault kind as a client
//! meets it on the wire (status, headers, body, whether the write was
//! applied), queued faults and persistent route faults alike.
//!
//! Long (about 730 lines) because each fault kind is one test that sets up
//! its own route and reads the server's state back; they share the two
//! helpers at the top and nothing else, so a split would only scatter them.

use std::time::{Duration, Instant};

use reqwest::header::{CONTENT_TYPE, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use syncro_sim::{FaultConfig, FaultKind, QueuedFault};

use crate::support::{id_of, start, wait_until};

fn comment_fault(kind: FaultKind) -> QueuedFault {
    QueuedFault::new(kind)
        .method("POST")
        .path_contains("/comment")
}

fn comment_count(sim: &crate::support::Sim, id: u64) -> usize {
    sim.ticket_in_dump(id)["comments"]
        .as_array()
        .map_or(0, Vec::len)
}

#[tokio::test]
async fn apply_then_drop_lands_the_comment_but_the_client_sees_a_connection_error() {
    let sim = start().await;
    let id = id_of(&sim.some_ticket());
    let before = comment_count(&sim, id);
    sim.handle
        .queue_faults(vec![comment_fault(FaultKind::ApplyThenDrop)]);
    let res = sim
        .request(Method::POST, &format!("/tickets/{id}/comment"))
        .json(&json!({"subject": "Update", "body": "Did it land?"}))
        .send()
        .await;
    assert!(res.is_err(), "no answer expected, got {res:?}");
    let t = sim.ticket_in_dump(id);
    assert_eq!(comment_count(&sim, id), before + 1);
    assert_eq!(
        t["comments"]
            .as_array()
            .and_then(|c| c.last())
            .map(|c| c["body"].clone()),
        Some(json!("Did it land?"))
    );
    let counters = sim.handle.counters();
    assert_eq!(counters["faults"]["apply_then_drop"], 1);
    assert_eq!(counters["writes"]["POST /tickets/{id}/comment"], 1);
    // The next request is served normally on a new connection.
    let (s, _) = sim.get(&format!("/tickets/{id}")).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn reset_before_apply_leaves_nothing() {
    let sim = start().await;
    let id = id_of(&sim.some_ticket());
    let before = sim.ticket_in_dump(id);
    sim.handle
        .queue_faults(vec![comment_fault(FaultKind::ResetBeforeApply)]);
    let res = sim
        .request(Method::POST, &format!("/tickets/{id}/comment"))
        .json(&json!({"subject": "Update", "body": "Never stored"}))
        .send()
        .await;
    assert!(res.is_err());
    assert_eq!(sim.ticket_in_dump(id), before);
    assert!(sim.handle.counters()["writes"]
        .as_object()
        .is_some_and(|w| w.is_empty()));
}

#[tokio::test]
async fn truncated_json_is_200_that_does_not_parse_and_the_write_landed() {
    let sim = start().await;
    let id = id_of(&sim.some_ticket());
    let before = comment_count(&sim, id);
    sim.handle
        .queue_faults(vec![comment_fault(FaultKind::TruncatedJson)]);
    let resp = sim
        .request(Method::POST, &format!("/tickets/{id}/comment"))
        .json(&json!({"subject": "Update", "body": "Half an answer"}))
        .send()
        .await
        .expect("an answer");
    assert_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.expect("body");
    assert!(!text.is_empty());
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    assert_eq!(comment_count(&sim, id), before + 1);
}

#[tokio::test]
async fn error_answers_apply_nothing() {
    let sim = start().await;
    let id = id_of(&sim.some_ticket());
    let before = comment_count(&sim, id);
    sim.handle.queue_faults(vec![
        comment_fault(FaultKind::ServerError),
        comment_fault(FaultKind::BadGateway),
        comment_fault(FaultKind::TooManyRequests),
    ]);
    let post = || {
        sim.request(Method::POST, &format!("/tickets/{id}/comment"))
            .json(&json!({"subject": "Update", "body": "retry me"}))
            .send()
    };
    let r = post().await.expect("answer");
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let r = post().await.expect("answer");
    assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
    let ct = r
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(ct.starts_with("text/html"));
    assert!(r
        .text()
        .await
        .unwrap_or_default()
        .contains("502 Bad Gateway"));
    let r = post().await.expect("answer");
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().get(RETRY_AFTER).is_some());
    assert_eq!(comment_count(&sim, id), before);
    // Queue used up: the fourth goes through.
    let r = post().await.expect("answer");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(comment_count(&sim, id), before + 1);
    let c = sim.handle.counters();
    assert_eq!(
        (
            c["faults"]["server_error"].clone(),
            c["faults"]["bad_gateway"].clone()
        ),
        (json!(1), json!(1))
    );
    assert_eq!(
        c["rate_limited"], 0,
        "a spurious 429 is a fault, not the limiter"
    );
}

#[tokio::test]
async fn queued_faults_only_hit_matching_requests_in_order() {
    let sim = start().await;
    let id = id_of(&sim.some_ticket());
    sim.handle.queue_faults(vec![
        comment_fault(FaultKind::ServerError),
        comment_fault(FaultKind::BadGateway),
    ]);
    // Reads and other writes are not matched.
    let (s, _) = sim.get(&format!("/tickets/{id}/comments")).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = sim
        .put(&format!("/tickets/{id}"), json!({"priority": "High"}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s1, _) = sim
        .post(
            &format!("/tickets/{id}/comment"),
            json!({"subject": "a", "body": "1"}),
        )
        .await;
    let (s2, _) = sim
        .post(
            &format!("/tickets/{id}/comment"),
            json!({"subject": "a", "body": "2"}),
        )
        .await;
    assert_eq!(
        (s1, s2),
        (StatusCode::INTERNAL_SERVER_ERROR, StatusCode::BAD_GATEWAY)
    );
}

#[tokio::test]
async fn latency_and_slow_answer_delay_the_answer() {
    let sim = start().await;
    let id = id_of(&sim.some_ticket());
    sim.handle
        .queue_faults(vec![QueuedFault::new(FaultKind::Latency)
            .method("GET")
            .delay_ms(250)]);
    let t0 = Instant::now();
    let (s, _) = sim.get("/me").await;
    assert_eq!(s, StatusCode::OK);
    assert!(t0.elapsed() >= Duration::from_millis(250));

    // A client that gives up before the slow answer: the write landed anyway.
    let before = comment_count(&sim, id);
    sim.handle.queue_faults(vec![
        comment_fault(FaultKind::ApplyThenSlowAnswer).delay_ms(3_000)
    ]);
    let res = sim
        .request(Method::POST, &format!("/tickets/{id}/comment"))
        .timeout(Duration::from_millis(300))
        .json(&json!({"subject": "Update", "body": "Timed out but stored"}))
        .send()
        .await;
    assert!(res.as_ref().is_err_and(|e| e.is_timeout()), "{res:?}");
    assert_eq!(comment_count(&sim, id), before + 1);
}

#[tokio::test]
async fn random_faults_follow_the_config_and_spare_admin() {
    let sim = start().await;
    let mut weights = std::collections::BTreeMap::new();
    weights.insert(FaultKind::ServerError, 1);
    let cfg = FaultConfig {
        rate: 1.0,
        writes_only: true,
        weights,
        ..FaultConfig::default()
    };
    let (s, v) = sim
        .admin(
            Method::PUT,
            "/faults",
            Some(serde_json::to_value(&cfg).unwrap_or_default()),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, got) = sim.admin(Method::GET, "/faults", None).await;
    assert_eq!(got["rate"], 1.0);
    assert_eq!(got["weights"]["server_error"], 1);

    let (s, _) = sim.get("/tickets").await;
    assert_eq!(s, StatusCode::OK, "reads spared with writes_only");
    let (s, _) = sim.post("/customers", json!({"business_name": "X"})).await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);

    sim.handle.set_faults(FaultConfig {
        writes_only: false,
        ..cfg
    });
    let (s, _) = sim.get("/tickets").await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
    let (s, _) = sim.admin(Method::GET, "/state", None).await;
    assert_eq!(s, StatusCode::OK, "admin is never faulted");
    sim.handle.set_faults(FaultConfig::default());
    let (s, _) = sim.get("/tickets").await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn queue_over_admin_route_and_bad_config_is_refused() {
    let sim = start().await;
    let (s, v) = sim
        .admin(
            Method::POST,
            "/faults/queue",
            Some(json!([{"method": "GET", "path_contains": "/me", "fault": "server_error"}, {"fault": "bad_gateway"}])),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["queued"], 2);
    let (_, q) = sim.admin(Method::GET, "/faults/queue", None).await;
    assert_eq!(q["queue"][1]["fault"], "bad_gateway");
    let (s, _) = sim.get("/me").await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
    let (s, _) = sim.admin(Method::DELETE, "/faults/queue", None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = sim.get("/me").await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = sim
        .admin(
            Method::POST,
            "/faults/queue",
            Some(json!({"fault": "gremlins"})),
        )
        .await;
    assert!(s.is_client_error());
    let (s, _) = sim
        .admin(Method::PUT, "/faults", Some(json!({"rate": 3.0})))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

fn bodies_equal(sim: &crate::support::Sim, id: u64, body: &str) -> usize {
    sim.ticket_in_dump(id)["comments"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["body"] == body)
        .count()
}

#[tokio::test]
async fn hang_then_commit_lands_the_comment_after_the_client_gave_up() {
    let sim = start().await;
    let id = id_of(&sim.some_ticket());
    let body = "Committed late, exactly once";
    sim.handle.queue_faults(vec![
        comment_fault(FaultKind::HangThenCommit).delay_ms(2_500)
    ]);
    let sent = Instant::now();
    let res = sim
        .request(Method::POST, &format!("/tickets/{id}/comment"))
        .timeout(Duration::from_secs(1))
        .json(&json!({"subject": "Update", "body": body}))
        .send()
        .await;
    assert!(res.as_ref().is_err_and(|e| e.is_timeout()), "{res:?}");
    // The client gave up and hung up: nothing is there yet...
    assert_eq!(
        bodies_equal(&sim, id, body),
        0,
        "not committed before the delay"
    );
    // ...and the write lands anyway, once the server gets round to it.
    let landed = wait_until(Duration::from_secs(5), || bodies_equal(&sim, id, body) > 0).await;
    let at = sent.elapsed();
    assert!(landed, "the comment never landed");
    assert!(at >= Duration::from_millis(2_500), "landed after {at:?}");
    assert_eq!(bodies_equal(&sim, id, body), 1);
    let c = sim.handle.counters();
    assert_eq!(c["faults"]["hang_then_commit"], 1);
    assert_eq!(c["writes"]["POST /tickets/{id}/comment"], 1);
    let (_, log) = sim.admin(Method::GET, "/log", None).await;
    let entry = log["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["fault"] == "hang_then_commit")
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(entry["status"], 200, "{log}");
}

#[tokio::test]
async fn hang_then_commit_answers_a_patient_client_late() {
    let sim = start().await;
    let id = id_of(&sim.some_ticket());
    sim.handle
        .queue_faults(vec![comment_fault(FaultKind::HangThenCommit).delay_ms(300)]);
    let t0 = Instant::now();
    let (s, v) = sim
        .post(
            &format!("/tickets/{id}/comment"),
            json!({"subject": "Update", "body": "Slow but fine"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(t0.elapsed() >= Duration::from_millis(300));
    assert!(v["comment"]["id"].as_u64().is_some(), "{v}");
    assert_eq!(bodies_equal(&sim, id, "Slow but fine"), 1);
}

#[tokio::test]
async fn forbidden_and_unauthorized_answer_json_and_apply_nothing() {
    let sim = start().await;
    let id = id_of(&sim.some_ticket());
    let before = comment_count(&sim, id);
    sim.handle.queue_faults(vec![
        comment_fault(FaultKind::Forbidden),
        comment_fault(FaultKind::Unauthorized),
    ]);
    for want in [StatusCode::FORBIDDEN, StatusCode::UNAUTHORIZED] {
        let (s, v) = sim
            .post(
                &format!("/tickets/{id}/comment"),
                json!({"subject": "Update", "body": "Not allowed"}),
            )
            .await;
        assert_eq!(s, want, "{v}");
        assert!(v["error"].as_str().is_some_and(|e| !e.is_empty()), "{v}");
    }
    assert_eq!(comment_count(&sim, id), before);
    let c = sim.handle.counters();
    assert_eq!(c["faults"]["forbidden"], 1);
    assert_eq!(c["faults"]["unauthorized"], 1);
}

#[tokio::test]
async fn commit_then_504_answers_an_html_gateway_page_but_the_write_landed_once() {
    let sim = start().await;
    let id = id_of(&sim.some_ticket());
    let body = "Landed behind a 504";
    sim.handle
        .queue_faults(vec![comment_fault(FaultKind::CommitThen504)]);
    let resp = sim
        .request(Method::POST, &format!("/tickets/{id}/comment"))
        .json(&json!({"subject": "Update", "body": body}))
        .send()
        .await
        .expect("an answer");
    assert_eq!(resp.status(), StatusCode::GATEWAY_TIMEOUT);
    let ct = resp
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(ct.starts_with("text/html"), "{ct}");
    let page = resp.text().await.unwrap_or_default();
    assert!(page.contains("504 Gateway Time-out"), "{page}");
    assert!(serde_json::from_str::<Value>(&page).is_err());
    assert_eq!(bodies_equal(&sim, id, body), 1);
    let c = sim.handle.counters();
    assert_eq!(c["faults"]["commit_then_504"], 1);
    assert_eq!(c["writes"]["POST /tickets/{id}/comment"], 1);
}

#[tokio::test]
async fn apply_then_drop_on_a_put_is_a_lost_reply_to_an_applied_update() {
    let sim = start().await;
    let t = sim.some_ticket();
    let id = id_of(&t);
    let status = if t["status"] == "Waiting for Parts" {
        "Scheduled"
    } else {
        "Waiting for Parts"
    };
    sim.handle
        .queue_faults(vec![QueuedFault::new(FaultKind::ApplyThenDrop)
            .method("PUT")
            .path_contains(&format!("/tickets/{id}"))]);
    let res = sim
        .request(Method::PUT, &format!("/tickets/{id}"))
        .json(&json!({"status": status}))
        .send()
        .await;
    assert!(res.is_err(), "no answer expected, got {res:?}");
    assert_eq!(sim.ticket_in_dump(id)["status"], status);
    let c = sim.handle.counters();
    assert_eq!(c["faults"]["apply_then_drop"], 1);
    assert_eq!(c["writes"]["PUT /tickets/{id}"], 1);
}

#[tokio::test]
async fn a_persistent_fault_refuses_one_ticket_until_the_queue_is_cleared() {
    let sim = start().await;
    let dump = sim.handle.dump();
    let ids: Vec<u64> = dump["tickets"]
        .as_array()
        .into_iter()
        .flatten()
        .map(id_of)
        .collect();
    let (id, other) = (ids[0], ids[1]);
    // Over /admin, in JSON; a second entry behind it still gets its turn.
    let (s, v) = sim
        .admin(
            Method::POST,
            "/faults/queue",
            Some(json!([
                {"method": "POST", "path_matches": format!("/tickets/{id}/comment"),
                 "fault": "server_error", "persistent": true},
                {"method": "POST", "path_matches": "/tickets/*/comment", "fault": "bad_gateway"},
            ])),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let client = &sim;
    let post = |t: u64, body: &str| {
        let (path, body) = (
            format!("/tickets/{t}/comment"),
            json!({"subject": "Update", "body": body}),
        );
        async move { client.post(&path, body).await }
    };
    for n in 0..4 {
        let (s, _) = post(id, &format!("try {n}")).await;
        assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR, "attempt {n}");
    }
    let (s, _) = sim.get(&format!("/tickets/{id}")).await;
    assert_eq!(s, StatusCode::OK, "only the comment POST is refused");
    let (s, _) = post(other, "elsewhere").await;
    assert_eq!(
        s,
        StatusCode::BAD_GATEWAY,
        "the entry behind it was reached"
    );
    let (s, _) = post(other, "elsewhere again").await;
    assert_eq!(s, StatusCode::OK);
    let (_, q) = sim.admin(Method::GET, "/faults/queue", None).await;
    assert_eq!(q["queue"].as_array().map(Vec::len), Some(1), "{q}");
    assert_eq!(q["queue"][0]["persistent"], true);
    assert_eq!(bodies_equal(&sim, id, "try 0"), 0);

    let (s, _) = sim.admin(Method::DELETE, "/faults/queue", None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = post(id, "at last").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(sim.handle.counters()["faults"]["server_error"], 4);

    // The same from Rust, exact path only: ticket `id` itself, not its
    // comments, and not a ticket whose id merely starts with it.
    sim.handle
        .queue_faults(vec![QueuedFault::new(FaultKind::BadGateway)
            .path_matches(&format!("/tickets/{id}"))
            .persistent()]);
    let (s, _) = sim.get(&format!("/tickets/{id}")).await;
    assert_eq!(s, StatusCode::BAD_GATEWAY);
    let (s, _) = sim.get(&format!("/tickets/{id}")).await;
    assert_eq!(s, StatusCode::BAD_GATEWAY);
    let (s, _) = sim.get(&format!("/tickets/{id}/comments")).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = sim.get(&format!("/tickets/{id}0")).await;
    assert_ne!(s, StatusCode::BAD_GATEWAY, "served, not faulted");
    assert_eq!(sim.handle.queued_faults().len(), 1);
    sim.handle.clear_faults_queue();
    assert!(sim.handle.queued_faults().is_empty());
    let (s, _) = sim.get(&format!("/tickets/{id}")).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn times_faults_the_next_n_matches_and_bad_entries_are_refused() {
    let sim = start().await;
    let (s, v) = sim
        .admin(
            Method::POST,
            "/faults/queue",
            Some(json!({"method": "GET", "path_matches": "/me", "fault": "too_many_requests", "times": 2})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, _) = sim.get("/me").await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    let (_, q) = sim.admin(Method::GET, "/faults/queue", None).await;
    assert_eq!(q["queue"][0]["times"], 1, "{q}");
    let (s, _) = sim.get("/me").await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    let (s, _) = sim.get("/me").await;
    assert_eq!(s, StatusCode::OK);

    for bad in [
        json!({"fault": "server_error", "times": 0}),
        json!([{"fault": "server_error"}, {"fault": "server_error", "times": 2, "persistent": true}]),
    ] {
        let (s, v) = sim
            .admin(Method::POST, "/faults/queue", Some(bad.clone()))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {v}");
        assert!(
            v["error"].as_str().is_some_and(|e| e.contains("times")),
            "{v}"
        );
    }
    assert!(sim.handle.queued_faults().is_empty(), "nothing queued");
}

fn last_comment(sim: &crate::support::Sim, id: u64) -> Value {
    sim.ticket_in_dump(id)["comments"]
        .as_array()
        .and_then(|c| c.last())
        .cloned()
        .unwrap_or(Value::Null)
}

/// A 502 with cloudflare's HTML page, as `bad_gateway` answers.
async fn is_gateway_page(resp: reqwest::Response) -> bool {
    let html = resp
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html"));
    let status = resp.status();
    let page = resp.text().await.unwrap_or_default();
    status == StatusCode::BAD_GATEWAY && html && page.contains("502 Bad Gateway")
}

#[tokio::test]
async fn colleague_twin_lands_a_look_alike_by_marcus_instead_of_the_comment() {
    let sim = start().await;
    let id = id_of(&sim.some_ticket());
    let before = comment_count(&sim, id);
    sim.handle
        .queue_faults(vec![comment_fault(FaultKind::ColleagueTwin)]);
    let resp = sim
        .request(Method::POST, &format!("/tickets/{id}/comment"))
        .json(&json!({"subject": "Call", "body": "Replaced the toner", "hidden": true}))
        .send()
        .await
        .expect("an answer");
    assert!(is_gateway_page(resp).await);
    assert_eq!(comment_count(&sim, id), before + 1);
    let c = last_comment(&sim, id);
    assert_eq!(
        (&c["subject"], &c["body"], &c["hidden"]),
        (&json!("Call"), &json!("Replaced the toner"), &json!(true))
    );
    let (_, me) = sim.get("/me").await;
    assert_ne!(c["user_id"], me["user_id"], "not the API user's");
    assert_eq!(
        (&c["user_id"], &c["tech"]),
        (&json!(2), &json!("Marcus Lee"))
    );

    // The client's retry is its own, and counted as a duplicate body.
    let (s, v) = sim
        .post(
            &format!("/tickets/{id}/comment"),
            json!({"subject": "Call", "body": "Replaced the toner", "hidden": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["comment"]["user_id"], me["user_id"]);
    let counters = sim.handle.counters();
    assert_eq!(counters["faults"]["colleague_twin"], 1);
    assert_eq!(
        counters["writes"],
        json!({"POST /tickets/{id}/comment": 1}),
        "the colleague's write is not the client's"
    );
    let (_, log) = sim.admin(Method::GET, "/log", None).await;
    assert!(log["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|e| e["fault"] == "colleague_twin" && e["status"] == 502));
}

#[tokio::test]
async fn colleague_twin_look_alikes_of_a_ticket_a_timer_and_a_line_item() {
    let sim = start().await;
    let customer = id_of(&sim.handle.dump()["customers"][0]);
    let tickets_before = sim.handle.dump()["tickets"].as_array().map_or(0, Vec::len);
    sim.handle
        .queue_faults(vec![QueuedFault::new(FaultKind::ColleagueTwin)
            .method("POST")
            .times(4)]);

    let resp = sim
        .request(Method::POST, "/tickets")
        .json(&json!({"customer_id": customer, "subject": "VPN drops", "priority": "1 High",
                      "problem_type": "Network", "status": "New",
                      "comments_attributes": [{"subject": "Initial Issue", "body": "Drops hourly"}]}))
        .send()
        .await
        .expect("an answer");
    assert!(is_gateway_page(resp).await);
    let dump = sim.handle.dump();
    let tickets = dump["tickets"].as_array().cloned().unwrap_or_default();
    assert_eq!(tickets.len(), tickets_before + 1);
    let t = tickets
        .iter()
        .find(|t| t["subject"] == "VPN drops")
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(
        (
            &t["customer_id"],
            &t["priority"],
            &t["problem_type"],
            &t["status"]
        ),
        (
            &json!(customer),
            &json!("1 High"),
            &json!("Network"),
            &json!("New")
        )
    );
    assert_eq!(t["user_id"], 2);
    assert_eq!(t["comments"][0]["body"], "Drops hourly");
    assert_eq!(
        (&t["comments"][0]["user_id"], &t["comments"][0]["tech"]),
        (&json!(2), &json!("Marcus Lee"))
    );
    let tid = id_of(&t);

    let resp = sim
        .request(Method::POST, &format!("/tickets/{tid}/timer_entry"))
        .json(
            &json!({"start_at": "2026-01-05T09:00:00Z", "end_at": "2026-01-05T09:45:00Z",
                      "notes": "Reset the tunnel", "product_id": 9001, "billable": true}),
        )
        .send()
        .await
        .expect("an answer");
    assert!(is_gateway_page(resp).await);
    let (_, timers) = sim.get(&format!("/ticket_timers?ticket_id={tid}")).await;
    let x = &timers["ticket_timers"][0];
    assert_eq!(timers["ticket_timers"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        (&x["user_id"], &x["notes"], &x["product_id"], &x["billable"]),
        (
            &json!(2),
            &json!("Reset the tunnel"),
            &json!(9001),
            &json!(true)
        )
    );
    assert_eq!(x["active_duration"], 45 * 60);

    let resp = sim
        .request(Method::POST, &format!("/tickets/{tid}/add_line_item"))
        .json(
            &json!({"name": "Labor", "description": "VPN", "quantity": 0.75,
                      "price_retail": 120, "product_id": 9001}),
        )
        .send()
        .await
        .expect("an answer");
    assert!(is_gateway_page(resp).await);
    let line = sim.ticket_in_dump(tid)["line_items"][0].clone();
    assert_eq!(
        (
            &line["user_id"],
            &line["name"],
            &line["description"],
            &line["product_id"]
        ),
        (&json!(2), &json!("Labor"), &json!("VPN"), &json!(9001))
    );
    assert_eq!(line["retail_cents"], 12_000);

    // A route without a look-alike is a plain bad gateway: nothing applied.
    let before = sim.ticket_in_dump(tid);
    let resp = sim
        .request(Method::POST, &format!("/tickets/{tid}/charge_timer_entry"))
        .json(&json!({"timer_entry_id": x["id"]}))
        .send()
        .await
        .expect("an answer");
    assert!(is_gateway_page(resp).await);
    assert_eq!(sim.ticket_in_dump(tid), before);
    assert!(sim.handle.queued_faults().is_empty(), "four used");
    assert_eq!(sim.handle.counters()["faults"]["colleague_twin"], 4);
}
