//! The shop's product catalogue in the cache: what `syncro labor` and a
//! bill's preview check the configured labor types' product ids against.

use rusqlite::{params, OptionalExtension, Row, Transaction};
use serde::Serialize;

use crate::error::StoreResult;
use crate::model::Product;
use crate::Store;

/// How often syncrod lists the whole catalogue again: `GET /products` has
/// no "changed since" filter and products change rarely. An answer drawn
/// from the catalogue allows this much age on top of `stale_after_secs`
/// before it calls itself stale.
pub const PRODUCTS_REFRESH_SECS: u64 = 3600;

/// A product as `syncro labor` and `--json` show it (API field names,
/// prices in cents).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct ProductRow {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub product_category: Option<String>,
    pub category_path: Option<String>,
    /// `price_retail` in cents (`null`: the server gave none).
    pub price_retail_cents: Option<i64>,
    pub taxable: Option<bool>,
    /// Retired in the web UI: a line billed against it is wrong.
    pub disabled: bool,
}

const COLUMNS: &str = "id, name, description, product_category, category_path, \
     price_retail_cents, taxable, disabled";

impl ProductRow {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(ProductRow {
            id: r.get(0)?,
            name: r.get(1)?,
            description: r.get(2)?,
            product_category: r.get(3)?,
            category_path: r.get(4)?,
            price_retail_cents: r.get(5)?,
            taxable: r.get(6)?,
            disabled: r.get(7)?,
        })
    }

    /// The category to show: the server's name for it, else its path.
    pub fn category(&self) -> Option<&str> {
        self.product_category
            .as_deref()
            .or(self.category_path.as_deref())
    }

    /// Whether the product is filed under a labor category.
    pub fn is_labor(&self) -> bool {
        [&self.product_category, &self.category_path]
            .into_iter()
            .flatten()
            .any(|c| is_labor_category(c))
    }
}

/// Whether a category name or path names labor: one of its words is
/// "Labor" or "Labour", in any case ("Labor", "Services > Labor",
/// "Remote labour"; not "Laboratory supplies").
pub fn is_labor_category(category: &str) -> bool {
    category
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| w.eq_ignore_ascii_case("labor") || w.eq_ignore_ascii_case("labour"))
}

impl Store {
    /// Upserts one page of products in one transaction.
    pub fn upsert_products(&mut self, products: &[Product]) -> StoreResult<()> {
        self.write(|tx| products.iter().try_for_each(|p| upsert_product(tx, p)))
    }

    /// Removes products the server no longer has.
    pub fn delete_products(&mut self, ids: &[i64]) -> StoreResult<usize> {
        self.write(|tx| {
            let mut n = 0;
            for id in ids {
                n += tx.execute("DELETE FROM products WHERE id = ?1", [id])?;
            }
            Ok(n)
        })
    }

    /// Every product id in the cache, ascending.
    pub fn product_ids(&self) -> StoreResult<Vec<i64>> {
        let mut stmt = self.conn.prepare("SELECT id FROM products ORDER BY id")?;
        let ids = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    pub fn product(&self, id: i64) -> StoreResult<Option<ProductRow>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM products WHERE id = ?1"),
                [id],
                ProductRow::from_row,
            )
            .optional()?)
    }

    /// Every cached product (retired ones included), by name.
    pub fn products(&self) -> StoreResult<Vec<ProductRow>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM products ORDER BY name COLLATE NOCASE, id"
        ))?;
        let rows = stmt
            .query_map([], ProductRow::from_row)?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// How many products the cache holds.
    pub fn product_count(&self) -> StoreResult<i64> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*) FROM products", [], |r| r.get(0))?)
    }
}

