//! The ticket a write targets, as a person or an agent names it: `32164`,
//! `#32164`, or `@ID`, the ticket a queued create (outbox item ID) will
//! make. One type for the command line (`FromStr`) and for the MCP tools
//! (a number or that string), so both accept the same things.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketRef {
    Number(i64),
    Pending(i64),
}

impl FromStr for TicketRef {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let positive = |digits: &str| {
            digits
                .parse::<i64>()
                .ok()
                .filter(|n| *n > 0 && digits.bytes().all(|b| b.is_ascii_digit()))
        };
        if let Some(rest) = t.strip_prefix('@') {
            return positive(rest).map(TicketRef::Pending).ok_or_else(|| {
                format!("{s:?} is not a pending ticket: use @ and the outbox id of a queued create")
            });
        }
        positive(t.strip_prefix('#').unwrap_or(t))
            .map(TicketRef::Number)
            .ok_or_else(|| format!("{s:?} is not a ticket number: use 32164 or #32164"))
    }
}

impl fmt::Display for TicketRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TicketRef::Number(n) => write!(f, "#{n}"),
            TicketRef::Pending(id) => write!(f, "@{id}"),
        }
    }
}

/// A JSON number (`32164`) or a string in any form the command line takes.
impl<'de> Deserialize<'de> for TicketRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Ref;
        impl Visitor<'_> for Ref {
            type Value = TicketRef;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a ticket number, or \"@ID\" of a queued ticket create")
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<TicketRef, E> {
                self.visit_str(&n.to_string())
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<TicketRef, E> {
                self.visit_str(&n.to_string())
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<TicketRef, E> {
                s.parse().map_err(E::custom)
            }
        }
        d.deserialize_any(Ref)
    }
}

impl JsonSchema for TicketRef {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "TicketRef".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": ["integer", "string"] })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_refs_parse() {
        assert_eq!("32164".parse(), Ok(TicketRef::Number(32164)));
        assert_eq!("#32164".parse(), Ok(TicketRef::Number(32164)));
        assert_eq!("@7".parse(), Ok(TicketRef::Pending(7)));
        for bad in ["", "#", "abc", "-5", "0", "@", "@x", "#+5", "1.5"] {
            assert!(bad.parse::<TicketRef>().is_err(), "{bad}");
        }
    }

    #[test]
    fn json_takes_a_number_or_the_same_strings() {
        let parse = |v: serde_json::Value| serde_json::from_value::<TicketRef>(v);
        assert_eq!(
            parse(serde_json::json!(32164)).ok(),
            Some(TicketRef::Number(32164))
        );
        assert_eq!(
            parse(serde_json::json!("#32164")).ok(),
            Some(TicketRef::Number(32164))
        );
        assert_eq!(
            parse(serde_json::json!("@5")).ok(),
            Some(TicketRef::Pending(5))
        );
        for bad in [
            serde_json::json!(-1),
            serde_json::json!("x"),
            serde_json::json!(1.5),
            serde_json::json!(null),
        ] {
            assert!(parse(bad.clone()).is_err(), "{bad}");
        }
    }
}
