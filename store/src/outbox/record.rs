//! What the daemon learns about one write along the way, kept in the
//! item's `result` column. One typed record instead of loose JSON keys, so
//! the daemon, the CLI and `--json` agree on what each field means.

use serde::{Deserialize, Serialize};

/// Everything recorded about an item's trip to the server.
///
/// Fields are optional because each is learned at a different step, and
/// rows written by older versions lack the newer ones.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct ItemResult {
    /// The newest id of the records this write would add, read just before
    /// the first send: an earlier landing can only be newer than this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before_max_id: Option<i64>,
    /// For an invoice: the ticket's uninvoiced lines it must hold.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expected_lines: Vec<ExpectedLine>,
    /// When (our clock) the last request that may have reached the server
    /// went out. Probing waits a grace counted from here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<String>,
    /// Looks made for the current unknown outcome, none of which found it.
    #[serde(skip_serializing_if = "is_zero")]
    pub probes: u32,
    /// Sends whose outcome stayed unknown and that were then proven absent.
    #[serde(skip_serializing_if = "is_zero")]
    pub unknown_sends: u32,
    /// What the server answered to the last send it failed (a 5xx, an
    /// unreadable body), in its own words; `None` when no answer came. A
    /// write the server keeps failing ends `failed` quoting it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_said: Option<String>,
    /// The ticket's `updated_at` after our write: a later server value not
    /// newer than this is our own doing, not someone else's edit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket_updated_at: Option<String>,
    /// For a ticket create: the new ticket's id and number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<i64>,
    /// For an invoice create: the invoice's id and number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice_number: Option<String>,
    /// What the read-back found different from what was asked.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub differences: Vec<Difference>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl ItemResult {
    /// Differences that block the steps queued after this one.
    pub fn blocking(&self) -> impl Iterator<Item = &Difference> {
        self.differences.iter().filter(|d| d.blocking)
    }

    /// The differences as one line for lists and logs.
    pub fn describe_differences(&self) -> Option<String> {
        if self.differences.is_empty() {
            return None;
        }
        Some(
            self.differences
                .iter()
                .map(Difference::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        )
    }
}

/// One field the server holds differently from what was asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct Difference {
    /// Which record and field: "line item 812: price".
    pub field: String,
    pub expected: String,
    pub actual: String,
    /// Whether later steps of the same job must wait for a human (a price
    /// of $0.00 would be invoiced; a reworded comment would not matter).
    pub blocking: bool,
}

impl Difference {
    pub fn new(
        field: impl Into<String>,
        expected: impl ToString,
        actual: impl ToString,
        blocking: bool,
    ) -> Difference {
        Difference {
            field: field.into(),
            expected: expected.to_string(),
            actual: actual.to_string(),
            blocking,
        }
    }
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} is {:?}, expected {:?}",
            self.field, self.actual, self.expected
        )
    }
}

/// A line an invoice must hold, recorded from the ticket before sending.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct ExpectedLine {
    pub product_id: Option<i64>,
    pub name: Option<String>,
    pub quantity: f64,
    pub price_cents: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_from_older_versions_still_read() -> Result<(), serde_json::Error> {
        let r: ItemResult = serde_json::from_str(
            r#"{"before_max_id": 12, "expected_lines": [{"product_id": 9001, "name": null, "quantity": 0.5, "price_cents": 6250}],
                "ticket_updated_at": "2026-11-01T10:00:00.000Z", "unknown": 1}"#,
        )?;
        assert_eq!(r.before_max_id, Some(12));
        assert_eq!(r.expected_lines.len(), 1);
        assert_eq!(r.probes, 0);
        Ok(())
    }

    #[test]
    fn empty_fields_stay_out_of_the_json() -> Result<(), serde_json::Error> {
        let r = ItemResult {
            before_max_id: Some(3),
            ..ItemResult::default()
        };
        assert_eq!(serde_json::to_string(&r)?, r#"{"before_max_id":3}"#);
        Ok(())
    }
}
