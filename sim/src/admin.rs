//! /admin: how tests look inside and steer the simulator. Never faulted,
//! never rate limited, no key: it is not part of the simulated service.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::api::{ok, Answer, Refusal};
use crate::app::App;
use crate::errors::Reject;
use crate::faults::{FaultConfig, QueuedFault};
use crate::params;
use crate::state::State as Data;

pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/admin/state", get(state))
        .route("/admin/faults", get(get_faults).put(put_faults))
        .route(
            "/admin/faults/queue",
            get(get_queue).post(post_queue).delete(clear_queue),
        )
        .route("/admin/rate_limit", get(get_rate_limit).put(put_rate_limit))
        .route("/admin/quirks", get(get_quirks).put(put_quirks))
        .route("/admin/shape", get(get_shape).put(put_shape))
        .route("/admin/mutate", post(mutate))
        .route("/admin/log", get(log))
        .route("/admin/counters", get(counters))
        .route("/admin/counters/reset", post(reset_counters))
}

fn error(status: StatusCode, message: impl Into<String>) -> Refusal {
    Refusal::Admin(status, message.into())
}

/// Admin bodies: JSON whatever the content type; bad JSON is a 400.
fn parse<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Refusal> {
    serde_json::from_slice(bytes)
        .map_err(|e| error(StatusCode::BAD_REQUEST, format!("invalid JSON body: {e}")))
}

async fn state(State(app): State<Arc<App>>) -> Json<Value> {
    Json(app.read().dump())
}

async fn get_faults(State(app): State<Arc<App>>) -> Json<FaultConfig> {
    Json(app.faults().config().clone())
}

/// Replaces the whole config (fields left out take their defaults) and
/// restarts the random sequence from its seed.
async fn put_faults(State(app): State<Arc<App>>, body: Bytes) -> Answer {
    let cfg: FaultConfig = parse(&body)?;
    if !(0.0..=1.0).contains(&cfg.rate) {
        return Err(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "rate must be between 0 and 1",
        ));
    }
    app.faults().set_config(cfg.clone());
    Ok(ok(json!(cfg)))
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    Many(Vec<QueuedFault>),
    One(QueuedFault),
}

async fn get_queue(State(app): State<Arc<App>>) -> Json<Value> {
    Json(json!({"queue": app.faults().queued()}))
}

/// Appends one queued fault or an array of them; an entry that cannot be
/// used (`times: 0`, `times` with `persistent`) is a 422 and nothing is
/// queued.
async fn post_queue(State(app): State<Arc<App>>, body: Bytes) -> Answer {
    let items = match parse::<OneOrMany>(&body)? {
        OneOrMany::Many(v) => v,
        OneOrMany::One(q) => vec![q],
    };
    for (i, q) in items.iter().enumerate() {
        q.validate().map_err(|e| {
            error(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("queued fault {i}: {e}"),
            )
        })?;
    }
    let mut faults = app.faults();
    faults.enqueue(items);
    Ok(ok(json!({"queued": faults.queued().len()})))
}

async fn clear_queue(State(app): State<Arc<App>>) -> Json<Value> {
    app.faults().clear_queue();
    Json(json!({"queued": 0}))
}

async fn get_rate_limit(State(app): State<Arc<App>>) -> Json<Value> {
    Json(json!({"per_minute": app.limiter().per_minute()}))
}

#[derive(Deserialize)]
struct RateLimitBody {
    per_minute: u32,
}

async fn put_rate_limit(State(app): State<Arc<App>>, body: Bytes) -> Answer {
    let b: RateLimitBody = parse(&body)?;
    app.limiter().set_per_minute(b.per_minute);
    Ok(ok(json!({"per_minute": b.per_minute})))
}

async fn get_quirks(State(app): State<Arc<App>>) -> Json<Value> {
    Json(json!(app.read().quirks))
}

/// PUT /admin/quirks: switch deliberate misbehaviour on or off, e.g.
/// `{"ignore_price_retail": true, "comment_crlf": true}`. Replaces the whole
/// set: quirks left out are off.
async fn put_quirks(State(app): State<Arc<App>>, body: Bytes) -> Answer {
    let q: crate::quirks::Quirks = parse(&body)?;
    app.write().quirks = q;
    Ok(ok(json!(q)))
}

async fn get_shape(State(app): State<Arc<App>>) -> Json<Value> {
    Json(json!(app.read().shape))
}

/// PUT /admin/shape: how answers are shaped, e.g.
/// `{"utc_offset_minutes": -300, "lean_meta": true}`. Replaces the whole
/// shape: options left out take their defaults (today's rendering); unknown
/// names are a 400, values that cannot be served a 422.
async fn put_shape(State(app): State<Arc<App>>, body: Bytes) -> Answer {
    let s: crate::shape::Shape = parse(&body)?;
    s.validate()
        .map_err(|e| error(StatusCode::UNPROCESSABLE_ENTITY, e))?;
    app.write().shape = s;
    Ok(ok(json!(s)))
}

async fn log(State(app): State<Arc<App>>, Query(q): Query<HashMap<String, String>>) -> Json<Value> {
    let limit = q
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(usize::MAX);
    Json(json!({"entries": app.observer.entries(limit)}))
}

