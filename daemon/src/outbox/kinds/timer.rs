//! Ticket timers: `timer_entry`, `update_timer_entry`,
//! `delete_timer_entry`, `charge_timer_entry`.
//!
//! Start and end are compared as instants (the server answers in the
//! account's local offset, we send UTC), to the second; billable and the
//! product decide what gets charged, so they block later steps when they
//! differ; notes go through [`same_text`] and are only reported. A new
//! timer is identified by its id, else as the first one above the baseline
//! starting at the same instant, unclaimed. Charging is identified by its
//! effect: the timer is recorded and links a line item that exists.
//! Updates and deletions are idempotent.

use reqwest::Method;
use serde_json::{json, Value};
use syncro_store::matching::same_text;
use syncro_store::model::Timer;
use syncro_store::outbox::{Difference, ItemResult, OutboxItem, TimerWrite};

use super::{
    before, landed, max_id, nested_id, same_time, the_ticket, ticket_label, Family, NotFound,
    Probe, Read, ReadBack, Request, Snapshot, MAX_REQUESTS,
};

struct Asked<'a> {
    start: Option<&'a str>,
    end: Option<&'a str>,
    notes: Option<&'a str>,
    billable: Option<bool>,
    product: Option<i64>,
}

fn asked(w: &TimerWrite) -> Asked<'_> {
    match w {
        TimerWrite::Add {
            start_at,
            end_at,
            notes,
            billable,
            product_id,
        } => Asked {
            start: Some(start_at),
            end: Some(end_at),
            notes: notes.as_deref(),
            billable: Some(*billable),
            product: *product_id,
        },
        TimerWrite::Update {
            start_at,
            end_at,
            notes,
            billable,
            product_id,
            timer_id: _,
        } => Asked {
            start: start_at.as_deref(),
            end: end_at.as_deref(),
            notes: notes.as_deref(),
            billable: *billable,
            product: *product_id,
        },
        TimerWrite::Delete { .. } | TimerWrite::Charge { .. } => Asked {
            start: None,
            end: None,
            notes: None,
            billable: None,
            product: None,
        },
    }
}

impl Asked<'_> {
    /// Whether `t` could be this write's new timer: everything we sent
    /// that the server returns matches (start and billable always; end,
    /// notes and product where the server gives them). A server that
    /// leaves a field out must not make our own landed timer look like
    /// someone else's, and be sent again.
    fn could_be(&self, t: &Timer) -> bool {
        let instant = |want: Option<&str>, got: Option<&str>, needed: bool| match (want, got) {
            (Some(w), Some(g)) => same_time(Some(g), w),
            (Some(_), None) => !needed,
            (None, _) => true,
        };
        instant(self.start, t.start_time.as_deref(), true)
            && instant(self.end, t.end_time.as_deref(), false)
            && self.billable.is_none_or(|b| t.billable == b)
            && self
                .product
                .is_none_or(|p| t.product_id.is_none_or(|got| got == p))
            && self
                .notes
                .is_none_or(|n| t.notes.as_deref().is_none_or(|got| same_text(got, n)))
    }

    fn differences(&self, t: &Timer) -> Vec<Difference> {
        let mut out = Vec::new();
        let what = |f: &str| format!("timer {}: {f}", t.id);
        let mut instant = |name: &str, want: Option<&str>, got: Option<&str>| {
            if let Some(w) = want {
                if !same_time(got, w) {
                    out.push(Difference::new(what(name), w, got.unwrap_or(""), true));
                }
            }
        };
        instant("start", self.start, t.start_time.as_deref());
        instant("end", self.end, t.end_time.as_deref());
        if let Some(b) = self.billable {
            if t.billable != b {
                out.push(Difference::new(what("billable"), b, t.billable, true));
            }
        }
        if let Some(p) = self.product {
            if t.product_id != Some(p) {
                let got = t.product_id.map(|p| p.to_string()).unwrap_or_default();
                out.push(Difference::new(what("product"), p, got, true));
            }
        }
        if let Some(n) = self.notes {
            let got = t.notes.as_deref().unwrap_or("");
            if !same_text(got, n) {
                out.push(Difference::new(what("notes"), n, got, false));
            }
        }
        out
    }
}

fn target(w: &TimerWrite) -> Option<i64> {
    match w {
        TimerWrite::Update { timer_id, .. }
        | TimerWrite::Delete { timer_id }
        | TimerWrite::Charge { timer_id } => Some(*timer_id),
        TimerWrite::Add { .. } => None,
    }
}

