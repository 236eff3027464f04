//! Answers sized for an agent's context.
//!
//! The read layer's answers are the CLI's `--json`: every field the API has,
//! nulls included. An agent pays for each byte of each answer, so the tools
//! answer with compact views of them instead: the fields a technician's
//! workflow uses, nulls omitted ([`Lean`]), lists paged with an opaque
//! cursor, a ticket's newest comments first. Each view is built from the
//! read layer's answer, so the CLI and MCP still cannot disagree about what
//! the cache holds.

use anyhow::Result;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;
use syncro_store::outbox::{OutboxItem, State};

use crate::read::ticket::TicketAnswer;
use crate::read::{Freshness, ListedTicket};

/// An answer serialised without its nulls (and without empty lists below
/// the top level): the same schema as `T` with those fields optional (see
/// `schema::lean_output`).
#[derive(Debug, Clone)]
pub struct Lean<T>(pub T);

impl<T: Serialize> Serialize for Lean<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut v = serde_json::to_value(&self.0).map_err(serde::ser::Error::custom)?;
        strip(&mut v, 0);
        v.serialize(s)
    }
}

impl<T: JsonSchema> JsonSchema for Lean<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }

    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(g)
    }
}

/// Drops nulls, and empty lists below the top level.
fn strip(v: &mut Value, depth: usize) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| {
                !(x.is_null() || (depth > 0 && x.as_array().is_some_and(Vec::is_empty)))
            });
            for x in m.values_mut() {
                strip(x, depth + 1);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| strip(x, depth + 1)),
        _ => {}
    }
}

/// A ticket in a list.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TicketBrief {
    pub number: i64,
    pub subject: String,
    pub status: String,
    pub customer: String,
    pub priority: Option<String>,
    /// The assigned technician.
    pub user: Option<String>,
    pub updated_at: Option<String>,
    /// Our writes on it still on their way or needing a human.
    #[serde(skip_serializing_if = "is_zero")]
    pub pending_writes: i64,
}

/// For `skip_serializing_if`: a count of nothing is left out.
pub fn is_zero(n: &i64) -> bool {
    *n == 0
}

impl From<ListedTicket> for TicketBrief {
    fn from(l: ListedTicket) -> TicketBrief {
        let t = l.ticket;
        TicketBrief {
            number: t.number,
            subject: t.subject,
            status: t.status,
            customer: t.customer_name,
            priority: t.priority,
            user: t.user_name,
            updated_at: t.updated_at,
            pending_writes: l.pending_writes,
        }
    }
}

/// A page of tickets.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TicketPage {
    #[serde(flatten)]
    pub freshness: Freshness,
    pub tickets: Vec<TicketBrief>,
    /// The next page's `cursor`.
    pub next_cursor: Option<String>,
}

/// One of our writes, as an agent follows it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct WriteRow {
    /// Its outbox id.
    pub id: i64,
    pub kind: String,
    pub state: State,
    /// What it does, in a line.
    pub what: String,
    /// Why it stopped, or what it is waiting for.
    pub error: Option<String>,
    /// The ticket number (for a create: the new ticket's, once made).
    pub number: Option<i64>,
    /// The id the server gave the record.
    pub remote_id: Option<i64>,
    /// What landed differently from what was asked.
    pub differences: Option<String>,
}

impl From<&OutboxItem> for WriteRow {
    fn from(i: &OutboxItem) -> WriteRow {
        WriteRow {
            id: i.id,
            kind: i.kind.clone(),
            state: i.state,
            what: i.command.describe(),
            error: i.last_error.clone(),
            number: i.ticket_number.or(i.result.number),
            remote_id: i.remote_id,
            differences: i.result.describe_differences(),
        }
    }
}

/// A comment as a technician reads it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CommentView {
    pub id: i64,
    pub at: Option<String>,
    pub tech: Option<String>,
    pub subject: Option<String>,
    pub body: String,
    /// An internal note, never shown to the customer.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
}

