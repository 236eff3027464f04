//! /admin: state dump, web-UI mutations, log, counters; determinism.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use syncro_sim::SimConfig;

use crate::support::{id_of, start, start_with, KEY};

fn sorted_by_id(v: &Value) -> bool {
    let ids: Vec<u64> = v.as_array().into_iter().flatten().map(id_of).collect();
    ids.windows(2).all(|w| w[0] < w[1])
}

#[tokio::test]
async fn state_dump_matches_the_api_shapes() {
    let sim = start().await;
    let (s, dump) = sim.admin(Method::GET, "/state", None).await;
    assert_eq!(s, StatusCode::OK);
    for key in ["customers", "tickets", "invoices", "products"] {
        assert!(sorted_by_id(&dump[key]), "{key} sorted by id");
    }
    assert_eq!(dump["tickets"].as_array().map(Vec::len), Some(60));
    assert_eq!(dump["customers"].as_array().map(Vec::len), Some(20));
    assert_eq!(dump["invoices"].as_array().map(Vec::len), Some(10));
    let t = &dump["tickets"][0];
    let (_, api) = sim.get(&format!("/tickets/{}", t["id"])).await;
    assert_eq!(&api["ticket"], t);
    let i = &dump["invoices"][0];
    let (_, api) = sim.get(&format!("/invoices/{}", i["id"])).await;
    assert_eq!(&api["invoice"], i);
    assert!(!i["line_items"].as_array().is_none_or(Vec::is_empty));
    assert_eq!(dump, sim.handle.dump());
}

