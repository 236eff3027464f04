//! What tests look at afterwards: counters and a bounded request log.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use chrono::Utc;
use serde::Serialize;
use serde_json::{json, Value};

use crate::faults::FaultKind;
use crate::values::ts;

/// One /api/v1 request as seen by the simulator.
#[derive(Clone, Debug, Serialize)]
pub struct LogEntry {
    pub at: String,
    pub method: String,
    /// Path and query with the `api_key` value redacted.
    pub path: String,
    /// `None` when the connection was dropped without an answer.
    pub status: Option<u16>,
    pub fault: Option<FaultKind>,
    pub client: String,
}

#[derive(Default)]
struct Counters {
    requests: u64,
    rate_limited: u64,
    faults: BTreeMap<FaultKind, u64>,
    writes: BTreeMap<String, u64>,
}

pub struct Observer {
    counters: Mutex<Counters>,
    log: Mutex<VecDeque<LogEntry>>,
    capacity: usize,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Observer {
    pub fn new(capacity: usize) -> Self {
        Observer {
            counters: Mutex::new(Counters::default()),
            log: Mutex::new(VecDeque::with_capacity(capacity.min(10_000))),
            capacity: capacity.max(1),
        }
    }

    pub fn count_request(&self) {
        lock(&self.counters).requests += 1;
    }

    pub fn count_rate_limited(&self) {
        lock(&self.counters).rate_limited += 1;
    }

    pub fn count_fault(&self, kind: FaultKind) {
        *lock(&self.counters).faults.entry(kind).or_default() += 1;
    }

    /// A write that reached the data (2xx), by endpoint ("POST /tickets/{id}/comment").
    pub fn count_write(&self, endpoint: String) {
        *lock(&self.counters).writes.entry(endpoint).or_default() += 1;
    }

    pub fn log(
        &self,
        method: &str,
        path: String,
        status: Option<u16>,
        fault: Option<FaultKind>,
        client: String,
    ) {
        let mut log = lock(&self.log);
        if log.len() >= self.capacity {
            log.pop_front();
        }
        log.push_back(LogEntry {
            at: ts(&Utc::now()),
            method: method.to_string(),
            path,
            status,
            fault,
            client,
        });
    }

    /// Oldest first; at most `limit` most recent entries.
    pub fn entries(&self, limit: usize) -> Vec<LogEntry> {
        let log = lock(&self.log);
        let skip = log.len().saturating_sub(limit);
        log.iter().skip(skip).cloned().collect()
    }

    /// The counters JSON; `duplicate_comments` comes from the data.
    pub fn counters_json(&self, duplicate_comments: &BTreeMap<u64, u64>) -> Value {
        let c = lock(&self.counters);
        let faults: BTreeMap<&str, u64> = c.faults.iter().map(|(k, v)| (k.name(), *v)).collect();
        let dups: BTreeMap<String, u64> = duplicate_comments
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect();
        json!({
            "requests": c.requests,
            "rate_limited": c.rate_limited,
            "faults": faults,
            "writes": c.writes,
            "duplicate_comments": dups,
        })
    }

    pub fn reset(&self) {
        *lock(&self.counters) = Counters::default();
        lock(&self.log).clear();
    }
}

/// "/api/v1/tickets/1000/comment" -> "/tickets/{id}/comment", so writes are
/// counted per endpoint rather than per record.
pub fn endpoint(path: &str) -> String {
    let rest = path.strip_prefix("/api/v1").unwrap_or(path);
    let mut out = String::with_capacity(rest.len());
    for seg in rest.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        if seg.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str("{id}");
        } else {
            out.push_str(seg);
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// The request target for the log, with the `api_key` value replaced: the
/// key rides in the URL and must never be written down.
pub fn redact(path: &str, query: Option<&str>) -> String {
    let Some(q) = query else {
        return path.to_string();
    };
    let parts: Vec<String> = q
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some(("api_key", _)) => "api_key=[REDACTED]".to_string(),
            _ => pair.to_string(),
        })
        .collect();
    format!("{path}?{}", parts.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_collapse_ids() {
        assert_eq!(
            endpoint("/api/v1/tickets/1000/comment"),
            "/tickets/{id}/comment"
        );
        assert_eq!(endpoint("/api/v1/tickets"), "/tickets");
        assert_eq!(endpoint("/api/v1/invoices/7/"), "/invoices/{id}");
    }

    #[test]
    fn api_key_is_redacted() {
        assert_eq!(
            redact("/api/v1/tickets", Some("page=2&api_key=secret&x=1")),
            "/api/v1/tickets?page=2&api_key=[REDACTED]&x=1"
        );
        assert_eq!(redact("/api/v1/me", None), "/api/v1/me");
    }

    #[test]
    fn log_is_bounded() {
        let o = Observer::new(3);
        for i in 0..5 {
            o.log("GET", format!("/{i}"), Some(200), None, "127.0.0.1".into());
        }
        let e = o.entries(100);
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].path, "/2");
        assert_eq!(o.entries(1)[0].path, "/4");
    }
}
