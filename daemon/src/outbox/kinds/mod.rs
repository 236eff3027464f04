//! What each kind of write means: the request it becomes, where the
//! answer keeps the new record's id, what must be read before sending, how
//! an earlier landing is recognised (probe), how the landed record is
//! judged against what was asked (read-back), how many requests it may
//! cost and what a 404 to it means.
//!
//! One file per family of writes, each implementing [`Family`] for that
//! family's enum of kinds in the store (`syncro_store::outbox::TimerWrite`
//! and the like): every method gets the write's own kind as `self` and
//! answers with a `match` naming every kind of the family, never a `_`
//! arm, so a kind left out is a compile error in its family's file, not a
//! request for another kind. [`family`] is the one `match` over the
//! families. A new kind in an existing family touches its family's file
//! here, the family's file in the store (`store/src/outbox/command/`) and
//! the CLI's (`cli/src/write/`); a new family adds a file to each and an
//! arm to [`family`].
//! Everything here is pure: the driver (`super::driver`) does the I/O the
//! families ask for through [`Read`], and hands them a [`Snapshot`].

mod comment;
mod invoice;
mod line_item;
mod ticket;
mod timer;

use std::collections::HashMap;

use reqwest::Method;
use serde_json::Value;
use syncro_store::json::int;
use syncro_store::model::{Invoice, InvoiceWithLines, Ticket, TicketWithChildren};
use syncro_store::outbox::{Command, Difference, ItemResult, OutboxItem};

/// Requests the server may answer for one write before syncrod stops and
/// asks a human. Enough for a comment to be sent twice with three looks
/// for it after each, or an update three times; a write that needs more is
/// one the server will not take as it is.
pub const MAX_REQUESTS: i64 = 10;

/// The bound for a ticket or invoice create, whose every look reads lists
/// (the customer's tickets and the candidates' threads; the ticket and
/// its invoices): the same two sends with three looks each cost more.
pub const MAX_LIST_REQUESTS: i64 = 24;

/// One request to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: Method,
    pub path: String,
    pub body: Value,
}

impl Request {
    fn new(method: Method, path: String, body: Value) -> Request {
        Request { method, path, body }
    }
}

/// Something the server must be asked before a step can be decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Read {
    /// `GET /tickets/{id}`: the thread, line items and timers.
    Ticket(i64),
    /// Every page of `GET /tickets?customer_id=`.
    CustomerTickets(i64),
    /// `GET /invoices?ticket_id=` (the server may ignore the filter).
    TicketInvoices(i64),
    /// `GET /invoices/{id}`: with its line items.
    Invoice(i64),
}

/// What the driver read for a step, keyed the way families ask for it.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub tickets: HashMap<i64, TicketWithChildren>,
    pub customer_tickets: HashMap<i64, Vec<Ticket>>,
    pub ticket_invoices: HashMap<i64, Vec<Invoice>>,
    pub invoices: HashMap<i64, InvoiceWithLines>,
    /// Lists that were cut short (a page cap): a probe over them cannot
    /// conclude that something is absent.
    pub incomplete: Vec<Read>,
    /// The API key's user (`GET /me`), when the server says: the author
    /// our comments and timers carry. Anything by another user is not ours.
    pub api_user: Option<i64>,
}

impl Snapshot {
    pub fn ticket(&self, id: Option<i64>) -> Option<&TicketWithChildren> {
        id.and_then(|id| self.tickets.get(&id))
    }

    /// Whether a record's author (`user_id`) can be ours: unknown on
    /// either side counts as "can be" (the server does not always say).
    pub fn by_us(&self, author: Option<i64>) -> bool {
        match (self.api_user, author) {
            (Some(me), Some(them)) => me == them,
            _ => true,
        }
    }

    /// Whether a record's author is known to be ours: the server names the
    /// API user as its author.
    pub fn known_ours(&self, author: Option<i64>) -> bool {
        matches!((self.api_user, author), (Some(me), Some(them)) if me == them)
    }
}

/// What a look for an earlier attempt found.
#[derive(Debug, Clone, PartialEq)]
pub enum Probe {
    /// It is there: this record (`None` for effects without an id).
    Landed(Option<i64>),
    /// Not there (yet).
    Absent,
    /// Cannot be told apart from something else: a human must look.
    Ambiguous(String),
}

