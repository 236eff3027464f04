//! What a queued write asks the server to do.

use serde::{Deserialize, Serialize};

/// Ticket fields an update may change; `None` leaves a field alone (the
/// request sends only what changes, since some Syncro PUTs reset omitted
/// fields).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct TicketFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<i64>,
    /// RFC 3339, UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
}

/// What a queued write asks the server to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Command {
    AddComment {
        subject: String,
        body: String,
        #[serde(default)]
        hidden: bool,
        #[serde(default)]
        do_not_email: bool,
        #[serde(default)]
        tech: Option<String>,
    },
    UpdateTicket {
        fields: TicketFields,
    },
    CreateTicket {
        customer_id: i64,
        subject: String,
        #[serde(default)]
        problem_type: Option<String>,
        #[serde(default)]
        priority: Option<String>,
        #[serde(default)]
        status: Option<String>,
        /// The initial comment's body.
        #[serde(default)]
        body: Option<String>,
    },
    AddLineItem {
        #[serde(default)]
        product_id: Option<i64>,
        name: String,
        description: String,
        /// Decimal hours for labor (30 minutes = 0.5).
        quantity: f64,
        /// Dollars; sent as `price_retail`, the only field that sets a price.
        price_retail: f64,
    },
    UpdateLineItem {
        line_item_id: i64,
        #[serde(default)]
        quantity: Option<f64>,
        #[serde(default)]
        price_retail: Option<f64>,
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        description: Option<String>,
    },
    RemoveLineItem {
        line_item_id: i64,
    },
    AddTimer {
        start_at: String,
        end_at: String,
        #[serde(default)]
        notes: Option<String>,
        #[serde(default)]
        billable: bool,
        #[serde(default)]
        product_id: Option<i64>,
    },
    UpdateTimer {
        timer_id: i64,
        #[serde(default)]
        start_at: Option<String>,
        #[serde(default)]
        end_at: Option<String>,
        #[serde(default)]
        notes: Option<String>,
        #[serde(default)]
        billable: Option<bool>,
        #[serde(default)]
        product_id: Option<i64>,
    },
    DeleteTimer {
        timer_id: i64,
    },
    ChargeTimer {
        timer_id: i64,
    },
    /// Invoice the ticket's uninvoiced line items, then verify they arrived.
    CreateInvoice {},
}

