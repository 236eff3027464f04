//! Typed records parsed from Syncro API JSON.
//!
//! Parsing is deliberately forgiving (see [`crate::json`]): only an `id` (and
//! a ticket's `number`) is required, because without them a record cannot be
//! stored at all. Every record keeps its raw JSON so nothing the server sent
//! is lost even when we do not model it yet.

use serde_json::Value;

use crate::json::{array, boolean, cents, decimal, int, text, timestamp};

/// Why a payload could not become a record.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    #[error("{record} is not a JSON object")]
    NotAnObject { record: &'static str },
    #[error("{record} has no usable `{field}`")]
    MissingField {
        record: &'static str,
        field: &'static str,
    },
    #[error("response has no `{0}` list")]
    MissingList(String),
}

fn require_object(v: &Value, record: &'static str) -> Result<(), ModelError> {
    if v.is_object() {
        Ok(())
    } else {
        Err(ModelError::NotAnObject { record })
    }
}

fn require_int(v: &Value, key: &'static str, record: &'static str) -> Result<i64, ModelError> {
    int(v, key).ok_or(ModelError::MissingField { record, field: key })
}

/// Paging facts from a list response's `meta`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageMeta {
    pub page: Option<i64>,
    pub total_pages: Option<i64>,
    pub total_entries: Option<i64>,
    pub per_page: Option<i64>,
}

/// Splits a list response (`{"tickets": [...], "meta": {...}}`) into its
/// items, unparsed so that one bad item does not sink the page, and its meta.
pub fn list_items<'a>(body: &'a Value, key: &str) -> Result<(&'a [Value], PageMeta), ModelError> {
    let items = body
        .get(key)
        .and_then(Value::as_array)
        .ok_or_else(|| ModelError::MissingList(key.to_string()))?;
    let meta = body.get("meta").cloned().unwrap_or(Value::Null);
    Ok((
        items,
        PageMeta {
            page: int(&meta, "page"),
            total_pages: int(&meta, "total_pages"),
            total_entries: int(&meta, "total_entries"),
            per_page: int(&meta, "per_page"),
        },
    ))
}

/// The record inside a single-record response: `{"ticket": {...}}` or, as
/// some endpoints answer, the bare object.
pub fn single<'a>(body: &'a Value, key: &str) -> &'a Value {
    match body.get(key) {
        Some(inner) if inner.is_object() => inner,
        _ => body,
    }
}

/// Returns `raw` without the embedded child arrays we store in their own
/// tables, so they are not kept twice.
fn strip(raw: &Value, keys: &[&str]) -> Value {
    let mut raw = raw.clone();
    if let Some(map) = raw.as_object_mut() {
        for k in keys {
            map.remove(*k);
        }
    }
    raw
}

#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    pub id: i64,
    pub firstname: Option<String>,
    pub lastname: Option<String>,
    pub fullname: Option<String>,
    pub business_name: Option<String>,
    pub business_then_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub mobile: Option<String>,
    pub disabled: bool,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub raw: Value,
}

