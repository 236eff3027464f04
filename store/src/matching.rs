//! Tolerant comparison of what we sent with what the server stored.
//!
//! The real service is not byte-exact: a posted comment can come back with
//! CRLF line ends, `<br>` at line ends, wrapped in `<p>`, trimmed, with
//! `&nbsp;` and other entities; decimals come back as `"0.5"` or `0.5`.
//! A write must be recognised (probe) and judged (read-back) through that
//! slack, or a landed write looks missing and is sent again: a duplicate
//! nobody can delete through the API. Both the daemon's per-kind checks
//! and the cache's duplicate report use these functions, so "the same
//! text" means one thing everywhere.

/// Text as compared: HTML line breaks (`<br>`, `<p>`, `<div>`) and every
/// run of whitespace become one space, entities are decoded, and the ends
/// are trimmed. Two texts a reader would call identical normalise equal;
/// a changed word does not.
pub fn normalize_text(s: &str) -> String {
    let broken = break_tags(s);
    let decoded = decode_entities(&broken);
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether two texts are the same once the server's slack is taken out.
pub fn same_text(a: &str, b: &str) -> bool {
    a == b || normalize_text(a) == normalize_text(b)
}

/// Whether two decimals (hours, quantities) are the same to the precision
/// the server keeps (it rounds to a few places and may send strings).
pub fn same_decimal(a: f64, b: f64) -> bool {
    (a - b).abs() < 0.005
}

/// Replaces the tags a rich-text server wraps lines in with a space.
/// Other tags are kept: a technician may type `<b>` on purpose, and the
/// server would then escape it (decoded later by [`decode_entities`]).
fn break_tags(s: &str) -> String {
    const BREAKING: [&str; 3] = ["br", "p", "div"];
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let tail = &rest[open..];
        let Some(close) = tail.find('>') else {
            out.push_str(tail);
            return out;
        };
        let inner = tail[1..close]
            .trim()
            .trim_start_matches('/')
            .trim_end_matches('/');
        let name = inner
            .split(|c: char| c.is_whitespace())
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if BREAKING.contains(&name.as_str()) {
            out.push(' ');
        } else {
            out.push_str(&tail[..=close]);
        }
        rest = &tail[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Decodes the named entities servers emit for plain text, and numeric
/// ones. Unknown entities are left as written.
fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp..];
        let decoded = tail
            .find(';')
            .filter(|&semi| semi <= 10)
            .and_then(|semi| entity(&tail[1..semi]).map(|c| (c, semi)));
        match decoded {
            Some((c, semi)) => {
                out.push(c);
                rest = &tail[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    match name {
        "nbsp" => Some(' '),
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_ends_breaks_and_paragraphs_are_slack() {
        let sent = "Replaced the toner.\nPrinted a test page.";
        for stored in [
            "Replaced the toner.\r\nPrinted a test page.",
            "Replaced the toner.<br>\nPrinted a test page.",
            "Replaced the toner.<br />Printed a test page.",
            "<p>Replaced the toner.</p><p>Printed a test page.</p>",
            "  Replaced the toner.\n\nPrinted   a test page.  ",
            "Replaced&nbsp;the toner.\nPrinted a test page.",
        ] {
            assert!(same_text(sent, stored), "{stored:?}");
        }
    }

    #[test]
    fn entities_decode_and_typed_tags_survive() {
        assert!(same_text("a < b & c", "a &lt; b &amp; c"));
        assert!(same_text("use <b>bold</b>", "use &lt;b&gt;bold&lt;/b&gt;"));
        assert!(same_text("it's", "it&#39;s"));
        assert!(same_text("é", "&#xE9;"));
        assert_eq!(normalize_text("AT&T rocks"), "AT&T rocks");
        assert_eq!(normalize_text("x &bogus; y"), "x &bogus; y");
    }

    #[test]
    fn a_changed_word_is_a_difference() {
        assert!(!same_text("Replaced the toner", "Replaced the drum"));
        assert!(!same_text("Replaced the toner", "Replaced the toner."));
        assert!(!same_text("", "x"));
    }

    #[test]
    fn broken_markup_is_kept_as_text() {
        assert_eq!(normalize_text("a <br b"), "a <br b");
        assert_eq!(normalize_text("1 < 2 > 0"), "1 < 2 > 0");
    }

    #[test]
    fn decimals_compare_by_value() {
        assert!(same_decimal(0.5, 0.5000001));
        assert!(!same_decimal(0.5, 0.75));
    }
}
