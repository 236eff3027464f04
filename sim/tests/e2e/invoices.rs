//! Invoices: made from a ticket's lines, shown without lines on POST.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{id_of, is_api_timestamp, start};

#[tokio::test]
async fn invoice_post_omits_lines_get_has_them_and_ticket_lines_convert() {
    let sim = start().await;
    let t = sim.some_ticket();
    let id = id_of(&t);
    let customer = t["customer_id"].clone();
    for (q, p) in [(1.5, 150), (0.25, 125)] {
        let (s, _) = sim
            .post(
                &format!("/tickets/{id}/add_line_item"),
                json!({"name": "Labor", "description": "work", "quantity": q, "price_retail": p}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
    }
    // An uncharged timer must not be invoiced.
    let (s, _) = sim
        .post(
            &format!("/tickets/{id}/timer_entry"),
            json!({"start_at": "2026-01-01T10:00:00Z", "duration_minutes": 60, "product_id": 9001}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    let (s, v) = sim
        .post(
            "/invoices",
            json!({"ticket_id": id, "customer_id": customer, "category": "Standard",
                   "line_items": [{"item": "ignored", "price": 1000, "quantity": 1}]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let inv = &v["invoice"];
    assert!(inv.get("line_items").is_none());
    assert!(inv["number"].is_string());
    assert_eq!(inv["ticket_id"], id);
    assert_eq!(inv["subtotal"], "256.25");
    assert!(is_api_timestamp(&inv["created_at"]));
    let inv_id = id_of(inv);

    let (s, g) = sim.get(&format!("/invoices/{inv_id}")).await;
    assert_eq!(s, StatusCode::OK);
    let lines = g["invoice"]["line_items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(lines.len(), 2);
    for l in &lines {
        for k in [
            "id",
            "invoice_id",
            "item",
            "name",
            "product_id",
            "quantity",
            "price",
            "cost",
            "taxable",
            "created_at",
            "updated_at",
        ] {
            assert!(l.get(k).is_some(), "line item field {k}");
        }
        assert_eq!(l["invoice_id"], inv_id);
    }
    assert_eq!(lines[0]["price"], "150.0");
    assert_eq!(lines[0]["quantity"], "1.5");
    assert_eq!(lines[1]["item"], "Labor");
    // By number too, as the spec allows.
    let (s, n) = sim
        .get(&format!(
            "/invoices/{}",
            inv["number"].as_str().unwrap_or("")
        ))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(n["invoice"]["id"], inv_id);

    let ticket = sim.ticket_in_dump(id);
    let tl = ticket["line_items"].as_array().cloned().unwrap_or_default();
    assert!(tl.iter().all(|l| l["converted"] == true));
    // Nothing left to pull: a second invoice is empty.
    let (_, v2) = sim
        .post(
            "/invoices",
            json!({"ticket_id": id, "customer_id": customer}),
        )
        .await;
    let (_, g2) = sim
        .get(&format!("/invoices/{}", id_of(&v2["invoice"])))
        .await;
    assert_eq!(g2["invoice"]["line_items"], json!([]));
    assert_eq!(g2["invoice"]["total"], "0.0");

    // Deleting the invoice frees the ticket's lines.
    let (s, _) = sim.delete(&format!("/invoices/{inv_id}")).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = sim.get(&format!("/invoices/{inv_id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let ticket = sim.ticket_in_dump(id);
    assert!(ticket["line_items"]
        .as_array()
        .into_iter()
        .flatten()
        .all(|l| l["converted"] == false));
}

#[tokio::test]
async fn invoice_list_filters() {
    let sim = start().await;
    let (s, v) = sim.get("/invoices?per_page=100").await;
    assert_eq!(s, StatusCode::OK);
    let all = v["invoices"].as_array().cloned().unwrap_or_default();
    assert_eq!(all.len(), 10);
    assert!(all.iter().all(|i| i["number"].is_string()
        && i["total"].is_string()
        && i.get("line_items").is_none()));
    let paid = all.iter().filter(|i| i["is_paid"] == true).count();
    let (_, p) = sim.get("/invoices?paid=true&per_page=100").await;
    assert_eq!(p["meta"]["total_entries"], paid);
    let (_, u) = sim.get("/invoices?unpaid=true&per_page=100").await;
    assert_eq!(u["meta"]["total_entries"], all.len() - paid);
    let first = &all[0];
    let (_, t) = sim
        .get(&format!("/invoices?ticket_id={}", first["ticket_id"]))
        .await;
    assert!(t["invoices"]
        .as_array()
        .into_iter()
        .flatten()
        .all(|i| i["ticket_id"] == first["ticket_id"]));
    let (_, c) = sim
        .get(&format!("/invoices?customer_id={}", first["customer_id"]))
        .await;
    assert!(c["invoices"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|i| i["id"] == first["id"]));

    let cursor = all
        .iter()
        .filter_map(|i| i["updated_at"].as_str())
        .max()
        .unwrap_or("")
        .to_string();
    let (_, none) = sim
        .get(&format!("/invoices?since_updated_at={cursor}"))
        .await;
    assert_eq!(none["meta"]["total_entries"], 0);
    let unpaid = all.iter().find(|i| i["is_paid"] == false).map(id_of);
    if let Some(unpaid) = unpaid {
        let (s, _) = sim
            .admin(
                reqwest::Method::POST,
                "/mutate",
                Some(json!({"action": "mark_invoice_paid", "id": unpaid})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (_, one) = sim
            .get(&format!("/invoices?since_updated_at={cursor}"))
            .await;
        assert_eq!(one["meta"]["total_entries"], 1);
        assert_eq!(one["invoices"][0]["id"], unpaid);
        assert_eq!(one["invoices"][0]["is_paid"], true);
    }
}
