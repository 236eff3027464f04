//! Lenient readers for untrusted API JSON.
//!
//! The server is not trusted to keep types stable: ids arrive as numbers or
//! strings, money as "150.0" or 150, booleans as null. Each reader takes what
//! it can and returns `None` (or a default) otherwise, so one odd field never
//! fails a whole record, and no reader can panic.

use serde_json::Value;

/// An integer from a number or a numeric string.
pub fn int(v: &Value, key: &str) -> Option<i64> {
    match v.get(key)? {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.is_finite())
                .map(|f| f as i64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A decimal from a number or a numeric string ("1.0", "150.00").
pub fn decimal(v: &Value, key: &str) -> Option<f64> {
    let f = match v.get(key)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }?;
    f.is_finite().then_some(f)
}

/// Dollars (number or string) as whole cents, rounded half away from zero.
pub fn cents(v: &Value, key: &str) -> Option<i64> {
    decimal(v, key).and_then(dollars_to_cents)
}

/// Converts dollars to cents, refusing values no invoice can hold.
pub fn dollars_to_cents(d: f64) -> Option<i64> {
    let c = (d * 100.0).round();
    (c.abs() < 9.0e15).then_some(c as i64)
}

/// A string from a string, or from a number or bool written as text.
pub fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A boolean from a bool, 0/1, or "true"/"false"; `None` when absent/null.
pub fn boolean(v: &Value, key: &str) -> Option<bool> {
    match v.get(key)? {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_i64().map(|i| i != 0),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Some(true),
            "false" | "0" | "no" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A timestamp normalised by [`crate::time::normalize`].
pub fn timestamp(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .and_then(crate::time::normalize)
}

/// The array under `key`, empty when absent, null or not an array.
pub fn array<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn readers_accept_odd_types_and_never_panic() {
        let v =
            json!({"a": "12", "b": 12.0, "c": "1.50", "d": null, "e": [1], "f": "x", "g": 1e300});
        assert_eq!(int(&v, "a"), Some(12));
        assert_eq!(int(&v, "b"), Some(12));
        assert_eq!(int(&v, "d"), None);
        assert_eq!(int(&v, "e"), None);
        assert_eq!(int(&v, "missing"), None);
        assert_eq!(cents(&v, "c"), Some(150));
        assert_eq!(cents(&v, "g"), None);
        assert_eq!(decimal(&v, "f"), None);
        assert_eq!(text(&v, "b").as_deref(), Some("12.0"));
        assert_eq!(boolean(&v, "d"), None);
        assert!(array(&v, "d").is_empty());
        assert_eq!(array(&v, "e").len(), 1);
        assert_eq!(int(&json!([1, 2]), "a"), None);
    }
}
