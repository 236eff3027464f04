//! Search benchmark (issue: instant answers from the cache). Not a test: it
//! prints numbers measured in one run, side by side.
//!
//!   cargo build --release --workspace --bins
//!   cargo bench -p syncro-e2e --bench search            # BENCH_TICKETS=100000
//!
//! On a generated cache of BENCH_TICKETS tickets with 10 comments each it
//! times the whole process of the release `syncro search Q --limit 20` and of
//! the `sqlite3` shell running the same FTS5 query (as the store builds it)
//! on the same file, interleaved, BENCH_REPS times each after 3 warm-ups;
//! plus `syncro tickets` and `syncro ticket N`, and the bare process floors
//! (`syncro --version`, `sqlite3 DB 'SELECT 1'`). Goal: median syncro /
//! sqlite3 <= 1.5x and under 20 ms.
//!
//! The cache is built without HTTP, straight from the simulator's generator
//! through the store's own upserts, and kept in
//! target/bench-data/search-<N>.db (delete it to rebuild).

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use syncro_e2e::bench_cache::{self, QUERIES};
use syncro_e2e::{bin, env_or};

const WARMUP: usize = 3;
const LIMIT: usize = 20;

/// The SQL `Store::search` runs (no filters), with its parameters inlined:
/// find the newest match beyond the rank window (when `windowed`), rank
/// with bm25 + LIMIT above it, then snippets for the winners only.
fn search_sql(query: &str, windowed: bool) -> String {
    let fts = syncro_store::fts_query(query)
        .expect("bench queries have words")
        .replace('\'', "''");
    let above = if windowed {
        format!(
            " AND rowid > COALESCE((SELECT rowid FROM ticket_fts WHERE ticket_fts MATCH '{fts}' \
               ORDER BY rowid DESC LIMIT 1 OFFSET {}), 0)",
            syncro_store::RANK_WINDOW
        )
    } else {
        String::new()
    };
    format!(
        "WITH top AS (SELECT rowid AS id, bm25(ticket_fts, 10.0, 3.0, 5.0, 1.0) AS score \
                      FROM ticket_fts WHERE ticket_fts MATCH '{fts}'{above} ORDER BY score LIMIT {LIMIT}) \
         SELECT t.id, t.number, t.subject, t.status, t.priority, t.problem_type, \
         t.customer_id, t.customer_name, t.contact_id, t.contact_name, t.user_id, t.user_name, \
         t.created_at, t.updated_at, t.due_date, t.resolved_at, s.snip, top.score \
         FROM top JOIN tickets t ON t.id = top.id \
         JOIN (SELECT rowid, snippet(ticket_fts, -1, '[', ']', '…', 12) AS snip FROM ticket_fts \
               WHERE ticket_fts MATCH '{fts}' AND rowid IN (SELECT id FROM top)) s ON s.rowid = top.id \
         ORDER BY top.score;"
    )
}

struct Bench {
    config: PathBuf,
    db: PathBuf,
    sqlite3: Option<PathBuf>,
}

impl Bench {
    fn syncro(&self, args: &[String]) -> Command {
        let mut c = Command::new(bin("syncro"));
        c.args(args)
            .env("SYNCRO_CONFIG", &self.config)
            .env("SYNCRO_API_KEY", "bench-key")
            .env("NO_COLOR", "1")
            .env_remove("SYNCRO_DB")
            .env_remove("SYNCRO_BASE_URL")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null());
        c
    }

    fn sqlite3(&self, sql: &str) -> Option<Command> {
        let mut c = Command::new(self.sqlite3.as_ref()?);
        c.arg("-batch").arg(&self.db).arg(sql).stdin(Stdio::null());
        Some(c)
    }
}

