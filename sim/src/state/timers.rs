//! Timers: GET /ticket_timers and a ticket's timer entries (POST
//! timer_entry, charge_timer_entry, delete, PUT update_timer_entry), with
//! the `duration_minutes` trap; charging makes the timer's line item.
//!
//! Apart from `line_items` because timers have their own endpoints, ids
//! and list.

use chrono::Duration;
use serde_json::{json, Value};

use super::listing::Paging;
use super::{Ids, State};
use crate::errors::{Problem, Reject};
use crate::model::{Qty, Ticket, TicketLineItem, Timer};
use crate::params::{self, Body};
use crate::values::Ts;

#[derive(Clone, Debug, Default)]
pub struct TimerFilter {
    pub ticket_id: Option<u64>,
    pub created_at_lt: Option<Ts>,
    pub created_at_gt: Option<Ts>,
}

impl State {
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
}
