//! Customers in the cache.

use rusqlite::{params, OptionalExtension, Row, Transaction};
use serde::Serialize;

use crate::error::StoreResult;
use crate::model::Customer;
use crate::Store;

/// A customer as lists and `--json` show it (API field names).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct CustomerRow {
    pub id: i64,
    pub business_then_name: String,
    pub business_name: Option<String>,
    pub fullname: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub mobile: Option<String>,
    pub disabled: bool,
    pub updated_at: Option<String>,
}

const COLUMNS: &str =
    "id, business_then_name, business_name, fullname, email, phone, mobile, disabled, updated_at";

impl CustomerRow {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(CustomerRow {
            id: r.get(0)?,
            business_then_name: r.get(1)?,
            business_name: r.get(2)?,
            fullname: r.get(3)?,
            email: r.get(4)?,
            phone: r.get(5)?,
            mobile: r.get(6)?,
            disabled: r.get(7)?,
            updated_at: r.get(8)?,
        })
    }
}

impl Store {
    /// Upserts one page of customers in one transaction.
    pub fn upsert_customers(&mut self, customers: &[Customer]) -> StoreResult<()> {
        self.write(|tx| customers.iter().try_for_each(|c| upsert_customer(tx, c)))
    }

    /// Removes customers the server no longer has.
    pub fn delete_customers(&mut self, ids: &[i64]) -> StoreResult<usize> {
        self.write(|tx| {
            let mut n = 0;
            for id in ids {
                n += tx.execute("DELETE FROM customers WHERE id = ?1", [id])?;
            }
            Ok(n)
        })
    }

    /// Every customer id in the cache, ascending.
    pub fn customer_ids(&self) -> StoreResult<Vec<i64>> {
        let mut stmt = self.conn.prepare("SELECT id FROM customers ORDER BY id")?;
        let ids = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// Customers whose name, business, email or phone contains `query`
    /// (case-insensitive), by name. Disabled customers only when asked.
    pub fn customers(
        &self,
        query: Option<&str>,
        include_disabled: bool,
    ) -> StoreResult<Vec<CustomerRow>> {
        let pattern = format!("%{}%", query.unwrap_or("").trim().replace(['%', '_'], ""));
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM customers
             WHERE (?1 OR disabled = 0)
               AND (business_then_name LIKE ?2 OR COALESCE(fullname, '') LIKE ?2
                    OR COALESCE(email, '') LIKE ?2 OR COALESCE(phone, '') LIKE ?2)
             ORDER BY business_then_name COLLATE NOCASE, id"
        ))?;
        let rows = stmt
            .query_map(params![include_disabled, pattern], CustomerRow::from_row)?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    pub fn customer(&self, id: i64) -> StoreResult<Option<CustomerRow>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM customers WHERE id = ?1"),
                [id],
                CustomerRow::from_row,
            )
            .optional()?)
    }

    /// The newest `updated_at` among cached customers.
    pub fn customers_max_updated_at(&self) -> StoreResult<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT MAX(updated_at) FROM customers", [], |r| r.get(0))?)
    }
}

pub(crate) fn upsert_customer(tx: &Transaction<'_>, c: &Customer) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO customers (id, firstname, lastname, fullname, business_name, business_then_name, email,
                                phone, mobile, disabled, created_at, updated_at, raw)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT(id) DO UPDATE SET
             firstname = excluded.firstname, lastname = excluded.lastname, fullname = excluded.fullname,
             business_name = excluded.business_name, business_then_name = excluded.business_then_name,
             email = excluded.email, phone = excluded.phone, mobile = excluded.mobile,
             disabled = excluded.disabled, created_at = excluded.created_at,
             updated_at = excluded.updated_at, raw = json_patch(raw, excluded.raw)",
    )?
    .execute(params![
        c.id,
        c.firstname,
        c.lastname,
        c.fullname,
        c.business_name,
        c.business_then_name,
        c.email,
        c.phone,
        c.mobile,
        c.disabled,
        c.created_at,
        c.updated_at,
        c.raw.to_string()
    ])?;
    Ok(())
}
