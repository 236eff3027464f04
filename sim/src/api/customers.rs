//! /customers: disabled customers are hidden from the list unless asked for.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;

use super::answer::{respond, Answer};
use super::request::{paging, parse_id, q_bool, q_text, read_body, Params};
use crate::app::App;
use crate::state::CustomerFilter;

pub(crate) async fn list(State(app): State<Arc<App>>, Query(q): Query<Params>) -> Answer {
    let f = CustomerFilter {
        query: q_text(&q, "query"),
        sort: q_text(&q, "sort"),
        include_disabled: q_bool(&q, "include_disabled"),
        email: q_text(&q, "email"),
    };
    let v = app.read().list_customers(&f, paging(&q, 25));
    respond(Ok(v))
}

pub(crate) async fn show(State(app): State<Arc<App>>, Path(id): Path<String>) -> Answer {
    let id = parse_id(&id)?;
    let v = app.read().get_customer(id);
    respond(v)
}

pub(crate) async fn create(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Answer {
    let body = read_body(&headers, &body)?;
    let v = app.write().create_customer(&body);
    respond(v)
}
