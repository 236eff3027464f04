//! A ticket's session log: a markdown document for the client's records
//! (`syncro log`, `syncro mcp`'s `get_session_log`), and where it is
//! filed (`clients/<customer>/session-logs/<date>-<number>.md`).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use syncro_store::TicketDetail;

use crate::render;

/// `Jerry's Burger Barn, LLC` -> `jerry-s-burger-barn-llc`.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "unknown-customer".into()
    } else {
        out
    }
}

/// Text safe inside a markdown table cell.
fn cell(s: &str) -> String {
    render::one_line(s).replace('|', "\\|")
}

/// The session log's markdown.
pub fn markdown(d: &TicketDetail, labor_products: &[i64]) -> String {
    let t = &d.ticket;
    let mut md = format!("# #{} {}\n\n", t.number, render::one_line(&t.subject));
    let mut facts = vec![
        ("Customer", t.customer_name.clone()),
        ("Status", t.status.clone()),
        ("Created", render::time(t.created_at.as_deref())),
    ];
    if let Some(c) = &t.contact_name {
        facts.insert(1, ("Contact", c.clone()));
    }
    if let Some(p) = &t.problem_type {
        facts.push(("Type", p.clone()));
    }
    if t.resolved_at.is_some() {
        facts.push(("Resolved", render::time(t.resolved_at.as_deref())));
    }
    if let Some(u) = &t.user_name {
        facts.push(("Tech", u.clone()));
    }
    for (k, v) in facts {
        md.push_str(&format!("- **{k}:** {v}\n"));
    }
    if !d.detail_synced {
        md.push_str(
            "\n> The ticket's thread had not been fetched into the cache when this log was written.\n",
        );
    }

    md.push_str("\n## Timeline\n\n");
    if d.comments.is_empty() {
        md.push_str("_No comments._\n");
    }
    for c in &d.comments {
        md.push_str(&format!(
            "### {} — {}{}{}\n\n{}\n\n",
            render::time(c.created_at.as_deref()),
            c.tech.as_deref().unwrap_or("unknown"),
            c.subject
                .as_deref()
                .filter(|s| !s.is_empty())
                .map(|s| format!(" — {s}"))
                .unwrap_or_default(),
            if c.hidden { " (internal)" } else { "" },
            c.body.trim()
        ));
    }

    md.push_str("## Time and charges\n\n");
    if d.line_items.is_empty() && d.ticket_timers.is_empty() {
        md.push_str("_Nothing billed._\n");
    }
    if !d.line_items.is_empty() {
        md.push_str("| Item | Description | Qty | Price | Total | Billing |\n");
        md.push_str("|---|---|---:|---:|---:|---|\n");
        for l in &d.line_items {
            md.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                cell(l.name.as_deref().unwrap_or("")),
                cell(l.description.as_deref().unwrap_or("")),
                render::qty(l.quantity),
                render::money(l.retail_cents),
                render::money(l.total_cents()),
                if l.converted {
                    "invoiced"
                } else {
                    "not invoiced"
                }
            ));
        }
        let total: i64 = d.line_items.iter().map(|l| l.total_cents()).sum();
        let labor_hours: f64 = d
            .line_items
            .iter()
            .filter(|l| l.product_id.is_some_and(|p| labor_products.contains(&p)))
            .map(|l| l.quantity)
            .sum();
        md.push_str(&format!(
            "\n**Total:** {}; labor billed {} h\n",
            render::money(total),
            render::qty(labor_hours)
        ));
    }
    if !d.ticket_timers.is_empty() {
        md.push_str("\n**Timers:**\n\n");
        for t in &d.ticket_timers {
            let minutes = match (
                t.start_time.as_deref().and_then(syncro_store::time::parse),
                t.end_time.as_deref().and_then(syncro_store::time::parse),
            ) {
                (Some(s), Some(e)) => format!("{} min", (e - s).num_minutes()),
                _ => "running".into(),
            };
            md.push_str(&format!(
                "- {} — {}{}{}\n",
                render::time(t.start_time.as_deref()),
                minutes,
                if t.billable { ", billable" } else { "" },
                t.notes
                    .as_deref()
                    .filter(|n| !n.trim().is_empty())
                    .map(|n| format!(": {}", render::one_line(n)))
                    .unwrap_or_default()
            ));
        }
    }
    if !d.invoices.is_empty() {
        md.push_str("\n**Invoices:** ");
        md.push_str(
            &d.invoices
                .iter()
                .map(|i| {
                    format!(
                        "#{} ({}, {})",
                        i.number,
                        render::money(i.total_cents),
                        if i.is_paid { "paid" } else { "unpaid" }
                    )
                })
                .collect::<Vec<_>>()
                .join(", "),
        );
        md.push('\n');
    }

    md.push_str("\n## Resolution\n\n");
    match (t.is_open(), d.comments.last()) {
        (false, Some(c)) => md.push_str(&format!("{}\n", c.body.trim())),
        (false, None) => md.push_str(&format!("{} (no closing comment).\n", t.status)),
        (true, _) => md.push_str(&format!("_Still open ({})._\n", t.status)),
    }
    md
}

/// Where the log goes: `dir/clients/<slug>/session-logs/<date>-<number>.md`,
/// dated by when the work ended (resolved, else last updated, else `now`).
pub fn log_path(dir: &Path, d: &TicketDetail, now: DateTime<Utc>) -> PathBuf {
    let t = &d.ticket;
    let when = t
        .resolved_at
        .as_deref()
        .or(t.updated_at.as_deref())
        .or(t.created_at.as_deref());
    let date = match when {
        Some(_) => render::date(when),
        None => now
            .with_timezone(&chrono::Local)
            .format("%Y-%m-%d")
            .to_string(),
    };
    dir.join("clients")
        .join(slug(&t.customer_name))
        .join("session-logs")
        .join(format!("{date}-{}.md", t.number))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lowercase_words_joined_by_dashes() {
        assert_eq!(slug("Jerry Burger"), "jerry-burger");
        assert_eq!(slug("Jerry's Burger Barn, LLC"), "jerry-s-burger-barn-llc");
        assert_eq!(slug("  ../..  "), "unknown-customer");
        assert_eq!(slug("Café Zoë"), "café-zoë");
    }
}
