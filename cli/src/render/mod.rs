//! Turning cache rows into text: colour, times, money, tables.
//!
//! Colour is used only when the stream is a terminal and `NO_COLOR` is not
//! set. Times show in the local zone (`TZ`); relative ages are computed
//! against the command's `now` ([`crate::context::Ctx::now`]), which
//! `SYNCRO_NOW` overrides so output can be made deterministic.
//!
//! A ticket is rendered in [`ticket`] (its label, list lines and detail
//! view) and, as a markdown document, in [`session_log`].

pub mod session_log;
pub mod ticket;

use std::io::{IsTerminal, Write};

use chrono::{DateTime, Local, Utc};
use comfy_table::{presets, Cell, CellAlignment, Table};
use serde::Serialize;
use syncro_store::outbox::{OutboxItem, State};

fn no_color_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Whether stdout gets colour.
pub fn stdout_color() -> bool {
    !no_color_env() && std::io::stdout().is_terminal()
}

/// Whether stderr gets colour.
pub fn stderr_color() -> bool {
    !no_color_env() && std::io::stderr().is_terminal()
}

/// ANSI styling that is a no-op when colour is off.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.color && !s.is_empty() {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    pub fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    pub fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }
    pub fn red(&self, s: &str) -> String {
        self.wrap("31", s)
    }
    pub fn green(&self, s: &str) -> String {
        self.wrap("32", s)
    }
    pub fn yellow(&self, s: &str) -> String {
        self.wrap("33", s)
    }
    pub fn cyan(&self, s: &str) -> String {
        self.wrap("36", s)
    }
    pub fn magenta(&self, s: &str) -> String {
        self.wrap("35", s)
    }
    /// A ticket status in its usual colour.
    pub fn status(&self, status: &str) -> String {
        match status {
            "New" => self.cyan(status),
            "In Progress" | "Scheduled" => self.yellow(status),
            "Customer Reply" => self.magenta(status),
            "Resolved" | "Invoiced" | "Closed" => self.green(status),
            _ => status.to_string(),
        }
    }
}

/// Writes to stdout; a closed pipe (`syncro tickets | head`) is not an error.
pub fn print(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(anyhow::Error::new(e).context("cannot write to stdout")),
    }
}

/// Prints `value` as pretty JSON.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    print(&text)
}

/// Writes a line to stderr (notes, warnings, previews).
pub fn note(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{text}");
}

/// The cache stores a bare date ("2026-03-05", e.g. an invoice date) as
/// midnight UTC; such a value is a calendar date, not an instant, and must
/// not shift a day when shown in a zone west of UTC.
fn calendar_date(t: &DateTime<Utc>) -> bool {
    t.time() == chrono::NaiveTime::MIN
}

/// A cache timestamp in local time, `2026-03-10 09:15` (a bare date stays
/// `2026-03-10`); `-` when absent.
pub fn time(ts: Option<&str>) -> String {
    ts.and_then(syncro_store::time::parse)
        .map(|t| {
            if calendar_date(&t) {
                t.format("%Y-%m-%d").to_string()
            } else {
                t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
            }
        })
        .unwrap_or_else(|| "-".into())
}

/// The local date of a cache timestamp, `2026-03-10`.
pub fn date(ts: Option<&str>) -> String {
    ts.and_then(syncro_store::time::parse)
        .map(|t| {
            if calendar_date(&t) {
                t.format("%Y-%m-%d").to_string()
            } else {
                t.with_timezone(&Local).format("%Y-%m-%d").to_string()
            }
        })
        .unwrap_or_else(|| "-".into())
}

/// How long before `now` `ts` was: `just now`, `5m ago`, `3h ago`.
pub fn age(ts: Option<&str>, now: DateTime<Utc>) -> String {
    let Some(t) = ts.and_then(syncro_store::time::parse) else {
        return "never".into();
    };
    let secs = (now - t).num_seconds();
    let (n, future) = if secs < 0 {
        (-secs, true)
    } else {
        (secs, false)
    };
    let span = if n < 60 {
        return if future {
            "in <1m".into()
        } else {
            "just now".into()
        };
    } else if n < 3600 {
        format!("{}m", n / 60)
    } else if n < 48 * 3600 {
        format!("{}h", n / 3600)
    } else {
        format!("{}d", n / 86400)
    };
    if future {
        format!("in {span}")
    } else {
        format!("{span} ago")
    }
}

