//! Line items (`add_line_item`, `update_line_item`, `remove_line_item`):
//! the family's kinds and every answer about them.

use serde::{Deserialize, Serialize};

use super::{Command, ViewSection, WriteKind};

/// A write on a ticket's line items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(tag = "kind")]
pub enum LineItemWrite {
    #[serde(rename = "add_line_item")]
    Add {
        #[serde(default)]
        product_id: Option<i64>,
        name: String,
        description: String,
        /// Decimal hours for labor (30 minutes = 0.5).
        quantity: f64,
        /// Dollars; sent as `price_retail`, the only field that sets a price.
        price_retail: f64,
    },
    #[serde(rename = "update_line_item")]
    Update {
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
    #[serde(rename = "remove_line_item")]
    Remove { line_item_id: i64 },
}

impl From<LineItemWrite> for Command {
    fn from(w: LineItemWrite) -> Command {
        Command::LineItem(w)
    }
}

impl WriteKind for LineItemWrite {
    fn kind(&self) -> &'static str {
        match self {
            LineItemWrite::Add { .. } => "add_line_item",
            LineItemWrite::Update { .. } => "update_line_item",
            LineItemWrite::Remove { .. } => "remove_line_item",
        }
    }

    fn describe(&self) -> String {
        match self {
            LineItemWrite::Add {
                name,
                quantity,
                price_retail,
                ..
            } => format!("line item {name}: {quantity} x ${price_retail:.2}"),
            LineItemWrite::Update { line_item_id, .. } => {
                format!("update line item {line_item_id}")
            }
            LineItemWrite::Remove { line_item_id } => format!("remove line item {line_item_id}"),
        }
    }

    fn can_conflict(&self) -> bool {
        match self {
            LineItemWrite::Add { .. }
            | LineItemWrite::Update { .. }
            | LineItemWrite::Remove { .. } => false,
        }
    }

    fn new_ticket_subject(&self) -> Option<&str> {
        match self {
            LineItemWrite::Add { .. }
            | LineItemWrite::Update { .. }
            | LineItemWrite::Remove { .. } => None,
        }
    }

    fn reaches_customer(&self) -> bool {
        match self {
            LineItemWrite::Add { .. }
            | LineItemWrite::Update { .. }
            | LineItemWrite::Remove { .. } => false,
        }
    }

    fn adds_line_item(&self) -> bool {
        match self {
            LineItemWrite::Add { .. } => true,
            LineItemWrite::Update { .. } | LineItemWrite::Remove { .. } => false,
        }
    }

    fn section(&self) -> ViewSection<'_> {
        match self {
            LineItemWrite::Add { .. }
            | LineItemWrite::Update { .. }
            | LineItemWrite::Remove { .. } => ViewSection::LineItems,
        }
    }
}

/// One of each kind.
#[cfg(test)]
pub(super) fn samples() -> Vec<LineItemWrite> {
    vec![
        LineItemWrite::Add {
            product_id: Some(9001),
            name: "Labor - Remote".into(),
            description: "Remote labor, 45 min".into(),
            quantity: 0.75,
            price_retail: 125.0,
        },
        LineItemWrite::Update {
            line_item_id: 7,
            quantity: Some(1.0),
            price_retail: None,
            name: None,
            description: None,
        },
        LineItemWrite::Remove { line_item_id: 7 },
    ]
}

#[cfg(test)]
mod tests {
    use super::super::testing::{answers, assert_every_kind, assert_stored_as};
    use super::*;

    #[test]
    fn every_kind_is_stored_as_it_always_was() {
        assert_every_kind(&samples(), 3, |w| match w {
            LineItemWrite::Add { .. } => 0,
            LineItemWrite::Update { .. } => 1,
            LineItemWrite::Remove { .. } => 2,
        });
        let [add, update, remove] =
            <[LineItemWrite; 3]>::try_from(samples()).expect("three samples");
        assert_stored_as(
            add,
            r#"{"kind":"add_line_item","product_id":9001,"name":"Labor - Remote","description":"Remote labor, 45 min","quantity":0.75,"price_retail":125.0}"#,
        );
        assert_stored_as(
            update,
            r#"{"kind":"update_line_item","line_item_id":7,"quantity":1.0,"price_retail":null,"name":null,"description":null}"#,
        );
        assert_stored_as(remove, r#"{"kind":"remove_line_item","line_item_id":7}"#);
        assert_stored_as(
            LineItemWrite::Add {
                product_id: None,
                name: "Toner".into(),
                description: "".into(),
                quantity: 2.0,
                price_retail: 89.5,
            },
            r#"{"kind":"add_line_item","product_id":null,"name":"Toner","description":"","quantity":2.0,"price_retail":89.5}"#,
        );
        assert_stored_as(
            LineItemWrite::Update {
                line_item_id: 7,
                quantity: None,
                price_retail: Some(0.1),
                name: Some("n".into()),
                description: Some("d".into()),
            },
            r#"{"kind":"update_line_item","line_item_id":7,"quantity":null,"price_retail":0.1,"name":"n","description":"d"}"#,
        );
    }

    /// (conflicts, creates a ticket, reaches the customer, adds a line,
    /// shows in) for each kind: only an added line is one an invoice takes.
    #[test]
    fn what_each_kind_answers() {
        let samples = samples();
        let got: Vec<_> = samples.iter().map(answers).collect();
        let add = (false, false, false, true, ViewSection::LineItems);
        let change = (false, false, false, false, ViewSection::LineItems);
        assert_eq!(got, [add, change, change]);
    }
}
