//! The /api/v1 endpoints, by resource. Handlers only translate HTTP to
//! `State` calls and back; the behaviour (traps included) lives in `state`.
//! What every handler shares is in `answer` (what it returns) and
//! `request` (how it reads a request), so no resource module imports this
//! one back.

mod answer;
mod billing;
mod customers;
mod invoices;
mod misc;
mod request;
mod tickets;

use std::sync::Arc;

use axum::routing::{get, post, put};
use axum::Router;

use crate::app::App;

pub(crate) use answer::{not_found, ok, Answer, Problems, Refusal};

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
