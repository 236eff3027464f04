//! What every list query shares: the page request (`Paging`) with its
//! slice and `meta`, the `since_updated_at` cursor rule, and the
//! allocation-free case-insensitive search behind the `query` filters.
//!
//! Apart from the entity files so that tickets, comments, timers,
//! customers, invoices and products page and search the same way.

use serde_json::{json, Value};

use super::State;
use crate::shape::Shape;
use crate::values::Ts;

/// Page request: `page` is 1-based, `per_page` already capped.
#[derive(Clone, Copy, Debug)]
pub struct Paging {
    pub page: usize,
    pub per_page: usize,
}

impl Paging {
    pub(super) fn slice<'a, T>(&self, items: &'a [T]) -> &'a [T] {
        let start = (self.page - 1).saturating_mul(self.per_page);
        if start >= items.len() {
            return &[];
        }
        let end = (start + self.per_page).min(items.len());
        &items[start..end]
    }

    /// `meta` with all four keys, or (`lean`) only `total_pages` and `page`.
    pub(super) fn meta(&self, total: usize, lean: bool) -> Value {
        let pages = total.div_ceil(self.per_page).max(1);
        if lean {
            return json!({"total_pages": pages, "page": self.page});
        }
        json!({
            "total_pages": pages,
            "total_entries": total,
            "per_page": self.per_page,
            "page": self.page,
        })
    }

    /// This page request with `per_page` replaced by a fixed page size.
    pub(super) fn fixed(self, size: Option<usize>) -> Paging {
        Paging {
            per_page: Shape::fixed_page(size, self.per_page),
            ..self
        }
    }
}

/// ASCII-case-insensitive substring test without allocating: the ticket
/// `query` filter runs over every comment of every ticket. It scans for the
/// needle's rarest letter (English frequency) so common letters like "o" do
/// not produce a candidate every few bytes.
pub fn contains_ci(haystack: &str, needle_lower: &[u8]) -> bool {
    const BY_FREQUENCY: &[u8] = b"etaoinshrdlcumwfgypbvkjxqz";
    if needle_lower.is_empty() {
        return true;
    }
    let h = haystack.as_bytes();
    if h.len() < needle_lower.len() {
        return false;
    }
    let rarity = |b: u8| {
        BY_FREQUENCY
            .iter()
            .position(|&f| f == b)
            .unwrap_or(BY_FREQUENCY.len())
    };
    let (at, &anchor) = needle_lower
        .iter()
        .enumerate()
        .max_by_key(|(_, &b)| rarity(b))
        .unwrap_or((0, &needle_lower[0]));
    let last_anchor = h.len() - needle_lower.len() + at;
    memchr::memchr2_iter(anchor, anchor.to_ascii_uppercase(), &h[at..=last_anchor])
        .any(|i| h[i..i + needle_lower.len()].eq_ignore_ascii_case(needle_lower))
}

impl State {
    /// `since_updated_at`: strictly after the cursor, or at-or-after with
    /// `Shape::since_inclusive`.
    pub(super) fn since(&self, cursor: Option<Ts>, updated_at: Ts) -> bool {
        match cursor {
            None => true,
            Some(c) if self.shape.since_inclusive => updated_at >= c,
            Some(c) => updated_at > c,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_insensitive_search() {
        assert!(contains_ci("Outlook keeps asking for password", b"outlook"));
        assert!(contains_ci("new OUTLOOK profile", b"outlook"));
        assert!(contains_ci("abc", b""));
        assert!(!contains_ci("Printer offline", b"outlook"));
        assert!(!contains_ci("ou", b"outlook"));
        assert!(contains_ci("xxoutlook", b"outlook"));
        assert!(contains_ci("outlook", b"outlook"));
        assert!(contains_ci("OUTLOOK", b"outlook"));
        assert!(!contains_ci("outloo", b"outlook"));
        assert!(contains_ci("see #30012 now", b"30012"));
        assert!(contains_ci("a", b"a"));
    }

    #[test]
    fn paging_caps_and_meta() {
        let p = Paging {
            page: 3,
            per_page: 10,
        };
        let items: Vec<u32> = (0..25).collect();
        assert_eq!(p.slice(&items), &[20, 21, 22, 23, 24]);
        assert_eq!(p.meta(25, false)["total_pages"], 3);
        assert_eq!(
            p.meta(25, true),
            json!({"total_pages": 3, "page": 3}),
            "lean meta"
        );
        let fixed = p.fixed(Some(4));
        assert_eq!((fixed.page, fixed.per_page), (3, 4));
        assert_eq!(fixed.slice(&items), &[8, 9, 10, 11]);
        let far = Paging {
            page: 9,
            per_page: 10,
        };
        assert!(far.slice(&items).is_empty());
        assert_eq!(p.meta(0, false)["total_pages"], 1);
    }
}