/// A time with its age at `now`: `2026-03-10 09:15 (3h ago)`.
pub fn time_and_age(ts: Option<&str>, now: DateTime<Utc>) -> String {
    match ts {
        Some(_) if ts.and_then(syncro_store::time::parse).is_some() => {
            format!("{} ({})", time(ts), age(ts, now))
        }
        _ => "-".into(),
    }
}

/// Cents as dollars: `$1,234.50`, `-$5.00`.
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let digits: Vec<char> = (abs / 100).to_string().chars().collect();
    let grouped = digits
        .rchunks(3)
        .rev()
        .map(|g| g.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(",");
    format!("{sign}${grouped}.{:02}", abs % 100)
}

/// Dollars as text, via cents.
pub fn dollars(d: f64) -> String {
    money(syncro_store::json::dollars_to_cents(d).unwrap_or(0))
}

/// A quantity without trailing zeros: `0.75`, `1`, `1.5`.
pub fn qty(q: f64) -> String {
    let s = format!("{q:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// Cuts `s` to `max` characters, ending with `…` when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// The first letter in upper case: "remote" -> "Remote".
pub fn title_case(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// One line of text: newlines and runs of spaces become single spaces.
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(crate) fn pad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n >= width {
        s.to_string()
    } else {
        format!("{s}{}", " ".repeat(width - n))
    }
}

/// A borderless table with two spaces between columns. `right` lists the
/// columns to right-align (numbers, money).
pub fn table(header: &[&str], rows: Vec<Vec<String>>, right: &[usize], style: Style) -> String {
    let mut t = Table::new();
    t.load_preset(presets::NOTHING);
    t.force_no_tty();
    if style.color {
        t.enforce_styling();
    }
    t.set_header(
        header
            .iter()
            .map(|h| {
                let c = Cell::new(h);
                if style.color {
                    c.add_attribute(comfy_table::Attribute::Bold)
                } else {
                    c
                }
            })
            .collect::<Vec<_>>(),
    );
    for row in rows {
        t.add_row(row);
    }
    for (i, col) in t.column_iter_mut().enumerate() {
        col.set_padding((0, 2));
        if right.contains(&i) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
    let mut out = t.trim_fmt();
    out.push('\n');
    out
}

/// How an outbox item's state reads next to the thing it will change:
/// `[pending #12]`, `[held #12: reason]`.
pub fn outbox_marker(item: &OutboxItem, style: Style) -> String {
    let text = match (item.state, item.last_error.as_deref()) {
        (State::Queued, Some(e)) => format!("[pending #{}, retrying: {}]", item.id, one_line(e)),
        (State::Queued, None) => format!("[pending #{}]", item.id),
        (State::Sending | State::Verifying, _) => format!("[{} #{}]", item.state, item.id),
        (State::Probing, _) => format!(
            "[#{}: answer lost, looking for it on the server before anything is resent]",
            item.id
        ),
        (State::Held | State::Failed | State::Differs | State::Uncertain, e) => format!(
            "[{} #{}: {}]",
            item.state,
            item.id,
            e.map(one_line)
                .unwrap_or_else(|| "no reason recorded".into())
        ),
        (State::Done | State::Cancelled, _) => format!("[{} #{}]", item.state, item.id),
    };
    match item.state {
        State::Held | State::Failed | State::Differs | State::Uncertain => style.red(&text),
        State::Done => style.green(&text),
        _ => style.yellow(&text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_groups_thousands_and_signs() {
        assert_eq!(money(0), "$0.00");
        assert_eq!(money(9375), "$93.75");
        assert_eq!(money(123456789), "$1,234,567.89");
        assert_eq!(money(-500), "-$5.00");
    }

    #[test]
    fn quantities_drop_trailing_zeros() {
        assert_eq!(qty(0.75), "0.75");
        assert_eq!(qty(1.0), "1");
        assert_eq!(qty(1.5), "1.5");
        assert_eq!(qty(0.0), "0");
    }

    #[test]
    fn labor_names_are_title_cased() {
        assert_eq!(title_case("remote"), "Remote");
        assert_eq!(title_case(""), "");
    }

    #[test]
    fn truncate_counts_characters() {
        assert_eq!(truncate("héllo", 5), "héllo");
        assert_eq!(truncate("héllo world", 5), "héll…");
    }
}
