//! Tickets: `PUT /tickets/{id}` (field updates) and `POST /tickets`.
//!
//! **Updates** set absolute values, so sending one twice is harmless: an
//! unknown outcome is looked at at once, and landed means "the ticket
//! now has the fields asked". Status, priority and problem type are
//! compared by value (case and surrounding space aside); the subject
//! through [`same_text`]. Any field not as asked blocks later steps: a
//! bill's "Invoiced" that did not take is exactly what a technician must
//! see. Only the fields being changed are sent (some Syncro PUTs reset
//! omitted fields).
//!
//! **Creates** are found by identity (`.ticket.id`), else as the newest of
//! the customer's tickets above the baseline with the same subject and not
//! claimed by another item; the baseline and the probe read every page of
//! the customer's tickets, not only the first. A subject that differs is
//! reported; a different customer blocks (later steps would land on the
//! wrong customer's ticket).

use reqwest::Method;
use serde_json::{json, Map, Value};
use syncro_store::matching::{normalize_text, same_text};
use syncro_store::model::{Ticket, TicketWithChildren};
use syncro_store::outbox::{Command, Difference, ItemResult, OutboxItem, TicketFields};

use super::{
    before, landed, max_id, nested_id, Facts, Family, Probe, Read, ReadBack, Request, Snapshot,
};

pub struct Tickets;

/// Fields of `t` not as `f` asks.
fn field_differences(t: &Ticket, f: &TicketFields) -> Vec<Difference> {
    let mut out = Vec::new();
    let mut check = |name: &str, want: Option<&str>, got: Option<&str>, text: bool| {
        let Some(w) = want else { return };
        let g = got.unwrap_or("");
        let same = if text {
            same_text(w, g)
        } else {
            normalize_text(w).eq_ignore_ascii_case(&normalize_text(g))
        };
        if !same {
            out.push(Difference::new(
                format!("ticket #{}: {name}", t.number),
                w,
                g,
                true,
            ));
        }
    };
    check("status", f.status.as_deref(), Some(&t.status), false);
    check(
        "priority",
        f.priority.as_deref(),
        t.priority.as_deref(),
        false,
    );
    check("subject", f.subject.as_deref(), Some(&t.subject), true);
    check(
        "problem type",
        f.problem_type.as_deref(),
        t.problem_type.as_deref(),
        false,
    );
    if let Some(u) = f.user_id {
        if t.user_id != Some(u) {
            out.push(Difference::new(
                format!("ticket #{}: assigned user", t.number),
                u,
                t.user_id.map(|u| u.to_string()).unwrap_or_default(),
                true,
            ));
        }
    }
    out
}

fn create_body(cmd: &Command) -> Value {
    let Command::CreateTicket {
        customer_id,
        subject,
        problem_type,
        priority,
        status,
        body,
    } = cmd
    else {
        return Value::Null;
    };
    let mut b = Map::new();
    b.insert("customer_id".into(), json!(customer_id));
    b.insert("subject".into(), json!(subject));
    for (k, v) in [
        ("problem_type", problem_type),
        ("priority", priority),
        ("status", status),
    ] {
        if let Some(v) = v {
            b.insert(k.into(), json!(v));
        }
    }
    if let Some(body) = body {
        b.insert(
            "comments_attributes".into(),
            json!([{"subject": "Initial Issue", "body": body, "hidden": false}]),
        );
    }
    Value::Object(b)
}

/// The customer's tickets that could be this create's landing, oldest first.
fn candidates<'a>(
    tickets: &'a [Ticket],
    subject: &'a str,
    after: i64,
    claimed: &'a [i64],
) -> impl Iterator<Item = &'a Ticket> {
    let mut found: Vec<&Ticket> = tickets
        .iter()
        .filter(|t| t.id > after && !claimed.contains(&t.id) && same_text(&t.subject, subject))
        .collect();
    found.sort_by_key(|t| t.id);
    found.into_iter()
}

