//! What a queued write asks the server to do.
//!
//! One enum per family of writes, each in its own file with every answer
//! about its kinds ([`WriteKind`]): its `kind` name, how it is described,
//! whether it can conflict, whether it creates a ticket, reaches the
//! customer or adds a line an invoice takes, and where the ticket view
//! shows it. Each answer is a `match` over the family's kinds with no `_`
//! arm, so a kind left out is a compile error in its own family's file.
//! [`Command`] holds one of the five families and forwards every question
//! with one `match` over them (`forward!`).
//!
//! A new kind in an existing family touches only its family's file here
//! (besides the daemon's and the CLI's file for that family). A new family
//! adds a file here, a variant of [`Command`], an arm in `forward!` and a
//! line in [`Command`]'s `Deserialize`.
//!
//! The JSON (the outbox's `payload` column) is the one flat object it has
//! always been, tagged by `kind` (`{"kind": "add_comment", ...}`): each
//! family enum is tagged by `kind` with the old names, [`Command`]
//! serializes as the family it holds, and reads a payload back by asking
//! each family's serde tag whether the `kind` is one of its own.

mod comment;
mod invoice;
mod line_item;
mod ticket;
mod timer;

use std::fmt;

use serde::de::value::MapDeserializer;
use serde::de::{self, DeserializeOwned};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

pub use comment::CommentWrite;
pub use invoice::InvoiceWrite;
pub use line_item::LineItemWrite;
pub use ticket::TicketWrite;
pub use timer::TimerWrite;

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

/// Where a pending write shows in the ticket view.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ViewSection<'a> {
    /// Next to the fields it changes.
    Fields,
    /// On top of the comments, as it will read.
    Comment {
        subject: &'a str,
        body: &'a str,
        hidden: bool,
        tech: Option<&'a str>,
    },
    /// Under the line items.
    LineItems,
    /// Under the timers.
    Timers,
    /// Under the invoices.
    Invoices,
    /// Not on the ticket's view.
    Nowhere,
}

/// Every question asked about a kind of write, answered by each family's
/// enum for each of its kinds.
pub trait WriteKind {
    /// The `kind` column value (the serde tag).
    fn kind(&self) -> &'static str;

    /// A one-line human description for lists and previews.
    fn describe(&self) -> String;

    /// Field updates can conflict with someone else's edit; appends
    /// (comments, line items, timers) cannot.
    fn can_conflict(&self) -> bool;

    /// The subject of the ticket this write creates; `None` for a write
    /// on an existing ticket. Until it lands, writes on that ticket name
    /// it by this item's id (`@ID`) and wait for it.
    fn new_ticket_subject(&self) -> Option<&str>;

    /// Whether Syncro shows or emails this write to the customer when it
    /// lands (so that it waits out the undo window).
    fn reaches_customer(&self) -> bool;

    /// Whether it puts a line item on the ticket, which an invoice queued
    /// after it on the same ticket will take.
    fn adds_line_item(&self) -> bool;

    /// Where it shows in the ticket view while pending (a write queued on
    /// a ticket must show on it).
    fn section(&self) -> ViewSection<'_>;
}

/// What a queued write asks the server to do: one family's kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum Command {
    Comment(CommentWrite),
    Ticket(TicketWrite),
    LineItem(LineItemWrite),
    Timer(TimerWrite),
    Invoice(InvoiceWrite),
}

/// The one `match` over the families: `$w` is the family's enum.
macro_rules! forward {
    ($cmd:expr, $w:ident => $answer:expr) => {
        match $cmd {
            Command::Comment($w) => $answer,
            Command::Ticket($w) => $answer,
            Command::LineItem($w) => $answer,
            Command::Timer($w) => $answer,
            Command::Invoice($w) => $answer,
        }
    };
}

