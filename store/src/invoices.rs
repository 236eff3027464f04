//! Invoices and their line items in the cache.

use rusqlite::{params, OptionalExtension, Row, Transaction};
use serde::Serialize;

use crate::error::StoreResult;
use crate::model::{Invoice, InvoiceWithLines};
use crate::Store;

/// An invoice as lists and `--json` show it (API field names; money in
/// cents alongside).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct InvoiceRow {
    pub id: i64,
    pub number: String,
    pub customer_id: Option<i64>,
    #[serde(rename = "customer_business_then_name")]
    pub customer_name: String,
    pub ticket_id: Option<i64>,
    /// The ticket's number, when the ticket is cached.
    pub ticket_number: Option<i64>,
    pub date: Option<String>,
    pub due_date: Option<String>,
    pub subtotal_cents: i64,
    pub tax_cents: i64,
    pub total_cents: i64,
    pub is_paid: bool,
    pub updated_at: Option<String>,
}

const COLUMNS: &str = "i.id, i.number, i.customer_id, i.customer_name, i.ticket_id, \
     (SELECT t.number FROM tickets t WHERE t.id = i.ticket_id), i.date, i.due_date, \
     i.subtotal_cents, i.tax_cents, i.total_cents, i.is_paid, i.updated_at";

impl InvoiceRow {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(InvoiceRow {
            id: r.get(0)?,
            number: r.get(1)?,
            customer_id: r.get(2)?,
            customer_name: r.get(3)?,
            ticket_id: r.get(4)?,
            ticket_number: r.get(5)?,
            date: r.get(6)?,
            due_date: r.get(7)?,
            subtotal_cents: r.get(8)?,
            tax_cents: r.get(9)?,
            total_cents: r.get(10)?,
            is_paid: r.get(11)?,
            updated_at: r.get(12)?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct InvoiceLineRow {
    pub id: i64,
    pub invoice_id: i64,
    pub product_id: Option<i64>,
    pub item: Option<String>,
    pub name: Option<String>,
    pub quantity: f64,
    pub price_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct InvoiceDetail {
    #[serde(flatten)]
    pub invoice: InvoiceRow,
    pub line_items: Vec<InvoiceLineRow>,
    /// False when only the list payload has been seen (lines not fetched).
    pub lines_synced: bool,
}

#[derive(Debug, Clone, Default)]
pub struct InvoiceFilter {
    pub ticket_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub unpaid_only: bool,
    pub limit: Option<usize>,
}

impl Store {
    /// Upserts one page of the invoice list (no line items) in one transaction.
    pub fn upsert_invoices(&mut self, invoices: &[Invoice]) -> StoreResult<()> {
        self.write(|tx| invoices.iter().try_for_each(|i| upsert_invoice(tx, i)))
    }

    /// Stores an invoice with its line items, replacing the cached lines.
    pub fn upsert_invoice_detail(&mut self, detail: &InvoiceWithLines) -> StoreResult<()> {
        self.write(|tx| store_detail(tx, detail))
    }

    pub fn upsert_invoice_details(&mut self, details: &[InvoiceWithLines]) -> StoreResult<()> {
        self.write(|tx| details.iter().try_for_each(|d| store_detail(tx, d)))
    }

    pub fn delete_invoices(&mut self, ids: &[i64]) -> StoreResult<usize> {
        self.write(|tx| {
            let mut n = 0;
            for id in ids {
                n += tx.execute("DELETE FROM invoices WHERE id = ?1", [id])?;
            }
            Ok(n)
        })
    }

    pub fn invoice_ids(&self) -> StoreResult<Vec<i64>> {
        let mut stmt = self.conn.prepare("SELECT id FROM invoices ORDER BY id")?;
        let ids = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// Invoices whose line items are missing or older than the invoice.
    pub fn invoices_needing_lines(&self, limit: usize) -> StoreResult<Vec<i64>> {
        let mut stmt = self.conn.prepare(
            "SELECT id FROM invoices
             WHERE lines_updated_at IS NULL OR lines_updated_at <> COALESCE(updated_at, '')
             ORDER BY updated_at DESC LIMIT ?1",
        )?;
        let ids = stmt
            .query_map([limit as i64], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    pub fn invoices_needing_lines_count(&self) -> StoreResult<i64> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM invoices WHERE lines_updated_at IS NULL OR lines_updated_at <> COALESCE(updated_at, '')",
            [],
            |r| r.get(0),
        )?)
    }

    /// Invoices, newest first.
    pub fn invoices(&self, filter: &InvoiceFilter) -> StoreResult<Vec<InvoiceRow>> {
        let mut sql = format!("SELECT {COLUMNS} FROM invoices i WHERE 1=1");
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        if let Some(t) = filter.ticket_id {
            sql += " AND i.ticket_id = ?";
            args.push(t.into());
        }
        if let Some(c) = filter.customer_id {
            sql += " AND i.customer_id = ?";
            args.push(c.into());
        }
        if filter.unpaid_only {
            sql += " AND i.is_paid = 0";
        }
        sql += " ORDER BY i.date DESC, i.id DESC";
        if let Some(limit) = filter.limit {
            sql += &format!(" LIMIT {limit}");
        }
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(args), InvoiceRow::from_row)?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    pub(crate) fn invoices_for_ticket(&self, ticket_id: i64) -> StoreResult<Vec<InvoiceRow>> {
        self.invoices(&InvoiceFilter {
            ticket_id: Some(ticket_id),
            ..Default::default()
        })
    }

    /// One invoice by its number (what people say) or, failing that, its id.
    pub fn invoice_detail(&self, number_or_id: &str) -> StoreResult<Option<InvoiceDetail>> {
        let by_number = self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM invoices i WHERE i.number = ?1 ORDER BY i.id DESC LIMIT 1"),
                [number_or_id],
                InvoiceRow::from_row,
            )
            .optional()?;
        let invoice = match (by_number, number_or_id.parse::<i64>()) {
            (Some(i), _) => Some(i),
            (None, Ok(id)) => self
                .conn
                .query_row(
                    &format!("SELECT {COLUMNS} FROM invoices i WHERE i.id = ?1"),
                    [id],
                    InvoiceRow::from_row,
                )
                .optional()?,
            (None, Err(_)) => None,
        };
        let Some(invoice) = invoice else {
            return Ok(None);
        };
        let lines_synced: bool = self.conn.query_row(
            "SELECT lines_updated_at IS NOT NULL FROM invoices WHERE id = ?1",
            [invoice.id],
            |r| r.get(0),
        )?;
        let mut stmt = self.conn.prepare(
            "SELECT id, invoice_id, product_id, item, name, quantity, price_cents
             FROM invoice_line_items WHERE invoice_id = ?1 ORDER BY id",
        )?;
        let line_items = stmt
            .query_map([invoice.id], |r| {
                Ok(InvoiceLineRow {
                    id: r.get(0)?,
                    invoice_id: r.get(1)?,
                    product_id: r.get(2)?,
                    item: r.get(3)?,
                    name: r.get(4)?,
                    quantity: r.get(5)?,
                    price_cents: r.get(6)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(Some(InvoiceDetail {
            invoice,
            line_items,
            lines_synced,
        }))
    }
}

fn store_detail(tx: &Transaction<'_>, d: &InvoiceWithLines) -> StoreResult<()> {
    upsert_invoice(tx, &d.invoice)?;
    let keep = serde_json::to_string(&d.lines.iter().map(|l| l.id).collect::<Vec<_>>())?;
    tx.execute(
        "DELETE FROM invoice_line_items WHERE invoice_id = ?1 AND id NOT IN (SELECT value FROM json_each(?2))",
        params![d.invoice.id, keep],
    )?;
    for l in &d.lines {
        tx.prepare_cached(
            "INSERT INTO invoice_line_items (id, invoice_id, product_id, item, name, quantity, price_cents,
                                             cost_cents, taxable, created_at, updated_at, raw)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
             ON CONFLICT(id) DO UPDATE SET
                 invoice_id = excluded.invoice_id, product_id = excluded.product_id, item = excluded.item,
                 name = excluded.name, quantity = excluded.quantity, price_cents = excluded.price_cents,
                 cost_cents = excluded.cost_cents, taxable = excluded.taxable,
                 created_at = excluded.created_at, updated_at = excluded.updated_at, raw = excluded.raw",
        )?
        .execute(params![
            l.id,
            l.invoice_id,
            l.product_id,
            l.item,
            l.name,
            l.quantity,
            l.price_cents,
            l.cost_cents,
            l.taxable,
            l.created_at,
            l.updated_at,
            l.raw.to_string()
        ])?;
    }
    tx.execute(
        "UPDATE invoices SET lines_updated_at = COALESCE(updated_at, '') WHERE id = ?1",
        [d.invoice.id],
    )?;
    Ok(())
}

fn upsert_invoice(tx: &Transaction<'_>, i: &Invoice) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO invoices (id, number, customer_id, customer_name, ticket_id, date, due_date, subtotal_cents,
                               tax_cents, total_cents, is_paid, verified_paid, tech_marked_paid, created_at,
                               updated_at, raw)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
         ON CONFLICT(id) DO UPDATE SET
             number = excluded.number, customer_id = excluded.customer_id,
             customer_name = excluded.customer_name, ticket_id = excluded.ticket_id, date = excluded.date,
             due_date = excluded.due_date, subtotal_cents = excluded.subtotal_cents,
             tax_cents = excluded.tax_cents, total_cents = excluded.total_cents, is_paid = excluded.is_paid,
             verified_paid = excluded.verified_paid, tech_marked_paid = excluded.tech_marked_paid,
             created_at = excluded.created_at, updated_at = excluded.updated_at,
             raw = json_patch(raw, excluded.raw)",
    )?
    .execute(params![
        i.id,
        i.number,
        i.customer_id,
        i.customer_name,
        i.ticket_id,
        i.date,
        i.due_date,
        i.subtotal_cents,
        i.tax_cents,
        i.total_cents,
        i.is_paid,
        i.verified_paid,
        i.tech_marked_paid,
        i.created_at,
        i.updated_at,
        i.raw.to_string()
    ])?;
    Ok(())
}
