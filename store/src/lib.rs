//! The local cache of a Syncro PSA account and the outbox of queued writes.
//!
//! `syncro` (the CLI) and `syncrod` (the daemon) talk to each other only
//! through the SQLite file this crate opens: the CLI reads the cache and
//! enqueues outbox rows; the daemon fills the cache and drains the outbox.
//! Nothing here touches the network.

pub mod config;
mod customers;
mod db;
mod error;
pub mod files;
mod invoices;
pub mod json;
pub mod matching;
mod meta;
pub mod model;
pub mod outbox;
mod products;
mod search;
pub mod secret;
mod sync_state;
mod ticket_row;
mod tickets;
pub mod time;

pub use customers::CustomerRow;
pub use db::{Store, SCHEMA_VERSION};
pub use error::{StoreError, StoreResult};
pub use invoices::{InvoiceDetail, InvoiceFilter, InvoiceLineRow, InvoiceRow};
pub use meta::{Budget, DaemonHeartbeat};
pub use products::{is_labor_category, ProductRow, PRODUCTS_REFRESH_SECS};
pub use search::{fts_query, SearchFilter, SearchHit, SearchResults, RANK_WINDOW};
pub use sync_state::SyncState;
pub use ticket_row::TicketRow;
pub use tickets::{CommentRow, LastWriters, LineItemRow, TicketDetail, TicketFilter, TimerRow};

/// Ticket statuses that count as "closed" for the default open-ticket view.
pub const CLOSED_STATUSES: [&str; 3] = ["Resolved", "Invoiced", "Closed"];

/// Every ticket status the Syncro API accepts (others are refused with 422).
pub const TICKET_STATUSES: [&str; 10] = [
    "New",
    "In Progress",
    "Waiting on Customer",
    "Waiting on Vendor",
    "Waiting for Parts",
    "Customer Reply",
    "Scheduled",
    "Resolved",
    "Invoiced",
    "Closed",
];

/// The canonical spelling of a status typed in any case, if it is one.
pub fn canonical_status(s: &str) -> Option<&'static str> {
    TICKET_STATUSES
        .iter()
        .copied()
        .find(|known| known.eq_ignore_ascii_case(s.trim()))
}
