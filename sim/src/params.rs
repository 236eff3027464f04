//! Lenient reading of request fields, the way Rails' params behave: numbers
//! may come as strings, booleans as "true"/"1", dates as dates or datetimes.
//! A value that cannot be read is a 422, never a panic.
//!
//! Near the bottom of the crate: it knows only `values` (`Ts`) and `errors`
//! (the 422 it answers), so `shape`, `state` and the handlers can all read
//! fields through it.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::{Map, Value};

use crate::errors::{Problem, Reject};
use crate::values::Ts;

pub type Body = Map<String, Value>;

fn invalid(key: &str, what: &str) -> Reject {
    Reject::messages(vec![Problem::field(key, key, what)])
}

/// A text field; numbers and booleans are taken as their text, objects and
/// arrays as absent (Rails would see them as blank).
pub fn text(body: &Body, key: &str) -> Option<String> {
    match body.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A text field that must not be blank to count as given.
pub fn present_text(body: &Body, key: &str) -> Option<String> {
    text(body, key).filter(|s| !s.trim().is_empty())
}

pub fn int(body: &Body, key: &str) -> Result<Option<i64>, Reject> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_i64() {
            Some(i) => Ok(Some(i)),
            None => n
                .as_f64()
                .filter(|f| f.fract() == 0.0)
                .map(|f| Some(f as i64))
                .ok_or_else(|| invalid(key, "is not an integer")),
        },
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| invalid(key, "is not a number")),
        Some(_) => Err(invalid(key, "is not a number")),
    }
}

/// An id field: a positive integer.
pub fn id(body: &Body, key: &str) -> Result<Option<u64>, Reject> {
    match int(body, key)? {
        None => Ok(None),
        Some(i) if i > 0 => Ok(Some(i as u64)),
        Some(_) => Err(invalid(key, "is not a valid id")),
    }
}

pub fn decimal(body: &Body, key: &str) -> Result<Option<f64>, Reject> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(Some)
            .ok_or_else(|| invalid(key, "is not a number")),
        Some(_) => Err(invalid(key, "is not a number")),
    }
}

pub fn boolean(body: &Body, key: &str) -> Result<Option<bool>, Reject> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::Number(n)) => Ok(Some(n.as_f64().is_some_and(|f| f != 0.0))),
        Some(Value::String(s)) => parse_bool(s)
            .map(Some)
            .ok_or_else(|| invalid(key, "is not a boolean")),
        Some(_) => Err(invalid(key, "is not a boolean")),
    }
}

pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "t" | "yes" | "on" => Some(true),
        "false" | "0" | "f" | "no" | "off" | "" => Some(false),
        _ => None,
    }
}

pub fn time(body: &Body, key: &str) -> Result<Option<Ts>, Reject> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => parse_time(s)
            .map(Some)
            .ok_or_else(|| invalid(key, "is not a valid date")),
        Some(_) => Err(invalid(key, "is not a valid date")),
    }
}

/// Reads "2019-01-23", "2019-01-23 10:00", RFC 3339 ("...Z", "+02:00") and
/// naive datetimes (taken as UTC), as the service's filters do.
pub fn parse_time(s: &str) -> Option<Ts> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(t.and_utc());
        }
    }
    for fmt in ["%Y-%m-%d %H:%M:%S%.f %z", "%Y-%m-%d %H:%M:%S %z"] {
        if let Ok(t) = DateTime::parse_from_str(s, fmt) {
            return Some(t.with_timezone(&Utc));
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

/// A list of strings (tag_list); a comma-separated string is accepted too.
pub fn string_list(body: &Body, key: &str) -> Option<Vec<String>> {
    match body.get(key)? {
        Value::Array(a) => Some(
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
        ),
        Value::String(s) => Some(
            s.split(',')
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
                .collect(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(v: Value) -> Body {
        match v {
            Value::Object(m) => m,
            _ => Body::new(),
        }
    }

    #[test]
    fn numbers_may_come_as_strings() {
        let b = body(json!({"a": "12", "b": 3, "c": "x", "d": 2.0, "q": "0.5"}));
        assert!(matches!(int(&b, "a"), Ok(Some(12))));
        assert!(matches!(int(&b, "b"), Ok(Some(3))));
        assert!(matches!(int(&b, "d"), Ok(Some(2))));
        assert!(int(&b, "c").is_err());
        assert!(matches!(int(&b, "missing"), Ok(None)));
        assert!(matches!(decimal(&b, "q"), Ok(Some(q)) if q == 0.5));
    }

    #[test]
    fn times_in_the_forms_clients_send() {
        for s in [
            "2024-03-01",
            "2024-03-01T00:00:00Z",
            "2024-03-01T00:00:00.000Z",
            "2024-03-01 00:00:00",
            "2024-03-01T01:00:00+01:00",
        ] {
            assert_eq!(
                parse_time(s).map(|t| t.timestamp()),
                Some(1_709_251_200),
                "{s}"
            );
        }
        assert!(parse_time("yesterday").is_none());
    }

    #[test]
    fn booleans_the_rails_way() {
        let b = body(json!({"a": "true", "b": 0, "c": "maybe", "d": false}));
        assert!(matches!(boolean(&b, "a"), Ok(Some(true))));
        assert!(matches!(boolean(&b, "b"), Ok(Some(false))));
        assert!(matches!(boolean(&b, "d"), Ok(Some(false))));
        assert!(boolean(&b, "c").is_err());
    }
}