/// Facts worth keeping from a read-back.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    pub ticket_updated_at: Option<String>,
    /// A created ticket's id and number.
    pub created_ticket: Option<(i64, i64)>,
    /// A created invoice's id and number.
    pub invoice: Option<(i64, String)>,
}

impl Facts {
    pub fn apply(&self, r: &mut ItemResult) {
        if self.ticket_updated_at.is_some() {
            r.ticket_updated_at = self.ticket_updated_at.clone();
        }
        if let Some((id, number)) = self.created_ticket {
            r.ticket_id = Some(id);
            r.number = Some(number);
        }
        if let Some((id, number)) = &self.invoice {
            r.invoice_id = Some(*id);
            r.invoice_number = Some(number.clone());
        }
    }
}

/// What a read-back found.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadBack {
    /// The server holds it; `differences` lists what is not as asked
    /// (empty when it is exactly as asked, through the kind's tolerance).
    Landed {
        remote_id: Option<i64>,
        differences: Vec<Difference>,
        facts: Facts,
    },
    /// Not found where it should be.
    Missing(String),
}

/// What a 404 to the send itself means.
#[derive(Debug, Clone, PartialEq)]
pub enum NotFound {
    /// The record the write removes is gone already: the read-back
    /// confirms it, as for any landing.
    AlreadyGone,
    /// The record the write changes, named ("timer 7"), is no longer on
    /// the ticket.
    Record(String),
    /// The ticket the write acts on is no longer in Syncro.
    Ticket,
}

/// One family of writes, implemented by the family's enum of kinds: every
/// method gets the write's kind as `self`, the whole item (its ticket and
/// recorded result) and only the reads it asked for, and answers through
/// `match`es that name every kind of the family.
pub trait Family: Sync {
    /// Reads needed before a send: the baseline, the conflict check and
    /// the probe all work on them.
    fn reads_before(&self, item: &OutboxItem) -> Vec<Read>;

    /// What must be recorded before the first send (newest existing id,
    /// lines an invoice must hold), or why the write cannot go at all.
    fn baseline(&self, item: &OutboxItem, snap: &Snapshot) -> Result<ItemResult, String>;

    fn request(&self, item: &OutboxItem, snap: &Snapshot) -> Request;

    /// The new record's id in a success answer, where the endpoint puts it.
    fn created_id(&self, resp: &Value) -> Option<i64>;

    /// Whether sending it twice leaves the server as sending it once did
    /// (absolute field values, removals): then an unknown outcome needs no
    /// grace before looking, and a miss may be resent at once.
    fn idempotent(&self) -> bool;

    /// Reads that depend on what the first ones found (the details of a
    /// probe's candidates): asked once, after `reads_before`.
    fn follow_up_reads(&self, item: &OutboxItem, snap: &Snapshot) -> Vec<Read>;

    /// Looks for an earlier attempt's effect. `claimed` are records other
    /// items of the same kind already landed as. A record is ours only
    /// when everything we sent that the server returns matches, it is
    /// newer than the baseline, and it is not by another user; two such
    /// records, or a list that was cut short, are `Ambiguous`.
    fn probe(&self, item: &OutboxItem, snap: &Snapshot, claimed: &[i64]) -> Probe;

    /// Reads needed to judge the landed write.
    fn reads_after(&self, item: &OutboxItem) -> Vec<Read>;

    fn read_back(&self, item: &OutboxItem, snap: &Snapshot, claimed: &[i64]) -> ReadBack;

    /// Requests the server may answer for it before syncrod gives up
    /// (`super::bounds`): [`MAX_REQUESTS`], or [`MAX_LIST_REQUESTS`] when
    /// its looks read lists.
    fn max_requests(&self) -> i64;

    /// What a 404 to the send means (a 404 to a read is the record read).
    fn not_found(&self) -> NotFound;
}

/// The family of a command, holding its kind.
pub fn family(cmd: &Command) -> &dyn Family {
    match cmd {
        Command::Comment(w) => w,
        Command::Ticket(w) => w,
        Command::LineItem(w) => w,
        Command::Timer(w) => w,
        Command::Invoice(w) => w,
    }
}

