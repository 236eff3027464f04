//! `syncro customers [QUERY]` and `syncro customer ID|NAME`.

use std::process::ExitCode;

use anyhow::Result;
use syncro_store::CustomerRow;

use crate::args::{CustomerArgs, CustomersArgs};
use crate::context::{Ctx, LazyStore};
use crate::read::customers::{self, CustomersQuery};
use crate::render::{self, Style};

pub fn list(ctx: &Ctx, args: CustomersArgs) -> Result<ExitCode> {
    let query = CustomersQuery {
        query: args.query,
        all: args.all,
        limit: None,
    };
    let list = customers::list(ctx, &LazyStore::new(ctx), &query)?;
    if ctx.json {
        render::print_json(&list)?;
        return Ok(ExitCode::SUCCESS);
    }
    if list.customers.is_empty() {
        render::note(match &query.query {
            Some(_) => "no customers match",
            None => "no customers in the cache",
        });
    } else {
        render::print(&customer_table(&list.customers, ctx.style))?;
    }
    list.freshness.note(ctx);
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

pub fn show(ctx: &Ctx, args: CustomerArgs) -> Result<ExitCode> {
    let answer = customers::show(ctx, &LazyStore::new(ctx), &args.who)?;
    if ctx.json {
        render::print_json(&answer)?;
        return Ok(ExitCode::SUCCESS);
    }
    let (customer, tickets, invoices) = (&answer.customer, &answer.tickets, &answer.invoices);
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
    let rows: Vec<_> = tickets
        .iter()
        .map(|t| (&t.ticket, t.pending_writes))
        .collect();
    for line in render::ticket::lines(&rows, style) {
        out.push_str(&format!("  {line}\n"));
    }
    out.push_str(&format!("\n{}\n", style.bold("Unpaid invoices")));
    if invoices.is_empty() {
        out.push_str("  none\n");
    } else {
        let total: i64 = invoices.iter().map(|i| i.total_cents).sum();
        for line in super::invoices::invoice_table(invoices, style).lines() {
            out.push_str(&format!("  {line}\n"));
        }
        out.push_str(&format!("  total due {}\n", render::money(total)));
    }
    render::print(&out)?;
    answer.freshness.note(ctx);
    Ok(ExitCode::SUCCESS)
}
