//! Invoices: GET /invoices (by id or number), POST /invoices (pulling the
//! ticket's uninvoiced line items), DELETE (freeing them again), and the
//! web UI's "mark paid".
//!
//! Apart because an invoice is its own table that takes line items from
//! a ticket and gives them back.

use chrono::SubsecRound;
use serde_json::{json, Value};

use super::listing::Paging;
use super::{Ids, State};
use crate::errors::{blank, Problem, Reject};
use crate::model::{Invoice, InvoiceLineItem};
use crate::params::{self, Body};
use crate::values::Ts;

#[derive(Clone, Debug, Default)]
pub struct InvoiceFilter {
    pub since_updated_at: Option<Ts>,
    pub ticket_id: Option<u64>,
    pub customer_id: Option<u64>,
    pub paid: bool,
    pub unpaid: bool,
}

impl State {
    pub(super) fn invoice_detail(&self, i: &Invoice) -> Value {
        i.to_detail_json(self.customers.get(&i.customer_id), &self.shape)
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
        let page: Vec<Value> = self
            .null_row()
            .chain(
                p.slice(&hits)
                    .iter()
                    .map(|i| i.to_json(self.customers.get(&i.customer_id), &self.shape)),
            )
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
