//! Shape options: the same data answered the way the live service shapes
//! it (local offsets, fixed page sizes, lean meta, string decimals, mixed
//! error formats, ...), each option's effect seen on the wire. That all of
//! them off changes nothing is `golden.rs`.

use chrono::{DateTime, Duration, Utc};
use reqwest::header::RETRY_AFTER;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use syncro_sim::{FaultKind, QueuedFault, Shape, SimConfig};

use crate::support::{id_of, is_api_timestamp, start, start_with, Sim};

fn shaped(f: impl FnOnce(&mut Shape)) -> Shape {
    let mut s = Shape::default();
    f(&mut s);
    s
}

async fn put_shape(sim: &Sim, s: Shape) {
    let (status, v) = sim.admin(Method::PUT, "/shape", Some(json!(s))).await;
    assert_eq!(status, StatusCode::OK, "{v}");
}

fn parse(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.to_utc())
}

/// Every string in `v` that is an RFC 3339 datetime, with its JSON path.
fn timestamps(v: &Value, path: String, out: &mut Vec<(String, String)>) {
    match v {
        Value::String(s) if s.len() >= 20 && s.as_bytes()[10] == b'T' && parse(s).is_some() => {
            out.push((path, s.clone()))
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                timestamps(x, format!("{path}/{i}"), out);
            }
        }
        Value::Object(m) => {
            for (k, x) in m {
                timestamps(x, format!("{path}/{k}"), out);
            }
        }
        _ => {}
    }
}

fn all_timestamps(v: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    timestamps(v, String::new(), &mut out);
    out
}

