//! The command line as typed: clap structs and the small value types whose
//! shape clap can check on its own (a malformed value exits 2).
//!
//! Checks that need the config or the cache (does the ticket exist, is the
//! labor type configured) happen afterwards, in each command's validation
//! step, and exit 1.

use std::path::PathBuf;
use std::str::FromStr;

use clap::{Args, Parser, Subcommand};
use clap_complete::Shell;

use crate::render::ticket::CommentCount;
use crate::ticket_ref::TicketRef;
use crate::write::bill::BillInput;
use crate::write::comment::CommentInput;
use crate::write::invoice::InvoiceCreateInput;
use crate::write::line_item::LineItemInput;
use crate::write::ticket::{CloseInput, CreateInput, UpdateInput};
use crate::write::timer::TimerInput;

const AFTER_HELP: &str = "\
Every read answers from the local cache that syncrod keeps in sync; every
write is queued in the outbox and sent by syncrod.

Exit codes: 0 ok, 1 error (nothing was queued), 2 usage error.";

/// `syncro labor --help`, after the options.
const LABOR_AFTER_HELP: &str = "\
Each [labor.<type>] of the config with the product its bills use, as the
cache knows it: name, category, retail price, and a flag when the id is
not in the cache, is retired (disabled in Syncro) or is not a labor
product. Then the labor products no type uses. syncrod lists the products
after the open tickets, then hourly and in the daily sweep (`syncrod once`
always does).

Exit codes: 0 every configured product is known and current (also when
the products were never mirrored: nothing to check against yet), 1 a
configured product id is unknown or retired, 2 usage error.";

#[derive(Debug, Parser)]
#[command(
    name = "syncro",
    version,
    about = "Instant answers from the local Syncro PSA cache; writes queued for syncrod",
    after_help = AFTER_HELP
)]
pub struct Cli {
    /// Config file [default: $SYNCRO_CONFIG, else ~/.config/syncro/config.toml]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Print JSON with the Syncro API's own field names; every query also
    /// carries as_of, age_secs, stale and daemon_running at the top level
    /// (lists: those plus the items under "tickets", "customers", ...)
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List open tickets (the default command)
    Tickets(TicketsArgs),
    /// Show one ticket: thread, line items, timers, invoices, pending writes
    Ticket(TicketArgs),
    /// Full-text search over tickets and their comments
    Search(SearchArgs),
    /// List customers, optionally matching QUERY
    Customers(CustomersArgs),
    /// Show a customer with its open tickets and unpaid invoices
    Customer(CustomerArgs),
    /// List invoices
    Invoices(InvoicesArgs),
    /// Show an invoice by number, or `invoice create TICKET`
    Invoice(InvoiceArgs),
    /// Queue a comment on a ticket
    Comment(Write<CommentInput>),
    /// Queue a change of status, priority, assignee or due date
    Update(Write<UpdateInput>),
    /// Queue setting a ticket to Resolved
    Close(Write<CloseInput>),
    /// Queue a new ticket
    Create(Write<CreateInput>),
    /// Queue billing a ticket: comment, labor line, invoice, status Invoiced
    Bill(Write<BillInput>),
    /// Labor types next to their products in the cache: unknown or retired ids
    #[command(after_help = LABOR_AFTER_HELP)]
    Labor,
    /// Queue line item changes
    LineItem(WriteAction<LineItemInput>),
    /// Queue timer entries and changes to them
    Timer(WriteAction<TimerInput>),
    /// Show queued writes, or cancel/release/retry one
    Outbox(OutboxArgs),
    /// Take back the most recent write not sent yet (a whole bill)
    Undo,
    /// Cache freshness, outbox counts and whether syncrod is running
    Status,
    /// Ask the running syncrod for an immediate sync pass (or one ticket)
    Sync(SyncArgs),
    /// Write a markdown session log for a ticket
    Log(LogArgs),
    /// Print shell completions
    Completions(CompletionsArgs),
    /// Set up: account, API key (kept in the OS keyring), labor types,
    /// the service and the first sync (run again to change a setting)
    Init(InitArgs),
    /// Check the config, API key, cache, daemon and server
    Doctor,
    /// Serve the cache and the outbox to AI agents over MCP (stdio)
    Mcp(McpArgs),
    /// The cache and the outbox as one keyboard-driven screen (? shows the keys)
    Tui(TuiArgs),
}

