//! Reading a request as the service does: path ids, JSON bodies and
//! query parameters, with the service's leniency (junk paging is the
//! default) and its strictness (a body that is not JSON is a 400).

use std::collections::HashMap;

use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderMap;
use serde_json::Value;

use super::answer::Refusal;
use crate::errors::Reject;
use crate::params::{self, Body};
use crate::state::Paging;
use crate::values::Ts;

/// Query parameters, last value wins.
pub(crate) type Params = HashMap<String, String>;

/// Path ids: anything but a positive integer is a 404, like an unknown id.
pub(crate) fn parse_id(raw: &str) -> Result<u64, Refusal> {
    raw.parse::<u64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(Refusal::Data(Reject::NotFound))
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