/// Judges a created ticket: from its detail when the id is known, else
/// from its list entry.
fn judge_create(
    cmd: &Command,
    t: &Ticket,
    detail: Option<&TicketWithChildren>,
) -> (Vec<Difference>, Facts) {
    let mut diffs = Vec::new();
    if let Command::CreateTicket {
        customer_id,
        subject,
        body,
        ..
    } = cmd
    {
        if !same_text(&t.subject, subject) {
            diffs.push(Difference::new(
                format!("ticket #{}: subject", t.number),
                subject,
                &t.subject,
                false,
            ));
        }
        if t.customer_id != Some(*customer_id) {
            diffs.push(Difference::new(
                format!("ticket #{}: customer", t.number),
                customer_id,
                t.customer_id.map(|c| c.to_string()).unwrap_or_default(),
                true,
            ));
        }
        if let (Some(body), Some(d)) = (body, detail) {
            if !d.comments.iter().any(|c| same_text(&c.body, body)) {
                diffs.push(Difference::new(
                    format!("ticket #{}: initial comment", t.number),
                    normalize_text(body),
                    d.comments
                        .first()
                        .map(|c| normalize_text(&c.body))
                        .unwrap_or_default(),
                    false,
                ));
            }
        }
    }
    let facts = Facts {
        ticket_updated_at: t.updated_at.clone(),
        created_ticket: Some((t.id, t.number)),
        ..Facts::default()
    };
    (diffs, facts)
}

impl Family for Tickets {
    fn reads_before(&self, item: &OutboxItem) -> Vec<Read> {
        match &item.command {
            Command::CreateTicket { customer_id, .. } => vec![Read::CustomerTickets(*customer_id)],
            _ => item.ticket_id.map(Read::Ticket).into_iter().collect(),
        }
    }

    fn baseline(&self, item: &OutboxItem, snap: &Snapshot) -> Result<ItemResult, String> {
        Ok(match &item.command {
            Command::CreateTicket { customer_id, .. } => before(max_id(
                snap.customer_tickets
                    .get(customer_id)
                    .into_iter()
                    .flatten()
                    .map(|t| t.id),
            )),
            _ => ItemResult::default(),
        })
    }

    fn request(&self, item: &OutboxItem, _snap: &Snapshot) -> Request {
        match &item.command {
            Command::UpdateTicket { fields } => Request::new(
                Method::PUT,
                format!("/tickets/{}", item.ticket_id.unwrap_or_default()),
                serde_json::to_value(fields).unwrap_or_else(|_| json!({})),
            ),
            cmd => Request::new(Method::POST, "/tickets".into(), create_body(cmd)),
        }
    }

    fn created_id(&self, cmd: &Command, resp: &Value) -> Option<i64> {
        match cmd {
            Command::CreateTicket { .. } => nested_id(resp, &["ticket"]),
            _ => None,
        }
    }

    fn idempotent(&self, cmd: &Command) -> bool {
        matches!(cmd, Command::UpdateTicket { .. })
    }

    fn probe(&self, item: &OutboxItem, snap: &Snapshot, claimed: &[i64]) -> Probe {
        match &item.command {
            Command::UpdateTicket { fields } => match snap.ticket(item.ticket_id) {
                Some(t) if field_differences(&t.ticket, fields).is_empty() => Probe::Landed(None),
                _ => Probe::Absent,
            },
            Command::CreateTicket {
                customer_id,
                subject,
                ..
            } => {
                let tickets = snap
                    .customer_tickets
                    .get(customer_id)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                match item.result.before_max_id {
                    Some(after) => match candidates(tickets, subject, after, claimed).next() {
                        Some(t) => Probe::Landed(Some(t.id)),
                        None => Probe::Absent,
                    },
                    None => match candidates(tickets, subject, 0, claimed).next() {
                        Some(t) => Probe::Ambiguous(format!(
                            "ticket #{} has the same subject, but there is no record of the customer's tickets before the send",
                            t.number
                        )),
                        None => Probe::Absent,
                    },
                }
            }
            _ => Probe::Absent,
        }
    }

    fn reads_after(&self, item: &OutboxItem) -> Vec<Read> {
        match (&item.command, item.remote_id) {
            (Command::CreateTicket { .. }, Some(id)) => vec![Read::Ticket(id)],
            (Command::CreateTicket { customer_id, .. }, None) => {
                vec![Read::CustomerTickets(*customer_id)]
            }
            _ => item.ticket_id.map(Read::Ticket).into_iter().collect(),
        }
    }

