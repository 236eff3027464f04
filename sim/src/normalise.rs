//! How the comment quirks rewrite a posted comment before it is stored.
//!
//! The real service does not promise to store a body byte for byte, so a
//! client that checks "did my comment land?" by comparing bodies has to be
//! tested against a server that rewrites them. Each rule is a small pure
//! function, deterministic, so a test can predict the stored text exactly;
//! `comment` chains the ones a `Quirks` switches on.

use crate::quirks::Quirks;

/// The stored subject and body of a posted comment under `q`.
///
/// Rules run in a fixed order, the one a server that cleans input, escapes
/// it, then renders it as rich text would use: trim, entities (escaping
/// must not touch the markup added next), paragraphs, br (so `<br>` lands
/// inside paragraphs, not between them), crlf (line ends last, so `<br>` is
/// inserted before the whole `\r\n`). The subject is only ever trimmed.
pub fn comment(q: &Quirks, subject: String, body: String) -> (String, String) {
    let mut body = body;
    let mut subject = subject;
    if q.comment_trim {
        subject = trim(&subject);
        body = trim(&body);
    }
    if q.comment_entities {
        body = entities(&body);
    }
    if q.comment_paragraphs {
        body = paragraphs(&body);
    }
    if q.comment_br {
        body = br(&body);
    }
    if q.comment_crlf {
        body = crlf(&body);
    }
    (subject, body)
}

/// Every `\n` not already preceded by `\r` becomes `\r\n`: an existing
/// `\r\n` is kept as is (not doubled) and a lone `\r` is left alone.
pub fn crlf(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 16);
    let mut prev = None;
    for ch in s.chars() {
        if ch == '\n' && prev != Some('\r') {
            out.push('\r');
        }
        out.push(ch);
        prev = Some(ch);
    }
    out
}

/// `<br>` before every line end: "a\nb" -> "a<br>\nb", "a\r\nb" ->
/// "a<br>\r\nb" (before the whole CRLF), "a\n" -> "a<br>\n". Always added,
/// even after an existing `<br>`, as a plaintext-to-HTML converter does;
/// the last line, having no line end, gets none.
pub fn br(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for piece in s.split_inclusive('\n') {
        let Some(line) = piece.strip_suffix('\n') else {
            out.push_str(piece);
            continue;
        };
        let (text, end) = match line.strip_suffix('\r') {
            Some(text) => (text, "\r\n"),
            None => (line, "\n"),
        };
        out.push_str(text);
        out.push_str("<br>");
        out.push_str(end);
    }
    out
}

/// Surrounding whitespace (any Unicode whitespace, line ends included) is
/// removed, and every run of ASCII spaces collapses to one space. Runs never
/// cross a line end, so this works line by line; tabs, U+00A0 and the
/// spaces just before a line end (one is kept) are left alone.
pub fn trim(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_space = false;
    for ch in s.trim().chars() {
        let space = ch == ' ';
        if !(space && prev_space) {
            out.push(ch);
        }
        prev_space = space;
    }
    out
}

/// HTML-escapes the text as a naive server does: every `&` (even one that
/// already starts an entity, so re-posting an escaped body escapes it
/// again), `<` and `>` become `&amp;` `&lt;` `&gt;`; U+00A0 becomes
/// `&nbsp;`; in a run of n >= 2 ASCII spaces the first n-1 become `&nbsp;`
/// and the last stays a space ("a  b" -> "a&nbsp; b"), how rich-text
/// editors keep the width and still let the line wrap. A single space and
/// quotes are left alone.
pub fn entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    let mut spaces = 0usize;
    let flush = |out: &mut String, spaces: &mut usize| {
        if *spaces > 0 {
            for _ in 1..*spaces {
                out.push_str("&nbsp;");
            }
            out.push(' ');
            *spaces = 0;
        }
    };
    for ch in s.chars() {
        if ch == ' ' {
            spaces += 1;
            continue;
        }
        flush(&mut out, &mut spaces);
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\u{a0}' => out.push_str("&nbsp;"),
            c => out.push(c),
        }
    }
    flush(&mut out, &mut spaces);
    out
}

