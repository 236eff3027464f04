//! `syncro mcp` over real stdio on the fixture cache, spoken to line by
//! line as JSON-RPC (the independent client, the official Python SDK, runs
//! in tests/tests/e2e/mcp.rs against a live daemon): the tool list
//! (snapshot, annotations, `--read-only`), reads with their freshness, and
//! writes checked and queued exactly like the CLI's, failures as `isError`
//! results.
//!
//! Long (about 790 lines) because `writes_are_checked_and_queued_like_the_cli`
//! walks every write tool in one session on one fixture, as an agent would;
//! the CLI's writes have their own room (`cli/writes.rs`).

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Stdio};

use serde_json::{json, Value};
use syncro_store::outbox::{
    Change, Command, CommentWrite, InvoiceWrite, LineItemWrite, State, TicketWrite, TimerWrite,
};

use crate::fixture::*;

/// A running `syncro mcp`, killed and reaped when dropped.
struct Mcp {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: i64,
}

impl Mcp {
    /// Starts `syncro mcp ARGS` on the fixture and completes the
    /// `initialize` handshake.
    fn start(fx: &Fx, args: &[&str]) -> Mcp {
        let mut all = vec!["mcp"];
        all.extend_from_slice(args);
        let mut child = fx
            .std_cmd(&all)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start syncro mcp");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut mcp = Mcp {
            child,
            stdin,
            stdout,
            next_id: 0,
        };
        let init = mcp.request(
            "initialize",
            json!({"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "cli-test", "version": "1"}}),
        );
        assert_eq!(init["result"]["serverInfo"]["name"], "syncro", "{init}");
        assert!(
            init["result"]["capabilities"]["tools"].is_object(),
            "{init}"
        );
        mcp.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        mcp
    }

    fn send(&mut self, msg: &Value) {
        writeln!(self.stdin, "{msg}").unwrap();
        self.stdin.flush().unwrap();
    }

    /// Sends a request and returns its response (skipping notifications).
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let mut line = String::new();
            let n = self.stdout.read_line(&mut line).unwrap();
            assert!(n > 0, "syncro mcp closed stdout waiting for {method}");
            let msg: Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("stdout carries only JSON-RPC ({e}): {line}"));
            if msg["id"] == id {
                return msg;
            }
        }
    }

    fn tools(&mut self) -> Vec<Value> {
        let r = self.request("tools/list", json!({}));
        r["result"]["tools"].as_array().expect("tools").clone()
    }

    /// A tool call's result (a protocol error fails the test).
    fn call(&mut self, tool: &str, args: Value) -> Value {
        let r = self.request("tools/call", json!({"name": tool, "arguments": args}));
        assert!(r["error"].is_null(), "{tool}: protocol error {r}");
        r["result"].clone()
    }

    /// The structured output of a call that must succeed.
    fn ok(&mut self, tool: &str, args: Value) -> Value {
        let r = self.call(tool, args);
        assert_ne!(r["isError"], true, "{tool}: {r}");
        // The same JSON travels as text for clients without structured output.
        let text = r["content"][0]["text"].as_str().expect("text content");
        assert_eq!(
            serde_json::from_str::<Value>(text).unwrap(),
            r["structuredContent"]
        );
        r["structuredContent"].clone()
    }

    /// The sentence of a call that must fail as a tool error.
    fn err(&mut self, tool: &str, args: Value) -> String {
        let r = self.call(tool, args);
        assert_eq!(r["isError"], true, "{tool} should fail: {r}");
        r["content"][0]["text"].as_str().expect("text").to_string()
    }
}

impl Drop for Mcp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const READS: [&str; 11] = [
    "get_customer",
    "get_invoice",
    "get_session_log",
    "get_ticket",
    "list_customers",
    "list_invoices",
    "list_labor_types",
    "list_outbox",
    "list_tickets",
    "search_tickets",
    "sync_status",
];

fn names(tools: &[Value]) -> Vec<String> {
    tools
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect()
}

/// What an agent pays for `tools/list` before its first question, in
/// bytes of compact JSON: every tool, input and output schemas included.
fn tool_list_bytes(fx: &Fx, args: &[&str]) -> usize {
    let mut mcp = Mcp::start(fx, args);
    serde_json::to_string(&mcp.tools()).expect("json").len()
}

