//! The records the simulator keeps, and how each renders as the API's JSON.
//!
//! Shapes follow the examples of the official OpenAPI description; money and
//! quantities are kept as integers (cents, ten-thousandths) so that rendering
//! is exact and deterministic, the way Rails renders its BigDecimals.
//!
//! On top of `values` (timestamps, money) and `shape` (how a value
//! renders); `state` keeps these records and changes them.

use serde_json::{json, Value};

use crate::shape::Shape;
use crate::values::{decimal_string, money_number, money_string, Ts};

/// The ticket statuses the real service accepts; anything else is a 422.
pub const STATUSES: [&str; 10] = [
    "New",
    "In Progress",
    "Waiting on Customer",
    "Waiting on Vendor",
    "Waiting for Parts",
    "Customer Reply",
    "Scheduled",
    "Resolved",
    "Invoiced",
    "Closed",
];

/// Statuses counted as "still being worked on" by the generator.
pub const OPEN_STATUSES: [&str; 7] = [
    "New",
    "In Progress",
    "Waiting on Customer",
    "Waiting on Vendor",
    "Waiting for Parts",
    "Customer Reply",
    "Scheduled",
];

/// A decimal quantity (hours for labor) in ten-thousandths, so 30 minutes is
/// exactly 0.5 and 20 minutes is 0.3333.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Qty(pub i64);

impl Qty {
    pub const ONE: Qty = Qty(10_000);

    /// Rounds a client-supplied decimal to four places, as the column would.
    pub fn from_f64(v: f64) -> Qty {
        Qty((v * 10_000.0).round() as i64)
    }

    /// Hours in a duration of `secs` seconds, rounded to four places.
    pub fn hours_from_secs(secs: i64) -> Qty {
        Qty((secs * 10_000 + 1_800) / 3_600)
    }

    pub fn render(self) -> String {
        decimal_string(self.0, 4)
    }

    /// `price_cents * quantity`, rounded to whole cents.
    pub fn times_cents(self, cents: i64) -> i64 {
        let p = cents as i128 * self.0 as i128;
        ((p + 5_000) / 10_000) as i64
    }
}

/// A technician account of the simulated shop.
#[derive(Clone, Debug)]
pub struct User {
    pub id: u64,
    pub full_name: String,
    pub email: String,
    pub group: String,
    pub admin: bool,
    pub color: String,
    pub created_at: Ts,
}

impl User {
    pub fn to_json(&self, s: &Shape) -> Value {
        json!({
            "id": self.id,
            "email": self.email,
            "full_name": self.full_name,
            "created_at": s.ts(&self.created_at),
            "updated_at": s.ts(&self.created_at),
            "group": self.group,
            "admin": self.admin,
            "color": self.color,
        })
    }
}

#[derive(Clone, Debug)]
pub struct Customer {
    pub id: u64,
    pub firstname: String,
    pub lastname: String,
    pub business_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub mobile: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip: Option<String>,
    pub notes: Option<String>,
    pub disabled: bool,
    pub no_email: bool,
    pub portal_key: String,
    pub created_at: Ts,
    pub updated_at: Ts,
}

impl Customer {
    pub fn fullname(&self) -> String {
        format!("{} {}", self.firstname, self.lastname)
            .trim()
            .to_string()
    }

    /// What lists print: the business name when there is one, else the person.
    pub fn business_then_name(&self) -> String {
        match &self.business_name {
            Some(b) if !b.is_empty() => b.clone(),
            _ => self.fullname(),
        }
    }

    pub fn business_and_full_name(&self) -> String {
        match &self.business_name {
            Some(b) if !b.is_empty() => format!("{b} - {}", self.fullname()),
            _ => self.fullname(),
        }
    }

