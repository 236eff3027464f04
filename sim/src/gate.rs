//! What stands between a client and the /api/v1 handlers, in the order the
//! real service (and its network) applies it: rate limit, API key, then any
//! injected fault. /admin requests pass straight through.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use tokio::time::Instant;

use crate::api::{Problems, Refusal};
use crate::app::App;
use crate::faults::FaultKind;
use crate::observe::{endpoint, redact};
use crate::server::ConnControl;
use crate::shape::ErrorShape;

const BAD_GATEWAY_PAGE: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n";
const GATEWAY_TIMEOUT_PAGE: &str = "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n<center><h1>504 Gateway Time-out</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n";

/// Largest body `hang_then_commit` buffers; the same as axum's default
/// limit for the handlers' `Bytes` extractor, so the fault refuses nothing
/// the handler would have accepted.
const MAX_BODY: usize = 2 * 1024 * 1024;

fn is_api(path: &str) -> bool {
    path == "/api/v1" || path.starts_with("/api/v1/")
}

/// The key may come as `?api_key=` (what works in practice) or as an
/// `Authorization` header, with or without "Bearer ". An empty configured
/// key disables the check.
fn authorized(req: &Request, key: &str) -> bool {
    if key.is_empty() {
        return true;
    }
    let from_query = Query::<HashMap<String, String>>::try_from_uri(req.uri())
        .ok()
        .and_then(|q| q.0.get("api_key").cloned());
    if from_query.as_deref() == Some(key) {
        return true;
    }
    req.headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim())
        .map(|v| v.strip_prefix("Bearer ").unwrap_or(v).trim())
        .is_some_and(|v| v == key)
}

/// A 429, with `Retry-After` unless `Shape::no_retry_after` is on.
fn too_many(app: &App, retry_after_secs: u64) -> Response {
    let mut r = (
        StatusCode::TOO_MANY_REQUESTS,
        Json(json!({"error": "Rate limit exceeded, retry later"})),
    )
        .into_response();
    if !app.read().shape.no_retry_after {
        r.headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(retry_after_secs));
    }
    r
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({"error": "Not Authorized"})),
    )
        .into_response()
}

fn forbidden() -> Response {
    (
        StatusCode::FORBIDDEN,
        Json(json!({"error": "You do not have permission to perform this action"})),
    )
        .into_response()
}

fn server_error() -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(json!({"status": 500, "error": "Internal Server Error"})),
    )
        .into_response()
}

fn bad_gateway() -> Response {
    (
        StatusCode::BAD_GATEWAY,
        [(CONTENT_TYPE, "text/html")],
        BAD_GATEWAY_PAGE,
    )
        .into_response()
}

fn gateway_timeout() -> Response {
    (
        StatusCode::GATEWAY_TIMEOUT,
        [(CONTENT_TYPE, "text/html")],
        GATEWAY_TIMEOUT_PAGE,
    )
        .into_response()
}

/// A 200 whose JSON is cut in half: the write happened, the answer is junk.
async fn truncate(resp: Response) -> Response {
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let cut = bytes.slice(..bytes.len() / 2);
    parts.status = StatusCode::OK;
    parts.headers.remove(CONTENT_LENGTH);
    parts.headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    Response::from_parts(parts, Body::from(cut))
}

/// Makes the connection vanish and never answers. Without a `ConnControl`
/// (router used outside our accept loop) it degrades to a 500.
async fn vanish(conn: Option<&ConnControl>) -> Response {
    match conn {
        Some(c) => {
            c.kill();
            std::future::pending::<Response>().await
        }
        None => server_error(),
    }
}

fn is_write(method: &Method) -> bool {
    method != Method::GET && method != Method::HEAD && method != Method::OPTIONS
}

/// Runs the handler, counts successful writes per endpoint and gives an
/// error answer its endpoint's format.
async fn apply(app: &App, method: &Method, path: &str, req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    if is_write(method) && resp.status().is_success() {
        app.observer
            .count_write(format!("{method} {}", endpoint(path)));
    }
    reshape_error(app, path, resp)
}

/// With `Shape::error_shapes` on, a 404/422 of an endpoint is answered in
/// that endpoint's fixed format (`ErrorShape::for_endpoint`), built from
/// the problems the refusal carried; otherwise it keeps its own body.
fn reshape_error(app: &App, path: &str, mut resp: Response) -> Response {
    let Some(Problems(problems)) = resp.extensions_mut().remove::<Problems>() else {
        return resp;
    };
    if !app.read().shape.error_shapes {
        return resp;
    }
    let body = ErrorShape::for_endpoint(&endpoint(path)).body(&problems);
    (resp.status(), Json(body)).into_response()
}

