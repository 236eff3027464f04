//! The simulated shop's data, its queries and its mutations.
//!
//! Every mutation goes through here, whether it comes from the API or from
//! /admin/mutate (another technician in the web UI), so both bump
//! `updated_at` the same way. Queries scan and render only the page asked
//! for: nothing clones the whole state per request.

use std::collections::BTreeMap;

use chrono::{Duration, SubsecRound, Utc};
use serde_json::{json, Value};

use crate::model::{
    Comment, Customer, Invoice, InvoiceLineItem, Product, Qty, Ticket, TicketContext,
    TicketLineItem, Timer, Ts, User, STATUSES,
};
use crate::normalise;
use crate::params::{self, Body};
use crate::quirks::Quirks;
use crate::shape::{Problem, Shape};

mod colleague;

/// Why a query or mutation was refused.
#[derive(Debug, thiserror::Error)]
pub enum Reject {
    #[error("not found")]
    NotFound,
    #[error("unprocessable: {}", .0.body)]
    Invalid(Invalid),
}

/// A 422: the body the endpoint answers by default (its format differs
/// from endpoint to endpoint, as on the real service) and the problems
/// behind it, from which `Shape::error_shapes` renders the endpoint's fixed
/// format instead.
#[derive(Clone, Debug)]
pub struct Invalid {
    pub body: Value,
    pub problems: Vec<Problem>,
}

impl Reject {
    /// `{"success": false, "message": [...]}`, the most common 422.
    pub fn messages(problems: Vec<Problem>) -> Reject {
        let body = json!({"success": false, "message": Problem::fulls(&problems)});
        Reject::Invalid(Invalid { body, problems })
    }

    /// `{"error": "..."}`.
    pub fn error(problem: Problem) -> Reject {
        Reject::Invalid(Invalid {
            body: json!({"error": problem.full}),
            problems: vec![problem],
        })
    }

    /// A 422 with an endpoint's own default body.
    pub fn with_body(body: Value, problems: Vec<Problem>) -> Reject {
        Reject::Invalid(Invalid { body, problems })
    }
}

fn blank(attr: &str, label: &str) -> Problem {
    Problem::field(attr, label, "can't be blank")
}

fn customer_required() -> Reject {
    Reject::error(Problem::field("customer", "Customer", "required field"))
}

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

/// Page request: `page` is 1-based, `per_page` already capped.
#[derive(Clone, Copy, Debug)]
pub struct Paging {
    pub page: usize,
    pub per_page: usize,
}