    pub fn to_json(&self, s: &Shape) -> Value {
        json!({
            "id": self.id,
            "firstname": self.firstname,
            "lastname": self.lastname,
            "fullname": self.fullname(),
            "business_name": self.business_name,
            "email": self.email,
            "phone": self.phone,
            "mobile": self.mobile,
            "created_at": s.ts(&self.created_at),
            "updated_at": s.ts(&self.updated_at),
            "pdf_url": null,
            "address": self.address,
            "address_2": null,
            "city": self.city,
            "state": self.state,
            "zip": self.zip,
            "latitude": null,
            "longitude": null,
            "notes": self.notes,
            "get_sms": false,
            "opt_out": false,
            "disabled": self.disabled,
            "no_email": self.no_email,
            "location_name": null,
            "location_id": null,
            "properties": {},
            "online_profile_url": format!("https://simulated.syncromsp.com/my_profile/v2/index?portal_key={}", self.portal_key),
            "tax_rate_id": null,
            "notification_email": null,
            "invoice_cc_emails": null,
            "invoice_term_id": null,
            "referred_by": null,
            "ref_customer_id": null,
            "business_and_full_name": self.business_and_full_name(),
            "business_then_name": self.business_then_name(),
            "contacts": [],
        })
    }
}

#[derive(Clone, Debug)]
pub struct Comment {
    pub id: u64,
    pub ticket_id: u64,
    pub subject: String,
    pub body: String,
    pub tech: Option<String>,
    pub hidden: bool,
    /// Accepted and kept, never rendered: the service does not echo it.
    #[allow(dead_code)]
    pub do_not_email: bool,
    pub user_id: Option<u64>,
    pub created_at: Ts,
    pub updated_at: Ts,
}

impl Comment {
    /// The shape embedded in tickets and answered by POST /comment.
    pub fn to_json(&self, s: &Shape) -> Value {
        json!({
            "id": self.id,
            "created_at": s.ts(&self.created_at),
            "updated_at": s.ts(&self.updated_at),
            "ticket_id": self.ticket_id,
            "subject": self.subject,
            "body": self.body,
            "tech": self.tech,
            "hidden": self.hidden,
            "user_id": self.user_id,
        })
    }

    /// The shape of GET /tickets/{id}/comments items (two more fields).
    pub fn to_list_json(&self, s: &Shape) -> Value {
        let mut v = self.to_json(s);
        if let Some(o) = v.as_object_mut() {
            o.insert("is_rich_text".into(), json!(false));
            o.insert("user".into(), json!({}));
        }
        v
    }
}

#[derive(Clone, Debug)]
pub struct TicketLineItem {
    pub id: u64,
    pub ticket_id: u64,
    pub user_id: Option<u64>,
    pub product_id: Option<u64>,
    pub name: String,
    pub description: String,
    pub quantity: Qty,
    pub product_category: Option<String>,
    pub taxable: bool,
    pub cost_cents: Option<i64>,
    pub retail_cents: i64,
    /// Set once the line has been pulled into an invoice.
    pub converted: bool,
    pub position: u32,
    pub created_at: Ts,
    pub updated_at: Ts,
}

impl TicketLineItem {
    /// The unwrapped shape of POST add_line_item (both cents and dollars).
    pub fn to_json(&self, s: &Shape) -> Value {
        json!({
            "id": self.id,
            "ticket_id": self.ticket_id,
            "user_id": self.user_id,
            "product_id": self.product_id,
            "name": self.name,
            "description": self.description,
            "quantity": self.quantity.render(),
            "product_category": self.product_category,
            "upc_code": null,
            "taxable": self.taxable,
            "cost_cents": self.cost_cents,
            "retail_cents": self.retail_cents,
            "created_at": s.ts(&self.created_at),
            "updated_at": s.ts(&self.updated_at),
            "converted": self.converted,
            "item_id": null,
            "position": self.position,
            "estimate_line_item_id": null,
            "old_price": null,
            "line_discount_percent": null,
            "discount_dollars": null,
            "original_ticket_line_item_id": null,
            "price_cost": s.line_money(self.cost_cents.unwrap_or(0)),
            "price_retail": s.line_money(self.retail_cents),
        })
    }
}