/// User + system CPU time of every child reaped so far.
#[cfg(unix)]
fn children_cpu() -> Duration {
    // SAFETY: getrusage only writes into the zeroed struct we pass.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// Not measured off Unix (the benchmark then reports wall time only).
#[cfg(not(unix))]
fn children_cpu() -> Duration {
    Duration::ZERO
}

/// One run of a process.
#[derive(Clone, Copy)]
struct Sample {
    wall_ms: f64,
    cpu_ms: f64,
}

/// Runs a command to the end with captured output: its wall and CPU time.
fn timed(c: &mut Command) -> (Sample, Output) {
    let cpu = children_cpu();
    let t = Instant::now();
    let out = c.output().expect("run benchmark command");
    let wall = t.elapsed();
    let cpu = children_cpu().saturating_sub(cpu);
    assert!(
        out.status.success(),
        "{c:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sample = Sample {
        wall_ms: wall.as_secs_f64() * 1e3,
        cpu_ms: cpu.as_secs_f64() * 1e3,
    };
    (sample, out)
}

struct Case {
    name: String,
    args: Vec<String>,
    sql: Option<String>,
    syncro: Vec<Sample>,
    sqlite: Vec<Sample>,
}

impl Case {
    fn is_search(&self) -> bool {
        self.args.first().map(String::as_str) == Some("search")
    }

    fn new(name: &str, syncro: &[&str], sql: Option<String>) -> Case {
        Case {
            name: name.to_string(),
            args: syncro.iter().map(|s| s.to_string()).collect(),
            sql,
            syncro: Vec::new(),
            sqlite: Vec::new(),
        }
    }
}

/// The `p` quantile (nearest rank) of one measure of the samples.
fn percentile(samples: &[Sample], p: f64, measure: fn(&Sample) -> f64) -> f64 {
    let mut s: Vec<f64> = samples.iter().map(measure).collect();
    s.sort_by(f64::total_cmp);
    if s.is_empty() {
        return f64::NAN;
    }
    let rank = ((p * s.len() as f64).ceil() as usize).clamp(1, s.len());
    s[rank - 1]
}

fn wall(s: &Sample) -> f64 {
    s.wall_ms
}

fn cpu(s: &Sample) -> f64 {
    s.cpu_ms
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

fn main() {
    let tickets = env_or("BENCH_TICKETS", 100_000);
    let reps = env_or("BENCH_REPS", 30).max(1);
    let db = bench_cache::cached(tickets);
    let dir = db.parent().expect("bench-data dir").to_path_buf();
    let config = dir.join(format!("search-{tickets}.toml"));
    std::fs::write(
        &config,
        format!(
            "base_url = \"http://127.0.0.1:9/api/v1\"\ndb_path = {:?}\ntech = \"Bench Tech\"\nuser_id = 1\n",
            db.display().to_string()
        ),
    )
    .expect("write config");

    let sqlite3 = which("sqlite3");
    let bench = Bench {
        config,
        db: db.clone(),
        sqlite3,
    };

    // What the cache holds, and a ticket with a full thread to show.
    let (n_tickets, n_comments, n_open, number, db_bytes) = {
        let conn =
            rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .expect("open the bench cache");
        let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
        (
            count("SELECT COUNT(*) FROM tickets"),
            count("SELECT COUNT(*) FROM comments"),
            count("SELECT COUNT(*) FROM tickets WHERE status NOT IN ('Resolved', 'Invoiced', 'Closed')"),
            count(&format!(
                "SELECT number FROM tickets ORDER BY id LIMIT 1 OFFSET {}",
                tickets / 2
            )),
            std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0),
        )
    };
    let number = number.to_string();

    let mut cases: Vec<Case> = QUERIES
        .iter()
        .map(|q| {
            Case::new(
                &format!("search {q}"),
                &["search", q, "--limit", "20"],
                Some(search_sql(q, true)),
            )
        })
        .collect();
    // The most common word again, every match ranked (as before the window).
    let rank_all = Case::new(
        &format!("search {} --rank-all", QUERIES[0]),
        &["search", QUERIES[0], "--limit", "20", "--rank-all"],
        Some(search_sql(QUERIES[0], false)),
    );
    cases.push(rank_all);
    cases.push(Case::new("tickets (open)", &["tickets"], None));
    cases.push(Case::new(
        &format!("ticket {number}"),
        &["ticket", &number],
        None,
    ));
    cases.push(Case::new(
        "floor: --version / SELECT 1",
        &["--version"],
        Some("SELECT 1;".into()),
    ));

    // Both sides must answer the same tickets, in the same order.
    let mut hits = Vec::new();
    for case in cases.iter().filter(|c| c.is_search()) {
        let q = &case.name;
        let json_args: Vec<String> = std::iter::once("--json".to_string())
            .chain(case.args.iter().cloned())
            .collect();
        let (_, out) = timed(&mut bench.syncro(&json_args));
        let json: Value = serde_json::from_slice(&out.stdout).expect("search --json");
        let ours: Vec<i64> = json["tickets"]
            .as_array()
            .expect("a list")
            .iter()
            .filter_map(|h| h["id"].as_i64())
            .collect();
        hits.push(ours.len());
        if let Some(mut c) = case.sql.as_deref().and_then(|s| bench.sqlite3(s)) {
            let (_, out) = timed(&mut c);
            let theirs: Vec<i64> = String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter_map(|l| l.split('|').next()?.parse().ok())
                .collect();
            assert_eq!(ours, theirs, "syncro and sqlite3 disagree on {q:?}");
        }
    }

    for rep in 0..WARMUP + reps {
        for case in &mut cases {
            let mut s = bench.syncro(&case.args);
            let mut q = case.sql.as_deref().and_then(|sql| bench.sqlite3(sql));
            // Alternate who goes first so drift hits both alike.
            let (ts, tq) = if rep % 2 == 0 {
                let ts = timed(&mut s).0;
                (ts, q.as_mut().map(|c| timed(c).0))
            } else {
                let tq = q.as_mut().map(|c| timed(c).0);
                (timed(&mut s).0, tq)
            };
            if rep >= WARMUP {
                case.syncro.push(ts);
                case.sqlite.extend(tq);
            }
        }
    }

    println!(
        "search benchmark: {n_tickets} tickets ({n_open} open), {n_comments} comments, cache {:.0} MiB; \
         whole-process times in ms, {reps} runs each after {WARMUP} warm-ups, interleaved",
        db_bytes as f64 / (1024.0 * 1024.0)
    );
    if bench.sqlite3.is_none() {
        println!("  sqlite3 is not installed: the comparison columns are skipped");
    }
    println!(
        "  {:<28} {:>4} | {:>15} {:>6} {:>7} | {:>16} {:>6} {:>7} | {:>6}",
        "case",
        "hits",
        "syncro wall med",
        "p90",
        "cpu med",
        "sqlite3 wall med",
        "p90",
        "cpu med",
        "ratio"
    );
    let mut worst_ratio: f64 = 0.0;
    let mut worst_search: f64 = 0.0;
    for (i, case) in cases.iter().enumerate() {
        let is_search = case.is_search();
        let med = percentile(&case.syncro, 0.5, wall);
        let theirs = if case.sqlite.is_empty() {
            format!("{:>16} {:>6} {:>7}", "-", "-", "-")
        } else {
            format!(
                "{:>16.1} {:>6.1} {:>7.1}",
                percentile(&case.sqlite, 0.5, wall),
                percentile(&case.sqlite, 0.9, wall),
                percentile(&case.sqlite, 0.5, cpu)
            )
        };
        let ratio = if case.sqlite.is_empty() {
            "-".to_string()
        } else {
            let r = med / percentile(&case.sqlite, 0.5, wall);
            if is_search {
                worst_ratio = worst_ratio.max(r);
            }
            format!("{r:.2}x")
        };
        // The time goal is for searches as typed; --rank-all is the opt-in
        // slow path, shown for comparison.
        if is_search && !case.args.iter().any(|a| a == "--rank-all") {
            worst_search = worst_search.max(med);
        }
        println!(
            "  {:<28} {:>4} | {:>15.1} {:>6.1} {:>7.1} | {} | {:>6}",
            case.name,
            hits.get(i).map(|h| h.to_string()).unwrap_or_default(),
            med,
            percentile(&case.syncro, 0.9, wall),
            percentile(&case.syncro, 0.5, cpu),
            theirs,
            ratio
        );
    }
    let met = |ok: bool| if ok { "met" } else { "MISSED" };
    if bench.sqlite3.is_some() {
        println!(
            "  slowest search median {worst_search:.1} ms (goal < 20 ms: {}); worst ratio {worst_ratio:.2}x (goal <= 1.5x: {})",
            met(worst_search < 20.0),
            met(worst_ratio <= 1.5)
        );
    } else {
        println!(
            "  slowest search median {worst_search:.1} ms (goal < 20 ms: {})",
            met(worst_search < 20.0)
        );
    }
}
