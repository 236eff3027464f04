//! Comments: the flat body, the wrapped-body trap, no idempotency, reading.

use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{answer, id_of, start};

#[tokio::test]
async fn flat_comment_answers_with_id_under_comment() {
    let sim = start().await;
    let id = id_of(&sim.some_ticket());
    let lines_before = sim.ticket_in_dump(id)["line_items"].clone();
    let (s, v) = sim
        .post(
            &format!("/tickets/{id}/comment"),
            json!({
                "subject": "Update", "body": "Rebooted the firewall", "hidden": true,
                "do_not_email": true, "tech": "Dana Whitfield",
                "product_id": 9001, "minutes_spent": 30, "bill_time_now": true,
            }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let cid = v["comment"]["id"].as_u64().expect("id at .comment.id");
    assert!(v.get("id").is_none());
    assert_eq!(v["comment"]["ticket_id"], id);
    assert_eq!(v["comment"]["hidden"], true);
    assert_eq!(v["comment"]["tech"], "Dana Whitfield");
    // minutes_spent / bill_time_now were dropped: no billing happened.
    let t = sim.ticket_in_dump(id);
    assert_eq!(t["line_items"], lines_before);
    assert_eq!(
        t["comments"]
            .as_array()
            .and_then(|c| c.last())
            .map(|c| c["id"].clone()),
        Some(json!(cid))
    );
}

#[tokio::test]
async fn wrapped_comment_is_refused_with_body_cant_be_blank() {
    let sim = start().await;
    let id = id_of(&sim.some_ticket());
    let before = sim.ticket_in_dump(id)["comments"].as_array().map(Vec::len);
    let (s, v) = sim
        .post(
            &format!("/tickets/{id}/comment"),
            json!({"comment": {"subject": "Update", "body": "Hello"}}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["success"], false);
    assert_eq!(v["message"][0], "Body can't be blank");
    assert_eq!(
        sim.ticket_in_dump(id)["comments"].as_array().map(Vec::len),
        before
    );
}

#[tokio::test]
async fn idempotency_key_is_ignored_and_duplicates_are_counted() {
    let sim = start().await;
    let id = id_of(&sim.some_ticket());
    let body = json!({"subject": "Update", "body": "Replaced the toner, test page OK"});
    let mut ids = Vec::new();
    for _ in 0..2 {
        let resp = sim
            .request(Method::POST, &format!("/tickets/{id}/comment"))
            .header("Idempotency-Key", "same-key-both-times")
            .json(&body)
            .send()
            .await
            .expect("sent");
        let (s, v) = answer(resp).await;
        assert_eq!(s, StatusCode::OK);
        ids.push(v["comment"]["id"].clone());
    }
    assert_ne!(ids[0], ids[1]);
    let t = sim.ticket_in_dump(id);
    let same = t["comments"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["body"] == body["body"])
        .count();
    assert_eq!(same, 2);
    assert_eq!(
        sim.handle.counters()["duplicate_comments"][id.to_string()],
        1
    );
    assert_eq!(
        sim.handle.counters()["writes"]["POST /tickets/{id}/comment"],
        2
    );
}

#[tokio::test]
async fn comments_have_no_delete_endpoint() {
    let sim = start().await;
    let t = sim.some_ticket();
    let cid = &t["comments"][0]["id"];
    let id = id_of(&t);
    for path in [
        format!("/tickets/{id}/comments/{cid}"),
        format!("/tickets/{id}/comment/{cid}"),
    ] {
        let (s, _) = sim.delete(&path).await;
        assert!(!s.is_success(), "{path}");
    }
    let (s, _) = sim.delete(&format!("/tickets/{id}/comment")).await;
    assert!(!s.is_success());
    assert_eq!(sim.ticket_in_dump(id)["comments"], t["comments"]);
}

#[tokio::test]
async fn comments_list_sorts_filters_and_pages() {
    let sim = start().await;
    let id = id_of(&sim.some_ticket());
    for i in 0..4 {
        let (s, _) = sim
            .post(
                &format!("/tickets/{id}/comment"),
                json!({"subject": "n", "body": format!("note {i}")}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
    }
    let (s, v) = sim.get(&format!("/tickets/{id}/comments")).await;
    assert_eq!(s, StatusCode::OK);
    let all = v["comments"].as_array().cloned().unwrap_or_default();
    assert_eq!(all.len(), 7);
    assert_eq!(v["meta"]["per_page"], 10);
    assert_eq!(all[0]["subject"], "Initial Issue");
    let (_, d) = sim
        .get(&format!(
            "/tickets/{id}/comments?sort_direction=desc&per_page=2"
        ))
        .await;
    assert_eq!(d["comments"][0]["body"], "note 3");
    assert_eq!(d["meta"]["total_pages"], 4);
    let cut = all[3]["created_at"].as_str().unwrap_or("");
    let (_, f) = sim
        .get(&format!("/tickets/{id}/comments?created_after={cut}"))
        .await;
    let bodies: Vec<&str> = f["comments"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["body"].as_str())
        .collect();
    assert_eq!(bodies, ["note 1", "note 2", "note 3"]);
    let (_, u) = sim
        .get(&format!("/tickets/{id}/comments?updated_after={cut}"))
        .await;
    assert_eq!(u["meta"]["total_entries"], 3);
}

#[tokio::test]
async fn body_without_json_content_type_is_400_html_and_bad_json_is_400() {
    let sim = start().await;
    let id = id_of(&sim.some_ticket());
    let resp = sim
        .request(Method::POST, &format!("/tickets/{id}/comment"))
        .header(CONTENT_TYPE, "text/plain")
        .body(r#"{"subject":"a","body":"b"}"#)
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let ct = resp
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(ct.starts_with("text/html"), "{ct}");
    assert!(resp.text().await.unwrap_or_default().contains("<html>"));

    let resp = sim
        .request(Method::POST, &format!("/tickets/{id}/comment"))
        .header(CONTENT_TYPE, "application/json")
        .body(r#"{"subject": "a", "body": "#)
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    // Wrong types become 422s, not panics.
    let (s, _) = sim
        .post(
            &format!("/tickets/{id}/comment"),
            json!({"subject": "a", "body": "b", "hidden": "perhaps"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = sim
        .post(&format!("/tickets/{id}/comment"), json!([1, 2, 3]))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}
