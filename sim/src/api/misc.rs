//! /products and /me.

use std::sync::Arc;

use axum::extract::{Path, Query, State};

use super::answer::{respond, Answer};
use super::request::{paging, parse_id, q_text, Params};
use crate::app::App;

pub(crate) async fn products(State(app): State<Arc<App>>, Query(q): Query<Params>) -> Answer {
    let query = q_text(&q, "query").or_else(|| q_text(&q, "name"));
    let v = app.read().list_products(query.as_deref(), paging(&q, 25));
    respond(Ok(v))
}

pub(crate) async fn product(State(app): State<Arc<App>>, Path(id): Path<String>) -> Answer {
    let id = parse_id(&id)?;
    let v = app.read().get_product(id);
    respond(v)
}

pub(crate) async fn me(State(app): State<Arc<App>>) -> Answer {
    let v = app.read().me();
    respond(Ok(v))
}
