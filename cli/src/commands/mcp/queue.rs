//! The write tools: each builds the same typed input as the CLI command,
//! goes through the same `plan` (every check the CLI makes), and queues
//! the plan in the outbox for syncrod, answering with the outbox ids and a
//! preview of exactly what will be sent. Nothing here talks to the server.

use anyhow::{bail, Result};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router, Json};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use syncro_store::outbox::State;

use super::lean::Lean;
use super::server::{Cached, SyncroMcp};
use super::tool_error::ToolError;
use crate::args::TicketRef;
use crate::context::{daemon_alive, Cache, Ctx};
use crate::write::bill::{self, BillInput};
use crate::write::comment::{self, CommentInput};
use crate::write::invoice::{self, InvoiceCreateInput};
use crate::write::line_item::{self, LineItemAddInput, LineItemRemoveInput, LineItemUpdateInput};
use crate::write::plan::{Plan, Queued};
use crate::write::ticket::{self, CreateInput, UpdateInput};
use crate::write::timer::{self, TimerAddInput, TimerIdInput};
use crate::write::wait::load_items;

/// What a write tool queued (or, with `dry_run`, would queue).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct WriteAnswer {
    /// The outbox id to follow (wait_for_write) or take back
    /// (cancel_write); a bill's first step. Absent on a dry run.
    pub id: Option<i64>,
    /// Every step's outbox id, in the order they are sent.
    pub ids: Vec<i64>,
    pub state: Option<State>,
    /// Where it goes: `#32164`, `@5` or `a new ticket`.
    pub target: String,
    /// Exactly what is sent (for a bill: lines, hours x rate, total).
    pub preview: String,
    pub warnings: Vec<String>,
    /// Not sent before this (the undo window).
    pub send_after: Option<String>,
    /// What happens next.
    pub message: String,
    pub daemon_running: bool,
    /// True when nothing was queued.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dry_run: bool,
}

/// A ticket by number, or `@ID`: a ticket still being created by the
/// queued create with that outbox id.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum TicketArg {
    Number(i64),
    Text(String),
}

impl TicketArg {
    fn resolve(self) -> Result<TicketRef> {
        match self {
            TicketArg::Number(n) => Ok(TicketRef::Number(n)),
            TicketArg::Text(t) => t.parse().map_err(|e: String| anyhow::anyhow!(e)),
        }
    }
}

