//! Invoices (`create_invoice`): the family's kinds and every answer about
//! them.

use serde::{Deserialize, Serialize};

use super::{Command, ViewSection, WriteKind};

/// A write that makes an invoice of a ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(tag = "kind")]
pub enum InvoiceWrite {
    /// Invoice the ticket's uninvoiced line items, then verify they arrived.
    #[serde(rename = "create_invoice")]
    Create {},
}

impl From<InvoiceWrite> for Command {
    fn from(w: InvoiceWrite) -> Command {
        Command::Invoice(w)
    }
}

impl WriteKind for InvoiceWrite {
    fn kind(&self) -> &'static str {
        match self {
            InvoiceWrite::Create {} => "create_invoice",
        }
    }

    fn describe(&self) -> String {
        match self {
            InvoiceWrite::Create {} => "invoice the ticket's line items".to_string(),
        }
    }

    fn can_conflict(&self) -> bool {
        match self {
            InvoiceWrite::Create {} => false,
        }
    }

    fn new_ticket_subject(&self) -> Option<&str> {
        match self {
            InvoiceWrite::Create {} => None,
        }
    }

    fn reaches_customer(&self) -> bool {
        match self {
            InvoiceWrite::Create {} => false,
        }
    }

    fn adds_line_item(&self) -> bool {
        match self {
            InvoiceWrite::Create {} => false,
        }
    }

    fn section(&self) -> ViewSection<'_> {
        match self {
            InvoiceWrite::Create {} => ViewSection::Invoices,
        }
    }
}

/// One of each kind.
#[cfg(test)]
pub(super) fn samples() -> Vec<InvoiceWrite> {
    vec![InvoiceWrite::Create {}]
}

#[cfg(test)]
mod tests {
    use super::super::testing::{answers, assert_every_kind, assert_stored_as};
    use super::*;

    #[test]
    fn every_kind_is_stored_as_it_always_was() {
        assert_every_kind(&samples(), 1, |w| match w {
            InvoiceWrite::Create {} => 0,
        });
        assert_stored_as(InvoiceWrite::Create {}, r#"{"kind":"create_invoice"}"#);
    }

    /// (conflicts, creates a ticket, reaches the customer, adds a line,
    /// shows in) for each kind.
    #[test]
    fn what_each_kind_answers() {
        let samples = samples();
        let got: Vec<_> = samples.iter().map(answers).collect();
        assert_eq!(got, [(false, false, false, false, ViewSection::Invoices)]);
    }
}
