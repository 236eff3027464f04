//! A ticket's line items: POST add_line_item, remove_line_item and PUT
//! update_line_item, with the price trap (only `price_retail` sets a
//! price).
//!
//! Apart from `timers`, which make line items too (charging), because the
//! two are separate endpoints with separate traps.

use serde_json::{json, Value};

use super::{Ids, State};
use crate::errors::{blank, Problem, Reject};
use crate::model::{Qty, TicketLineItem};
use crate::params::{self, Body};
use crate::values::cents;

impl State {
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
            .map_or(0, cents);
        let cost_cents = params::decimal(body, "price_cost")?.map(cents);
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
            .map(cents);
        let cost = params::decimal(body, "price_cost")?.map(cents);
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
}
