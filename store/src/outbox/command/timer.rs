//! Timers (`add_timer`, `update_timer`, `delete_timer`, `charge_timer`):
//! the family's kinds and every answer about them.

use serde::{Deserialize, Serialize};

use super::{Command, ViewSection, WriteKind};

/// A write on a ticket's timer entries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(tag = "kind")]
pub enum TimerWrite {
    #[serde(rename = "add_timer")]
    Add {
        start_at: String,
        end_at: String,
        #[serde(default)]
        notes: Option<String>,
        #[serde(default)]
        billable: bool,
        #[serde(default)]
        product_id: Option<i64>,
    },
    #[serde(rename = "update_timer")]
    Update {
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
    #[serde(rename = "delete_timer")]
    Delete { timer_id: i64 },
    /// Charge the timer: the server turns it into a line item.
    #[serde(rename = "charge_timer")]
    Charge { timer_id: i64 },
}

impl From<TimerWrite> for Command {
    fn from(w: TimerWrite) -> Command {
        Command::Timer(w)
    }
}

impl WriteKind for TimerWrite {
    fn kind(&self) -> &'static str {
        match self {
            TimerWrite::Add { .. } => "add_timer",
            TimerWrite::Update { .. } => "update_timer",
            TimerWrite::Delete { .. } => "delete_timer",
            TimerWrite::Charge { .. } => "charge_timer",
        }
    }

    fn describe(&self) -> String {
        match self {
            TimerWrite::Add {
                start_at, end_at, ..
            } => format!("timer {start_at} .. {end_at}"),
            TimerWrite::Update { timer_id, .. } => format!("update timer {timer_id}"),
            TimerWrite::Delete { timer_id } => format!("delete timer {timer_id}"),
            TimerWrite::Charge { timer_id } => format!("charge timer {timer_id}"),
        }
    }

    fn can_conflict(&self) -> bool {
        match self {
            TimerWrite::Add { .. }
            | TimerWrite::Update { .. }
            | TimerWrite::Delete { .. }
            | TimerWrite::Charge { .. } => false,
        }
    }

    fn new_ticket_subject(&self) -> Option<&str> {
        match self {
            TimerWrite::Add { .. }
            | TimerWrite::Update { .. }
            | TimerWrite::Delete { .. }
            | TimerWrite::Charge { .. } => None,
        }
    }

    fn reaches_customer(&self) -> bool {
        match self {
            TimerWrite::Add { .. }
            | TimerWrite::Update { .. }
            | TimerWrite::Delete { .. }
            | TimerWrite::Charge { .. } => false,
        }
    }

    fn adds_line_item(&self) -> bool {
        match self {
            // Charging makes the timer's line item.
            TimerWrite::Charge { .. } => true,
            TimerWrite::Add { .. } | TimerWrite::Update { .. } | TimerWrite::Delete { .. } => false,
        }
    }

    fn section(&self) -> ViewSection<'_> {
        match self {
            TimerWrite::Add { .. }
            | TimerWrite::Update { .. }
            | TimerWrite::Delete { .. }
            | TimerWrite::Charge { .. } => ViewSection::Timers,
        }
    }
}

/// One of each kind.
#[cfg(test)]
pub(super) fn samples() -> Vec<TimerWrite> {
    vec![
        TimerWrite::Add {
            start_at: "2026-03-10T09:00:00.000Z".into(),
            end_at: "2026-03-10T09:45:00.000Z".into(),
            notes: None,
            billable: true,
            product_id: None,
        },
        TimerWrite::Update {
            timer_id: 3,
            start_at: None,
            end_at: None,
            notes: Some("onsite".into()),
            billable: None,
            product_id: None,
        },
        TimerWrite::Delete { timer_id: 3 },
        TimerWrite::Charge { timer_id: 3 },
    ]
}

#[cfg(test)]
mod tests {
    use super::super::testing::{answers, assert_every_kind, assert_stored_as};
    use super::*;

    #[test]
    fn every_kind_is_stored_as_it_always_was() {
        assert_every_kind(&samples(), 4, |w| match w {
            TimerWrite::Add { .. } => 0,
            TimerWrite::Update { .. } => 1,
            TimerWrite::Delete { .. } => 2,
            TimerWrite::Charge { .. } => 3,
        });
        let [add, update, delete, charge] =
            <[TimerWrite; 4]>::try_from(samples()).expect("four samples");
        assert_stored_as(
            add,
            r#"{"kind":"add_timer","start_at":"2026-03-10T09:00:00.000Z","end_at":"2026-03-10T09:45:00.000Z","notes":null,"billable":true,"product_id":null}"#,
        );
        assert_stored_as(
            update,
            r#"{"kind":"update_timer","timer_id":3,"start_at":null,"end_at":null,"notes":"onsite","billable":null,"product_id":null}"#,
        );
        assert_stored_as(delete, r#"{"kind":"delete_timer","timer_id":3}"#);
        assert_stored_as(charge, r#"{"kind":"charge_timer","timer_id":3}"#);
        assert_stored_as(
            TimerWrite::Add {
                start_at: "a".into(),
                end_at: "b".into(),
                notes: Some("remote".into()),
                billable: false,
                product_id: Some(9001),
            },
            r#"{"kind":"add_timer","start_at":"a","end_at":"b","notes":"remote","billable":false,"product_id":9001}"#,
        );
        assert_stored_as(
            TimerWrite::Update {
                timer_id: 3,
                start_at: Some("a".into()),
                end_at: Some("b".into()),
                notes: None,
                billable: Some(false),
                product_id: Some(1),
            },
            r#"{"kind":"update_timer","timer_id":3,"start_at":"a","end_at":"b","notes":null,"billable":false,"product_id":1}"#,
        );
    }

    /// (conflicts, creates a ticket, reaches the customer, adds a line,
    /// shows in) for each kind: only a charge makes a line an invoice takes.
    #[test]
    fn what_each_kind_answers() {
        let samples = samples();
        let got: Vec<_> = samples.iter().map(answers).collect();
        let timer = (false, false, false, false, ViewSection::Timers);
        let charge = (false, false, false, true, ViewSection::Timers);
        assert_eq!(got, [timer, timer, timer, charge]);
    }
}
