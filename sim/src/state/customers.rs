//! Customers: GET /customers (search, sort, disabled ones), GET
//! /customers/{id}, POST /customers, and the web UI's edit and delete.
//!
//! Apart because customers are a table of their own; tickets and invoices
//! only point at them by id.

use serde_json::{json, Value};

use super::listing::{contains_ci, Paging};
use super::{Ids, State};
use crate::errors::{blank, Problem, Reject};
use crate::model::Customer;
use crate::params::{self, Body};

#[derive(Clone, Debug, Default)]
pub struct CustomerFilter {
    pub query: Option<String>,
    pub sort: Option<String>,
    pub include_disabled: bool,
    pub email: Option<String>,
}

impl State {
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
}
