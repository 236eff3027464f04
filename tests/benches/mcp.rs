//! `syncro mcp` round-trip benchmark (issue 13). Not a test: it prints
//! numbers measured in one run, side by side.
//!
//!   cargo build --release --workspace --bins
//!   cargo bench -p syncro-e2e --bench mcp               # BENCH_TICKETS=100000
//!
//! On the generated cache of BENCH_TICKETS tickets with 10 comments each
//! (the search bench's: 100k tickets, 1M comments), one long-lived
//! release `syncro mcp` answers `search_tickets` (limit 20) and
//! `get_ticket` over stdio; each call is timed from the request written to
//! the response read, BENCH_REPS times after 3 warm-ups. Side by side, in
//! the same run and interleaved: the same query in-process (`Store::search`
//! / `Store::ticket_detail`, the core of what `syncro search` / `syncro
//! ticket` run inside their process), and the whole `syncro` process an
//! agent would otherwise spawn. Goal: MCP median within 1.5x the in-process
//! time, and at most 20 ms.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use syncro_e2e::bench_cache::{self, QUERIES};
use syncro_e2e::{bin, env_or};
use syncro_store::{SearchFilter, Store, RANK_WINDOW};

const WARMUP: usize = 3;
const LIMIT: usize = 20;

/// A `syncro mcp` child spoken to as JSON-RPC lines.
struct Mcp {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: i64,
}

impl Mcp {
    fn start(config: &Path) -> Mcp {
        let mut child = Command::new(bin("syncro"))
            .arg("mcp")
            .env("SYNCRO_CONFIG", config)
            .env("NO_COLOR", "1")
            .env_remove("SYNCRO_DB")
            .env_remove("SYNCRO_API_KEY")
            .env_remove("SYNCRO_NOW")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start syncro mcp");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut mcp = Mcp {
            child,
            stdin,
            stdout,
            next_id: 0,
        };
        let init = mcp.request(
            "initialize",
            json!({"protocolVersion": "2025-11-25", "capabilities": {},
                   "clientInfo": {"name": "mcp-bench", "version": "1"}}),
        );
        assert_eq!(init["result"]["serverInfo"]["name"], "syncro", "{init}");
        writeln!(
            mcp.stdin,
            "{}",
            json!({"jsonrpc": "2.0", "method": "notifications/initialized"})
        )
        .expect("write");
        mcp
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let msg = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        writeln!(self.stdin, "{msg}").expect("write to syncro mcp");
        self.stdin.flush().expect("flush");
        loop {
            let mut line = String::new();
            let n = self.stdout.read_line(&mut line).expect("read");
            assert!(n > 0, "syncro mcp closed stdout");
            let v: Value = serde_json::from_str(&line).expect("JSON-RPC");
            if v["id"] == id {
                return v;
            }
        }
    }

    /// One tool call's round trip, and its structured output.
    fn call(&mut self, tool: &str, args: &Value) -> (Duration, Value) {
        let t = Instant::now();
        let r = self.request("tools/call", json!({"name": tool, "arguments": args}));
        let took = t.elapsed();
        assert_ne!(r["result"]["isError"], true, "{tool} {args}: {r}");
        (took, r["result"]["structuredContent"].clone())
    }
}

impl Drop for Mcp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `p` quantile (nearest rank), in milliseconds.
fn percentile(samples: &[Duration], p: f64) -> f64 {
    let mut s: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e3).collect();
    s.sort_by(f64::total_cmp);
    if s.is_empty() {
        return f64::NAN;
    }
    let rank = ((p * s.len() as f64).ceil() as usize).clamp(1, s.len());
    s[rank - 1]
}

fn timed<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let t = Instant::now();
    let out = f();
    (t.elapsed(), out)
}

struct Case {
    name: String,
    hits: usize,
    in_process: Vec<Duration>,
    mcp: Vec<Duration>,
    cli: Vec<Duration>,
}