    fn read_back(&self, item: &OutboxItem, snap: &Snapshot, claimed: &[i64]) -> ReadBack {
        match &item.command {
            Command::UpdateTicket { fields } => match snap.ticket(item.ticket_id) {
                Some(t) => landed(None, field_differences(&t.ticket, fields), Some(t)),
                None => ReadBack::Missing("the ticket could not be read".into()),
            },
            Command::CreateTicket {
                customer_id,
                subject,
                ..
            } => {
                let (t, detail) = match item.remote_id {
                    Some(id) => match snap.tickets.get(&id) {
                        Some(d) => (&d.ticket, Some(d)),
                        None => {
                            return ReadBack::Missing(format!(
                                "ticket id {id} is not on the server"
                            ))
                        }
                    },
                    None => {
                        let tickets = snap
                            .customer_tickets
                            .get(customer_id)
                            .map(Vec::as_slice)
                            .unwrap_or_default();
                        let after = item.result.before_max_id.unwrap_or(0);
                        match candidates(tickets, subject, after, claimed).next() {
                            Some(t) => (t, None),
                            None => {
                                return ReadBack::Missing(
                                    "the created ticket is not among the customer's tickets".into(),
                                )
                            }
                        }
                    }
                };
                let (differences, facts) = judge_create(&item.command, t, detail);
                ReadBack::Landed {
                    remote_id: Some(t.id),
                    differences,
                    facts,
                }
            }
            _ => ReadBack::Missing("not a ticket write".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{item, snapshot, ticket};
    use super::*;

    fn status(s: &str) -> Command {
        Command::UpdateTicket {
            fields: TicketFields {
                status: Some(s.into()),
                ..TicketFields::default()
            },
        }
    }

    #[test]
    fn an_update_already_applied_is_found_by_its_values() {
        let it = item(status("Waiting on Customer"));
        let snap = snapshot(ticket(json!({"status": "waiting on customer "})));
        assert_eq!(Tickets.probe(&it, &snap, &[]), Probe::Landed(None));
        let snap = snapshot(ticket(json!({"status": "New"})));
        assert_eq!(Tickets.probe(&it, &snap, &[]), Probe::Absent);
        assert!(Tickets.idempotent(&it.command));
    }

    #[test]
    fn a_status_that_did_not_take_blocks() {
        let it = item(status("Invoiced"));
        let snap = snapshot(ticket(json!({"status": "Resolved"})));
        let ReadBack::Landed { differences, .. } = Tickets.read_back(&it, &snap, &[]) else {
            panic!("the ticket was readable");
        };
        assert_eq!(differences.len(), 1);
        assert!(differences[0].blocking);
        assert_eq!(differences[0].actual, "Resolved");
    }

    fn create() -> Command {
        Command::CreateTicket {
            customer_id: 7,
            subject: "Printer  offline".into(),
            problem_type: None,
            priority: None,
            status: None,
            body: Some("It is dead".into()),
        }
    }

    fn listed(id: i64, subject: &str, customer: i64) -> Ticket {
        Ticket::from_json(
            &json!({"id": id, "number": id + 4000, "subject": subject, "status": "New",
                                   "customer_id": customer}),
        )
        .expect("valid ticket")
    }

    #[test]
    fn a_create_is_found_beyond_the_baseline_and_unclaimed() {
        let mut it = item(create());
        it.ticket_id = None;
        let mut snap = Snapshot::default();
        snap.customer_tickets.insert(
            7,
            vec![
                listed(5, "Printer offline", 7),
                listed(12, "Printer offline", 7),
                listed(14, " Printer offline", 7),
            ],
        );
        assert_eq!(Tickets.probe(&it, &snap, &[12]), Probe::Landed(Some(14)));
        assert_eq!(Tickets.probe(&it, &snap, &[12, 14]), Probe::Absent);
        match Tickets.read_back(&it, &snap, &[12]) {
            ReadBack::Landed { facts, .. } => assert_eq!(facts.created_ticket, Some((14, 4014))),
            other => panic!("{other:?}"),
        }
    }
}
