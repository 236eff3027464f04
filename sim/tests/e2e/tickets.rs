//! /tickets: listing, filters, detail, create/update/delete, since_updated_at.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::{id_of, is_api_timestamp, start};

#[tokio::test]
async fn list_is_paged_with_meta_and_capped_at_100() {
    let sim = start().await;
    let (s, v) = sim.get("/tickets").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["tickets"].as_array().map(Vec::len), Some(25));
    assert_eq!(v["meta"]["total_entries"], 60);
    assert_eq!(v["meta"]["total_pages"], 3);
    assert_eq!(v["meta"]["per_page"], 25);
    assert_eq!(v["meta"]["page"], 1);

    let (_, p2) = sim.get("/tickets?per_page=10&page=6").await;
    assert_eq!(p2["tickets"].as_array().map(Vec::len), Some(10));
    assert_eq!(p2["meta"]["total_pages"], 6);
    let (_, past) = sim.get("/tickets?per_page=10&page=7").await;
    assert_eq!(past["tickets"].as_array().map(Vec::len), Some(0));
    let (_, big) = sim.get("/tickets?per_page=500").await;
    assert_eq!(big["meta"]["per_page"], 100);
    assert_eq!(big["tickets"].as_array().map(Vec::len), Some(60));
    // Newest first, every ticket once.
    let ids: Vec<u64> = big["tickets"]
        .as_array()
        .into_iter()
        .flatten()
        .map(id_of)
        .collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]));
}

