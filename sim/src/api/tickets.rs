//! /tickets, /tickets/{id}, its comments.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;

use super::answer::{respond, Answer};
use super::request::{paging, parse_id, q_id, q_text, q_time, read_body, Params};
use crate::app::App;
use crate::state::{CommentFilter, TicketFilter};

pub(crate) async fn list(State(app): State<Arc<App>>, Query(q): Query<Params>) -> Answer {
    let f = TicketFilter {
        status: q_text(&q, "status"),
        customer_id: q_id(&q, "customer_id")?,
        number: q_text(&q, "number"),
        query: q_text(&q, "query"),
        since_updated_at: q_time(&q, "since_updated_at")?,
        created_after: q_time(&q, "created_after")?,
        resolved_after: q_time(&q, "resolved_after")?,
        user_id: q_id(&q, "user_id")?,
    };
    let v = app.read().list_tickets(&f, paging(&q, 25));
    respond(Ok(v))
}

pub(crate) async fn show(State(app): State<Arc<App>>, Path(id): Path<String>) -> Answer {
    let id = parse_id(&id)?;
    let v = app.read().get_ticket(id);
    respond(v)
}

pub(crate) async fn create(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Answer {
    let body = read_body(&headers, &body)?;
    let v = app.write().create_ticket(&body);
    respond(v)
}

pub(crate) async fn update(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let body = read_body(&headers, &body)?;
    let id = parse_id(&id)?;
    let v = app.write().update_ticket(id, &body);
    respond(v)
}

pub(crate) async fn destroy(State(app): State<Arc<App>>, Path(id): Path<String>) -> Answer {
    let id = parse_id(&id)?;
    let v = app.write().delete_ticket(id);
    respond(v)
}

/// GET /tickets/{id}/comments: oldest first unless `sort_direction=desc`;
/// 10 per page by default, as the spec says.
pub(crate) async fn comments(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Query(q): Query<Params>,
) -> Answer {
    let id = parse_id(&id)?;
    let f = CommentFilter {
        descending: q_text(&q, "sort_direction").is_some_and(|d| d.eq_ignore_ascii_case("desc")),
        by_updated: q_text(&q, "sort_by").is_some_and(|s| s == "updated_at"),
        created_after: q_time(&q, "created_after")?,
        created_before: q_time(&q, "created_before")?,
        updated_after: q_time(&q, "updated_after")?,
        updated_before: q_time(&q, "updated_before")?,
    };
    let v = app.read().list_comments(id, &f, paging(&q, 10));
    respond(v)
}

pub(crate) async fn comment(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let body = read_body(&headers, &body)?;
    let id = parse_id(&id)?;
    let v = app.write().add_comment(id, &body);
    respond(v)
}
