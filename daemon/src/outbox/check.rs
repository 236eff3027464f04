//! Pure comparisons behind the outbox's two questions: "did an earlier
//! attempt already land?" (probe) and "did it land as asked?" (verify).
//! Kept free of I/O so every rule is unit-tested.

use syncro_store::model::{Comment, LineItem, Timer};
use syncro_store::outbox::{Command, TicketFields};
use syncro_store::time;

use syncro_store::model::{InvoiceLine, Ticket};

/// Money as the server would store it.
pub fn cents(dollars: f64) -> i64 {
    syncro_store::json::dollars_to_cents(dollars).unwrap_or(0)
}

fn money(c: i64) -> String {
    format!("${}.{:02}", c / 100, (c % 100).abs())
}

fn same_qty(a: f64, b: f64) -> bool {
    (a - b).abs() < 0.005
}

fn same_time(a: Option<&str>, b: &str) -> bool {
    match (a.and_then(time::parse), time::parse(b)) {
        (Some(x), Some(y)) => (x - y).num_seconds().abs() < 1,
        _ => false,
    }
}

/// A comment that could be this item's earlier landing: newer than the
/// baseline, same content, not claimed by another item.
pub fn find_comment<'a>(
    comments: &'a [Comment],
    subject: &str,
    body: &str,
    hidden: bool,
    after_id: i64,
    claimed: &[i64],
) -> Option<&'a Comment> {
    comments.iter().find(|c| {
        c.id > after_id
            && !claimed.contains(&c.id)
            && c.subject.as_deref().unwrap_or("").trim() == subject.trim()
            && c.body.trim() == body.trim()
            && c.hidden == hidden
    })
}

pub fn find_line_item<'a>(
    items: &'a [LineItem],
    name: &str,
    quantity: f64,
    product_id: Option<i64>,
    after_id: i64,
    claimed: &[i64],
) -> Option<&'a LineItem> {
    items.iter().find(|l| {
        l.id > after_id
            && !claimed.contains(&l.id)
            && l.name.as_deref() == Some(name)
            && same_qty(l.quantity, quantity)
            && (product_id.is_none() || l.product_id == product_id)
    })
}

pub fn find_timer<'a>(
    timers: &'a [Timer],
    start_at: &str,
    after_id: i64,
    claimed: &[i64],
) -> Option<&'a Timer> {
    timers.iter().find(|t| {
        t.id > after_id && !claimed.contains(&t.id) && same_time(t.start_time.as_deref(), start_at)
    })
}

/// Differences between the requested ticket fields and the server's.
pub fn ticket_fields_differ(t: &Ticket, f: &TicketFields) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |name: &str, want: Option<&str>, got: Option<&str>| {
        if let Some(w) = want {
            if got != Some(w) {
                out.push(format!("{name} is {:?}, expected {w:?}", got.unwrap_or("")));
            }
        }
    };
    check("status", f.status.as_deref(), Some(t.status.as_str()));
    check("priority", f.priority.as_deref(), t.priority.as_deref());
    check("subject", f.subject.as_deref(), Some(t.subject.as_str()));
    check(
        "problem type",
        f.problem_type.as_deref(),
        t.problem_type.as_deref(),
    );
    if let Some(u) = f.user_id {
        if t.user_id != Some(u) {
            out.push(format!("assigned user is {:?}, expected {u}", t.user_id));
        }
    }
    out
}

/// Differences between a line item and what the command asked for. The
/// price check is what catches Syncro's silent $0.00 (a price sent in a
/// field the server ignores).
pub fn line_item_differs(l: &LineItem, cmd: &Command) -> Vec<String> {
    let mut out = Vec::new();
    let (quantity, price, product, name, description) = match cmd {
        Command::AddLineItem {
            quantity,
            price_retail,
            product_id,
            name,
            description,
        } => (
            Some(*quantity),
            Some(*price_retail),
            *product_id,
            Some(name.as_str()),
            Some(description.as_str()),
        ),
        Command::UpdateLineItem {
            quantity,
            price_retail,
            name,
            description,
            ..
        } => (
            *quantity,
            *price_retail,
            None,
            name.as_deref(),
            description.as_deref(),
        ),
        _ => return out,
    };
    if let Some(q) = quantity {
        if !same_qty(l.quantity, q) {
            out.push(format!("quantity is {}, expected {q}", l.quantity));
        }
    }
    if let Some(p) = price {
        let want = cents(p);
        if l.retail_cents != want {
            out.push(format!(
                "price is {} but {} was asked (the server ignored or changed the price)",
                money(l.retail_cents),
                money(want)
            ));
        }
    }
    if let Some(p) = product {
        if l.product_id != Some(p) {
            out.push(format!("product is {:?}, expected {p}", l.product_id));
        }
    }
    if let Some(n) = name {
        if l.name.as_deref() != Some(n) {
            out.push(format!(
                "name is {:?}, expected {n:?}",
                l.name.as_deref().unwrap_or("")
            ));
        }
    }
    if let Some(d) = description {
        if l.description.as_deref() != Some(d) {
            out.push(format!(
                "description differs ({:?})",
                l.description.as_deref().unwrap_or("")
            ));
        }
    }
    out
}

