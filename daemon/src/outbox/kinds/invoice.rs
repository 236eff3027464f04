//! Invoices: `POST /invoices` from a ticket's uninvoiced line items.
//!
//! The create answer does not list the line items, so the read-back is
//! `GET /invoices/{id}`: every line the ticket held before the send must be
//! on the invoice (matched as a multiset by quantity as a decimal, price in
//! cents and product), and the invoice must belong to this ticket. Both
//! block later steps (setting the ticket to Invoiced) when they fail. An
//! invoice is identified by its id, else as the first invoice above the
//! baseline whose `ticket_id` is this ticket and that no other item
//! claimed: the `ticket_id` filter of `GET /invoices` may be ignored by
//! the server, so the list is checked, not trusted.

use reqwest::Method;
use serde_json::{json, Value};
use syncro_store::matching::same_decimal;
use syncro_store::model::{Invoice, InvoiceLine};
use syncro_store::outbox::{Difference, ExpectedLine, InvoiceWrite, ItemResult, OutboxItem};

use super::{
    before, max_id, money, nested_id, ticket_label, Facts, Family, NotFound, Probe, Read, ReadBack,
    Request, Snapshot, MAX_LIST_REQUESTS,
};

/// This ticket's invoices among what the list returned.
fn of_ticket(snap: &Snapshot, ticket_id: i64) -> impl Iterator<Item = &Invoice> {
    snap.ticket_invoices
        .get(&ticket_id)
        .into_iter()
        .flatten()
        .filter(move |i| i.ticket_id == Some(ticket_id))
}

