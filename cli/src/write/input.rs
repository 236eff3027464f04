//! Checking what was typed: text, quantities, prices, labor types, times.
//! Each error says what is wrong and, where it matters, that nothing was
//! queued.

use anyhow::{bail, Result};
use chrono::{DateTime, Local, NaiveDateTime, NaiveTime, TimeZone, Utc};

use crate::context::{usage, Ctx};

/// `value` trimmed, or an error when nothing is left.
pub(super) fn nonempty(value: &str, what: &str) -> Result<String> {
    let v = value.trim();
    if v.is_empty() {
        bail!("the {what} is empty; nothing queued");
    }
    Ok(v.to_string())
}

/// `value` trimmed; blank counts as not given.
pub(super) fn optional_nonempty(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

pub(super) fn check_quantity(q: f64) -> Result<f64> {
    if !(q.is_finite() && q > 0.0) {
        bail!("--quantity must be positive, not {q}; nothing queued");
    }
    Ok(q)
}

pub(super) fn check_price(p: f64) -> Result<f64> {
    if !p.is_finite() {
        bail!("--price must be a number of dollars, not {p}");
    }
    Ok(p)
}

/// Every line indented by two spaces, for previews.
pub(super) fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A labor type from the config, or an error listing the configured ones.
pub(super) fn labor<'c>(
    ctx: &'c Ctx,
    name: &str,
) -> Result<(&'c str, &'c syncro_store::config::Labor)> {
    if let Some(found) = ctx.config.labor(name.trim()) {
        return Ok(found);
    }
    if ctx.config.labor.is_empty() {
        bail!(
            "unknown labor type {name:?}: no labor types are configured; add e.g. \
             [labor.remote] with product_id and rate to {}",
            ctx.config.origin
        );
    }
    bail!(
        "unknown labor type {name:?}; configured: {} (in {})",
        ctx.config
            .labor
            .keys()
            .cloned()
            .collect::<Vec<_>>()
            .join(", "),
        ctx.config.origin
    )
}

/// Minutes as decimal hours, rounded to 2 places (45 -> 0.75).
pub(super) fn hours(minutes: i64) -> f64 {
    (minutes as f64 / 60.0 * 100.0).round() / 100.0
}

pub(super) fn cents(dollars: f64) -> i64 {
    syncro_store::json::dollars_to_cents(dollars).unwrap_or(0)
}

/// A time as typed: RFC 3339, `YYYY-MM-DD HH:MM[:SS]` or `HH:MM[:SS]`
/// (the day of `now`), the last two in local time.
pub(super) fn parse_when(s: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let s = s.trim();
    let local = |n: NaiveDateTime| {
        Local
            .from_local_datetime(&n)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    };
    for f in [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(s, f) {
            return local(n);
        }
    }
    for f in ["%H:%M", "%H:%M:%S"] {
        if let Ok(t) = NaiveTime::parse_from_str(s, f) {
            let today = now.with_timezone(&Local).date_naive();
            return local(today.and_time(t));
        }
    }
    syncro_store::time::parse(s)
}

/// [`parse_when`], or a bare `YYYY-MM-DD` at `hour`:00 local time.
pub(super) fn parse_day_or_when(s: &str, now: DateTime<Utc>, hour: u32) -> Option<DateTime<Utc>> {
    if let Ok(day) = chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        let at = day.and_hms_opt(hour, 0, 0)?;
        return Local
            .from_local_datetime(&at)
            .earliest()
            .map(|t| t.with_timezone(&Utc));
    }
    parse_when(s, now)
}

/// [`parse_when`], or a usage error naming `flag`.
pub(super) fn when(s: &str, flag: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    parse_when(s, now).ok_or_else(|| {
        usage(format!(
            "{flag} {s:?} is not a time: use RFC 3339, `YYYY-MM-DD HH:MM` or `HH:MM` (today, local time)"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_become_hours_rounded_to_two_places() {
        assert_eq!(hours(45), 0.75);
        assert_eq!(hours(20), 0.33);
        assert_eq!(hours(90), 1.5);
        assert_eq!(hours(1), 0.02);
    }

    #[test]
    fn times_parse_in_their_forms() {
        let now = Utc::now();
        let parse = |s: &str| parse_when(s, now);
        assert_eq!(
            parse("2026-03-10T09:00:00Z").map(syncro_store::time::format),
            Some("2026-03-10T09:00:00.000Z".into())
        );
        assert_eq!(
            parse("2026-03-10T10:00:00+01:00").map(syncro_store::time::format),
            Some("2026-03-10T09:00:00.000Z".into())
        );
        assert!(parse("2026-03-10 09:00").is_some());
        assert!(parse("09:30").is_some());
        assert!(parse("tomorrow").is_none());
        assert!(parse("25:00").is_none());
    }

    #[test]
    fn a_bare_day_is_at_the_hour_given() {
        let now = Utc::now();
        let t = parse_day_or_when("2026-12-10", now, 17).unwrap();
        let local = t.with_timezone(&Local);
        assert_eq!(
            local.format("%Y-%m-%d %H:%M").to_string(),
            "2026-12-10 17:00"
        );
        assert_eq!(
            parse_day_or_when("2026-12-10T09:00:00Z", now, 17),
            parse_when("2026-12-10T09:00:00Z", now)
        );
        assert!(parse_day_or_when("friday", now, 17).is_none());
    }

    #[test]
    fn a_bare_time_is_on_the_day_of_now() {
        let now = syncro_store::time::parse("2026-03-10T12:00:00Z").unwrap();
        let t = parse_when("09:30", now).unwrap();
        assert_eq!(
            t.with_timezone(&Local).date_naive(),
            now.with_timezone(&Local).date_naive()
        );
    }
}