/// `hang_then_commit`: waits `delay`, then applies the request and answers,
/// whether or not the client is still there.
///
/// When a client gives up and closes the connection, hyper drops the future
/// serving its request; a sleep-then-apply in that future would be
/// cancelled and the write lost, which is not what a server that commits
/// late does. So the body is read in full first (after a hang-up it could
/// not be read any more), and the wait and the apply run in a task of
/// their own, which the hang-up cannot cancel; this future merely awaits
/// it. The task logs the request itself, since nobody may be left here to
/// do it.
async fn hang_then_commit(
    app: &Arc<App>,
    req: Request,
    next: Next,
    delay: Duration,
    logged: String,
    client: String,
) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(e) => {
            // Too large, or the client left mid-upload: nothing to apply.
            app.observer.log(
                method.as_str(),
                logged,
                Some(400),
                Some(FaultKind::HangThenCommit),
                client,
            );
            return Refusal::BadBody(format!("The request body could not be read: {e}"))
                .into_response();
        }
    };
    let req = Request::from_parts(parts, Body::from(bytes));
    let app = app.clone();
    let task = tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        let resp = apply(&app, &method, &path, req, next).await;
        tracing::debug!(%method, path = %logged, status = resp.status().as_u16(), "late commit");
        app.observer.log(
            method.as_str(),
            logged,
            Some(resp.status().as_u16()),
            Some(FaultKind::HangThenCommit),
            client,
        );
        resp
    });
    match task.await {
        Ok(resp) => resp,
        Err(e) => {
            tracing::warn!(error = %e, "late commit task failed");
            server_error()
        }
    }
}

/// `colleague_twin`: the request itself is not applied; a colleague's
/// look-alike of it is (`State::apply_as_colleague`), then the answer is
/// `bad_gateway`'s. The look-alike goes through the data, not the handler,
/// which would write it as the API key's user; and it is not counted among
/// the client's writes, since it is not one. A body that cannot be read or
/// is not a JSON object leaves the colleague nothing to copy.
async fn colleague_twin(app: &App, method: &Method, path: &str, req: Request) -> Response {
    let bytes = axum::body::to_bytes(req.into_body(), MAX_BODY).await;
    let body = match bytes.map(|b| serde_json::from_slice::<Value>(&b)) {
        Ok(Ok(Value::Object(m))) => Some(m),
        _ => None,
    };
    if let Some(body) = body {
        let applied = app.write().apply_as_colleague(method.as_str(), path, &body);
        match applied {
            Ok(Some(_)) => tracing::debug!(%method, path, "colleague look-alike applied"),
            Ok(None) => {}
            Err(e) => tracing::debug!(%method, path, error = %e, "colleague look-alike refused"),
        }
    }
    bad_gateway()
}

pub(crate) async fn gate(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    if !is_api(req.uri().path()) {
        return next.run(req).await;
    }
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let logged = redact(&path, req.uri().query());
    let conn = req.extensions().get::<ConnControl>().cloned();
    let ip = conn
        .as_ref()
        .map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |c| c.peer.ip());
    let client = ip.to_string();
    let log = |status: Option<u16>, fault: Option<FaultKind>| {
        tracing::debug!(%method, path = %logged, ?status, ?fault, "api request");
        app.observer.log(
            method.as_str(),
            logged.clone(),
            status,
            fault,
            client.clone(),
        );
    };
    app.observer.count_request();

    let limited = app.limiter().check(ip, Instant::now());
    if let Err(secs) = limited {
        app.observer.count_rate_limited();
        log(Some(429), None);
        return too_many(&app, secs);
    }
    if !authorized(&req, &app.api_key) {
        log(Some(401), None);
        return unauthorized();
    }
    let chosen = app.faults().select(method.as_str(), &path);
    let Some(chosen) = chosen else {
        let resp = apply(&app, &method, &path, req, next).await;
        log(Some(resp.status().as_u16()), None);
        return resp;
    };
    app.observer.count_fault(chosen.kind);
    let fault = Some(chosen.kind);
    let delay = Duration::from_millis(chosen.delay_ms);
    match chosen.kind {
        FaultKind::ServerError => {
            log(Some(500), fault);
            server_error()
        }
        FaultKind::BadGateway => {
            log(Some(502), fault);
            bad_gateway()
        }
        FaultKind::TooManyRequests => {
            log(Some(429), fault);
            too_many(&app, chosen.retry_after_secs)
        }
        FaultKind::Latency => {
            tokio::time::sleep(delay).await;
            let resp = apply(&app, &method, &path, req, next).await;
            log(Some(resp.status().as_u16()), fault);
            resp
        }
        FaultKind::ResetBeforeApply => {
            log(None, fault);
            vanish(conn.as_ref()).await
        }
        FaultKind::ApplyThenDrop => {
            let resp = apply(&app, &method, &path, req, next).await;
            drop(resp);
            log(None, fault);
            vanish(conn.as_ref()).await
        }
        FaultKind::ApplyThenSlowAnswer => {
            let resp = apply(&app, &method, &path, req, next).await;
            log(Some(resp.status().as_u16()), fault);
            tokio::time::sleep(delay).await;
            resp
        }
        FaultKind::TruncatedJson => {
            let resp = apply(&app, &method, &path, req, next).await;
            log(Some(200), fault);
            truncate(resp).await
        }
        FaultKind::HangThenCommit => {
            hang_then_commit(&app, req, next, delay, logged.clone(), client.clone()).await
        }
        FaultKind::CommitThen504 => {
            let resp = apply(&app, &method, &path, req, next).await;
            drop(resp);
            log(Some(504), fault);
            gateway_timeout()
        }
        FaultKind::ColleagueTwin => {
            let resp = colleague_twin(&app, &method, &path, req).await;
            log(Some(502), fault);
            resp
        }
        FaultKind::Forbidden => {
            log(Some(403), fault);
            forbidden()
        }
        FaultKind::Unauthorized => {
            log(Some(401), fault);
            unauthorized()
        }
    }
}
