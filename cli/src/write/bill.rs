//! `syncro bill`: the whole billing workflow as one ordered group: an
//! optional comment, the labor line item, the invoice, and the status
//! Invoiced. A step that fails holds the ones after it.

use anyhow::{bail, Result};
use clap::Args;
use schemars::JsonSchema;
use serde::Deserialize;
use syncro_store::outbox::{
    Command, CommentWrite, InvoiceWrite, LineItemWrite, TicketFields, TicketWrite,
};

use super::comment;
use super::input::{cents, hours, labor, nonempty};
use super::plan::{Plan, Step};
use crate::context::{resolve_target, Cache, Ctx};
use crate::read::labor::{bill_warning, line_name};
use crate::render::{self, title_case};
use crate::ticket_ref::TicketRef;

/// Time worked, billed at a configured labor type: the arguments of
/// `syncro bill` and of the `queue_bill` tool.
#[derive(Debug, Clone, Args, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BillInput {
    /// Ticket: 32164, #32164, or @ID
    #[serde(rename = "number")]
    pub ticket: TicketRef,
    /// Minutes worked (never assumed)
    #[arg(long, allow_negative_numbers = true, value_name = "M")]
    pub minutes: i64,
    /// From the config; never assumed
    #[arg(long, value_name = "TYPE")]
    pub labor: String,
    /// $/h [default: the labor type's]
    #[arg(long, allow_negative_numbers = true, value_name = "R")]
    pub rate: Option<f64>,
    /// Posted first; its first line names the labor line
    #[arg(long, value_name = "TEXT")]
    pub comment: Option<String>,
    /// Of the comment [default: Update]
    #[arg(long, value_name = "TEXT", requires = "comment")]
    pub subject: Option<String>,
    /// Internal (never shown or emailed)
    #[arg(long, requires = "comment")]
    #[serde(default)]
    pub hidden: bool,
    #[arg(long, requires = "comment")]
    #[serde(default)]
    pub do_not_email: bool,
}

/// Checks a bill and plans its steps.
pub fn plan(ctx: &Ctx, cache: &impl Cache, input: BillInput) -> Result<Plan> {
    if input.minutes <= 0 {
        bail!(
            "--minutes must be positive, not {}; nothing queued",
            input.minutes
        );
    }
    let (labor_key, labor) = labor(ctx, &input.labor)?;
    let rate = input.rate.unwrap_or(labor.rate);
    if !(rate.is_finite() && rate >= 0.0) {
        bail!("--rate must be a non-negative hourly rate, not {rate}");
    }
    let comment = match input.comment.as_deref() {
        Some(c) => Some(nonempty(c, "comment")?),
        None => None,
    };
    let store = cache.store()?;
    let target = resolve_target(store, input.ticket)?;

    let kind = title_case(labor_key);
    let quantity = hours(input.minutes);
    let name = line_name(labor_key, labor);
    let description = comment
        .as_deref()
        .and_then(|c| c.lines().map(str::trim).find(|l| !l.is_empty()))
        .map(str::to_string)
        .unwrap_or_else(|| format!("{kind} labor, {} min", input.minutes));
    let total = (quantity * cents(rate) as f64).round() as i64;

    let mut steps = Vec::new();
    let tech = ctx.config.tech.clone();
    if let Some(body) = comment {
        let subject = match input.subject.as_deref() {
            Some(s) => nonempty(s, "subject")?,
            None => "Update".to_string(),
        };
        steps.push(Step::new(
            target.item(Command::Comment(CommentWrite::Add {
                subject: subject.clone(),
                body: body.clone(),
                hidden: input.hidden,
                do_not_email: input.do_not_email,
                tech: tech.clone(),
            })),
            comment::preview(
                &subject,
                &body,
                input.hidden,
                input.do_not_email,
                tech.as_deref(),
            ),
        ));
    } else if input.subject.is_some() || input.hidden || input.do_not_email {
        bail!("--subject, --hidden and --do-not-email apply to the bill's --comment, and there is none; nothing queued");
    }
    let line_preview = format!(
        "line item \"{name}\": {} h x {}/h = {} (product {}, {labor_key})\ndescription: {description}",
        render::qty(quantity),
        render::dollars(rate),
        render::money(total),
        labor.product_id
    );
    steps.push(Step::new(
        target.item(Command::LineItem(LineItemWrite::Add {
            product_id: Some(labor.product_id),
            name,
            description,
            quantity,
            price_retail: rate,
        })),
        line_preview,
    ));
    steps.push(Step::new(
        target.item(Command::Invoice(InvoiceWrite::Create {})),
        "create an invoice from the ticket's uninvoiced line items, then check they arrived".into(),
    ));
    steps.push(Step::new(
        target.item(Command::Ticket(TicketWrite::Update {
            fields: TicketFields {
                status: Some("Invoiced".into()),
                ..Default::default()
            },
        })),
        format!(
            "set status {} -> Invoiced",
            target
                .row
                .as_ref()
                .map(|r| r.status.as_str())
                .unwrap_or("?")
        ),
    ));

    let mut warnings = Vec::new();
    // The cache may be behind the catalogue: said, not refused.
    warnings.extend(bill_warning(store, labor_key, labor.product_id)?);
    if let Some(row) = &target.row {
        if row.status == "Invoiced" {
            warnings.push(format!("#{} is already Invoiced", row.number));
        }
        let open = store.uninvoiced_line_totals(row.id)?;
        if !open.is_empty() {
            warnings.push(format!(
                "the invoice will also include {} line item(s) already on the ticket and not yet invoiced ({})",
                open.len(),
                render::money(open.iter().sum())
            ));
        }
    }
    Ok(Plan {
        title: format!("Bill {}", target.label),
        target: target.short(),
        steps,
        group: Some("bill"),
        footer: vec![format!(
            "total: {} min = {} h, {}",
            input.minutes,
            render::qty(quantity),
            render::money(total)
        )],
        warnings,
    })
}
