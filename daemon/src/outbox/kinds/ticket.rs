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
//! **Creates** are found by identity (`.ticket.id`). Without it (the answer
//! was lost), a ticket is ours only when everything we sent that the server
//! returns matches: the customer, the subject, the problem type and
//! priority we set, and the first comment, written by our API user; and it
//! is newer than the baseline and not claimed by another item. RMM alerts
//! and colleagues create same-subject tickets for the same customer all
//! day, so a look-alike whose thread is not ours is someone else's (our
//! write did not land: sent again), and a match that nothing we sent can
//! tell apart (no first comment, or two equally good candidates) parks the
//! write for a human, never `done` on a guess. A customer list cut short
//! concludes nothing. A subject that differs on the record we own is
//! reported; a different customer blocks (later steps would land on the
//! wrong customer's ticket).

use reqwest::Method;
use serde_json::{json, Map, Value};
use syncro_store::matching::{normalize_text, same_text};
use syncro_store::model::{Ticket, TicketWithChildren};
use syncro_store::outbox::{Difference, ItemResult, OutboxItem, TicketFields, TicketWrite};

use super::{
    before, landed, max_id, nested_id, the_ticket, Facts, Family, NotFound, Probe, Read, ReadBack,
    Request, Snapshot, MAX_LIST_REQUESTS, MAX_REQUESTS,
};

/// What a create asks, borrowed from its [`TicketWrite::Create`].
struct Create<'a> {
    customer_id: &'a i64,
    subject: &'a String,
    problem_type: &'a Option<String>,
    priority: &'a Option<String>,
    status: &'a Option<String>,
    body: &'a Option<String>,
}

/// What a write asks, borrowed from its [`TicketWrite`]: the create's
/// fields taken apart once, here, for the methods that work on all of them.
enum Asked<'a> {
    Update(&'a TicketFields),
    Create(Create<'a>),
}

fn asked(w: &TicketWrite) -> Asked<'_> {
    match w {
        TicketWrite::Update { fields } => Asked::Update(fields),
        TicketWrite::Create {
            customer_id,
            subject,
            problem_type,
            priority,
            status,
            body,
        } => Asked::Create(Create {
            customer_id,
            subject,
            problem_type,
            priority,
            status,
            body,
        }),
    }
}

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
    // The same instant, whatever offset the server speaks in.
    if let Some(want) = &f.due_date {
        let got = t.due_date.as_deref().and_then(syncro_store::time::parse);
        if syncro_store::time::parse(want) != got {
            out.push(Difference::new(
                format!("ticket #{}: due date", t.number),
                want,
                t.due_date.clone().unwrap_or_default(),
                true,
            ));
        }
    }
    out
}

fn create_body(c: &Create<'_>) -> Value {
    let Create {
        customer_id,
        subject,
        problem_type,
        priority,
        status,
        body,
    } = c;
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

/// Candidates whose threads are read to tell ours from look-alikes; more
/// same-subject tickets than this since our send is a storm no guess
/// should be made in.
const MAX_CANDIDATES: usize = 4;

/// The customer's tickets newer than `after`, not claimed, whose listed
/// fields are all as we sent them: the ones that could be this create's
/// landing, oldest first.
fn candidates<'a>(
    c: &Create<'_>,
    tickets: &'a [Ticket],
    after: i64,
    claimed: &[i64],
) -> Vec<&'a Ticket> {
    let Create {
        customer_id,
        subject,
        problem_type,
        priority,
        ..
    } = c;
    // A field we set must read back the same where the server returns it.
    let same = |want: &Option<String>, got: &Option<String>| match (want, got) {
        (Some(w), Some(g)) => normalize_text(w).eq_ignore_ascii_case(&normalize_text(g)),
        _ => true,
    };
    let mut found: Vec<&Ticket> = tickets
        .iter()
        .filter(|t| {
            t.id > after
                && !claimed.contains(&t.id)
                && t.customer_id == Some(**customer_id)
                && same_text(&t.subject, subject)
                && same(problem_type, &t.problem_type)
                && same(priority, &t.priority)
        })
        .collect();
    found.sort_by_key(|t| t.id);
    found
}