#[test]
fn the_tool_list_fits_its_byte_budget() {
    let fx = Fx::new();
    let all = tool_list_bytes(&fx, &[]);
    let read_only = tool_list_bytes(&fx, &["--read-only"]);
    eprintln!("tools/list: {all} bytes, --read-only: {read_only} bytes");
    // Typical answers, for BENCHMARKS.md: the tool's structured output
    // next to the CLI's --json of the same question (what the tools
    // answered before they had compact views).
    let mut mcp = Mcp::start(&fx, &[]);
    for (tool, args, cli) in [
        (
            "list_tickets",
            json!({"all": true}),
            vec!["tickets", "--all", "--json"],
        ),
        (
            "get_ticket",
            json!({"number": 32164}),
            vec!["ticket", "32164", "--json"],
        ),
        (
            "search_tickets",
            json!({"query": "jerry"}),
            vec!["search", "jerry", "--json"],
        ),
        (
            "list_outbox",
            json!({"all": true}),
            vec!["outbox", "--all", "--json"],
        ),
    ] {
        let answer = serde_json::to_string(&mcp.ok(tool, args)).unwrap().len();
        let json = fx.run(&cli).stdout.len();
        eprintln!("{tool}: {answer} bytes (the CLI's --json: {json} bytes)");
    }
    assert!(all <= 12_000, "tools/list is {all} bytes (budget 12,000)");
    assert!(
        read_only <= 6_000,
        "tools/list --read-only is {read_only} bytes (budget 6,000)"
    );
}

#[test]
fn the_tool_list_is_typed_annotated_and_kept() {
    let fx = Fx::new();
    let mut mcp = Mcp::start(&fx, &[]);
    let tools = mcp.tools();
    assert_eq!(tools.len(), 23, "{:?}", names(&tools));
    for t in &tools {
        let name = t["name"].as_str().unwrap();
        let a = &t["annotations"];
        assert_eq!(t["inputSchema"]["type"], "object", "{name}");
        assert_eq!(
            t["outputSchema"]["type"], "object",
            "{name}: structured output"
        );
        assert!(
            t["description"].as_str().is_some_and(|d| !d.is_empty()),
            "{name}"
        );
        // Said only where they differ from MCP's defaults (not read-only,
        // destructive).
        let read = READS.contains(&name);
        assert_eq!(a["readOnlyHint"].as_bool().unwrap_or(false), read, "{name}");
        if !read {
            assert_eq!(
                a["destructiveHint"].as_bool().unwrap_or(true),
                name == "cancel_write",
                "{name}"
            );
        }
    }
    // Billing never assumes: both are required.
    let bill = tools.iter().find(|t| t["name"] == "queue_bill").unwrap();
    let required = bill["inputSchema"]["required"].as_array().unwrap();
    assert!(required.contains(&json!("minutes")) && required.contains(&json!("labor")));
    assert_json_snapshot!("tools_list", tools);
}

#[test]
fn read_only_offers_only_the_reads() {
    let fx = Fx::new();
    let mut mcp = Mcp::start(&fx, &["--read-only"]);
    assert_eq!(names(&mcp.tools()), READS);
    // A write it does not offer is a protocol error, not a queued write.
    let r = mcp.request(
        "tools/call",
        json!({"name": "queue_comment", "arguments": {"number": 32164, "body": "x"}}),
    );
    assert!(r["error"].is_object(), "{r}");
    assert!(fx.store().outbox_items(&[]).unwrap().is_empty());
}

