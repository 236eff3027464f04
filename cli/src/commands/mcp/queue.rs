//! The write tools: each builds the same typed input as the CLI command,
//! goes through the same `plan` (every check the CLI makes), and queues
//! the plan in the outbox for syncrod, answering with the outbox ids and a
//! preview of exactly what will be sent. Nothing here talks to the server.

use std::borrow::Cow;

use anyhow::{bail, Result};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router, Json};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, DeserializeOwned, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use syncro_store::outbox::State;

use super::lean::Lean;
use super::server::{Cached, SyncroMcp};
use super::tool_error::ToolError;
use crate::context::{daemon_alive, Cache, Ctx};
use crate::write::bill::{self, BillInput};
use crate::write::comment::{self, CommentInput};
use crate::write::invoice::{self, InvoiceCreateInput};
use crate::write::line_item::{self, LineItemInput};
use crate::write::plan::{Plan, Queued};
use crate::write::ticket::{self, CreateInput, UpdateInput};
use crate::write::timer::{self, TimerInput};
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

/// A write tool's arguments: the write's own input, the very type the CLI
/// command parses (see `crate::write`), and `dry_run`.
///
/// Written by hand rather than with `#[serde(flatten)]`, which would
/// silently drop an unknown argument instead of refusing it: a misspelt
/// `hidden` must never post publicly.
#[derive(Debug)]
pub struct WriteArgs<T> {
    pub input: T,
    pub dry_run: bool,
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for WriteArgs<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut args = Map::<String, Value>::deserialize(d)?;
        let dry_run = match args.remove("dry_run") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => b,
            Some(other) => {
                return Err(de::Error::custom(format!(
                    "`dry_run` is true or false, not {other}"
                )))
            }
        };
        let input = T::deserialize(Value::Object(args)).map_err(de::Error::custom)?;
        Ok(WriteArgs { input, dry_run })
    }
}

impl<T: JsonSchema> JsonSchema for WriteArgs<T> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        format!("Write{}", T::schema_name()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let mut schema = T::json_schema(generator);
        let dry_run = json!({
            "type": "boolean",
            "description": "Only preview (bills: lines and total); nothing queued"
        });
        if let Some(obj) = schema.as_object_mut() {
            if let Some(Value::Object(props)) = obj.get_mut("properties") {
                props.insert("dry_run".into(), dry_run.clone());
            }
            // The tools with an `action`: one object per action, each
            // taking `dry_run` (and the whole an object, as MCP asks).
            if obj.contains_key("oneOf") {
                obj.insert("type".into(), json!("object"));
            }
            if let Some(Value::Array(alts)) = obj.get_mut("oneOf") {
                for alt in alts.iter_mut().filter_map(Value::as_object_mut) {
                    if let Some(Value::Object(props)) = alt.get_mut("properties") {
                        props.insert("dry_run".into(), dry_run.clone());
                    }
                }
            }
        }
        schema
    }
}

#[tool_router(router = queue_tools, vis = "pub(super)")]
impl SyncroMcp {
    /// Queue a comment (the customer gets it unless hidden).
    #[tool(annotations(
        title = "Queue a comment",
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = false,
        open_world_hint = true
    ))]
    pub async fn queue_comment(
        &self,
        Parameters(a): Parameters<WriteArgs<CommentInput>>,
    ) -> Result<Json<Lean<WriteAnswer>>, ToolError> {
        self.write(a, |ctx, cache, input| comment::plan(ctx, cache, input))
            .await
    }

    /// Queue a change of status, priority, assignee or due date.
    #[tool(annotations(
        title = "Queue a ticket update",
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = false,
        open_world_hint = true
    ))]
    pub async fn queue_ticket_update(
        &self,
        Parameters(a): Parameters<WriteArgs<UpdateInput>>,
    ) -> Result<Json<Lean<WriteAnswer>>, ToolError> {
        self.write(a, |ctx, cache, input| {
            ticket::plan_update(ctx, cache, input)
        })
        .await
    }

    /// Queue a new ticket (search the customer's first).
    #[tool(annotations(
        title = "Queue a new ticket",
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = false,
        open_world_hint = true
    ))]
    pub async fn queue_ticket_create(
        &self,
        Parameters(a): Parameters<WriteArgs<CreateInput>>,
    ) -> Result<Json<Lean<WriteAnswer>>, ToolError> {
        self.write(a, |ctx, cache, input| {
            ticket::plan_create(ctx, cache, input)
        })
        .await
    }

    /// Queue billing: comment, labor line, invoice, status Invoiced.
    #[tool(annotations(
        title = "Queue billing a ticket",
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = false,
        open_world_hint = true
    ))]
    pub async fn queue_bill(
        &self,
        Parameters(a): Parameters<WriteArgs<BillInput>>,
    ) -> Result<Json<Lean<WriteAnswer>>, ToolError> {
        self.write(a, |ctx, cache, input| bill::plan(ctx, cache, input))
            .await
    }

    /// Queue a line item add, update or removal.
    #[tool(annotations(
        title = "Queue a line item change",
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = false,
        open_world_hint = true
    ))]
    pub async fn queue_line_item(
        &self,
        Parameters(a): Parameters<WriteArgs<LineItemInput>>,
    ) -> Result<Json<Lean<WriteAnswer>>, ToolError> {
        self.write(a, |ctx, cache, input| line_item::plan(ctx, cache, input))
            .await
    }

    /// Queue a timer add, update, charge or delete.
    #[tool(annotations(
        title = "Queue a timer change",
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = false,
        open_world_hint = true
    ))]
    pub async fn queue_timer(
        &self,
        Parameters(a): Parameters<WriteArgs<TimerInput>>,
    ) -> Result<Json<Lean<WriteAnswer>>, ToolError> {
        self.write(a, |ctx, cache, input| timer::plan(ctx, cache, input))
            .await
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
        Parameters(a): Parameters<WriteArgs<InvoiceCreateInput>>,
    ) -> Result<Json<Lean<WriteAnswer>>, ToolError> {
        self.write(a, |ctx, cache, input| invoice::plan(ctx, cache, input))
            .await
    }
}

impl SyncroMcp {
    /// Plans a write with the same function the CLI uses and queues it
    /// (or, on a dry run, only says what would be queued).
    async fn write<T, F>(
        &self,
        args: WriteArgs<T>,
        plan: F,
    ) -> Result<Json<Lean<WriteAnswer>>, ToolError>
    where
        T: Send + 'static,
        F: FnOnce(&Ctx, &Cached<'_>, T) -> Result<Plan> + Send + 'static,
    {
        self.with_cache(move |ctx, cache| {
            let planned = plan(ctx, &*cache, args.input)?;
            finish(ctx, cache, planned, args.dry_run)
        })
        .await
        .map(Json)
    }
}
