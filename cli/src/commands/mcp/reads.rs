//! The read tools: the CLI's queries ([`crate::read`]) with typed
//! arguments, each answered with a compact view of the read layer's answer
//! ([`super::lean`]) and its freshness. All read-only: they never touch the
//! network or the outbox.

use anyhow::Result;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router, Json};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::cursor::{Pager, PAGE};
use super::lean::{self, Lean, TicketBrief, TicketPage, TicketView, WriteRow};
use super::server::SyncroMcp;
use super::tool_error::ToolError;
use crate::context::{not_cached, ticket_number, Cache};
use crate::read::customers::{self, CustomersQuery};
use crate::read::invoices::{self, InvoiceAnswer, InvoicesQuery};
use crate::read::labor::{self, LaborAnswer};
use crate::read::outbox;
use crate::read::search::{self, SearchQuery};
use crate::read::status::{self, StatusAnswer};
use crate::read::ticket;
use crate::read::tickets::{self, TicketsQuery};
use crate::read::Freshness;
use crate::ticket_ref::TicketRef;

/// A page size from the call, or the default.
fn size(limit: Option<usize>) -> usize {
    limit.unwrap_or(PAGE).max(1)
}

/// A search hit.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Hit {
    pub number: i64,
    pub subject: String,
    pub status: String,
    pub customer: String,
    /// Where it matched, [matched words] in brackets.
    pub snippet: String,
    #[serde(skip_serializing_if = "lean::is_zero")]
    pub pending_writes: i64,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct HitPage {
    #[serde(flatten)]
    pub freshness: Freshness,
    pub tickets: Vec<Hit>,
    /// The next page's `cursor`.
    pub next_cursor: Option<String>,
}

/// A customer in a list.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CustomerBrief {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub disabled: bool,
}

impl From<syncro_store::CustomerRow> for CustomerBrief {
    fn from(c: syncro_store::CustomerRow) -> CustomerBrief {
        CustomerBrief {
            id: c.id,
            name: c.business_then_name,
            email: c.email,
            phone: c.phone.or(c.mobile),
            disabled: c.disabled,
        }
    }
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CustomerPage {
    #[serde(flatten)]
    pub freshness: Freshness,
    pub customers: Vec<CustomerBrief>,
    /// The next page's `cursor`.
    pub next_cursor: Option<String>,
}

/// A customer with its open tickets and unpaid invoices, the newest
/// [`PAGE`] of each (an RMM-fed customer can have hundreds open).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CustomerView {
    #[serde(flatten)]
    pub freshness: Freshness,
    #[serde(flatten)]
    pub customer: CustomerBrief,
    pub tickets: Vec<TicketBrief>,
    pub invoices: Vec<InvoiceRowBrief>,
    /// When more: all (list_tickets/list_invoices by customer).
    pub tickets_total: Option<usize>,
    pub invoices_total: Option<usize>,
}

/// The first [`PAGE`] rows, and how many there were when that is not all.
fn capped<T, U: From<T>>(rows: Vec<T>) -> (Vec<U>, Option<usize>) {
    let total = rows.len();
    let shown = rows.into_iter().take(PAGE).map(U::from).collect();
    (shown, (total > PAGE).then_some(total))
}

/// An invoice in a list.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct InvoiceRowBrief {
    pub number: String,
    /// The ticket number it bills.
    pub ticket: Option<i64>,
    pub customer: String,
    pub date: Option<String>,
    /// Dollars.
    pub total: f64,
    pub paid: bool,
}

impl From<syncro_store::InvoiceRow> for InvoiceRowBrief {
    fn from(i: syncro_store::InvoiceRow) -> InvoiceRowBrief {
        InvoiceRowBrief {
            number: i.number,
            ticket: i.ticket_number,
            customer: i.customer_name,
            date: i.date,
            total: i.total_cents as f64 / 100.0,
            paid: i.is_paid,
        }
    }
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct InvoicePage {
    #[serde(flatten)]
    pub freshness: Freshness,
    pub invoices: Vec<InvoiceRowBrief>,
    /// The next page's `cursor`.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OutboxPage {
    #[serde(flatten)]
    pub freshness: Freshness,
    /// Oldest first.
    pub outbox: Vec<WriteRow>,
    /// The next page's `cursor`.
    pub next_cursor: Option<String>,
}

/// A session log, as `syncro log` writes it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SessionLog {
    #[serde(flatten)]
    pub freshness: Freshness,
    /// Where `syncro log` would write it (relative to its `--dir`).
    pub path: String,
    /// The markdown.
    pub markdown: String,
}

