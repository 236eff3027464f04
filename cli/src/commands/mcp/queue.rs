//! The write tools: each builds the same typed input as the CLI command,
//! goes through the same `plan` (every check the CLI makes), and queues
//! the plan in the outbox for syncrod, answering with the outbox ids and a
//! preview of exactly what will be sent. Nothing here talks to the server.

use anyhow::{bail, Result};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router, Json};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use syncro_store::outbox::{Command, State};

use super::server::{Cached, SyncroMcp};
use super::tool_error::ToolError;
use crate::args::TicketRef;
use crate::commands::write::bill::{self, BillInput};
use crate::commands::write::comment::{self, CommentInput};
use crate::commands::write::invoice::{self, InvoiceCreateInput};
use crate::commands::write::line_item::{
    self, LineItemAddInput, LineItemRemoveInput, LineItemUpdateInput,
};
use crate::commands::write::plan::{Plan, Queued};
use crate::commands::write::ticket::{self, CreateInput, UpdateInput};
use crate::commands::write::timer::{self, TimerAddInput, TimerIdInput};
use crate::commands::write::wait::load_items;
use crate::context::{daemon_alive, Ctx};

/// One outbox row a write queued.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct QueuedStep {
    /// Its outbox id.
    pub id: i64,
    pub state: State,
    /// How the preview describes this step.
    pub preview: String,
    /// Exactly what will be sent.
    pub payload: Command,
}

/// What a write tool queued.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct WriteAnswer {
    /// The outbox id to follow (`wait_for_write`) or take back
    /// (`cancel_write`); for a bill, its first step (the others follow it).
    pub id: i64,
    /// Every outbox id queued, in the order they will be sent.
    pub ids: Vec<i64>,
    /// The state of the write now (`queued`).
    pub state: State,
    /// The steps' group (`bill-12`) when several were queued as one write.
    pub group: Option<String>,
    /// Where it goes: `#32164`, or `a new ticket`.
    pub target: String,
    /// What will be sent, as the CLI shows it before asking.
    pub preview: String,
    pub steps: Vec<QueuedStep>,
    /// Things worth telling the technician that did not stop the write.
    pub warnings: Vec<String>,
    /// The end of the undo window: a customer-visible write is not sent
    /// before this, and `cancel_write` takes it back until then.
    pub send_after: Option<String>,
    /// What happens next, in a sentence.
    pub message: String,
    /// Whether syncrod is running to send it.
    pub daemon_running: bool,
}

