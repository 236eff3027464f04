//! What a handler answers: a JSON body, or a refusal rendered the way the
//! service renders it (JSON 404/422, an HTML 400 page for a bad body).

use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::errors::{Problem, Reject};

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