/// The read most writes need around a send: the ticket they act on.
fn the_ticket(item: &OutboxItem) -> Vec<Read> {
    item.ticket_id.map(Read::Ticket).into_iter().collect()
}

/// The id of a created record: nested under one of `keys` or at the top.
/// (A comment's is at `.comment.id`, not `.id`: reading the wrong path and
/// concluding the post failed is how duplicates were made by hand.)
fn nested_id(resp: &Value, keys: &[&str]) -> Option<i64> {
    keys.iter()
        .find_map(|k| resp.get(*k).and_then(|o| int(o, "id")))
        .or_else(|| int(resp, "id"))
}

/// The newest id among `ids` (0 when there are none).
fn max_id(ids: impl Iterator<Item = i64>) -> i64 {
    ids.max().unwrap_or(0)
}

/// A baseline holding only the newest existing id.
fn before(max: i64) -> ItemResult {
    ItemResult {
        before_max_id: Some(max),
        ..ItemResult::default()
    }
}

/// A read-back that found the record (or effect) as asked, or with
/// `differences`; `ticket` supplies the `updated_at` our write produced.
fn landed(
    remote_id: Option<i64>,
    differences: Vec<Difference>,
    ticket: Option<&TicketWithChildren>,
) -> ReadBack {
    ReadBack::Landed {
        remote_id,
        differences,
        facts: Facts {
            ticket_updated_at: ticket.and_then(|t| t.ticket.updated_at.clone()),
            ..Facts::default()
        },
    }
}

/// The label used in messages for a ticket the item acts on.
fn ticket_label(item: &OutboxItem) -> String {
    match item.ticket_number {
        Some(n) => format!("ticket #{n}"),
        None => "the ticket".to_string(),
    }
}

/// Money for messages.
fn money(cents: i64) -> String {
    format!("${}.{:02}", cents / 100, (cents % 100).abs())
}

/// Money as the server would store it.
fn cents(dollars: f64) -> i64 {
    syncro_store::json::dollars_to_cents(dollars).unwrap_or(0)
}

/// Two instants the same to the second, whatever offsets they are written in.
fn same_time(a: Option<&str>, b: &str) -> bool {
    use syncro_store::time;
    match (a.and_then(time::parse), time::parse(b)) {
        (Some(x), Some(y)) => (x - y).num_seconds().abs() < 1,
        _ => false,
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Builders shared by the families' tests.

    use serde_json::{json, Value};
    use syncro_store::model::TicketWithChildren;
    use syncro_store::outbox::{Command, ItemResult, OutboxItem, State};

    pub fn item(command: impl Into<Command>) -> OutboxItem {
        let command = command.into();
        OutboxItem {
            id: 1,
            kind: command.kind().to_string(),
            state: State::Sending,
            command,
            ticket_id: Some(1000),
            ticket_number: Some(5000),
            attempts: 1,
            next_attempt_at: None,
            last_error: None,
            depends_on: None,
            group_id: None,
            group_seq: None,
            base_updated_at: None,
            remote_id: None,
            result: ItemResult {
                before_max_id: Some(10),
                ..ItemResult::default()
            },
            created_at: "2026-12-01T10:00:00.000Z".into(),
            updated_at: "2026-12-01T10:00:00.000Z".into(),
            send_after: None,
            requests: 0,
        }
    }

    /// A ticket detail as the API embeds it, with `extra` fields merged.
    pub fn ticket(extra: Value) -> TicketWithChildren {
        let mut t = json!({"id": 1000, "number": 5000, "subject": "Printer", "status": "New",
                           "customer_id": 7, "updated_at": "2026-12-01T10:00:00.000+01:00"});
        if let (Some(t), Value::Object(e)) = (t.as_object_mut(), extra) {
            t.extend(e);
        }
        TicketWithChildren::from_json(&t).expect("valid ticket")
    }

    pub fn snapshot(t: TicketWithChildren) -> super::Snapshot {
        let mut s = super::Snapshot::default();
        s.tickets.insert(t.ticket.id, t);
        s
    }
}
