//! The row type of a ticket list, shared by the ticket queries
//! ([`crate::tickets`]) and full-text search ([`crate::search`]), so that
//! neither reaches into the other for it.

use rusqlite::Row;
use serde::Serialize;

use crate::CLOSED_STATUSES;

/// One line of a ticket list. Serialises with the API's own field names so
/// scripts written against Syncro read `--json` output without a mapping.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct TicketRow {
    pub id: i64,
    pub number: i64,
    pub subject: String,
    pub status: String,
    pub priority: Option<String>,
    pub problem_type: Option<String>,
    pub customer_id: Option<i64>,
    #[serde(rename = "customer_business_then_name")]
    pub customer_name: String,
    pub contact_id: Option<i64>,
    #[serde(rename = "contact_fullname")]
    pub contact_name: Option<String>,
    pub user_id: Option<i64>,
    #[serde(rename = "user_name")]
    pub user_name: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub due_date: Option<String>,
    pub resolved_at: Option<String>,
}

pub(crate) const TICKET_COLUMNS: &str =
    "t.id, t.number, t.subject, t.status, t.priority, t.problem_type, \
     t.customer_id, t.customer_name, t.contact_id, t.contact_name, t.user_id, t.user_name, \
     t.created_at, t.updated_at, t.due_date, t.resolved_at";

impl TicketRow {
    pub(crate) fn columns() -> &'static str {
        TICKET_COLUMNS
    }

    pub(crate) fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(TicketRow {
            id: r.get(0)?,
            number: r.get(1)?,
            subject: r.get(2)?,
            status: r.get(3)?,
            priority: r.get(4)?,
            problem_type: r.get(5)?,
            customer_id: r.get(6)?,
            customer_name: r.get(7)?,
            contact_id: r.get(8)?,
            contact_name: r.get(9)?,
            user_id: r.get(10)?,
            user_name: r.get(11)?,
            created_at: r.get(12)?,
            updated_at: r.get(13)?,
            due_date: r.get(14)?,
            resolved_at: r.get(15)?,
        })
    }

    pub fn is_open(&self) -> bool {
        !CLOSED_STATUSES.contains(&self.status.as_str())
    }
}