/// The one timer above `after`, unclaimed, that is this item's landing:
/// everything we sent that the server returns as asked (start, end, notes,
/// product), by our API user where the server says. A colleague's timer
/// for the same visit starts at the same minute; two that match are not
/// told apart by a guess.
fn new_timer(
    asked: &Asked<'_>,
    timers: &[Timer],
    snap: &Snapshot,
    after: i64,
    claimed: &[i64],
) -> Probe {
    let found: Vec<&Timer> = timers
        .iter()
        .filter(|t| {
            t.id > after && !claimed.contains(&t.id) && snap.by_us(t.user_id) && asked.could_be(t)
        })
        .collect();
    match found.as_slice() {
        [] => Probe::Absent,
        [t] => Probe::Landed(Some(t.id)),
        many => Probe::Ambiguous(format!(
            "timers {} all match what was sent",
            many.iter()
                .map(|t| t.id.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

impl Family for TimerWrite {
    fn reads_before(&self, item: &OutboxItem) -> Vec<Read> {
        match self {
            TimerWrite::Add { .. }
            | TimerWrite::Update { .. }
            | TimerWrite::Delete { .. }
            | TimerWrite::Charge { .. } => the_ticket(item),
        }
    }

    fn baseline(&self, item: &OutboxItem, snap: &Snapshot) -> Result<ItemResult, String> {
        let t = snap.ticket(item.ticket_id);
        if let (Some(id), Some(t)) = (target(self), t) {
            if !t.timers.iter().any(|x| x.id == id) {
                return Err(format!("timer {id} is not on {}", ticket_label(item)));
            }
        }
        Ok(before(max_id(
            t.iter().flat_map(|t| t.timers.iter().map(|x| x.id)),
        )))
    }

    fn request(&self, item: &OutboxItem, _snap: &Snapshot) -> Request {
        let t = item.ticket_id.unwrap_or_default();
        let set = |b: &mut Value, k: &str, v: Option<Value>| {
            if let Some(v) = v {
                b[k] = v;
            }
        };
        match self {
            TimerWrite::Add {
                start_at,
                end_at,
                notes,
                billable,
                product_id,
            } => {
                let mut b = json!({"start_at": start_at, "end_at": end_at, "billable": billable});
                set(&mut b, "notes", notes.as_ref().map(|n| json!(n)));
                set(&mut b, "product_id", product_id.map(|p| json!(p)));
                Request::new(Method::POST, format!("/tickets/{t}/timer_entry"), b)
            }
            TimerWrite::Update {
                timer_id,
                start_at,
                end_at,
                notes,
                billable,
                product_id,
            } => {
                let mut b = json!({"timer_entry_id": timer_id});
                set(&mut b, "start_at", start_at.as_ref().map(|s| json!(s)));
                // A changed duration does not move end_time: send end_at itself.
                set(&mut b, "end_at", end_at.as_ref().map(|e| json!(e)));
                set(&mut b, "notes", notes.as_ref().map(|n| json!(n)));
                set(&mut b, "billable", billable.map(|x| json!(x)));
                set(&mut b, "product_id", product_id.map(|p| json!(p)));
                Request::new(Method::PUT, format!("/tickets/{t}/update_timer_entry"), b)
            }
            TimerWrite::Delete { timer_id } => Request::new(
                Method::POST,
                format!("/tickets/{t}/delete_timer_entry"),
                json!({"timer_entry_id": timer_id}),
            ),
            TimerWrite::Charge { timer_id } => Request::new(
                Method::POST,
                format!("/tickets/{t}/charge_timer_entry"),
                json!({"timer_entry_id": timer_id}),
            ),
        }
    }

    fn created_id(&self, resp: &Value) -> Option<i64> {
        match self {
            TimerWrite::Add { .. } => nested_id(resp, &["timer_entry", "ticket_timer"]),
            TimerWrite::Update { .. } | TimerWrite::Delete { .. } | TimerWrite::Charge { .. } => {
                None
            }
        }
    }

    fn idempotent(&self) -> bool {
        match self {
            TimerWrite::Update { .. } | TimerWrite::Delete { .. } => true,
            TimerWrite::Add { .. } | TimerWrite::Charge { .. } => false,
        }
    }

    fn follow_up_reads(&self, _item: &OutboxItem, _snap: &Snapshot) -> Vec<Read> {
        match self {
            TimerWrite::Add { .. }
            | TimerWrite::Update { .. }
            | TimerWrite::Delete { .. }
            | TimerWrite::Charge { .. } => Vec::new(),
        }
    }

    fn probe(&self, item: &OutboxItem, snap: &Snapshot, claimed: &[i64]) -> Probe {
        let Some(t) = snap.ticket(item.ticket_id) else {
            return Probe::Absent;
        };
        let find = |id: i64| t.timers.iter().find(|x| x.id == id);
        let asked = asked(self);
        match self {
            TimerWrite::Add { .. } => match item.result.before_max_id {
                Some(after) => new_timer(&asked, &t.timers, snap, after, claimed),
                None => match new_timer(&asked, &t.timers, snap, 0, claimed) {
                    Probe::Absent => Probe::Absent,
                    _ => Probe::Ambiguous(
                        "a timer on the ticket matches, but there is no record of the ticket's timers before the send"
                            .into(),
                    ),
                },
            },
            TimerWrite::Update { timer_id, .. } => match find(*timer_id) {
                Some(x) if asked.differences(x).is_empty() => Probe::Landed(None),
                _ => Probe::Absent,
            },
            TimerWrite::Delete { timer_id } => match find(*timer_id) {
                Some(_) => Probe::Absent,
                None => Probe::Landed(None),
            },
            TimerWrite::Charge { timer_id } => match find(*timer_id) {
                Some(x) if x.recorded => Probe::Landed(None),
                _ => Probe::Absent,
            },
        }
    }

    fn reads_after(&self, item: &OutboxItem) -> Vec<Read> {
        match self {
            TimerWrite::Add { .. }
            | TimerWrite::Update { .. }
            | TimerWrite::Delete { .. }
            | TimerWrite::Charge { .. } => the_ticket(item),
        }
    }

    fn read_back(&self, item: &OutboxItem, snap: &Snapshot, claimed: &[i64]) -> ReadBack {
        let Some(t) = snap.ticket(item.ticket_id) else {
            return ReadBack::Missing("the ticket could not be read".into());
        };
        let find = |id: i64| t.timers.iter().find(|x| x.id == id);
        let missing = |id: i64| ReadBack::Missing(format!("timer {id} is not on the ticket"));
        let asked = asked(self);
        match self {
            TimerWrite::Add { .. } => {
                let found = match item.remote_id {
                    Some(id) => find(id),
                    None => {
                        let after = item.result.before_max_id.unwrap_or(0);
                        match new_timer(&asked, &t.timers, snap, after, claimed) {
                            Probe::Landed(Some(id)) => find(id),
                            Probe::Ambiguous(why) => {
                                return ReadBack::Missing(format!(
                                    "the timer cannot be told apart: {why}"
                                ))
                            }
                            _ => None,
                        }
                    }
                };
                match found {
                    Some(x) => landed(Some(x.id), asked.differences(x), Some(t)),
                    None => ReadBack::Missing("the timer is not on the ticket".into()),
                }
            }
            TimerWrite::Update { timer_id, .. } => match find(*timer_id) {
                Some(x) => landed(None, asked.differences(x), Some(t)),
                None => missing(*timer_id),
            },
            TimerWrite::Delete { timer_id } => match find(*timer_id) {
                Some(_) => ReadBack::Missing(format!("timer {timer_id} is still on the ticket")),
                None => landed(None, Vec::new(), Some(t)),
            },
            TimerWrite::Charge { timer_id } => match find(*timer_id) {
                None => missing(*timer_id),
                Some(x) if !x.recorded => {
                    ReadBack::Missing(format!("timer {timer_id} is not charged"))
                }
                Some(x) => {
                    let mut diffs = Vec::new();
                    match x.ticket_line_item_id {
                        Some(l) if t.line_items.iter().any(|li| li.id == l) => {}
                        linked => diffs.push(Difference::new(
                            format!("timer {timer_id}: charged line item"),
                            "a line item on the ticket",
                            linked
                                .map_or("none".to_string(), |l| format!("{l}, not on the ticket")),
                            true,
                        )),
                    }
                    landed(None, diffs, Some(t))
                }
            },
        }
    }

    fn max_requests(&self) -> i64 {
        match self {
            TimerWrite::Add { .. }
            | TimerWrite::Update { .. }
            | TimerWrite::Delete { .. }
            | TimerWrite::Charge { .. } => MAX_REQUESTS,
        }
    }

    fn not_found(&self) -> NotFound {
        match self {
            TimerWrite::Update { timer_id, .. } | TimerWrite::Charge { timer_id } => {
                NotFound::Record(format!("timer {timer_id}"))
            }
            TimerWrite::Delete { .. } => NotFound::AlreadyGone,
            TimerWrite::Add { .. } => NotFound::Ticket,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::family;
    use super::super::testing::{item, snapshot, ticket};
    use super::*;

    /// Our 45-minute billable timer of 9:00 UTC, Labor - Remote.
    fn visit(notes: &str) -> OutboxItem {
        item(TimerWrite::Add {
            start_at: "2026-11-02T09:00:00Z".into(),
            end_at: "2026-11-02T09:45:00Z".into(),
            notes: Some(notes.into()),
            billable: true,
            product_id: Some(9001),
        })
    }

    #[test]
    fn a_timer_is_found_by_its_start_in_any_offset() {
        let it = visit("remote session");
        let snap = snapshot(ticket(json!({"ticket_timers": [
            {"id": 12, "start_time": "2026-11-02T10:00:00.000+01:00", "end_time": "2026-11-02T10:45:00.000+01:00",
             "billable": true, "product_id": 9001, "notes": "remote  session"}
        ]})));
        assert_eq!(
            family(&it.command).probe(&it, &snap, &[]),
            Probe::Landed(Some(12))
        );
        let ReadBack::Landed { differences, .. } = family(&it.command).read_back(&it, &snap, &[])
        else {
            panic!("the timer is there");
        };
        assert!(differences.is_empty(), "{differences:?}");
    }

    #[test]
    fn a_field_the_server_leaves_out_does_not_make_our_timer_someone_elses() {
        let it = visit("remote session");
        // No notes, no product in the answer: what it returns matches.
        let snap = snapshot(ticket(json!({"ticket_timers": [
            {"id": 12, "start_time": "2026-11-02T09:00:00Z", "end_time": "2026-11-02T09:45:00Z", "billable": true}
        ]})));
        assert_eq!(
            family(&it.command).probe(&it, &snap, &[]),
            Probe::Landed(Some(12))
        );
        // ...but notes or a product it does return must match.
        for (key, other) in [
            ("notes", json!("onsite visit")),
            ("product_id", json!(9002)),
        ] {
            let mut timer = json!({"id": 12, "start_time": "2026-11-02T09:00:00Z",
                                   "end_time": "2026-11-02T09:45:00Z", "billable": true});
            timer[key] = other.clone();
            let snap = snapshot(ticket(json!({ "ticket_timers": [timer] })));
            assert_eq!(
                family(&it.command).probe(&it, &snap, &[]),
                Probe::Absent,
                "{key}: {other}"
            );
        }
        // A timer without a start is nothing like ours.
        let snap = snapshot(ticket(json!({"ticket_timers": [
            {"id": 12, "end_time": "2026-11-02T09:45:00Z", "billable": true}
        ]})));
        assert_eq!(family(&it.command).probe(&it, &snap, &[]), Probe::Absent);
    }

    #[test]
    fn a_colleagues_timer_for_the_same_visit_is_not_ours() {
        let it = visit("onsite");
        let timer = |id: i64, user: i64, end: &str| {
            json!({"id": id, "user_id": user, "start_time": "2026-11-02T09:00:00Z", "end_time": end,
                   "billable": true, "product_id": 9001, "notes": "onsite"})
        };
        let mut snap = snapshot(ticket(
            json!({"ticket_timers": [timer(12, 2, "2026-11-02T09:45:00Z")]}),
        ));
        snap.api_user = Some(1);
        assert_eq!(family(&it.command).probe(&it, &snap, &[]), Probe::Absent);
        // Same start, another end: another timer.
        let mut snap = snapshot(ticket(
            json!({"ticket_timers": [timer(12, 1, "2026-11-02T10:30:00Z")]}),
        ));
        snap.api_user = Some(1);
        assert_eq!(family(&it.command).probe(&it, &snap, &[]), Probe::Absent);
        let mut snap = snapshot(ticket(json!({"ticket_timers": [
            timer(12, 1, "2026-11-02T09:45:00Z"), timer(13, 1, "2026-11-02T09:45:00Z")
        ]})));
        snap.api_user = Some(1);
        assert!(matches!(
            family(&it.command).probe(&it, &snap, &[]),
            Probe::Ambiguous(_)
        ));
    }

    #[test]
    fn a_charge_is_recognised_by_its_effect() {
        let it = item(TimerWrite::Charge { timer_id: 12 });
        let snap = snapshot(ticket(json!({
            "ticket_timers": [{"id": 12, "recorded": true, "ticket_line_item_id": 40}],
            "line_items": [{"id": 40, "quantity": 1}]
        })));
        assert_eq!(
            family(&it.command).probe(&it, &snap, &[]),
            Probe::Landed(None)
        );
        assert!(matches!(
            family(&it.command).read_back(&it, &snap, &[]),
            ReadBack::Landed { ref differences, .. } if differences.is_empty()
        ));
        assert!(!family(&it.command).idempotent());
    }
}
