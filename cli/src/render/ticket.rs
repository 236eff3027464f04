//! A ticket as text: its label in previews and errors, its line in lists,
//! and the detail view of `syncro ticket`.

use std::str::FromStr;

use syncro_store::outbox::{OutboxItem, PossibleDuplicate, ViewSection};
use syncro_store::{TicketDetail, TicketRow};

use crate::render::{self, Style};

/// How many comments `syncro ticket` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentCount {
    Last(usize),
    All,
}

impl FromStr for CommentCount {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s.eq_ignore_ascii_case("all") {
            return Ok(CommentCount::All);
        }
        s.parse()
            .map(CommentCount::Last)
            .map_err(|_| format!("{s:?} is neither a number nor `all`"))
    }
}

/// How previews and errors name a ticket:
/// `#32164 Own cloud thing again (Jerry Burger)`.
pub fn label(t: &TicketRow) -> String {
    format!(
        "#{} {} ({})",
        t.number,
        render::one_line(&t.subject),
        t.customer_name
    )
}

const STATUS_MAX: usize = 20;
const CUSTOMER_MAX: usize = 24;

/// Ticket lines as people read them:
/// `#32164  New        Jerry Burger           Own cloud thing again`,
/// each with the number of writes still pending on it (`[2 pending]`).
pub fn lines(tickets: &[(&TicketRow, i64)], style: Style) -> Vec<String> {
    let num_w = tickets
        .iter()
        .map(|(t, _)| format!("#{}", t.number).len())
        .max()
        .unwrap_or(0);
    let status_w = tickets
        .iter()
        .map(|(t, _)| t.status.chars().count().min(STATUS_MAX))
        .max()
        .unwrap_or(0)
        .max(10);
    let cust_w = tickets
        .iter()
        .map(|(t, _)| t.customer_name.chars().count().min(CUSTOMER_MAX))
        .max()
        .unwrap_or(0)
        .max(12);
    tickets
        .iter()
        .map(|(t, pending)| {
            let num = render::pad(&format!("#{}", t.number), num_w);
            let status = render::truncate(&t.status, STATUS_MAX);
            let status_padding = " ".repeat(status_w - status.chars().count());
            let customer = render::pad(&render::truncate(&t.customer_name, CUSTOMER_MAX), cust_w);
            let marker = if *pending > 0 {
                format!("  {}", style.yellow(&format!("[{pending} pending]")))
            } else {
                String::new()
            };
            format!(
                "{}  {}{}  {}  {}{marker}",
                style.bold(&num),
                style.status(&status),
                status_padding,
                customer,
                render::one_line(&t.subject)
            )
            .trim_end()
            .to_string()
        })
        .collect()
}

fn section(out: &mut String, title: &str, style: Style) {
    out.push('\n');
    out.push_str(&style.bold(title));
    out.push('\n');
}