#[tokio::test]
async fn list_items_carry_only_the_initial_comment_detail_carries_everything() {
    let sim = start().await;
    let (_, list) = sim.get("/tickets?per_page=100").await;
    for t in list["tickets"].as_array().into_iter().flatten() {
        assert_eq!(
            t["comments"].as_array().map(Vec::len),
            Some(1),
            "ticket {}",
            t["id"]
        );
        assert_eq!(t["comments"][0]["subject"], "Initial Issue");
        assert_ne!(t["id"], t["number"]);
        assert!(is_api_timestamp(&t["created_at"]) && is_api_timestamp(&t["updated_at"]));
    }
    let id = id_of(&list["tickets"][0]);
    let (s, d) = sim.get(&format!("/tickets/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    let t = &d["ticket"];
    let comments = t["comments"].as_array().expect("comments");
    assert_eq!(comments.len(), 3);
    let times: Vec<&str> = comments
        .iter()
        .filter_map(|c| c["created_at"].as_str())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "oldest first");
    assert!(t["line_items"].is_array() && t["ticket_timers"].is_array());
    assert_eq!(t["customer"]["id"], t["customer_id"]);
    assert_eq!(
        t["customer_business_then_name"],
        t["customer"]["business_then_name"]
    );
}

#[tokio::test]
async fn filters_status_customer_number_query_created_after() {
    let sim = start().await;
    let t = sim.some_ticket();
    let q = |k: &str, v: &str| format!("/tickets?per_page=100&{k}={}", urlencode(v));

    let (_, v) = sim
        .get(&q("status", t["status"].as_str().unwrap_or("")))
        .await;
    let list = v["tickets"].as_array().cloned().unwrap_or_default();
    assert!(!list.is_empty() && list.iter().all(|x| x["status"] == t["status"]));

    let (_, v) = sim
        .get(&q("customer_id", &t["customer_id"].to_string()))
        .await;
    let list = v["tickets"].as_array().cloned().unwrap_or_default();
    assert!(list.iter().any(|x| x["id"] == t["id"]));
    assert!(list.iter().all(|x| x["customer_id"] == t["customer_id"]));

    let (_, v) = sim.get(&q("number", &t["number"].to_string())).await;
    assert_eq!(v["meta"]["total_entries"], 1);
    assert_eq!(v["tickets"][0]["id"], t["id"]);

    // A word of the subject finds the ticket (case-insensitively).
    let word = t["subject"]
        .as_str()
        .and_then(|s| s.split_whitespace().max_by_key(|w| w.len()))
        .unwrap_or("")
        .to_ascii_lowercase();
    let (_, v) = sim.get(&q("query", &word)).await;
    assert!(v["tickets"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|x| x["id"] == t["id"]));
    let (_, v) = sim.get(&q("query", "zzzz-no-such-words")).await;
    assert_eq!(v["meta"]["total_entries"], 0);

    let created = t["created_at"].as_str().unwrap_or("");
    let (_, v) = sim.get(&q("created_after", created)).await;
    let list = v["tickets"].as_array().cloned().unwrap_or_default();
    assert!(list
        .iter()
        .all(|x| x["created_at"].as_str() > Some(created)));
    let (s, _) = sim.get(&q("since_updated_at", "not a date")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn ticket_numbers_are_not_ids() {
    let sim = start().await;
    let t = sim.some_ticket();
    let (s, v) = sim.get(&format!("/tickets/{}", t["number"])).await;
    assert!(s == StatusCode::NOT_FOUND || v["ticket"]["id"] != t["id"]);
    assert!(t["id"].as_u64() >= Some(1000) && t["number"].as_u64() >= Some(30000));
}

#[tokio::test]
async fn create_ignores_line_items_and_validates_status() {
    let sim = start().await;
    let customer = sim.handle.dump()["customers"][0]["id"].clone();
    let (s, v) = sim
        .post(
            "/tickets",
            json!({
                "customer_id": customer,
                "subject": "Printer jammed again",
                "problem_type": "Printing",
                "line_items": [{"name": "x", "price_retail": 100}],
                "comments_attributes": [{"subject": "Initial Issue", "body": "Paper stuck in tray 2"}],
            }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let t = &v["ticket"];
    assert_eq!(t["status"], "New");
    assert_eq!(t["line_items"], json!([]));
    assert_eq!(t["comments"][0]["body"], "Paper stuck in tray 2");
    assert!(t["number"].as_u64() > Some(30000));

    let (s, v) = sim
        .post(
            "/tickets",
            json!({"customer_id": customer, "subject": "x", "status": "Open"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, _) = sim
        .post("/tickets", json!({"subject": "no customer"}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = sim.post("/tickets", json!({"customer_id": customer})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn update_status_resolved_sets_resolved_at_and_unknown_status_is_422() {
    let sim = start().await;
    let t = sim.some_ticket();
    assert_ne!(t["status"], "Resolved");
    let id = id_of(&t);
    let before = t["updated_at"].clone();
    let (s, v) = sim
        .put(&format!("/tickets/{id}"), json!({"status": "Resolved"}))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["ticket"]["status"], "Resolved");
    assert!(is_api_timestamp(&v["ticket"]["resolved_at"]));
    assert!(v["ticket"]["updated_at"].as_str() > before.as_str());

    let (s, v) = sim
        .put(&format!("/tickets/{id}"), json!({"status": "Done"}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["message"].to_string().contains("Status"));
    let (_, v) = sim.get(&format!("/tickets/{id}")).await;
    assert_eq!(v["ticket"]["status"], "Resolved");
}

#[tokio::test]
async fn delete_then_404_and_unknown_ids_are_404_json() {
    let sim = start().await;
    let id = id_of(&sim.some_ticket());
    let (s, v) = sim.delete(&format!("/tickets/{id}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    for path in [
        format!("/tickets/{id}"),
        format!("/tickets/{id}/comments"),
        "/tickets/abc".to_string(),
        "/customers/999999".to_string(),
        "/invoices/999999".to_string(),
        "/no_such_endpoint".to_string(),
    ] {
        let (s, v) = sim.get(&path).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
        assert!(v.is_object(), "{path}: JSON body");
    }
    let (s, _) = sim
        .post(
            &format!("/tickets/{id}/comment"),
            json!({"subject": "a", "body": "b"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

/// The incremental-sync contract: after a cursor, exactly the tickets that
/// changed (by any route) come back.
#[tokio::test]
async fn since_updated_at_returns_exactly_the_changed_tickets() {
    let sim = start().await;
    let dump = sim.handle.dump();
    let tickets: Vec<Value> = dump["tickets"].as_array().cloned().unwrap_or_default();
    let cursor = tickets
        .iter()
        .filter_map(|t| t["updated_at"].as_str())
        .max()
        .unwrap_or("")
        .to_string();
    let ids: Vec<u64> = tickets.iter().map(id_of).collect();
    let (a, b, c, d, e) = (ids[3], ids[10], ids[20], ids[30], ids[40]);

    let (s, _) = sim
        .post(
            &format!("/tickets/{a}/comment"),
            json!({"subject": "Update", "body": "Called back"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = sim
        .put(
            &format!("/tickets/{b}"),
            json!({"status": "In Progress", "priority": "Urgent"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = sim
        .post(
            &format!("/tickets/{c}/add_line_item"),
            json!({"name": "Labor - Remote", "description": "work", "quantity": 0.5, "price_retail": 125}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = sim
        .post(
            &format!("/tickets/{d}/timer_entry"),
            json!({"start_at": "2026-01-05T10:00:00Z", "duration_minutes": 30}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = sim
        .admin(
            reqwest::Method::POST,
            "/mutate",
            Some(json!({"action": "add_comment", "ticket_id": e, "body": "Customer called", "tech": "Marcus Lee"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    let (_, v) = sim
        .get(&format!("/tickets?per_page=100&since_updated_at={cursor}"))
        .await;
    let mut got: Vec<u64> = v["tickets"]
        .as_array()
        .into_iter()
        .flatten()
        .map(id_of)
        .collect();
    got.sort_unstable();
    let mut want = vec![a, b, c, d, e];
    want.sort_unstable();
    assert_eq!(got, want);
    assert_eq!(v["meta"]["total_entries"], 5);
}
