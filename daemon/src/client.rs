//! The Syncro API client.
//!
//! Every response is untrusted input: HTML error pages, truncated JSON and
//! odd types become a typed [`ApiError`], never a panic. The API key rides
//! in the URL (query auth), so no URL ever leaves this module unredacted:
//! errors and logs carry only the path.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;
use syncro_store::config::{ApiKey, AuthMode};

use crate::limiter::{Answer, Limiter, Priority};

/// Longest pause we accept from a Retry-After header.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(600);

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// The request never reached the server (DNS, refused connection).
    #[error("cannot reach the server: {0}")]
    Unreachable(String),
    /// The request may have reached the server, but no answer came back
    /// (timeout, reset, dropped connection): a write's outcome is unknown.
    #[error("no answer from the server ({0}); the request may or may not have been applied")]
    NoAnswer(String),
    #[error("the server refused the API key (401): check SYNCRO_API_KEY / api_key_file")]
    Unauthorized,
    #[error("not found (404): {0}")]
    NotFound(String),
    /// A 4xx with the server's own message, kept verbatim for the user.
    #[error("rejected by the server ({status}): {message}")]
    Rejected { status: u16, message: String },
    #[error("rate limited by the server (429); pausing {}s", .retry_after.as_secs())]
    RateLimited { retry_after: Duration },
    /// A 5xx: the server failed, possibly after applying the request.
    #[error("server error {status}: {message}")]
    Server { status: u16, message: String },
    /// A 2xx whose body is not the JSON we expect (HTML, truncated...).
    #[error("unreadable answer from the server: {0}")]
    BadResponse(String),
}

impl ApiError {
    /// Whether a write that failed this way might nevertheless have been
    /// applied, so it must be looked for before being sent again.
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self,
            ApiError::NoAnswer(_) | ApiError::Server { .. } | ApiError::BadResponse(_)
        )
    }

    /// Whether trying again later can help.
    pub fn is_retryable(&self) -> bool {
        !matches!(self, ApiError::Rejected { .. } | ApiError::NotFound(_))
    }
}

/// A cheap handle (clone freely) to the API, sharing one rate budget.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: Arc<str>,
    key: ApiKey,
    auth: AuthMode,
    limiter: Arc<Limiter>,
}

impl Client {
    pub fn new(
        base_url: &str,
        key: ApiKey,
        auth: AuthMode,
        limiter: Arc<Limiter>,
        timeout: Duration,
    ) -> Result<Client, ApiError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(timeout)
            .gzip(true)
            .user_agent(concat!("syncrod/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                ApiError::Unreachable(format!("cannot build the HTTP client: {}", e.without_url()))
            })?;
        Ok(Client {
            http,
            base: Arc::from(base_url.trim_end_matches('/')),
            key,
            auth,
            limiter,
        })
    }

    /// The API base URL (it never holds the key: that rides per request).
    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn limiter(&self) -> &Arc<Limiter> {
        &self.limiter
    }

    /// GET `path` with `query`, returning parsed JSON.
    pub async fn get(
        &self,
        path: &str,
        query: &[(&str, String)],
        priority: Priority,
    ) -> Result<Value, ApiError> {
        self.request(Method::GET, path, query, None, priority).await
    }

    /// Sends a JSON body (POST/PUT/DELETE) at write priority.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, ApiError> {
        self.request(method, path, &[], body, Priority::Write).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(method = %method, path = %path), err(level = "debug"))]
    async fn request(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        priority: Priority,
    ) -> Result<Value, ApiError> {
        self.limiter.acquire(priority).await;
        let url = format!("{}{}", self.base, path);
        let mut req = self.http.request(method.clone(), &url).query(query);
        req = match self.auth {
            AuthMode::Query => req.query(&[("api_key", self.key.expose())]),
            AuthMode::Header => req.bearer_auth(self.key.expose()),
        };
        req = req.header(reqwest::header::ACCEPT, "application/json");
        if let Some(body) = body {
            // Without an explicit JSON content type Syncro answers 400 HTML.
            req = req.json(body);
        }
        let resp = req.send().await.map_err(|e| classify_send_error(&e))?;
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|s| Duration::from_secs(s).min(MAX_RETRY_AFTER));
        // Every answer feeds the adaptive share: a 429 cuts it (and pauses
        // this process briefly), clean answers let it grow back.
        let answer = if status == StatusCode::TOO_MANY_REQUESTS {
            Answer::RateLimited
        } else {
            Answer::Clean
        };
        let paused = self.limiter.answered(answer, retry_after);
        let text = resp.text().await.map_err(|e| {
            ApiError::NoAnswer(format!("the answer was cut off: {}", e.without_url()))
        })?;
        tracing::trace!(status = status.as_u16(), bytes = text.len(), "response");
        match status {
            s if s.is_success() => {
                if text.trim().is_empty() {
                    return Ok(Value::Null);
                }
                serde_json::from_str(&text)
                    .map_err(|e| ApiError::BadResponse(format!("{} ({})", e, snippet(&text))))
            }
            StatusCode::UNAUTHORIZED => Err(ApiError::Unauthorized),
            StatusCode::NOT_FOUND => Err(ApiError::NotFound(path.to_string())),
            StatusCode::TOO_MANY_REQUESTS => {
                let stats = self.limiter.stats();
                if let Some(p) = paused {
                    tracing::warn!(
                        pause_ms = p.as_millis() as u64,
                        share_per_minute = stats.share_per_minute,
                        "rate limited by the server (429): the office's budget is shared; slowing down"
                    );
                }
                Err(ApiError::RateLimited {
                    // A write waits our own guess out only briefly (see
                    // `limiter::WRITE_PAUSE`); what the server said, in full.
                    retry_after: self.limiter.pause_left(priority),
                })
            }
            s if s.is_client_error() => Err(ApiError::Rejected {
                status: s.as_u16(),
                message: server_message(&text),
            }),
            s => Err(ApiError::Server {
                status: s.as_u16(),
                message: server_message(&text),
            }),
        }
    }
}