fn indent(text: &str, by: &str) -> String {
    text.lines()
        .map(|l| {
            if l.trim().is_empty() {
                String::new()
            } else {
                format!("{by}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// What the outbox knows about a ticket, shown alongside its cache.
#[derive(Clone, Copy)]
pub struct Shown<'a> {
    pub pending: &'a [OutboxItem],
    pub duplicates: &'a [PossibleDuplicate],
    /// The instant ages are measured from ([`crate::context::Ctx::now`]).
    pub now: chrono::DateTime<chrono::Utc>,
}

/// The ticket view of `syncro ticket`: fields, comments (newest first),
/// line items, timers and invoices, each with the writes still pending on
/// it.
pub fn detail(d: &TicketDetail, view: Shown<'_>, comments: CommentCount, style: Style) -> String {
    let pending = view.pending;
    let t = &d.ticket;
    let mut out = String::new();
    out.push_str(&format!(
        "{}  {}\n",
        style.bold(&format!("#{}", t.number)),
        style.bold(&render::one_line(&t.subject))
    ));
    let dash = |v: Option<&str>| v.filter(|s| !s.is_empty()).unwrap_or("-").to_string();
    let mut fields: Vec<(&str, String)> = vec![
        ("status", style.status(&t.status)),
        ("priority", dash(t.priority.as_deref())),
        ("type", dash(t.problem_type.as_deref())),
        (
            "customer",
            match t.customer_id {
                Some(id) => format!("{} (id {id})", t.customer_name),
                None => dash(Some(&t.customer_name)),
            },
        ),
        ("contact", dash(t.contact_name.as_deref())),
        ("created", render::time(t.created_at.as_deref())),
        ("due", render::time(t.due_date.as_deref())),
        (
            "updated",
            render::time_and_age(t.updated_at.as_deref(), view.now),
        ),
    ];
    if t.resolved_at.is_some() {
        fields.push(("resolved", render::time(t.resolved_at.as_deref())));
    }
    fields.push((
        "tech",
        match (&t.user_name, t.user_id) {
            (Some(n), _) => n.clone(),
            (None, Some(id)) => format!("user {id}"),
            (None, None) => "unassigned".into(),
        },
    ));
    // How old the comments and billing below are: the thread is fetched
    // apart from the ticket list, and a closed ticket's rarely.
    if let Some(t) = d.thread_fetched_at.as_deref().filter(|_| d.detail_synced) {
        fields.push((
            "thread",
            format!("fetched {}", render::age(Some(t), view.now)),
        ));
    }
    for item in pending {
        if item.command.section() == ViewSection::Fields {
            fields.push((
                "change",
                format!(
                    "{}  {}",
                    item.command.describe(),
                    render::outbox_marker(item, style)
                ),
            ));
        }
    }
    for (k, v) in fields {
        out.push_str(&format!("  {k:<9} {v}\n"));
    }
    if !d.detail_synced {
        out.push_str(&format!(
            "\n{}\n",
            style.yellow(
                "note: this ticket's thread (comments, line items, timers) has not been fetched yet; \
                 syncrod fetches it in the background (`syncro sync` to hurry it)"
            )
        ));
    }

    // Comments, newest first, with queued ones on top.
    let total = d.comments.len();
    let shown = match comments {
        CommentCount::All => total,
        CommentCount::Last(n) => n.min(total),
    };
    let title = if total == 0 {
        "Comments".to_string()
    } else if shown < total {
        format!("Comments (newest first, {shown} of {total}; --comments all for every one)")
    } else {
        format!("Comments (newest first, {total})")
    };
    section(&mut out, &title, style);
    let mut any = false;
    for item in pending.iter().rev() {
        if let ViewSection::Comment {
            subject,
            body,
            hidden,
            tech,
        } = item.command.section()
        {
            any = true;
            out.push_str(&format!(
                "  {}  {}  {}{}\n{}\n",
                render::outbox_marker(item, style),
                tech.unwrap_or("-"),
                subject,
                if hidden { "  (hidden)" } else { "" },
                indent(body.trim_end(), "    ")
            ));
        }
    }
    let is_copy = |id: i64| {
        view.duplicates
            .iter()
            .any(|dup| dup.extra_comment_ids.contains(&id))
    };
    for c in d.comments.iter().rev().take(shown) {
        any = true;
        let copy = if is_copy(c.id) {
            format!(
                "  {}",
                style.red(&format!("[{}]", PossibleDuplicate::advice()))
            )
        } else {
            String::new()
        };
        out.push_str(&format!(
            "  {}  {}  {}{}{copy}\n{}\n",
            style.dim(&render::time(c.created_at.as_deref())),
            c.tech.as_deref().unwrap_or("-"),
            c.subject.as_deref().unwrap_or(""),
            if c.hidden { "  (hidden)" } else { "" },
            indent(c.body.trim_end(), "    ")
        ));
    }
    for dup in view.duplicates {
        let hidden: Vec<String> = dup
            .extra_comment_ids
            .iter()
            .filter(|id| !d.comments.iter().rev().take(shown).any(|c| c.id == **id))
            .map(i64::to_string)
            .collect();
        if !hidden.is_empty() {
            out.push_str(&format!(
                "  {} comment(s) {} (not shown): {}\n",
                style.red("note:"),
                hidden.join(", "),
                PossibleDuplicate::advice()
            ));
        }
    }
    if !any {
        out.push_str("  none\n");
    }

    // Line items and billing state.
    section(&mut out, "Line items", style);
    if d.line_items.is_empty() {
        out.push_str("  none\n");
    } else {
        let rows = d
            .line_items
            .iter()
            .map(|l| {
                vec![
                    l.id.to_string(),
                    render::truncate(&render::one_line(l.name.as_deref().unwrap_or("")), 30),
                    render::truncate(
                        &render::one_line(l.description.as_deref().unwrap_or("")),
                        40,
                    ),
                    render::qty(l.quantity),
                    render::money(l.retail_cents),
                    render::money(l.total_cents()),
                    if l.converted {
                        "invoiced".into()
                    } else {
                        "not invoiced".into()
                    },
                ]
            })
            .collect();
        out.push_str(&indent(
            &render::table(
                &[
                    "ID",
                    "NAME",
                    "DESCRIPTION",
                    "QTY",
                    "PRICE",
                    "TOTAL",
                    "BILLING",
                ],
                rows,
                &[3, 4, 5],
                style,
            ),
            "  ",
        ));
        out.push('\n');
        let total: i64 = d.line_items.iter().map(|l| l.total_cents()).sum();
        let open: i64 = d
            .line_items
            .iter()
            .filter(|l| !l.converted)
            .map(|l| l.total_cents())
            .sum();
        out.push_str(&format!(
            "  total {}; invoiced {}; not yet invoiced {}\n",
            render::money(total),
            render::money(total - open),
            render::money(open)
        ));
    }
    pending_lines(&mut out, pending, style, ViewSection::LineItems);

    // Timers.
    section(&mut out, "Timers", style);
    if d.ticket_timers.is_empty() {
        out.push_str("  none\n");
    } else {
        let rows = d
            .ticket_timers
            .iter()
            .map(|t| {
                let minutes = match (
                    t.start_time.as_deref().and_then(syncro_store::time::parse),
                    t.end_time.as_deref().and_then(syncro_store::time::parse),
                ) {
                    (Some(s), Some(e)) => (e - s).num_minutes().to_string(),
                    _ => "-".into(),
                };
                vec![
                    t.id.to_string(),
                    render::time(t.start_time.as_deref()),
                    render::time(t.end_time.as_deref()),
                    minutes,
                    yes_no(t.billable),
                    if t.recorded {
                        match t.ticket_line_item_id {
                            Some(l) => format!("yes (line {l})"),
                            None => "yes".into(),
                        }
                    } else {
                        "no".into()
                    },
                    render::truncate(&render::one_line(t.notes.as_deref().unwrap_or("")), 40),
                ]
            })
            .collect();
        out.push_str(&indent(
            &render::table(
                &["ID", "START", "END", "MIN", "BILLABLE", "CHARGED", "NOTES"],
                rows,
                &[3],
                style,
            ),
            "  ",
        ));
        out.push('\n');
    }
    pending_lines(&mut out, pending, style, ViewSection::Timers);

    // Invoices.
    section(&mut out, "Invoices", style);
    if d.invoices.is_empty() {
        out.push_str("  none\n");
    } else {
        let rows = d
            .invoices
            .iter()
            .map(|i| {
                vec![
                    format!("#{}", i.number),
                    render::date(i.date.as_deref()),
                    render::money(i.total_cents),
                    if i.is_paid {
                        "paid".into()
                    } else {
                        "unpaid".into()
                    },
                ]
            })
            .collect();
        out.push_str(&indent(
            &render::table(&["NUMBER", "DATE", "TOTAL", "PAID"], rows, &[2], style),
            "  ",
        ));
        out.push('\n');
    }
    pending_lines(&mut out, pending, style, ViewSection::Invoices);
    out
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

/// The pending writes that go in `wanted`, one line each.
fn pending_lines(out: &mut String, pending: &[OutboxItem], style: Style, wanted: ViewSection<'_>) {
    for item in pending.iter().filter(|i| i.command.section() == wanted) {
        out.push_str(&format!(
            "  {}  {}\n",
            render::outbox_marker(item, style),
            item.command.describe()
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_counts_parse() {
        assert_eq!("ALL".parse(), Ok(CommentCount::All));
        assert_eq!("3".parse(), Ok(CommentCount::Last(3)));
        assert!("x".parse::<CommentCount>().is_err());
    }
}
