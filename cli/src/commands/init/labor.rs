//! The shop's labor products, read from `GET /products`, turned into a
//! proposed `[labor.<type>]` map.
//!
//! Syncro has no "labor type" object: a shop bills time with products in
//! its Labor category ("Labor - Remote", "Labor - Onsite", ...). Choosing
//! the wrong product id bills under the wrong item, and a mis-set rate
//! bills the wrong amount, so `init` proposes the map from what the server
//! has rather than asking the technician to look ids up.

use serde_json::Value;

use crate::api::{Api, ApiError};

/// At most this many pages of products are read (25 a page: 1,000
/// products; a shop's labor items are among the first few dozen).
const MAX_PAGES: u32 = 40;

/// One proposed `[labor.<kind>]` entry.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Proposal {
    /// The type name used on the command line (`syncro bill 1234 1h remote`).
    pub kind: String,
    pub product_id: i64,
    /// The product's name, used as the line item's name.
    pub name: String,
    /// Dollars per hour: the product's retail price.
    pub rate: f64,
}

/// Every product, page by page.
pub fn fetch_products(api: &Api<'_>) -> Result<Vec<Value>, ApiError> {
    let mut all = Vec::new();
    for page in 1..=MAX_PAGES {
        let body = api.get("/products", &[("page", page.to_string())])?;
        let items = body
            .get("products")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let total_pages = body
            .pointer("/meta/total_pages")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let empty = items.is_empty();
        all.extend(items);
        if empty || u64::from(page) >= total_pages {
            break;
        }
    }
    Ok(all)
}

/// The enabled products of a Labor category, as proposals, in id order.
pub fn propose(products: &[Value]) -> Vec<Proposal> {
    let mut labor: Vec<(i64, String, f64)> = products
        .iter()
        .filter(|p| is_labor(p) && !is_true(p.get("disabled")))
        .filter_map(|p| {
            let id = p.get("id").and_then(Value::as_i64).filter(|id| *id > 0)?;
            let name = p.get("name").and_then(Value::as_str)?.trim().to_string();
            let rate = number(p.get("price_retail")).unwrap_or(0.0);
            Some((id, name, rate))
        })
        .collect();
    labor.sort_by_key(|(id, _, _)| *id);
    let mut out: Vec<Proposal> = Vec::new();
    for (product_id, name, rate) in labor {
        let base = kind_for(&name, product_id);
        let mut kind = base.clone();
        let mut n = 2;
        while out.iter().any(|p| p.kind == kind) {
            kind = format!("{base}-{n}");
            n += 1;
        }
        out.push(Proposal {
            kind,
            product_id,
            name,
            rate,
        });
    }
    out
}

/// The same rule `syncro labor` checks the map with.
fn is_labor(p: &Value) -> bool {
    ["product_category", "category_path"].iter().any(|k| {
        p.get(*k)
            .and_then(Value::as_str)
            .is_some_and(syncro_store::is_labor_category)
    })
}

fn is_true(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Bool(true))) || v.and_then(Value::as_str) == Some("true")
}

/// Prices come as numbers or as decimal strings.
fn number(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|f: &f64| f.is_finite() && *f >= 0.0)
}

/// "Labor - Remote" → "remote"; "Onsite Labor (after hours)" →
/// "onsite-after-hours"; a name that is only "Labor" → "labor-<id>".
pub fn kind_for(name: &str, id: i64) -> String {
    let words: Vec<String> = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .filter(|w| w != "labor" && w != "labour")
        .collect();
    if words.is_empty() {
        format!("labor-{id}")
    } else {
        words.join("-")
    }
}

/// A type name the user typed: the same characters `kind_for` makes.
pub fn valid_kind(kind: &str) -> bool {
    !kind.is_empty()
        && kind
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn labor_products_become_types_named_for_what_they_are() {
        let products = vec![
            json!({"id": 9002, "name": "Labor - Onsite", "price_retail": 150.0, "product_category": "Labor", "disabled": false}),
            json!({"id": 9001, "name": "Labor - Remote", "price_retail": "125.00", "product_category": "Labor"}),
            json!({"id": 12, "name": "USB cable", "price_retail": 9.5, "product_category": "Hardware"}),
            json!({"id": 9009, "name": "Labor - Retired", "price_retail": 90, "product_category": "Labor", "disabled": true}),
            json!({"id": 9010, "name": "Labor", "price_retail": null, "category_path": "Services > Labor"}),
            json!({"id": null, "name": "broken"}),
            json!("not even an object"),
        ];
        let p = propose(&products);
        let kinds: Vec<(&str, i64, f64)> = p
            .iter()
            .map(|p| (p.kind.as_str(), p.product_id, p.rate))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("remote", 9001, 125.0),
                ("onsite", 9002, 150.0),
                ("labor-9010", 9010, 0.0)
            ]
        );
        assert_eq!(p[0].name, "Labor - Remote");
    }

    #[test]
    fn two_products_with_one_name_get_two_types() {
        let products = vec![
            json!({"id": 1, "name": "Labor - Remote", "price_retail": 1, "product_category": "Labor"}),
            json!({"id": 2, "name": "Remote Labor", "price_retail": 2, "product_category": "Labor"}),
        ];
        let kinds: Vec<String> = propose(&products).into_iter().map(|p| p.kind).collect();
        assert_eq!(kinds, vec!["remote", "remote-2"]);
    }

    #[test]
    fn type_names() {
        assert_eq!(
            kind_for("Onsite Labor (after hours)", 1),
            "onsite-after-hours"
        );
        assert!(valid_kind("after-hours_2"));
        assert!(!valid_kind("After Hours"));
        assert!(!valid_kind(""));
    }
}
