//! The MCP server itself: its state (the config, and one cache connection
//! kept open across calls), how a tool call reaches the blocking store
//! code, and what it tells clients about itself.

use std::cell::OnceCell;
use std::sync::{Arc, Mutex};

use anyhow::Result;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{tool_handler, ErrorData, RoleServer, ServerHandler};
use syncro_store::config::Config;
use syncro_store::Store;

use super::schema;
use super::tool_error::{explain_argument_error, ToolError};
use crate::context::{Cache, Ctx};

/// What the server tells a client on connecting: the rules an agent must
/// keep, in a few lines (the skill has the workflows).
const INSTRUCTIONS: &str = "\
Syncro PSA tickets, customers and invoices from a local cache that syncrod keeps in sync; \
writes are queued in an outbox that syncrod sends, verifies and never duplicates.
- Every answer carries as_of and stale: when stale is true or daemon_running is false, \
tell the technician before acting on it (request_sync refreshes now).
- Show a customer-visible comment to the technician and get their yes before queue_comment.
- Before queue_bill, ask the technician for the minutes worked and the labor type; never assume. \
Dry-run it (dry_run) and show the total first.
- Never queue a write again because it seems slow: follow it with wait_for_write; \
retry_write is the only safe retry (it never resends what may have landed).
- A ticket `number` is its number, or \"@ID\" (the outbox id of a queued ticket create): \
writes take it before the ticket exists, reads once it does. Every queue_* takes dry_run: true to preview (a bill: lines, hours x rate, total) \
without queueing.";

/// The answer fields each tool's output schema names: what an agent looks
/// for first. Answers carry more (they describe themselves).
fn output_fields(tool: &str) -> &'static [&'static str] {
    const PAGE: &[&str] = &["as_of", "stale", "next_cursor"];
    match tool {
        "list_tickets" | "search_tickets" => &["as_of", "stale", "tickets", "next_cursor"],
        "list_customers" => &["as_of", "stale", "customers", "next_cursor"],
        "list_invoices" => &["as_of", "stale", "invoices", "next_cursor"],
        "list_outbox" => &["daemon_running", "outbox", "next_cursor"],
        "get_ticket" => &["as_of", "stale", "number", "comments", "pending"],
        "get_customer" => &["as_of", "stale", "id", "tickets", "invoices"],
        "get_invoice" => &["as_of", "stale", "number", "line_items"],
        "get_session_log" => &["as_of", "path", "markdown"],
        "list_labor_types" => &["labor_types", "problems"],
        "sync_status" => &["as_of", "stale", "daemon", "outbox", "access_refused"],
        "request_sync" => &["refreshed", "as_of", "message"],
        "wait_for_write" => &["outcome", "message", "items"],
        "cancel_write" | "release_write" | "retry_write" => &["id", "state", "message"],
        t if t.starts_with("queue_") => &["id", "preview"],
        _ => PAGE,
    }
}

/// `syncro mcp`'s state, shared by every tool call.
#[derive(Clone)]
pub struct SyncroMcp {
    shared: Arc<Shared>,
    pub(super) tool_router: ToolRouter<SyncroMcp>,
}

struct Shared {
    config: Config,
    /// Opened at the first call that needs it and kept: a tool call should
    /// cost a query, not a database open. `Store` is one connection, used
    /// by one call at a time.
    store: Mutex<OnceCell<Store>>,
}

impl SyncroMcp {
    /// Every tool, or only the reads (`--read-only`).
    pub fn new(config: Config, read_only: bool) -> SyncroMcp {
        let mut tool_router = Self::read_tools();
        if !read_only {
            tool_router += Self::queue_tools();
            tool_router += Self::follow_tools();
        }
        // What an agent pays for before its first question (see `schema`).
        for route in tool_router.map.values_mut() {
            let tool = &mut route.attr;
            let mut input = (*tool.input_schema).clone();
            schema::lean_input(&mut input);
            tool.input_schema = Arc::new(input);
            if let Some(out) = &tool.output_schema {
                let mut out = (**out).clone();
                schema::lean_output(&mut out, output_fields(&tool.name));
                tool.output_schema = Some(Arc::new(out));
            }
            if let Some(a) = tool.annotations.as_mut() {
                schema::lean_annotations(a);
            }
        }
        SyncroMcp {
            shared: Arc::new(Shared {
                config,
                store: Mutex::new(OnceCell::new()),
            }),
            tool_router,
        }
    }

    /// A context for one call: its own "now", so ages and whether the
    /// daemon is alive are judged when the call is made.
    pub(super) fn ctx(&self) -> Ctx {
        Ctx::new(self.shared.config.clone(), true)
    }

    /// Runs `f` on a blocking thread with a fresh context and the cache
    /// (opened when `f` first asks for it, so input errors come before a
    /// missing cache). Errors become tool errors.
    pub(super) async fn with_cache<T, F>(&self, f: F) -> Result<T, ToolError>
    where
        T: Send + 'static,
        F: FnOnce(&Ctx, &mut Cached<'_>) -> Result<T> + Send + 'static,
    {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let ctx = this.ctx();
            // A call that panicked left the connection as SQLite keeps it:
            // consistent, so the lock may be taken again.
            let mut cell = this.shared.store.lock().unwrap_or_else(|p| p.into_inner());
            let mut cached = Cached {
                ctx: &ctx,
                cell: &mut cell,
            };
            f(&ctx, &mut cached)
        })
        .await
        .map_err(ToolError::internal)?
        .map_err(ToolError::from)
    }

    /// Like [`SyncroMcp::with_cache`] with a connection of its own, for a
    /// call that blocks a long time (`wait_for_write`) and must not hold
    /// up the others.
    pub(super) async fn with_own_store<T, F>(&self, f: F) -> Result<T, ToolError>
    where
        T: Send + 'static,
        F: FnOnce(&Ctx, &mut Store) -> Result<T> + Send + 'static,
    {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let ctx = this.ctx();
            let mut store = ctx.store()?;
            f(&ctx, &mut store)
        })
        .await
        .map_err(ToolError::internal)?
        .map_err(ToolError::from)
    }
}

/// The shared cache connection as a [`Cache`] for the read and write
/// layers, opened on first use.
pub(super) struct Cached<'a> {
    ctx: &'a Ctx,
    cell: &'a mut OnceCell<Store>,
}

impl Cache for Cached<'_> {
    fn store(&self) -> Result<&Store> {
        if let Some(store) = self.cell.get() {
            return Ok(store);
        }
        let store = self.ctx.store()?;
        Ok(self.cell.get_or_init(|| store))
    }
}

impl Cached<'_> {
    /// The store for queueing.
    pub(super) fn store_mut(&mut self) -> Result<&mut Store> {
        self.store()?;
        Ok(self.cell.get_mut().expect("opened just above"))
    }
}

/// `tools/list` and tool lookups come from the router (`tool_handler`);
/// calls go through it too, with argument errors made into sentences.
#[tool_handler(router = self.tool_router)]
impl ServerHandler for SyncroMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("syncro", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let name = request.name.to_string();
        let call = ToolCallContext::new(self, request, context);
        let response = self.tool_router.call(call).await?;
        Ok(match explain_argument_error(&name, &response) {
            Some(msg) => CallToolResult::error(vec![ContentBlock::text(msg)]).into(),
            None => response,
        })
    }
}