/// Which of the customer's tickets is this create's landing, from the
/// list and the candidates' threads (see the module doc).
fn identify(item: &OutboxItem, c: &Create<'_>, snap: &Snapshot, claimed: &[i64]) -> Probe {
    let Create {
        customer_id, body, ..
    } = c;
    if snap
        .incomplete
        .contains(&Read::CustomerTickets(**customer_id))
    {
        return Probe::Ambiguous(
            "the customer's tickets could not all be read (too many, or some unreadable), so a look cannot rule anything out".into(),
        );
    }
    let tickets = snap
        .customer_tickets
        .get(customer_id)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let Some(after) = item.result.before_max_id else {
        return match candidates(c, tickets, 0, claimed).first() {
            Some(t) => Probe::Ambiguous(format!(
                "ticket #{} has the same subject, but there is no record of the customer's tickets before the send",
                t.number
            )),
            None => Probe::Absent,
        };
    };
    let listed = candidates(c, tickets, after, claimed);
    if listed.len() > MAX_CANDIDATES {
        return Probe::Ambiguous(format!(
            "{} tickets with the same subject appeared for the customer since it was sent",
            listed.len()
        ));
    }
    let numbers = |ts: &[&Ticket]| {
        ts.iter()
            .map(|t| format!("#{}", t.number))
            .collect::<Vec<_>>()
            .join(", ")
    };
    // Ours opens with the first comment we sent, by us. What came after
    // it (the customer's reply, a colleague's note during the grace) says
    // nothing against it: judged by it, our ticket would be taken for a
    // look-alike and created a second time. A thread that opens with
    // someone else's comment is theirs.
    let ours: Vec<&Ticket> = listed
        .iter()
        .copied()
        .filter(|t| {
            let Some(d) = snap.tickets.get(&t.id) else {
                return false;
            };
            let opening = d.comments.iter().min_by_key(|c| c.id);
            match (body, opening) {
                (Some(b), Some(c)) => same_text(&c.body, b) && snap.by_us(c.user_id),
                (Some(_), None) => false,
                (None, Some(c)) => snap.by_us(c.user_id),
                (None, None) => true,
            }
        })
        .collect();
    match (ours.as_slice(), body) {
        ([], _) => Probe::Absent,
        ([t], Some(_)) => Probe::Landed(Some(t.id)),
        ([t], None) => Probe::Ambiguous(format!(
            "ticket #{} has the same customer and subject, and this create sent nothing else (no first comment) \
             to tell it from a colleague's or an alert's",
            t.number
        )),
        (many, _) => Probe::Ambiguous(format!(
            "tickets {} all match what was sent",
            numbers(many)
        )),
    }
}

