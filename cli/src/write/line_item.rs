//! `syncro line-item add|update|remove`: a ticket's line items.

use anyhow::{bail, Result};
use clap::{ArgGroup, Args, Subcommand};
use schemars::JsonSchema;
use serde::Deserialize;
use syncro_store::outbox::{Command, LineItemWrite};
use syncro_store::Store;

use super::input::{cents, check_price, check_quantity, nonempty};
use super::plan::Plan;
use crate::context::{resolve_target, usage, Cache, Ctx, Target};
use crate::render;
use crate::ticket_ref::TicketRef;

/// A line item change: the subcommands of `syncro line-item` and the
/// `action` of the `queue_line_item` tool.
#[derive(Debug, Clone, Subcommand, Deserialize, JsonSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum LineItemInput {
    /// Queue a new line item
    Add(LineItemAddInput),
    /// Queue changes to a line item
    Update(LineItemUpdateInput),
    /// Queue removing a line item
    Remove(LineItemRemoveInput),
}

/// A new line item.
#[derive(Debug, Clone, Args, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LineItemAddInput {
    /// Ticket: 32164, #32164, or @ID
    #[serde(rename = "number")]
    pub ticket: TicketRef,
    #[arg(long)]
    pub name: String,
    #[arg(long)]
    pub description: String,
    /// Hours for labor
    #[arg(long, allow_negative_numbers = true, value_name = "Q")]
    pub quantity: f64,
    /// Unit price in dollars
    #[arg(long, allow_negative_numbers = true, value_name = "P")]
    pub price: f64,
    #[arg(long, value_name = "ID")]
    #[serde(rename = "product_id")]
    pub product: Option<i64>,
}

/// Changes to a line item; at least one of the fields.
#[derive(Debug, Clone, Args, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[command(group(ArgGroup::new("change").required(true).multiple(true)
    .args(["quantity", "price", "name", "description"])))]
pub struct LineItemUpdateInput {
    /// Ticket: 32164, #32164, or @ID
    #[serde(rename = "number")]
    pub ticket: TicketRef,
    /// From the ticket
    #[serde(rename = "line_item_id")]
    pub line_id: i64,
    #[arg(long, allow_negative_numbers = true, value_name = "Q")]
    pub quantity: Option<f64>,
    #[arg(long, allow_negative_numbers = true, value_name = "P")]
    pub price: Option<f64>,
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub description: Option<String>,
}

/// Removing a line item.
#[derive(Debug, Clone, Args, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LineItemRemoveInput {
    /// Ticket: 32164, #32164, or @ID
    #[serde(rename = "number")]
    pub ticket: TicketRef,
    /// From the ticket
    #[serde(rename = "line_item_id")]
    pub line_id: i64,
}

/// Checks a line item change and plans it.
pub fn plan(ctx: &Ctx, cache: &impl Cache, input: LineItemInput) -> Result<Plan> {
    match input {
        LineItemInput::Add(a) => plan_add(ctx, cache, a),
        LineItemInput::Update(a) => plan_update(ctx, cache, a),
        LineItemInput::Remove(a) => plan_remove(ctx, cache, a),
    }
}

/// Checks a new line item and plans it.
pub fn plan_add(_ctx: &Ctx, cache: &impl Cache, input: LineItemAddInput) -> Result<Plan> {
    let name = nonempty(&input.name, "name")?;
    let description = nonempty(&input.description, "description")?;
    let quantity = check_quantity(input.quantity)?;
    let price = check_price(input.price)?;
    if let Some(p) = input.product.filter(|p| *p <= 0) {
        bail!("--product must be a positive product id, not {p}");
    }
    let target = resolve_target(cache.store()?, input.ticket)?;
    let total = (quantity * cents(price) as f64).round() as i64;
    let preview = format!(
        "line item \"{name}\": {} x {} = {}{}\ndescription: {description}",
        render::qty(quantity),
        render::dollars(price),
        render::money(total),
        input
            .product
            .map(|p| format!(" (product {p})"))
            .unwrap_or_default()
    );
    let item = target.item(Command::LineItem(LineItemWrite::Add {
        product_id: input.product,
        name,
        description,
        quantity,
        price_retail: price,
    }));
    Ok(Plan::single(
        format!("Add to {}", target.label),
        &target,
        item,
        preview,
    ))
}

/// Checks changes to a line item and plans them.
pub fn plan_update(_ctx: &Ctx, cache: &impl Cache, input: LineItemUpdateInput) -> Result<Plan> {
    if input.quantity.is_none()
        && input.price.is_none()
        && input.name.is_none()
        && input.description.is_none()
    {
        // The CLI's argument parser already insists on one.
        return Err(usage(
            "give --quantity, --price, --name and/or --description",
        ));
    }
    let quantity = input.quantity.map(check_quantity).transpose()?;
    let price = input.price.map(check_price).transpose()?;
    let name = input
        .name
        .as_deref()
        .map(|n| nonempty(n, "name"))
        .transpose()?;
    let description = input
        .description
        .as_deref()
        .map(|d| nonempty(d, "description"))
        .transpose()?;
    let store = cache.store()?;
    let target = resolve_target(store, input.ticket)?;
    let converted = cached_line(store, &target, input.line_id)?;
    let mut preview = vec![format!("update line item {}", input.line_id)];
    if let Some(q) = quantity {
        preview.push(format!("quantity -> {}", render::qty(q)));
    }
    if let Some(p) = price {
        preview.push(format!("price -> {}", render::dollars(p)));
    }
    if let Some(n) = &name {
        preview.push(format!("name -> {n}"));
    }
    if let Some(d) = &description {
        preview.push(format!("description -> {d}"));
    }
    let item = target.item(Command::LineItem(LineItemWrite::Update {
        line_item_id: input.line_id,
        quantity,
        price_retail: price,
        name,
        description,
    }));
    let mut plan = Plan::single(
        format!("Change {}", target.label),
        &target,
        item,
        preview.join("\n"),
    );
    if converted {
        plan.warnings.push(format!(
            "line item {} is already invoiced; changing it does not change the invoice",
            input.line_id
        ));
    }
    Ok(plan)
}

/// Checks removing a line item and plans it.
pub fn plan_remove(_ctx: &Ctx, cache: &impl Cache, input: LineItemRemoveInput) -> Result<Plan> {
    let store = cache.store()?;
    let target = resolve_target(store, input.ticket)?;
    let converted = cached_line(store, &target, input.line_id)?;
    let item = target.item(Command::LineItem(LineItemWrite::Remove {
        line_item_id: input.line_id,
    }));
    let mut plan = Plan::single(
        format!("Change {}", target.label),
        &target,
        item,
        format!("remove line item {}", input.line_id),
    );
    if converted {
        plan.warnings.push(format!(
            "line item {} is already invoiced; removing it does not change the invoice",
            input.line_id
        ));
    }
    Ok(plan)
}

/// A line item of the target ticket, from the cache: is it invoiced
/// already?
fn cached_line(store: &Store, target: &Target, line_id: i64) -> Result<bool> {
    let Some(row) = &target.row else {
        bail!(
            "{} is not created yet, so it has no line item {line_id}",
            target.short()
        );
    };
    let lines = store.line_items(row.id)?;
    match lines.iter().find(|l| l.id == line_id) {
        Some(l) => Ok(l.converted),
        None => bail!(
            "#{} has no line item {line_id} in the cache (its line items: {}); run `syncro ticket {}`",
            row.number,
            if lines.is_empty() {
                "none".into()
            } else {
                lines
                    .iter()
                    .map(|l| l.id.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            row.number
        ),
    }
}