pub fn timer_differs(t: &Timer, cmd: &Command) -> Vec<String> {
    let mut out = Vec::new();
    let (start, end, notes, billable, product) = match cmd {
        Command::AddTimer {
            start_at,
            end_at,
            notes,
            billable,
            product_id,
        } => (
            Some(start_at.as_str()),
            Some(end_at.as_str()),
            notes.as_deref(),
            Some(*billable),
            *product_id,
        ),
        Command::UpdateTimer {
            start_at,
            end_at,
            notes,
            billable,
            product_id,
            ..
        } => (
            start_at.as_deref(),
            end_at.as_deref(),
            notes.as_deref(),
            *billable,
            *product_id,
        ),
        _ => return out,
    };
    if let Some(s) = start {
        if !same_time(t.start_time.as_deref(), s) {
            out.push(format!(
                "start is {:?}, expected {s}",
                t.start_time.as_deref().unwrap_or("")
            ));
        }
    }
    if let Some(e) = end {
        if !same_time(t.end_time.as_deref(), e) {
            out.push(format!(
                "end is {:?}, expected {e}",
                t.end_time.as_deref().unwrap_or("")
            ));
        }
    }
    if let Some(n) = notes {
        if t.notes.as_deref() != Some(n) {
            out.push("notes differ".to_string());
        }
    }
    if let Some(b) = billable {
        if t.billable != b {
            out.push(format!("billable is {}, expected {b}", t.billable));
        }
    }
    if let Some(p) = product {
        if t.product_id != Some(p) {
            out.push(format!("product is {:?}, expected {p}", t.product_id));
        }
    }
    out
}

/// A line the invoice must hold (recorded from the ticket before sending).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ExpectedLine {
    pub product_id: Option<i64>,
    pub name: Option<String>,
    pub quantity: f64,
    pub price_cents: i64,
}

/// The expected lines missing from an invoice (each invoice line matches
/// at most one expected line).
pub fn missing_invoice_lines(
    expected: &[ExpectedLine],
    lines: &[InvoiceLine],
) -> Vec<ExpectedLine> {
    let mut unused: Vec<&InvoiceLine> = lines.iter().collect();
    let mut missing = Vec::new();
    for e in expected {
        let pos = unused.iter().position(|l| {
            same_qty(l.quantity, e.quantity)
                && l.price_cents == e.price_cents
                && (e.product_id.is_none() || l.product_id == e.product_id)
        });
        match pos {
            Some(i) => {
                unused.remove(i);
            }
            None => missing.push(e.clone()),
        }
    }
    missing
}

pub fn describe_line(e: &ExpectedLine) -> String {
    format!(
        "{} x {} ({})",
        e.quantity,
        money(e.price_cents),
        e.name.as_deref().unwrap_or("line")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;
    use serde_json::json;

    fn comment(id: i64, body: &str) -> Comment {
        Comment::from_json(&json!({"id": id, "subject": "Update", "body": body}), 1).unwrap()
    }

    #[test]
    fn a_claimed_or_older_comment_is_not_this_items_landing() {
        let cs = vec![comment(5, "same"), comment(9, "same"), comment(12, "same")];
        assert_eq!(
            find_comment(&cs, "Update", "same", false, 6, &[9]).map(|c| c.id),
            Some(12)
        );
        assert_eq!(
            find_comment(&cs, "Update", "same", false, 12, &[]).map(|c| c.id),
            None
        );
        assert_eq!(
            find_comment(&cs, "Update", "other", false, 0, &[]).map(|c| c.id),
            None
        );
    }

    #[test]
    fn the_zero_dollar_trap_is_a_difference() -> TestResult {
        let l = LineItem::from_json(
            &json!({"id": 1, "name": "Labor", "quantity": "0.5", "price_retail": 0}),
            1,
        )?;
        let cmd = Command::AddLineItem {
            product_id: None,
            name: "Labor".into(),
            description: "d".into(),
            quantity: 0.5,
            price_retail: 125.0,
        };
        let diff = line_item_differs(&l, &cmd);
        assert_eq!(diff.len(), 2, "{diff:?}"); // price and description
        assert!(
            diff[0].contains("price is $0.00 but $125.00 was asked"),
            "{diff:?}"
        );
        Ok(())
    }

    #[test]
    fn invoice_lines_match_as_a_multiset() -> TestResult {
        let e = ExpectedLine {
            product_id: Some(9001),
            name: None,
            quantity: 0.5,
            price_cents: 12500,
        };
        let line = |id| {
            InvoiceLine::from_json(
                &json!({"id": id, "product_id": 9001, "quantity": "0.5", "price": "125.0"}),
                1,
            )
            .expect("valid invoice line")
        };
        assert!(missing_invoice_lines(&[e.clone(), e.clone()], &[line(1), line(2)]).is_empty());
        assert_eq!(
            missing_invoice_lines(&[e.clone(), e.clone()], &[line(1)]).len(),
            1
        );
        Ok(())
    }
}
