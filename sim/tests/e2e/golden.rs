//! With every shape option off, the simulator answers byte for byte what it
//! answered before the options existed: a recorded transcript of a fixed
//! data set (seed and anchor) over a spread of endpoints, successes and
//! errors, compared as raw bytes.
//!
//! After an intentional change to the default rendering, re-record with
//!   SYNCRO_SIM_BLESS=1 cargo test -p syncro-sim --test e2e golden
//! and review the diff of `golden/default_shape.txt`.

use reqwest::Method;
use serde_json::{json, Value};
use syncro_sim::SimConfig;

use crate::support::{id_of, start_with, Sim};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/e2e/golden/default_shape.txt"
);

/// The fixed data set: the default config at a fixed instant.
pub fn fixed_config() -> SimConfig {
    SimConfig {
        anchor: chrono::DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z")
            .map(|t| t.to_utc())
            .ok(),
        ..SimConfig::default()
    }
}

/// The first ticket (by id) with line items and timers, and the first
/// invoice with line items: the richest shapes of the data set.
fn rich_ids(sim: &Sim) -> (u64, u64) {
    let dump = sim.handle.dump();
    let ticket = dump["tickets"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|t| {
            t["line_items"].as_array().is_some_and(|l| !l.is_empty())
                && t["ticket_timers"].as_array().is_some_and(|l| !l.is_empty())
        })
        .or_else(|| dump["tickets"].get(0))
        .map(id_of)
        .expect("generated tickets");
    let invoice = dump["invoices"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| i["line_items"].as_array().is_some_and(|l| !l.is_empty()))
        .map(id_of)
        .expect("an invoice with line items");
    (ticket, invoice)
}

/// The requests of the transcript; none of them changes anything.
pub fn requests(ticket: u64, invoice: u64) -> Vec<(Method, String, Option<Value>)> {
    let get = |p: String| (Method::GET, p, None);
    vec![
        get("/tickets?per_page=3".into()),
        get(format!("/tickets/{ticket}")),
        get(format!("/tickets/{ticket}/comments?per_page=2")),
        get(format!("/ticket_timers?ticket_id={ticket}")),
        get("/customers?per_page=2&sort=updated_at%20DESC".into()),
        get("/invoices?per_page=2".into()),
        get(format!("/invoices/{invoice}")),
        get("/products?per_page=2".into()),
        get("/me".into()),
        get("/tickets/999999".into()),
        get("/tickets?since_updated_at=yesterday".into()),
        (
            Method::POST,
            format!("/tickets/{ticket}/comment"),
            Some(json!({"comment": {"subject": "s", "body": "b"}})),
        ),
        (
            Method::POST,
            format!("/tickets/{ticket}/add_line_item"),
            Some(json!({"quantity": 1})),
        ),
        (
            Method::POST,
            format!("/tickets/{ticket}/timer_entry"),
            Some(json!({"notes": "no start"})),
        ),
        (
            Method::POST,
            "/tickets".into(),
            Some(json!({"subject": "x"})),
        ),
        (
            Method::POST,
            "/customers".into(),
            Some(json!({"firstname": "Bo", "email": "not an email"})),
        ),
        (
            Method::POST,
            "/invoices".into(),
            Some(json!({"ticket_id": 999999})),
        ),
    ]
}

/// "METHOD path -> status" and the raw body, one pair of lines per request.
pub async fn transcript(sim: &Sim) -> String {
    let (ticket, invoice) = rich_ids(sim);
    let mut out = String::new();
    for (method, path, body) in requests(ticket, invoice) {
        let mut req = sim.request(method.clone(), &path);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body reads");
        out.push_str(&format!("{method} {path} -> {status}\n{text}\n"));
    }
    out
}

#[tokio::test]
async fn with_every_shape_option_off_answers_are_byte_for_byte_as_recorded() {
    let sim = start_with(fixed_config()).await;
    let got = transcript(&sim).await;
    if std::env::var_os("SYNCRO_SIM_BLESS").is_some() {
        std::fs::write(FIXTURE, &got).expect("fixture written");
        return;
    }
    let want = std::fs::read_to_string(FIXTURE).expect("fixture present");
    for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
        assert_eq!(g, w, "line {} of {FIXTURE}", i + 1);
    }
    assert_eq!(got.lines().count(), want.lines().count());
}