/// Queues a checked plan (customer-visible writes wait out the undo
/// window) and says what was queued; with `dry_run`, only says what would
/// be.
fn finish(
    ctx: &Ctx,
    cache: &mut Cached<'_>,
    plan: Plan,
    dry_run: bool,
) -> Result<Lean<WriteAnswer>> {
    let preview = plan.preview();
    let target = plan.target().to_string();
    let warnings = plan.warnings().to_vec();
    if dry_run {
        let daemon_running = daemon_alive(ctx, cache.store()?.heartbeat()?.as_ref());
        return Ok(Lean(WriteAnswer {
            id: None,
            ids: Vec::new(),
            state: None,
            target,
            preview,
            warnings,
            send_after: None,
            message: "dry run: nothing queued. Show the preview to the technician; call again without dry_run to queue it"
                .into(),
            daemon_running,
            dry_run: true,
        }));
    }
    let send_after = plan.send_after(ctx, false);
    let store = cache.store_mut()?;
    let Queued {
        ids,
        group: _,
        send_after,
    } = plan.enqueue(store, send_after)?;
    let items = load_items(store, &ids)?;
    let Some(first) = items.first() else {
        bail!("nothing was queued");
    };
    let daemon_running = daemon_alive(ctx, store.heartbeat()?.as_ref());
    let id = first.id;
    let mut message = match items.len() {
        1 => format!("queued #{id} on {target}"),
        n => format!("queued {n} steps on {target} as one write, #{id} first"),
    };
    if first.command.creates_ticket() {
        message.push_str(&format!(
            "; its number comes with wait_for_write (items[0].number); until then `@{id}` names it as the number of further writes"
        ));
    }
    match &send_after {
        Some(at) => message.push_str(&format!(
            ". It reaches the customer, so syncrod holds it for {} s (until {at}): cancel_write with id {id} takes it back until then",
            ctx.config.undo_secs
        )),
        None => message.push_str(". syncrod sends it now"),
    }
    message.push_str(&format!(
        "; wait_for_write with id {id} follows it until it is verified. Never queue it again to hurry it."
    ));
    if !daemon_running {
        message.push_str(
            " Note: syncrod is not running; the write waits in the outbox until it starts.",
        );
    }
    Ok(Lean(WriteAnswer {
        id: Some(id),
        state: Some(first.state),
        target,
        preview,
        ids,
        warnings,
        send_after,
        message,
        daemon_running,
        dry_run: false,
    }))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueCommentArgs {
    pub number: TicketArg,
    pub body: String,
    pub subject: Option<String>,
    /// Internal note.
    #[serde(default)]
    pub hidden: bool,
    #[serde(default)]
    pub do_not_email: bool,
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueTicketUpdateArgs {
    pub number: TicketArg,
    /// "Resolved" closes it.
    pub status: Option<String>,
    pub priority: Option<String>,
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueTicketCreateArgs {
    /// Id or name.
    pub customer: String,
    pub subject: String,
    pub problem_type: Option<String>,
    pub priority: Option<String>,
    /// First comment: give one.
    pub body: Option<String>,
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueBillArgs {
    pub number: TicketArg,
    /// Ask; never assume.
    pub minutes: i64,
    /// Ask; never assume.
    pub labor: String,
    /// $/h.
    pub rate: Option<f64>,
    /// Posted first.
    pub comment: Option<String>,
    /// Of the comment.
    pub subject: Option<String>,
    #[serde(default)]
    pub hidden: bool,
    #[serde(default)]
    pub do_not_email: bool,
    #[serde(default)]
    pub dry_run: bool,
}

/// What to do with a line item.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineItemAction {
    Add,
    Update,
    Remove,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueLineItemArgs {
    pub number: TicketArg,
    pub action: LineItemAction,
    pub line_item_id: Option<i64>,
    pub name: Option<String>,
    pub description: Option<String>,
    /// Hours for labor.
    pub quantity: Option<f64>,
    /// Dollars.
    pub price: Option<f64>,
    pub product_id: Option<i64>,
    #[serde(default)]
    pub dry_run: bool,
}

/// What to do with a timer entry.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimerAction {
    Add,
    Charge,
    Delete,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueTimerArgs {
    pub number: TicketArg,
    pub action: TimerAction,
    pub timer_id: Option<i64>,
    /// RFC 3339 or local "HH:MM".
    pub start: Option<String>,
    pub end: Option<String>,
    /// Instead of `end`.
    pub minutes: Option<i64>,
    pub notes: Option<String>,
    #[serde(default)]
    pub billable: bool,
    /// Labor type, or product_id.
    pub labor: Option<String>,
    pub product_id: Option<i64>,
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueInvoiceArgs {
    pub number: TicketArg,
    #[serde(default)]
    pub dry_run: bool,
}

/// A required argument of one action, or the sentence saying so.
fn needed<T>(value: Option<T>, what: &str, action: &str) -> Result<T> {
    match value {
        Some(v) => Ok(v),
        None => bail!("`{what}` is required to {action}; nothing queued"),
    }
}

#[tool_router(router = queue_tools, vis = "pub(super)")]
impl SyncroMcp {
    /// Queue a comment. Unless hidden, the customer gets it: get the
    /// technician's yes on the text first.
    #[tool(annotations(
        title = "Queue a comment",
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = false,
        open_world_hint = true
    ))]
    pub async fn queue_comment(
        &self,
        Parameters(a): Parameters<QueueCommentArgs>,
    ) -> Result<Json<Lean<WriteAnswer>>, ToolError> {
        self.with_cache(move |ctx, cache| {
            let input = CommentInput {
                ticket: a.number.resolve()?,
                subject: a.subject.unwrap_or_else(|| "Update".into()),
                body: a.body,
                hidden: a.hidden,
                do_not_email: a.do_not_email,
                tech: None,
            };
            let plan = comment::plan(ctx, &*cache, input)?;
            finish(ctx, cache, plan, a.dry_run)
        })
        .await
        .map(Json)
    }

    /// Queue a status or priority change.
    #[tool(annotations(
        title = "Queue a ticket update",
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = false,
        open_world_hint = true
    ))]
    pub async fn queue_ticket_update(
        &self,
        Parameters(a): Parameters<QueueTicketUpdateArgs>,
    ) -> Result<Json<Lean<WriteAnswer>>, ToolError> {
        self.with_cache(move |ctx, cache| {
            if a.status.is_none() && a.priority.is_none() {
                bail!("give `status` and/or `priority`; nothing queued");
            }
            let input = UpdateInput {
                ticket: a.number.resolve()?,
                status: a.status,
                priority: a.priority,
            };
            let plan = ticket::plan_update(ctx, &*cache, input)?;
            finish(ctx, cache, plan, a.dry_run)
        })
        .await
        .map(Json)
    }

    /// Queue a new ticket (search the customer's first). Until it has a
    /// number, "@ID" is its number in other writes.
    #[tool(annotations(
        title = "Queue a new ticket",
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = false,
        open_world_hint = true
    ))]
    pub async fn queue_ticket_create(
        &self,
        Parameters(a): Parameters<QueueTicketCreateArgs>,
    ) -> Result<Json<Lean<WriteAnswer>>, ToolError> {
        self.with_cache(move |ctx, cache| {
            let input = CreateInput {
                customer: a.customer,
                subject: a.subject,
                problem_type: a.problem_type,
                priority: a.priority,
                body: a.body,
            };
            let plan = ticket::plan_create(ctx, &*cache, input)?;
            finish(ctx, cache, plan, a.dry_run)
        })
        .await
        .map(Json)
    }

    /// Queue billing: comment, labor line, invoice, status Invoiced.
    /// Dry-run it and show the total first.
    #[tool(annotations(
        title = "Queue billing a ticket",
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = false,
        open_world_hint = true
    ))]
    pub async fn queue_bill(
        &self,
        Parameters(a): Parameters<QueueBillArgs>,
    ) -> Result<Json<Lean<WriteAnswer>>, ToolError> {
        self.with_cache(move |ctx, cache| {
            let input = BillInput {
                ticket: a.number.resolve()?,
                minutes: a.minutes,
                labor: a.labor,
                rate: a.rate,
                comment: a.comment,
                subject: a.subject,
                hidden: a.hidden,
                do_not_email: a.do_not_email,
            };
            let plan = bill::plan(ctx, &*cache, input)?;
            finish(ctx, cache, plan, a.dry_run)
        })
        .await
        .map(Json)
    }

    /// Queue adding (name, description, quantity, price), updating or
    /// removing a line item.
    #[tool(annotations(
        title = "Queue a line item change",
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = false,
        open_world_hint = true
    ))]
    pub async fn queue_line_item(
        &self,
        Parameters(a): Parameters<QueueLineItemArgs>,
    ) -> Result<Json<Lean<WriteAnswer>>, ToolError> {
        self.with_cache(move |ctx, cache| {
            let ticket = a.number.resolve()?;
            let plan = match a.action {
                LineItemAction::Add => {
                    let input = LineItemAddInput {
                        ticket,
                        name: needed(a.name, "name", "add a line item")?,
                        description: needed(a.description, "description", "add a line item")?,
                        quantity: needed(a.quantity, "quantity", "add a line item")?,
                        price: needed(a.price, "price", "add a line item")?,
                        product: a.product_id,
                    };
                    line_item::plan_add(ctx, &*cache, input)?
                }
                LineItemAction::Update => {
                    let input = LineItemUpdateInput {
                        ticket,
                        line_id: needed(a.line_item_id, "line_item_id", "update a line item")?,
                        quantity: a.quantity,
                        price: a.price,
                        name: a.name,
                        description: a.description,
                    };
                    line_item::plan_update(ctx, &*cache, input)?
                }
                LineItemAction::Remove => {
                    let input = LineItemRemoveInput {
                        ticket,
                        line_id: needed(a.line_item_id, "line_item_id", "remove a line item")?,
                    };
                    line_item::plan_remove(ctx, &*cache, input)?
                }
            };
            finish(ctx, cache, plan, a.dry_run)
        })
        .await
        .map(Json)
    }

    /// Queue adding, charging or deleting a timer.
    #[tool(annotations(
        title = "Queue a timer change",
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = false,
        open_world_hint = true
    ))]
    pub async fn queue_timer(
        &self,
        Parameters(a): Parameters<QueueTimerArgs>,
    ) -> Result<Json<Lean<WriteAnswer>>, ToolError> {
        self.with_cache(move |ctx, cache| {
            let ticket = a.number.resolve()?;
            let plan = match a.action {
                TimerAction::Add => {
                    let input = TimerAddInput {
                        ticket,
                        start: needed(a.start, "start", "add a timer")?,
                        end: a.end,
                        minutes: a.minutes,
                        notes: a.notes,
                        billable: a.billable,
                        labor: a.labor,
                        product: a.product_id,
                    };
                    timer::plan_add(ctx, &*cache, input)?
                }
                TimerAction::Charge => {
                    let timer_id = needed(a.timer_id, "timer_id", "charge a timer")?;
                    timer::plan_charge(ctx, &*cache, TimerIdInput { ticket, timer_id })?
                }
                TimerAction::Delete => {
                    let timer_id = needed(a.timer_id, "timer_id", "delete a timer")?;
                    timer::plan_delete(ctx, &*cache, TimerIdInput { ticket, timer_id })?
                }
            };
            finish(ctx, cache, plan, a.dry_run)
        })
        .await
        .map(Json)
    }

    /// Queue an invoice of the ticket's uninvoiced lines.
    #[tool(annotations(
        title = "Queue an invoice",
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = false,
        open_world_hint = true
    ))]
    pub async fn queue_invoice(
        &self,
        Parameters(a): Parameters<QueueInvoiceArgs>,
    ) -> Result<Json<Lean<WriteAnswer>>, ToolError> {
        self.with_cache(move |ctx, cache| {
            let input = InvoiceCreateInput {
                ticket: a.number.resolve()?,
            };
            let plan = invoice::plan(ctx, &*cache, input)?;
            finish(ctx, cache, plan, a.dry_run)
        })
        .await
        .map(Json)
    }
}
