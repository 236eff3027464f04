//! Comment-body quirks: a server that does not store a posted comment byte
//! for byte, on every path a comment is created by.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use syncro_sim::{Quirks, SimConfig};

use crate::support::{id_of, start, start_with, Sim};

fn last_comment(sim: &Sim, id: u64) -> Value {
    sim.ticket_in_dump(id)["comments"]
        .as_array()
        .and_then(|c| c.last())
        .cloned()
        .unwrap_or(Value::Null)
}

fn only(name: &str) -> Quirks {
    Quirks::from_names([name]).expect("a known quirk")
}

/// (quirk, posted subject, posted body, stored subject, stored body)
const CASES: [(&str, &str, &str, &str, &str); 6] = [
    (
        "",
        "  Update ",
        "Line one\nLine  two\r\n",
        "  Update ",
        "Line one\nLine  two\r\n",
    ),
    (
        "comment_crlf",
        "Update",
        "Line one\nLine two\r\nLine three\n",
        "Update",
        "Line one\r\nLine two\r\nLine three\r\n",
    ),
    ("comment_br", "Update", "a\nb", "Update", "a<br>\nb"),
    (
        "comment_trim",
        "  Call   back  ",
        "  Rebooted   the  router \n",
        "Call back",
        "Rebooted the router",
    ),
    (
        "comment_entities",
        "Update",
        "Q&A: <b>bold</b>  done\u{a0}!",
        "Update",
        "Q&amp;A: &lt;b&gt;bold&lt;/b&gt;&nbsp; done&nbsp;!",
    ),
    (
        "comment_paragraphs",
        "Update",
        "First\nstill first\n\nSecond",
        "Update",
        "<p>First\nstill first</p><p>Second</p>",
    ),
];

#[tokio::test]
async fn each_comment_quirk_rewrites_the_stored_body_as_documented() {
    let sim = start().await;
    let id = id_of(&sim.some_ticket());
    for (quirk, subject, body, want_subject, want_body) in CASES {
        let quirks = if quirk.is_empty() {
            Quirks::default()
        } else {
            only(quirk)
        };
        let (s, v) = sim.admin(Method::PUT, "/quirks", Some(json!(quirks))).await;
        assert_eq!(s, StatusCode::OK, "{quirk}: {v}");
        let (s, v) = sim
            .post(
                &format!("/tickets/{id}/comment"),
                json!({"subject": subject, "body": body}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{quirk}: {v}");
        // The answer, the stored record and a later read all agree.
        assert_eq!(v["comment"]["body"], want_body, "{quirk}: answer");
        assert_eq!(v["comment"]["subject"], want_subject, "{quirk}: answer");
        let stored = last_comment(&sim, id);
        assert_eq!(stored["body"], want_body, "{quirk}: stored");
        assert_eq!(stored["subject"], want_subject, "{quirk}: stored");
        let (_, list) = sim
            .get(&format!(
                "/tickets/{id}/comments?sort_direction=desc&per_page=1"
            ))
            .await;
        assert_eq!(list["comments"][0]["body"], want_body, "{quirk}: read back");
    }
    let (_, q) = sim.admin(Method::GET, "/quirks", None).await;
    assert_eq!(q["comment_paragraphs"], true);
    assert_eq!(q["comment_crlf"], false);
}

#[tokio::test]
async fn quirks_from_the_config_apply_to_new_tickets_and_web_ui_comments() {
    let sim = start_with(SimConfig {
        quirks: Quirks::from_names(["comment_crlf", "comment_br"]).expect("known quirks"),
        ..SimConfig::default()
    })
    .await;
    let (_, q) = sim.admin(Method::GET, "/quirks", None).await;
    assert_eq!(
        (q["comment_crlf"].clone(), q["comment_br"].clone()),
        (json!(true), json!(true))
    );
    let customer = sim.handle.dump()["customers"][0]["id"].clone();
    let (s, v) = sim
        .post(
            "/tickets",
            json!({"customer_id": customer, "subject": "Printer",
                   "comments_attributes": [{"subject": "Initial Issue", "body": "Jams\nevery page"}]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let tid = id_of(&v["ticket"]);
    assert_eq!(last_comment(&sim, tid)["body"], "Jams<br>\r\nevery page");
    // Another technician's comment from the web UI is stored by the same
    // server, so the quirks apply to /admin/mutate too.
    let (s, v) = sim
        .admin(
            Method::POST,
            "/mutate",
            Some(json!({"action": "add_comment", "ticket_id": tid, "body": "Called\nback"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(last_comment(&sim, tid)["body"], "Called<br>\r\nback");
    // Switched off live, bodies are byte-exact again.
    sim.handle.set_quirks(Quirks::default());
    let (_, v) = sim
        .post(
            &format!("/tickets/{tid}/comment"),
            json!({"subject": "s", "body": "x\ny"}),
        )
        .await;
    assert_eq!(v["comment"]["body"], "x\ny");
}

#[tokio::test]
async fn a_repeated_post_is_still_counted_as_a_duplicate_with_quirks_on() {
    let all = Quirks::from_names(Quirks::NAMES).expect("every quirk");
    let sim = start_with(SimConfig {
        quirks: all,
        ..SimConfig::default()
    })
    .await;
    let id = id_of(&sim.some_ticket());
    let body = json!({"subject": " Update ", "body": "  Fixed  it & tested\n\nAll <good>\n"});
    let mut stored = Vec::new();
    for _ in 0..2 {
        let (s, v) = sim
            .post(&format!("/tickets/{id}/comment"), body.clone())
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        stored.push(v["comment"]["body"].clone());
    }
    assert_eq!(stored[0], stored[1]);
    assert_ne!(stored[0], body["body"], "the body was rewritten");
    assert_eq!(
        sim.handle.counters()["duplicate_comments"][id.to_string()],
        1
    );
    // The counter judges what was stored: a retry that differs only in what
    // the server normalises away is the same visible duplicate.
    sim.handle.set_quirks(Quirks::realistic());
    let dump = sim.handle.dump();
    let other = dump["tickets"]
        .as_array()
        .into_iter()
        .flatten()
        .map(id_of)
        .find(|t| *t != id)
        .expect("a second ticket");
    for text in ["Done  for today\n", "Done for today"] {
        let (s, _) = sim
            .post(
                &format!("/tickets/{other}/comment"),
                json!({"subject": "u", "body": text}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
    }
    assert_eq!(
        sim.handle.counters()["duplicate_comments"][other.to_string()],
        1
    );
}

#[tokio::test]
async fn unknown_quirk_names_are_refused_by_the_admin_route() {
    let sim = start().await;
    let (s, v) = sim
        .admin(Method::PUT, "/quirks", Some(json!({"comment_bold": true})))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (_, q) = sim.admin(Method::GET, "/quirks", None).await;
    assert_eq!(q, json!(Quirks::default()));
}