impl Paging {
    fn slice<'a, T>(&self, items: &'a [T]) -> &'a [T] {
        let start = (self.page - 1).saturating_mul(self.per_page);
        if start >= items.len() {
            return &[];
        }
        let end = (start + self.per_page).min(items.len());
        &items[start..end]
    }

    /// `meta` with all four keys, or (`lean`) only `total_pages` and `page`.
    fn meta(&self, total: usize, lean: bool) -> Value {
        let pages = total.div_ceil(self.per_page).max(1);
        if lean {
            return json!({"total_pages": pages, "page": self.page});
        }
        json!({
            "total_pages": pages,
            "total_entries": total,
            "per_page": self.per_page,
            "page": self.page,
        })
    }

    /// This page request with `per_page` replaced by a fixed page size.
    fn fixed(self, size: Option<usize>) -> Paging {
        Paging {
            per_page: Shape::fixed_page(size, self.per_page),
            ..self
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct TicketFilter {
    pub status: Option<String>,
    pub customer_id: Option<u64>,
    pub number: Option<String>,
    pub query: Option<String>,
    pub since_updated_at: Option<Ts>,
    pub created_after: Option<Ts>,
    pub resolved_after: Option<Ts>,
    pub user_id: Option<u64>,
}

#[derive(Clone, Debug, Default)]
pub struct CommentFilter {
    pub descending: bool,
    pub by_updated: bool,
    pub created_after: Option<Ts>,
    pub created_before: Option<Ts>,
    pub updated_after: Option<Ts>,
    pub updated_before: Option<Ts>,
}

#[derive(Clone, Debug, Default)]
pub struct TimerFilter {
    pub ticket_id: Option<u64>,
    pub created_at_lt: Option<Ts>,
    pub created_at_gt: Option<Ts>,
}

#[derive(Clone, Debug, Default)]
pub struct CustomerFilter {
    pub query: Option<String>,
    pub sort: Option<String>,
    pub include_disabled: bool,
    pub email: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct InvoiceFilter {
    pub since_updated_at: Option<Ts>,
    pub ticket_id: Option<u64>,
    pub customer_id: Option<u64>,
    pub paid: bool,
    pub unpaid: bool,
}

/// ASCII-case-insensitive substring test without allocating: the ticket
/// `query` filter runs over every comment of every ticket. It scans for the
/// needle's rarest letter (English frequency) so common letters like "o" do
/// not produce a candidate every few bytes.
pub fn contains_ci(haystack: &str, needle_lower: &[u8]) -> bool {
    const BY_FREQUENCY: &[u8] = b"etaoinshrdlcumwfgypbvkjxqz";
    if needle_lower.is_empty() {
        return true;
    }
    let h = haystack.as_bytes();
    if h.len() < needle_lower.len() {
        return false;
    }
    let rarity = |b: u8| {
        BY_FREQUENCY
            .iter()
            .position(|&f| f == b)
            .unwrap_or(BY_FREQUENCY.len())
    };
    let (at, &anchor) = needle_lower
        .iter()
        .enumerate()
        .max_by_key(|(_, &b)| rarity(b))
        .unwrap_or((0, &needle_lower[0]));
    let last_anchor = h.len() - needle_lower.len() + at;
    memchr::memchr2_iter(anchor, anchor.to_ascii_uppercase(), &h[at..=last_anchor])
        .any(|i| h[i..i + needle_lower.len()].eq_ignore_ascii_case(needle_lower))
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

    fn api_user_id(&self) -> Option<u64> {
        self.users.first().map(|u| u.id)
    }

    /// The author of what is being created: `as_user`'s, else the API
    /// key's user.
    fn author_id(&self) -> Option<u64> {
        self.author.or_else(|| self.api_user_id())
    }

    pub(crate) fn user(&self, id: u64) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    /// Runs `write` with the comments, line items and timers it creates
    /// authored by `user` (None: the API key's user), as another
    /// technician's writes are; the author is back to before afterwards.
    pub(crate) fn as_user<T>(
        &mut self,
        user: Option<u64>,
        write: impl FnOnce(&mut Self) -> T,
    ) -> T {
        let before = std::mem::replace(&mut self.author, user);
        let out = write(self);
        self.author = before;
        out
    }

    fn ctx(&self, t: &Ticket) -> TicketContext<'_> {
        TicketContext {
            customer: self.customers.get(&t.customer_id),
            user: t
                .user_id
                .and_then(|id| self.users.iter().find(|u| u.id == id)),
            shape: &self.shape,
        }
    }

    fn ticket_detail(&self, t: &Ticket) -> Value {
        t.to_detail_json(&self.ctx(t))
    }

    fn invoice_detail(&self, i: &Invoice) -> Value {
        i.to_detail_json(self.customers.get(&i.customer_id), &self.shape)
    }

    /// `since_updated_at`: strictly after the cursor, or at-or-after with
    /// `Shape::since_inclusive`.
    fn since(&self, cursor: Option<Ts>, updated_at: Ts) -> bool {
        match cursor {
            None => true,
            Some(c) if self.shape.since_inclusive => updated_at >= c,
            Some(c) => updated_at > c,
        }
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

    // ---- queries -------------------------------------------------------

    /// GET /tickets, newest first.
    pub fn list_tickets(&self, f: &TicketFilter, p: Paging) -> Value {
        let p = p.fixed(self.shape.ticket_page_size);
        let query = f
            .query
            .as_deref()
            .map(|q| q.trim().trim_start_matches('#').to_ascii_lowercase())
            .filter(|q| !q.is_empty());
        let query_customers: Vec<u64> = match &query {
            Some(q) => self
                .customers
                .values()
                .filter(|c| contains_ci(&c.business_and_full_name(), q.as_bytes()))
                .map(|c| c.id)
                .collect(),
            None => Vec::new(),
        };
        let hits: Vec<&Ticket> = self
            .tickets
            .values()
            .rev()
            .filter(|t| match f.status.as_deref() {
                None => true,
                Some("Not Closed") => t.status != "Closed",
                Some(s) => t.status == s,
            })
            .filter(|t| f.customer_id.is_none_or(|c| t.customer_id == c))
            .filter(|t| f.user_id.is_none_or(|u| t.user_id == Some(u)))
            .filter(|t| {
                f.number
                    .as_deref()
                    .is_none_or(|n| n.trim().trim_start_matches('#') == t.number.to_string())
            })
            .filter(|t| self.since(f.since_updated_at, t.updated_at))
            .filter(|t| f.created_after.is_none_or(|s| t.created_at > s))
            .filter(|t| {
                f.resolved_after
                    .is_none_or(|s| t.resolved_at.is_some_and(|r| r > s))
            })
            .filter(|t| match &query {
                None => true,
                Some(q) => {
                    let q = q.as_bytes();
                    contains_ci(&t.subject, q)
                        || t.number.to_string().as_bytes() == q
                        || query_customers.binary_search(&t.customer_id).is_ok()
                        || t.comments.iter().any(|c| contains_ci(&c.body, q))
                }
            })
            .collect();
        let page: Vec<Value> = p
            .slice(&hits)
            .iter()
            .map(|t| t.to_list_json(&self.ctx(t)))
            .collect();
        json!({"tickets": page, "meta": p.meta(hits.len(), self.shape.lean_meta)})
    }

    /// GET /tickets/{id}: by id only; a ticket *number* is a 404 (or another
    /// ticket), as on the real service.
    pub fn get_ticket(&self, id: u64) -> Result<Value, Reject> {
        let t = self.tickets.get(&id).ok_or(Reject::NotFound)?;
        Ok(json!({"ticket": self.ticket_detail(t)}))
    }

    pub fn list_comments(
        &self,
        ticket_id: u64,
        f: &CommentFilter,
        p: Paging,
    ) -> Result<Value, Reject> {
        let t = self.tickets.get(&ticket_id).ok_or(Reject::NotFound)?;
        let mut hits: Vec<&Comment> = t
            .comments
            .iter()
            .filter(|c| f.created_after.is_none_or(|s| c.created_at > s))
            .filter(|c| f.created_before.is_none_or(|s| c.created_at < s))
            .filter(|c| f.updated_after.is_none_or(|s| c.updated_at > s))
            .filter(|c| f.updated_before.is_none_or(|s| c.updated_at < s))
            .collect();
        if f.by_updated {
            hits.sort_by_key(|c| (c.updated_at, c.id));
        } else {
            hits.sort_by_key(|c| (c.created_at, c.id));
        }
        if f.descending {
            hits.reverse();
        }
        let page: Vec<Value> = p
            .slice(&hits)
            .iter()
            .map(|c| c.to_list_json(&self.shape))
            .collect();
        Ok(json!({"comments": page, "meta": p.meta(hits.len(), false)}))
    }

    /// GET /ticket_timers, oldest first.
    pub fn list_timers(&self, f: &TimerFilter, p: Paging) -> Value {
        let timers = |t: &Ticket| -> Vec<Timer> { t.timers.clone() };
        let mut hits: Vec<Timer> = match f.ticket_id {
            Some(id) => self.tickets.get(&id).map(timers).unwrap_or_default(),
            None => self.tickets.values().flat_map(timers).collect(),
        };
        hits.retain(|t| f.created_at_lt.is_none_or(|s| t.created_at < s));
        hits.retain(|t| f.created_at_gt.is_none_or(|s| t.created_at > s));
        hits.sort_by_key(|t| t.id);
        let page: Vec<Value> = p
            .slice(&hits)
            .iter()
            .map(|t| t.to_json(&self.shape))
            .collect();
        json!({"ticket_timers": page, "meta": p.meta(hits.len(), false)})
    }

    /// GET /customers. `sort` is `"<field> ASC|DESC"`; unknown fields fall back
    /// to the default order (business-then-name). With
    /// `Shape::ignore_customer_sort`, always id order.
    pub fn list_customers(&self, f: &CustomerFilter, p: Paging) -> Value {
        let query = f
            .query
            .as_deref()
            .map(|q| q.trim().to_ascii_lowercase())
            .filter(|q| !q.is_empty());
        let mut hits: Vec<&Customer> = self
            .customers
            .values()
            .filter(|c| f.include_disabled || !c.disabled)
            .filter(|c| {
                f.email.as_deref().is_none_or(|e| {
                    c.email
                        .as_deref()
                        .is_some_and(|ce| ce.eq_ignore_ascii_case(e))
                })
            })
            .filter(|c| match &query {
                None => true,
                Some(q) => {
                    let q = q.as_bytes();
                    contains_ci(&c.business_and_full_name(), q)
                        || c.email.as_deref().is_some_and(|e| contains_ci(e, q))
                        || c.phone.as_deref().is_some_and(|e| contains_ci(e, q))
                }
            })
            .collect();
        let sort = f
            .sort
            .as_deref()
            .filter(|_| !self.shape.ignore_customer_sort);
        let (field, desc) = match sort.map(str::trim) {
            Some(s) if !s.is_empty() => {
                let mut parts = s.split_whitespace();
                let field = parts.next().unwrap_or("").to_ascii_lowercase();
                let desc = parts.next().is_some_and(|d| d.eq_ignore_ascii_case("desc"));
                (field, desc)
            }
            None if self.shape.ignore_customer_sort => ("id".to_string(), false),
            _ => (String::new(), false),
        };
        match field.as_str() {
            "id" => hits.sort_by_key(|c| c.id),
            "updated_at" => hits.sort_by_key(|c| (c.updated_at, c.id)),
            "created_at" => hits.sort_by_key(|c| (c.created_at, c.id)),
            "firstname" => hits.sort_by(|a, b| a.firstname.cmp(&b.firstname).then(a.id.cmp(&b.id))),
            "lastname" => hits.sort_by(|a, b| a.lastname.cmp(&b.lastname).then(a.id.cmp(&b.id))),
            "email" => hits.sort_by(|a, b| a.email.cmp(&b.email).then(a.id.cmp(&b.id))),
            "city" => hits.sort_by(|a, b| a.city.cmp(&b.city).then(a.id.cmp(&b.id))),
            "business_name" => {
                hits.sort_by(|a, b| a.business_name.cmp(&b.business_name).then(a.id.cmp(&b.id)))
            }
            _ => hits.sort_by(|a, b| {
                a.business_then_name()
                    .cmp(&b.business_then_name())
                    .then(a.id.cmp(&b.id))
            }),
        }
        if desc {
            hits.reverse();
        }
        let page: Vec<Value> = p
            .slice(&hits)
            .iter()
            .map(|c| c.to_json(&self.shape))
            .collect();
        json!({"customers": page, "meta": p.meta(hits.len(), false)})
    }

    /// GET /customers/{id}: disabled customers are still found by id.
    pub fn get_customer(&self, id: u64) -> Result<Value, Reject> {
        let c = self.customers.get(&id).ok_or(Reject::NotFound)?;
        Ok(json!({"customer": c.to_json(&self.shape)}))
    }

    /// GET /invoices, newest first.
    pub fn list_invoices(&self, f: &InvoiceFilter, p: Paging) -> Value {
        let p = p.fixed(self.shape.invoice_page_size);
        let hits: Vec<&Invoice> = self
            .invoices
            .values()
            .rev()
            .filter(|i| self.since(f.since_updated_at, i.updated_at))
            .filter(|i| f.ticket_id.is_none_or(|t| i.ticket_id == Some(t)))
            .filter(|i| f.customer_id.is_none_or(|c| i.customer_id == c))
            .filter(|i| !f.paid || i.is_paid)
            .filter(|i| !f.unpaid || !i.is_paid)
            .collect();
        let page: Vec<Value> = p
            .slice(&hits)
            .iter()
            .map(|i| i.to_json(self.customers.get(&i.customer_id), &self.shape))
            .collect();
        json!({"invoices": page, "meta": p.meta(hits.len(), self.shape.lean_meta)})
    }

    /// GET /invoices/{id}: the spec allows an id or a number.
    pub fn get_invoice(&self, key: &str) -> Result<Value, Reject> {
        let by_id = key
            .parse::<u64>()
            .ok()
            .and_then(|id| self.invoices.get(&id));
        let inv = by_id
            .or_else(|| self.invoices.values().find(|i| i.number == key))
            .ok_or(Reject::NotFound)?;
        Ok(json!({"invoice": self.invoice_detail(inv)}))
    }

    pub fn list_products(&self, query: Option<&str>, p: Paging) -> Value {
        let q = query
            .map(|q| q.trim().to_ascii_lowercase())
            .filter(|q| !q.is_empty());
        let hits: Vec<&Product> = self
            .products
            .values()
            .filter(|pr| {
                q.as_deref().is_none_or(|q| {
                    contains_ci(&pr.name, q.as_bytes())
                        || contains_ci(&pr.description, q.as_bytes())
                })
            })
            .collect();
        let page: Vec<Value> = p.slice(&hits).iter().map(|pr| pr.to_json()).collect();
        json!({"products": page, "meta": p.meta(hits.len(), false)})
    }

    /// GET /products/{id}.
    pub fn get_product(&self, id: u64) -> Result<Value, Reject> {
        let p = self.products.get(&id).ok_or(Reject::NotFound)?;
        Ok(json!({"product": p.to_json()}))
    }

    /// GET /me: the technician who owns the API key.
    pub fn me(&self) -> Value {
        let (id, name, email) = self
            .users
            .first()
            .map(|u| (u.id, u.full_name.clone(), u.email.clone()))
            .unwrap_or((1, "API User".into(), "api@example.com".into()));
        let rwd = json!({"read": true, "write": true, "delete": true});
        json!({
            "user_token": "00000000-0000-4000-8000-000000000001",
            "user_email": email,
            "user_name": name,
            "user_id": id,
            "admin": true,
            "can_use_app": true,
            "two_factor_required": false,
            "subdomain": "simulated",
            "default_location": null,
            "enable_multi_locations": false,
            "locations_allowed": [],
            "permissions": {
                "asset": rwd, "customer": rwd, "ticket": rwd, "invoice": rwd, "payment": rwd,
                "worksheet": {"add": true, "manage": true, "delete": true},
                "script": {"execute": true},
            },
        })
    }

    // ---- ticket mutations ------------------------------------------------

    fn check_status(status: &str) -> Result<(), Reject> {
        if STATUSES.contains(&status) {
            Ok(())
        } else {
            Err(Reject::messages(vec![Problem::field(
                "status",
                "Status",
                "is not included in the list",
            )]))
        }
    }

    fn ticket_mut(&mut self, id: u64) -> Result<&mut Ticket, Reject> {
        self.tickets.get_mut(&id).ok_or(Reject::NotFound)
    }

    /// POST /tickets. `line_items` is silently ignored, as on the service;
    /// `comments_attributes` creates the initial comments.
    pub fn create_ticket(&mut self, body: &Body) -> Result<Value, Reject> {
        let customer_id = params::id(body, "customer_id")?
            .filter(|c| self.customers.contains_key(c))
            .ok_or_else(customer_required)?;
        let subject = params::present_text(body, "subject")
            .ok_or_else(|| Reject::messages(vec![blank("subject", "Subject")]))?;
        let status = params::present_text(body, "status").unwrap_or_else(|| "New".into());
        Self::check_status(&status)?;
        let number = match params::int(body, "number")? {
            Some(n) if n > 0 => n as u64,
            _ => Ids::take(&mut self.ids.ticket_number),
        };
        let now = self.stamp();
        let id = Ids::take(&mut self.ids.ticket);
        let properties = match body.get("properties") {
            Some(Value::Object(m)) => Value::Object(m.clone()),
            _ => json!({}),
        };
        let ticket = Ticket {
            id,
            number,
            subject,
            customer_id,
            resolved_at: (status == "Resolved").then_some(now),
            status,
            priority: params::present_text(body, "priority"),
            problem_type: params::present_text(body, "problem_type"),
            user_id: params::id(body, "user_id")?,
            contact_id: params::id(body, "contact_id")?,
            ticket_type_id: params::id(body, "ticket_type_id")?,
            due_date: params::time(body, "due_date")?,
            start_at: params::time(body, "start_at")?,
            end_at: params::time(body, "end_at")?,
            tag_list: params::string_list(body, "tag_list").unwrap_or_default(),
            properties,
            created_at: now,
            updated_at: now,
            comments: Vec::new(),
            line_items: Vec::new(),
            timers: Vec::new(),
        };
        self.tickets.insert(id, ticket);
        self.add_comments_attributes(id, body)?;
        self.get_ticket(id)
    }

    fn add_comments_attributes(&mut self, ticket_id: u64, body: &Body) -> Result<bool, Reject> {
        let Some(Value::Array(items)) = body.get("comments_attributes") else {
            return Ok(false);
        };
        let mut added = false;
        for item in items {
            let Value::Object(c) = item else { continue };
            let (Some(subject), Some(text)) = (
                params::present_text(c, "subject").or_else(|| Some("Update".into())),
                params::present_text(c, "body"),
            ) else {
                continue;
            };
            let hidden = params::boolean(c, "hidden")?.unwrap_or(false);
            let do_not_email = params::boolean(c, "do_not_email")?.unwrap_or(false);
            let tech = params::present_text(c, "tech");
            self.push_comment(ticket_id, subject, text, tech, hidden, do_not_email)?;
            added = true;
        }
        Ok(added)
    }

    /// PUT /tickets/{id} (and the web UI's edits). Bumps `updated_at` only
    /// when something actually changed, like Rails.
    pub fn update_ticket(&mut self, id: u64, body: &Body) -> Result<Value, Reject> {
        if !self.tickets.contains_key(&id) {
            return Err(Reject::NotFound);
        }
        if let Some(status) = params::text(body, "status") {
            Self::check_status(&status)?;
        }
        if let Some(s) = params::text(body, "subject") {
            if s.trim().is_empty() {
                return Err(Reject::messages(vec![blank("subject", "Subject")]));
            }
        }
        let customer_id = params::id(body, "customer_id")?;
        if let Some(c) = customer_id {
            if !self.customers.contains_key(&c) {
                return Err(customer_required());
            }
        }
        let user_id = params::id(body, "user_id")?;
        let contact_id = params::id(body, "contact_id")?;
        let ticket_type_id = params::id(body, "ticket_type_id")?;
        let due_date = params::time(body, "due_date")?;
        let start_at = params::time(body, "start_at")?;
        let end_at = params::time(body, "end_at")?;
        let now = self.stamp();
        let t = self.ticket_mut(id)?;
        let mut changed = false;
        fn set<T: PartialEq>(slot: &mut T, v: T, changed: &mut bool) {
            if *slot != v {
                *slot = v;
                *changed = true;
            }
        }
        if let Some(s) = params::text(body, "subject") {
            set(&mut t.subject, s, &mut changed);
        }
        if let Some(s) = params::text(body, "status") {
            if s != t.status && s == "Resolved" {
                t.resolved_at = Some(now);
            }
            set(&mut t.status, s, &mut changed);
        }
        if body.contains_key("priority") {
            set(
                &mut t.priority,
                params::present_text(body, "priority"),
                &mut changed,
            );
        }
        if body.contains_key("problem_type") {
            set(
                &mut t.problem_type,
                params::present_text(body, "problem_type"),
                &mut changed,
            );
        }
        if let Some(c) = customer_id {
            set(&mut t.customer_id, c, &mut changed);
        }
        if body.contains_key("user_id") {
            set(&mut t.user_id, user_id, &mut changed);
        }
        if body.contains_key("contact_id") {
            set(&mut t.contact_id, contact_id, &mut changed);
        }
        if body.contains_key("ticket_type_id") {
            set(&mut t.ticket_type_id, ticket_type_id, &mut changed);
        }
        if body.contains_key("due_date") {
            set(&mut t.due_date, due_date, &mut changed);
        }
        if body.contains_key("start_at") {
            set(&mut t.start_at, start_at, &mut changed);
        }
        if body.contains_key("end_at") {
            set(&mut t.end_at, end_at, &mut changed);
        }
        if let Some(tags) = params::string_list(body, "tag_list") {
            set(&mut t.tag_list, tags, &mut changed);
        }
        if let Some(Value::Object(m)) = body.get("properties") {
            set(&mut t.properties, Value::Object(m.clone()), &mut changed);
        }
        if changed {
            t.updated_at = now;
        }
        self.add_comments_attributes(id, body)?;
        self.get_ticket(id)
    }

    pub fn delete_ticket(&mut self, id: u64) -> Result<Value, Reject> {
        self.tickets.remove(&id).ok_or(Reject::NotFound)?;
        Ok(json!({"message": "Ticket was successfully deleted. "}))
    }

    /// Appends a comment, bumps the ticket (unless
    /// `Shape::comment_bumps_ticket` is off), and counts it as a duplicate
    /// if its body repeats an earlier one on the ticket.
    ///
    /// Every way a comment is created goes through here (POST /comment,
    /// `comments_attributes` of POST/PUT /tickets, /admin/mutate's
    /// `add_comment`/`create_ticket`, since the web UI is the same server,
    /// and a `colleague_twin`'s look-alike), so the comment quirks rewrite
    /// subject and body here, before the duplicate check: a duplicate is
    /// judged on what was stored, and two identical posts are stored
    /// identically. The comment is the author's (`as_user`), the API key's
    /// user by default.
    pub(crate) fn push_comment(
        &mut self,
        ticket_id: u64,
        subject: String,
        body: String,
        tech: Option<String>,
        hidden: bool,
        do_not_email: bool,
    ) -> Result<Comment, Reject> {
        if !self.tickets.contains_key(&ticket_id) {
            return Err(Reject::NotFound);
        }
        let (subject, body) = normalise::comment(&self.quirks, subject, body);
        let bump = self.shape.comment_bumps_ticket;
        let now = self.stamp();
        let id = Ids::take(&mut self.ids.comment);
        let user_id = self.author_id();
        // A colleague's comment carries their name unless it names a tech.
        let tech = tech.or_else(|| {
            self.author
                .and_then(|a| self.user(a))
                .map(|u| u.full_name.clone())
        });
        let t = self.ticket_mut(ticket_id)?;
        let duplicate = t.comments.iter().any(|c| c.body == body);
        let comment = Comment {
            id,
            ticket_id,
            subject,
            body,
            tech,
            hidden,
            do_not_email,
            user_id,
            created_at: now,
            updated_at: now,
        };
        t.comments.push(comment.clone());
        if bump {
            t.updated_at = now;
        }
        if duplicate {
            *self.duplicate_comments.entry(ticket_id).or_default() += 1;
        }
        Ok(comment)
    }

    /// POST /tickets/{id}/comment: a *flat* object. A wrapped
    /// `{"comment": {...}}` has no top-level body/subject and gets the 422.
    /// `product_id`, `minutes_spent`, `bill_time_now` are dropped.
    pub fn add_comment(&mut self, ticket_id: u64, body: &Body) -> Result<Value, Reject> {
        if !self.tickets.contains_key(&ticket_id) {
            return Err(Reject::NotFound);
        }
        let text = params::present_text(body, "body");
        let subject = params::present_text(body, "subject");
        let mut missing = Vec::new();
        if text.is_none() {
            missing.push(blank("body", "Body"));
        }
        if subject.is_none() {
            missing.push(blank("subject", "Subject"));
        }
        let (Some(text), Some(subject)) = (text, subject) else {
            return Err(Reject::messages(missing));
        };
        let hidden = params::boolean(body, "hidden")?.unwrap_or(false);
        let do_not_email = params::boolean(body, "do_not_email")?.unwrap_or(false);
        let tech = params::present_text(body, "tech");
        let c = self.push_comment(ticket_id, subject, text, tech, hidden, do_not_email)?;
        Ok(json!({"comment": c.to_json(&self.shape)}))
    }

    fn line_item_errors(
        name: &Option<String>,
        description: &Option<String>,
        body: &Body,
    ) -> Result<(), Reject> {
        let mut missing = Vec::new();
        if name.is_none() {
            missing.push(blank("name", "Name"));
        }
        if description.is_none() {
            missing.push(blank("description", "Description"));
        }
        if missing.is_empty() {
            Ok(())
        } else {
            let body = json!({
                "errors": Problem::fulls(&missing).join(", "),
                "params": Value::Object(body.clone()),
            });
            Err(Reject::with_body(body, missing))
        }
    }

    fn cents(v: f64) -> i64 {
        (v * 100.0).round() as i64
    }

    /// POST /tickets/{id}/add_line_item. Name and description are required
    /// even with a product; only `price_retail` sets the price (`price`,
    /// `rate`, `retail_price`, `price_cents` leave the line at 0).
    pub fn add_line_item(&mut self, ticket_id: u64, body: &Body) -> Result<Value, Reject> {
        if !self.tickets.contains_key(&ticket_id) {
            return Err(Reject::NotFound);
        }
        let name = params::present_text(body, "name");
        let description = params::present_text(body, "description");
        Self::line_item_errors(&name, &description, body)?;
        let product_id = params::id(body, "product_id")?;
        let quantity = params::decimal(body, "quantity")?.map_or(Qty::ONE, Qty::from_f64);
        let retail_cents = params::decimal(body, "price_retail")?
            .filter(|_| !self.quirks.ignore_price_retail)
            .map_or(0, Self::cents);
        let cost_cents = params::decimal(body, "price_cost")?.map(Self::cents);
        let product = product_id.and_then(|p| self.products.get(&p));
        let taxable =
            params::boolean(body, "taxable")?.unwrap_or_else(|| product.is_none_or(|p| p.taxable));
        let product_category = product.and_then(|p| p.product_category.clone());
        let now = self.stamp();
        let id = Ids::take(&mut self.ids.line_item);
        let user_id = self.author_id();
        let shape = self.shape;
        let t = self.ticket_mut(ticket_id)?;
        let item = TicketLineItem {
            id,
            ticket_id,
            user_id,
            product_id,
            name: name.unwrap_or_default(),
            description: description.unwrap_or_default(),
            quantity,
            product_category,
            taxable,
            cost_cents,
            retail_cents,
            converted: false,
            position: t.line_items.len() as u32 + 1,
            created_at: now,
            updated_at: now,
        };
        let out = item.to_json(&shape);
        t.line_items.push(item);
        t.updated_at = now;
        Ok(out)
    }

    pub fn remove_line_item(&mut self, ticket_id: u64, body: &Body) -> Result<Value, Reject> {
        let line_id = params::id(body, "ticket_line_item_id")?.ok_or(Reject::NotFound)?;
        let t = self.tickets.get(&ticket_id).ok_or(Reject::NotFound)?;
        if !t.line_items.iter().any(|l| l.id == line_id) {
            return Err(Reject::NotFound);
        }
        let now = self.stamp();
        let t = self.ticket_mut(ticket_id)?;
        t.line_items.retain(|l| l.id != line_id);
        for timer in t.timers.iter_mut() {
            if timer.ticket_line_item_id == Some(line_id) {
                timer.ticket_line_item_id = None;
                timer.updated_at = now;
            }
        }
        t.updated_at = now;
        Ok(json!({"success": true, "message": ""}))
    }

    /// PUT /tickets/{id}/update_line_item: same price trap as adding.
    pub fn update_line_item(&mut self, ticket_id: u64, body: &Body) -> Result<Value, Reject> {
        let line_id = params::id(body, "ticket_line_item_id")?.ok_or(Reject::NotFound)?;
        let t = self.tickets.get(&ticket_id).ok_or(Reject::NotFound)?;
        if !t.line_items.iter().any(|l| l.id == line_id) {
            return Err(Reject::NotFound);
        }
        let name = params::text(body, "name");
        let description = params::text(body, "description");
        let blank = |v: &Option<String>| match v {
            Some(s) if s.trim().is_empty() => None,
            _ => Some(String::new()),
        };
        Self::line_item_errors(&blank(&name), &blank(&description), body)?;
        let quantity = params::decimal(body, "quantity")?.map(Qty::from_f64);
        let retail = params::decimal(body, "price_retail")?
            .filter(|_| !self.quirks.ignore_price_retail)
            .map(Self::cents);
        let cost = params::decimal(body, "price_cost")?.map(Self::cents);
        let taxable = params::boolean(body, "taxable")?;
        let product_id = params::id(body, "product_id")?;
        let now = self.stamp();
        let shape = self.shape;
        let t = self.ticket_mut(ticket_id)?;
        let Some(l) = t.line_items.iter_mut().find(|l| l.id == line_id) else {
            return Err(Reject::NotFound);
        };
        if let Some(v) = name {
            l.name = v;
        }
        if let Some(v) = description {
            l.description = v;
        }
        if let Some(v) = quantity {
            l.quantity = v;
        }
        if let Some(v) = retail {
            l.retail_cents = v;
        }
        if let Some(v) = cost {
            l.cost_cents = Some(v);
        }
        if let Some(v) = taxable {
            l.taxable = v;
        }
        if let Some(v) = product_id {
            l.product_id = Some(v);
        }
        l.updated_at = now;
        let out = l.to_json(&shape);
        t.updated_at = now;
        Ok(json!({"ticket_line_item": out}))
    }

    /// POST /tickets/{id}/timer_entry: `start_at` is required (the service
    /// answers a Ruby error otherwise).
    pub fn add_timer(&mut self, ticket_id: u64, body: &Body) -> Result<Value, Reject> {
        if !self.tickets.contains_key(&ticket_id) {
            return Err(Reject::NotFound);
        }
        let start = params::time(body, "start_at")?.ok_or_else(|| {
            Reject::error(Problem::base("no implicit conversion of nil into String"))
        })?;
        let minutes = params::int(body, "duration_minutes")?;
        let end = match params::time(body, "end_at")? {
            Some(e) => Some(e),
            None => match minutes {
                Some(m) => Some(Self::add_minutes(start, m)?),
                None => None,
            },
        };
        let notes = params::present_text(body, "notes");
        let product_id = params::id(body, "product_id")?;
        let billable = params::boolean(body, "billable")?.unwrap_or(false);
        let user_id = params::id(body, "user_id")?.or_else(|| self.author_id());
        let now = self.stamp();
        let id = Ids::take(&mut self.ids.timer);
        let shape = self.shape;
        let t = self.ticket_mut(ticket_id)?;
        let mut timer = Timer {
            id,
            ticket_id,
            user_id,
            start_time: start,
            end_time: end,
            recorded: false,
            billable,
            notes,
            product_id,
            ticket_line_item_id: None,
            active_duration: None,
            created_at: now,
            updated_at: now,
        };
        timer.active_duration = timer.span_secs();
        let out = timer.to_json(&shape);
        t.timers.push(timer);
        t.updated_at = now;
        Ok(out)
    }

    fn bad_duration() -> Reject {
        Reject::messages(vec![Problem::field(
            "duration_minutes",
            "Duration minutes",
            "is out of range",
        )])
    }

    /// `start + minutes`, refusing absurd values instead of overflowing.
    fn add_minutes(start: Ts, minutes: i64) -> Result<Ts, Reject> {
        Duration::try_minutes(minutes)
            .and_then(|d| start.checked_add_signed(d))
            .ok_or_else(Self::bad_duration)
    }

    fn timer_id(body: &Body) -> Result<u64, Reject> {
        params::id(body, "timer_entry_id")?.ok_or(Reject::NotFound)
    }

    fn has_timer(&self, ticket_id: u64, timer_id: u64) -> Result<&Timer, Reject> {
        self.tickets
            .get(&ticket_id)
            .ok_or(Reject::NotFound)?
            .timers
            .iter()
            .find(|t| t.id == timer_id)
            .ok_or(Reject::NotFound)
    }

    /// POST /tickets/{id}/charge_timer_entry: marks the timer recorded and
    /// makes the line item from it: hours between start and end (not the
    /// `duration_minutes` a client may have set since), priced and named by
    /// the timer's product.
    pub fn charge_timer(&mut self, ticket_id: u64, body: &Body) -> Result<Value, Reject> {
        let timer_id = Self::timer_id(body)?;
        let timer = self.has_timer(ticket_id, timer_id)?;
        if timer.recorded {
            return Err(Reject::error(Problem::base(
                "Timer entry has already been charged",
            )));
        }
        let Some(secs) = timer.span_secs() else {
            return Err(Reject::error(Problem::base("Timer entry is still running")));
        };
        let product = timer.product_id.and_then(|p| self.products.get(&p));
        let name = product.map_or_else(|| "Labor".to_string(), |p| p.name.clone());
        let description = timer
            .notes
            .clone()
            .or_else(|| product.map(|p| p.description.clone()))
            .unwrap_or_else(|| "Timer entry".into());
        let retail_cents = product.map_or(0, |p| p.price_retail_cents);
        let cost_cents = product.map(|p| p.price_cost_cents);
        let taxable = product.is_some_and(|p| p.taxable);
        let product_category = product.and_then(|p| p.product_category.clone());
        let product_id = timer.product_id;
        let user_id = timer.user_id;
        let now = self.stamp();
        let line_id = Ids::take(&mut self.ids.line_item);
        let shape = self.shape;
        let t = self.ticket_mut(ticket_id)?;
        t.line_items.push(TicketLineItem {
            id: line_id,
            ticket_id,
            user_id,
            product_id,
            name,
            description,
            quantity: Qty::hours_from_secs(secs),
            product_category,
            taxable,
            cost_cents,
            retail_cents,
            converted: false,
            position: t.line_items.len() as u32 + 1,
            created_at: now,
            updated_at: now,
        });
        t.updated_at = now;
        let Some(timer) = t.timers.iter_mut().find(|x| x.id == timer_id) else {
            return Err(Reject::NotFound);
        };
        timer.recorded = true;
        timer.ticket_line_item_id = Some(line_id);
        timer.updated_at = now;
        Ok(timer.to_json(&shape))
    }

    pub fn delete_timer(&mut self, ticket_id: u64, body: &Body) -> Result<Value, Reject> {
        let timer_id = Self::timer_id(body)?;
        self.has_timer(ticket_id, timer_id)?;
        let now = self.stamp();
        let t = self.ticket_mut(ticket_id)?;
        t.timers.retain(|x| x.id != timer_id);
        t.updated_at = now;
        Ok(json!({"success": true}))
    }

    /// PUT /tickets/{id}/update_timer_entry. `duration_minutes` changes the
    /// duration only; `end_time` moves only with `end_at` (the trap).
    pub fn update_timer(&mut self, ticket_id: u64, body: &Body) -> Result<Value, Reject> {
        let timer_id = Self::timer_id(body)?;
        self.has_timer(ticket_id, timer_id)?;
        let start = params::time(body, "start_at")?;
        let end = params::time(body, "end_at")?;
        let minutes = params::int(body, "duration_minutes")?;
        if let Some(m) = minutes {
            m.checked_mul(60).ok_or_else(Self::bad_duration)?;
        }
        let notes = params::text(body, "notes");
        let product_id = params::id(body, "product_id")?;
        let billable = params::boolean(body, "billable")?;
        let user_id = params::id(body, "user_id")?;
        let now = self.stamp();
        let shape = self.shape;
        let t = self.ticket_mut(ticket_id)?;
        let Some(x) = t.timers.iter_mut().find(|x| x.id == timer_id) else {
            return Err(Reject::NotFound);
        };
        if let Some(s) = start {
            x.start_time = s;
        }
        if let Some(e) = end {
            x.end_time = Some(e);
        }
        if start.is_some() || end.is_some() {
            x.active_duration = x.span_secs();
        }
        if let Some(m) = minutes {
            x.active_duration = Some(m.checked_mul(60).ok_or_else(Self::bad_duration)?);
        }
        if let Some(n) = notes {
            x.notes = Some(n);
        }
        if let Some(p) = product_id {
            x.product_id = Some(p);
        }
        if let Some(b) = billable {
            x.billable = b;
        }
        if let Some(u) = user_id {
            x.user_id = Some(u);
        }
        x.updated_at = now;
        let out = x.to_json(&shape);
        t.updated_at = now;
        Ok(out)
    }

    // ---- customers -------------------------------------------------------

    fn customer_fields_errors(body: &Body) -> Result<(), Reject> {
        if let Some(email) = params::present_text(body, "email") {
            let ok = email
                .split_once('@')
                .is_some_and(|(a, b)| !a.is_empty() && b.contains('.') && !email.contains(' '));
            if !ok {
                let problem = Problem::field("email", "Email", "is not an email");
                let body = json!({
                    "success": false,
                    "message": [problem.full],
                    "params": Value::Object(body.clone()),
                });
                return Err(Reject::with_body(body, vec![problem]));
            }
        }
        Ok(())
    }

    /// POST /customers: a business name or a person's name is required.
    pub fn create_customer(&mut self, body: &Body) -> Result<Value, Reject> {
        Self::customer_fields_errors(body)?;
        let business_name = params::present_text(body, "business_name");
        let firstname = params::present_text(body, "firstname").unwrap_or_default();
        let lastname = params::present_text(body, "lastname").unwrap_or_default();
        if business_name.is_none() && firstname.is_empty() && lastname.is_empty() {
            return Err(Reject::messages(vec![blank("name", "Name")]));
        }
        let now = self.stamp();
        let id = Ids::take(&mut self.ids.customer);
        let c = Customer {
            id,
            firstname,
            lastname,
            business_name,
            email: params::present_text(body, "email"),
            phone: params::present_text(body, "phone"),
            mobile: params::present_text(body, "mobile"),
            address: params::present_text(body, "address"),
            city: params::present_text(body, "city"),
            state: params::present_text(body, "state"),
            zip: params::present_text(body, "zip"),
            notes: params::present_text(body, "notes"),
            disabled: false,
            no_email: params::boolean(body, "no_email")?.unwrap_or(false),
            portal_key: format!("sim{id:017}"),
            created_at: now,
            updated_at: now,
        };
        let out = c.to_json(&self.shape);
        self.customers.insert(id, c);
        Ok(json!({"customer": out}))
    }

    /// The web UI's customer edit (the API has PUT too, not simulated).
    pub fn update_customer(&mut self, id: u64, body: &Body) -> Result<Value, Reject> {
        if !self.customers.contains_key(&id) {
            return Err(Reject::NotFound);
        }
        Self::customer_fields_errors(body)?;
        let disabled = params::boolean(body, "disabled")?;
        let no_email = params::boolean(body, "no_email")?;
        let now = self.stamp();
        let c = self.customers.get_mut(&id).ok_or(Reject::NotFound)?;
        let opt = |key: &str, slot: &mut Option<String>| {
            if body.contains_key(key) {
                *slot = params::present_text(body, key);
            }
        };
        opt("business_name", &mut c.business_name);
        opt("email", &mut c.email);
        opt("phone", &mut c.phone);
        opt("mobile", &mut c.mobile);
        opt("address", &mut c.address);
        opt("city", &mut c.city);
        opt("state", &mut c.state);
        opt("zip", &mut c.zip);
        opt("notes", &mut c.notes);
        if let Some(v) = params::text(body, "firstname") {
            c.firstname = v;
        }
        if let Some(v) = params::text(body, "lastname") {
            c.lastname = v;
        }
        if let Some(v) = disabled {
            c.disabled = v;
        }
        if let Some(v) = no_email {
            c.no_email = v;
        }
        c.updated_at = now;
        Ok(json!({"customer": c.to_json(&self.shape)}))
    }

    /// Deletes the record only; its tickets and invoices keep the id.
    pub fn delete_customer(&mut self, id: u64) -> Result<Value, Reject> {
        self.customers.remove(&id).ok_or(Reject::NotFound)?;
        Ok(json!({"message": "Customer was deleted from the system."}))
    }

    // ---- invoices --------------------------------------------------------

    /// POST /invoices: pulls the ticket's not-yet-invoiced line items (never
    /// uncharged timers) and marks them converted. A posted `line_items`
    /// array is ignored. Answers without line items, like the service.
    pub fn create_invoice(&mut self, body: &Body) -> Result<u64, Reject> {
        let ticket_id = params::id(body, "ticket_id")?;
        if let Some(t) = ticket_id {
            if !self.tickets.contains_key(&t) {
                return Err(Reject::messages(vec![Problem::field(
                    "ticket",
                    "Ticket",
                    "must exist",
                )]));
            }
        }
        let customer_id = params::id(body, "customer_id")?
            .or_else(|| {
                ticket_id
                    .and_then(|t| self.tickets.get(&t))
                    .map(|t| t.customer_id)
            })
            .filter(|c| self.customers.contains_key(c))
            .ok_or_else(|| Reject::messages(vec![blank("customer", "Customer")]))?;
        let date = params::time(body, "date")?;
        let number = params::present_text(body, "number");
        let category = params::present_text(body, "category");
        let note = params::present_text(body, "note");
        let po_number = params::present_text(body, "po_number");
        let now = self.stamp();
        let id = Ids::take(&mut self.ids.invoice);
        let number = number.unwrap_or_else(|| Ids::take(&mut self.ids.invoice_number).to_string());
        let date = date.unwrap_or(now).trunc_subsecs(0);
        let mut line_items = Vec::new();
        if let Some(tid) = ticket_id {
            let mut next_line = self.ids.invoice_line_item;
            if let Some(t) = self.tickets.get_mut(&tid) {
                for l in t.line_items.iter_mut().filter(|l| !l.converted) {
                    l.converted = true;
                    l.updated_at = now;
                    line_items.push(InvoiceLineItem {
                        id: next_line,
                        invoice_id: id,
                        item: l.name.clone(),
                        name: l.description.clone(),
                        product_id: l.product_id,
                        quantity: l.quantity,
                        price_cents: l.retail_cents,
                        cost_cents: l.cost_cents.unwrap_or(0),
                        taxable: l.taxable,
                        position: line_items.len() as u32 + 1,
                        ticket_line_item_id: Some(l.id),
                        created_at: now,
                        updated_at: now,
                    });
                    next_line += 1;
                }
                if !line_items.is_empty() {
                    t.updated_at = now;
                }
            }
            self.ids.invoice_line_item = next_line;
        }
        let user_id = self.api_user_id();
        self.invoices.insert(
            id,
            Invoice {
                id,
                number,
                customer_id,
                ticket_id,
                category,
                date,
                due_date: date,
                is_paid: false,
                note,
                po_number,
                user_id,
                created_at: now,
                updated_at: now,
                line_items,
            },
        );
        Ok(id)
    }

    /// The POST /invoices answer: no line items.
    pub fn invoice_summary(&self, id: u64) -> Result<Value, Reject> {
        let inv = self.invoices.get(&id).ok_or(Reject::NotFound)?;
        Ok(json!({"invoice": inv.to_json(self.customers.get(&inv.customer_id), &self.shape)}))
    }

    pub fn invoice_by_id(&self, id: u64) -> Result<Value, Reject> {
        let inv = self.invoices.get(&id).ok_or(Reject::NotFound)?;
        Ok(json!({"invoice": self.invoice_detail(inv)}))
    }

    /// DELETE /invoices/{id}: the ticket lines it held can be invoiced again.
    pub fn delete_invoice(&mut self, key: &str) -> Result<Value, Reject> {
        let id = key
            .parse::<u64>()
            .ok()
            .filter(|id| self.invoices.contains_key(id))
            .or_else(|| {
                self.invoices
                    .values()
                    .find(|i| i.number == key)
                    .map(|i| i.id)
            })
            .ok_or(Reject::NotFound)?;
        let inv = self.invoices.remove(&id).ok_or(Reject::NotFound)?;
        let freed: Vec<u64> = inv
            .line_items
            .iter()
            .filter_map(|l| l.ticket_line_item_id)
            .collect();
        if let (Some(tid), false) = (inv.ticket_id, freed.is_empty()) {
            let now = self.stamp();
            if let Some(t) = self.tickets.get_mut(&tid) {
                for l in t.line_items.iter_mut().filter(|l| freed.contains(&l.id)) {
                    l.converted = false;
                    l.updated_at = now;
                }
                t.updated_at = now;
            }
        }
        Ok(json!({"message": "Invoice was successfully deleted."}))
    }

    // ---- products (changed in the web UI only: /admin/mutate) ------------

    /// Edits a product: `name`, `description`, `product_category`,
    /// `price_retail` (dollars) and `disabled` (a retired product stays
    /// listed, flagged).
    pub fn update_product(&mut self, id: u64, body: &Body) -> Result<Value, Reject> {
        let price = params::decimal(body, "price_retail")?;
        let disabled = params::boolean(body, "disabled")?;
        let p = self.products.get_mut(&id).ok_or(Reject::NotFound)?;
        if let Some(v) = params::present_text(body, "name") {
            p.name = v;
        }
        if let Some(v) = params::text(body, "description") {
            p.description = v;
        }
        if body.contains_key("product_category") {
            p.product_category = params::present_text(body, "product_category");
        }
        if let Some(v) = price {
            p.price_retail_cents = Self::cents(v);
        }
        if let Some(v) = disabled {
            p.disabled = v;
        }
        Ok(json!({"product": p.to_json()}))
    }

    /// Adds a product (`name` required) with the next free id.
    pub fn create_product(&mut self, body: &Body) -> Result<Value, Reject> {
        let name = params::present_text(body, "name")
            .ok_or_else(|| Reject::messages(vec![blank("name", "Name")]))?;
        let id = self.products.keys().next_back().map_or(1, |last| last + 1);
        self.products.insert(
            id,
            Product {
                id,
                name: name.clone(),
                description: params::text(body, "description").unwrap_or(name),
                price_cost_cents: 0,
                price_retail_cents: 0,
                taxable: false,
                product_category: None,
                disabled: false,
                quantity: 0,
            },
        );
        self.update_product(id, body)
    }

    pub fn delete_product(&mut self, id: u64) -> Result<Value, Reject> {
        self.products.remove(&id).ok_or(Reject::NotFound)?;
        Ok(json!({"message": "Product was deleted."}))
    }

    pub fn mark_invoice_paid(&mut self, id: u64) -> Result<Value, Reject> {
        if !self.invoices.contains_key(&id) {
            return Err(Reject::NotFound);
        }
        let now = self.stamp();
        if let Some(inv) = self.invoices.get_mut(&id) {
            inv.is_paid = true;
            inv.updated_at = now;
        }
        self.invoice_by_id(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_insensitive_search() {
        assert!(contains_ci("Outlook keeps asking for password", b"outlook"));
        assert!(contains_ci("new OUTLOOK profile", b"outlook"));
        assert!(contains_ci("abc", b""));
        assert!(!contains_ci("Printer offline", b"outlook"));
        assert!(!contains_ci("ou", b"outlook"));
        assert!(contains_ci("xxoutlook", b"outlook"));
        assert!(contains_ci("outlook", b"outlook"));
        assert!(contains_ci("OUTLOOK", b"outlook"));
        assert!(!contains_ci("outloo", b"outlook"));
        assert!(contains_ci("see #30012 now", b"30012"));
        assert!(contains_ci("a", b"a"));
    }

    #[test]
    fn paging_caps_and_meta() {
        let p = Paging {
            page: 3,
            per_page: 10,
        };
        let items: Vec<u32> = (0..25).collect();
        assert_eq!(p.slice(&items), &[20, 21, 22, 23, 24]);
        assert_eq!(p.meta(25, false)["total_pages"], 3);
        assert_eq!(
            p.meta(25, true),
            json!({"total_pages": 3, "page": 3}),
            "lean meta"
        );
        let fixed = p.fixed(Some(4));
        assert_eq!((fixed.page, fixed.per_page), (3, 4));
        assert_eq!(fixed.slice(&items), &[8, 9, 10, 11]);
        let far = Paging {
            page: 9,
            per_page: 10,
        };
        assert!(far.slice(&items).is_empty());
        assert_eq!(p.meta(0, false)["total_pages"], 1);
    }
}