/// Queues a checked plan (customer-visible writes wait out the undo
/// window) and says what was queued.
fn enqueue(ctx: &Ctx, cache: &mut Cached<'_>, plan: Plan) -> Result<WriteAnswer> {
    let preview = plan.preview();
    let target = plan.target().to_string();
    let warnings = plan.warnings().to_vec();
    let previews: Vec<String> = plan
        .steps()
        .iter()
        .map(|s| s.preview().to_string())
        .collect();
    let send_after = plan.send_after(ctx, false);
    let store = cache.store_mut()?;
    let Queued {
        ids,
        group,
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
    if first.command.kind() == "create_ticket" {
        message.push_str(
            "; the ticket gets its number once syncrod creates it: wait_for_write gives it (result.number)",
        );
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
    Ok(WriteAnswer {
        id,
        state: first.state,
        group,
        target,
        preview,
        steps: items
            .iter()
            .zip(previews)
            .map(|(i, preview)| QueuedStep {
                id: i.id,
                state: i.state,
                preview,
                payload: i.command.clone(),
            })
            .collect(),
        ids,
        warnings,
        send_after,
        message,
        daemon_running,
    })
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueCommentArgs {
    /// The ticket number (32164 for "#32164").
    pub number: i64,
    /// The comment text. Show it to the technician before queueing a
    /// comment the customer will see.
    pub body: String,
    /// The comment's subject (default "Update").
    pub subject: Option<String>,
    /// Internal note: never shown or emailed to the customer (and sent at
    /// once: no undo window).
    #[serde(default)]
    pub hidden: bool,
    /// Do not email the customer (the comment is still visible to them).
    #[serde(default)]
    pub do_not_email: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueTicketUpdateArgs {
    /// The ticket number.
    pub number: i64,
    /// New status (any case): New, In Progress, Waiting on Customer,
    /// Waiting on Vendor, Waiting for Parts, Customer Reply, Scheduled,
    /// Resolved (to close it), Invoiced, Closed.
    pub status: Option<String>,
    /// New priority, e.g. "2 Normal".
    pub priority: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueTicketCreateArgs {
    /// A customer id, or a name matching one customer.
    pub customer: String,
    pub subject: String,
    pub problem_type: Option<String>,
    pub priority: Option<String>,
    /// The initial comment.
    pub body: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueBillArgs {
    /// The ticket number.
    pub number: i64,
    /// Minutes worked. Required: ask the technician, never assume.
    pub minutes: i64,
    /// Labor type from the shop's configuration (e.g. remote, onsite).
    /// Required: ask the technician, never assume.
    pub labor: String,
    /// Hourly rate in dollars (default: the labor type's).
    pub rate: Option<f64>,
    /// A customer-visible comment posted first; its first line becomes the
    /// line item's description. Show it to the technician first.
    pub comment: Option<String>,
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
    /// The ticket number.
    pub number: i64,
    pub action: LineItemAction,
    /// The line item to update or remove (its `id` in get_ticket).
    pub line_item_id: Option<i64>,
    /// Name (required to add; both name and description are).
    pub name: Option<String>,
    pub description: Option<String>,
    /// Quantity: decimal hours for labor (45 min = 0.75). Required to add.
    pub quantity: Option<f64>,
    /// Unit price in dollars (sent as price_retail). Required to add.
    pub price: Option<f64>,
    /// Product id (add only).
    pub product_id: Option<i64>,
}

/// What to do with a timer entry.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimerAction {
    Add,
    /// Mark it recorded, which creates its line item.
    Charge,
    Delete,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueTimerArgs {
    /// The ticket number.
    pub number: i64,
    pub action: TimerAction,
    /// The timer entry to charge or delete (its `id` in get_ticket).
    pub timer_id: Option<i64>,
    /// When it started (add): RFC 3339, `YYYY-MM-DD HH:MM` or `HH:MM`
    /// (today), the last two in the technician's local time.
    pub start: Option<String>,
    /// When it ended (add; or give `minutes`).
    pub end: Option<String>,
    /// How long it ran (add; or give `end`).
    pub minutes: Option<i64>,
    pub notes: Option<String>,
    #[serde(default)]
    pub billable: bool,
    /// Labor type (its product), or `product_id`.
    pub labor: Option<String>,
    pub product_id: Option<i64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueInvoiceArgs {
    /// The ticket number whose uninvoiced line items the invoice takes.
    pub number: i64,
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
    /// Queue a comment on a ticket. A customer-visible comment (not
    /// `hidden`) is emailed to the customer: show the text to the
    /// technician and get their yes first. It waits out the undo window
    /// before it is sent; cancel_write takes it back until then.
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
    ) -> Result<Json<WriteAnswer>, ToolError> {
        self.with_cache(move |ctx, cache| {
            let input = CommentInput {
                ticket: TicketRef::Number(a.number),
                subject: a.subject.unwrap_or_else(|| "Update".into()),
                body: a.body,
                hidden: a.hidden,
                do_not_email: a.do_not_email,
                tech: None,
            };
            let plan = comment::plan(ctx, &*cache, input)?;
            enqueue(ctx, cache, plan)
        })
        .await
        .map(Json)
    }

    /// Queue a change of a ticket's status and/or priority (status
    /// "Resolved" closes it). Held, not sent, if someone else changed the
    /// ticket since the cache saw it.
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
    ) -> Result<Json<WriteAnswer>, ToolError> {
        self.with_cache(move |ctx, cache| {
            if a.status.is_none() && a.priority.is_none() {
                bail!("give `status` and/or `priority`; nothing queued");
            }
            let input = UpdateInput {
                ticket: TicketRef::Number(a.number),
                status: a.status,
                priority: a.priority,
            };
            let plan = ticket::plan_update(ctx, &*cache, input)?;
            enqueue(ctx, cache, plan)
        })
        .await
        .map(Json)
    }

    /// Queue a new ticket for a customer. It has no number until syncrod
    /// creates it: wait_for_write returns it (`result.number`).
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
    ) -> Result<Json<WriteAnswer>, ToolError> {
        self.with_cache(move |ctx, cache| {
            let input = CreateInput {
                customer: a.customer,
                subject: a.subject,
                problem_type: a.problem_type,
                priority: a.priority,
                body: a.body,
            };
            let plan = ticket::plan_create(ctx, &*cache, input)?;
            enqueue(ctx, cache, plan)
        })
        .await
        .map(Json)
    }

    /// Queue billing a ticket as one ordered write: an optional comment,
    /// the labor line item (minutes as decimal hours at the labor type's
    /// product and rate), an invoice of the ticket's uninvoiced lines
    /// (checked after), and status Invoiced. `minutes` and `labor` are
    /// required: ask the technician, never assume.
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
    ) -> Result<Json<WriteAnswer>, ToolError> {
        self.with_cache(move |ctx, cache| {
            let input = BillInput {
                ticket: TicketRef::Number(a.number),
                minutes: a.minutes,
                labor: a.labor,
                rate: a.rate,
                comment: a.comment,
            };
            let plan = bill::plan(ctx, &*cache, input)?;
            enqueue(ctx, cache, plan)
        })
        .await
        .map(Json)
    }

    /// Queue adding, updating or removing a ticket line item. Prices are
    /// sent as price_retail (the only field that sets a price).
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
    ) -> Result<Json<WriteAnswer>, ToolError> {
        self.with_cache(move |ctx, cache| {
            let ticket = TicketRef::Number(a.number);
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
            enqueue(ctx, cache, plan)
        })
        .await
        .map(Json)
    }

    /// Queue adding a timer entry to a ticket, charging one (which creates
    /// its line item), or deleting one.
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
    ) -> Result<Json<WriteAnswer>, ToolError> {
        self.with_cache(move |ctx, cache| {
            let ticket = TicketRef::Number(a.number);
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
            enqueue(ctx, cache, plan)
        })
        .await
        .map(Json)
    }

    /// Queue an invoice made from the ticket's uninvoiced line items;
    /// syncrod reads it back to check they arrived.
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
    ) -> Result<Json<WriteAnswer>, ToolError> {
        self.with_cache(move |ctx, cache| {
            let input = InvoiceCreateInput {
                ticket: TicketRef::Number(a.number),
            };
            let plan = invoice::plan(ctx, &*cache, input)?;
            enqueue(ctx, cache, plan)
        })
        .await
        .map(Json)
    }
}