impl Command {
    /// The `kind` column value (the serde tag).
    pub fn kind(&self) -> &'static str {
        forward!(self, w => w.kind())
    }

    /// A one-line human description for lists and previews.
    pub fn describe(&self) -> String {
        forward!(self, w => w.describe())
    }

    /// See [`WriteKind::can_conflict`].
    pub fn can_conflict(&self) -> bool {
        forward!(self, w => w.can_conflict())
    }

    /// Whether this write creates a ticket: until it lands, writes on
    /// that ticket name it by this item's id (`@ID`) and wait for it.
    pub fn creates_ticket(&self) -> bool {
        self.new_ticket_subject().is_some()
    }

    /// See [`WriteKind::new_ticket_subject`].
    pub fn new_ticket_subject(&self) -> Option<&str> {
        forward!(self, w => w.new_ticket_subject())
    }

    /// See [`WriteKind::reaches_customer`].
    pub fn reaches_customer(&self) -> bool {
        forward!(self, w => w.reaches_customer())
    }

    /// See [`WriteKind::adds_line_item`].
    pub fn adds_line_item(&self) -> bool {
        forward!(self, w => w.adds_line_item())
    }

    /// See [`WriteKind::section`].
    pub fn section(&self) -> ViewSection<'_> {
        forward!(self, w => w.section())
    }
}

impl<'de> Deserialize<'de> for Command {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        let kind = match value.get("kind") {
            Some(Value::String(k)) => k.clone(),
            Some(other) => {
                return Err(de::Error::custom(format!(
                    "a write's `kind` must be a string, not {other}"
                )))
            }
            None => return Err(de::Error::missing_field("kind")),
        };
        fn read<W: DeserializeOwned, E: de::Error>(
            value: Value,
            wrap: fn(W) -> Command,
        ) -> Result<Command, E> {
            W::deserialize(value).map(wrap).map_err(E::custom)
        }
        if owns::<CommentWrite>(&kind) {
            read(value, Command::Comment)
        } else if owns::<TicketWrite>(&kind) {
            read(value, Command::Ticket)
        } else if owns::<LineItemWrite>(&kind) {
            read(value, Command::LineItem)
        } else if owns::<TimerWrite>(&kind) {
            read(value, Command::Timer)
        } else if owns::<InvoiceWrite>(&kind) {
            read(value, Command::Invoice)
        } else {
            Err(de::Error::custom(format!(
                "unknown kind of write `{kind}` (queued by a newer version of syncro?)"
            )))
        }
    }
}

/// Whether `kind` is one of `W`'s serde tags. Asked of serde itself (a
/// map holding only the tag), so that no list of kinds is kept by hand: an
/// unknown tag is the only failure that says `unknown_variant`, any other
/// (a missing field) means the tag was taken.
fn owns<W: DeserializeOwned>(kind: &str) -> bool {
    let tag_only = MapDeserializer::<_, TagProbe>::new(std::iter::once(("kind", kind)));
    match W::deserialize(tag_only) {
        Ok(_) => true,
        Err(TagProbe { unknown_tag }) => !unknown_tag,
    }
}

/// The error of [`owns`]'s probe: only whether the tag was unknown.
#[derive(Debug)]
struct TagProbe {
    unknown_tag: bool,
}

impl fmt::Display for TagProbe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.unknown_tag {
            "unknown kind"
        } else {
            "known kind"
        })
    }
}

impl std::error::Error for TagProbe {}

impl de::Error for TagProbe {
    fn custom<T: fmt::Display>(_: T) -> Self {
        TagProbe { unknown_tag: false }
    }