/// The expected lines missing from an invoice (each invoice line matches
/// at most one expected line).
pub fn missing_lines(expected: &[ExpectedLine], lines: &[InvoiceLine]) -> Vec<ExpectedLine> {
    let mut unused: Vec<&InvoiceLine> = lines.iter().collect();
    let mut missing = Vec::new();
    for e in expected {
        let pos = unused.iter().position(|l| {
            same_decimal(l.quantity, e.quantity)
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

fn describe(e: &ExpectedLine) -> String {
    format!(
        "{} x {} ({})",
        e.quantity,
        money(e.price_cents),
        e.name.as_deref().unwrap_or("line")
    )
}

impl Family for InvoiceWrite {
    fn reads_before(&self, item: &OutboxItem) -> Vec<Read> {
        match self {
            InvoiceWrite::Create {} => item
                .ticket_id
                .map(|t| vec![Read::Ticket(t), Read::TicketInvoices(t)])
                .unwrap_or_default(),
        }
    }

    fn baseline(&self, item: &OutboxItem, snap: &Snapshot) -> Result<ItemResult, String> {
        match self {
            InvoiceWrite::Create {} => {
                let tid = item.ticket_id.unwrap_or_default();
                let mut out = before(max_id(
                    snap.ticket_invoices
                        .get(&tid)
                        .into_iter()
                        .flatten()
                        .map(|i| i.id),
                ));
                if let Some(t) = snap.ticket(item.ticket_id) {
                    out.expected_lines = t
                        .line_items
                        .iter()
                        .filter(|l| !l.converted)
                        .map(|l| ExpectedLine {
                            product_id: l.product_id,
                            name: l.name.clone(),
                            quantity: l.quantity,
                            price_cents: l.retail_cents,
                        })
                        .collect();
                    if out.expected_lines.is_empty() {
                        return Err(format!(
                            "{} has no uninvoiced line items: nothing to invoice",
                            ticket_label(item)
                        ));
                    }
                }
                Ok(out)
            }
        }
    }

    fn request(&self, item: &OutboxItem, snap: &Snapshot) -> Request {
        match self {
            InvoiceWrite::Create {} => {
                let customer = snap
                    .ticket(item.ticket_id)
                    .and_then(|t| t.ticket.customer_id);
                Request::new(
                    Method::POST,
                    "/invoices".into(),
                    json!({"ticket_id": item.ticket_id, "customer_id": customer, "category": "Standard"}),
                )
            }
        }
    }

    fn created_id(&self, resp: &Value) -> Option<i64> {
        match self {
            InvoiceWrite::Create {} => nested_id(resp, &["invoice"]),
        }
    }

    fn probe(&self, item: &OutboxItem, snap: &Snapshot, claimed: &[i64]) -> Probe {
        match self {
            InvoiceWrite::Create {} => {
                let tid = item.ticket_id.unwrap_or_default();
                if snap.incomplete.contains(&Read::TicketInvoices(tid)) {
                    return Probe::Ambiguous(
                        "the ticket's invoices could not all be read (the server ignored the ticket filter, or some were unreadable), so a look cannot rule anything out".into(),
                    );
                }
                let mut mine = of_ticket(snap, tid).filter(|i| !claimed.contains(&i.id));
                match item.result.before_max_id {
                    Some(after) => {
                        let new: Vec<&Invoice> = mine.filter(|i| i.id > after).collect();
                        match new.as_slice() {
                            [] => Probe::Absent,
                            [one] => Probe::Landed(Some(one.id)),
                            // Ours and a colleague's: which is which, the
                            // server does not say (an invoice has no author).
                            several => Probe::Ambiguous(format!(
                                "{} new invoices are on the ticket ({}); one may be a colleague's",
                                several.len(),
                                several
                                    .iter()
                                    .map(|i| i.number.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )),
                        }
                    }
                    None => match mine.next() {
                        Some(i) => Probe::Ambiguous(format!(
                            "invoice {} is on the ticket, but there is no record of its invoices before the send",
                            i.number
                        )),
                        None => Probe::Absent,
                    },
                }
            }
        }
    }

    fn reads_after(&self, item: &OutboxItem) -> Vec<Read> {
        match self {
            InvoiceWrite::Create {} => {
                let tid = item.ticket_id.unwrap_or_default();
                match item.remote_id {
                    // The ticket too: its lines are now invoiced.
                    Some(id) => vec![Read::Invoice(id), Read::Ticket(tid)],
                    None => vec![Read::TicketInvoices(tid)],
                }
            }
        }
    }

    fn read_back(&self, item: &OutboxItem, snap: &Snapshot, claimed: &[i64]) -> ReadBack {
        match self {
            InvoiceWrite::Create {} => {
                let tid = item.ticket_id.unwrap_or_default();
                let Some(id) = item.remote_id else {
                    // Found by the list; the driver reads it by id next time round.
                    let after = item.result.before_max_id.unwrap_or(0);
                    return match of_ticket(snap, tid)
                        .find(|i| i.id > after && !claimed.contains(&i.id))
                    {
                        Some(i) => ReadBack::Landed {
                            remote_id: Some(i.id),
                            differences: Vec::new(),
                            facts: Facts::default(),
                        },
                        None => ReadBack::Missing("the invoice is not on the server".into()),
                    };
                };
                let Some(inv) = snap.invoices.get(&id) else {
                    return ReadBack::Missing(format!("invoice id {id} is not on the server"));
                };
                let mut differences = Vec::new();
                let number = &inv.invoice.number;
                if inv.invoice.ticket_id != Some(tid) {
                    differences.push(Difference::new(
                        format!("invoice {number}: ticket"),
                        tid,
                        inv.invoice
                            .ticket_id
                            .map(|t| t.to_string())
                            .unwrap_or_default(),
                        true,
                    ));
                }
                let missing = missing_lines(&item.result.expected_lines, &inv.lines);
                if !missing.is_empty() {
                    differences.push(Difference::new(
                        format!("invoice {number}: line items"),
                        format!("the ticket's {} line(s)", item.result.expected_lines.len()),
                        format!(
                            "{} missing: {}",
                            missing.len(),
                            missing.iter().map(describe).collect::<Vec<_>>().join(", ")
                        ),
                        true,
                    ));
                }
                ReadBack::Landed {
                    remote_id: Some(id),
                    differences,
                    facts: Facts {
                        ticket_updated_at: snap
                            .ticket(item.ticket_id)
                            .and_then(|t| t.ticket.updated_at.clone()),
                        invoice: Some((id, number.clone())),
                        ..Facts::default()
                    },
                }
            }
        }
    }

    fn idempotent(&self) -> bool {
        match self {
            InvoiceWrite::Create {} => false,
        }
    }

    fn follow_up_reads(&self, _item: &OutboxItem, _snap: &Snapshot) -> Vec<Read> {
        match self {
            InvoiceWrite::Create {} => Vec::new(),
        }
    }

    fn max_requests(&self) -> i64 {
        match self {
            // Its looks read the ticket and its invoices.
            InvoiceWrite::Create {} => MAX_LIST_REQUESTS,
        }
    }

    fn not_found(&self) -> NotFound {
        match self {
            InvoiceWrite::Create {} => NotFound::Ticket,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::family;
    use super::super::testing::item;
    use super::*;
    use syncro_store::model::InvoiceWithLines;

    fn line(id: i64) -> InvoiceLine {
        InvoiceLine::from_json(
            &json!({"id": id, "product_id": 9001, "quantity": "0.5", "price": "125.0"}),
            1,
        )
        .expect("valid invoice line")
    }

    fn expected() -> ExpectedLine {
        ExpectedLine {
            product_id: Some(9001),
            name: None,
            quantity: 0.5,
            price_cents: 12500,
        }
    }

    #[test]
    fn invoice_lines_match_as_a_multiset() {
        let e = expected();
        assert!(missing_lines(&[e.clone(), e.clone()], &[line(1), line(2)]).is_empty());
        assert_eq!(missing_lines(&[e.clone(), e], &[line(1)]).len(), 1);
    }

    #[test]
    fn an_invoice_of_another_ticket_is_not_ours() {
        let it = item(InvoiceWrite::Create {});
        let mut snap = Snapshot::default();
        let inv = |id: i64, ticket: i64| {
            Invoice::from_json(&json!({"id": id, "number": format!("{id}"), "ticket_id": ticket, "customer_id": 7}))
                .expect("valid invoice")
        };
        // The server ignored the ticket_id filter and listed everything.
        snap.ticket_invoices
            .insert(1000, vec![inv(20, 999), inv(21, 1000)]);
        assert_eq!(
            family(&it.command).probe(&it, &snap, &[]),
            Probe::Landed(Some(21))
        );
        assert_eq!(family(&it.command).probe(&it, &snap, &[21]), Probe::Absent);
    }

    /// Two new invoices on the ticket (ours and a colleague's, or two of
    /// a colleague's), or a list cut short: the look concludes nothing.
    #[test]
    fn two_candidates_or_a_cut_list_are_for_a_human() {
        let it = item(InvoiceWrite::Create {});
        let inv = |id: i64| {
            Invoice::from_json(
                &json!({"id": id, "number": format!("{id}"), "ticket_id": 1000, "customer_id": 7}),
            )
            .expect("valid invoice")
        };
        let mut snap = Snapshot::default();
        snap.ticket_invoices.insert(1000, vec![inv(21), inv(22)]);
        assert!(matches!(
            family(&it.command).probe(&it, &snap, &[]),
            Probe::Ambiguous(m) if m.contains("2 new invoices")
        ));
        // Another item of ours claimed one: the other is ours.
        assert_eq!(
            family(&it.command).probe(&it, &snap, &[22]),
            Probe::Landed(Some(21))
        );
        let mut snap = Snapshot::default();
        snap.ticket_invoices.insert(1000, vec![]);
        snap.incomplete.push(Read::TicketInvoices(1000));
        assert!(matches!(
            family(&it.command).probe(&it, &snap, &[]),
            Probe::Ambiguous(_)
        ));
    }

    #[test]
    fn missing_lines_block() {
        let mut it = item(InvoiceWrite::Create {});
        it.remote_id = Some(21);
        it.result.expected_lines = vec![expected(), expected()];
        let mut snap = Snapshot::default();
        let inv =
            InvoiceWithLines::from_json(&json!({"id": 21, "number": "1021", "ticket_id": 1000,
            "line_items": [{"id": 1, "product_id": 9001, "quantity": 0.5, "price": 125}]}))
            .expect("valid invoice");
        snap.invoices.insert(21, inv);
        let ReadBack::Landed { differences, .. } = family(&it.command).read_back(&it, &snap, &[])
        else {
            panic!("the invoice is there");
        };
        assert_eq!(differences.len(), 1, "{differences:?}");
        assert!(differences[0].blocking);
    }
}
