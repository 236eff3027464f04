//! Full-text search over tickets: subject, problem type, customer name and
//! the whole comment thread, one FTS5 row per ticket so bm25 ranks tickets.
//!
//! This module reads the index; [`index`] is the only code that writes it.

pub(crate) mod index;

use rusqlite::OptionalExtension;
use serde::Serialize;

use crate::error::{StoreError, StoreResult};
use crate::ticket_row::TicketRow;
use crate::Store;

/// Narrowing applied on top of the text match.
#[derive(Debug, Clone)]
pub struct SearchFilter {
    pub status: Option<String>,
    pub customer_id: Option<i64>,
    /// Only tickets updated at or after this canonical timestamp.
    pub since: Option<String>,
    pub limit: usize,
    /// Markers placed around matched words in the snippet.
    pub mark: (String, String),
    /// Rank at most this many matches, the newest (highest id) first; `None`
    /// ranks every match. See [`RANK_WINDOW`].
    pub rank_window: Option<usize>,
}

/// Default cap on how many matches (of the whole query, after filters)
/// are ranked: those with the highest ticket ids, i.e. the newest created.
/// bm25 must score every match (about a microsecond each), so a word found
/// in a quarter of a 100k-ticket cache costs ~25 ms to rank; and for such
/// a word the scores barely differ, so the newest matching tickets are the
/// useful ones. Searches matching fewer tickets than this (nearly all of
/// them) rank every match, exactly as before.
pub const RANK_WINDOW: usize = 5_000;

/// What a search found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    /// Best first.
    pub hits: Vec<SearchHit>,
    /// More tickets matched than the filter's `rank_window`: only the
    /// newest that many were ranked.
    pub windowed: bool,
}