#[derive(Clone, Debug)]
pub struct Timer {
    pub id: u64,
    pub ticket_id: u64,
    pub user_id: Option<u64>,
    pub start_time: Ts,
    pub end_time: Option<Ts>,
    /// Charged: a ticket line item was made from it.
    pub recorded: bool,
    pub billable: bool,
    pub notes: Option<String>,
    pub product_id: Option<u64>,
    pub ticket_line_item_id: Option<u64>,
    /// Seconds. Set from start/end, or directly by `duration_minutes`, which
    /// (the trap) leaves `end_time` where it was.
    pub active_duration: Option<i64>,
    pub created_at: Ts,
    pub updated_at: Ts,
}

impl Timer {
    /// Seconds between start and end: what charging bills.
    pub fn span_secs(&self) -> Option<i64> {
        self.end_time
            .map(|e| (e - self.start_time).num_seconds().max(0))
    }

    pub fn to_json(&self, s: &Shape) -> Value {
        json!({
            "id": self.id,
            "ticket_id": self.ticket_id,
            "user_id": self.user_id,
            "start_time": s.ts(&self.start_time),
            "end_time": s.ts_opt(&self.end_time),
            "recorded": self.recorded,
            "created_at": s.ts(&self.created_at),
            "updated_at": s.ts(&self.updated_at),
            "billable": self.billable,
            "notes": self.notes,
            "toggl_id": null,
            "product_id": self.product_id,
            "comment_id": null,
            "ticket_line_item_id": self.ticket_line_item_id,
            "active_duration": self.active_duration,
            "billable_time": self.active_duration,
            "billable_override": null,
        })
    }
}

#[derive(Clone, Debug)]
pub struct Ticket {
    pub id: u64,
    pub number: u64,
    pub subject: String,
    pub customer_id: u64,
    pub status: String,
    pub priority: Option<String>,
    pub problem_type: Option<String>,
    pub user_id: Option<u64>,
    pub contact_id: Option<u64>,
    pub ticket_type_id: Option<u64>,
    pub due_date: Option<Ts>,
    pub start_at: Option<Ts>,
    pub end_at: Option<Ts>,
    pub resolved_at: Option<Ts>,
    pub tag_list: Vec<String>,
    pub properties: Value,
    pub created_at: Ts,
    pub updated_at: Ts,
    /// Oldest first; the first one is the "initial issue".
    pub comments: Vec<Comment>,
    pub line_items: Vec<TicketLineItem>,
    pub timers: Vec<Timer>,
}

/// What a ticket needs from elsewhere in the state to render.
pub struct TicketContext<'a> {
    pub customer: Option<&'a Customer>,
    pub user: Option<&'a User>,
    pub shape: &'a Shape,
}

impl Ticket {
    fn common_json(&self, ctx: &TicketContext<'_>) -> serde_json::Map<String, Value> {
        let s = ctx.shape;
        let v = json!({
            "id": self.id,
            "number": self.number,
            "subject": self.subject,
            "created_at": s.ts(&self.created_at),
            "customer_id": self.customer_id,
            "customer_business_then_name": ctx.customer.map(Customer::business_then_name),
            "due_date": s.ts_opt(&self.due_date),
            "resolved_at": s.ts_opt(&self.resolved_at),
            "start_at": s.ts_opt(&self.start_at),
            "end_at": s.ts_opt(&self.end_at),
            "location_id": null,
            "problem_type": self.problem_type,
            "status": self.status,
            "properties": self.properties,
            "user_id": self.user_id,
            "updated_at": s.ts(&self.updated_at),
            "pdf_url": null,
            "priority": self.priority,
            "tag_list": self.tag_list,
            "contact_id": self.contact_id,
            "ticket_type_id": self.ticket_type_id,
            "user": ctx.user.map(|u| u.to_json(s)),
        });
        match v {
            Value::Object(m) => m,
            _ => serde_json::Map::new(),
        }
    }