#[tokio::test]
async fn mutate_actions_act_like_another_technician() {
    let sim = start().await;
    let mutate = |body: Value| sim.admin(Method::POST, "/mutate", Some(body));
    let customer = id_of(&sim.handle.dump()["customers"][0]);

    let (s, v) = mutate(json!({"action": "create_customer", "business_name": "Acme Dental", "email": "a@acme.example"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let new_customer = id_of(&v["customer"]);
    let (s, v) = mutate(
        json!({"action": "edit_customer", "id": new_customer, "fields": {"phone": "555-0100"}}),
    )
    .await;
    assert_eq!(
        (s, v["customer"]["phone"].clone()),
        (StatusCode::OK, json!("555-0100"))
    );

    let (s, v) = mutate(json!({"action": "create_ticket", "customer_id": customer, "subject": "Server fan loud", "status": "New", "body": "Fan noise since Monday"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["ticket"]["comments"][0]["body"], "Fan noise since Monday");
    let tid = id_of(&v["ticket"]);
    let created = v["ticket"]["updated_at"].clone();
    let (s, v) = mutate(json!({"action": "add_comment", "ticket_id": tid, "subject": "Call", "body": "Spoke to Ann", "tech": "Marcus Lee", "hidden": true})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["comment"]["tech"], "Marcus Lee");
    let (s, v) =
        mutate(json!({"action": "edit_ticket", "id": tid, "fields": {"status": "Scheduled"}}))
            .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["ticket"]["status"], "Scheduled");
    assert!(v["ticket"]["updated_at"].as_str() > created.as_str());
    let (s, _) =
        mutate(json!({"action": "edit_ticket", "id": tid, "fields": {"status": "Bogus"}})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    let (s, _) = sim
        .post(
            &format!("/tickets/{tid}/add_line_item"),
            json!({"name": "Labor", "description": "fan", "quantity": 1, "price_retail": 125}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = mutate(json!({"action": "create_invoice", "ticket_id": tid})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let inv = id_of(&v["invoice"]);
    assert_eq!(v["invoice"]["line_items"].as_array().map(Vec::len), Some(1));
    let (s, v) = mutate(json!({"action": "mark_invoice_paid", "id": inv})).await;
    assert_eq!(
        (s, v["invoice"]["is_paid"].clone()),
        (StatusCode::OK, json!(true))
    );
    let (s, _) = mutate(json!({"action": "delete_invoice", "id": inv})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = mutate(json!({"action": "delete_ticket", "id": tid})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = sim.get(&format!("/tickets/{tid}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = mutate(json!({"action": "delete_customer", "id": new_customer})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = sim.get(&format!("/customers/{new_customer}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let (s, v) = mutate(json!({"action": "paint_it_red"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["error"]
        .as_str()
        .is_some_and(|e| e.contains("edit_ticket")));
    let (s, _) = mutate(json!({"action": "delete_ticket", "id": 1})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn log_redacts_the_key_and_counters_count_and_reset() {
    let sim = start().await;
    let (s, _) = sim.get("/tickets?page=2").await;
    assert_eq!(s, StatusCode::OK);
    let id = id_of(&sim.some_ticket());
    let (s, _) = sim
        .post(
            &format!("/tickets/{id}/comment"),
            json!({"subject": "a", "body": "b"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, bad) = sim
        .post(&format!("/tickets/{id}/comment"), json!({"comment": {}}))
        .await;
    assert_eq!(bad["success"], false);

    let (_, log) = sim.admin(Method::GET, "/log", None).await;
    let entries = log["entries"].as_array().cloned().unwrap_or_default();
    assert_eq!(entries.len(), 3);
    assert!(!log.to_string().contains(KEY));
    assert_eq!(
        entries[0]["path"],
        "/api/v1/tickets?page=2&api_key=[REDACTED]"
    );
    assert_eq!(entries[0]["status"], 200);
    assert_eq!(entries[2]["status"], 422);
    assert_eq!(entries[1]["method"], "POST");
    let (_, last) = sim.admin(Method::GET, "/log?limit=1", None).await;
    assert_eq!(last["entries"].as_array().map(Vec::len), Some(1));

    let (_, c) = sim.admin(Method::GET, "/counters", None).await;
    assert_eq!(c["requests"], 3);
    assert_eq!(c["writes"], json!({"POST /tickets/{id}/comment": 1}));
    assert_eq!(c["faults"], json!({}));
    assert_eq!(c["duplicate_comments"], json!({}));
    let (s, c) = sim.admin(Method::POST, "/counters/reset", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(c["requests"], 0);
    assert_eq!(c["writes"], json!({}));
}

#[tokio::test]
async fn same_seed_and_anchor_give_the_same_data_over_http() {
    let anchor = chrono::DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z")
        .map(|t| t.to_utc())
        .ok();
    let cfg = SimConfig {
        seed: 99,
        anchor,
        ..SimConfig::default()
    };
    let a = start_with(cfg.clone()).await;
    let b = start_with(cfg).await;
    let (_, da) = a.admin(Method::GET, "/state", None).await;
    let (_, db) = b.admin(Method::GET, "/state", None).await;
    assert_eq!(da, db);
    let (_, la) = a.get("/tickets?per_page=100").await;
    let (_, lb) = b.get("/tickets?per_page=100").await;
    assert_eq!(la, lb);
    let c = start_with(SimConfig {
        seed: 100,
        anchor,
        ..SimConfig::default()
    })
    .await;
    assert_ne!(c.handle.dump(), da);
}

#[tokio::test]
async fn mutate_writes_as_a_named_colleague() {
    let sim = start().await;
    let mutate = |body: Value| sim.admin(Method::POST, "/mutate", Some(body));
    let customer = id_of(&sim.handle.dump()["customers"][0]);

    // create_ticket: `user_id` is the ticket's technician and its initial
    // comment's author.
    let (s, v) = mutate(json!({"action": "create_ticket", "customer_id": customer,
        "subject": "Scanner offline", "body": "Since the update", "user_id": 3}))
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let t = &v["ticket"];
    assert_eq!(t["user_id"], 3);
    assert_eq!(
        (&t["comments"][0]["user_id"], &t["comments"][0]["tech"]),
        (&json!(3), &json!("Priya Raman"))
    );
    let tid = id_of(t);

    let (s, v) = mutate(
        json!({"action": "add_comment", "ticket_id": tid, "body": "Called back", "user_id": 2}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (&v["comment"]["user_id"], &v["comment"]["tech"]),
        (&json!(2), &json!("Marcus Lee"))
    );
    // A named tech wins over the user's name; no user_id: the API user.
    let (_, v) = mutate(json!({"action": "add_comment", "ticket_id": tid, "body": "x", "user_id": 2, "tech": "Marcus"})).await;
    assert_eq!(v["comment"]["tech"], "Marcus");
    let (_, v) = mutate(json!({"action": "add_comment", "ticket_id": tid, "body": "y"})).await;
    assert_eq!(
        (&v["comment"]["user_id"], &v["comment"]["tech"]),
        (&json!(1), &Value::Null)
    );

    let (s, v) = mutate(json!({"action": "add_timer", "ticket_id": tid, "start_at": "2026-01-05T09:00:00Z",
        "end_at": "2026-01-05T09:30:00Z", "notes": "On site", "product_id": 9002, "billable": true, "user_id": 2}))
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (&v["user_id"], &v["notes"], &v["active_duration"]),
        (&json!(2), &json!("On site"), &json!(1800))
    );
    let (s, v) = mutate(
        json!({"action": "add_timer", "ticket_id": tid, "start_at": "2026-01-05T10:00:00Z"}),
    )
    .await;
    assert_eq!((s, &v["user_id"]), (StatusCode::OK, &json!(1)));

    let (s, v) = mutate(json!({"action": "add_line_item", "ticket_id": tid, "name": "Labor", "description": "On site",
        "quantity": 0.5, "price_retail": 150, "product_id": 9002, "user_id": 4}))
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (&v["user_id"], &v["retail_cents"]),
        (&json!(4), &json!(15_000))
    );
    let ticket = sim.ticket_in_dump(tid);
    assert_eq!(ticket["ticket_timers"].as_array().map(Vec::len), Some(2));
    assert_eq!(ticket["line_items"].as_array().map(Vec::len), Some(1));

    // Bad input is a 422 with a message, and nothing is written.
    let before = sim.ticket_in_dump(tid);
    for (bad, says) in [
        (
            json!({"action": "add_comment", "ticket_id": tid, "body": "z", "user_id": 99}),
            "not a user",
        ),
        (
            json!({"action": "add_line_item", "ticket_id": tid, "name": "a", "description": "b", "user_id": "me"}),
            "user_id",
        ),
        (
            json!({"action": "add_timer", "start_at": "2026-01-05T09:00:00Z"}),
            "ticket_id",
        ),
        (
            json!({"action": "add_line_item", "ticket_id": tid, "name": "only a name"}),
            "Description",
        ),
    ] {
        let (s, v) = mutate(bad.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {v}");
        assert!(v.to_string().contains(says), "{bad}: {v}");
    }
    assert_eq!(sim.ticket_in_dump(tid), before);
    let (s, _) = mutate(
        json!({"action": "add_timer", "ticket_id": 999_999, "start_at": "2026-01-05T09:00:00Z"}),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
