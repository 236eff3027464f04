//! `syncro labor`: the configured labor types next to the products the
//! cache knows, so a wrong or retired product id shows before a bill goes
//! out. Exits 1 when a labor type's product is unknown or retired.

use std::process::ExitCode;

use anyhow::Result;
use syncro_store::ProductRow;

use crate::context::{Ctx, LazyStore};
use crate::read::labor::{self, LaborAnswer, LaborCheck};
use crate::render::{self, Style};

pub fn run(ctx: &Ctx) -> Result<ExitCode> {
    let answer = labor::query(ctx, &LazyStore::new(ctx))?;
    let code = if answer.problems > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    };
    if ctx.json {
        render::print_json(&answer)?;
        return Ok(code);
    }
    let style = ctx.style;
    let mut out = String::new();
    if answer.labor_types.is_empty() {
        render::note(&format!(
            "no labor types configured: add e.g. [labor.remote] with product_id and rate to {}",
            ctx.config.origin
        ));
    } else {
        out.push_str(&labor_table(&answer, style));
    }
    if !answer.unused_labor_products.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&format!(
            "{}\n",
            style.bold("Labor products no labor type uses")
        ));
        out.push_str(&product_table(&answer.unused_labor_products, style));
    }
    render::print(&out)?;
    if !answer.products_mirrored {
        render::note(&ctx.err_style.yellow(
            "the products were never mirrored, so nothing is checked: syncrod lists them after \
             the open tickets on its next pass (or run `syncrod once`)",
        ));
    }
    if answer.problems > 0 {
        render::note(&ctx.err_style.red(&format!(
            "{} labor type(s) would bill an unknown or retired product: fix their product_id in {}",
            answer.problems, ctx.config.origin
        )));
    }
    answer.freshness.note(ctx);
    Ok(code)
}

fn labor_table(answer: &LaborAnswer, style: Style) -> String {
    let rows = answer
        .labor_types
        .iter()
        .map(|t| {
            let p = t.product.as_ref();
            let check = match (t.check, t.problem.as_deref()) {
                (LaborCheck::Ok, _) | (_, None) => style.green("ok"),
                (c, Some(problem)) if c.is_problem() => style.red(problem),
                (_, Some(problem)) => style.yellow(problem),
            };
            vec![
                t.labor.clone(),
                t.product_id.to_string(),
                render::dollars(t.rate),
                p.map(|p| p.name.clone()).unwrap_or_else(|| "-".into()),
                p.and_then(ProductRow::category).unwrap_or("-").to_string(),
                retail(p),
                check,
            ]
        })
        .collect();
    render::table(
        &[
            "LABOR", "PRODUCT", "RATE/H", "NAME", "CATEGORY", "RETAIL", "CHECK",
        ],
        rows,
        &[1, 2, 5],
        style,
    )
}

fn product_table(products: &[ProductRow], style: Style) -> String {
    let rows = products
        .iter()
        .map(|p| {
            vec![
                p.id.to_string(),
                p.name.clone(),
                p.category().unwrap_or("-").to_string(),
                retail(Some(p)),
            ]
        })
        .collect();
    render::table(
        &["PRODUCT", "NAME", "CATEGORY", "RETAIL"],
        rows,
        &[0, 3],
        style,
    )
}

fn retail(p: Option<&ProductRow>) -> String {
    p.and_then(|p| p.price_retail_cents)
        .map(render::money)
        .unwrap_or_else(|| "-".into())
}
