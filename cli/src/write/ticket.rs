//! A ticket's own fields (`syncro update`, `close`), and new tickets
//! (`syncro create`).

use anyhow::{bail, Result};
use syncro_store::outbox::{Command, NewItem, TicketFields};

use super::input::{indent, nonempty, optional_nonempty};
use super::plan::{Plan, Step};
use crate::args::TicketRef;
use crate::context::{resolve_customer, resolve_target, usage, Cache, Ctx, Target};
use crate::read::tickets::canonical;

/// A status and/or priority change.
#[derive(Debug, Clone)]
pub struct UpdateInput {
    pub ticket: TicketRef,
    /// Any case: "waiting on customer".
    pub status: Option<String>,
    pub priority: Option<String>,
}

/// Checks a status/priority change and plans it.
pub fn plan_update(_ctx: &Ctx, cache: &impl Cache, input: UpdateInput) -> Result<Plan> {
    if input.status.is_none() && input.priority.is_none() {
        // The CLI's argument parser already insists on one.
        return Err(usage("give --status and/or --priority"));
    }
    let status = input.status.as_deref().map(canonical).transpose()?;
    let priority = match input.priority.as_deref() {
        Some(p) => Some(nonempty(p, "priority")?),
        None => None,
    };
    let target = resolve_target(cache.store()?, input.ticket)?;
    let mut plan = fields_plan(
        &target,
        TicketFields {
            status: status.map(str::to_string),
            priority,
            ..Default::default()
        },
    );
    if let (Some(row), Some(s)) = (&target.row, status) {
        if row.status == s {
            plan.warnings
                .push(format!("{} is already {s}", target.short()));
        }
    }
    Ok(plan)
}

fn fields_plan(target: &Target, fields: TicketFields) -> Plan {
    let row = target.row.as_ref();
    let mut preview = Vec::new();
    if let Some(s) = &fields.status {
        preview.push(format!(
            "status {} -> {s}",
            row.map(|r| r.status.as_str()).unwrap_or("?")
        ));
    }
    if let Some(p) = &fields.priority {
        preview.push(format!(
            "priority {} -> {p}",
            row.and_then(|r| r.priority.as_deref()).unwrap_or("-")
        ));
    }
    let mut item = target.item(Command::UpdateTicket { fields });
    // The daemon holds the update if the ticket changed since this view.
    item.base_updated_at = row.and_then(|r| r.updated_at.clone());
    Plan::single(
        format!("Update {}", target.label),
        target,
        item,
        preview.join("\n"),
    )
}

/// Setting a ticket to Resolved.
#[derive(Debug, Clone)]
pub struct CloseInput {
    pub ticket: TicketRef,
}

/// Checks closing a ticket and plans it.
pub fn plan_close(_ctx: &Ctx, cache: &impl Cache, input: CloseInput) -> Result<Plan> {
    let target = resolve_target(cache.store()?, input.ticket)?;
    if let Some(row) = &target.row {
        if row.status == "Resolved" {
            bail!("#{} is already Resolved; nothing queued", row.number);
        }
    }
    let mut plan = fields_plan(
        &target,
        TicketFields {
            status: Some("Resolved".into()),
            ..Default::default()
        },
    );
    plan.title = format!("Close {}", target.label);
    if let Some(row) = target.row.as_ref().filter(|r| !r.is_open()) {
        plan.warnings.push(format!(
            "#{} is {}; this sets it back to Resolved",
            row.number, row.status
        ));
    }
    Ok(plan)
}

/// A new ticket.
#[derive(Debug, Clone)]
pub struct CreateInput {
    /// A customer id, or a name that matches one customer.
    pub customer: String,
    pub subject: String,
    pub problem_type: Option<String>,
    pub priority: Option<String>,
    /// The initial comment.
    pub body: Option<String>,
}

/// Checks a new ticket and plans it. Once queued, the ticket is `@ID`
/// (its outbox id) to further writes until it has a number.
pub fn plan_create(_ctx: &Ctx, cache: &impl Cache, input: CreateInput) -> Result<Plan> {
    let subject = nonempty(&input.subject, "subject")?;
    let customer = resolve_customer(cache.store()?, &input.customer, false)?;
    let problem_type = optional_nonempty(input.problem_type.as_deref());
    let priority = optional_nonempty(input.priority.as_deref());
    let body = optional_nonempty(input.body.as_deref());
    let summary = format!(
        "create ticket \"{subject}\" for {} (customer {})",
        customer.business_then_name, customer.id
    );
    let mut preview = summary.clone();
    if let Some(p) = &problem_type {
        preview.push_str(&format!("\nproblem type: {p}"));
    }
    if let Some(p) = &priority {
        preview.push_str(&format!("\npriority: {p}"));
    }
    if let Some(b) = &body {
        preview.push_str(&format!("\ninitial comment:\n{}", indent(b)));
    }
    let item = NewItem {
        command: Command::CreateTicket {
            customer_id: customer.id,
            subject,
            problem_type,
            priority,
            status: None,
            body,
        },
        ticket_id: None,
        ticket_number: None,
        depends_on: None,
        base_updated_at: None,
    };
    Ok(Plan {
        title: format!("New ticket for {}", customer.business_then_name),
        target: "a new ticket".into(),
        steps: vec![Step {
            item,
            preview,
            summary: Some(summary),
        }],
        group: None,
        footer: Vec::new(),
        warnings: Vec::new(),
    })
}
