//! `syncro invoices` and `syncro invoice NUMBER`.

use std::process::ExitCode;

use anyhow::Result;
use syncro_store::InvoiceRow;

use crate::args::InvoicesArgs;
use crate::context::{ticket_number, Cache, Ctx, LazyStore};
use crate::read::invoices::{self, InvoicesQuery};
use crate::render::{self, Style};

pub fn invoice_table(invoices: &[InvoiceRow], style: Style) -> String {
    let rows = invoices
        .iter()
        .map(|i| {
            vec![
                format!("#{}", i.number),
                render::date(i.date.as_deref()),
                i.customer_name.clone(),
                i.ticket_number
                    .map(|n| format!("#{n}"))
                    .unwrap_or_else(|| "-".into()),
                render::money(i.total_cents),
                if i.is_paid { "paid" } else { "unpaid" }.into(),
            ]
        })
        .collect();
    render::table(
        &["NUMBER", "DATE", "CUSTOMER", "TICKET", "TOTAL", "PAID"],
        rows,
        &[4],
        style,
    )
}

pub fn list(ctx: &Ctx, args: InvoicesArgs) -> Result<ExitCode> {
    let cache = LazyStore::new(ctx);
    let ticket = match args.ticket {
        Some(r) => Some(ticket_number(cache.store()?, r)?),
        None => None,
    };
    let query = InvoicesQuery {
        ticket,
        unpaid: args.unpaid,
        customer: args.customer,
        limit: args.limit,
    };
    let list = invoices::list(ctx, &cache, &query)?;
    if ctx.json {
        render::print_json(&list)?;
        return Ok(ExitCode::SUCCESS);
    }
    if list.invoices.is_empty() {
        render::note("no invoices match");
    } else {
        render::print(&invoice_table(&list.invoices, ctx.style))?;
    }
    list.freshness.note(ctx);
    Ok(ExitCode::SUCCESS)
}

pub fn show(ctx: &Ctx, number: &str) -> Result<ExitCode> {
    let answer = invoices::show(ctx, &LazyStore::new(ctx), number)?;
    if ctx.json {
        render::print_json(&answer)?;
        return Ok(ExitCode::SUCCESS);
    }
    let detail = &answer.detail;
    let style = ctx.style;
    let i = &detail.invoice;
    let mut out = format!(
        "{}  {}\n",
        style.bold(&format!("Invoice #{}", i.number)),
        if i.is_paid {
            style.green("paid")
        } else {
            style.yellow("unpaid")
        }
    );
    let ticket = match (i.ticket_number, i.ticket_id) {
        (Some(n), _) => format!("#{n}"),
        (None, Some(id)) => format!("id {id} (not cached)"),
        (None, None) => "-".into(),
    };
    let customer = match i.customer_id {
        Some(id) => format!("{} (id {id})", i.customer_name),
        None => i.customer_name.clone(),
    };
    for (k, v) in [
        ("customer", customer),
        ("ticket", ticket),
        ("date", render::date(i.date.as_deref())),
        ("due", render::date(i.due_date.as_deref())),
        ("subtotal", render::money(i.subtotal_cents)),
        ("tax", render::money(i.tax_cents)),
        ("total", render::money(i.total_cents)),
    ] {
        out.push_str(&format!("  {k:<9} {v}\n"));
    }
    out.push_str(&format!("\n{}\n", style.bold("Line items")));
    if !detail.lines_synced {
        out.push_str(&format!(
            "  {}\n",
            style.yellow("not fetched yet: syncrod fetches them in the background")
        ));
    } else if detail.line_items.is_empty() {
        out.push_str("  none\n");
    } else {
        let rows = detail
            .line_items
            .iter()
            .map(|l| {
                vec![
                    l.id.to_string(),
                    render::one_line(l.item.as_deref().unwrap_or("")),
                    render::truncate(&render::one_line(l.name.as_deref().unwrap_or("")), 40),
                    render::qty(l.quantity),
                    render::money(l.price_cents),
                    render::money((l.quantity * l.price_cents as f64).round() as i64),
                ]
            })
            .collect();
        for line in render::table(
            &["ID", "ITEM", "NAME", "QTY", "PRICE", "TOTAL"],
            rows,
            &[3, 4, 5],
            style,
        )
        .lines()
        {
            out.push_str(&format!("  {line}\n"));
        }
    }
    render::print(&out)?;
    answer.freshness.note(ctx);
    Ok(ExitCode::SUCCESS)
}
