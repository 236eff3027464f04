//! The /api/v1 endpoints, by resource. Handlers only translate HTTP to
//! `State` calls and back; the behaviour (traps included) lives in `state`.

mod billing;
mod customers;
mod invoices;
mod misc;
mod tickets;

use std::collections::HashMap;
use std::sync::Arc;

use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::app::App;
use crate::errors::{Problem, Reject};
use crate::params::{self, Body};
use crate::state::Paging;
use crate::values::Ts;

/// What handlers return; `?` turns any refusal into its answer.
pub(crate) type Answer = Result<Response, Refusal>;

/// Why a request was refused. Kept small (not a whole `Response`) so it
/// travels cheaply through `?`.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// 404 / 422 from the data, with the endpoint's own body.
    Data(Reject),
    /// 400 with an HTML page: no JSON content type, or not JSON at all.
    BadBody(String),
    /// 422 for a query parameter that cannot be read.
    BadParam(String),
    /// An /admin error: status and message.
    Admin(StatusCode, String),
}

impl From<Reject> for Refusal {
    fn from(r: Reject) -> Self {
        Refusal::Data(r)
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Data(r) => r.into_response(),
            Refusal::BadBody(detail) => bad_request_page(&detail),
            Refusal::BadParam(key) => {
                Reject::messages(vec![Problem::field(&key, &key, "is invalid")]).into_response()
            }
            Refusal::Admin(status, message) => {
                (status, Json(json!({"error": message}))).into_response()
            }
        }
    }
}

/// Query parameters, last value wins.
pub(crate) type Params = HashMap<String, String>;

pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/v1/tickets", get(tickets::list).post(tickets::create))
        .route(
            "/api/v1/tickets/{id}",
            get(tickets::show)
                .put(tickets::update)
                .delete(tickets::destroy),
        )
        .route("/api/v1/tickets/{id}/comments", get(tickets::comments))
        .route("/api/v1/tickets/{id}/comment", post(tickets::comment))
        .route(
            "/api/v1/tickets/{id}/add_line_item",
            post(billing::add_line_item),
        )
        .route(
            "/api/v1/tickets/{id}/remove_line_item",
            post(billing::remove_line_item),
        )
        .route(
            "/api/v1/tickets/{id}/update_line_item",
            put(billing::update_line_item),
        )
        .route(
            "/api/v1/tickets/{id}/timer_entry",
            post(billing::timer_entry),
        )
        .route(
            "/api/v1/tickets/{id}/charge_timer_entry",
            post(billing::charge_timer_entry),
        )
        .route(
            "/api/v1/tickets/{id}/delete_timer_entry",
            post(billing::delete_timer_entry),
        )
        .route(
            "/api/v1/tickets/{id}/update_timer_entry",
            put(billing::update_timer_entry),
        )
        .route("/api/v1/ticket_timers", get(billing::list_timers))
        .route(
            "/api/v1/customers",
            get(customers::list).post(customers::create),
        )
        .route("/api/v1/customers/{id}", get(customers::show))
        .route(
            "/api/v1/invoices",
            get(invoices::list).post(invoices::create),
        )
        .route(
            "/api/v1/invoices/{id}",
            get(invoices::show).delete(invoices::destroy),
        )
        .route("/api/v1/products", get(misc::products))
        .route("/api/v1/products/{id}", get(misc::product))
        .route("/api/v1/me", get(misc::me))
}

/// Rides along an error answer of an endpoint (as a response extension)
/// so the gate can re-render it in the endpoint's fixed format when
/// `Shape::error_shapes` is on.
#[derive(Clone, Debug)]
pub(crate) struct Problems(pub Vec<Problem>);

impl IntoResponse for Reject {
    fn into_response(self) -> Response {
        let (mut resp, problems) = match self {
            Reject::NotFound => (not_found(), vec![Problem::base("Not found")]),
            Reject::Invalid(i) => (
                (StatusCode::UNPROCESSABLE_ENTITY, Json(i.body)).into_response(),
                i.problems,
            ),
        };
        resp.extensions_mut().insert(Problems(problems));
        resp
    }
}

pub(crate) fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Json(json!({"message": "Not found"}))).into_response()
}

pub(crate) fn ok(v: Value) -> Response {
    Json(v).into_response()
}

pub(crate) fn respond(r: Result<Value, Reject>) -> Answer {
    r.map(ok).map_err(Refusal::Data)
}

/// Path ids: anything but a positive integer is a 404, like an unknown id.
pub(crate) fn parse_id(raw: &str) -> Result<u64, Refusal> {
    raw.parse::<u64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(Refusal::Data(Reject::NotFound))
}

fn bad_request_page(detail: &str) -> Response {
    let detail = detail
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let page = format!(
        "<!DOCTYPE html>\n<html>\n<head><title>Bad Request (400)</title></head>\n<body>\n<h1>Bad Request</h1>\n<p>The request could not be understood by the server. {detail}</p>\n</body>\n</html>\n"
    );
    (
        StatusCode::BAD_REQUEST,
        [(CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response()
}

/// Reads a request body the way the service does: an empty body is no
/// fields; a body without `Content-Type: application/json` (or one that is
/// not JSON) is a 400 HTML page; a JSON non-object is no fields.
pub(crate) fn read_body(headers: &HeaderMap, bytes: &[u8]) -> Result<Body, Refusal> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Body::new());
    }
    let is_json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(Refusal::BadBody(
            "Send JSON bodies with Content-Type: application/json.".into(),
        ));
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Ok(Body::new()),
        Err(e) => Err(Refusal::BadBody(format!("Invalid JSON: {e}"))),
    }
}

pub(crate) fn q_text(q: &Params, key: &str) -> Option<String> {
    q.get(key)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

pub(crate) fn q_id(q: &Params, key: &str) -> Result<Option<u64>, Refusal> {
    match q_text(q, key) {
        None => Ok(None),
        Some(s) => s
            .parse::<u64>()
            .map(Some)
            .map_err(|_| Refusal::BadParam(key.into())),
    }
}

pub(crate) fn q_time(q: &Params, key: &str) -> Result<Option<Ts>, Refusal> {
    match q_text(q, key) {
        None => Ok(None),
        Some(s) => params::parse_time(&s)
            .map(Some)
            .ok_or_else(|| Refusal::BadParam(key.into())),
    }
}

pub(crate) fn q_bool(q: &Params, key: &str) -> bool {
    q_text(q, key)
        .and_then(|s| params::parse_bool(&s))
        .unwrap_or(false)
}

/// `page` (1-based) and `per_page` (capped at 100); junk means the default,
/// as Rails' `to_i` would.
pub(crate) fn paging(q: &Params, default_per_page: usize) -> Paging {
    let num = |k: &str| {
        q.get(k)
            .and_then(|s| s.trim().parse::<usize>().ok())
            .filter(|n| *n > 0)
    };
    Paging {
        page: num("page").unwrap_or(1),
        per_page: num("per_page").unwrap_or(default_per_page).min(100),
    }
}
