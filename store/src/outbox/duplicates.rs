//! Duplicates noticed after the fact.
//!
//! The outbox never resends a write that may have landed, but a duplicate
//! can still appear behind its back: a colleague's script retried blindly,
//! a server committed one request twice, or an older version of this tool
//! did. The API cannot delete a comment, so the only remedy is a human in
//! the web UI; our part is to notice and say so.
//!
//! A comment is a *possible duplicate* of one we posted when it sits on the
//! same ticket, has the same subject and body once the server's slack is
//! taken out ([`crate::matching`]), is newer than what the ticket held
//! before our send, was created close to our send, and is not claimed by
//! any outbox item. Twins queued on purpose each claim their own comment,
//! so they are never reported.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use rusqlite::params;
use serde::Serialize;

use super::{Command, CommentWrite, ItemResult};
use crate::matching::same_text;
use crate::{time, Store, StoreResult};

/// How far back posted comments are checked: duplicates show up within
/// minutes of a send, and a report about last month helps nobody.
const LOOKBACK: Duration = Duration::days(14);
/// How close to our send (either side, our clock against the server's) a
/// copy must have been created to count.
const BEFORE_SEND: Duration = Duration::minutes(10);
const AFTER_SEND: Duration = Duration::minutes(60);

/// Comments that look like extra copies of one we posted.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct PossibleDuplicate {
    /// Our outbox item(s) that posted this text.
    pub item_ids: Vec<i64>,
    pub ticket_id: i64,
    pub ticket_number: Option<i64>,
    /// The comment(s) our items landed as.
    pub ours: Vec<i64>,
    /// The extra copies, oldest first.
    pub extra_comment_ids: Vec<i64>,
    pub subject: String,
    pub body: String,
}

impl PossibleDuplicate {
    /// What to tell the technician, who alone can fix it.
    pub fn advice() -> &'static str {
        "possible duplicate; the API cannot delete comments, remove it in the Syncro web UI"
    }

    /// "ticket #32164" (its id while the number is not known).
    pub fn ticket_label(&self) -> String {
        self.ticket_number
            .map(|n| format!("ticket #{n}"))
            .unwrap_or_else(|| format!("ticket id {}", self.ticket_id))
    }

    /// "comment(s) 812 look like copies of ours (811)".
    pub fn summary(&self) -> String {
        let list = |ids: &[i64]| {
            ids.iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!(
            "comment(s) {} look like copies of ours ({})",
            list(&self.extra_comment_ids),
            list(&self.ours)
        )
    }
}

/// One posted comment of ours, as the outbox recorded it.
struct Posted {
    item_id: i64,
    ticket_number: Option<i64>,
    subject: String,
    body: String,
    remote_id: i64,
    result: ItemResult,
}

struct Cached {
    id: i64,
    subject: String,
    body: String,
    created_at: Option<DateTime<Utc>>,
}

impl Store {
    /// Possible duplicates of the comments we posted in the last two weeks.
    pub fn outbox_possible_duplicates(&self) -> StoreResult<Vec<PossibleDuplicate>> {
        self.possible_duplicates(None)
    }

    /// Possible duplicates on one ticket (for `syncro ticket`).
    pub fn possible_duplicates_on_ticket(
        &self,
        ticket_id: i64,
    ) -> StoreResult<Vec<PossibleDuplicate>> {
        self.possible_duplicates(Some(ticket_id))
    }

