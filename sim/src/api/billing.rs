//! Billable time on tickets: line items (way A) and timers (way B).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use serde_json::Value;

use super::answer::{respond, Answer};
use super::request::{paging, parse_id, q_id, q_time, read_body, Params};
use crate::app::App;
use crate::errors::Reject;
use crate::params::Body;
use crate::state::{State as Data, TimerFilter};

/// The shape all ticket sub-resource writes share: body, ticket id, one
/// state call.
fn ticket_write(
    app: &App,
    id: &str,
    headers: &HeaderMap,
    bytes: &[u8],
    f: impl FnOnce(&mut Data, u64, &Body) -> Result<Value, Reject>,
) -> Answer {
    let body = read_body(headers, bytes)?;
    let id = parse_id(id)?;
    let v = f(&mut app.write(), id, &body);
    respond(v)
}

pub(crate) async fn add_line_item(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    ticket_write(&app, &id, &headers, &body, Data::add_line_item)
}

pub(crate) async fn remove_line_item(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    ticket_write(&app, &id, &headers, &body, Data::remove_line_item)
}

pub(crate) async fn update_line_item(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    ticket_write(&app, &id, &headers, &body, Data::update_line_item)
}

pub(crate) async fn timer_entry(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    ticket_write(&app, &id, &headers, &body, Data::add_timer)
}

pub(crate) async fn charge_timer_entry(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    ticket_write(&app, &id, &headers, &body, Data::charge_timer)
}

pub(crate) async fn delete_timer_entry(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    ticket_write(&app, &id, &headers, &body, Data::delete_timer)
}

pub(crate) async fn update_timer_entry(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    ticket_write(&app, &id, &headers, &body, Data::update_timer)
}

pub(crate) async fn list_timers(State(app): State<Arc<App>>, Query(q): Query<Params>) -> Answer {
    let f = TimerFilter {
        ticket_id: q_id(&q, "ticket_id")?,
        created_at_lt: q_time(&q, "created_at_lt")?,
        created_at_gt: q_time(&q, "created_at_gt")?,
    };
    let v = app.read().list_timers(&f, paging(&q, 25));
    respond(Ok(v))
}