/// The rows of a list answered with one more than `offset + limit` asked,
/// from `offset`, and the next page's cursor.
fn paged<T>(
    pager: &Pager,
    rows: Vec<T>,
    truncated: bool,
    offset: usize,
    limit: usize,
) -> (Vec<T>, Option<String>) {
    let rows: Vec<T> = rows.into_iter().skip(offset).collect();
    (rows, truncated.then(|| pager.cursor(offset + limit)))
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListTicketsArgs {
    /// Default: open.
    #[serde(default)]
    pub status: Vec<String>,
    /// Id or name.
    pub customer: Option<String>,
    #[serde(default)]
    pub mine: bool,
    /// Closed ones too.
    #[serde(default)]
    pub all: bool,
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetTicketArgs {
    pub number: TicketRef,
    /// Default 5.
    pub comments: Option<usize>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketNumberArgs {
    pub number: TicketRef,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchTicketsArgs {
    /// All words must match; "a phrase", prefix*.
    pub query: String,
    pub status: Option<String>,
    /// Id or name.
    pub customer: Option<String>,
    /// YYYY-MM-DD.
    pub since: Option<String>,
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListCustomersArgs {
    /// Part of a name, email or phone.
    pub query: Option<String>,
    #[serde(default)]
    pub include_disabled: bool,
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetCustomerArgs {
    /// Id or name.
    pub customer: String,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListInvoicesArgs {
    /// A ticket's.
    pub number: Option<TicketRef>,
    #[serde(default)]
    pub unpaid: bool,
    /// Id or name.
    pub customer: Option<String>,
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetInvoiceArgs {
    /// Its number.
    pub invoice: String,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListOutboxArgs {
    /// Done and cancelled too.
    #[serde(default)]
    pub all: bool,
    pub cursor: Option<String>,
}

#[tool_router(router = read_tools, vis = "pub(super)")]
impl SyncroMcp {
    /// Tickets, newest first, 20 a page (next_cursor).
    #[tool(annotations(title = "List tickets", read_only_hint = true, open_world_hint = false))]
    pub async fn list_tickets(
        &self,
        Parameters(a): Parameters<ListTicketsArgs>,
    ) -> Result<Json<Lean<TicketPage>>, ToolError> {
        self.with_cache(move |ctx, cache| {
            let pager = Pager::new("list_tickets", &(&a.status, &a.customer, a.mine, a.all));
            let (offset, limit) = (pager.offset(a.cursor.as_deref())?, size(a.limit));
            let query = TicketsQuery {
                statuses: a.status,
                customer: a.customer,
                mine: a.mine,
                all: a.all,
                limit: Some(offset + limit),
            };
            let list = tickets::query(ctx, cache, &query)?;
            let (rows, next_cursor) = paged(&pager, list.tickets, list.truncated, offset, limit);
            Ok(Lean(TicketPage {
                freshness: list.freshness,
                tickets: rows.into_iter().map(TicketBrief::from).collect(),
                next_cursor,
            }))
        })
        .await
        .map(Json)
    }

    /// A ticket: newest comments first, lines, timers, invoices, pending writes.
    #[tool(annotations(title = "Get a ticket", read_only_hint = true, open_world_hint = false))]
    pub async fn get_ticket(
        &self,
        Parameters(a): Parameters<GetTicketArgs>,
    ) -> Result<Json<Lean<TicketView>>, ToolError> {
        self.with_cache(move |ctx, cache| {
            let number = ticket_number(cache.store()?, a.number)?;
            let answer = ticket::query(ctx, cache, number)?;
            Ok(Lean(TicketView::new(
                answer,
                a.comments.unwrap_or(lean::COMMENTS),
            )))
        })
        .await
        .map(Json)
    }

    /// Full-text search of tickets and threads, best first.
    #[tool(annotations(
        title = "Search tickets",
        read_only_hint = true,
        open_world_hint = false
    ))]
    pub async fn search_tickets(
        &self,
        Parameters(a): Parameters<SearchTicketsArgs>,
    ) -> Result<Json<Lean<HitPage>>, ToolError> {
        let pager = Pager::new(
            "search_tickets",
            &(&a.query, &a.status, &a.customer, &a.since),
        );
        self.with_cache(move |ctx, cache| {
            let limit = size(a.limit);
            let query = SearchQuery {
                query: a.query,
                status: a.status,
                customer: a.customer,
                since: a.since,
                limit,
                offset: pager.offset(a.cursor.as_deref())?,
                rank_all: false,
            };
            let found = search::query(ctx, cache, &query)?;
            Ok(Lean(HitPage {
                freshness: found.freshness,
                tickets: found
                    .tickets
                    .into_iter()
                    .map(|f| Hit {
                        number: f.hit.ticket.number,
                        subject: f.hit.ticket.subject,
                        status: f.hit.ticket.status,
                        customer: f.hit.ticket.customer_name,
                        snippet: f.hit.snippet,
                        pending_writes: f.pending_writes,
                    })
                    .collect(),
                next_cursor: found.next_offset.map(|at| pager.cursor(at)),
            }))
        })
        .await
        .map(Json)
    }

    /// Customers by name.
    #[tool(annotations(
        title = "List customers",
        read_only_hint = true,
        open_world_hint = false
    ))]
    pub async fn list_customers(
        &self,
        Parameters(a): Parameters<ListCustomersArgs>,
    ) -> Result<Json<Lean<CustomerPage>>, ToolError> {
        self.with_cache(move |ctx, cache| {
            let pager = Pager::new("list_customers", &(&a.query, a.include_disabled));
            let (offset, limit) = (pager.offset(a.cursor.as_deref())?, size(a.limit));
            let query = CustomersQuery {
                query: a.query,
                all: a.include_disabled,
                limit: Some(offset + limit),
            };
            let list = customers::list(ctx, cache, &query)?;
            let (rows, next_cursor) = paged(&pager, list.customers, list.truncated, offset, limit);
            Ok(Lean(CustomerPage {
                freshness: list.freshness,
                customers: rows.into_iter().map(CustomerBrief::from).collect(),
                next_cursor,
            }))
        })
        .await
        .map(Json)
    }

    /// A customer with open tickets and unpaid invoices.
    #[tool(annotations(
        title = "Get a customer",
        read_only_hint = true,
        open_world_hint = false
    ))]
    pub async fn get_customer(
        &self,
        Parameters(a): Parameters<GetCustomerArgs>,
    ) -> Result<Json<Lean<CustomerView>>, ToolError> {
        self.with_cache(move |ctx, cache| {
            let c = customers::show(ctx, cache, &a.customer)?;
            let (tickets, tickets_total) = capped(c.tickets);
            let (invoices, invoices_total) = capped(c.invoices);
            Ok(Lean(CustomerView {
                freshness: c.freshness,
                customer: c.customer.into(),
                tickets,
                invoices,
                tickets_total,
                invoices_total,
            }))
        })
        .await
        .map(Json)
    }

    /// Invoices, newest first.
    #[tool(annotations(
        title = "List invoices",
        read_only_hint = true,
        open_world_hint = false
    ))]
    pub async fn list_invoices(
        &self,
        Parameters(a): Parameters<ListInvoicesArgs>,
    ) -> Result<Json<Lean<InvoicePage>>, ToolError> {
        self.with_cache(move |ctx, cache| {
            let pager = Pager::new(
                "list_invoices",
                &(a.number.map(|r| r.to_string()), a.unpaid, &a.customer),
            );
            let (offset, limit) = (pager.offset(a.cursor.as_deref())?, size(a.limit));
            let ticket = match a.number {
                Some(r) => Some(ticket_number(cache.store()?, r)?),
                None => None,
            };
            let query = InvoicesQuery {
                ticket,
                unpaid: a.unpaid,
                customer: a.customer,
                limit: Some(offset + limit),
            };
            let list = invoices::list(ctx, cache, &query)?;
            let (rows, next_cursor) = paged(&pager, list.invoices, list.truncated, offset, limit);
            Ok(Lean(InvoicePage {
                freshness: list.freshness,
                invoices: rows.into_iter().map(InvoiceRowBrief::from).collect(),
                next_cursor,
            }))
        })
        .await
        .map(Json)
    }

    /// An invoice with its lines.
    #[tool(annotations(
        title = "Get an invoice",
        read_only_hint = true,
        open_world_hint = false
    ))]
    pub async fn get_invoice(
        &self,
        Parameters(a): Parameters<GetInvoiceArgs>,
    ) -> Result<Json<Lean<InvoiceAnswer>>, ToolError> {
        self.with_cache(move |ctx, cache| invoices::show(ctx, cache, &a.invoice).map(Lean))
            .await
            .map(Json)
    }

    /// Labor types for queue_bill; report any `problems`.
    #[tool(annotations(
        title = "List labor types",
        read_only_hint = true,
        open_world_hint = false
    ))]
    pub async fn list_labor_types(&self) -> Result<Json<Lean<LaborAnswer>>, ToolError> {
        self.with_cache(move |ctx, cache| labor::query(ctx, cache).map(Lean))
            .await
            .map(Json)
    }

    /// Cache freshness, outbox counts, duplicates, refused writes.
    #[tool(annotations(title = "Sync status", read_only_hint = true, open_world_hint = false))]
    pub async fn sync_status(&self) -> Result<Json<Lean<StatusAnswer>>, ToolError> {
        self.with_cache(move |ctx, cache| status::query(ctx, cache).map(Lean))
            .await
            .map(Json)
    }

    /// Our writes on their way or needing a human.
    #[tool(annotations(
        title = "List queued writes",
        read_only_hint = true,
        open_world_hint = false
    ))]
    pub async fn list_outbox(
        &self,
        Parameters(a): Parameters<ListOutboxArgs>,
    ) -> Result<Json<Lean<OutboxPage>>, ToolError> {
        self.with_cache(move |ctx, cache| {
            let pager = Pager::new("list_outbox", &a.all);
            let offset = pager.offset(a.cursor.as_deref())?;
            let list = outbox::query(ctx, cache, a.all)?;
            let rows: Vec<WriteRow> = list
                .outbox
                .iter()
                .map(|r| WriteRow::from(&r.item))
                .collect();
            let (outbox, next_cursor) = pager.page(rows, offset, PAGE);
            Ok(Lean(OutboxPage {
                freshness: list.freshness,
                outbox,
                next_cursor,
            }))
        })
        .await
        .map(Json)
    }

    /// A ticket's session log, as markdown.
    #[tool(annotations(title = "Session log", read_only_hint = true, open_world_hint = false))]
    pub async fn get_session_log(
        &self,
        Parameters(a): Parameters<TicketNumberArgs>,
    ) -> Result<Json<Lean<SessionLog>>, ToolError> {
        self.with_cache(move |ctx, cache| {
            let store = cache.store()?;
            let number = ticket_number(store, a.number)?;
            let detail = store
                .ticket_detail(number)?
                .ok_or_else(|| not_cached(number))?;
            let labor: Vec<i64> = ctx.config.labor.values().map(|l| l.product_id).collect();
            let path =
                crate::render::session_log::log_path(std::path::Path::new(""), &detail, ctx.now);
            Ok(Lean(SessionLog {
                freshness: Freshness::of(ctx, store, &["tickets"]),
                path: path.display().to_string(),
                markdown: crate::render::session_log::markdown(&detail, &labor),
            }))
        })
        .await
        .map(Json)
    }
}
