//! The few reads the CLI makes itself (`doctor` and `init` only; every
//! other command answers from the cache): a blocking client that sends
//! the key as configured and never lets it into an error.

use std::time::Duration;

use serde_json::Value;
use syncro_store::config::{ApiKey, AuthMode};

const TIMEOUT: Duration = Duration::from_secs(15);

/// Why a read failed, in words for the user. Never holds the key.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 401/403: the key (or the way it is sent) was refused. `reason` is
    /// the server's own message, shown as it came.
    #[error("{base} refused the key ({status}: {reason})")]
    Refused {
        base: String,
        status: reqwest::StatusCode,
        reason: String,
    },
    #[error("cannot reach {base}: {reason}")]
    Unreachable { base: String, reason: String },
    #[error("GET {base}{path} answered {status}: {reason}")]
    Status {
        base: String,
        path: String,
        status: reqwest::StatusCode,
        reason: String,
    },
}

pub struct Api<'a> {
    base: &'a str,
    key: &'a ApiKey,
    auth: AuthMode,
    http: reqwest::blocking::Client,
}

impl<'a> Api<'a> {
    pub fn new(base: &'a str, key: &'a ApiKey, auth: AuthMode) -> Result<Api<'a>, ApiError> {
        let http = reqwest::blocking::Client::builder()
            .timeout(TIMEOUT)
            .build()
            .map_err(|e| ApiError::Unreachable {
                base: base.to_string(),
                reason: format!("cannot build an HTTP client: {}", chain(&e.without_url())),
            })?;
        Ok(Api {
            base,
            key,
            auth,
            http,
        })
    }

    /// GET `{base}{path}` with `query`; a body that is not JSON reads as
    /// `null` (callers look fields up and treat absence as unknown).
    pub fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Value, ApiError> {
        let scrub = |s: String| scrub(s, self.key);
        let request = self
            .http
            .get(format!("{}{path}", self.base))
            .header(reqwest::header::ACCEPT, "application/json")
            .query(query);
        let request = match self.auth {
            AuthMode::Query => request.query(&[("api_key", self.key.expose())]),
            AuthMode::Header => request.bearer_auth(self.key.expose()),
        };
        let unreachable = |reason: String| ApiError::Unreachable {
            base: self.base.to_string(),
            reason: scrub(reason),
        };
        let response = request.send().map_err(|e| {
            unreachable(if e.is_timeout() {
                format!("no answer within {} s", TIMEOUT.as_secs())
            } else {
                chain(&e.without_url())
            })
        })?;
        let status = response.status();
        let body = response.bytes().map_err(|e| {
            unreachable(format!(
                "cannot read the answer: {}",
                chain(&e.without_url())
            ))
        })?;
        let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(json);
        }
        let reason = scrub(server_reason(&json, &body, status));
        if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
            return Err(ApiError::Refused {
                base: self.base.to_string(),
                status,
                reason,
            });
        }
        Err(ApiError::Status {
            base: self.base.to_string(),
            path: path.to_string(),
            status,
            reason,
        })
    }
}

/// The server's own words: `error`, `message` (a string or a list), else
/// the start of a non-JSON body (an HTML error page says little; its
/// status line says the rest).
fn server_reason(json: &Value, body: &[u8], status: reqwest::StatusCode) -> String {
    let field = |k: &str| match json.get(k) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(Value::Array(a)) if !a.is_empty() => Some(
            a.iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        _ => None,
    };
    if let Some(r) = field("error").or_else(|| field("message")) {
        return r;
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() || text.starts_with('<') {
        status
            .canonical_reason()
            .unwrap_or("no explanation")
            .to_string()
    } else {
        text.chars().take(200).collect()
    }
}

fn scrub(s: String, key: &ApiKey) -> String {
    if key.expose().is_empty() {
        s
    } else {
        s.replace(key.expose(), "<redacted>")
    }
}

/// An error and its sources, joined with ": ".
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;
    use serde_json::json;

    #[test]
    fn the_server_s_reason_is_taken_as_it_came() {
        let s = StatusCode::UNAUTHORIZED;
        assert_eq!(
            server_reason(&json!({"error": "Not Authorized"}), b"", s),
            "Not Authorized"
        );
        assert_eq!(
            server_reason(&json!({"message": ["a", "b"]}), b"", s),
            "a; b"
        );
        assert_eq!(
            server_reason(&Value::Null, b"<html>oops</html>", StatusCode::BAD_GATEWAY),
            "Bad Gateway"
        );
        assert_eq!(
            server_reason(&Value::Null, b"plain words", s),
            "plain words"
        );
    }
}