fn upsert_product(tx: &Transaction<'_>, p: &Product) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO products (id, name, description, product_category, category_path,
                               price_retail_cents, price_cost_cents, taxable, disabled, upc_code, raw)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT(id) DO UPDATE SET
             name = excluded.name, description = excluded.description,
             product_category = excluded.product_category, category_path = excluded.category_path,
             price_retail_cents = excluded.price_retail_cents,
             price_cost_cents = excluded.price_cost_cents, taxable = excluded.taxable,
             disabled = excluded.disabled, upc_code = excluded.upc_code, raw = excluded.raw",
    )?
    .execute(params![
        p.id,
        p.name,
        p.description,
        p.product_category,
        p.category_path,
        p.price_retail_cents,
        p.price_cost_cents,
        p.taxable,
        p.disabled,
        p.upc_code,
        p.raw.to_string()
    ])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn product(v: serde_json::Value) -> Product {
        Product::from_json(&v).expect("a product")
    }

    fn store() -> Result<(tempfile::TempDir, Store), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let store = Store::open(dir.path().join("cache.db"))?;
        Ok((dir, store))
    }

    #[test]
    fn upsert_stores_typed_fields_and_the_raw_json_and_updates_in_place() -> TestResult {
        let (_dir, mut s) = store()?;
        s.upsert_products(&[
            product(
                json!({"id": 9001, "name": "Labor - Remote", "price_retail": 125.0,
                           "product_category": "Labor", "taxable": false, "disabled": false,
                           "photos": []}),
            ),
            product(json!({"id": 9101, "name": "m365", "price_retail": "12.5",
                           "product_category": null, "category_path": "Licensing"})),
        ])?;
        assert_eq!(s.product_count()?, 2);
        let remote = s.product(9001)?.ok_or("9001 cached")?;
        assert_eq!(
            (
                remote.price_retail_cents,
                remote.category(),
                remote.is_labor()
            ),
            (Some(12500), Some("Labor"), true)
        );
        let m365 = s.product(9101)?.ok_or("9101 cached")?;
        assert_eq!(
            (m365.category(), m365.is_labor()),
            (Some("Licensing"), false)
        );
        let raw: String =
            s.conn
                .query_row("SELECT raw FROM products WHERE id = 9001", [], |r| r.get(0))?;
        assert!(raw.contains("\"photos\""), "{raw}");

        // Retired in the web UI: the same row, flagged.
        s.upsert_products(&[product(json!({"id": 9001, "name": "Labor - Remote (old)",
                                            "price_retail": null, "disabled": "true"}))])?;
        let remote = s.product(9001)?.ok_or("9001 cached")?;
        assert_eq!(
            (
                remote.name.as_str(),
                remote.disabled,
                remote.price_retail_cents,
                remote.category()
            ),
            ("Labor - Remote (old)", true, None, None)
        );
        assert_eq!(s.product_count()?, 2);
        Ok(())
    }

    #[test]
    fn lists_by_name_and_deletes_what_the_server_no_longer_has() -> TestResult {
        let (_dir, mut s) = store()?;
        s.upsert_products(&[
            product(json!({"id": 3, "name": "zeta"})),
            product(json!({"id": 1, "name": "Alpha"})),
            product(json!({"id": 2, "name": "beta"})),
        ])?;
        let names: Vec<String> = s.products()?.into_iter().map(|p| p.name).collect();
        assert_eq!(names, ["Alpha", "beta", "zeta"]);
        assert_eq!(s.product_ids()?, [1, 2, 3]);
        assert_eq!(s.delete_products(&[2, 42])?, 1);
        assert_eq!(s.product_ids()?, [1, 3]);
        assert_eq!(s.product(2)?, None);
        Ok(())
    }

    #[test]
    fn labor_categories_are_recognised_by_word() {
        for yes in [
            "Labor",
            "labor",
            "LABOUR",
            "Services > Labor",
            "Remote labor",
            "Labor/Onsite",
        ] {
            assert!(is_labor_category(yes), "{yes}");
        }
        for no in ["", "Laboratory supplies", "Hardware", "Collaboration"] {
            assert!(!is_labor_category(no), "{no}");
        }
    }
}
