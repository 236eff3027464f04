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

/// Text as a reader sees it once rendered: the server may have stored it
/// as HTML, so HTML line breaks (`<br>`, `<p>`, `<div>`) become a space,
/// then entities are decoded (the order a browser parses them in: a
/// `&lt;br&gt;` the server escaped is text, never a break), every run of
/// whitespace becomes one space, and the ends are trimmed. Two texts a
/// reader would call identical normalise equal; a changed word does not.
pub fn normalize_text(s: &str) -> String {
    collapse(&decode_entities(&break_tags(s)))
}

/// Whether two texts are the same once the server's slack is taken out.
///
/// What we sent is plain text as typed; what the server stored may be
/// that text escaped as HTML (a literal `<br>` typed by the technician
/// comes back `&lt;br&gt;`), or the same text taken as HTML (the `<br>`
/// now a line break), with line ends, `<br>`/`<p>` and entities added. So
/// either side may be compared rendered or as typed: one rendering of
/// each must meet. Symmetric, so the argument order never matters.
pub fn same_text(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let (ra, rb) = (normalize_text(a), normalize_text(b));
    ra == rb || collapse(a) == rb || ra == collapse(b)
}

/// Every run of whitespace (line ends, tabs, no-break spaces) as one
/// space, the ends trimmed.
fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
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
        // A `<` before the tag closes is text ("a << b", "<<br>"): the tag,
        // if any, starts at the later one.
        if tail[1..close].contains('<') {
            out.push('<');
            rest = &tail[1..];
            continue;
        }
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
    fn a_literal_tag_matches_its_escaped_and_its_rendered_form() {
        let typed = "Type <br> in the signature field, then a &lt; b";
        assert!(same_text(
            typed,
            "Type &lt;br&gt; in the signature field, then a &amp;lt; b"
        ));
        assert!(same_text(
            typed,
            "Type <br> in the signature field, then a &lt; b"
        ));
        assert!(same_text("a<br>b", "<p>a&lt;br&gt;b</p>"));
        assert!(!same_text("a<br>b", "a&lt;hr&gt;b"));
    }

    #[test]
    fn same_text_is_symmetric() {
        for (a, b) in [
            ("a<br>b", "a&lt;br&gt;b"),
            ("x\ny", "x<br>\r\ny"),
            ("1 &amp; 2", "1 & 2"),
        ] {
            assert_eq!(same_text(a, b), same_text(b, a), "{a:?} {b:?}");
        }
    }

    #[test]
    fn decimals_compare_by_value() {
        assert!(same_decimal(0.5, 0.5000001));
        assert!(!same_decimal(0.5, 0.75));
    }
}

#[cfg(test)]
mod properties {
    //! Every server transform the simulator has (`syncro_sim::normalise`,
    //! each combination of the comment quirks) against bodies with
    //! literal tags, entities, `&`, unicode and odd whitespace: a body
    //! always matches its own stored form, and never the stored form of a
    //! body that differs in one visible character.

    use super::same_text;
    use proptest::prelude::*;
    use syncro_sim::normalise;
    use syncro_sim::Quirks;

    /// Pieces a technician's text is made of, the awkward ones included.
    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-zA-Z0-9]{1,8}".prop_map(String::from),
            Just(" ".to_string()),
            Just("  ".to_string()),
            Just("\n".to_string()),
            Just("\n\n".to_string()),
            Just("\t".to_string()),
            Just("\u{a0}".to_string()),
            Just("<br>".to_string()),
            Just("<p>".to_string()),
            Just("</p>".to_string()),
            Just("<b>".to_string()),
            Just("&".to_string()),
            Just("&amp;".to_string()),
            Just("&lt;".to_string()),
            Just("&nbsp;".to_string()),
            Just("&#233;".to_string()),
            Just("<".to_string()),
            Just(">".to_string()),
            Just("é".to_string()),
            Just("日本".to_string()),
            Just("🙂".to_string()),
            Just("'\"".to_string()),
        ]
    }

    fn body() -> impl Strategy<Value = String> {
        proptest::collection::vec(piece(), 1..16).prop_map(|p| p.concat())
    }

    fn quirks(bits: u8) -> Quirks {
        Quirks {
            comment_crlf: bits & 1 != 0,
            comment_br: bits & 2 != 0,
            comment_trim: bits & 4 != 0,
            comment_entities: bits & 8 != 0,
            comment_paragraphs: bits & 16 != 0,
            ..Quirks::default()
        }
    }

    /// What a visible character is changed into: a letter into a digit
    /// and back (no case folding can hide it), an accented or CJK letter
    /// or an emoji into a neighbour, markup and quotes into other
    /// punctuation. Whitespace has none: the server's slack is whitespace.
    fn changed(c: char) -> Option<char> {
        Some(match c {
            '0'..='9' => 'q',
            c if c.is_ascii_alphabetic() => '7',
            'é' => 'è',
            '日' => '月',
            '本' => '木',
            '🙂' => '🙃',
            '\'' | '"' => '`',
            '<' => '(',
            '>' => ')',
            '&' => '+',
            ';' => ',',
            '#' => '%',
            _ => return None,
        })
    }

    /// The body with its `n`-th visible character changed (see
    /// [`changed`]); `None` when it has none.
    fn mutate(body: &str, n: usize) -> Option<String> {
        let positions: Vec<(usize, char)> = body
            .char_indices()
            .filter(|&(_, c)| changed(c).is_some())
            .collect();
        let &(at, old) = positions.get(n % positions.len().max(1))?;
        let new = changed(old)?;
        Some(format!(
            "{}{new}{}",
            &body[..at],
            &body[at + old.len_utf8()..]
        ))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn a_body_matches_its_stored_form_under_every_transform(b in body(), bits in 0u8..32) {
            let (_, stored) = normalise::comment(&quirks(bits), String::new(), b.clone());
            prop_assert!(same_text(&b, &stored), "sent {:?}, stored {:?}", b, stored);
        }

        #[test]
        fn a_visibly_different_body_never_matches(b in body(), bits in 0u8..32, n in 0usize..256) {
            let Some(other) = mutate(&b, n) else { return Ok(()) };
            let (_, stored) = normalise::comment(&quirks(bits), String::new(), b.clone());
            prop_assert!(!same_text(&other, &stored), "sent {:?}, stored {:?} of {:?}", other, stored, b);
        }
    }
}