impl Customer {
    pub fn from_json(v: &Value) -> Result<Self, ModelError> {
        require_object(v, "customer")?;
        let firstname = text(v, "firstname");
        let lastname = text(v, "lastname");
        let fullname = text(v, "fullname").or_else(|| {
            let joined = [firstname.as_deref(), lastname.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            (!joined.is_empty()).then_some(joined)
        });
        let business_name = text(v, "business_name").filter(|s| !s.is_empty());
        let business_then_name = text(v, "business_then_name")
            .or_else(|| business_name.clone())
            .or_else(|| fullname.clone())
            .unwrap_or_default();
        Ok(Customer {
            id: require_int(v, "id", "customer")?,
            firstname,
            lastname,
            fullname,
            business_name,
            business_then_name,
            email: text(v, "email"),
            phone: text(v, "phone"),
            mobile: text(v, "mobile"),
            disabled: boolean(v, "disabled").unwrap_or(false),
            created_at: timestamp(v, "created_at"),
            updated_at: timestamp(v, "updated_at"),
            raw: strip(v, &["contacts"]),
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    pub id: i64,
    pub number: i64,
    pub subject: String,
    pub status: String,
    pub priority: Option<String>,
    pub problem_type: Option<String>,
    pub customer_id: Option<i64>,
    pub customer_name: String,
    pub contact_id: Option<i64>,
    pub contact_name: Option<String>,
    pub user_id: Option<i64>,
    pub user_name: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub due_date: Option<String>,
    pub resolved_at: Option<String>,
    pub raw: Value,
}

impl Ticket {
    pub fn from_json(v: &Value) -> Result<Self, ModelError> {
        require_object(v, "ticket")?;
        let customer = v.get("customer").filter(|c| c.is_object());
        let customer_name = text(v, "customer_business_then_name")
            .or_else(|| customer.and_then(|c| text(c, "business_then_name")))
            .unwrap_or_default();
        let contact = v.get("contact").filter(|c| c.is_object());
        let user = v.get("user").filter(|u| u.is_object());
        Ok(Ticket {
            id: require_int(v, "id", "ticket")?,
            number: require_int(v, "number", "ticket")?,
            subject: text(v, "subject").unwrap_or_default(),
            status: text(v, "status").unwrap_or_default(),
            priority: text(v, "priority"),
            problem_type: text(v, "problem_type"),
            customer_id: int(v, "customer_id").or_else(|| customer.and_then(|c| int(c, "id"))),
            customer_name,
            contact_id: int(v, "contact_id"),
            contact_name: text(v, "contact_fullname")
                .or_else(|| contact.and_then(|c| text(c, "name"))),
            user_id: int(v, "user_id"),
            user_name: user.and_then(|u| text(u, "full_name")),
            created_at: timestamp(v, "created_at"),
            updated_at: timestamp(v, "updated_at"),
            due_date: timestamp(v, "due_date"),
            resolved_at: timestamp(v, "resolved_at"),
            raw: strip(v, &["comments", "line_items", "ticket_timers", "customer"]),
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    pub id: i64,
    pub ticket_id: i64,
    pub subject: Option<String>,
    pub body: String,
    pub tech: Option<String>,
    pub hidden: bool,
    pub user_id: Option<i64>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub raw: Value,
}

impl Comment {
    /// `ticket_id` is the parent's id, used when the comment omits its own.
    pub fn from_json(v: &Value, ticket_id: i64) -> Result<Self, ModelError> {
        require_object(v, "comment")?;
        Ok(Comment {
            id: require_int(v, "id", "comment")?,
            ticket_id: int(v, "ticket_id").unwrap_or(ticket_id),
            subject: text(v, "subject"),
            body: text(v, "body").unwrap_or_default(),
            tech: text(v, "tech"),
            hidden: boolean(v, "hidden").unwrap_or(false),
            user_id: int(v, "user_id"),
            created_at: timestamp(v, "created_at"),
            updated_at: timestamp(v, "updated_at"),
            raw: strip(v, &["user"]),
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LineItem {
    pub id: i64,
    pub ticket_id: i64,
    /// Who added it, where the server says: a colleague's identical line
    /// is not ours.
    pub user_id: Option<i64>,
    pub product_id: Option<i64>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub quantity: f64,
    pub retail_cents: i64,
    pub cost_cents: Option<i64>,
    pub taxable: Option<bool>,
    pub converted: bool,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub raw: Value,
}

impl LineItem {
    pub fn from_json(v: &Value, ticket_id: i64) -> Result<Self, ModelError> {
        require_object(v, "line item")?;
        Ok(LineItem {
            id: require_int(v, "id", "line item")?,
            ticket_id: int(v, "ticket_id").unwrap_or(ticket_id),
            user_id: int(v, "user_id"),
            product_id: int(v, "product_id"),
            name: text(v, "name"),
            description: text(v, "description"),
            quantity: decimal(v, "quantity").unwrap_or(0.0),
            retail_cents: int(v, "retail_cents")
                .or_else(|| cents(v, "price_retail"))
                .unwrap_or(0),
            cost_cents: int(v, "cost_cents").or_else(|| cents(v, "price_cost")),
            taxable: boolean(v, "taxable"),
            converted: boolean(v, "converted").unwrap_or(false),
            created_at: timestamp(v, "created_at"),
            updated_at: timestamp(v, "updated_at"),
            raw: v.clone(),
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Timer {
    pub id: i64,
    pub ticket_id: i64,
    pub user_id: Option<i64>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub billable: bool,
    pub recorded: bool,
    pub notes: Option<String>,
    pub product_id: Option<i64>,
    pub ticket_line_item_id: Option<i64>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub raw: Value,
}

impl Timer {
    pub fn from_json(v: &Value, ticket_id: i64) -> Result<Self, ModelError> {
        require_object(v, "timer")?;
        Ok(Timer {
            id: require_int(v, "id", "timer")?,
            ticket_id: int(v, "ticket_id").unwrap_or(ticket_id),
            user_id: int(v, "user_id"),
            start_time: timestamp(v, "start_time"),
            end_time: timestamp(v, "end_time"),
            billable: boolean(v, "billable").unwrap_or(false),
            recorded: boolean(v, "recorded").unwrap_or(false),
            notes: text(v, "notes"),
            product_id: int(v, "product_id"),
            ticket_line_item_id: int(v, "ticket_line_item_id"),
            created_at: timestamp(v, "created_at"),
            updated_at: timestamp(v, "updated_at"),
            raw: v.clone(),
        })
    }
}

/// A ticket as `GET /tickets/{id}` returns it: with its whole thread.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketWithChildren {
    pub ticket: Ticket,
    pub comments: Vec<Comment>,
    pub line_items: Vec<LineItem>,
    pub timers: Vec<Timer>,
    pub customer: Option<Customer>,
    /// When (our clock) the request that returned this detail was sent, if
    /// the caller recorded it: an older fetch never replaces a newer one.
    pub fetched_at: Option<String>,
}

impl TicketWithChildren {
    /// Parses a ticket detail. A malformed child fails the whole detail:
    /// storing a partial thread would silently drop comments from the cache.
    pub fn from_json(v: &Value) -> Result<Self, ModelError> {
        let ticket = Ticket::from_json(v)?;
        let id = ticket.id;
        Ok(TicketWithChildren {
            comments: array(v, "comments")
                .iter()
                .map(|c| Comment::from_json(c, id))
                .collect::<Result<_, _>>()?,
            line_items: array(v, "line_items")
                .iter()
                .map(|l| LineItem::from_json(l, id))
                .collect::<Result<_, _>>()?,
            timers: array(v, "ticket_timers")
                .iter()
                .map(|t| Timer::from_json(t, id))
                .collect::<Result<_, _>>()?,
            customer: v
                .get("customer")
                .filter(|c| c.is_object())
                .and_then(|c| Customer::from_json(c).ok()),
            ticket,
            fetched_at: None,
        })
    }

    /// Records when the request that returned this detail was sent.
    pub fn fetched_at(mut self, sent_at: String) -> Self {
        self.fetched_at = Some(sent_at);
        self
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Invoice {
    pub id: i64,
    pub number: String,
    pub customer_id: Option<i64>,
    pub customer_name: String,
    pub ticket_id: Option<i64>,
    pub date: Option<String>,
    pub due_date: Option<String>,
    pub subtotal_cents: i64,
    pub tax_cents: i64,
    pub total_cents: i64,
    pub is_paid: bool,
    pub verified_paid: bool,
    pub tech_marked_paid: bool,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub raw: Value,
}

impl Invoice {
    pub fn from_json(v: &Value) -> Result<Self, ModelError> {
        require_object(v, "invoice")?;
        let verified_paid = boolean(v, "verified_paid").unwrap_or(false);
        let tech_marked_paid = boolean(v, "tech_marked_paid").unwrap_or(false);
        Ok(Invoice {
            id: require_int(v, "id", "invoice")?,
            number: text(v, "number").unwrap_or_default(),
            customer_id: int(v, "customer_id"),
            customer_name: text(v, "customer_business_then_name").unwrap_or_default(),
            ticket_id: int(v, "ticket_id"),
            date: timestamp(v, "date"),
            due_date: timestamp(v, "due_date"),
            subtotal_cents: cents(v, "subtotal").unwrap_or(0),
            tax_cents: cents(v, "tax").unwrap_or(0),
            total_cents: cents(v, "total").unwrap_or(0),
            is_paid: boolean(v, "is_paid").unwrap_or(verified_paid || tech_marked_paid),
            verified_paid,
            tech_marked_paid,
            created_at: timestamp(v, "created_at"),
            updated_at: timestamp(v, "updated_at"),
            raw: strip(v, &["line_items", "customer", "payments"]),
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct InvoiceLine {
    pub id: i64,
    pub invoice_id: i64,
    pub product_id: Option<i64>,
    pub item: Option<String>,
    pub name: Option<String>,
    pub quantity: f64,
    pub price_cents: i64,
    pub cost_cents: Option<i64>,
    pub taxable: Option<bool>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub raw: Value,
}

impl InvoiceLine {
    pub fn from_json(v: &Value, invoice_id: i64) -> Result<Self, ModelError> {
        require_object(v, "invoice line item")?;
        Ok(InvoiceLine {
            id: require_int(v, "id", "invoice line item")?,
            invoice_id: int(v, "invoice_id").unwrap_or(invoice_id),
            product_id: int(v, "product_id"),
            item: text(v, "item"),
            name: text(v, "name"),
            quantity: decimal(v, "quantity").unwrap_or(0.0),
            price_cents: cents(v, "price").unwrap_or(0),
            cost_cents: cents(v, "cost"),
            taxable: boolean(v, "taxable"),
            created_at: timestamp(v, "created_at"),
            updated_at: timestamp(v, "updated_at"),
            raw: v.clone(),
        })
    }
}

/// An invoice as `GET /invoices/{id}` returns it: with its line items.
#[derive(Debug, Clone, PartialEq)]
pub struct InvoiceWithLines {
    pub invoice: Invoice,
    pub lines: Vec<InvoiceLine>,
}

impl InvoiceWithLines {
    pub fn from_json(v: &Value) -> Result<Self, ModelError> {
        let invoice = Invoice::from_json(v)?;
        let id = invoice.id;
        Ok(InvoiceWithLines {
            lines: array(v, "line_items")
                .iter()
                .map(|l| InvoiceLine::from_json(l, id))
                .collect::<Result<_, _>>()?,
            invoice,
        })
    }
}

/// A product of the shop's catalogue, as `GET /products` lists it. Only
/// the `id` is required; a price that is null or not a number is `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub product_category: Option<String>,
    pub category_path: Option<String>,
    pub price_retail_cents: Option<i64>,
    pub price_cost_cents: Option<i64>,
    pub taxable: Option<bool>,
    /// Retired in the web UI.
    pub disabled: bool,
    pub upc_code: Option<String>,
    pub raw: Value,
}

impl Product {
    pub fn from_json(v: &Value) -> Result<Self, ModelError> {
        require_object(v, "product")?;
        // A category may come as its name or as a category object.
        let category = |key: &str| {
            text(v, key)
                .or_else(|| v.get(key).and_then(|c| text(c, "name")))
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        Ok(Product {
            id: require_int(v, "id", "product")?,
            name: text(v, "name").unwrap_or_default(),
            description: text(v, "description"),
            product_category: category("product_category"),
            category_path: category("category_path"),
            price_retail_cents: cents(v, "price_retail"),
            price_cost_cents: cents(v, "price_cost"),
            taxable: boolean(v, "taxable"),
            disabled: boolean(v, "disabled").unwrap_or(false),
            upc_code: text(v, "upc_code"),
            raw: v.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;
    use serde_json::json;

    #[test]
    fn ticket_requires_id_and_number_only() {
        assert!(Ticket::from_json(&json!({"id": 1, "number": 2})).is_ok());
        assert_eq!(
            Ticket::from_json(&json!({"id": 1})),
            Err(ModelError::MissingField {
                record: "ticket",
                field: "number"
            })
        );
        assert!(Ticket::from_json(&json!("ticket")).is_err());
        assert!(Ticket::from_json(&json!(null)).is_err());
    }

    #[test]
    fn line_item_price_prefers_cents_then_dollars() -> TestResult {
        let a = LineItem::from_json(
            &json!({"id": 1, "retail_cents": 1500, "price_retail": 99}),
            7,
        )?;
        assert_eq!((a.retail_cents, a.ticket_id), (1500, 7));
        let b = LineItem::from_json(
            &json!({"id": 1, "price_retail": "62.5", "quantity": "0.5"}),
            7,
        )?;
        assert_eq!((b.retail_cents, b.quantity), (6250, 0.5));
        Ok(())
    }

    #[test]
    fn single_accepts_wrapped_and_bare() {
        let wrapped = json!({"invoice": {"id": 3}});
        let bare = json!({"id": 3, "invoice": null});
        assert_eq!(int(single(&wrapped, "invoice"), "id"), Some(3));
        assert_eq!(int(single(&bare, "invoice"), "id"), Some(3));
    }

    #[test]
    fn product_takes_what_it_can_from_odd_fields() -> TestResult {
        let p = Product::from_json(&json!({
            "id": "9001", "name": "Labor - Remote", "price_retail": "125.0",
            "price_cost": null, "taxable": "false", "disabled": null,
            "product_category": {"id": 4, "name": "Labor"}, "category_path": "  ",
            "vendor_ids": [1], "something_new": {"x": 1}
        }))?;
        assert_eq!(p.id, 9001);
        assert_eq!(p.price_retail_cents, Some(12500));
        assert_eq!(p.price_cost_cents, None);
        assert_eq!(p.taxable, Some(false));
        assert!(!p.disabled);
        assert_eq!(p.product_category.as_deref(), Some("Labor"));
        assert_eq!(p.category_path, None);
        assert_eq!(p.raw["something_new"]["x"], 1);
        let bare =
            Product::from_json(&json!({"id": 5, "price_retail": "n/a", "disabled": "true"}))?;
        assert_eq!(
            (bare.name.as_str(), bare.price_retail_cents, bare.disabled),
            ("", None, true)
        );
        assert!(Product::from_json(&json!({"name": "no id"})).is_err());
        assert!(Product::from_json(&json!([1])).is_err());
        Ok(())
    }

    #[test]
    fn malformed_comment_fails_the_detail() {
        let v = json!({"id": 1, "number": 2, "comments": [{"id": 5}, {"body": "no id"}]});
        assert!(TicketWithChildren::from_json(&v).is_err());
    }
}
