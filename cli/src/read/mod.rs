//! The read layer: every query over the cache as a typed question and a
//! serializable answer, shared by the CLI (which renders the answer as
//! text or prints it as `--json`) and `syncro mcp` (which returns it as a
//! tool's structured output). One implementation of each query, so the two
//! front ends can never disagree about what the cache holds.
//!
//! Every answer carries its [`Freshness`] (`as_of`, flattened into the
//! top level): an answer from a cache whose daemon stopped yesterday must
//! say so wherever it is shown.
//!
//! Lists are objects, not bare arrays: the freshness fields plus the items
//! under a key named for the resource (`{"as_of": ..., "tickets": [...]}`).

pub mod customers;
pub mod invoices;
pub mod labor;
pub mod outbox;
pub mod search;
pub mod status;
pub mod ticket;
pub mod tickets;

use std::collections::HashMap;

use anyhow::Result;
use schemars::JsonSchema;
use serde::Serialize;
use syncro_store::{Store, TicketRow};

pub use crate::freshness::Freshness;

/// A ticket in a list, with how many of our writes on it are still
/// pending: a ticket someone is already changing is worth a second look
/// before acting on it again.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ListedTicket {
    #[serde(flatten)]
    pub ticket: TicketRow,
    /// Writes on this ticket queued, in flight, or waiting for a human
    /// (see the outbox).
    pub pending_writes: i64,
}

/// Pending-write counts, looked up once per answer.
pub(crate) struct Pending(HashMap<i64, i64>);

impl Pending {
    pub(crate) fn load(store: &Store) -> Result<Pending> {
        Ok(Pending(store.outbox_pending_by_ticket()?))
    }

    pub(crate) fn list(&self, tickets: Vec<TicketRow>) -> Vec<ListedTicket> {
        tickets
            .into_iter()
            .map(|ticket| self.listed(ticket))
            .collect()
    }

    pub(crate) fn listed(&self, ticket: TicketRow) -> ListedTicket {
        ListedTicket {
            pending_writes: self.count(ticket.id),
            ticket,
        }
    }

    /// Pending writes on the ticket with internal id `ticket_id`.
    pub(crate) fn count(&self, ticket_id: i64) -> i64 {
        self.0.get(&ticket_id).copied().unwrap_or(0)
    }
}

/// Cuts `items` to `limit`, saying whether anything was cut. The query
/// asked for one more than `limit` to know.
pub(crate) fn cut<T>(mut items: Vec<T>, limit: Option<usize>) -> (Vec<T>, bool) {
    match limit {
        Some(l) if items.len() > l => {
            items.truncate(l);
            (items, true)
        }
        _ => (items, false),
    }
}

#[cfg(test)]
mod tests {
    use super::cut;

    #[test]
    fn cut_says_whether_it_cut() {
        assert_eq!(cut(vec![1, 2, 3], Some(2)), (vec![1, 2], true));
        assert_eq!(cut(vec![1, 2], Some(2)), (vec![1, 2], false));
        assert_eq!(cut(vec![1, 2], None), (vec![1, 2], false));
        assert_eq!(cut(vec![1], Some(0)), (vec![], true));
    }
}
