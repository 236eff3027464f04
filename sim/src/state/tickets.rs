//! Tickets: GET /tickets (filters, search, paging), GET /tickets/{id},
//! POST and PUT /tickets (with their `comments_attributes`) and DELETE.
//!
//! The ticket's own fields only; its thread is `comments`, its billing
//! `line_items` and `timers`.

use serde_json::{json, Value};

use super::listing::{contains_ci, Paging};
use super::{Ids, State};
use crate::errors::{blank, Problem, Reject};
use crate::model::{Ticket, TicketContext, STATUSES};
use crate::params::{self, Body};
use crate::values::Ts;

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

fn customer_required() -> Reject {
    Reject::error(Problem::field("customer", "Customer", "required field"))
}

impl State {
    fn ctx(&self, t: &Ticket) -> TicketContext<'_> {
        TicketContext {
            customer: self.customers.get(&t.customer_id),
            user: t
                .user_id
                .and_then(|id| self.users.iter().find(|u| u.id == id)),
            shape: &self.shape,
        }
    }

    pub(super) fn ticket_detail(&self, t: &Ticket) -> Value {
        t.to_detail_json(&self.ctx(t))
    }

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
        let page: Vec<Value> = self
            .null_row()
            .chain(p.slice(&hits).iter().map(|t| t.to_list_json(&self.ctx(t))))
            .collect();
        json!({"tickets": page, "meta": p.meta(hits.len(), self.shape.lean_meta)})
    }

    /// GET /tickets/{id}: by id only; a ticket *number* is a 404 (or another
    /// ticket), as on the real service.
    pub fn get_ticket(&self, id: u64) -> Result<Value, Reject> {
        let t = self.tickets.get(&id).ok_or(Reject::NotFound)?;
        Ok(json!({"ticket": self.ticket_detail(t)}))
    }

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

    pub(super) fn ticket_mut(&mut self, id: u64) -> Result<&mut Ticket, Reject> {
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
}
