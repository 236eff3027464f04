//! Parsing list pages record by record: a malformed record is skipped (and
//! logged) alone, so one bad entry never sinks its page or the cache.

use serde_json::Value;
use syncro_store::model::{Comment, ModelError, Ticket};

/// The records of a page that parse, and how many did not.
pub(crate) fn parse_page<T>(
    items: &[Value],
    what: &str,
    mut parse: impl FnMut(&Value) -> Result<T, ModelError>,
) -> (Vec<T>, u64) {
    let mut out = Vec::with_capacity(items.len());
    let mut bad = 0;
    for item in items {
        match parse(item) {
            Ok(r) => out.push(r),
            Err(e) => {
                bad += 1;
                tracing::warn!(error = %e, "skipping a malformed {what} in a list page");
            }
        }
    }
    (out, bad)
}

/// A ticket page: tickets, the initial comment each list entry embeds, and
/// how many tickets were bad.
pub(crate) fn parse_ticket_page(items: &[Value]) -> (Vec<Ticket>, Vec<Comment>, u64) {
    let mut comments = Vec::new();
    let (tickets, bad) = parse_page(items, "ticket", |item| {
        let t = Ticket::from_json(item)?;
        let embedded = syncro_store::json::array(item, "comments");
        comments.extend(parse_page(embedded, "comment", |c| Comment::from_json(c, t.id)).0);
        Ok(t)
    });
    (tickets, comments, bad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_page_with_junk_keeps_the_good_records_and_counts_the_bad() {
        let items = vec![
            json!({"id": 1, "number": 30001, "subject": "ok"}),
            json!({"id": "x", "number": 30002}),
            json!(null),
            json!("a string"),
            json!({"id": 2, "number": "30003", "comments": [{"no_id": 1}, {"id": 5, "body": null}]}),
        ];
        let (tickets, comments, bad) = parse_ticket_page(&items);
        assert_eq!(tickets.iter().map(|t| t.id).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(comments.iter().map(|c| c.id).collect::<Vec<_>>(), vec![5]);
        assert_eq!(bad, 3);
    }
}