    /// A GET /tickets list item: only the initial comment is carried.
    pub fn to_list_json(&self, ctx: &TicketContext<'_>) -> Value {
        let mut m = self.common_json(ctx);
        let extra = json!({
            "location_name": null,
            "ticket_type_name": null,
            "billing_status": null,
            "sla_name": null,
            "creator_name_or_email": null,
            "contact_fullname": null,
            "contract_name": null,
            "address_id": null,
            "parent": false,
            "parent_id": null,
            "child": false,
            "recurring": false,
            "customer_reply": self.status == "Customer Reply",
            "total_formatted_billable_time": null,
            "sla_breached": false,
            "sla_breaching_soon": false,
            "contract_id": null,
            "sla_id": null,
            "customer_tag_list": [],
            "resolution_time": null,
            "response_time": null,
            "customer_icons": [],
            "comments": self.comments.first().map(|c| c.to_json(ctx.shape)).into_iter().collect::<Vec<_>>(),
        });
        if let Value::Object(e) = extra {
            m.extend(e);
        }
        Value::Object(m)
    }

    /// GET /tickets/{id}: the whole thread, line items, timers and customer.
    pub fn to_detail_json(&self, ctx: &TicketContext<'_>) -> Value {
        let s = ctx.shape;
        let mut m = self.common_json(ctx);
        let extra = json!({
            "intake_form_html": null,
            "signature_name": null,
            "signature_date": null,
            "asset_ids": [],
            "outtake_form_name": null,
            "outtake_form_date": null,
            "outtake_form_html": null,
            "comments": self.comments.iter().map(|c| c.to_json(s)).collect::<Vec<_>>(),
            "attachments": [],
            "ticket_timers": self.timers.iter().map(|t| t.to_json(s)).collect::<Vec<_>>(),
            "line_items": self.line_items.iter().map(|l| l.to_json(s)).collect::<Vec<_>>(),
            "worksheet_results": [],
            "assets": [],
            "appointments": [],
            "ticket_fields": [],
            "ticket_answers": [],
            "customer": ctx.customer.map(|c| c.to_json(s)),
            "contact": null,
            "ticket_type": null,
            "address": null,
        });
        if let Value::Object(e) = extra {
            m.extend(e);
        }
        Value::Object(m)
    }
}

#[derive(Clone, Debug)]
pub struct InvoiceLineItem {
    pub id: u64,
    pub invoice_id: u64,
    pub item: String,
    pub name: String,
    pub product_id: Option<u64>,
    pub quantity: Qty,
    pub price_cents: i64,
    pub cost_cents: i64,
    pub taxable: bool,
    pub position: u32,
    /// The ticket line this came from, so deleting the invoice frees it.
    pub ticket_line_item_id: Option<u64>,
    pub created_at: Ts,
    pub updated_at: Ts,
}

impl InvoiceLineItem {
    pub fn to_json(&self, s: &Shape) -> Value {
        json!({
            "id": self.id,
            "created_at": s.ts(&self.created_at),
            "updated_at": s.ts(&self.updated_at),
            "invoice_id": self.invoice_id,
            "item": self.item,
            "name": self.name,
            "cost": money_string(self.cost_cents),
            "price": money_string(self.price_cents),
            "quantity": self.quantity.render(),
            "product_id": self.product_id,
            "taxable": self.taxable,
            "discount_percent": null,
            "position": self.position,
            "invoice_bundle_id": null,
            "discount_dollars": null,
        })
    }
}

#[derive(Clone, Debug)]
pub struct Invoice {
    pub id: u64,
    pub number: String,
    pub customer_id: u64,
    pub ticket_id: Option<u64>,
    /// Accepted and kept, never rendered: not in the spec's invoice shape.
    #[allow(dead_code)]
    pub category: Option<String>,
    pub date: Ts,
    pub due_date: Ts,
    pub is_paid: bool,
    pub note: Option<String>,
    pub po_number: Option<String>,
    pub user_id: Option<u64>,
    pub created_at: Ts,
    pub updated_at: Ts,
    pub line_items: Vec<InvoiceLineItem>,
}

