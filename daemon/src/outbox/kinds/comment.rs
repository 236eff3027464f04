//! Comments: `POST /tickets/{id}/comment`.
//!
//! The one write that can never be undone through the API, so the one
//! that matters most. What is compared, and why:
//! - **identity**: the id the POST answered (`.comment.id`); without one,
//!   a comment newer than the baseline, with the same subject and body, by
//!   our API user and under our display name where the server says, not
//!   claimed by another item (twins queued on purpose each claim their
//!   own). Visibility is not part of it: a server that flipped `hidden`
//!   still holds our comment, and taking it for absent would post it
//!   twice (the read-back reports the flip). Two such comments are not
//!   told apart by a guess: a human looks;
//! - **subject and body** through [`same_text`]: the server may store CRLF,
//!   add `<br>` or `<p>`, trim, or write entities. A body that differs
//!   beyond that is reported but does not block later steps (a bill's
//!   line item does not depend on the comment's wording);
//! - **hidden**: reported when different (a customer may have been
//!   emailed an internal note, or not emailed a reply), not blocking;
//! - `do_not_email` is write-only (never returned), so it cannot be checked.

use reqwest::Method;
use serde_json::{json, Value};
use syncro_store::matching::{normalize_text, same_text};
use syncro_store::model::Comment;
use syncro_store::outbox::{CommentWrite, Difference, ItemResult, OutboxItem};

use super::{
    before, landed, max_id, nested_id, the_ticket, Family, NotFound, Probe, Read, ReadBack,
    Request, Snapshot, MAX_REQUESTS,
};

struct Asked<'a> {
    subject: &'a str,
    body: &'a str,
    hidden: bool,
    tech: Option<&'a str>,
}

fn asked(w: &CommentWrite) -> Asked<'_> {
    match w {
        CommentWrite::Add {
            subject,
            body,
            hidden,
            tech,
            do_not_email: _,
        } => Asked {
            subject,
            body,
            hidden: *hidden,
            tech: tech.as_deref(),
        },
    }
}

impl Asked<'_> {
    /// Whether `c` says what we sent, as we sent it (see the module doc).
    fn matches(&self, c: &Comment, snap: &Snapshot) -> bool {
        let tech = match (self.tech, c.tech.as_deref()) {
            (Some(ours), Some(theirs)) => same_text(ours, theirs),
            _ => true,
        };
        same_text(c.subject.as_deref().unwrap_or(""), self.subject)
            && same_text(&c.body, self.body)
            && snap.by_us(c.user_id)
            && tech
    }

    fn differences(&self, c: &Comment) -> Vec<Difference> {
        let mut out = Vec::new();
        let what = |f: &str| format!("comment {}: {f}", c.id);
        let subject = c.subject.as_deref().unwrap_or("");
        if !same_text(subject, self.subject) {
            out.push(Difference::new(
                what("subject"),
                self.subject,
                subject,
                false,
            ));
        }
        if !same_text(&c.body, self.body) {
            out.push(Difference::new(
                what("body"),
                normalize_text(self.body),
                normalize_text(&c.body),
                false,
            ));
        }
        if c.hidden != self.hidden {
            out.push(Difference::new(
                what("hidden"),
                self.hidden,
                c.hidden,
                false,
            ));
        }
        out
    }
}

/// The comments that could be this item's landing, oldest first.
fn candidates<'a>(
    comments: &'a [Comment],
    asked: &Asked<'_>,
    snap: &Snapshot,
    after: i64,
    claimed: &[i64],
) -> Vec<&'a Comment> {
    comments
        .iter()
        .filter(|c| c.id > after && !claimed.contains(&c.id) && asked.matches(c, snap))
        .collect()
}