#[derive(Debug, Args, Default)]
pub struct TicketsArgs {
    /// Only this status (repeatable; any case)
    #[arg(long, value_name = "STATUS")]
    pub status: Vec<String>,
    /// Only this customer (id or name)
    #[arg(long, value_name = "ID|NAME")]
    pub customer: Option<String>,
    /// Only tickets assigned to you (config `user_id`)
    #[arg(long)]
    pub mine: bool,
    /// Include Resolved, Invoiced and Closed tickets
    #[arg(long)]
    pub all: bool,
    /// At most N tickets
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

#[derive(Debug, Args)]
pub struct TicketArgs {
    /// Ticket number (32164 or #32164), or @ID of a ticket create once done
    pub number: TicketRef,
    /// How many comments to show, newest first: a number or `all`
    /// (--json always carries every comment)
    #[arg(long, default_value = "5", value_name = "N|all")]
    pub comments: CommentCount,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Words to find; "quoted phrase", prefix*
    #[arg(required = true, num_args = 1.., value_name = "QUERY")]
    pub query: Vec<String>,
    /// Only this status (any case)
    #[arg(long)]
    pub status: Option<String>,
    /// Only this customer (id or name)
    #[arg(long, value_name = "ID|NAME")]
    pub customer: Option<String>,
    /// Only tickets updated since (YYYY-MM-DD or RFC 3339)
    #[arg(long, value_name = "DATE")]
    pub since: Option<Since>,
    /// At most N results
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub limit: usize,
    /// Rank every match, however many (by default a search matching more
    /// than 5,000 tickets, after filters, ranks the 5,000 with the highest
    /// ids, the newest created, to stay instant)
    #[arg(long)]
    pub rank_all: bool,
}

#[derive(Debug, Args)]
pub struct CustomersArgs {
    /// Part of a name, business, email or phone
    pub query: Option<String>,
    /// Include disabled customers
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct CustomerArgs {
    /// Customer id or name
    #[arg(value_name = "ID|NAME")]
    pub who: String,
}

#[derive(Debug, Args)]
pub struct InvoicesArgs {
    /// Only invoices of this ticket number
    #[arg(long, value_name = "NUMBER")]
    pub ticket: Option<TicketRef>,
    /// Only unpaid invoices
    #[arg(long)]
    pub unpaid: bool,
    /// Only this customer (id or name)
    #[arg(long, value_name = "ID|NAME")]
    pub customer: Option<String>,
    /// At most N invoices
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct InvoiceArgs {
    /// Invoice number (or id)
    #[arg(required = true)]
    pub number: Option<String>,
    #[command(subcommand)]
    pub command: Option<InvoiceCommand>,
}

#[derive(Debug, Subcommand)]
pub enum InvoiceCommand {
    /// Queue an invoice from the ticket's uninvoiced line items
    Create(Write<InvoiceCreateInput>),
}

/// Options every write takes.
#[derive(Debug, Args, Clone, Default)]
pub struct WriteOpts {
    /// Queue without asking (required when stdin is not a terminal)
    #[arg(short, long, global = true)]
    pub yes: bool,
    /// Wait until syncrod has sent and verified it (default 60 s)
    #[arg(
        long,
        value_name = "SECONDS",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "60",
        global = true
    )]
    pub wait: Option<u64>,
    /// Show what would be queued (for a bill: the lines, hours x rate and total) and queue nothing
    #[arg(long, conflicts_with = "wait", global = true)]
    pub dry_run: bool,
}

/// A write's arguments: its input, the same type the MCP tool takes (so
/// flags, tool arguments and their help are written once, in
/// `crate::write`), and the options every write takes.
#[derive(Debug, Args)]
pub struct Write<T: Args> {
    #[command(flatten)]
    pub input: T,
    #[command(flatten)]
    pub write: WriteOpts,
}

/// A write chosen by subcommand (`line-item add`, `timer update`); the
/// options every write takes may come before or after it.
#[derive(Debug, Args)]
pub struct WriteAction<S: Subcommand> {
    #[command(subcommand)]
    pub input: S,
    #[command(flatten)]
    pub write: WriteOpts,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct OutboxArgs {
    /// Include done and cancelled items
    #[arg(long)]
    pub all: bool,
    #[command(subcommand)]
    pub command: Option<OutboxCommand>,
}

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// Stop a write: nothing more is sent (one that may already be on the server needs --force)
    Cancel(OutboxForceArgs),
    /// Let a write go ahead: a held one without the check that held it, a differing one as it
    /// landed, one waiting out a backoff now (resending one that may have landed needs --force)
    Release(OutboxForceArgs),
    /// Try a failed, held, differing or uncertain write again; never resends one that may have landed
    Retry(OutboxIdArgs),
}

#[derive(Debug, Args)]
pub struct OutboxForceArgs {
    /// Outbox item id
    pub id: i64,
    /// Act even though the write may already be on the server (look at the ticket in the web
    /// UI first): cancelling does not take it off, releasing sends it again
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct OutboxIdArgs {
    /// Outbox item id
    pub id: i64,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Only this ticket (32164, #32164, or @ID of a ticket create once
    /// done): its thread, fetched again first
    pub ticket: Option<TicketRef>,
    /// Wait until the new data is in the cache (default 30 s, at most 120)
    #[arg(
        long,
        value_name = "SECONDS",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "30"
    )]
    pub wait: Option<u64>,
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// Ticket number (32164 or #32164), or @ID of a ticket create once done
    pub ticket: TicketRef,
    /// Base directory; the log goes to DIR/clients/<customer>/session-logs/
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    /// Overwrite an existing log file
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Speaks the Model Context Protocol on stdin/stdout; logs go to stderr.
Set it up in Claude Code with `claude mcp add syncro -- syncro mcp`.")]
pub struct McpArgs {
    /// Offer only the read tools (no writes, no outbox actions)
    #[arg(long)]
    pub read_only: bool,
}

#[derive(Debug, Args)]
pub struct TuiArgs {
    /// Render to an in-memory WIDTHxHEIGHT screen and print it (tests)
    #[arg(long, hide = true, value_name = "WxH")]
    pub headless: Option<String>,
    /// Keys to press first, headless: text as typed, <Enter>, <Esc>, <C-s>...
    #[arg(long, hide = true, requires = "headless")]
    pub keys: Option<String>,
    /// Headless: print the first frame's and each keystroke's time as JSON
    #[arg(long, hide = true, requires = "headless")]
    pub bench: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    pub shell: Shell,
}

/// A `--since` bound in the cache's canonical timestamp shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Since(pub String);

impl FromStr for Since {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        syncro_store::time::normalize(s)
            .map(Since)
            .ok_or_else(|| format!("{s:?} is not a date (YYYY-MM-DD) or an RFC 3339 timestamp"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}

/// `syncro init`. The API key is never an argument (every user of the
/// machine can read arguments): type it at the prompt, pipe it in with
/// `--api-key-stdin`, or set SYNCRO_API_KEY.
#[derive(Debug, Args, Default)]
#[command(
    after_help = "Examples:\n  syncro init\n  printf '%s\\n' \"$KEY\" | syncro init --server acme --api-key-stdin --yes --service"
)]
pub struct InitArgs {
    /// The account: its subdomain (acme for acme.syncromsp.com) or the API
    /// base URL
    #[arg(long, value_name = "SUBDOMAIN|URL")]
    pub server: Option<String>,
    /// Read the API key from the first line of standard input
    #[arg(long)]
    pub api_key_stdin: bool,
    /// Where the key is kept [default: keyring, or a 0600 file where there
    /// is no credential store, such as a headless Linux server]
    #[arg(long, value_enum, value_name = "STORE")]
    pub key_store: Option<KeyStore>,
    /// Labor types: propose them from the shop's Labor products, or keep
    /// the configured ones [default: discover on a first run, else ask]
    #[arg(long, value_enum, value_name = "CHOICE")]
    pub labor: Option<LaborChoice>,
    /// Install and start syncrod as a service (systemd user unit; Windows
    /// service) [default: ask; with --yes: no]
    #[arg(long, conflicts_with = "no_service")]
    pub service: bool,
    #[arg(long, hide = true)]
    pub no_service: bool,
    /// Run the first sync now, with its progress [default: ask; with
    /// --yes: no]
    #[arg(long, conflicts_with = "no_sync")]
    pub sync: bool,
    #[arg(long, hide = true)]
    pub no_sync: bool,
    /// Do not ask: take the defaults and the flags (also the case without
    /// a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// Where `init` keeps the API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KeyStore {
    /// The operating system's credential store (Secret Service, Keychain,
    /// Credential Manager)
    Keyring,
    /// A 0600 file next to the config
    File,
}

/// What `init` does with the labor types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LaborChoice {
    /// Propose them from the shop's Labor products
    Discover,
    /// Keep the configured ones
    Keep,
}