/// A billable line on the ticket.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LineView {
    pub id: i64,
    pub name: Option<String>,
    pub quantity: f64,
    /// Unit price, dollars.
    pub price: f64,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub invoiced: bool,
}

/// A timer entry on the ticket.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TimerView {
    pub id: i64,
    pub start: Option<String>,
    pub end: Option<String>,
    pub notes: Option<String>,
    pub billable: bool,
    /// Charged: its line item exists.
    pub recorded: bool,
}

/// An invoice of the ticket.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct InvoiceBrief {
    pub number: String,
    pub date: Option<String>,
    /// Dollars.
    pub total: f64,
    pub paid: bool,
}

/// One ticket, as a technician reads it: the newest comments first.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TicketView {
    #[serde(flatten)]
    pub freshness: Freshness,
    pub number: i64,
    pub subject: String,
    pub status: String,
    pub priority: Option<String>,
    pub problem_type: Option<String>,
    pub customer: String,
    pub contact: Option<String>,
    /// The assigned technician.
    pub user: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub due_date: Option<String>,
    /// Seconds since the thread was fetched.
    pub thread_age_secs: Option<i64>,
    /// Comments on the ticket in all.
    pub comments_total: usize,
    /// The newest `comments` (default 5), newest first.
    pub comments: Vec<CommentView>,
    pub line_items: Vec<LineView>,
    pub timers: Vec<TimerView>,
    pub invoices: Vec<InvoiceBrief>,
    /// Our writes on it still on their way or needing a human.
    pub pending: Vec<WriteRow>,
    /// Comments that look like extra copies of ours.
    pub possible_duplicates: Vec<String>,
}

/// Comments a ticket answers when the call does not say.
pub const COMMENTS: usize = 5;

fn dollars(cents: i64) -> f64 {
    cents as f64 / 100.0
}

impl TicketView {
    pub fn new(a: TicketAnswer, comments: usize) -> TicketView {
        let d = a.detail;
        let t = d.ticket;
        let total = d.comments.len();
        TicketView {
            freshness: a.freshness,
            number: t.number,
            subject: t.subject,
            status: t.status,
            priority: t.priority,
            problem_type: t.problem_type,
            customer: t.customer_name,
            contact: t.contact_name,
            user: t.user_name,
            created_at: t.created_at,
            updated_at: t.updated_at,
            due_date: t.due_date,
            thread_age_secs: a.thread_age_secs,
            comments_total: total,
            comments: d
                .comments
                .into_iter()
                .rev()
                .take(comments)
                .map(|c| CommentView {
                    id: c.id,
                    at: c.created_at,
                    tech: c.tech,
                    subject: c.subject,
                    body: c.body,
                    hidden: c.hidden,
                })
                .collect(),
            line_items: d
                .line_items
                .into_iter()
                .map(|l| LineView {
                    id: l.id,
                    name: l.name,
                    quantity: l.quantity,
                    price: dollars(l.retail_cents),
                    invoiced: l.converted,
                })
                .collect(),
            timers: d
                .ticket_timers
                .into_iter()
                .map(|x| TimerView {
                    id: x.id,
                    start: x.start_time,
                    end: x.end_time,
                    notes: x.notes,
                    billable: x.billable,
                    recorded: x.recorded,
                })
                .collect(),
            invoices: d
                .invoices
                .into_iter()
                .map(|i| InvoiceBrief {
                    number: i.number,
                    date: i.date,
                    total: dollars(i.total_cents),
                    paid: i.is_paid,
                })
                .collect(),
            pending: a
                .outbox
                .iter()
                .filter(|i| !i.state.is_final())
                .map(WriteRow::from)
                .collect(),
            possible_duplicates: a.possible_duplicates.iter().map(|p| p.summary()).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nulls_and_inner_empty_lists_are_left_out() {
        let v = serde_json::to_value(Lean(json!({
            "a": null, "b": [], "c": {"d": null, "e": [], "f": 1}, "g": [{"h": null}]
        })))
        .expect("serialises");
        assert_eq!(v, json!({"b": [], "c": {"f": 1}, "g": [{}]}));
    }
}