/// Judges a created ticket: from its detail when the id is known, else
/// from its list entry.
fn judge_create(
    c: &Create<'_>,
    t: &Ticket,
    detail: Option<&TicketWithChildren>,
) -> (Vec<Difference>, Facts) {
    let mut diffs = Vec::new();
    if !same_text(&t.subject, c.subject) {
        diffs.push(Difference::new(
            format!("ticket #{}: subject", t.number),
            c.subject,
            &t.subject,
            false,
        ));
    }
    if t.customer_id != Some(*c.customer_id) {
        diffs.push(Difference::new(
            format!("ticket #{}: customer", t.number),
            c.customer_id,
            t.customer_id.map(|c| c.to_string()).unwrap_or_default(),
            true,
        ));
    }
    if let (Some(body), Some(d)) = (c.body, detail) {
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
    let facts = Facts {
        ticket_updated_at: t.updated_at.clone(),
        created_ticket: Some((t.id, t.number)),
        ..Facts::default()
    };
    (diffs, facts)
}

impl Family for TicketWrite {
    fn reads_before(&self, item: &OutboxItem) -> Vec<Read> {
        match self {
            TicketWrite::Create { customer_id, .. } => vec![Read::CustomerTickets(*customer_id)],
            TicketWrite::Update { .. } => the_ticket(item),
        }
    }

    fn baseline(&self, _item: &OutboxItem, snap: &Snapshot) -> Result<ItemResult, String> {
        Ok(match self {
            TicketWrite::Create { customer_id, .. } => before(max_id(
                snap.customer_tickets
                    .get(customer_id)
                    .into_iter()
                    .flatten()
                    .map(|t| t.id),
            )),
            TicketWrite::Update { .. } => ItemResult::default(),
        })
    }

    fn request(&self, item: &OutboxItem, _snap: &Snapshot) -> Request {
        match asked(self) {
            Asked::Update(fields) => Request::new(
                Method::PUT,
                format!("/tickets/{}", item.ticket_id.unwrap_or_default()),
                serde_json::to_value(fields).unwrap_or_else(|_| json!({})),
            ),
            Asked::Create(c) => Request::new(Method::POST, "/tickets".into(), create_body(&c)),
        }
    }

    fn created_id(&self, resp: &Value) -> Option<i64> {
        match self {
            TicketWrite::Create { .. } => nested_id(resp, &["ticket"]),
            TicketWrite::Update { .. } => None,
        }
    }

    fn idempotent(&self) -> bool {
        match self {
            TicketWrite::Update { .. } => true,
            TicketWrite::Create { .. } => false,
        }
    }

    fn probe(&self, item: &OutboxItem, snap: &Snapshot, claimed: &[i64]) -> Probe {
        match asked(self) {
            Asked::Update(fields) => match snap.ticket(item.ticket_id) {
                Some(t) if field_differences(&t.ticket, fields).is_empty() => Probe::Landed(None),
                _ => Probe::Absent,
            },
            Asked::Create(c) => identify(item, &c, snap, claimed),
        }
    }

    fn follow_up_reads(&self, item: &OutboxItem, snap: &Snapshot) -> Vec<Read> {
        match asked(self) {
            Asked::Update(_) => Vec::new(),
            Asked::Create(c) => {
                if item.remote_id.is_some() {
                    // Known by its id: nothing to tell apart.
                    return Vec::new();
                }
                let tickets = snap
                    .customer_tickets
                    .get(c.customer_id)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                let after = item.result.before_max_id.unwrap_or(i64::MAX);
                let listed = candidates(&c, tickets, after, &[]);
                if listed.len() > MAX_CANDIDATES {
                    return Vec::new();
                }
                listed.iter().map(|t| Read::Ticket(t.id)).collect()
            }
        }
    }

    fn reads_after(&self, item: &OutboxItem) -> Vec<Read> {
        match self {
            TicketWrite::Create { customer_id, .. } => match item.remote_id {
                Some(id) => vec![Read::Ticket(id)],
                None => vec![Read::CustomerTickets(*customer_id)],
            },
            TicketWrite::Update { .. } => the_ticket(item),
        }
    }

    fn read_back(&self, item: &OutboxItem, snap: &Snapshot, claimed: &[i64]) -> ReadBack {
        match asked(self) {
            Asked::Update(fields) => match snap.ticket(item.ticket_id) {
                Some(t) => landed(None, field_differences(&t.ticket, fields), Some(t)),
                None => ReadBack::Missing("the ticket could not be read".into()),
            },
            Asked::Create(c) => {
                let (t, detail) = match item.remote_id {
                    Some(id) => match snap.tickets.get(&id) {
                        Some(d) => (&d.ticket, Some(d)),
                        None => {
                            return ReadBack::Missing(format!(
                                "ticket id {id} is not on the server"
                            ))
                        }
                    },
                    None => match identify(item, &c, snap, claimed) {
                        Probe::Landed(Some(id)) => match snap.tickets.get(&id) {
                            Some(d) => (&d.ticket, Some(d)),
                            None => {
                                return ReadBack::Missing(format!(
                                    "ticket id {id} could not be read"
                                ))
                            }
                        },
                        Probe::Ambiguous(why) => {
                            return ReadBack::Missing(format!(
                                "the created ticket cannot be told apart: {why}"
                            ))
                        }
                        _ => {
                            return ReadBack::Missing(
                                "the created ticket is not among the customer's tickets".into(),
                            )
                        }
                    },
                };
                let (differences, facts) = judge_create(&c, t, detail);
                ReadBack::Landed {
                    remote_id: Some(t.id),
                    differences,
                    facts,
                }
            }
        }
    }

    fn max_requests(&self) -> i64 {
        match self {
            // Its looks read the customer's tickets and the candidates'.
            TicketWrite::Create { .. } => MAX_LIST_REQUESTS,
            TicketWrite::Update { .. } => MAX_REQUESTS,
        }
    }

    fn not_found(&self) -> NotFound {
        match self {
            TicketWrite::Update { .. } | TicketWrite::Create { .. } => NotFound::Ticket,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::family;
    use super::super::testing::{item, snapshot, ticket};
    use super::*;
    use syncro_store::outbox::Command;

    fn status(s: &str) -> TicketWrite {
        TicketWrite::Update {
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
        assert_eq!(
            family(&it.command).probe(&it, &snap, &[]),
            Probe::Landed(None)
        );
        let snap = snapshot(ticket(json!({"status": "New"})));
        assert_eq!(family(&it.command).probe(&it, &snap, &[]), Probe::Absent);
        assert!(family(&it.command).idempotent());
    }

    #[test]
    fn a_status_that_did_not_take_blocks() {
        let it = item(status("Invoiced"));
        let snap = snapshot(ticket(json!({"status": "Resolved"})));
        let ReadBack::Landed { differences, .. } = family(&it.command).read_back(&it, &snap, &[])
        else {
            panic!("the ticket was readable");
        };
        assert_eq!(differences.len(), 1);
        assert!(differences[0].blocking);
        assert_eq!(differences[0].actual, "Resolved");
    }

    fn create() -> TicketWrite {
        TicketWrite::Create {
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

    /// A created ticket's detail whose first comment is `body` by `user`.
    fn detail(id: i64, subject: &str, body: &str, user: i64) -> TicketWithChildren {
        TicketWithChildren::from_json(&json!({"id": id, "number": id + 4000, "subject": subject,
            "status": "New", "customer_id": 7,
            "comments": [{"id": id * 10, "subject": "Initial Issue", "body": body, "user_id": user}]}))
        .expect("valid ticket")
    }

    fn create_snapshot(tickets: &[(i64, &str, i64)]) -> Snapshot {
        let mut snap = Snapshot {
            api_user: Some(1),
            ..Snapshot::default()
        };
        snap.customer_tickets.insert(
            7,
            tickets.iter().map(|(id, s, _)| listed(*id, s, 7)).collect(),
        );
        for (id, s, user) in tickets {
            snap.tickets
                .insert(*id, detail(*id, s, "It is dead", *user));
        }
        snap
    }

    #[test]
    fn a_create_is_found_beyond_the_baseline_and_unclaimed() {
        let mut it = item(create());
        it.ticket_id = None;
        let snap = create_snapshot(&[
            (5, "Printer offline", 1),
            (12, "Printer offline", 1),
            (14, " Printer offline", 1),
        ]);
        assert_eq!(
            family(&it.command).follow_up_reads(&it, &snap),
            vec![Read::Ticket(12), Read::Ticket(14)]
        );
        assert_eq!(
            family(&it.command).probe(&it, &snap, &[12]),
            Probe::Landed(Some(14))
        );
        assert_eq!(
            family(&it.command).probe(&it, &snap, &[12, 14]),
            Probe::Absent
        );
        match family(&it.command).read_back(&it, &snap, &[12]) {
            ReadBack::Landed { facts, .. } => assert_eq!(facts.created_ticket, Some((14, 4014))),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_colleagues_look_alike_is_not_ours() {
        let mut it = item(create());
        it.ticket_id = None;
        // Same customer, subject and first comment, written by user 2.
        let snap = create_snapshot(&[(12, "Printer offline", 2)]);
        assert_eq!(family(&it.command).probe(&it, &snap, &[]), Probe::Absent);
        // Another first comment, by us: not what we sent.
        let mut snap = create_snapshot(&[(12, "Printer offline", 1)]);
        snap.tickets
            .insert(12, detail(12, "Printer offline", "Low disk space", 1));
        assert_eq!(family(&it.command).probe(&it, &snap, &[]), Probe::Absent);
        // A different problem type than the one we set.
        let mut it2 = item(create());
        if let Command::Ticket(TicketWrite::Create { problem_type, .. }) = &mut it2.command {
            *problem_type = Some("Network".into());
        }
        it2.ticket_id = None;
        let mut snap = create_snapshot(&[(12, "Printer offline", 1)]);
        snap.customer_tickets.insert(
            7,
            vec![Ticket::from_json(
                &json!({"id": 12, "number": 4012, "subject": "Printer offline",
                "status": "New", "customer_id": 7, "problem_type": "Hardware"}),
            )
            .expect("valid ticket")],
        );
        assert_eq!(family(&it2.command).probe(&it2, &snap, &[]), Probe::Absent);
    }

    /// Our ticket with a reply after our first comment (the customer's, a
    /// colleague's) is still ours: judged by the reply it would be created
    /// a second time.
    #[test]
    fn a_reply_on_our_new_ticket_does_not_make_it_someone_elses() {
        let mut it = item(create());
        it.ticket_id = None;
        let mut snap = create_snapshot(&[(12, "Printer offline", 1)]);
        snap.tickets.insert(
            12,
            TicketWithChildren::from_json(&json!({"id": 12, "number": 4012,
                "subject": "Printer offline", "status": "Customer Reply", "customer_id": 7,
                "comments": [
                    {"id": 121, "subject": "Update", "body": "Thanks, it's back", "user_id": null},
                    {"id": 120, "subject": "Initial Issue", "body": "It is dead", "user_id": 1},
                    {"id": 122, "subject": "Update", "body": "On my way", "user_id": 2}]}))
            .expect("valid ticket"),
        );
        assert_eq!(
            family(&it.command).probe(&it, &snap, &[]),
            Probe::Landed(Some(12))
        );
        // Opened by someone else, then our words: theirs.
        snap.tickets.insert(
            12,
            TicketWithChildren::from_json(&json!({"id": 12, "number": 4012,
                "subject": "Printer offline", "status": "New", "customer_id": 7,
                "comments": [
                    {"id": 120, "subject": "Initial Issue", "body": "Printer is dead", "user_id": 2},
                    {"id": 121, "subject": "Update", "body": "It is dead", "user_id": 1}]}))
            .expect("valid ticket"),
        );
        assert_eq!(family(&it.command).probe(&it, &snap, &[]), Probe::Absent);
    }

    #[test]
    fn nothing_to_tell_ours_apart_is_never_a_guess() {
        let mut it = item(create());
        it.ticket_id = None;
        // Two equally good candidates.
        let snap = create_snapshot(&[(12, "Printer offline", 1), (13, "Printer offline", 1)]);
        assert!(matches!(
            family(&it.command).probe(&it, &snap, &[]),
            Probe::Ambiguous(_)
        ));
        // No first comment sent: subject and customer alone prove nothing.
        if let Command::Ticket(TicketWrite::Create { body, .. }) = &mut it.command {
            *body = None;
        }
        let mut snap = create_snapshot(&[(12, "Printer offline", 1)]);
        snap.tickets.get_mut(&12).expect("detail").comments.clear();
        assert!(matches!(
            family(&it.command).probe(&it, &snap, &[]),
            Probe::Ambiguous(_)
        ));
        // A list cut short rules nothing out.
        it.command = create().into();
        let mut snap = create_snapshot(&[]);
        snap.incomplete.push(Read::CustomerTickets(7));
        assert!(matches!(
            family(&it.command).probe(&it, &snap, &[]),
            Probe::Ambiguous(_)
        ));
    }
}
