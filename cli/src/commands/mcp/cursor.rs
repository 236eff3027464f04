//! Page cursors for the list tools: opaque to the agent, as MCP's
//! pagination asks, and bound to the tool and the filters that gave them.
//!
//! A plain offset ("40") invites an agent to make one up ("60"), and a
//! cursor from `search_tickets` passed to `list_tickets`, or a page-2
//! cursor reused with other filters, would silently answer the wrong rows.
//! So a cursor carries its offset and a check over (tool, filters, offset):
//! anything else is a tool error that says what to do. The check is not a
//! secret (cursors guard against mistakes, not attackers); FNV-1a keeps it
//! stable across Rust versions, which `DefaultHasher` does not promise.

use anyhow::{anyhow, Result};
use serde::Serialize;

/// Rows a list answers when the call does not say.
pub const PAGE: usize = 20;

/// Cursors of one tool call: the tool and its filters (everything but
/// `cursor` and `limit`, which may change from page to page).
#[derive(Debug, Clone, Copy)]
pub struct Pager {
    tool: &'static str,
    filters: u32,
}

impl Pager {
    pub fn new(tool: &'static str, filters: &impl Serialize) -> Pager {
        let json = serde_json::to_string(filters).unwrap_or_default();
        Pager {
            tool,
            filters: fnv1a(json.as_bytes()),
        }
    }

    /// Where the page starts: 0 without a cursor.
    pub fn offset(&self, cursor: Option<&str>) -> Result<usize> {
        let Some(c) = cursor else { return Ok(0) };
        c.split_once('-')
            .and_then(|(at, check)| {
                let at = usize::from_str_radix(at, 16).ok()?;
                (u32::from_str_radix(check, 16).ok()? == self.check(at)).then_some(at)
            })
            .ok_or_else(|| {
                anyhow!(
                    "cursor {c:?} is not one {} returned for these arguments: pass `next_cursor` as it came, \
                     with the same filters, or leave it out for the first page",
                    self.tool
                )
            })
    }

    /// The cursor of the page starting at `offset`.
    pub fn cursor(&self, offset: usize) -> String {
        format!("{offset:x}-{:08x}", self.check(offset))
    }

    /// The rows from `offset`, at most `limit`, and the next page's cursor.
    pub fn page<T>(&self, rows: Vec<T>, offset: usize, limit: usize) -> (Vec<T>, Option<String>) {
        let more = rows.len() > offset + limit;
        let rows = rows.into_iter().skip(offset).take(limit).collect();
        (rows, more.then(|| self.cursor(offset + limit)))
    }

    fn check(&self, offset: usize) -> u32 {
        let mut bytes = self.tool.as_bytes().to_vec();
        bytes.extend(self.filters.to_le_bytes());
        bytes.extend((offset as u64).to_le_bytes());
        fnv1a(&bytes)
    }
}

/// FNV-1a, 32 bits.
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_comes_back_to_its_offset_for_the_same_tool_and_filters() {
        let p = Pager::new("list_tickets", &(vec!["Open"], false));
        for at in [0, 1, 20, 4_000] {
            assert_eq!(p.offset(Some(&p.cursor(at))).unwrap(), at);
        }
        assert_eq!(p.offset(None).unwrap(), 0);
    }

    #[test]
    fn another_tool_other_filters_or_a_made_up_offset_are_refused() {
        let p = Pager::new("list_tickets", &(vec!["Open"], false));
        let c = p.cursor(20);
        let other_tool = Pager::new("list_customers", &(vec!["Open"], false));
        let other_filters = Pager::new("list_tickets", &(vec!["Resolved"], false));
        for (pager, cursor) in [
            (other_tool, c.as_str()),
            (other_filters, c.as_str()),
            (p, "28-00000000"),
            (p, "20"),
            (p, "x"),
            (p, ""),
        ] {
            let e = pager.offset(Some(cursor)).unwrap_err().to_string();
            assert!(e.contains("is not one") && e.contains("next_cursor"), "{e}");
        }
        // An edited offset with the old check.
        let (_, check) = c.split_once('-').unwrap();
        assert!(p.offset(Some(&format!("28-{check}"))).is_err());
    }

    #[test]
    fn a_page_says_whether_more_follow() {
        let p = Pager::new("list_outbox", &false);
        let (rows, next) = p.page((0..5).collect(), 0, 2);
        assert_eq!(rows, [0, 1]);
        assert_eq!(p.offset(next.as_deref()).unwrap(), 2);
        let (rows, next) = p.page((0..5).collect(), 4, 2);
        assert_eq!((rows, next), (vec![4], None));
    }
}