#[test]
fn reads_answer_from_the_cache_and_say_how_fresh() {
    let fx = Fx::new();
    fx.beat("2026-03-10T11:59:30.000Z");
    let mut mcp = Mcp::start(&fx, &[]);
    let list = mcp.ok("list_tickets", json!({}));
    let numbers: Vec<i64> = list["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [32180, 32170, 32164]);
    assert_eq!(
        (
            &list["as_of"],
            &list["age_secs"],
            &list["stale"],
            &list["daemon_running"]
        ),
        (
            &json!("2026-03-10T11:58:00.000Z"),
            &json!(120),
            &json!(false),
            &json!(true)
        )
    );
    // The last page has no cursor; nulls are left out of answers.
    assert_eq!(list.get("next_cursor"), None, "{list}");
    let one = mcp.ok("list_tickets", json!({"all": true, "limit": 1}));
    assert_eq!(one["tickets"][0]["number"], 32180);
    assert!(one["next_cursor"].is_string(), "{one}");
    let two = mcp.ok(
        "list_tickets",
        json!({"all": true, "limit": 1, "cursor": one["next_cursor"]}),
    );
    assert_eq!(two["tickets"][0]["number"], 32170);
    // Opaque and bound to the tool and its filters: a made-up offset, a
    // cursor with other filters or from another tool is refused.
    for (tool, args) in [
        ("list_tickets", json!({"cursor": "x"})),
        ("list_tickets", json!({"cursor": "1"})),
        (
            "list_tickets",
            json!({"all": false, "cursor": one["next_cursor"]}),
        ),
        ("list_customers", json!({"cursor": one["next_cursor"]})),
        ("list_outbox", json!({"cursor": one["next_cursor"]})),
    ] {
        let e = mcp.err(tool, args.clone());
        assert!(
            e.contains(&format!("is not one {tool} returned for these arguments")),
            "{tool} {args}: {e}"
        );
    }

    // The newest 5 comments, newest first, and how many there are.
    let t = mcp.ok("get_ticket", json!({"number": 32164}));
    assert_eq!(t["subject"], "Own cloud thing again");
    assert_eq!(t["comments_total"], 7);
    let ids: Vec<i64> = t["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 5);
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    // (No thread age recorded here: left out, like every null.)
    assert!(
        t["as_of"].is_string() && t.get("thread_age_secs").is_none(),
        "{t}"
    );
    assert!(!t.to_string().contains("null"), "no nulls: {t}");
    let all = mcp.ok("get_ticket", json!({"number": 32164, "comments": 50}));
    assert_eq!(all["comments"].as_array().unwrap().len(), 7);
    let log = mcp.ok("get_session_log", json!({"number": 32164}));
    assert!(
        log["markdown"]
            .as_str()
            .unwrap()
            .contains("Own cloud thing again")
            && log["path"].as_str().unwrap().contains("session-logs"),
        "{log}"
    );
    let found = mcp.ok("search_tickets", json!({"query": "fuser"}));
    assert_eq!(found["tickets"][0]["number"], 32150);
    assert!(found["tickets"][0]["snippet"]
        .as_str()
        .unwrap()
        .contains("[fuser]"));
    let page = mcp.ok("search_tickets", json!({"query": "jerry", "limit": 1}));
    let next = mcp.ok(
        "search_tickets",
        json!({"query": "jerry", "limit": 1, "cursor": page["next_cursor"]}),
    );
    assert_ne!(page["tickets"][0]["number"], next["tickets"][0]["number"]);
    assert_eq!(next["next_cursor"], Value::Null);

    let c = mcp.ok("get_customer", json!({"customer": "Jerry Burger"}));
    assert_eq!(c["id"], 10);
    assert_eq!(c["name"], "Jerry Burger");
    assert_eq!(
        mcp.ok("list_customers", json!({"query": "dental"}))["customers"][0]["id"],
        20
    );
    assert_eq!(
        mcp.ok("list_invoices", json!({"unpaid": true}))["invoices"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        mcp.ok("get_invoice", json!({"invoice": "1201"}))["line_items"][0]["id"],
        9101
    );
    assert_eq!(
        mcp.ok("get_invoice", json!({"invoice": "1201"}))["number"],
        "1201"
    );
    let status = mcp.ok("sync_status", json!({}));
    assert_eq!(status["daemon"]["alive"], true);
    assert_eq!(status["resources"].as_array().unwrap().len(), 3);
    assert!(mcp.ok("list_outbox", json!({}))["outbox"]
        .as_array()
        .unwrap()
        .is_empty());
    // The products were never mirrored here: nothing checked, nothing flagged.
    let labor = mcp.ok("list_labor_types", json!({}));
    assert_eq!(labor["labor_types"][1]["labor"], "remote");
    assert_eq!(labor["labor_types"][1]["product_id"], 9001);
    assert_eq!(labor["labor_types"][1]["check"], "unchecked");
    assert_eq!(
        (&labor["products_mirrored"], &labor["problems"]),
        (&json!(false), &json!(0))
    );
}

/// An RMM-fed customer with dozens of open alert tickets: get_customer
/// answers the newest 20 and says how many there are.
#[test]
fn get_customer_caps_its_lists_and_says_how_many() {
    let fx = Fx::new();
    let alerts: Vec<syncro_store::model::Ticket> = (0..25)
        .map(|i| {
            syncro_store::model::Ticket::from_json(&json!({
                "id": 2000 + i, "number": 33000 + i, "subject": "Low disk space on SERVER01",
                "status": "New", "customer_id": 20, "customer_business_then_name": "Dental Partners",
                "created_at": "2026-03-09T13:00:00Z",
                "updated_at": format!("2026-03-09T13:{i:02}:00Z"),
            }))
            .unwrap()
        })
        .collect();
    fx.store().upsert_tickets(&alerts, &[]).unwrap();
    let mut mcp = Mcp::start(&fx, &[]);
    let c = mcp.ok("get_customer", json!({"customer": "Dental Partners"}));
    let tickets = c["tickets"].as_array().unwrap();
    assert_eq!(tickets.len(), 20, "{c}");
    assert_eq!(c["tickets_total"], 26, "the alerts and 32170: {c}");
    assert_eq!(tickets[0]["number"], 33024, "newest first: {c}");
    // Short lists say nothing more.
    let small = mcp.ok("get_customer", json!({"customer": "Jerry Burger"}));
    assert!(small.get("tickets_total").is_none(), "{small}");
    assert!(small.get("invoices_total").is_none(), "{small}");
}

#[test]
fn read_errors_are_sentences_not_crashes() {
    let fx = Fx::new();
    let mut mcp = Mcp::start(&fx, &[]);
    let e = mcp.err("get_ticket", json!({"number": 99999}));
    assert!(e.starts_with("ticket #99999 is not in the cache"), "{e}");
    let e = mcp.err("list_tickets", json!({"status": ["Done"]}));
    assert!(
        e.starts_with("unknown status \"Done\"; use one of: New, "),
        "{e}"
    );
    let e = mcp.err("get_customer", json!({"customer": "burger"}));
    assert!(e.contains("matches 2 customers"), "{e}");
    let e = mcp.err(
        "search_tickets",
        json!({"query": "x", "since": "last week"}),
    );
    assert_eq!(
        e,
        "since \"last week\" is not a date (YYYY-MM-DD) or an RFC 3339 timestamp"
    );
    let e = mcp.err("search_tickets", json!({"query": "x", "cursor": "abc"}));
    assert!(
        e.starts_with("cursor \"abc\" is not one search_tickets returned"),
        "{e}"
    );
    let e = mcp.err("get_ticket", json!({"number": "32164a"}));
    assert!(
        e.starts_with("get_ticket: the arguments do not fit its input schema"),
        "{e}"
    );
    let e = mcp.err("get_ticket", json!({"number": "@7"}));
    assert!(e.starts_with("@7: there is no outbox item 7"), "{e}");
    mcp.ok("get_ticket", json!({"number": "#32164"}));
    let e = mcp.err("get_ticket", json!({"ticket": 32164}));
    assert!(e.contains("unknown field `ticket`"), "{e}");
    // The server keeps serving after errors.
    mcp.ok("get_ticket", json!({"number": 32164}));

    let fx = Fx::with_config(CONFIG);
    let mut mcp = Mcp::start(&fx, &[]);
    let e = mcp.err("list_tickets", json!({}));
    assert!(e.starts_with("no cache at "), "{e}");
    assert!(!fx.db().exists(), "reading must not create the cache");
}

#[test]
fn writes_are_checked_and_queued_like_the_cli() {
    let fx = Fx::new();
    let mut mcp = Mcp::start(&fx, &[]);

    // Refused: nothing queued, and the model is told why.
    let e = mcp.err("queue_bill", json!({"number": 32164, "labor": "remote"}));
    assert!(
        e.contains("missing field `minutes`") && e.contains("never assume"),
        "{e}"
    );
    let e = mcp.err(
        "queue_bill",
        json!({"number": 32164, "minutes": 0, "labor": "remote"}),
    );
    assert_eq!(e, "minutes must be positive, not 0; nothing queued");
    let e = mcp.err(
        "queue_bill",
        json!({"number": 32164, "minutes": 30, "labor": "magic"}),
    );
    assert!(
        e.starts_with("unknown labor type \"magic\"; configured: onsite, remote"),
        "{e}"
    );
    let e = mcp.err("queue_comment", json!({"number": 32164, "body": "  "}));
    assert_eq!(e, "the comment is empty; nothing queued");
    let e = mcp.err(
        "queue_comment",
        json!({"number": 32164, "body": "x", "internal": true}),
    );
    assert!(
        e.contains("unknown field `internal`"),
        "a misspelt `hidden` must not post publicly: {e}"
    );
    let e = mcp.err(
        "queue_line_item",
        json!({"number": 32164, "action": "add", "name": "Cable"}),
    );
    assert_eq!(
        e,
        "queue_line_item: the arguments do not fit its input schema (missing field `description`); nothing was done"
    );
    let e = mcp.err("queue_ticket_update", json!({"number": 32164}));
    assert_eq!(
        e,
        "give status, priority, assignee and/or due_date; nothing queued"
    );
    assert!(fx.store().outbox_items(&[]).unwrap().is_empty());

    // A hidden note goes at once.
    let w = mcp.ok(
        "queue_comment",
        json!({"number": 32164, "body": "Checked the sync log.", "hidden": true}),
    );
    assert_eq!(
        (&w["id"], &w["state"], &w["send_after"]),
        (&json!(1), &json!("queued"), &Value::Null)
    );
    // The body once: in the preview, nowhere else.
    assert_eq!(
        w.to_string().matches("Checked the sync log.").count(),
        1,
        "{w}"
    );
    assert!(matches!(
        &fx.store().outbox_item(1).unwrap().unwrap().command,
        Command::Comment(CommentWrite::Add { body, hidden: true, do_not_email: false, tech: Some(t), .. })
            if body == "Checked the sync log." && t == "Jane Tech"
    ));
    assert!(w["preview"].as_str().unwrap().starts_with("Comment on #32164 Own cloud thing again (Jerry Burger):\n  comment \"Update\" by Jane Tech (hidden, no email)"), "{w}");
    // A customer-visible one waits out the undo window (10 s by default).
    let w = mcp.ok(
        "queue_comment",
        json!({"number": 32164, "body": "All fixed."}),
    );
    assert_eq!(w["send_after"], "2026-03-10T12:00:10.000Z");
    let msg = w["message"].as_str().unwrap();
    assert!(
        msg.contains("holds it for 10 s") && msg.contains("cancel_write with id 2"),
        "{msg}"
    );
    assert!(msg.contains("syncrod is not running"), "{msg}");
    let cancelled = mcp.ok("cancel_write", json!({"id": 2}));
    assert_eq!(cancelled["state"], "cancelled");
    let e = mcp.err("cancel_write", json!({"id": 2}));
    assert!(
        e.starts_with("outbox item 2 is cancelled: it is finished"),
        "{e}"
    );
    // One that may be on the server needs force.
    fx.store()
        .outbox_transition(1, &[State::Queued], State::Probing, Default::default())
        .unwrap();
    let e = mcp.err("cancel_write", json!({"id": 1}));
    assert!(
        e.contains("may already be on the server") && e.contains("add force"),
        "{e}"
    );
    let released = mcp.ok("release_write", json!({"id": 1, "force": true}));
    assert_eq!(released["state"], "queued");
    let e = mcp.err("retry_write", json!({"id": 1}));
    assert!(e.starts_with("outbox item 1 is queued: only failed"), "{e}");
    let e = mcp.err("cancel_write", json!({"id": 99}));
    assert!(e.starts_with("there is no outbox item 99"), "{e}");

    // A dry run shows the bill, hours x rate and total, and queues nothing.
    let before = fx.store().outbox_items(&[]).unwrap().len();
    let d = mcp.ok(
        "queue_bill",
        json!({"number": 32164, "minutes": 45, "labor": "remote", "comment": "Replaced the toner",
               "dry_run": true}),
    );
    assert_eq!((&d["dry_run"], d.get("id")), (&json!(true), None), "{d}");
    let preview = d["preview"].as_str().unwrap();
    assert!(
        preview.contains("0.75 h x $125.00/h = $93.75") && preview.contains("total: 45 min"),
        "{d}"
    );
    assert_eq!(fx.store().outbox_items(&[]).unwrap().len(), before);
    // A bill is one ordered write.
    let w = mcp.ok(
        "queue_bill",
        json!({"number": 32164, "minutes": 45, "labor": "remote", "comment": "Replaced the toner",
               "hidden": true, "subject": "Onsite visit"}),
    );
    let kinds: Vec<String> = w["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| {
            fx.store()
                .outbox_item(id.as_i64().unwrap())
                .unwrap()
                .unwrap()
                .kind
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "add_comment",
            "add_line_item",
            "create_invoice",
            "update_ticket"
        ]
    );
    assert_eq!(w["ids"], json!([3, 4, 5, 6]));
    assert!(matches!(
        &fx.store().outbox_item(3).unwrap().unwrap().command,
        Command::Comment(CommentWrite::Add { subject, hidden: true, .. }) if subject == "Onsite visit"
    ));
    assert!(
        w["preview"]
            .as_str()
            .unwrap()
            .contains("0.75 h x $125.00/h = $93.75"),
        "{w}"
    );
    let stored: Vec<(String, State)> = fx
        .store()
        .outbox_items(&[])
        .unwrap()
        .into_iter()
        .map(|i| (i.kind, i.state))
        .collect();
    assert_eq!(stored.len(), 6);

    // Nobody sends it here: a wait times out and says not to queue again.
    let waited = mcp.ok("wait_for_write", json!({"id": 4, "timeout_secs": 0}));
    assert_eq!(
        (&waited["outcome"], &waited["stopped_at"]),
        (&json!("timed_out"), &json!(3))
    );
    assert_eq!(
        waited["items"].as_array().unwrap().len(),
        4,
        "the whole bill"
    );
    assert!(waited["message"]
        .as_str()
        .unwrap()
        .contains("never queue it again"));

    // The other write tools go through their CLI checks too.
    let command = |w: &Value| {
        fx.store()
            .outbox_item(w["id"].as_i64().unwrap())
            .unwrap()
            .unwrap()
            .command
    };
    let w = mcp.ok(
        "queue_ticket_update",
        json!({"number": 32170, "status": "waiting on customer"}),
    );
    assert!(matches!(
        command(&w),
        Command::Ticket(TicketWrite::Update { fields }) if fields.status.as_deref() == Some("Waiting on Customer")
    ));
    let w = mcp.ok(
        "queue_ticket_create",
        json!({"customer": "Dental Partners", "subject": "New printer", "body": "Order one"}),
    );
    let created = w["id"].as_i64().unwrap();
    assert!(
        w["message"]
            .as_str()
            .unwrap()
            .contains(&format!("`@{created}`")),
        "{w}"
    );
    // A write to the ticket still being created, by "@ID".
    let on_new = mcp.ok(
        "queue_comment",
        json!({"number": format!("@{created}"), "body": "Toner ordered", "hidden": true}),
    );
    assert_eq!(on_new["target"], format!("@{created}"));
    let queued = fx
        .store()
        .outbox_item(on_new["id"].as_i64().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(queued.depends_on, Some(created));
    let w = mcp.ok(
        "queue_timer",
        json!({"number": 32164, "action": "charge", "timer_id": 7001}),
    );
    assert_eq!(
        command(&w),
        Command::Timer(TimerWrite::Charge { timer_id: 7001 })
    );
    let e = mcp.err(
        "queue_timer",
        json!({"number": 32150, "action": "charge", "timer_id": 7002}),
    );
    assert_eq!(e, "timer 7002 on #32150 is already charged; nothing queued");
    let w = mcp.ok("queue_invoice", json!({"number": 32164}));
    assert_eq!(command(&w), Command::Invoice(InvoiceWrite::Create {}));
    let w = mcp.ok(
        "queue_line_item",
        json!({"number": 32164, "action": "update", "line_item_id": 5001, "quantity": 1.0}),
    );
    assert!(matches!(
        fx.store().outbox_item(w["id"].as_i64().unwrap()).unwrap().unwrap().command,
        Command::LineItem(LineItemWrite::Update { line_item_id: 5001, quantity: Some(q), .. }) if q == 1.0
    ));
    let listed = mcp.ok("list_outbox", json!({}));
    assert_eq!(listed["outbox"].as_array().unwrap().len(), 11, "{listed}");
}

/// The same input as `syncro update` and `syncro timer update`: assignee
/// by name, due date, a timer's new length, and an unknown argument
/// refused (the tool's arguments are the CLI's, not a copy).
#[test]
fn assignee_due_date_and_timer_update_like_the_cli() {
    let fx = Fx::new();
    let mut mcp = Mcp::start(&fx, &[]);
    let w = mcp.ok(
        "queue_ticket_update",
        json!({"number": "#32164", "assignee": "Sam Tech", "due_date": "2026-03-13", "dry_run": true}),
    );
    let preview = w["preview"].as_str().unwrap();
    assert!(
        preview.contains("assignee Jane Tech -> Sam Tech (8)") && preview.contains("17:00"),
        "{w}"
    );
    assert!(fx.outbox().is_empty(), "a dry run queues nothing");
    let e = mcp.err(
        "queue_ticket_update",
        json!({"number": 32164, "assign": "Sam Tech"}),
    );
    assert!(e.contains("unknown field `assign`"), "{e}");

    mcp.ok(
        "queue_timer",
        json!({"number": 32164, "action": "update", "timer_id": 7001, "minutes": 45}),
    );
    assert!(matches!(
        &fx.outbox()[0].command,
        Command::Timer(TimerWrite::Update { timer_id: 7001, end_at: Some(e), start_at: None, .. })
            if e == "2026-03-09T15:45:00.000Z"
    ));
    let e = mcp.err(
        "queue_timer",
        json!({"number": 32164, "action": "update", "minutes": 45}),
    );
    assert!(e.contains("missing field `timer_id`"), "{e}");
}

/// A write that needs a human says, in tool terms, which tool settles it:
/// a held one `release_write`, a differing one `release_write` (accept it
/// as it is), an uncertain one the web UI first; and a read by `@ID`
/// follows the created ticket.
#[test]
fn writes_that_need_a_human_name_the_tool_that_settles_them() {
    let fx = Fx::new();
    for args in [
        &["close", "32164", "--yes"][..],
        &[
            "update",
            "32170",
            "--status",
            "Waiting on Customer",
            "--yes",
        ],
        &["create", "Jerry Burger", "Printer on fire", "--yes"],
    ] {
        let out = fx.run(args);
        assert_eq!(code(&out), 0, "{}", fx.show(&out));
    }
    let mut store = fx.store();
    let flip = |store: &mut syncro_store::Store, id, to, error: &str, ticket| {
        store
            .outbox_transition(
                id,
                &[State::Queued],
                to,
                Change {
                    last_error: Some(Some(error.into())),
                    ticket,
                    ..Change::default()
                },
            )
            .unwrap();
    };
    flip(
        &mut store,
        1,
        State::Held,
        "conflict: changed on the server",
        None,
    );
    flip(&mut store, 2, State::Differs, "status reads back New", None);
    let mut mcp = Mcp::start(&fx, &[]);

    let e = mcp.err("get_ticket", json!({"number": "@3"}));
    assert!(
        e.starts_with(
            "@3: ticket \"Printer on fire\" is not created yet (outbox item 3 is queued)"
        ),
        "{e}"
    );
    flip(&mut store, 3, State::Done, "", Some((1001, 32164)));
    let t = mcp.ok("get_ticket", json!({"number": "@3"}));
    assert_eq!(t["number"], 32164, "{t}");
    let log = mcp.ok("get_session_log", json!({"number": "@3"}));
    assert!(log["markdown"].as_str().unwrap().contains("32164"), "{log}");

    let held = mcp.ok("wait_for_write", json!({"id": 1, "timeout_secs": 0}));
    assert_eq!(held["outcome"], "needs_attention", "{held}");
    let msg = held["message"].as_str().unwrap();
    assert!(msg.contains("release_write with id 1"), "{msg}");
    assert!(
        !msg.contains("retry_write") && !msg.contains("syncro "),
        "{msg}"
    );

    let differs = mcp.ok("wait_for_write", json!({"id": 2, "timeout_secs": 0}));
    let msg = differs["message"].as_str().unwrap();
    assert!(msg.contains("release_write with id 2 accepts it"), "{msg}");
    let e = mcp.err("cancel_write", json!({"id": 2}));
    assert!(e.contains("release_write accepts it as it is"), "{e}");
    assert!(!e.contains("syncro "), "{e}");
    let released = mcp.ok("release_write", json!({"id": 1}));
    assert_eq!(released["state"], "queued", "{released}");
}