impl Invoice {
    pub fn subtotal_cents(&self) -> i64 {
        self.line_items
            .iter()
            .map(|l| l.quantity.times_cents(l.price_cents))
            .sum()
    }

    /// The list / POST shape: no line items.
    pub fn to_json(&self, customer: Option<&Customer>, s: &Shape) -> Value {
        let subtotal = self.subtotal_cents();
        json!({
            "id": self.id,
            "customer_id": self.customer_id,
            "customer_business_then_name": customer.map(Customer::business_then_name),
            "number": self.number,
            "created_at": s.ts(&self.created_at),
            "updated_at": s.ts(&self.updated_at),
            "date": s.date(&self.date),
            "due_date": s.date(&self.due_date),
            "subtotal": money_string(subtotal),
            "total": money_string(subtotal),
            "tax": money_string(0),
            "verified_paid": self.is_paid,
            "tech_marked_paid": self.is_paid,
            "ticket_id": self.ticket_id,
            "pdf_url": null,
            "is_paid": self.is_paid,
            "location_id": null,
            "po_number": self.po_number,
            "contact_id": null,
            "note": self.note,
            "hardwarecost": null,
            "user_id": self.user_id,
        })
    }

    /// GET /invoices/{id}: adds customer, line items and payments.
    pub fn to_detail_json(&self, customer: Option<&Customer>, s: &Shape) -> Value {
        let mut v = self.to_json(customer, s);
        if let Some(o) = v.as_object_mut() {
            o.insert("customer".into(), json!(customer.map(|c| c.to_json(s))));
            o.insert(
                "line_items".into(),
                Value::Array(self.line_items.iter().map(|l| l.to_json(s)).collect()),
            );
            o.insert("payments".into(), json!([]));
        }
        v
    }
}

#[derive(Clone, Debug)]
pub struct Product {
    pub id: u64,
    pub name: String,
    pub description: String,
    pub price_cost_cents: i64,
    pub price_retail_cents: i64,
    pub taxable: bool,
    pub product_category: Option<String>,
    pub disabled: bool,
    pub quantity: i64,
}

impl Product {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "price_cost": money_number(self.price_cost_cents),
            "price_retail": money_number(self.price_retail_cents),
            "condition": null,
            "description": self.description,
            "maintain_stock": false,
            "name": self.name,
            "quantity": self.quantity,
            "warranty": null,
            "sort_order": null,
            "reorder_at": null,
            "disabled": self.disabled,
            "taxable": self.taxable,
            "product_category": self.product_category,
            "category_path": self.product_category,
            "upc_code": null,
            "discount_percent": null,
            "warranty_template_id": null,
            "qb_item_id": null,
            "desired_stock_level": null,
            "price_wholesale": 0,
            "notes": null,
            "tax_rate_id": null,
            "physical_location": null,
            "serialized": false,
            "vendor_ids": [],
            "product_skus": [],
            "long_description": null,
            "location_quantities": [],
            "photos": [],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_render_like_rails() {
        assert_eq!(money_string(15000), "150.0");
        assert_eq!(money_string(12550), "125.5");
        assert_eq!(money_string(12525), "125.25");
        assert_eq!(money_string(0), "0.0");
        assert_eq!(Qty(5_000).render(), "0.5");
        assert_eq!(Qty::ONE.render(), "1.0");
        assert_eq!(Qty::hours_from_secs(20 * 60).render(), "0.3333");
        assert_eq!(Qty::from_f64(0.25).render(), "0.25");
    }

    #[test]
    fn quantity_times_price_rounds_to_cents() {
        assert_eq!(Qty(5_000).times_cents(15_000), 7_500);
        assert_eq!(Qty(3_333).times_cents(12_500), 4_166);
    }
}
