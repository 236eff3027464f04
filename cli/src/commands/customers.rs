//! `syncro customers [QUERY]` and `syncro customer ID|NAME`.

use std::process::ExitCode;

use anyhow::Result;
use serde::Serialize;
use syncro_store::{CustomerRow, InvoiceFilter, InvoiceRow, TicketFilter, TicketRow};

use crate::args::{CustomerArgs, CustomersArgs};
use crate::context::{resolve_customer, Ctx};
use crate::render::{self, Style};

pub fn list(ctx: &Ctx, args: CustomersArgs) -> Result<ExitCode> {
    let store = ctx.store()?;
    let customers = store.customers(args.query.as_deref(), args.all)?;
    if ctx.json {
        render::print_json(&customers)?;
        return Ok(ExitCode::SUCCESS);
    }
    if customers.is_empty() {
        render::note(match &args.query {
            Some(_) => "no customers match",
            None => "no customers in the cache",
        });
        return Ok(ExitCode::SUCCESS);
    }
    render::print(&customer_table(&customers, ctx.style))?;
    Ok(ExitCode::SUCCESS)
}

fn customer_table(customers: &[CustomerRow], style: Style) -> String {
    let rows = customers
        .iter()
        .map(|c| {
            let mut name = c.business_then_name.clone();
            if c.disabled {
                name.push_str(" (disabled)");
            }
            let contact = match (&c.business_name, &c.fullname) {
                (Some(_), Some(f)) => f.clone(),
                _ => String::new(),
            };
            vec![
                c.id.to_string(),
                name,
                contact,
                c.email.clone().unwrap_or_default(),
                c.phone
                    .clone()
                    .or_else(|| c.mobile.clone())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    render::table(
        &["ID", "NAME", "CONTACT", "EMAIL", "PHONE"],
        rows,
        &[0],
        style,
    )
}

#[derive(Serialize)]
struct CustomerJson<'a> {
    #[serde(flatten)]
    customer: &'a CustomerRow,
    /// Open tickets, newest first.
    tickets: &'a [TicketRow],
    /// Unpaid invoices, newest first.
    invoices: &'a [InvoiceRow],
}

pub fn show(ctx: &Ctx, args: CustomerArgs) -> Result<ExitCode> {
    let store = ctx.store()?;
    let customer = resolve_customer(&store, &args.who, true)?;
    let tickets = store.tickets(&TicketFilter {
        customer_id: Some(customer.id),
        ..Default::default()
    })?;
    let invoices = store.invoices(&InvoiceFilter {
        customer_id: Some(customer.id),
        unpaid_only: true,
        ..Default::default()
    })?;
    if ctx.json {
        render::print_json(&CustomerJson {
            customer: &customer,
            tickets: &tickets,
            invoices: &invoices,
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    let style = ctx.style;
    let mut out = format!(
        "{}  {}{}\n",
        style.bold(&customer.id.to_string()),
        style.bold(&customer.business_then_name),
        if customer.disabled { " (disabled)" } else { "" }
    );
    let fields = [
        ("contact", customer.fullname.as_deref()),
        ("email", customer.email.as_deref()),
        ("phone", customer.phone.as_deref()),
        ("mobile", customer.mobile.as_deref()),
    ];
    for (k, v) in fields {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            out.push_str(&format!("  {k:<8} {v}\n"));
        }
    }
    out.push_str(&format!("\n{}\n", style.bold("Open tickets")));
    if tickets.is_empty() {
        out.push_str("  none\n");
    }
    let rows: Vec<_> = tickets.iter().collect();
    for line in render::ticket_lines(&rows, style) {
        out.push_str(&format!("  {line}\n"));
    }
    out.push_str(&format!("\n{}\n", style.bold("Unpaid invoices")));
    if invoices.is_empty() {
        out.push_str("  none\n");
    } else {
        let total: i64 = invoices.iter().map(|i| i.total_cents).sum();
        for line in super::invoices::invoice_table(&invoices, style).lines() {
            out.push_str(&format!("  {line}\n"));
        }
        out.push_str(&format!("  total due {}\n", render::money(total)));
    }
    render::print(&out)?;
    Ok(ExitCode::SUCCESS)
}
