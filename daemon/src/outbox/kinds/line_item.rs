//! Ticket line items: `add_line_item`, `update_line_item`,
//! `remove_line_item`.
//!
//! Billing lives here, so the read-back is strict where money is: the
//! price (in cents, which catches Syncro's silent $0.00 when a price rides
//! in a field it ignores), the quantity (as a decimal, whether the server
//! answers `"0.5"` or `0.5`) and the product block later steps when they
//! differ. Name and description are compared through [`same_text`] and
//! only reported. A new line is identified by its id, else as the first
//! line above the baseline with the same name (tolerantly), quantity and
//! product, unclaimed. Updates and removals are idempotent: a removal
//! that finds the line gone has landed.

use reqwest::Method;
use serde_json::{json, Value};
use syncro_store::matching::{same_decimal, same_text};
use syncro_store::model::LineItem;
use syncro_store::outbox::{Difference, ItemResult, LineItemWrite, OutboxItem};

use super::{
    before, cents, landed, max_id, money, nested_id, the_ticket, ticket_label, Family, NotFound,
    Probe, Read, ReadBack, Request, Snapshot, MAX_REQUESTS,
};

/// The one line above `after`, unclaimed, by our API user where the server
/// says, that is this add's landing; two identical lines (a colleague
/// billed the same visit under the same user) are not told apart by a
/// guess.
fn new_line(
    lines: &[LineItem],
    asked: &Asked<'_>,
    snap: &Snapshot,
    after: i64,
    claimed: &[i64],
) -> Probe {
    let found: Vec<&LineItem> = lines
        .iter()
        .filter(|l| {
            l.id > after && !claimed.contains(&l.id) && snap.by_us(l.user_id) && asked.could_be(l)
        })
        .collect();
    match found.as_slice() {
        [] => Probe::Absent,
        // At $0.00 where we asked a price: ours with the price dropped by
        // the server, or a colleague's no-charge line. Only the author
        // tells them apart; when the server does not name ours, a human.
        [l] if asked.price_dropped(l) && !snap.known_ours(l.user_id) => Probe::Ambiguous(format!(
            "line item {} matches what was sent but at $0.00: the server may have dropped our price, or it is someone's no-charge line",
            l.id
        )),
        [l] => Probe::Landed(Some(l.id)),
        many => Probe::Ambiguous(format!(
            "line items {} all match what was sent",
            many.iter()
                .map(|l| l.id.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Fields a command asks of a line, `None` where it leaves them alone.
struct Asked<'a> {
    quantity: Option<f64>,
    price: Option<f64>,
    product: Option<i64>,
    name: Option<&'a str>,
    description: Option<&'a str>,
}

fn asked(w: &LineItemWrite) -> Asked<'_> {
    match w {
        LineItemWrite::Add {
            quantity,
            price_retail,
            product_id,
            name,
            description,
        } => Asked {
            quantity: Some(*quantity),
            price: Some(*price_retail),
            product: *product_id,
            name: Some(name),
            description: Some(description),
        },
        LineItemWrite::Update {
            quantity,
            price_retail,
            name,
            description,
            line_item_id: _,
        } => Asked {
            quantity: *quantity,
            price: *price_retail,
            product: None,
            name: name.as_deref(),
            description: description.as_deref(),
        },
        LineItemWrite::Remove { .. } => Asked {
            quantity: None,
            price: None,
            product: None,
            name: None,
            description: None,
        },
    }
}

impl Asked<'_> {
    /// Whether `l` could be this write's new line (identity, not judgement:
    /// the price is left to the read-back, which reports it).
    /// Whether `l` holds everything we sent that the server returns:
    /// name, description, quantity, product and price. A price of $0.00
    /// where we asked for one may still be ours (the server is known to
    /// drop a misnamed price: a resend would duplicate the line), so it is
    /// never taken for someone else's either: see [`new_line`]. Any other
    /// price is someone else's line.
    fn could_be(&self, l: &LineItem) -> bool {
        let text = |want: Option<&str>, got: Option<&str>| match (want, got) {
            (Some(w), Some(g)) => same_text(g, w),
            (Some(_), None) | (None, _) => true,
        };
        text(self.name, l.name.as_deref())
            && text(self.description, l.description.as_deref())
            && self.quantity.is_none_or(|q| same_decimal(l.quantity, q))
            && self
                .product
                .is_none_or(|p| l.product_id.is_none_or(|got| got == p))
            && self
                .price
                .is_none_or(|p| l.retail_cents == cents(p) || l.retail_cents == 0)
    }

    /// `l` is at $0.00 where we asked for a price.
    fn price_dropped(&self, l: &LineItem) -> bool {
        self.price.is_some_and(|p| cents(p) != 0) && l.retail_cents == 0
    }

    fn differences(&self, l: &LineItem) -> Vec<Difference> {
        let mut out = Vec::new();
        let what = |f: &str| format!("line item {}: {f}", l.id);
        if let Some(q) = self.quantity {
            if !same_decimal(l.quantity, q) {
                out.push(Difference::new(what("quantity"), q, l.quantity, true));
            }
        }
        if let Some(p) = self.price {
            let want = cents(p);
            if l.retail_cents != want {
                out.push(Difference::new(
                    what("price (the server ignored or changed it)"),
                    money(want),
                    money(l.retail_cents),
                    true,
                ));
            }
        }
        if let Some(p) = self.product {
            if l.product_id != Some(p) {
                let got = l.product_id.map(|p| p.to_string()).unwrap_or_default();
                out.push(Difference::new(what("product"), p, got, true));
            }
        }
        if let Some(n) = self.name {
            let got = l.name.as_deref().unwrap_or("");
            if !same_text(got, n) {
                out.push(Difference::new(what("name"), n, got, false));
            }
        }
        if let Some(d) = self.description {
            let got = l.description.as_deref().unwrap_or("");
            if !same_text(got, d) {
                out.push(Difference::new(what("description"), d, got, false));
            }
        }
        out
    }
}

fn target(w: &LineItemWrite) -> Option<i64> {
    match w {
        LineItemWrite::Update { line_item_id, .. } | LineItemWrite::Remove { line_item_id } => {
            Some(*line_item_id)
        }
        LineItemWrite::Add { .. } => None,
    }
}

impl Family for LineItemWrite {
    fn reads_before(&self, item: &OutboxItem) -> Vec<Read> {
        match self {
            LineItemWrite::Add { .. }
            | LineItemWrite::Update { .. }
            | LineItemWrite::Remove { .. } => the_ticket(item),
        }
    }

    fn baseline(&self, item: &OutboxItem, snap: &Snapshot) -> Result<ItemResult, String> {
        let t = snap.ticket(item.ticket_id);
        if let (Some(id), Some(t)) = (target(self), t) {
            if !t.line_items.iter().any(|l| l.id == id) {
                return Err(format!("line item {id} is not on {}", ticket_label(item)));
            }
        }
        Ok(before(max_id(
            t.iter().flat_map(|t| t.line_items.iter().map(|l| l.id)),
        )))
    }

    fn request(&self, item: &OutboxItem, _snap: &Snapshot) -> Request {
        let t = item.ticket_id.unwrap_or_default();
        match self {
            LineItemWrite::Add {
                product_id,
                name,
                description,
                quantity,
                price_retail,
            } => {
                // `price_retail` is the only field that sets a price; `price`,
                // `rate` and friends are silently dropped by the server.
                let mut b = json!({"name": name, "description": description, "quantity": quantity,
                                   "price_retail": price_retail, "taxable": false});
                if let Some(p) = product_id {
                    b["product_id"] = json!(p);
                }
                Request::new(Method::POST, format!("/tickets/{t}/add_line_item"), b)
            }
            LineItemWrite::Update {
                line_item_id,
                quantity,
                price_retail,
                name,
                description,
            } => {
                let mut b = json!({"ticket_line_item_id": line_item_id});
                if let Some(q) = quantity {
                    b["quantity"] = json!(q);
                }
                if let Some(p) = price_retail {
                    b["price_retail"] = json!(p);
                }
                if let Some(n) = name {
                    b["name"] = json!(n);
                }
                if let Some(d) = description {
                    b["description"] = json!(d);
                }
                Request::new(Method::PUT, format!("/tickets/{t}/update_line_item"), b)
            }
            LineItemWrite::Remove { line_item_id } => Request::new(
                Method::POST,
                format!("/tickets/{t}/remove_line_item"),
                json!({"ticket_line_item_id": line_item_id}),
            ),
        }
    }

    fn created_id(&self, resp: &Value) -> Option<i64> {
        match self {
            LineItemWrite::Add { .. } => nested_id(resp, &["line_item", "ticket_line_item"]),
            LineItemWrite::Update { .. } | LineItemWrite::Remove { .. } => None,
        }
    }

    fn idempotent(&self) -> bool {
        match self {
            LineItemWrite::Add { .. } => false,
            LineItemWrite::Update { .. } | LineItemWrite::Remove { .. } => true,
        }
    }

    fn follow_up_reads(&self, _item: &OutboxItem, _snap: &Snapshot) -> Vec<Read> {
        match self {
            LineItemWrite::Add { .. }
            | LineItemWrite::Update { .. }
            | LineItemWrite::Remove { .. } => Vec::new(),
        }
    }

    fn probe(&self, item: &OutboxItem, snap: &Snapshot, claimed: &[i64]) -> Probe {
        let Some(t) = snap.ticket(item.ticket_id) else {
            return Probe::Absent;
        };
        let asked = asked(self);
        match self {
            LineItemWrite::Add { .. } => {
                let Some(after) = item.result.before_max_id else {
                    return match t.line_items.iter().find(|l| asked.could_be(l)) {
                        Some(l) => Probe::Ambiguous(format!(
                            "line item {} looks the same, but there is no record of the ticket's lines before the send",
                            l.id
                        )),
                        None => Probe::Absent,
                    };
                };
                new_line(&t.line_items, &asked, snap, after, claimed)
            }
            LineItemWrite::Update { line_item_id, .. } => {
                match t.line_items.iter().find(|l| l.id == *line_item_id) {
                    Some(l) if asked.differences(l).is_empty() => Probe::Landed(None),
                    _ => Probe::Absent,
                }
            }
            LineItemWrite::Remove { line_item_id } => {
                if t.line_items.iter().any(|l| l.id == *line_item_id) {
                    Probe::Absent
                } else {
                    Probe::Landed(None)
                }
            }
        }
    }

    fn reads_after(&self, item: &OutboxItem) -> Vec<Read> {
        match self {
            LineItemWrite::Add { .. }
            | LineItemWrite::Update { .. }
            | LineItemWrite::Remove { .. } => the_ticket(item),
        }
    }

    fn read_back(&self, item: &OutboxItem, snap: &Snapshot, claimed: &[i64]) -> ReadBack {
        let Some(t) = snap.ticket(item.ticket_id) else {
            return ReadBack::Missing("the ticket could not be read".into());
        };
        let asked = asked(self);
        let find = |id: i64| t.line_items.iter().find(|l| l.id == id);
        let (found, new) = match self {
            LineItemWrite::Remove { line_item_id } => {
                return if find(*line_item_id).is_some() {
                    ReadBack::Missing(format!("line item {line_item_id} is still on the ticket"))
                } else {
                    landed(None, Vec::new(), Some(t))
                };
            }
            LineItemWrite::Update { line_item_id, .. } => (find(*line_item_id), false),
            LineItemWrite::Add { .. } => {
                let found = match item.remote_id {
                    Some(id) => find(id),
                    None => {
                        let after = item.result.before_max_id.unwrap_or(0);
                        match new_line(&t.line_items, &asked, snap, after, claimed) {
                            Probe::Landed(Some(id)) => find(id),
                            Probe::Ambiguous(why) => {
                                return ReadBack::Missing(format!(
                                    "the line item cannot be told apart: {why}"
                                ))
                            }
                            _ => None,
                        }
                    }
                };
                (found, true)
            }
        };
        match found {
            Some(l) => landed(new.then_some(l.id), asked.differences(l), Some(t)),
            None => ReadBack::Missing("the line item is not on the ticket".into()),
        }
    }

    fn max_requests(&self) -> i64 {
        match self {
            LineItemWrite::Add { .. }
            | LineItemWrite::Update { .. }
            | LineItemWrite::Remove { .. } => MAX_REQUESTS,
        }
    }

    fn not_found(&self) -> NotFound {
        match self {
            LineItemWrite::Update { line_item_id, .. } => {
                NotFound::Record(format!("line item {line_item_id}"))
            }
            LineItemWrite::Remove { .. } => NotFound::AlreadyGone,
            LineItemWrite::Add { .. } => NotFound::Ticket,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::family;
    use super::super::testing::{item, snapshot, ticket};
    use super::*;

    fn labor() -> LineItemWrite {
        LineItemWrite::Add {
            product_id: Some(9001),
            name: "Labor - Remote".into(),
            description: "Remote labor, 30 min".into(),
            quantity: 0.5,
            price_retail: 125.0,
        }
    }

    #[test]
    fn the_zero_dollar_trap_blocks_and_a_string_quantity_does_not() {
        let mut it = item(labor());
        it.remote_id = Some(11);
        let snap = snapshot(ticket(json!({"line_items": [
            {"id": 11, "product_id": 9001, "name": "Labor - Remote", "description": "Remote labor, 30 min",
             "quantity": "0.5", "price_retail": "0.0"}
        ]})));
        let ReadBack::Landed { differences, .. } = family(&it.command).read_back(&it, &snap, &[])
        else {
            panic!("the line is there");
        };
        assert_eq!(differences.len(), 1, "{differences:?}");
        assert!(differences[0].blocking);
        assert_eq!(
            (
                differences[0].expected.as_str(),
                differences[0].actual.as_str()
            ),
            ("$125.00", "$0.00")
        );
    }

    #[test]
    fn a_new_line_is_found_above_the_baseline_unclaimed() {
        let it = item(labor());
        let line = |id| json!({"id": id, "product_id": 9001, "name": "Labor -  Remote ", "quantity": 0.5, "price_retail": 125});
        let snap = snapshot(ticket(json!({"line_items": [line(9), line(12), line(13)]})));
        assert_eq!(
            family(&it.command).probe(&it, &snap, &[12]),
            Probe::Landed(Some(13))
        );
        assert_eq!(
            family(&it.command).probe(&it, &snap, &[12, 13]),
            Probe::Absent
        );
    }

    #[test]
    fn a_line_at_another_price_is_not_ours_and_one_at_zero_only_by_our_user() {
        let it = item(labor());
        let line = |id: i64, price: &str| {
            json!({"id": id, "product_id": 9001, "name": "Labor - Remote",
            "description": "Remote labor, 30 min", "quantity": 0.5, "price_retail": price})
        };
        let snap = snapshot(ticket(json!({"line_items": [line(12, "95.0")]})));
        assert_eq!(family(&it.command).probe(&it, &snap, &[]), Probe::Absent);
        // At $0.00 and no author: the server dropped our price, or it is a
        // colleague's no-charge line. Neither resent nor taken: a human.
        let snap = snapshot(ticket(json!({"line_items": [line(12, "0.0")]})));
        assert!(matches!(
            family(&it.command).probe(&it, &snap, &[]),
            Probe::Ambiguous(m) if m.contains("$0.00")
        ));
        // By our API user: ours, its price flagged by the read-back.
        let mut ours = line(12, "0.0");
        ours["user_id"] = json!(5);
        let mut snap = snapshot(ticket(json!({"line_items": [ours]})));
        snap.api_user = Some(5);
        assert_eq!(
            family(&it.command).probe(&it, &snap, &[]),
            Probe::Landed(Some(12))
        );
        let snap = snapshot(ticket(
            json!({"line_items": [line(12, "125.0"), line(13, "125.0")]}),
        ));
        assert!(matches!(
            family(&it.command).probe(&it, &snap, &[]),
            Probe::Ambiguous(_)
        ));
    }

    #[test]
    fn a_line_without_a_product_in_the_answer_can_still_be_ours() {
        let it = item(labor());
        let line = json!({"id": 12, "name": "Labor - Remote",
            "description": "Remote labor, 30 min", "quantity": 0.5, "price_retail": "125.0"});
        let snap = snapshot(ticket(json!({ "line_items": [line] })));
        assert_eq!(
            family(&it.command).probe(&it, &snap, &[]),
            Probe::Landed(Some(12))
        );
        let mut other = line.clone();
        other["product_id"] = json!(9002);
        let snap = snapshot(ticket(json!({ "line_items": [other] })));
        assert_eq!(family(&it.command).probe(&it, &snap, &[]), Probe::Absent);
    }

    #[test]
    fn a_removal_that_finds_the_line_gone_has_landed() {
        let it = item(LineItemWrite::Remove { line_item_id: 4 });
        let snap = snapshot(ticket(json!({"line_items": []})));
        assert_eq!(
            family(&it.command).probe(&it, &snap, &[]),
            Probe::Landed(None)
        );
        assert!(family(&it.command).idempotent());
        assert!(family(&it.command).baseline(&it, &snap).is_err());
    }
}
