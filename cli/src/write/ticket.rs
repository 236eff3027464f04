//! A ticket's own fields (`syncro update`, `close`), and new tickets
//! (`syncro create`).

use anyhow::{bail, Result};
use chrono::{DateTime, Utc};
use clap::{ArgGroup, Args};
use schemars::JsonSchema;
use serde::Deserialize;
use syncro_store::outbox::{Command, NewItem, TicketFields, TicketWrite};
use syncro_store::Store;

use super::input::{indent, nonempty, optional_nonempty, parse_day_or_when};
use super::plan::{Plan, Step};
use crate::context::{resolve_customer, resolve_target, usage, Cache, Ctx, Target};
use crate::read::tickets::canonical;
use crate::render;
use crate::ticket_ref::TicketRef;

/// A change to a ticket's status, priority, assignee or due date: the
/// arguments of `syncro update` and of the `queue_ticket_update` tool.
#[derive(Debug, Clone, Args, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[command(group(ArgGroup::new("change").required(true).multiple(true)
    .args(["status", "priority", "assignee", "due_date"])))]
pub struct UpdateInput {
    /// Ticket: 32164, #32164, or @ID
    #[serde(rename = "number")]
    pub ticket: TicketRef,
    /// Any case; "Resolved" closes it
    #[arg(long)]
    pub status: Option<String>,
    #[arg(long)]
    pub priority: Option<String>,
    /// User id or name
    #[arg(long, value_name = "USER")]
    pub assignee: Option<String>,
    /// RFC 3339, or local `YYYY-MM-DD[ HH:MM]` (17:00)
    #[arg(long, value_name = "WHEN")]
    pub due_date: Option<String>,
}

/// Checks a ticket change and plans it.
pub fn plan_update(ctx: &Ctx, cache: &impl Cache, input: UpdateInput) -> Result<Plan> {
    if input.status.is_none()
        && input.priority.is_none()
        && input.assignee.is_none()
        && input.due_date.is_none()
    {
        // The CLI's argument parser already insists on one.
        return Err(usage(
            "give --status, --priority, --assignee and/or --due-date; nothing queued",
        ));
    }
    let status = input.status.as_deref().map(canonical).transpose()?;
    let priority = match input.priority.as_deref() {
        Some(p) => Some(nonempty(p, "priority")?),
        None => None,
    };
    let due_date = match input.due_date.as_deref() {
        Some(d) => Some(due(d, ctx.now)?),
        None => None,
    };
    let store = cache.store()?;
    let assignee = match input.assignee.as_deref() {
        Some(a) => Some(assignee(store, a)?),
        None => None,
    };
    let target = resolve_target(store, input.ticket)?;
    let mut plan = fields_plan(
        &target,
        TicketFields {
            status: status.map(str::to_string),
            priority,
            user_id: assignee.as_ref().map(|(id, _)| *id),
            due_date: due_date.map(syncro_store::time::format),
            ..Default::default()
        },
        assignee.map(|(_, name)| name),
    );
    if let (Some(row), Some(s)) = (&target.row, status) {
        if row.status == s {
            plan.warnings
                .push(format!("{} is already {s}", target.short()));
        }
    }
    Ok(plan)
}

/// A due date as typed; a bare day means 17:00 local time that day (the
/// end of a working day, not the midnight before it).
fn due(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    parse_day_or_when(s, now, 17).ok_or_else(|| {
        usage(format!(
            "--due-date {s:?} is not a time: use RFC 3339, `YYYY-MM-DD HH:MM` or `YYYY-MM-DD` (local time)"
        ))
    })
}

/// A user by id, or by a name the cache knows (from the tickets assigned
/// to them): exactly one match, or an error naming the candidates.
fn assignee(store: &Store, typed: &str) -> Result<(i64, String)> {
    let typed = typed.trim();
    let users = store.assignees()?;
    if let Ok(id) = typed.trim_start_matches('#').parse::<i64>() {
        let name = users
            .iter()
            .find(|(u, _)| *u == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| format!("user {id}"));
        return Ok((id, name));
    }
    let wanted = typed.to_lowercase();
    if wanted.is_empty() {
        bail!("the assignee is empty; nothing queued");
    }
    let exact: Vec<_> = users
        .iter()
        .filter(|(_, n)| n.to_lowercase() == wanted)
        .collect();
    let found: Vec<_> = if exact.is_empty() {
        users
            .iter()
            .filter(|(_, n)| n.to_lowercase().contains(&wanted))
            .collect()
    } else {
        exact
    };
    match found.as_slice() {
        [(id, name)] => Ok((*id, name.clone())),
        [] => bail!(
            "no user named {typed:?} in the cache (it knows the users tickets are assigned to{}); give the user id; nothing queued",
            if users.is_empty() {
                String::new()
            } else {
                format!(
                    ": {}",
                    users
                        .iter()
                        .take(10)
                        .map(|(id, n)| format!("{n} ({id})"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        ),
        many => bail!(
            "{typed:?} matches {} users: {}; give the full name or the id; nothing queued",
            many.len(),
            many.iter()
                .map(|(id, n)| format!("{n} ({id})"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn fields_plan(target: &Target, fields: TicketFields, assignee: Option<String>) -> Plan {
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
    if let (Some(id), Some(name)) = (fields.user_id, &assignee) {
        preview.push(format!(
            "assignee {} -> {name} ({id})",
            row.and_then(|r| r.user_name.as_deref()).unwrap_or("-")
        ));
    }
    if let Some(d) = &fields.due_date {
        preview.push(format!(
            "due {} -> {}",
            row.and_then(|r| r.due_date.as_deref())
                .map(|d| render::time(Some(d)))
                .unwrap_or_else(|| "-".into()),
            render::time(Some(d))
        ));
    }
    let mut item = target.item(Command::Ticket(TicketWrite::Update { fields }));
    // The daemon holds the update if the ticket changed since this view.
    item.base_updated_at = row.and_then(|r| r.updated_at.clone());
    Plan::single(
        format!("Update {}", target.label),
        target,
        item,
        preview.join("\n"),
    )
}

/// Setting a ticket to Resolved (`syncro close`).
#[derive(Debug, Clone, Args)]
pub struct CloseInput {
    /// Ticket: 32164, #32164, or @ID
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
        None,
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

/// A new ticket: the arguments of `syncro create` and of the
/// `queue_ticket_create` tool.
#[derive(Debug, Clone, Args, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInput {
    /// Id or name
    #[arg(value_name = "CUSTOMER")]
    pub customer: String,
    pub subject: String,
    #[arg(long, value_name = "TYPE")]
    pub problem_type: Option<String>,
    #[arg(long)]
    pub priority: Option<String>,
    /// The first comment: give one
    #[arg(long)]
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
        command: Command::Ticket(TicketWrite::Create {
            customer_id: customer.id,
            subject,
            problem_type,
            priority,
            status: None,
            body,
        }),
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
