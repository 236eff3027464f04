//! The plain values every layer shares: timestamps (`Ts`) and money in
//! cents, with their default renderings.
//!
//! Kept apart from `model` (the records) and `shape` (how answers are
//! rendered) because both need them, and so do `params` (reading request
//! fields) and `observe`: with them at the bottom, nothing above has to
//! import back.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

/// A point in time, always UTC.
pub type Ts = DateTime<Utc>;

/// Renders a timestamp in UTC: "2019-11-04T08:59:31.034Z". The API's
/// renderers go through `Shape::ts`, which may use the account's offset
/// instead; this is its default and what /admin uses.
pub fn ts(t: &Ts) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Renders a fixed-point integer with `scale` fraction digits as Rails prints
/// a BigDecimal: trailing zeros trimmed but at least one digit ("150.0",
/// "0.5", "0.3333").
pub fn decimal_string(units: i64, scale: u32) -> String {
    let div = 10_i64.pow(scale);
    let sign = if units < 0 { "-" } else { "" };
    let abs = units.unsigned_abs();
    let div_u = div.unsigned_abs();
    let int = abs / div_u;
    let frac = abs % div_u;
    let mut frac_s = format!("{:0width$}", frac, width = scale as usize);
    while frac_s.len() > 1 && frac_s.ends_with('0') {
        frac_s.pop();
    }
    format!("{sign}{int}.{frac_s}")
}

/// Money as the invoice endpoints print it: a decimal string ("150.0").
pub fn money_string(cents: i64) -> String {
    decimal_string(cents, 2)
}

/// Money as the ticket line item endpoints print it by default (see
/// `Shape::line_money`) and products always: a JSON number (15.0).
pub fn money_number(cents: i64) -> Value {
    json!(cents as f64 / 100.0)
}

/// Dollars as a client sends them (`price_retail: 12.5`), in whole cents.
pub fn cents(v: f64) -> i64 {
    (v * 100.0).round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_millis_and_z() {
        let t = DateTime::parse_from_rfc3339("2019-11-04T08:59:31.034Z")
            .map(|t| t.with_timezone(&Utc))
            .ok();
        assert_eq!(
            t.map(|t| ts(&t)).as_deref(),
            Some("2019-11-04T08:59:31.034Z")
        );
    }
}