/// "2025-04-11T10:00:53.119-05:00": millis and the US Eastern offset.
fn is_eastern(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 29 && b[19] == b'.' && s.ends_with("-05:00") && parse(s).is_some()
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A ticket with line items and timers, and an invoice with line items.
fn rich(sim: &Sim) -> (u64, u64) {
    let dump = sim.handle.dump();
    let t = dump["tickets"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|t| {
            t["line_items"].as_array().is_some_and(|l| !l.is_empty())
                && t["ticket_timers"].as_array().is_some_and(|l| !l.is_empty())
        })
        .map(id_of)
        .expect("a ticket with lines and timers");
    let i = dump["invoices"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| i["line_items"].as_array().is_some_and(|l| !l.is_empty()))
        .map(id_of)
        .expect("an invoice with lines");
    (t, i)
}

fn ids(v: &Value, key: &str) -> Vec<u64> {
    v[key].as_array().into_iter().flatten().map(id_of).collect()
}

#[tokio::test]
async fn utc_offset_renders_every_timestamp_locally_with_millis_same_instants() {
    let sim = start().await;
    let (ticket, invoice) = rich(&sim);
    let paths = [
        format!("/tickets/{ticket}"),
        format!("/tickets/{ticket}/comments"),
        format!("/ticket_timers?ticket_id={ticket}"),
        "/tickets?per_page=5".to_string(),
        format!("/invoices/{invoice}"),
        "/invoices?per_page=5".to_string(),
        "/customers?per_page=5".to_string(),
    ];
    let mut before = Vec::new();
    for p in &paths {
        before.push(sim.get(p).await.1);
    }
    put_shape(&sim, shaped(|s| s.utc_offset_minutes = Some(-300))).await;
    for (p, old) in paths.iter().zip(&before) {
        let (_, new) = sim.get(p).await;
        let (old_ts, new_ts) = (all_timestamps(old), all_timestamps(&new));
        assert!(!old_ts.is_empty(), "{p}");
        assert_eq!(old_ts.len(), new_ts.len(), "{p}: the same fields");
        for ((path, o), (npath, n)) in old_ts.iter().zip(&new_ts) {
            assert_eq!(path, npath);
            assert!(o.ends_with('Z'), "{p}{path}: {o}");
            assert!(is_eastern(n), "{p}{path}: {n}");
            let local_midnight = p.starts_with("/invoices")
                && (path.ends_with("/date") || path.ends_with("/due_date"));
            if local_midnight {
                // The invoice's day (generated as a calendar date), as
                // local midnight.
                assert_eq!(n.get(..10), o.get(..10), "{p}{path}: same day");
                assert!(n.ends_with("T00:00:00.000-05:00"), "{p}{path}: {n}");
            } else {
                assert_eq!(parse(o), parse(n), "{p}{path}: same instant");
            }
        }
    }
    // What a write answers is local too, ticket and comment alike.
    let (_, v) = sim
        .post(
            &format!("/tickets/{ticket}/comment"),
            json!({"subject": "Update", "body": "Called back"}),
        )
        .await;
    assert!(is_eastern(
        v["comment"]["created_at"].as_str().unwrap_or("")
    ));
    // The dump renders as the API does, so the two still agree.
    let (_, api) = sim.get(&format!("/tickets/{ticket}")).await;
    assert_eq!(api["ticket"], sim.ticket_in_dump(ticket));
}

#[tokio::test]
async fn since_updated_at_accepts_any_offset_whatever_the_answers_use() {
    let sim = start_with(SimConfig {
        shape: shaped(|s| s.utc_offset_minutes = Some(-300)),
        ..SimConfig::default()
    })
    .await;
    let (_, all) = sim.get("/tickets?per_page=100").await;
    let local = all["tickets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["updated_at"].as_str())
        .max_by_key(|s| parse(s))
        .expect("tickets")
        .to_string();
    assert!(is_eastern(&local), "{local}");
    let instant = parse(&local).expect("a timestamp");
    let target = id_of(&all["tickets"][7]);
    let (s, _) = sim
        .post(
            &format!("/tickets/{target}/comment"),
            json!({"subject": "Update", "body": "Rebooted"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    for cursor in [
        local.clone(),
        instant.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        instant
            .with_timezone(&chrono::FixedOffset::east_opt(2 * 3600).expect("+02:00"))
            .to_rfc3339(),
    ] {
        let (s, v) = sim
            .get(&format!(
                "/tickets?per_page=100&since_updated_at={}",
                urlencode(&cursor)
            ))
            .await;
        assert_eq!(s, StatusCode::OK, "{cursor}");
        assert_eq!(ids(&v, "tickets"), vec![target], "{cursor}");
    }
}

#[tokio::test]
async fn fixed_page_sizes_ignore_per_page_but_comments_honour_it() {
    let sim = start().await;
    put_shape(
        &sim,
        shaped(|s| {
            s.ticket_page_size = Some(50);
            s.invoice_page_size = Some(4);
        }),
    )
    .await;
    let (_, p1) = sim.get("/tickets?per_page=100").await;
    assert_eq!(p1["tickets"].as_array().map(Vec::len), Some(50));
    assert_eq!(p1["meta"]["per_page"], 50);
    assert_eq!(p1["meta"]["total_pages"], 2);
    let (_, p2) = sim.get("/tickets?per_page=10&page=2").await;
    assert_eq!(p2["tickets"].as_array().map(Vec::len), Some(10));
    let mut seen = ids(&p1, "tickets");
    seen.extend(ids(&p2, "tickets"));
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), 60, "two pages of 50 walk all 60");

    let (_, inv) = sim.get("/invoices?per_page=100").await;
    assert_eq!(inv["invoices"].as_array().map(Vec::len), Some(4));
    assert_eq!(inv["meta"]["total_pages"], 3);

    let id = id_of(&sim.some_ticket());
    for n in [1_usize, 2] {
        let (_, c) = sim
            .get(&format!("/tickets/{id}/comments?per_page={n}"))
            .await;
        assert_eq!(c["comments"].as_array().map(Vec::len), Some(n));
    }
    // Customers are not affected either.
    let (_, c) = sim.get("/customers?per_page=3").await;
    assert_eq!(c["customers"].as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn lean_meta_on_tickets_and_invoices_full_meta_elsewhere() {
    let sim = start().await;
    put_shape(&sim, shaped(|s| s.lean_meta = true)).await;
    let id = id_of(&sim.some_ticket());
    for p in ["/tickets?page=2", "/invoices"] {
        let (_, v) = sim.get(p).await;
        let page = if p.contains("page=2") { 2 } else { 1 };
        assert_eq!(
            v["meta"],
            json!({"total_pages": v["meta"]["total_pages"], "page": page}),
            "{p}"
        );
        assert!(v["meta"]["total_pages"].as_u64() >= Some(1));
    }
    for p in [
        "/customers".to_string(),
        format!("/tickets/{id}/comments"),
        "/products".to_string(),
        "/ticket_timers".to_string(),
    ] {
        let (_, v) = sim.get(&p).await;
        let keys: Vec<&String> = v["meta"]
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        assert_eq!(
            keys,
            ["page", "per_page", "total_entries", "total_pages"],
            "{p}"
        );
    }
}

#[tokio::test]
async fn string_decimals_on_ticket_line_items_products_keep_numbers() {
    let sim = start().await;
    let id = id_of(&sim.some_ticket());
    let line = json!({"name": "Labor - Remote", "description": "work", "quantity": 0.5,
                      "price_retail": 125, "product_id": 9001});
    let (_, plain) = sim
        .post(&format!("/tickets/{id}/add_line_item"), line.clone())
        .await;
    assert_eq!(plain["price_retail"], json!(125.0));
    put_shape(&sim, shaped(|s| s.string_decimals = true)).await;
    let (s, v) = sim
        .post(&format!("/tickets/{id}/add_line_item"), line)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["price_retail"], "125.0");
    assert_eq!(v["price_cost"], "0.0");
    assert_eq!(v["quantity"], "0.5");
    assert_eq!(v["retail_cents"], 12_500);
    let (_, t) = sim.get(&format!("/tickets/{id}")).await;
    let lines = t["ticket"]["line_items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(!lines.is_empty());
    assert!(lines
        .iter()
        .all(|l| l["price_retail"].is_string() && l["quantity"].is_string()));
    assert!(t["ticket"]["number"].is_u64(), "ticket number an integer");
    // The same field name stays a number on products.
    let (_, p) = sim.get("/products?per_page=100").await;
    let remote = p["products"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["id"] == 9001)
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(remote["price_retail"], json!(125.0));
    // Invoices were strings all along; the number is a string.
    let (_, inv) = sim.get("/invoices?per_page=1").await;
    assert!(inv["invoices"][0]["subtotal"].is_string() && inv["invoices"][0]["number"].is_string());
}

#[tokio::test]
async fn error_shapes_answer_each_endpoint_in_its_fixed_format() {
    let sim = start().await;
    let id = id_of(&sim.some_ticket());
    let customer = sim.handle.dump()["customers"][0]["id"].clone();
    let cases: Vec<(Method, String, Option<Value>, StatusCode, Value)> = vec![
        (
            Method::POST,
            format!("/tickets/{id}/comment"),
            Some(json!({"comment": {"subject": "s", "body": "b"}})),
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"success": false, "message": ["Body can't be blank", "Subject can't be blank"]}),
        ),
        (
            Method::GET,
            "/tickets/999999/comments".into(),
            None,
            StatusCode::NOT_FOUND,
            json!({"success": false, "message": ["Not found"]}),
        ),
        (
            Method::POST,
            "/tickets".into(),
            Some(json!({"subject": "x"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"errors": {"customer": ["required field"]}}),
        ),
        (
            Method::POST,
            "/tickets".into(),
            Some(json!({"customer_id": customer})),
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"errors": {"subject": ["can't be blank"]}}),
        ),
        (
            Method::PUT,
            format!("/tickets/{id}"),
            Some(json!({"status": "Done"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"errors": {"status": ["is not included in the list"]}}),
        ),
        (
            Method::GET,
            "/tickets/999999".into(),
            None,
            StatusCode::NOT_FOUND,
            json!({"errors": {"base": ["Not found"]}}),
        ),
        (
            Method::GET,
            "/tickets?since_updated_at=yesterday".into(),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"errors": {"since_updated_at": ["is invalid"]}}),
        ),
        (
            Method::POST,
            format!("/tickets/{id}/add_line_item"),
            Some(json!({"quantity": 1})),
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"errors": ["Name can't be blank", "Description can't be blank"]}),
        ),
        (
            Method::POST,
            format!("/tickets/{id}/timer_entry"),
            Some(json!({"notes": "no start"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"error": "no implicit conversion of nil into String"}),
        ),
        (
            Method::POST,
            "/customers".into(),
            Some(json!({"firstname": "Bo", "email": "not an email"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"success": false, "message": ["Email is not an email"]}),
        ),
        (
            Method::POST,
            "/invoices".into(),
            Some(json!({"ticket_id": 999999})),
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"error": "Ticket must exist"}),
        ),
        (
            Method::GET,
            "/invoices/999999".into(),
            None,
            StatusCode::NOT_FOUND,
            json!({"error": "Not found"}),
        ),
        // Not an endpoint: the router's own 404 keeps its body.
        (
            Method::GET,
            "/no_such_endpoint".into(),
            None,
            StatusCode::NOT_FOUND,
            json!({"message": "Not found"}),
        ),
    ];
    let mut legacy = Vec::new();
    for (m, p, b, _, _) in &cases {
        legacy.push(sim.call(m.clone(), p, b.clone()).await);
    }
    put_shape(&sim, shaped(|s| s.error_shapes = true)).await;
    for ((m, p, b, status, want), old) in cases.iter().zip(&legacy) {
        let (s, v) = sim.call(m.clone(), p, b.clone()).await;
        assert_eq!((s, &v), (*status, want), "{m} {p}");
        assert_eq!(old.0, *status, "{m} {p}: same status with it off");
    }
    // /admin is not the service: its errors keep their format.
    let (s, v) = sim
        .admin(
            Method::POST,
            "/mutate",
            Some(json!({"action": "add_comment", "ticket_id": 999999, "body": "x"})),
        )
        .await;
    assert_eq!(
        (s, v),
        (StatusCode::NOT_FOUND, json!({"message": "Not found"}))
    );
}

