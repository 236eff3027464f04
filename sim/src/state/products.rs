//! Products: GET /products and /products/{id}, and the web UI's create,
//! edit and delete (/admin/mutate); the API cannot change them.
//!
//! Apart because the product list is a catalogue line items and timers
//! only read (names, prices, taxable).

use serde_json::{json, Value};

use super::listing::{contains_ci, Paging};
use super::State;
use crate::errors::{blank, Reject};
use crate::model::Product;
use crate::params::{self, Body};
use crate::values::cents;

impl State {
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
            p.price_retail_cents = cents(v);
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
}