    fn possible_duplicates(&self, only: Option<i64>) -> StoreResult<Vec<PossibleDuplicate>> {
        let cutoff = time::format(Utc::now() - LOOKBACK);
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, ticket_id, ticket_number, payload, remote_id, result FROM outbox
             WHERE kind = 'add_comment' AND state IN ('done', 'differs')
               AND remote_id IS NOT NULL AND ticket_id IS NOT NULL
               AND updated_at >= ?1 AND (?2 IS NULL OR ticket_id = ?2)
             ORDER BY id",
        )?;
        let rows = stmt.query_map(params![cutoff, only], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        })?;
        let mut by_ticket: BTreeMap<i64, Vec<Posted>> = BTreeMap::new();
        for row in rows {
            let (item_id, ticket_id, ticket_number, payload, remote_id, result) = row?;
            let Ok(Command::Comment(CommentWrite::Add { subject, body, .. })) =
                serde_json::from_str(&payload)
            else {
                continue;
            };
            by_ticket.entry(ticket_id).or_default().push(Posted {
                item_id,
                ticket_number,
                subject,
                body,
                remote_id,
                result: result
                    .and_then(|r| serde_json::from_str(&r).ok())
                    .unwrap_or_default(),
            });
        }
        let mut out = Vec::new();
        for (ticket_id, posted) in by_ticket {
            let comments = self.cached_comments(ticket_id)?;
            let claimed = self.claimed_comments(ticket_id)?;
            out.extend(duplicates_on(ticket_id, &posted, &comments, &claimed));
        }
        Ok(out)
    }

    fn cached_comments(&self, ticket_id: i64) -> StoreResult<Vec<Cached>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, COALESCE(subject, ''), body, created_at FROM comments
             WHERE ticket_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([ticket_id], |r| {
            Ok(Cached {
                id: r.get(0)?,
                subject: r.get(1)?,
                body: r.get(2)?,
                created_at: r
                    .get::<_, Option<String>>(3)?
                    .as_deref()
                    .and_then(time::parse),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every comment id some outbox item landed as, on this ticket.
    fn claimed_comments(&self, ticket_id: i64) -> StoreResult<HashSet<i64>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT remote_id FROM outbox
             WHERE kind = 'add_comment' AND ticket_id = ?1 AND remote_id IS NOT NULL",
        )?;
        let ids = stmt
            .query_map([ticket_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }
}

/// The pure part: groups our posts by text and finds unclaimed copies.
fn duplicates_on(
    ticket_id: i64,
    posted: &[Posted],
    comments: &[Cached],
    claimed: &HashSet<i64>,
) -> Vec<PossibleDuplicate> {
    let mut out: Vec<PossibleDuplicate> = Vec::new();
    for p in posted {
        // Twins queued on purpose share one report.
        if let Some(group) = out
            .iter_mut()
            .find(|d| same_text(&d.subject, &p.subject) && same_text(&d.body, &p.body))
        {
            group.item_ids.push(p.item_id);
            group.ours.push(p.remote_id);
            continue;
        }
        let sent = p.result.sent_at.as_deref().and_then(time::parse);
        let after = p.result.before_max_id.unwrap_or(0);
        let extra: Vec<i64> = comments
            .iter()
            .filter(|c| {
                c.id > after
                    && !claimed.contains(&c.id)
                    && same_text(&c.subject, &p.subject)
                    && same_text(&c.body, &p.body)
                    && match (sent, c.created_at) {
                        (Some(s), Some(c)) => c >= s - BEFORE_SEND && c <= s + AFTER_SEND,
                        _ => true,
                    }
            })
            .map(|c| c.id)
            .collect();
        out.push(PossibleDuplicate {
            item_ids: vec![p.item_id],
            ticket_id,
            ticket_number: p.ticket_number,
            ours: vec![p.remote_id],
            extra_comment_ids: extra,
            subject: p.subject.clone(),
            body: p.body.clone(),
        });
    }
    out.retain(|d| !d.extra_comment_ids.is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posted(item_id: i64, remote_id: i64, body: &str, sent_at: &str) -> Posted {
        Posted {
            item_id,
            ticket_number: Some(100),
            subject: "Update".into(),
            body: body.into(),
            remote_id,
            result: ItemResult {
                before_max_id: Some(10),
                sent_at: Some(sent_at.into()),
                ..ItemResult::default()
            },
        }
    }

    fn cached(id: i64, body: &str, created_at: &str) -> Cached {
        Cached {
            id,
            subject: "Update".into(),
            body: body.into(),
            created_at: time::parse(created_at),
        }
    }

    const SENT: &str = "2026-12-01T10:00:00.000Z";

    #[test]
    fn an_unclaimed_copy_near_our_send_is_reported() {
        let posted = [posted(1, 11, "Replaced the toner\nTested", SENT)];
        let comments = [
            cached(9, "Replaced the toner Tested", "2026-12-01T09:00:00Z"),
            cached(11, "Replaced the toner\r\nTested", "2026-12-01T10:00:01Z"),
            cached(
                12,
                "Replaced the toner<br>\nTested",
                "2026-12-01T10:00:09+01:00",
            ),
            cached(13, "Replaced the toner<br>\nTested", "2026-12-01T10:00:09Z"),
            cached(14, "Something else", "2026-12-01T10:00:10Z"),
            cached(15, "Replaced the toner Tested", "2026-12-01T13:00:00Z"),
        ];
        let claimed = HashSet::from([11]);
        let d = duplicates_on(7, &posted, &comments, &claimed);
        assert_eq!(d.len(), 1);
        // 9 is older than the baseline, 12 was created an hour before the
        // send (offset), 15 long after: only 13 counts.
        assert_eq!(d[0].extra_comment_ids, vec![13]);
        assert_eq!(d[0].ours, vec![11]);
    }

    #[test]
    fn twins_queued_on_purpose_are_not_reported() {
        let posted = [posted(1, 11, "Same", SENT), posted(2, 12, "Same", SENT)];
        let comments = [
            cached(11, "Same", "2026-12-01T10:00:01Z"),
            cached(12, "Same", "2026-12-01T10:00:02Z"),
        ];
        let claimed = HashSet::from([11, 12]);
        assert!(duplicates_on(7, &posted, &comments, &claimed).is_empty());
    }
}
