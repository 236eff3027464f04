//! Where an outbox item is in its life, and which states wait for whom.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where an outbox item is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum State {
    Queued,
    Sending,
    /// The request may have reached the server; looking for it before
    /// anything is resent.
    Probing,
    Verifying,
    Done,
    /// Landed, but not as asked in a way that matters for later steps.
    Differs,
    /// Probing could not tell whether it landed: parked for a human.
    Uncertain,
    Failed,
    Held,
    Cancelled,
}

impl State {
    pub const ALL: [State; 10] = [
        State::Queued,
        State::Sending,
        State::Probing,
        State::Verifying,
        State::Done,
        State::Differs,
        State::Uncertain,
        State::Failed,
        State::Held,
        State::Cancelled,
    ];

    /// States the daemon works on.
    pub const ACTIVE: [State; 4] = [
        State::Queued,
        State::Sending,
        State::Probing,
        State::Verifying,
    ];

    /// States that wait for a human (`syncro outbox` lists them).
    pub const NEEDS_HUMAN: [State; 4] =
        [State::Held, State::Failed, State::Differs, State::Uncertain];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Queued => "queued",
            State::Sending => "sending",
            State::Probing => "probing",
            State::Verifying => "verifying",
            State::Done => "done",
            State::Differs => "differs",
            State::Uncertain => "uncertain",
            State::Failed => "failed",
            State::Held => "held",
            State::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// States the daemon still has to move forward.
    pub fn is_active(self) -> bool {
        State::ACTIVE.contains(&self)
    }

    /// States nothing will change without a human.
    pub fn is_final(self) -> bool {
        matches!(self, State::Done | State::Failed | State::Cancelled)
    }

    /// States that need a human to move on.
    pub fn needs_human(self) -> bool {
        State::NEEDS_HUMAN.contains(&self)
    }

    /// Whether the server holds this write (so nothing may send it again).
    pub fn has_landed(self) -> bool {
        matches!(self, State::Done | State::Differs)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