    fn unknown_variant(_: &str, _: &'static [&'static str]) -> Self {
        TagProbe { unknown_tag: true }
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
pub(super) mod testing {
    //! Checks shared by the families' tests.

    use super::{Command, ViewSection, WriteKind};

    /// `write` is `json` as the outbox stores it, and `json` reads back
    /// as `write`: byte for byte the payload written before the families
    /// were split, and its `kind` column.
    pub fn assert_stored_as(write: impl Into<Command>, json: &str) {
        let command = write.into();
        assert_eq!(
            serde_json::to_string(&command).expect("serializes"),
            json,
            "{command:?}"
        );
        assert_eq!(
            serde_json::from_str::<Command>(json).expect("deserializes"),
            command,
            "{json}"
        );
        let value: serde_json::Value = serde_json::from_str(json).expect("json");
        assert_eq!(value["kind"], command.kind(), "{json}");
        assert!(!command.describe().is_empty(), "{command:?}");
    }

    /// What a write answers, in [`WriteKind`]'s order: can it conflict,
    /// does it create a ticket, reach the customer, add a line item, and
    /// where does the ticket view show it.
    pub fn answers<W: WriteKind>(w: &W) -> (bool, bool, bool, bool, ViewSection<'_>) {
        (
            w.can_conflict(),
            w.new_ticket_subject().is_some(),
            w.reaches_customer(),
            w.adds_line_item(),
            w.section(),
        )
    }

    /// Every kind of a family has a sample: `index` (a `match` naming
    /// every kind) numbers them `0..kinds`.
    pub fn assert_every_kind<W>(samples: &[W], kinds: usize, index: impl Fn(&W) -> usize) {
        let mut seen = vec![false; kinds];
        for s in samples {
            seen[index(s)] = true;
        }
        assert!(seen.iter().all(|s| *s), "a kind has no sample: {seen:?}");
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// One of each kind of every family.
    fn samples() -> Vec<Command> {
        let mut out: Vec<Command> = Vec::new();
        out.extend(comment::samples().into_iter().map(Command::from));
        out.extend(ticket::samples().into_iter().map(Command::from));
        out.extend(line_item::samples().into_iter().map(Command::from));
        out.extend(timer::samples().into_iter().map(Command::from));
        out.extend(invoice::samples().into_iter().map(Command::from));
        out
    }

    /// The `kind` column is the payload's serde tag: the outbox is queried
    /// by it, and the daemon reads the payload back by it. No two
    /// families claim the same one.
    #[test]
    fn every_kind_is_its_serde_tag_and_reads_back_as_its_family() -> Result<(), serde_json::Error> {
        let mut kinds = HashSet::new();
        for c in samples() {
            assert!(kinds.insert(c.kind()), "two kinds named {}", c.kind());
            let json = serde_json::to_value(&c)?;
            assert_eq!(json["kind"], c.kind(), "{c:?}");
            assert_eq!(serde_json::from_value::<Command>(json)?, c);
            assert!(!c.describe().is_empty(), "{c:?}");
        }
        Ok(())
    }

    #[test]
    fn a_payload_of_an_unknown_kind_or_without_one_says_so() {
        let unknown = serde_json::from_str::<Command>(r#"{"kind":"bogus","timer_id":3}"#)
            .expect_err("no family has it");
        assert!(
            unknown
                .to_string()
                .contains("unknown kind of write `bogus`"),
            "{unknown}"
        );
        let none =
            serde_json::from_str::<Command>(r#"{"timer_id":3}"#).expect_err("no kind to go by");
        assert!(none.to_string().contains("missing field `kind`"), "{none}");
        // A kind that is known, with a field missing: the family says which.
        let missing =
            serde_json::from_str::<Command>(r#"{"kind":"charge_timer"}"#).expect_err("no timer id");
        assert!(
            missing.to_string().contains("missing field `timer_id`"),
            "{missing}"
        );
    }

    /// Rows written before a field existed (or with its default left out)
    /// still load.
    #[test]
    fn defaulted_fields_may_be_absent() -> Result<(), serde_json::Error> {
        let c: Command =
            serde_json::from_str(r#"{"kind":"add_comment","subject":"s","body":"b"}"#)?;
        assert_eq!(
            c,
            Command::Comment(CommentWrite::Add {
                subject: "s".into(),
                body: "b".into(),
                hidden: false,
                do_not_email: false,
                tech: None,
            })
        );
        let c: Command =
            serde_json::from_str(r#"{"kind":"create_ticket","customer_id":1,"subject":"s"}"#)?;
        assert_eq!(c.new_ticket_subject(), Some("s"));
        let c: Command =
            serde_json::from_str(r#"{"kind":"add_timer","start_at":"a","end_at":"b"}"#)?;
        assert_eq!(c.kind(), "add_timer");
        Ok(())
    }
}