/// One `<p>...</p>` per block of lines separated by blank lines (empty or
/// whitespace only; `\n` or `\r\n`), the paragraphs joined with nothing
/// between them, as rich-text editors emit them: "a\nb\n\nc" ->
/// "<p>a\nb</p><p>c</p>". Line ends inside a block are kept; the blank
/// lines and the line end closing each block are dropped. A body with no
/// text at all becomes "<p></p>".
pub fn paragraphs(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    let mut block = String::new();
    let close = |out: &mut String, block: &mut String| {
        if block.is_empty() {
            return;
        }
        let text = block
            .strip_suffix('\n')
            .map(|b| b.strip_suffix('\r').unwrap_or(b))
            .unwrap_or(block);
        out.push_str("<p>");
        out.push_str(text);
        out.push_str("</p>");
        block.clear();
    };
    for line in s.split_inclusive('\n') {
        if line.trim().is_empty() {
            close(&mut out, &mut block);
        } else {
            block.push_str(line);
        }
    }
    close(&mut out, &mut block);
    if out.is_empty() {
        out.push_str("<p></p>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_converts_lone_line_feeds_only() {
        assert_eq!(crlf("a\nb"), "a\r\nb");
        assert_eq!(crlf("a\r\nb\nc\n"), "a\r\nb\r\nc\r\n");
        assert_eq!(crlf("\n\n"), "\r\n\r\n");
        assert_eq!(crlf("lone\rcr"), "lone\rcr");
        assert_eq!(crlf("no line end"), "no line end");
        assert_eq!(crlf(&crlf("x\ny\r\n")), crlf("x\ny\r\n"), "idempotent");
    }

    #[test]
    fn br_goes_before_each_line_end() {
        assert_eq!(br("a\nb"), "a<br>\nb");
        assert_eq!(br("a\r\nb"), "a<br>\r\nb");
        assert_eq!(br("a\n\nb\n"), "a<br>\n<br>\nb<br>\n");
        assert_eq!(br("one line"), "one line");
        assert_eq!(br("a<br>\nb"), "a<br><br>\nb", "always added");
    }

    #[test]
    fn trim_strips_the_ends_and_collapses_space_runs() {
        assert_eq!(trim("  Rebooted   the  router \n"), "Rebooted the router");
        assert_eq!(trim("a    b\n  c  d"), "a b\n c d");
        assert_eq!(trim("\t tab\tkept \t"), "tab\tkept");
        assert_eq!(trim("end  \nnext"), "end \nnext");
        assert_eq!(trim("é  ü"), "é ü");
        assert_eq!(trim("   "), "");
    }

    #[test]
    fn entities_escape_markup_and_hard_spaces() {
        assert_eq!(entities("a & b < c > d"), "a &amp; b &lt; c &gt; d");
        assert_eq!(entities("&amp;"), "&amp;amp;");
        assert_eq!(entities("a  b"), "a&nbsp; b");
        assert_eq!(entities("a   b"), "a&nbsp;&nbsp; b");
        assert_eq!(entities("a b"), "a b");
        assert_eq!(entities("x\u{a0}y"), "x&nbsp;y");
        assert_eq!(entities("end  "), "end&nbsp; ");
        assert_eq!(entities("\"quoted\" it's"), "\"quoted\" it's");
        assert_eq!(entities("<b>\n</b>"), "&lt;b&gt;\n&lt;/b&gt;");
    }

    #[test]
    fn a_literal_br_typed_by_the_user_is_stored_escaped() {
        // A rich-text server escapes the user's own tag; only the `<br>`
        // it adds itself is markup, so the two can be told apart.
        assert_eq!(
            entities("Line one<br>Line two"),
            "Line one&lt;br&gt;Line two"
        );
        let rich = Quirks {
            comment_entities: true,
            comment_br: true,
            ..Quirks::default()
        };
        let (_, b) = comment(
            &rich,
            "S".into(),
            "typed <br> here
next"
                .into(),
        );
        assert_eq!(b, "typed &lt;br&gt; here<br>\nnext");
    }

    #[test]
    fn paragraphs_wrap_blank_line_separated_blocks() {
        assert_eq!(paragraphs("one"), "<p>one</p>");
        assert_eq!(paragraphs("a\nb\n\nc"), "<p>a\nb</p><p>c</p>");
        assert_eq!(paragraphs("a\r\n\r\nb\r\n"), "<p>a</p><p>b</p>");
        assert_eq!(paragraphs("\n\na\n \n\t\n\nb\n\n"), "<p>a</p><p>b</p>");
        assert_eq!(paragraphs("a\r\nb"), "<p>a\r\nb</p>");
        assert_eq!(paragraphs(" \n"), "<p></p>");
    }

    #[test]
    fn comment_applies_nothing_by_default() {
        let body = "  Line one  \r\nline <two>\n\n".to_string();
        let (s, b) = comment(&Quirks::default(), " Update ".into(), body.clone());
        assert_eq!((s.as_str(), b), (" Update ", body));
    }

    #[test]
    fn comment_chains_the_rules_in_order() {
        let all = Quirks {
            comment_crlf: true,
            comment_br: true,
            comment_trim: true,
            comment_entities: true,
            comment_paragraphs: true,
            ..Quirks::default()
        };
        let (s, b) = comment(
            &all,
            "  Call   back ".into(),
            " A & B\nline  2\n\nC \n".into(),
        );
        assert_eq!(s, "Call back");
        assert_eq!(b, "<p>A &amp; B<br>\r\nline 2</p><p>C</p>");
        let realistic = Quirks::realistic();
        let (s, b) = comment(&realistic, " Hi ".into(), "  a  b\nc\r\n".into());
        assert_eq!((s.as_str(), b.as_str()), ("Hi", "a b\r\nc"));
    }

    #[test]
    fn the_same_post_is_stored_the_same_way() {
        let all = Quirks {
            comment_crlf: true,
            comment_br: true,
            comment_trim: true,
            comment_entities: true,
            comment_paragraphs: true,
            ..Quirks::default()
        };
        let post = || comment(&all, "S".into(), "x  <y>\n\nz".into());
        assert_eq!(post(), post());
    }
}
