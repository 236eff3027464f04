//! What `synchronous = FULL` costs, measured rather than assumed (not a
//! test; numbers go to BENCHMARKS.md):
//!
//!   cargo bench -p syncro-store --bench durability
//!
//! The outbox commits each state change with `FULL` (an fsync of the WAL
//! per commit) so a power loss cannot roll a `sending` row back to
//! `queued`; the cache's own writes stay at `NORMAL`. This compares, on a
//! cache file in the target directory (the same disk as a real cache,
//! unlike a tmpfs), one outbox step and one sync page under both levels,
//! to show why the choice is per transaction and not per connection.

use std::time::{Duration, Instant};

use rusqlite::{params, Connection};
use syncro_store::Store;

const STEPS: usize = 300;
const PAGES: usize = 60;
const ROWS_PER_PAGE: usize = 100;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let dir = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| format!("{}/../target", env!("CARGO_MANIFEST_DIR")));
    let dir = tempfile::tempdir_in(dir).expect("temp dir on the target disk");
    let path = dir.path().join("cache.db");
    drop(Store::open(&path).expect("create the cache"));
    let conn = Connection::open(&path).expect("open");
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         CREATE TABLE page_rows (id INTEGER PRIMARY KEY, raw TEXT NOT NULL);
         INSERT INTO outbox (kind, payload, state, created_at, updated_at)
         VALUES ('add_comment', '{}', 'queued', '', '');",
    )
    .expect("setup");
    let raw = "x".repeat(2_000);
    println!("durability: {STEPS} outbox steps, {PAGES} pages of {ROWS_PER_PAGE} rows (2 KB each)");
    println!(
        "{:<8} {:>16} {:>16}",
        "level", "outbox step p50", "sync page p50"
    );
    let mut results = Vec::new();
    for level in ["NORMAL", "FULL"] {
        conn.execute_batch(&format!("PRAGMA synchronous = {level}"))
            .expect("pragma");
        let mut steps = Vec::with_capacity(STEPS);
        for i in 0..STEPS {
            let t = Instant::now();
            conn.execute_batch("BEGIN IMMEDIATE").expect("begin");
            conn.execute(
                "UPDATE outbox SET state = ?1, attempts = attempts + 1, updated_at = ?2",
                params![
                    if i % 2 == 0 { "sending" } else { "verifying" },
                    i.to_string()
                ],
            )
            .expect("update");
            conn.execute_batch("COMMIT").expect("commit");
            steps.push(t.elapsed());
        }
        let mut pages = Vec::with_capacity(PAGES);
        for p in 0..PAGES {
            let t = Instant::now();
            conn.execute_batch("BEGIN IMMEDIATE").expect("begin");
            for r in 0..ROWS_PER_PAGE {
                conn.execute(
                    "INSERT OR REPLACE INTO page_rows (id, raw) VALUES (?1, ?2)",
                    params![(p * ROWS_PER_PAGE + r) as i64, raw],
                )
                .expect("insert");
            }
            conn.execute_batch("COMMIT").expect("commit");
            pages.push(t.elapsed());
        }
        let (s, p) = (median(steps), median(pages));
        println!("{level:<8} {:>16.2?} {:>16.2?}", s, p);
        results.push((s, p));
    }
    let ratio = |a: Duration, b: Duration| b.as_secs_f64() / a.as_secs_f64().max(1e-9);
    println!(
        "FULL / NORMAL: outbox step {:.1}x, sync page {:.1}x",
        ratio(results[0].0, results[1].0),
        ratio(results[0].1, results[1].1)
    );
}