#[tokio::test]
async fn no_retry_after_drops_the_header_from_every_429() {
    let sim = start_with(SimConfig {
        rate_limit_per_minute: 1,
        shape: shaped(|s| s.no_retry_after = true),
        ..SimConfig::default()
    })
    .await;
    let retry_after = |r: &reqwest::Response| r.headers().get(RETRY_AFTER).cloned();
    let first = sim.request(Method::GET, "/me").send().await.expect("sent");
    assert_eq!(first.status(), StatusCode::OK);
    let limited = sim.request(Method::GET, "/me").send().await.expect("sent");
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(retry_after(&limited), None);
    // An injected 429 too.
    sim.handle.set_rate_limit(0);
    let fault = QueuedFault::new(FaultKind::TooManyRequests);
    sim.handle.queue_faults(vec![fault.clone()]);
    let injected = sim.request(Method::GET, "/me").send().await.expect("sent");
    assert_eq!(injected.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(retry_after(&injected), None);
    // Off again: the header is back.
    sim.handle.set_shape(Shape::default()).expect("valid shape");
    sim.handle.queue_faults(vec![fault]);
    let injected = sim.request(Method::GET, "/me").send().await.expect("sent");
    assert_eq!(injected.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after(&injected).is_some());
}

#[tokio::test]
async fn since_inclusive_answers_the_record_at_the_cursor_again() {
    let sim = start().await;
    for list in ["tickets", "invoices"] {
        let (_, all) = sim.get(&format!("/{list}?per_page=100")).await;
        let newest = all[list]
            .as_array()
            .into_iter()
            .flatten()
            .max_by_key(|x| x["updated_at"].as_str().map(str::to_string))
            .cloned()
            .expect("records");
        let cursor = newest["updated_at"].as_str().unwrap_or("").to_string();
        let path = format!("/{list}?per_page=100&since_updated_at={cursor}");
        sim.handle.set_shape(Shape::default()).expect("valid shape");
        let (_, strict) = sim.get(&path).await;
        assert_eq!(strict["meta"]["total_entries"], 0, "{list}: > by default");
        sim.handle
            .set_shape(shaped(|s| s.since_inclusive = true))
            .expect("valid shape");
        let (_, incl) = sim.get(&path).await;
        assert_eq!(ids(&incl, list), vec![id_of(&newest)], "{list}: >=");
    }
}

#[tokio::test]
async fn comments_leave_the_ticket_alone_when_comment_bumps_ticket_is_off() {
    let sim = start_with(SimConfig {
        shape: shaped(|s| s.comment_bumps_ticket = false),
        ..SimConfig::default()
    })
    .await;
    let (_, all) = sim.get("/tickets?per_page=100").await;
    let cursor = all["tickets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["updated_at"].as_str())
        .max()
        .expect("tickets")
        .to_string();
    let (a, b) = (id_of(&all["tickets"][3]), id_of(&all["tickets"][9]));
    let before = sim.ticket_in_dump(a)["updated_at"].clone();
    let (s, v) = sim
        .post(
            &format!("/tickets/{a}/comment"),
            json!({"subject": "Update", "body": "From the API"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, _) = sim
        .admin(
            Method::POST,
            "/mutate",
            Some(json!({"action": "add_comment", "ticket_id": b, "body": "From the web UI"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, since) = sim
        .get(&format!("/tickets?since_updated_at={cursor}"))
        .await;
    assert_eq!(since["meta"]["total_entries"], 0, "no ticket looks changed");
    assert_eq!(sim.ticket_in_dump(a)["updated_at"], before);
    // The comments are there for whoever reads the threads.
    for (id, body) in [(a, "From the API"), (b, "From the web UI")] {
        let (_, c) = sim
            .get(&format!("/tickets/{id}/comments?created_after={cursor}"))
            .await;
        assert_eq!(c["comments"][0]["body"], body);
    }
    // Switched back on, a comment bumps its ticket again.
    sim.handle.set_shape(Shape::default()).expect("valid shape");
    let (_, _) = sim
        .post(
            &format!("/tickets/{a}/comment"),
            json!({"subject": "Update", "body": "Again"}),
        )
        .await;
    let (_, since) = sim
        .get(&format!("/tickets?since_updated_at={cursor}"))
        .await;
    assert_eq!(ids(&since, "tickets"), vec![a]);
}

#[tokio::test]
async fn ignore_customer_sort_answers_in_id_order() {
    let sim = start().await;
    let path = "/customers?per_page=100&include_disabled=true&sort=updated_at%20DESC";
    let (_, sorted) = sim.get(path).await;
    let by_sort = ids(&sorted, "customers");
    let mut by_id = by_sort.clone();
    by_id.sort_unstable();
    assert_ne!(
        by_sort, by_id,
        "the data set's update order is not its id order"
    );
    put_shape(&sim, shaped(|s| s.ignore_customer_sort = true)).await;
    for p in [path, "/customers?per_page=100&include_disabled=true"] {
        let (_, v) = sim.get(p).await;
        assert_eq!(ids(&v, "customers"), by_id, "{p}");
    }
}

fn newest_update(sim: &Sim) -> DateTime<Utc> {
    sim.handle.dump()["tickets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["updated_at"].as_str().and_then(parse))
        .max()
        .expect("tickets")
}

#[tokio::test]
async fn clock_skew_puts_every_stamp_ahead_of_the_client_and_never_back() {
    let client_before = Utc::now();
    let plain = start().await;
    let sim = start_with(SimConfig {
        shape: shaped(|s| s.clock_skew_secs = 3600),
        ..SimConfig::default()
    })
    .await;
    // The same seed generates the same history, an hour later.
    let moved = newest_update(&sim) - newest_update(&plain);
    assert!(
        (Duration::seconds(3600)..Duration::seconds(3610)).contains(&moved),
        "{moved}"
    );
    let id = id_of(&sim.some_ticket());
    let (_, v) = sim
        .post(
            &format!("/tickets/{id}/comment"),
            json!({"subject": "Update", "body": "Skewed"}),
        )
        .await;
    let stamped = v["comment"]["created_at"]
        .as_str()
        .and_then(parse)
        .expect("a stamp");
    assert!(is_api_timestamp(&v["comment"]["created_at"]));
    assert!(
        stamped >= client_before + Duration::seconds(3600),
        "{stamped}"
    );
    assert!(stamped <= Utc::now() + Duration::seconds(3600));
    // Putting the clock right never makes a stamp go backwards.
    sim.handle.set_shape(Shape::default()).expect("valid shape");
    let (_, v) = sim
        .post(
            &format!("/tickets/{id}/comment"),
            json!({"subject": "Update", "body": "After"}),
        )
        .await;
    let later = v["comment"]["created_at"]
        .as_str()
        .and_then(parse)
        .expect("a stamp");
    assert!(later > stamped);
}

#[tokio::test]
async fn admin_shape_round_trips_replaces_and_refuses_bad_values() {
    let sim = start().await;
    let (s, v) = sim.admin(Method::GET, "/shape", None).await;
    assert_eq!((s, &v), (StatusCode::OK, &json!(Shape::default())));
    assert_eq!(v["comment_bumps_ticket"], true);
    assert_eq!(v["utc_offset_minutes"], Value::Null);

    let (s, v) = sim
        .admin(Method::PUT, "/shape", Some(json!(Shape::realistic())))
        .await;
    assert_eq!((s, v), (StatusCode::OK, json!(Shape::realistic())));
    assert_eq!(sim.handle.shape(), Shape::realistic());

    // PUT replaces: what is left out takes its default.
    let (s, v) = sim
        .admin(Method::PUT, "/shape", Some(json!({"lean_meta": true})))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v, json!(shaped(|s| s.lean_meta = true)));

    let (s, _) = sim
        .admin(Method::PUT, "/shape", Some(json!({"lean": true})))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, v) = sim
        .admin(
            Method::PUT,
            "/shape",
            Some(json!({"utc_offset_minutes": -18000})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["error"].as_str().is_some_and(|e| e.contains("minutes")));
    assert!(sim
        .handle
        .set_shape(shaped(|s| s.ticket_page_size = Some(0)))
        .is_err());
    assert_eq!(sim.handle.shape(), shaped(|s| s.lean_meta = true), "kept");
    assert!(syncro_sim::spawn(SimConfig {
        shape: shaped(|s| s.utc_offset_minutes = Some(24 * 60)),
        ..SimConfig::default()
    })
    .await
    .is_err());
}

#[tokio::test]
async fn realistic_shape_on_the_wire() {
    let sim = start_with(SimConfig {
        shape: Shape::realistic(),
        ..SimConfig::default()
    })
    .await;
    let (_, v) = sim.get("/tickets?per_page=100").await;
    assert_eq!(v["tickets"].as_array().map(Vec::len), Some(50));
    assert_eq!(v["meta"], json!({"total_pages": 2, "page": 1}));
    assert!(is_eastern(
        v["tickets"][0]["updated_at"].as_str().unwrap_or("")
    ));
    let (_, c) = sim.get("/customers?per_page=3").await;
    assert_eq!(c["meta"]["per_page"], 3);
    let (s, e) = sim.post("/tickets", json!({"subject": "x"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e, json!({"errors": {"customer": ["required field"]}}));
}
