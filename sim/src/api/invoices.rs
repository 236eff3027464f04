//! /invoices: created from a ticket's line items; line items show only on
//! GET /invoices/{id}.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;

use super::answer::{respond, Answer};
use super::request::{paging, q_bool, q_id, q_time, read_body, Params};
use crate::app::App;
use crate::state::InvoiceFilter;

pub(crate) async fn list(State(app): State<Arc<App>>, Query(q): Query<Params>) -> Answer {
    let f = InvoiceFilter {
        since_updated_at: q_time(&q, "since_updated_at")?,
        ticket_id: q_id(&q, "ticket_id")?,
        customer_id: q_id(&q, "customer_id")?,
        paid: q_bool(&q, "paid"),
        unpaid: q_bool(&q, "unpaid"),
    };
    let v = app.read().list_invoices(&f, paging(&q, 25));
    respond(Ok(v))
}

pub(crate) async fn create(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Answer {
    let body = read_body(&headers, &body)?;
    let mut data = app.write();
    let v = data
        .create_invoice(&body)
        .and_then(|id| data.invoice_summary(id));
    respond(v)
}

/// By id or by number, as the spec allows.
pub(crate) async fn show(State(app): State<Arc<App>>, Path(key): Path<String>) -> Answer {
    let v = app.read().get_invoice(key.trim());
    respond(v)
}

pub(crate) async fn destroy(State(app): State<Arc<App>>, Path(key): Path<String>) -> Answer {
    let v = app.write().delete_invoice(key.trim());
    respond(v)
}
