//! The simulated shop's data, its queries and its mutations.
//!
//! Every mutation goes through here, whether it comes from the API or from
//! /admin/mutate (another technician in the web UI), so both bump
//! `updated_at` the same way. Queries scan and render only the page asked
//! for: nothing clones the whole state per request.
//!
//! The data and what every part shares (ids, stamps) are here; each kind
//! of record has its own file of queries and mutations (`impl State`
//! blocks), cut as the /api/v1 handlers are:
//!
//! - `tickets`: list, get, create, update, delete, initial comments;
//! - `comments`: a ticket's thread, and the one way a comment is made;
//! - `line_items`, `timers`: billing a ticket (charging a timer makes a
//!   line item);
//! - `customers`, `invoices`, `products`;
//! - `account`: GET /me and who is writing (`as_user`);
//! - `colleague`: a colleague's look-alike of an API write;
//! - `listing`: paging and search, shared by the lists.
//!
//! Above `model` (the records), `params` (reading bodies), `shape`
//! (rendering), `errors` (refusals) and `values`; none of them imports it.
//! `app` holds it, and the handlers, /admin and the generator use it.

use std::collections::BTreeMap;

use chrono::{Duration, SubsecRound, Utc};
use serde_json::{json, Value};

use crate::model::{Customer, Invoice, Product, Ticket, User};
use crate::quirks::Quirks;
use crate::shape::Shape;
use crate::values::Ts;

mod account;
mod colleague;
mod comments;
mod customers;
mod invoices;
mod line_items;
mod listing;
mod products;
mod tickets;
mod timers;

pub use comments::CommentFilter;
pub use customers::CustomerFilter;
pub use invoices::InvoiceFilter;
pub use listing::Paging;
pub use tickets::TicketFilter;
pub use timers::TimerFilter;

/// The server's clock: the real one plus `clock_skew_secs`.
pub(crate) fn server_now(shape: &Shape) -> Ts {
    let now = Utc::now();
    Duration::try_seconds(shape.clock_skew_secs)
        .and_then(|d| now.checked_add_signed(d))
        .unwrap_or(now)
}

/// Next ids of each kind. Kept apart per kind, like separate tables.
#[derive(Clone, Debug)]
pub struct Ids {
    pub customer: u64,
    pub ticket: u64,
    pub ticket_number: u64,
    pub comment: u64,
    pub line_item: u64,
    pub timer: u64,
    pub invoice: u64,
    pub invoice_number: u64,
    pub invoice_line_item: u64,
}

impl Ids {
    fn take(slot: &mut u64) -> u64 {
        let id = *slot;
        *slot += 1;
        id
    }
}

/// The whole simulated account.
pub struct State {
    pub(crate) customers: BTreeMap<u64, Customer>,
    pub(crate) tickets: BTreeMap<u64, Ticket>,
    pub(crate) invoices: BTreeMap<u64, Invoice>,
    pub(crate) products: BTreeMap<u64, Product>,
    /// Technicians; the first one owns the API key.
    pub(crate) users: Vec<User>,
    pub(crate) ids: Ids,
    /// The last timestamp handed out: stamps are strictly increasing so
    /// `since_updated_at` never misses or repeats a change.
    pub(crate) last_stamp: Ts,
    /// Ticket id -> comments created whose body repeated an earlier comment
    /// body on the same ticket: the visible damage of a blind retry.
    pub(crate) duplicate_comments: BTreeMap<u64, u64>,
    /// Deliberate misbehaviour switched on from /admin/quirks.
    pub(crate) quirks: Quirks,
    /// How answers are rendered and a few server behaviours (/admin/shape).
    pub(crate) shape: Shape,
    /// Who writes the comments, line items and timers being created, when
    /// it is not the API key's user: set only for the span of one write by
    /// `as_user` (a colleague, or a technician in the web UI).
    pub(crate) author: Option<u64>,
}

impl State {
    /// The `null` a list page leads with under `null_list_rows`.
    fn null_row(&self) -> impl Iterator<Item = Value> {
        self.shape.null_list_rows.then_some(Value::Null).into_iter()
    }

    pub fn ticket_count(&self) -> usize {
        self.tickets.len()
    }

    pub fn customer_count(&self) -> usize {
        self.customers.len()
    }

    pub fn invoice_count(&self) -> usize {
        self.invoices.len()
    }

    pub fn comment_count(&self) -> usize {
        self.tickets.values().map(|t| t.comments.len()).sum()
    }

    /// A fresh timestamp for a change: the server's now (to the
    /// millisecond, `clock_skew_secs` ahead of the real one), but always
    /// after every earlier one.
    pub(crate) fn stamp(&mut self) -> Ts {
        let now = server_now(&self.shape).trunc_subsecs(3);
        let t = if now > self.last_stamp {
            now
        } else {
            self.last_stamp + Duration::milliseconds(1)
        };
        self.last_stamp = t;
        t
    }

    /// GET /admin/state: everything, sorted by id, rendered as the API
    /// renders it now.
    pub fn dump(&self) -> Value {
        let s = &self.shape;
        json!({
            "customers": self.customers.values().map(|c| c.to_json(s)).collect::<Vec<_>>(),
            "tickets": self.tickets.values().map(|t| self.ticket_detail(t)).collect::<Vec<_>>(),
            "invoices": self.invoices.values().map(|i| self.invoice_detail(i)).collect::<Vec<_>>(),
            "products": self.products.values().map(Product::to_json).collect::<Vec<_>>(),
        })
    }

    pub fn duplicate_comments(&self) -> &BTreeMap<u64, u64> {
        &self.duplicate_comments
    }

    pub fn reset_duplicate_comments(&mut self) {
        self.duplicate_comments.clear();
    }
}
