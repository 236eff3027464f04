//! Line items and timers: the price trap, required fields, charging.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{id_of, start};

#[tokio::test]
async fn line_item_price_only_from_price_retail() {
    let sim = start().await;
    let id = id_of(&sim.some_ticket());
    let (s, v) = sim
        .post(
            &format!("/tickets/{id}/add_line_item"),
            json!({"product_id": 9001, "name": "Labor - Remote", "description": "Outlook fix", "quantity": 0.5, "price_retail": 125}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // Unwrapped, like the spec example.
    assert_eq!(v["ticket_id"], id);
    assert_eq!(v["quantity"], "0.5");
    assert_eq!(v["retail_cents"], 12500);
    assert_eq!(v["price_retail"], 125.0);
    let good = v["id"].clone();

    let (s, v) = sim
        .post(
            &format!("/tickets/{id}/add_line_item"),
            json!({"product_id": 9001, "name": "Labor - Remote", "description": "wrong price field", "quantity": 1,
                   "price": 125, "retail_price": 125, "rate": 125, "price_cents": 12500}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "a silently wrong write");
    let bad = v["id"].clone();

    let (_, t) = sim.get(&format!("/tickets/{id}")).await;
    let lines = t["ticket"]["line_items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let find = |lid: &serde_json::Value| {
        lines
            .iter()
            .find(|l| l["id"] == *lid)
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(find(&good)["price_retail"], 125.0);
    assert_eq!(find(&bad)["price_retail"], 0.0);
    assert_eq!(find(&bad)["retail_cents"], 0);
    assert_eq!(find(&bad)["quantity"], "1.0");
}

#[tokio::test]
async fn line_item_needs_name_and_description_even_with_a_product() {
    let sim = start().await;
    let id = id_of(&sim.some_ticket());
    let (s, v) = sim
        .post(
            &format!("/tickets/{id}/add_line_item"),
            json!({"product_id": 9002, "quantity": 1, "price_retail": 150}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        v["errors"],
        "Name can't be blank, Description can't be blank"
    );
    let (s, v) = sim
        .post(
            &format!("/tickets/{id}/add_line_item"),
            json!({"name": "Labor - Onsite", "quantity": 1}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["errors"], "Description can't be blank");
}

#[tokio::test]
async fn update_and_remove_line_item() {
    let sim = start().await;
    let id = id_of(&sim.some_ticket());
    let (_, v) = sim
        .post(
            &format!("/tickets/{id}/add_line_item"),
            json!({"name": "n", "description": "d", "quantity": "0.25", "price_retail": "100"}),
        )
        .await;
    let lid = id_of(&v);
    assert_eq!(v["quantity"], "0.25");
    let (s, u) = sim
        .put(
            &format!("/tickets/{id}/update_line_item"),
            json!({"ticket_line_item_id": lid, "quantity": 2, "price": 999}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{u}");
    assert_eq!(u["ticket_line_item"]["quantity"], "2.0");
    assert_eq!(
        u["ticket_line_item"]["price_retail"], 100.0,
        "price still ignored"
    );
    let (s, r) = sim
        .post(
            &format!("/tickets/{id}/remove_line_item"),
            json!({"ticket_line_item_id": lid}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(r["success"], true);
    let (s, _) = sim
        .post(
            &format!("/tickets/{id}/remove_line_item"),
            json!({"ticket_line_item_id": lid}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let t = sim.ticket_in_dump(id);
    assert!(t["line_items"]
        .as_array()
        .into_iter()
        .flatten()
        .all(|l| l["id"] != lid));
}

#[tokio::test]
async fn timers_start_required_duration_does_not_move_end_charge_makes_line() {
    let sim = start().await;
    let id = id_of(&sim.some_ticket());
    let (s, v) = sim
        .post(
            &format!("/tickets/{id}/timer_entry"),
            json!({"notes": "no start"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");

    let (s, v) = sim
        .post(
            &format!("/tickets/{id}/timer_entry"),
            json!({"start_at": "2026-02-02T09:00:00Z", "end_at": "2026-02-02T10:30:00Z", "notes": "Onsite printer fix", "product_id": 9002, "billable": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let timer = id_of(&v);
    assert_eq!(v["recorded"], false);
    assert_eq!(v["end_time"], "2026-02-02T10:30:00.000Z");
    assert_eq!(v["active_duration"], 5400);

    let (s, u) = sim
        .put(
            &format!("/tickets/{id}/update_timer_entry"),
            json!({"timer_entry_id": timer, "duration_minutes": 30}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{u}");
    assert_eq!(
        u["end_time"], "2026-02-02T10:30:00.000Z",
        "duration does not move end_time"
    );
    let (_, u) = sim
        .put(
            &format!("/tickets/{id}/update_timer_entry"),
            json!({"timer_entry_id": timer, "end_at": "2026-02-02T09:30:00Z"}),
        )
        .await;
    assert_eq!(u["end_time"], "2026-02-02T09:30:00.000Z");

    let (s, c) = sim
        .post(
            &format!("/tickets/{id}/charge_timer_entry"),
            json!({"timer_entry_id": timer}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["recorded"], true);
    let line_id = c["ticket_line_item_id"].clone();
    assert!(line_id.is_u64());
    let t = sim.ticket_in_dump(id);
    let line = t["line_items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|l| l["id"] == line_id)
        .cloned()
        .unwrap_or_default();
    assert_eq!(line["name"], "Labor - Onsite");
    assert_eq!(line["quantity"], "0.5");
    assert_eq!(line["price_retail"], 150.0);
    let (s, _) = sim
        .post(
            &format!("/tickets/{id}/charge_timer_entry"),
            json!({"timer_entry_id": timer}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "charged once only");

    let (_, list) = sim.get(&format!("/ticket_timers?ticket_id={id}")).await;
    assert!(list["ticket_timers"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|x| x["id"] == timer));
    assert!(list["meta"]["total_entries"].is_u64());
    let (s, d) = sim
        .post(
            &format!("/tickets/{id}/delete_timer_entry"),
            json!({"timer_entry_id": timer}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(d["success"], true);
    let (s, _) = sim
        .post(
            &format!("/tickets/{id}/charge_timer_entry"),
            json!({"timer_entry_id": timer}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn ticket_timers_list_filters_and_pages() {
    let sim = start().await;
    let (s, v) = sim.get("/ticket_timers?per_page=2").await;
    assert_eq!(s, StatusCode::OK);
    assert!(v["ticket_timers"].as_array().map(Vec::len) <= Some(2));
    assert!(v["meta"]["total_pages"].is_u64());
    let (_, all) = sim.get("/ticket_timers?per_page=100").await;
    let n = all["meta"]["total_entries"].as_u64().unwrap_or(0);
    let (_, none) = sim.get("/ticket_timers?created_at_gt=2099-01-01").await;
    assert_eq!(none["meta"]["total_entries"], 0);
    let (_, old) = sim.get("/ticket_timers?created_at_lt=2099-01-01").await;
    assert_eq!(old["meta"]["total_entries"], n);
}

/// Regression guard for "no panics on request input": every write endpoint
/// fed junk answers a 2xx/4xx, never a 5xx or a dropped connection.
#[tokio::test]
async fn junk_input_is_refused_not_crashed() {
    let sim = start().await;
    let id = id_of(&sim.some_ticket());
    let junk = [
        json!({"start_at": "2026-01-01T00:00:00Z", "duration_minutes": i64::MAX}),
        json!({"timer_entry_id": -1, "ticket_line_item_id": "x", "quantity": "lots"}),
        json!({"customer_id": 1e300, "ticket_id": [1], "price_retail": {"a": 1}, "due_date": "31/31/2031"}),
        json!({"subject": 5, "body": true, "hidden": 2, "tag_list": 7, "properties": "p"}),
        json!({"start_at": "9999-12-31T23:59:59Z", "end_at": "0001-01-01T00:00:00Z", "user_id": 0}),
        json!(null),
        json!("string"),
    ];
    let writes = [
        (reqwest::Method::POST, "/tickets".to_string()),
        (reqwest::Method::PUT, format!("/tickets/{id}")),
        (reqwest::Method::POST, format!("/tickets/{id}/comment")),
        (
            reqwest::Method::POST,
            format!("/tickets/{id}/add_line_item"),
        ),
        (
            reqwest::Method::POST,
            format!("/tickets/{id}/remove_line_item"),
        ),
        (
            reqwest::Method::PUT,
            format!("/tickets/{id}/update_line_item"),
        ),
        (reqwest::Method::POST, format!("/tickets/{id}/timer_entry")),
        (
            reqwest::Method::POST,
            format!("/tickets/{id}/charge_timer_entry"),
        ),
        (
            reqwest::Method::POST,
            format!("/tickets/{id}/delete_timer_entry"),
        ),
        (
            reqwest::Method::PUT,
            format!("/tickets/{id}/update_timer_entry"),
        ),
        (reqwest::Method::POST, "/customers".to_string()),
        (reqwest::Method::POST, "/invoices".to_string()),
    ];
    for (method, path) in &writes {
        for body in &junk {
            let (s, v) = sim.call(method.clone(), path, Some(body.clone())).await;
            assert!(
                s.is_success() || s.is_client_error(),
                "{method} {path} {body}: {s} {v}"
            );
        }
    }
    for q in [
        "page=-1&per_page=abc",
        "since_updated_at=%FF",
        "customer_id=x",
        "number=%00",
    ] {
        let (s, _) = sim.get(&format!("/tickets?{q}")).await;
        assert!(s.is_success() || s.is_client_error(), "{q}: {s}");
    }
}