/// The one comment that is this item's landing, or why none can be named.
fn identify(item: &OutboxItem, asked: &Asked<'_>, snap: &Snapshot, claimed: &[i64]) -> Probe {
    let Some(t) = snap.ticket(item.ticket_id) else {
        return Probe::Absent;
    };
    let Some(after) = item.result.before_max_id else {
        // No baseline (a row from an older version): an identical
        // older comment cannot be told from our landing.
        return match candidates(&t.comments, asked, snap, 0, claimed).first() {
            Some(c) => Probe::Ambiguous(format!(
                "comment {} on the ticket has the same text, but there is no record of what the ticket held before the send",
                c.id
            )),
            None => Probe::Absent,
        };
    };
    match candidates(&t.comments, asked, snap, after, claimed).as_slice() {
        [] => Probe::Absent,
        [c] => Probe::Landed(Some(c.id)),
        many => Probe::Ambiguous(format!(
            "comments {} all say what was sent (a duplicate: remove the extra one in the web UI)",
            many.iter()
                .map(|c| c.id.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

impl Family for CommentWrite {
    fn reads_before(&self, item: &OutboxItem) -> Vec<Read> {
        match self {
            CommentWrite::Add { .. } => the_ticket(item),
        }
    }

    fn baseline(&self, item: &OutboxItem, snap: &Snapshot) -> Result<ItemResult, String> {
        match self {
            CommentWrite::Add { .. } => {
                let t = snap.ticket(item.ticket_id);
                Ok(before(max_id(
                    t.iter().flat_map(|t| t.comments.iter().map(|c| c.id)),
                )))
            }
        }
    }

    fn request(&self, item: &OutboxItem, _snap: &Snapshot) -> Request {
        let t = item.ticket_id.unwrap_or_default();
        match self {
            CommentWrite::Add {
                subject,
                body: text,
                hidden,
                do_not_email,
                tech,
            } => {
                // Flat: Syncro refuses a wrapped comment with "Body can't be blank".
                let mut body = json!({"subject": subject, "body": text, "hidden": hidden, "do_not_email": do_not_email});
                if let Some(tech) = tech {
                    body["tech"] = json!(tech);
                }
                Request::new(Method::POST, format!("/tickets/{t}/comment"), body)
            }
        }
    }

    fn created_id(&self, resp: &Value) -> Option<i64> {
        match self {
            CommentWrite::Add { .. } => nested_id(resp, &["comment"]),
        }
    }

    fn idempotent(&self) -> bool {
        match self {
            CommentWrite::Add { .. } => false,
        }
    }

    fn follow_up_reads(&self, _item: &OutboxItem, _snap: &Snapshot) -> Vec<Read> {
        match self {
            CommentWrite::Add { .. } => Vec::new(),
        }
    }

    fn probe(&self, item: &OutboxItem, snap: &Snapshot, claimed: &[i64]) -> Probe {
        match self {
            CommentWrite::Add { .. } => identify(item, &asked(self), snap, claimed),
        }
    }

    fn reads_after(&self, item: &OutboxItem) -> Vec<Read> {
        match self {
            CommentWrite::Add { .. } => the_ticket(item),
        }
    }

    fn read_back(&self, item: &OutboxItem, snap: &Snapshot, claimed: &[i64]) -> ReadBack {
        match self {
            CommentWrite::Add { .. } => {
                let asked = asked(self);
                let Some(t) = snap.ticket(item.ticket_id) else {
                    return ReadBack::Missing("the ticket could not be read".into());
                };
                let found = match item.remote_id {
                    Some(id) => t.comments.iter().find(|c| c.id == id),
                    None => match identify(item, &asked, snap, claimed) {
                        Probe::Landed(Some(id)) => t.comments.iter().find(|c| c.id == id),
                        Probe::Ambiguous(why) => {
                            return ReadBack::Missing(format!(
                                "the comment cannot be told apart: {why}"
                            ))
                        }
                        _ => None,
                    },
                };
                match found {
                    Some(c) => landed(Some(c.id), asked.differences(c), Some(t)),
                    None => ReadBack::Missing(match item.remote_id {
                        Some(id) => format!("comment {id} is not on the ticket"),
                        None => "the comment is not on the ticket".into(),
                    }),
                }
            }
        }
    }

    fn max_requests(&self) -> i64 {
        match self {
            CommentWrite::Add { .. } => MAX_REQUESTS,
        }
    }

    fn not_found(&self) -> NotFound {
        match self {
            CommentWrite::Add { .. } => NotFound::Ticket,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::family;
    use super::super::testing::{item, snapshot, ticket};
    use super::*;

    fn cmd(body: &str) -> CommentWrite {
        CommentWrite::Add {
            subject: "Update".into(),
            body: body.into(),
            hidden: false,
            do_not_email: true,
            tech: Some("Tess".into()),
        }
    }

    #[test]
    fn the_request_is_flat_and_the_id_comes_from_the_right_path() {
        let it = item(cmd("Fixed"));
        let r = family(&it.command).request(&it, &Snapshot::default());
        assert_eq!(
            (r.method, r.path.as_str()),
            (Method::POST, "/tickets/1000/comment")
        );
        assert!(r.body.get("comment").is_none());
        assert_eq!(r.body["body"], "Fixed");
        assert_eq!(
            family(&it.command).created_id(&json!({"comment": {"id": 42}})),
            Some(42)
        );
        assert_eq!(
            family(&it.command).created_id(&json!({"success": true})),
            None
        );
    }

    #[test]
    fn a_normalised_body_is_found_and_judged_as_asked() {
        let it = item(cmd("Line one\nLine two"));
        let snap = snapshot(ticket(json!({"comments": [
            {"id": 9, "subject": "Update", "body": "Line one\nLine two"},
            {"id": 11, "subject": "Update ", "body": "<p>Line one<br>\r\nLine two</p>"}
        ]})));
        assert_eq!(
            family(&it.command).probe(&it, &snap, &[]),
            Probe::Landed(Some(11))
        );
        match family(&it.command).read_back(&it, &snap, &[]) {
            ReadBack::Landed {
                remote_id,
                differences,
                ..
            } => {
                assert_eq!(remote_id, Some(11));
                assert!(differences.is_empty(), "{differences:?}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn claimed_older_or_different_comments_are_not_our_landing() {
        let it = item(cmd("same"));
        let snap = snapshot(ticket(json!({"comments": [
            {"id": 5, "subject": "Update", "body": "same"},
            {"id": 12, "subject": "Update", "body": "same"},
            {"id": 13, "subject": "Update", "body": "other"}
        ]})));
        assert_eq!(family(&it.command).probe(&it, &snap, &[12]), Probe::Absent);
        assert_eq!(
            family(&it.command).probe(&it, &snap, &[]),
            Probe::Landed(Some(12))
        );
    }

    #[test]
    fn without_a_baseline_an_identical_comment_is_ambiguous() {
        let mut it = item(cmd("same"));
        it.result.before_max_id = None;
        let snap = snapshot(ticket(
            json!({"comments": [{"id": 5, "subject": "Update", "body": "same"}]}),
        ));
        assert!(matches!(
            family(&it.command).probe(&it, &snap, &[]),
            Probe::Ambiguous(_)
        ));
    }

    #[test]
    fn a_reworded_body_is_reported_but_does_not_block() {
        let mut it = item(cmd("Replaced the toner"));
        it.remote_id = Some(11);
        let snap = snapshot(ticket(json!({"comments": [
            {"id": 11, "subject": "Update", "body": "Replaced the drum", "hidden": true}
        ]})));
        let ReadBack::Landed { differences, .. } = family(&it.command).read_back(&it, &snap, &[])
        else {
            panic!("should have landed");
        };
        assert_eq!(differences.len(), 2, "{differences:?}");
        assert!(differences.iter().all(|d| !d.blocking));
        assert_eq!(differences[0].field, "comment 11: body");
    }

    #[test]
    fn a_colleagues_copy_is_not_ours_and_two_of_ours_are_not_guessed() {
        let it = item(cmd("Rebooted the switch"));
        let comment = |id: i64, user: i64, tech: &str, hidden: bool| {
            json!({"id": id, "subject": "Update", "body": "Rebooted the switch", "user_id": user,
                   "tech": tech, "hidden": hidden})
        };
        let mut snap = snapshot(ticket(json!({"comments": [comment(12, 2, "Tess", false)]})));
        snap.api_user = Some(1);
        // Same words, another user: a colleague's.
        assert_eq!(family(&it.command).probe(&it, &snap, &[]), Probe::Absent);
        // Same user (a shared key), another display name: not ours either.
        let mut snap = snapshot(ticket(
            json!({"comments": [comment(12, 1, "Marcus", false)]}),
        ));
        snap.api_user = Some(1);
        assert_eq!(family(&it.command).probe(&it, &snap, &[]), Probe::Absent);
        // Ours with visibility flipped by the server: still ours.
        let mut snap = snapshot(ticket(json!({"comments": [comment(12, 1, "Tess", true)]})));
        snap.api_user = Some(1);
        assert_eq!(
            family(&it.command).probe(&it, &snap, &[]),
            Probe::Landed(Some(12))
        );
        // Two that are equally ours: a human looks.
        let mut snap = snapshot(ticket(
            json!({"comments": [comment(12, 1, "Tess", false), comment(13, 1, "Tess", false)]}),
        ));
        snap.api_user = Some(1);
        assert!(matches!(
            family(&it.command).probe(&it, &snap, &[]),
            Probe::Ambiguous(_)
        ));
    }
}