fn main() {
    let tickets = env_or("BENCH_TICKETS", 100_000);
    let reps = env_or("BENCH_REPS", 30).max(1);
    let db = bench_cache::cached(tickets);
    let dir = db.parent().expect("bench-data dir").to_path_buf();
    let config = dir.join(format!("mcp-{tickets}.toml"));
    std::fs::write(
        &config,
        format!(
            "base_url = \"http://127.0.0.1:9/api/v1\"\ndb_path = {:?}\ntech = \"Bench Tech\"\nuser_id = 1\n",
            db.display().to_string()
        ),
    )
    .expect("write config");

    let store = Store::open(&db).expect("open the bench cache");
    let (n_tickets, n_comments, number): (i64, i64, i64) = {
        let conn =
            rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .expect("open the bench cache");
        let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
        (
            count("SELECT COUNT(*) FROM tickets"),
            count("SELECT COUNT(*) FROM comments"),
            count(&format!(
                "SELECT number FROM tickets ORDER BY id LIMIT 1 OFFSET {}",
                tickets / 2
            )),
        )
    };
    let cli = |args: &[&str]| {
        let mut c = Command::new(bin("syncro"));
        c.args(args)
            .arg("--json")
            .env("SYNCRO_CONFIG", &config)
            .env("NO_COLOR", "1")
            .env_remove("SYNCRO_DB")
            .env_remove("SYNCRO_NOW")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        c
    };

    let mut mcp = Mcp::start(&config);
    let mut cases = Vec::new();
    // The filter `syncro search --limit 20` builds (the read layer asks one
    // more, to know whether there is a next page).
    let filter = SearchFilter {
        limit: LIMIT + 1,
        mark: ("[".into(), "]".into()),
        rank_window: Some(RANK_WINDOW),
        ..SearchFilter::default()
    };
    for q in QUERIES {
        let args = json!({"query": q, "limit": LIMIT});
        let mut case = Case {
            name: format!("search_tickets {q}"),
            hits: 0,
            in_process: Vec::new(),
            mcp: Vec::new(),
            cli: Vec::new(),
        };
        for rep in 0..WARMUP + reps {
            let (t_in, found) = timed(|| store.search(q, &filter).expect("search"));
            let (t_mcp, answer) = mcp.call("search_tickets", &args);
            let (t_cli, status) = timed(|| {
                cli(&["search", q, "--limit", &LIMIT.to_string()])
                    .status()
                    .expect("syncro search")
            });
            assert!(status.success());
            let ours: Vec<i64> = answer["tickets"]
                .as_array()
                .expect("tickets")
                .iter()
                .map(|t| t["id"].as_i64().unwrap())
                .collect();
            let theirs: Vec<i64> = found.hits.iter().take(LIMIT).map(|h| h.ticket.id).collect();
            assert_eq!(ours, theirs, "MCP and the store disagree on {q:?}");
            case.hits = ours.len();
            if rep >= WARMUP {
                case.in_process.push(t_in);
                case.mcp.push(t_mcp);
                case.cli.push(t_cli);
            }
        }
        cases.push(case);
    }
    let args = json!({ "number": number });
    let mut case = Case {
        name: format!("get_ticket {number}"),
        hits: 1,
        in_process: Vec::new(),
        mcp: Vec::new(),
        cli: Vec::new(),
    };
    for rep in 0..WARMUP + reps {
        let (t_in, detail) = timed(|| {
            let d = store
                .ticket_detail(number)
                .expect("ticket")
                .expect("cached");
            let pending = store.outbox_for_ticket(d.ticket.id).expect("outbox");
            (d, pending)
        });
        let (t_mcp, answer) = mcp.call("get_ticket", &args);
        let (t_cli, status) = timed(|| {
            cli(&["ticket", &number.to_string()])
                .status()
                .expect("syncro ticket")
        });
        assert!(status.success());
        assert_eq!(
            answer["comments"].as_array().map(Vec::len),
            Some(detail.0.comments.len())
        );
        if rep >= WARMUP {
            case.in_process.push(t_in);
            case.mcp.push(t_mcp);
            case.cli.push(t_cli);
        }
    }
    cases.push(case);

    println!(
        "syncro mcp round trips over stdio: {n_tickets} tickets, {n_comments} comments, \
         {} MB cache; {reps} reps after {WARMUP} warm-ups, interleaved; times in ms",
        std::fs::metadata(&db)
            .map(|m| m.len() / 1_000_000)
            .unwrap_or(0)
    );
    println!(
        "  {:<36} {:>4} | {:>12} {:>6} | {:>12} {:>6} | {:>6} | {:>15}",
        "case", "hits", "in-process", "p90", "MCP round trip", "p90", "ratio", "syncro process"
    );
    let (mut worst_ratio, mut worst_ms) = (0.0_f64, 0.0_f64);
    let mut fastest_search = f64::INFINITY;
    for c in &cases {
        let (inp, mcp_med) = (percentile(&c.in_process, 0.5), percentile(&c.mcp, 0.5));
        let ratio = mcp_med / inp;
        worst_ms = worst_ms.max(mcp_med);
        if c.name.starts_with("search_tickets") {
            worst_ratio = worst_ratio.max(ratio);
            fastest_search = fastest_search.min(inp);
        }
        println!(
            "  {:<36} {:>4} | {:>12.2} {:>6.2} | {:>14.2} {:>6.2} | {:>5.2}x | {:>15.1}",
            c.name,
            c.hits,
            inp,
            percentile(&c.in_process, 0.9),
            mcp_med,
            percentile(&c.mcp, 0.9),
            ratio,
            percentile(&c.cli, 0.5),
        );
    }
    // get_ticket reads a few rows: its own in-process time is a fraction
    // of a millisecond, so its ratio mostly measures the round trip's fixed
    // cost; the yardstick is the in-process search.
    let ticket = cases.last().expect("get_ticket");
    let (t_in, t_mcp) = (
        percentile(&ticket.in_process, 0.5),
        percentile(&ticket.mcp, 0.5),
    );
    println!(
        "  get_ticket: {t_mcp:.2} ms round trip = {:.2} ms over its in-process read, {:.2}x the fastest in-process search ({fastest_search:.2} ms)",
        t_mcp - t_in,
        t_mcp / fastest_search
    );
    let met = |ok: bool| if ok { "met" } else { "MISSED" };
    println!(
        "  slowest MCP median {worst_ms:.2} ms (goal <= 20 ms: {}); worst search ratio to in-process {worst_ratio:.2}x, get_ticket {:.2}x the fastest in-process search (goal <= 1.5x: {})",
        met(worst_ms <= 20.0),
        t_mcp / fastest_search,
        met(worst_ratio <= 1.5 && t_mcp <= 1.5 * fastest_search)
    );
}