async fn counters(State(app): State<Arc<App>>) -> Json<Value> {
    Json(app.counters())
}

async fn reset_counters(State(app): State<Arc<App>>) -> Json<Value> {
    app.reset_counters();
    Json(app.counters())
}

fn need_id(m: &Map<String, Value>, key: &str) -> Result<u64, Refusal> {
    match params::id(m, key) {
        Ok(Some(id)) => Ok(id),
        _ => Err(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("`{key}` (a positive integer) is required"),
        )),
    }
}

/// The fields of an edit: `fields` if given, else the action's other keys.
fn fields(m: &Map<String, Value>) -> Map<String, Value> {
    match m.get("fields") {
        Some(Value::Object(f)) => f.clone(),
        _ => {
            let mut f = m.clone();
            f.remove("id");
            f
        }
    }
}

/// The technician a web-UI write is by: the optional `user_id`, which must
/// be one of the shop's users; absent (or null), the API key's user, as
/// before authors could be named.
fn author(data: &Data, m: &Map<String, Value>) -> Result<Option<u64>, Refusal> {
    let invalid = |what: String| error(StatusCode::UNPROCESSABLE_ENTITY, what);
    let Some(id) = params::id(m, "user_id")
        .map_err(|_| invalid("`user_id` must be a positive integer".into()))?
    else {
        return Ok(None);
    };
    if data.user(id).is_some() {
        return Ok(Some(id));
    }
    let known: Vec<String> = data.users.iter().map(|u| u.id.to_string()).collect();
    Err(invalid(format!(
        "`user_id` {id} is not a user; users are: {}",
        known.join(", ")
    )))
}

const ACTIONS: &str = "edit_ticket, add_comment, create_ticket, delete_ticket, add_timer, add_line_item, edit_customer, create_customer, delete_customer, create_invoice, delete_invoice, mark_invoice_paid, edit_product, create_product, delete_product";

/// POST /admin/mutate: a change another technician makes in the web UI,
/// e.g. `{"action": "add_comment", "ticket_id": 1000, "subject": "Call",
/// "body": "Spoke to Ann", "tech": "Marcus Lee", "hidden": false}`.
/// `add_comment`, `create_ticket` (its initial comments), `add_timer` and
/// `add_line_item` take an optional `user_id`: who wrote it (a comment
/// then carries that user's name as `tech` unless it names one), so a test
/// can make a colleague's look-alike of a write at the moment it chooses.
async fn mutate(State(app): State<Arc<App>>, body: Bytes) -> Answer {
    let mut m = match parse::<Value>(&body)? {
        Value::Object(m) => m,
        _ => {
            return Err(error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "expected a JSON object",
            ))
        }
    };
    let action = match m.remove("action") {
        Some(Value::String(a)) => a,
        _ => {
            return Err(error(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("`action` is required, one of: {ACTIONS}"),
            ))
        }
    };
    let mut data = app.write();
    let result: Result<Value, Reject> = match action.as_str() {
        "edit_ticket" => data.update_ticket(need_id(&m, "id")?, &fields(&m)),
        "add_comment" => {
            let id = need_id(&m, "ticket_id")?;
            let by = author(&data, &m)?;
            if !m.contains_key("subject") {
                m.insert("subject".into(), json!("Update"));
            }
            data.as_user(by, |d| d.add_comment(id, &m))
        }
        "create_ticket" => {
            // `user_id`: the ticket's technician, who also wrote its
            // initial comments.
            let by = author(&data, &m)?;
            // Convenience: a top-level `body` becomes the initial comment.
            if let (Some(text), false) = (
                m.get("body").cloned(),
                m.contains_key("comments_attributes"),
            ) {
                m.insert(
                    "comments_attributes".into(),
                    json!([{"subject": "Initial Issue", "body": text}]),
                );
            }
            data.as_user(by, |d| d.create_ticket(&m))
        }
        "delete_ticket" => data.delete_ticket(need_id(&m, "id")?),
        "add_timer" => {
            let id = need_id(&m, "ticket_id")?;
            let by = author(&data, &m)?;
            data.as_user(by, |d| d.add_timer(id, &m))
        }
        "add_line_item" => {
            let id = need_id(&m, "ticket_id")?;
            let by = author(&data, &m)?;
            data.as_user(by, |d| d.add_line_item(id, &m))
        }
        "edit_customer" => data.update_customer(need_id(&m, "id")?, &fields(&m)),
        "create_customer" => data.create_customer(&m),
        "delete_customer" => data.delete_customer(need_id(&m, "id")?),
        "create_invoice" => data
            .create_invoice(&m)
            .and_then(|id| data.invoice_by_id(id)),
        "delete_invoice" => data.delete_invoice(&need_id(&m, "id")?.to_string()),
        "mark_invoice_paid" => data.mark_invoice_paid(need_id(&m, "id")?),
        "edit_product" => data.update_product(need_id(&m, "id")?, &fields(&m)),
        "create_product" => data.create_product(&m),
        "delete_product" => data.delete_product(need_id(&m, "id")?),
        other => {
            return Err(error(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("unknown action {other:?}, expected one of: {ACTIONS}"),
            ))
        }
    };
    result.map(ok).map_err(Refusal::Data)
}