impl Command {
    /// The `kind` column value (the serde tag).
    pub fn kind(&self) -> &'static str {
        match self {
            Command::AddComment { .. } => "add_comment",
            Command::UpdateTicket { .. } => "update_ticket",
            Command::CreateTicket { .. } => "create_ticket",
            Command::AddLineItem { .. } => "add_line_item",
            Command::UpdateLineItem { .. } => "update_line_item",
            Command::RemoveLineItem { .. } => "remove_line_item",
            Command::AddTimer { .. } => "add_timer",
            Command::UpdateTimer { .. } => "update_timer",
            Command::DeleteTimer { .. } => "delete_timer",
            Command::ChargeTimer { .. } => "charge_timer",
            Command::CreateInvoice {} => "create_invoice",
        }
    }

    /// A one-line human description for lists and previews.
    pub fn describe(&self) -> String {
        match self {
            Command::AddComment {
                subject,
                body,
                hidden,
                ..
            } => {
                let first = body.lines().next().unwrap_or("");
                format!(
                    "comment{} \"{subject}\": {}",
                    if *hidden { " (hidden)" } else { "" },
                    truncate(first, 60)
                )
            }
            Command::UpdateTicket { fields } => {
                let mut parts = Vec::new();
                if let Some(s) = &fields.status {
                    parts.push(format!("status -> {s}"));
                }
                if let Some(p) = &fields.priority {
                    parts.push(format!("priority -> {p}"));
                }
                if let Some(s) = &fields.subject {
                    parts.push(format!("subject -> {s}"));
                }
                if let Some(p) = &fields.problem_type {
                    parts.push(format!("problem type -> {p}"));
                }
                if let Some(u) = fields.user_id {
                    parts.push(format!("assign -> user {u}"));
                }
                if let Some(d) = &fields.due_date {
                    parts.push(format!("due -> {d}"));
                }
                format!("update {}", parts.join(", "))
            }
            Command::CreateTicket {
                subject,
                customer_id,
                ..
            } => {
                format!("create ticket \"{subject}\" for customer {customer_id}")
            }
            Command::AddLineItem {
                name,
                quantity,
                price_retail,
                ..
            } => {
                format!("line item {name}: {quantity} x ${price_retail:.2}")
            }
            Command::UpdateLineItem { line_item_id, .. } => {
                format!("update line item {line_item_id}")
            }
            Command::RemoveLineItem { line_item_id } => format!("remove line item {line_item_id}"),
            Command::AddTimer {
                start_at, end_at, ..
            } => format!("timer {start_at} .. {end_at}"),
            Command::UpdateTimer { timer_id, .. } => format!("update timer {timer_id}"),
            Command::DeleteTimer { timer_id } => format!("delete timer {timer_id}"),
            Command::ChargeTimer { timer_id } => format!("charge timer {timer_id}"),
            Command::CreateInvoice {} => "invoice the ticket's line items".to_string(),
        }
    }

    /// Field updates can conflict with someone else's edit; appends
    /// (comments, line items, timers) cannot.
    ///
    /// Like every question about a kind, this lists every kind: a new one
    /// does not compile until it has an answer.
    pub fn can_conflict(&self) -> bool {
        match self {
            Command::UpdateTicket { .. } => true,
            Command::AddComment { .. }
            | Command::CreateTicket { .. }
            | Command::AddLineItem { .. }
            | Command::UpdateLineItem { .. }
            | Command::RemoveLineItem { .. }
            | Command::AddTimer { .. }
            | Command::UpdateTimer { .. }
            | Command::DeleteTimer { .. }
            | Command::ChargeTimer { .. }
            | Command::CreateInvoice {} => false,
        }
    }

    /// Whether this write creates a ticket: until it lands, writes on
    /// that ticket name it by this item's id (`@ID`) and wait for it.
    pub fn creates_ticket(&self) -> bool {
        match self {
            Command::CreateTicket { .. } => true,
            Command::AddComment { .. }
            | Command::UpdateTicket { .. }
            | Command::AddLineItem { .. }
            | Command::UpdateLineItem { .. }
            | Command::RemoveLineItem { .. }
            | Command::AddTimer { .. }
            | Command::UpdateTimer { .. }
            | Command::DeleteTimer { .. }
            | Command::ChargeTimer { .. }
            | Command::CreateInvoice {} => false,
        }
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max - 1).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One of each kind.
    fn samples() -> Vec<Command> {
        vec![
            Command::AddComment {
                subject: "Update".into(),
                body: "Rebooted the router".into(),
                hidden: false,
                do_not_email: false,
                tech: None,
            },
            Command::UpdateTicket {
                fields: TicketFields {
                    status: Some("Resolved".into()),
                    ..TicketFields::default()
                },
            },
            Command::CreateTicket {
                customer_id: 10,
                subject: "Printer offline".into(),
                problem_type: None,
                priority: None,
                status: None,
                body: None,
            },
            Command::AddLineItem {
                product_id: Some(9001),
                name: "Labor - Remote".into(),
                description: "Remote labor, 45 min".into(),
                quantity: 0.75,
                price_retail: 125.0,
            },
            Command::UpdateLineItem {
                line_item_id: 7,
                quantity: Some(1.0),
                price_retail: None,
                name: None,
                description: None,
            },
            Command::RemoveLineItem { line_item_id: 7 },
            Command::AddTimer {
                start_at: "2026-03-10T09:00:00.000Z".into(),
                end_at: "2026-03-10T09:45:00.000Z".into(),
                notes: None,
                billable: true,
                product_id: None,
            },
            Command::UpdateTimer {
                timer_id: 3,
                start_at: None,
                end_at: None,
                notes: Some("onsite".into()),
                billable: None,
                product_id: None,
            },
            Command::DeleteTimer { timer_id: 3 },
            Command::ChargeTimer { timer_id: 3 },
            Command::CreateInvoice {},
        ]
    }

    /// The `kind` column is the payload's serde tag: the outbox is queried
    /// by it, and the daemon reads the payload back by it.
    #[test]
    fn every_kind_is_its_serde_tag() -> Result<(), serde_json::Error> {
        // Lists every kind, so a new one does not compile until it has a
        // place here; `samples` must then hold one of it.
        let index = |c: &Command| match c {
            Command::AddComment { .. } => 0,
            Command::UpdateTicket { .. } => 1,
            Command::CreateTicket { .. } => 2,
            Command::AddLineItem { .. } => 3,
            Command::UpdateLineItem { .. } => 4,
            Command::RemoveLineItem { .. } => 5,
            Command::AddTimer { .. } => 6,
            Command::UpdateTimer { .. } => 7,
            Command::DeleteTimer { .. } => 8,
            Command::ChargeTimer { .. } => 9,
            Command::CreateInvoice {} => 10,
        };
        let mut seen = [false; 11];
        for c in samples() {
            seen[index(&c)] = true;
            let json = serde_json::to_value(&c)?;
            assert_eq!(json["kind"], c.kind(), "{c:?}");
            assert_eq!(serde_json::from_value::<Command>(json)?, c);
            assert!(!c.describe().is_empty(), "{c:?}");
        }
        assert!(seen.iter().all(|s| *s), "a kind has no sample: {seen:?}");
        Ok(())
    }

    #[test]
    fn only_field_updates_conflict_and_only_a_create_creates() {
        for c in samples() {
            assert_eq!(
                c.can_conflict(),
                matches!(c, Command::UpdateTicket { .. }),
                "{c:?}"
            );
            assert_eq!(
                c.creates_ticket(),
                matches!(c, Command::CreateTicket { .. }),
                "{c:?}"
            );
        }
    }
}
