//! The read tools: the CLI's queries ([`crate::read`]) with typed
//! arguments, each answer returned as structured output with its
//! freshness. All read-only: they never touch the network or the outbox.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router, Json};
use schemars::JsonSchema;
use serde::Deserialize;

use super::server::SyncroMcp;
use super::tool_error::ToolError;
use crate::read::customers::{self, CustomerAnswer, CustomerList, CustomersQuery};
use crate::read::invoices::{self, InvoiceAnswer, InvoiceList, InvoicesQuery};
use crate::read::labor::{self, LaborAnswer};
use crate::read::outbox::{self, OutboxList};
use crate::read::search::{self, SearchAnswer, SearchQuery};
use crate::read::status::{self, StatusAnswer};
use crate::read::ticket::{self, TicketAnswer};
use crate::read::tickets::{self, TicketList, TicketsQuery};

/// How many items a list answers when the call does not say: enough to
/// work with, few enough for a model's context.
const DEFAULT_LIMIT: usize = 50;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListTicketsArgs {
    /// Only these statuses (any case), e.g. ["New", "In Progress"]. Empty:
    /// every open status (all statuses with `all`).
    #[serde(default)]
    pub status: Vec<String>,
    /// Only this customer: a customer id or an unambiguous name.
    pub customer: Option<String>,
    /// Only tickets assigned to the technician (the config's `user_id`).
    #[serde(default)]
    pub mine: bool,
    /// Include Resolved, Invoiced and Closed tickets.
    #[serde(default)]
    pub all: bool,
    /// At most this many tickets, newest first (default 50); `truncated`
    /// says when more match.
    pub limit: Option<usize>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketNumberArgs {
    /// The ticket number technicians use (32164 for "#32164"), not its
    /// internal id.
    pub number: i64,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchTicketsArgs {
    /// Words to find in subjects, customers and whole comment threads; all
    /// must match. "quoted phrase" for a phrase, prefix* for a prefix.
    pub query: String,
    /// Only this status (any case).
    pub status: Option<String>,
    /// Only this customer: a customer id or an unambiguous name.
    pub customer: Option<String>,
    /// Only tickets updated since this date (YYYY-MM-DD or RFC 3339).
    pub since: Option<String>,
    /// At most this many results, best first (default 20).
    pub limit: Option<usize>,
    /// `next_cursor` of the previous answer, for the results after it.
    pub cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListCustomersArgs {
    /// Part of a name, business, email or phone number.
    pub query: Option<String>,
    /// Include disabled customers.
    #[serde(default)]
    pub include_disabled: bool,
    /// At most this many customers (default 50); `truncated` says when
    /// more match.
    pub limit: Option<usize>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetCustomerArgs {
    /// A customer id, or a name matching one customer (an ambiguous name
    /// answers with the candidates).
    pub customer: String,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListInvoicesArgs {
    /// Only invoices of this ticket number.
    pub number: Option<i64>,
    /// Only unpaid invoices.
    #[serde(default)]
    pub unpaid: bool,
    /// Only this customer: a customer id or an unambiguous name.
    pub customer: Option<String>,
    /// At most this many invoices, newest first (default 50).
    pub limit: Option<usize>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetInvoiceArgs {
    /// The invoice number ("1201"; an invoice id works too).
    pub invoice: String,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListOutboxArgs {
    /// Include done and cancelled writes (by default only those still on
    /// their way or needing a human).
    #[serde(default)]
    pub all: bool,
}

#[tool_router(router = read_tools, vis = "pub(super)")]
impl SyncroMcp {
    /// List tickets from the local cache, newest first: open ones unless
    /// `status` or `all` say otherwise. Each carries `pending_writes`, the
    /// writes of ours still on their way on it.
    #[tool(annotations(title = "List tickets", read_only_hint = true, open_world_hint = false))]
    pub async fn list_tickets(
        &self,
        Parameters(a): Parameters<ListTicketsArgs>,
    ) -> Result<Json<TicketList>, ToolError> {
        let query = TicketsQuery {
            statuses: a.status,
            customer: a.customer,
            mine: a.mine,
            all: a.all,
            limit: Some(a.limit.unwrap_or(DEFAULT_LIMIT)),
        };
        self.with_cache(move |ctx, cache| tickets::query(ctx, cache, &query))
            .await
            .map(Json)
    }

    /// One ticket by number: status, customer, every comment (oldest
    /// first), line items, timers, invoices, our writes still pending on it
    /// (`outbox`), and comments that look like duplicates of ours.
    /// `thread_age_secs` says how old the thread is.
    #[tool(annotations(title = "Get a ticket", read_only_hint = true, open_world_hint = false))]
    pub async fn get_ticket(
        &self,
        Parameters(a): Parameters<TicketNumberArgs>,
    ) -> Result<Json<TicketAnswer>, ToolError> {
        self.with_cache(move |ctx, cache| ticket::query(ctx, cache, a.number))
            .await
            .map(Json)
    }

    /// Full-text search over tickets and their whole comment threads, best
    /// match first, each with a snippet ([matched words] in brackets).
    #[tool(annotations(
        title = "Search tickets",
        read_only_hint = true,
        open_world_hint = false
    ))]
    pub async fn search_tickets(
        &self,
        Parameters(a): Parameters<SearchTicketsArgs>,
    ) -> Result<Json<SearchAnswer>, ToolError> {
        let query = SearchQuery {
            query: a.query,
            status: a.status,
            customer: a.customer,
            since: a.since,
            limit: a.limit.unwrap_or(20),
            cursor: a.cursor,
            rank_all: false,
        };
        self.with_cache(move |ctx, cache| search::query(ctx, cache, &query))
            .await
            .map(Json)
    }

    /// List customers by name, optionally matching a part of a name,
    /// business, email or phone.
    #[tool(annotations(
        title = "List customers",
        read_only_hint = true,
        open_world_hint = false
    ))]
    pub async fn list_customers(
        &self,
        Parameters(a): Parameters<ListCustomersArgs>,
    ) -> Result<Json<CustomerList>, ToolError> {
        let query = CustomersQuery {
            query: a.query,
            all: a.include_disabled,
            limit: Some(a.limit.unwrap_or(DEFAULT_LIMIT)),
        };
        self.with_cache(move |ctx, cache| customers::list(ctx, cache, &query))
            .await
            .map(Json)
    }

    /// One customer by id or name, with its open tickets and unpaid
    /// invoices.
    #[tool(annotations(
        title = "Get a customer",
        read_only_hint = true,
        open_world_hint = false
    ))]
    pub async fn get_customer(
        &self,
        Parameters(a): Parameters<GetCustomerArgs>,
    ) -> Result<Json<CustomerAnswer>, ToolError> {
        self.with_cache(move |ctx, cache| customers::show(ctx, cache, &a.customer))
            .await
            .map(Json)
    }

    /// List invoices, newest first: of one ticket, one customer, or unpaid
    /// only.
    #[tool(annotations(
        title = "List invoices",
        read_only_hint = true,
        open_world_hint = false
    ))]
    pub async fn list_invoices(
        &self,
        Parameters(a): Parameters<ListInvoicesArgs>,
    ) -> Result<Json<InvoiceList>, ToolError> {
        let query = InvoicesQuery {
            ticket: a.number,
            unpaid: a.unpaid,
            customer: a.customer,
            limit: Some(a.limit.unwrap_or(DEFAULT_LIMIT)),
        };
        self.with_cache(move |ctx, cache| invoices::list(ctx, cache, &query))
            .await
            .map(Json)
    }

    /// One invoice by number, with its line items (`lines_synced` false:
    /// not fetched yet).
    #[tool(annotations(
        title = "Get an invoice",
        read_only_hint = true,
        open_world_hint = false
    ))]
    pub async fn get_invoice(
        &self,
        Parameters(a): Parameters<GetInvoiceArgs>,
    ) -> Result<Json<InvoiceAnswer>, ToolError> {
        self.with_cache(move |ctx, cache| invoices::show(ctx, cache, &a.invoice))
            .await
            .map(Json)
    }

    /// The configured labor types (what `queue_bill`'s `labor` takes), each
    /// with its product id, hourly rate and the product the cache knows for
    /// it; `check` flags an unknown or retired product (`problems` counts
    /// them: a bill at such a type would be wrong, tell the technician) or
    /// one that is not a labor product. Also the labor products no type
    /// uses.
    #[tool(annotations(
        title = "List labor types",
        read_only_hint = true,
        open_world_hint = false
    ))]
    pub async fn list_labor_types(&self) -> Result<Json<LaborAnswer>, ToolError> {
        self.with_cache(move |ctx, cache| labor::query(ctx, cache))
            .await
            .map(Json)
    }

    /// How fresh the cache is per resource (tickets, customers, invoices,
    /// products), the outbox's counts per state, duplicates noticed,
    /// whether syncrod runs, and its share of the office's API budget.
    #[tool(annotations(title = "Sync status", read_only_hint = true, open_world_hint = false))]
    pub async fn sync_status(&self) -> Result<Json<StatusAnswer>, ToolError> {
        self.with_cache(move |ctx, cache| status::query(ctx, cache))
            .await
            .map(Json)
    }

    /// The outbox: writes queued, on their way, or needing a human (held,
    /// failed, differs, uncertain), each with its `error` when it has one.
    #[tool(annotations(
        title = "List queued writes",
        read_only_hint = true,
        open_world_hint = false
    ))]
    pub async fn list_outbox(
        &self,
        Parameters(a): Parameters<ListOutboxArgs>,
    ) -> Result<Json<OutboxList>, ToolError> {
        self.with_cache(move |ctx, cache| outbox::query(ctx, cache, a.all))
            .await
            .map(Json)
    }
}
