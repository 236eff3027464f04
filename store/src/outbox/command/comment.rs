//! Comments (`add_comment`): the family's kinds and every answer about
//! them.

use serde::{Deserialize, Serialize};

use super::{truncate, Command, ViewSection, WriteKind};

/// A write on a ticket's comments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(tag = "kind")]
pub enum CommentWrite {
    #[serde(rename = "add_comment")]
    Add {
        subject: String,
        body: String,
        #[serde(default)]
        hidden: bool,
        #[serde(default)]
        do_not_email: bool,
        #[serde(default)]
        tech: Option<String>,
    },
}

impl From<CommentWrite> for Command {
    fn from(w: CommentWrite) -> Command {
        Command::Comment(w)
    }
}

impl WriteKind for CommentWrite {
    fn kind(&self) -> &'static str {
        match self {
            CommentWrite::Add { .. } => "add_comment",
        }
    }

    fn describe(&self) -> String {
        match self {
            CommentWrite::Add {
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
        }
    }

    fn can_conflict(&self) -> bool {
        match self {
            CommentWrite::Add { .. } => false,
        }
    }

    fn new_ticket_subject(&self) -> Option<&str> {
        match self {
            CommentWrite::Add { .. } => None,
        }
    }

    fn reaches_customer(&self) -> bool {
        match self {
            CommentWrite::Add { hidden, .. } => !hidden,
        }
    }

    fn adds_line_item(&self) -> bool {
        match self {
            CommentWrite::Add { .. } => false,
        }
    }

    fn section(&self) -> ViewSection<'_> {
        match self {
            CommentWrite::Add {
                subject,
                body,
                hidden,
                tech,
                do_not_email: _,
            } => ViewSection::Comment {
                subject,
                body,
                hidden: *hidden,
                tech: tech.as_deref(),
            },
        }
    }
}

/// One of each kind.
#[cfg(test)]
pub(super) fn samples() -> Vec<CommentWrite> {
    vec![CommentWrite::Add {
        subject: "Update".into(),
        body: "Rebooted the router".into(),
        hidden: false,
        do_not_email: false,
        tech: None,
    }]
}

#[cfg(test)]
mod tests {
    use super::super::testing::{answers, assert_every_kind, assert_stored_as};
    use super::*;

    #[test]
    fn every_kind_is_stored_as_it_always_was() {
        assert_every_kind(&samples(), 1, |w| match w {
            CommentWrite::Add { .. } => 0,
        });
        assert_stored_as(
            samples().remove(0),
            r#"{"kind":"add_comment","subject":"Update","body":"Rebooted the router","hidden":false,"do_not_email":false,"tech":null}"#,
        );
        assert_stored_as(
            CommentWrite::Add {
                subject: "Onsite \"visit\"".into(),
                body: "Line one\nLine two é".into(),
                hidden: true,
                do_not_email: true,
                tech: Some("Tess".into()),
            },
            r#"{"kind":"add_comment","subject":"Onsite \"visit\"","body":"Line one\nLine two é","hidden":true,"do_not_email":true,"tech":"Tess"}"#,
        );
    }

    /// (conflicts, creates a ticket, reaches the customer, adds a line,
    /// shows in) for each kind: a comment reaches the customer unless it
    /// is hidden, and shows on top of the comments as it will read.
    #[test]
    fn what_each_kind_answers() {
        let samples = samples();
        let got: Vec<_> = samples.iter().map(answers).collect();
        let shown = ViewSection::Comment {
            subject: "Update",
            body: "Rebooted the router",
            hidden: false,
            tech: None,
        };
        assert_eq!(got, [(false, false, true, false, shown)]);
        let hidden = CommentWrite::Add {
            subject: "Update".into(),
            body: "Internal note".into(),
            hidden: true,
            do_not_email: false,
            tech: None,
        };
        assert!(!hidden.reaches_customer());
        assert!(hidden.describe().starts_with("comment (hidden) \"Update\""));
    }
}
