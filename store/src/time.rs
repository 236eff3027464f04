//! Timestamps as the cache stores them: UTC RFC 3339 with milliseconds and a
//! `Z` ("2019-11-04T08:59:31.034Z"). One fixed shape means text comparison
//! in SQL orders them correctly, which the watermarks rely on.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

/// Formats an instant in the cache's canonical shape.
pub fn format(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The current instant in the cache's canonical shape.
pub fn now() -> String {
    format(Utc::now())
}

/// Parses a timestamp from the server or the user: RFC 3339 with any offset,
/// or a bare date (midnight UTC). `None` for anything else, so a garbled
/// value never poisons a watermark comparison.
pub fn parse(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|n| n.and_utc());
    }
    None
}

/// Normalises a server timestamp to the canonical shape.
pub fn normalize(s: &str) -> Option<String> {
    parse(s).map(format)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_offsets_to_utc_millis() {
        assert_eq!(
            normalize("2019-11-04T08:59:31.034Z").as_deref(),
            Some("2019-11-04T08:59:31.034Z")
        );
        assert_eq!(
            normalize("2019-11-04T10:59:31+02:00").as_deref(),
            Some("2019-11-04T08:59:31.000Z")
        );
        assert_eq!(
            normalize("2019-11-06").as_deref(),
            Some("2019-11-06T00:00:00.000Z")
        );
        assert_eq!(normalize("yesterday"), None);
        assert_eq!(normalize(""), None);
    }
}
