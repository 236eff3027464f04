//! Deliberate misbehaviour of the simulated server, switched on per run
//! (`SimConfig::quirks`, `--quirks`, `--profile realistic`) or live
//! (PUT /admin/quirks, `SimHandle::set_quirks`).
//!
//! Quirks differ from faults: a fault hits one request, a quirk changes how
//! every matching request is stored for as long as it is on. The comment
//! quirks exist because the real service does not promise to store a posted
//! body byte for byte (SYNCRO_API.md: bodies come back with CRLF, `&nbsp;`,
//! `<br>`/`<p>`), and a client that decides "did my comment land?" by
//! comparing bodies must cope with that.

use serde::{Deserialize, Serialize};

/// Server behaviours worse than (or different from) the simulator's
/// byte-exact default. All off by default; JSON field names are the quirk
/// names the CLI accepts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Quirks {
    /// add_line_item / update_line_item ignore `price_retail` too, as if
    /// the field had been renamed: every price lands at $0.00 with a 200.
    pub ignore_price_retail: bool,
    /// Stored comment bodies have every `\n` turned into `\r\n` (an existing
    /// `\r\n` is not doubled), like bodies that went through email.
    pub comment_crlf: bool,
    /// Stored comment bodies get `<br>` before each line end, like a
    /// rich-text server: "a\nb" is stored as "a<br>\nb".
    pub comment_br: bool,
    /// Stored comment subject and body are trimmed of surrounding
    /// whitespace and runs of spaces inside lines collapse to one.
    pub comment_trim: bool,
    /// Stored comment bodies are HTML-escaped: `&` `<` `>` become `&amp;`
    /// `&lt;` `&gt;`; U+00A0 and all but the last space of a run of spaces
    /// become `&nbsp;`.
    pub comment_entities: bool,
    /// Stored comment bodies are wrapped in `<p>...</p>`, one paragraph per
    /// blank-line-separated block.
    pub comment_paragraphs: bool,
}

impl Quirks {
    /// Every quirk name, as in JSON and on the command line.
    pub const NAMES: [&'static str; 6] = [
        "ignore_price_retail",
        "comment_crlf",
        "comment_br",
        "comment_trim",
        "comment_entities",
        "comment_paragraphs",
    ];

    /// What `--profile realistic` switches on: what users of the live
    /// service actually see on comments, not the harsher rich-text rules.
    pub fn realistic() -> Self {
        Quirks {
            comment_crlf: true,
            comment_trim: true,
            ..Quirks::default()
        }
    }

    fn slot(&mut self, name: &str) -> Option<&mut bool> {
        match name {
            "ignore_price_retail" => Some(&mut self.ignore_price_retail),
            "comment_crlf" => Some(&mut self.comment_crlf),
            "comment_br" => Some(&mut self.comment_br),
            "comment_trim" => Some(&mut self.comment_trim),
            "comment_entities" => Some(&mut self.comment_entities),
            "comment_paragraphs" => Some(&mut self.comment_paragraphs),
            _ => None,
        }
    }

    /// Switches the quirk called `name` on or off; an unknown name is an
    /// error that lists the known ones.
    pub fn set(&mut self, name: &str, on: bool) -> Result<(), String> {
        let slot = self.slot(name.trim()).ok_or_else(|| {
            format!(
                "unknown quirk {name:?}; known: {}",
                Quirks::NAMES.join(", ")
            )
        })?;
        *slot = on;
        Ok(())
    }

    /// The quirks named (all on), e.g. from `--quirks comment_crlf,comment_br`.
    /// Empty names (a stray comma) are skipped.
    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let mut q = Quirks::default();
        for name in names.into_iter().filter(|n| !n.trim().is_empty()) {
            q.set(name, true)?;
        }
        Ok(q)
    }

    /// Names of the quirks that are on, in `NAMES` order.
    pub fn names_on(&self) -> Vec<&'static str> {
        let mut copy = *self;
        Quirks::NAMES
            .into_iter()
            .filter(|n| copy.slot(n).is_some_and(|on| *on))
            .collect()
    }

    /// Both quirks on wherever either is: `--quirks` on top of a profile.
    pub fn union(self, other: Quirks) -> Quirks {
        let mut out = self;
        for name in other.names_on() {
            if let Some(slot) = out.slot(name) {
                *slot = true;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_json_fields() {
        let v = serde_json::to_value(Quirks::default()).expect("quirks serialise");
        let mut keys: Vec<&str> = v
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        keys.sort_unstable();
        let mut names = Quirks::NAMES.to_vec();
        names.sort_unstable();
        assert_eq!(keys, names);
        let mut q = Quirks::default();
        assert!(Quirks::NAMES.iter().all(|n| q.slot(n).is_some()));
    }

    #[test]
    fn from_names_sets_exactly_those_and_refuses_unknown_ones() {
        let q = Quirks::from_names(["comment_crlf", " comment_br", ""]);
        assert_eq!(
            q,
            Ok(Quirks {
                comment_crlf: true,
                comment_br: true,
                ..Quirks::default()
            })
        );
        let err = Quirks::from_names(["comment_crlf", "gremlins"])
            .expect_err("an unknown quirk name is refused");
        assert!(
            err.contains("\"gremlins\"") && err.contains("comment_trim"),
            "{err}"
        );
    }

    #[test]
    fn names_on_round_trips_and_union_merges() {
        let q = Quirks::realistic();
        assert_eq!(q.names_on(), ["comment_crlf", "comment_trim"]);
        assert_eq!(Quirks::from_names(q.names_on()), Ok(q));
        let both = q.union(Quirks {
            ignore_price_retail: true,
            ..Quirks::default()
        });
        assert_eq!(
            both.names_on(),
            ["ignore_price_retail", "comment_crlf", "comment_trim"]
        );
    }

    #[test]
    fn json_without_a_field_means_off_and_unknown_fields_are_refused() {
        let q: Result<Quirks, _> = serde_json::from_str(r#"{"comment_br": true}"#);
        assert_eq!(
            q.ok(),
            Some(Quirks {
                comment_br: true,
                ..Quirks::default()
            })
        );
        assert!(serde_json::from_str::<Quirks>(r#"{"comment_bold": true}"#).is_err());
    }
}