impl Default for SearchFilter {
    fn default() -> Self {
        SearchFilter {
            status: None,
            customer_id: None,
            since: None,
            limit: 20,
            mark: ("[".into(), "]".into()),
            rank_window: Some(RANK_WINDOW),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct SearchHit {
    #[serde(flatten)]
    pub ticket: TicketRow,
    /// Where it matched, with matched words between the filter's markers.
    pub snippet: String,
    /// bm25 score: lower is better.
    pub rank: f64,
}

/// Turns what a user types into a safe FTS5 query: `"quoted phrases"` stay
/// phrases, a trailing `*` makes a prefix, everything else is a plain word
/// (quoted, so `c++`, `-` or `AND` are text, never syntax). All terms must
/// match.
pub fn fts_query(input: &str) -> StoreResult<String> {
    let mut terms = Vec::new();
    let mut rest = input.trim();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('"') {
            let (phrase, tail) = match after.find('"') {
                Some(end) => (&after[..end], &after[end + 1..]),
                None => (after, ""),
            };
            let words = words(phrase);
            if !words.is_empty() {
                let prefix = tail.starts_with('*');
                terms.push(format!(
                    "\"{}\"{}",
                    words.join(" "),
                    if prefix { "*" } else { "" }
                ));
            }
            rest = tail.trim_start_matches('*').trim_start();
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let token = &rest[..end];
            let prefix = token.ends_with('*');
            for (i, w) in words(token).iter().enumerate() {
                let last = i + 1 == words(token).len();
                terms.push(format!("\"{w}\"{}", if prefix && last { "*" } else { "" }));
            }
            rest = rest[end..].trim_start();
        }
    }
    if terms.is_empty() {
        return Err(StoreError::BadQuery(format!(
            "{input:?} has no words to search for"
        )));
    }
    Ok(terms.join(" "))
}

/// The word characters of `s`, split where anything else appears.
fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

impl Store {
    /// Tickets matching `query`, best first, with a snippet of the match.
    ///
    /// Up to three statements: the first looks for a match beyond the rank
    /// window (walking the index newest first, without scoring), whose id
    /// then bounds the ranking; the second ranks with `bm25()`
    /// and `LIMIT` in the same query, so SQLite keeps only the best few
    /// while sorting; the third builds snippets for just those winners,
    /// since a snippet costs far more than a score.
    pub fn search(&self, query: &str, filter: &SearchFilter) -> StoreResult<SearchResults> {
        let fts = fts_query(query)?;
        let mut narrow = Vec::new();
        let mut args: Vec<rusqlite::types::Value> = vec![fts.clone().into()];
        if let Some(s) = &filter.status {
            narrow.push("status = ?");
            args.push(s.clone().into());
        }
        if let Some(c) = filter.customer_id {
            narrow.push("customer_id = ?");
            args.push(c.into());
        }
        if let Some(s) = &filter.since {
            narrow.push("updated_at >= ?");
            args.push(s.clone().into());
        }
        let narrow = if narrow.is_empty() {
            String::new()
        } else {
            format!(
                " AND rowid IN (SELECT id FROM tickets WHERE {})",
                narrow.join(" AND ")
            )
        };
        // The newest match left out of the window, if any match is.
        let cut: Option<i64> = match filter.rank_window {
            Some(window) => {
                let mut window_args = args.clone();
                window_args.push((window as i64).into());
                self.conn
                    .prepare(&format!(
                        "SELECT rowid FROM ticket_fts WHERE ticket_fts MATCH ?{narrow}
                         ORDER BY rowid DESC LIMIT 1 OFFSET ?"
                    ))?
                    .query_row(rusqlite::params_from_iter(window_args), |r| r.get(0))
                    .optional()
                    .map_err(fts_error)?
            }
            None => None,
        };
        let window = match cut {
            Some(c) => {
                args.push(c.into());
                " AND rowid > ?"
            }
            None => "",
        };
        args.push((filter.limit as i64).into());
        let sql = format!(
            "SELECT rowid, bm25(ticket_fts, {RANK_WEIGHTS}) AS score FROM ticket_fts
             WHERE ticket_fts MATCH ?{narrow}{window} ORDER BY score LIMIT ?"
        );
        let ranked: Vec<(i64, f64)> = self
            .conn
            .prepare(&sql)?
            .query_map(rusqlite::params_from_iter(args), |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<Result<_, _>>()
            .map_err(fts_error)?;
        let windowed = cut.is_some();
        if ranked.is_empty() {
            return Ok(SearchResults {
                hits: Vec::new(),
                windowed,
            });
        }
        let ids = serde_json::to_string(&ranked.iter().map(|r| r.0).collect::<Vec<_>>())?;
        let lowest = ranked.iter().map(|r| r.0).min().unwrap_or_default();
        let highest = ranked.iter().map(|r| r.0).max().unwrap_or_default();
        // The winners' id range is what FTS5 is given (`+rowid` keeps the
        // list a plain filter): handed `rowid IN (...)`, it looks the
        // query up once per id, and a prefix such as `back*` merges the
        // lists of every word it covers each time (50 winners: 184 ms; over
        // the range, once: 5 ms, at 100k tickets).
        let mut snippets: std::collections::HashMap<i64, String> = self
            .conn
            .prepare(
                "SELECT rowid, snippet(ticket_fts, -1, ?2, ?3, '…', 12) FROM ticket_fts
                 WHERE ticket_fts MATCH ?1 AND rowid BETWEEN ?5 AND ?6
                 AND +rowid IN (SELECT value FROM json_each(?4))",
            )?
            .query_map(
                rusqlite::params![fts, filter.mark.0, filter.mark.1, ids, lowest, highest],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?
            .collect::<Result<_, _>>()
            .map_err(fts_error)?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {cols} FROM tickets t WHERE t.id = ?1",
            cols = TicketRow::columns()
        ))?;
        let mut hits = Vec::with_capacity(ranked.len());
        for (id, rank) in ranked {
            // A ticket deleted between the two statements is simply skipped.
            if let Some(ticket) = stmt
                .query_row([id], TicketRow::from_row)
                .map(Some)
                .or_else(|e| match e {
                    rusqlite::Error::QueryReturnedNoRows => Ok(None),
                    e => Err(e),
                })?
            {
                hits.push(SearchHit {
                    ticket,
                    snippet: snippets.remove(&id).unwrap_or_default(),
                    rank,
                });
            }
        }
        Ok(SearchResults { hits, windowed })
    }
}

/// bm25 column weights: subject, problem type, customer, comments. Kept in
/// step with the table's default `rank` (migration V1).
const RANK_WEIGHTS: &str = "10.0, 3.0, 5.0, 1.0";

fn fts_error(e: rusqlite::Error) -> StoreError {
    match e {
        rusqlite::Error::SqliteFailure(_, Some(msg)) if msg.contains("fts5") => {
            StoreError::BadQuery(msg)
        }
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn user_input_becomes_safe_fts() -> TestResult {
        assert_eq!(fts_query("outlook profile")?, r#""outlook" "profile""#);
        assert_eq!(fts_query("outl*")?, r#""outl"*"#);
        assert_eq!(fts_query(r#""new hire" setup"#)?, r#""new hire" "setup""#);
        assert_eq!(fts_query("c++ AND -x")?, r#""c" "AND" "x""#);
        assert_eq!(
            fts_query(r#""unterminated phrase"#)?,
            r#""unterminated phrase""#
        );
        assert!(fts_query("  ** \"\" ").is_err());
        Ok(())
    }
}
