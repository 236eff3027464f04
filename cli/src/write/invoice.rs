//! `syncro invoice create`: an invoice from a ticket's uninvoiced line
//! items.

use anyhow::Result;
use clap::Args;
use schemars::JsonSchema;
use serde::Deserialize;
use syncro_store::outbox::{Command, InvoiceWrite};

use super::plan::Plan;
use crate::context::{resolve_target, Cache, Ctx};
use crate::render;
use crate::ticket_ref::TicketRef;

/// An invoice for a ticket: the arguments of `syncro invoice create` and
/// of the `queue_invoice` tool.
#[derive(Debug, Clone, Args, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceCreateInput {
    /// Ticket: 32164, #32164, or @ID for a ticket still being created
    #[serde(rename = "number")]
    pub ticket: TicketRef,
}

/// Checks an invoice and plans it; warns when the cache knows of nothing
/// to invoice.
pub fn plan(_ctx: &Ctx, cache: &impl Cache, input: InvoiceCreateInput) -> Result<Plan> {
    let store = cache.store()?;
    let target = resolve_target(store, input.ticket)?;
    let mut warnings = Vec::new();
    let mut preview =
        "create an invoice from the ticket's uninvoiced line items, then check they arrived"
            .to_string();
    let mut footer = Vec::new();
    if let Some(row) = &target.row {
        let open = store.uninvoiced_line_totals(row.id)?;
        // What a dry run (and the confirmation) shows: each line it takes.
        for l in store.line_items(row.id)?.iter().filter(|l| !l.converted) {
            footer.push(format!(
                "{}: {} x {} = {}",
                l.name.as_deref().unwrap_or("(unnamed)"),
                render::qty(l.quantity),
                render::money(l.retail_cents),
                render::money(l.total_cents())
            ));
        }
        let queued = store
            .outbox_for_ticket(row.id)?
            .iter()
            .any(|i| i.command.adds_line_item());
        if open.is_empty() && !queued {
            warnings.push(format!(
                "#{} has no uninvoiced line items in the cache; the invoice may be empty",
                row.number
            ));
        } else if !open.is_empty() {
            preview.push_str(&format!(
                "\n{} line item(s) not yet invoiced: {}",
                open.len(),
                render::money(open.iter().sum())
            ));
        }
    }
    let item = target.item(Command::Invoice(InvoiceWrite::Create {}));
    let mut plan = Plan::single(format!("Invoice {}", target.label), &target, item, preview);
    plan.warnings = warnings;
    plan.footer = footer;
    Ok(plan)
}