/// Sorts a transport error into "never sent" and "outcome unknown". Only
/// a failure to connect proves the server did not see the request.
fn classify_send_error(e: &reqwest::Error) -> ApiError {
    let msg = error_chain(e);
    if e.is_connect() {
        ApiError::Unreachable(msg)
    } else {
        ApiError::NoAnswer(msg)
    }
}

/// The error and its causes, with the URL (and so the key) stripped.
fn error_chain(e: &reqwest::Error) -> String {
    use std::error::Error;
    let mut parts = Vec::new();
    let mut source = e.source();
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    let head = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "connection failed".to_string()
    } else {
        "request failed".to_string()
    };
    let mut out = head;
    for p in parts.into_iter().take(3) {
        if !p.contains("api_key") {
            out.push_str(": ");
            out.push_str(&p);
        }
    }
    out
}

/// The user-facing message in an error body: Syncro's JSON `message`,
/// `errors` or `error` verbatim, or the start of a non-JSON (HTML) body.
pub fn server_message(text: &str) -> String {
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        for key in ["message", "errors", "error"] {
            match v.get(key) {
                Some(Value::String(s)) => return s.clone(),
                Some(Value::Array(a)) => {
                    return a
                        .iter()
                        .map(|m| {
                            m.as_str()
                                .map(str::to_string)
                                .unwrap_or_else(|| m.to_string())
                        })
                        .collect::<Vec<_>>()
                        .join("; ")
                }
                // `{"errors": {"subject": ["can't be blank"]}}`: Rails'
                // per-field messages, read as "subject can't be blank".
                Some(Value::Object(fields)) => {
                    return fields
                        .iter()
                        .flat_map(|(field, msgs)| {
                            let msgs: Vec<String> = match msgs {
                                Value::Array(a) => a.iter().map(text_of).collect(),
                                other => vec![text_of(other)],
                            };
                            msgs.into_iter().map(move |m| {
                                if field == "base" {
                                    m
                                } else {
                                    format!("{field} {m}")
                                }
                            })
                        })
                        .collect::<Vec<_>>()
                        .join("; ")
                }
                _ => {}
            }
        }
    }
    snippet(text)
}

fn text_of(v: &Value) -> String {
    v.as_str()
        .map(str::to_string)
        .unwrap_or_else(|| v.to_string())
}

/// The first readable words of a body, tags stripped, for error messages.
fn snippet(text: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let words: Vec<&str> = out.split_whitespace().collect();
    let joined = words.join(" ");
    if joined.is_empty() {
        "(empty body)".to_string()
    } else if joined.chars().count() > 160 {
        format!("{}…", joined.chars().take(160).collect::<String>())
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_messages_are_kept_verbatim() {
        assert_eq!(
            server_message(
                r#"{"success":false,"message":["Body can't be blank","Subject can't be blank"]}"#
            ),
            "Body can't be blank; Subject can't be blank"
        );
        assert_eq!(
            server_message(r#"{"errors":"Name can't be blank, Description can't be blank"}"#),
            "Name can't be blank, Description can't be blank"
        );
        assert_eq!(
            server_message("<html><body><h1>502 Bad Gateway</h1></body></html>"),
            "502 Bad Gateway"
        );
        assert_eq!(server_message(""), "(empty body)");
        assert_eq!(
            server_message(
                r#"{"errors":{"subject":["can't be blank"],"base":["Ticket is closed"]}}"#
            ),
            "Ticket is closed; subject can't be blank"
        );
        assert_eq!(
            server_message(r#"{"errors":["Name can't be blank"]}"#),
            "Name can't be blank"
        );
        assert_eq!(
            server_message(r#"{"error":"Not Authorized"}"#),
            "Not Authorized"
        );
    }
}
