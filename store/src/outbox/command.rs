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
    pub fn can_conflict(&self) -> bool {
        matches!(self, Command::UpdateTicket { .. })
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max - 1).collect::<String>())
    }
}
