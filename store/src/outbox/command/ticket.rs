//! Tickets (`update_ticket`, `create_ticket`): the family's kinds and
//! every answer about them.

use serde::{Deserialize, Serialize};

use super::{Command, TicketFields, ViewSection, WriteKind};

/// A write on a ticket itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(tag = "kind")]
pub enum TicketWrite {
    #[serde(rename = "update_ticket")]
    Update { fields: TicketFields },
    #[serde(rename = "create_ticket")]
    Create {
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
}

impl From<TicketWrite> for Command {
    fn from(w: TicketWrite) -> Command {
        Command::Ticket(w)
    }
}

impl WriteKind for TicketWrite {
    fn kind(&self) -> &'static str {
        match self {
            TicketWrite::Update { .. } => "update_ticket",
            TicketWrite::Create { .. } => "create_ticket",
        }
    }

    fn describe(&self) -> String {
        match self {
            TicketWrite::Update { fields } => {
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
            TicketWrite::Create {
                subject,
                customer_id,
                ..
            } => format!("create ticket \"{subject}\" for customer {customer_id}"),
        }
    }

    fn can_conflict(&self) -> bool {
        match self {
            TicketWrite::Update { .. } => true,
            TicketWrite::Create { .. } => false,
        }
    }

    fn new_ticket_subject(&self) -> Option<&str> {
        match self {
            TicketWrite::Update { .. } => None,
            TicketWrite::Create { subject, .. } => Some(subject),
        }
    }

    fn reaches_customer(&self) -> bool {
        match self {
            TicketWrite::Update { .. } | TicketWrite::Create { .. } => false,
        }
    }

    fn adds_line_item(&self) -> bool {
        match self {
            TicketWrite::Update { .. } | TicketWrite::Create { .. } => false,
        }
    }

    fn section(&self) -> ViewSection<'_> {
        match self {
            TicketWrite::Update { .. } => ViewSection::Fields,
            // It makes the ticket rather than changing one; the writes
            // queued on the new ticket (`@ID`) show on it once it is cached.
            TicketWrite::Create { .. } => ViewSection::Nowhere,
        }
    }
}

/// One of each kind.
#[cfg(test)]
pub(super) fn samples() -> Vec<TicketWrite> {
    vec![
        TicketWrite::Update {
            fields: TicketFields {
                status: Some("Resolved".into()),
                ..TicketFields::default()
            },
        },
        TicketWrite::Create {
            customer_id: 10,
            subject: "Printer offline".into(),
            problem_type: None,
            priority: None,
            status: None,
            body: None,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::super::testing::{answers, assert_every_kind, assert_stored_as};
    use super::*;

    #[test]
    fn every_kind_is_stored_as_it_always_was() {
        assert_every_kind(&samples(), 2, |w| match w {
            TicketWrite::Update { .. } => 0,
            TicketWrite::Create { .. } => 1,
        });
        let [update, create] = <[TicketWrite; 2]>::try_from(samples()).expect("two samples");
        assert_stored_as(
            update,
            r#"{"kind":"update_ticket","fields":{"status":"Resolved"}}"#,
        );
        assert_stored_as(
            create,
            r#"{"kind":"create_ticket","customer_id":10,"subject":"Printer offline","problem_type":null,"priority":null,"status":null,"body":null}"#,
        );
        assert_stored_as(
            TicketWrite::Update {
                fields: TicketFields {
                    status: Some("Waiting on Customer".into()),
                    priority: Some("2 Normal".into()),
                    subject: Some("Printer".into()),
                    problem_type: Some("Hardware".into()),
                    user_id: Some(42),
                    due_date: Some("2026-12-01T17:00:00.000Z".into()),
                },
            },
            r#"{"kind":"update_ticket","fields":{"status":"Waiting on Customer","priority":"2 Normal","subject":"Printer","problem_type":"Hardware","user_id":42,"due_date":"2026-12-01T17:00:00.000Z"}}"#,
        );
        assert_stored_as(
            TicketWrite::Create {
                customer_id: 10,
                subject: "Printer offline".into(),
                problem_type: Some("Hardware".into()),
                priority: Some("1 High".into()),
                status: Some("New".into()),
                body: Some("It is dead".into()),
            },
            r#"{"kind":"create_ticket","customer_id":10,"subject":"Printer offline","problem_type":"Hardware","priority":"1 High","status":"New","body":"It is dead"}"#,
        );
    }

    /// (conflicts, creates a ticket, reaches the customer, adds a line,
    /// shows in) for each kind: only a field update conflicts, only a
    /// create creates.
    #[test]
    fn what_each_kind_answers() {
        let samples = samples();
        let got: Vec<_> = samples.iter().map(answers).collect();
        assert_eq!(
            got,
            [
                (true, false, false, false, ViewSection::Fields),
                (false, true, false, false, ViewSection::Nowhere),
            ]
        );
        assert_eq!(samples[1].new_ticket_subject(), Some("Printer offline"));
    }
}
