//! `syncro mcp` driven by a real, independent client: the official MCP
//! Python SDK (tests/mcp/client.py), against a cache mirrored from
//! `syncro-sim` while `syncrod run` is up. The client lists the tools,
//! searches, reads a ticket and the labor map, gets a tool error and a
//! refused bill back as `isError` results, queues a comment and waits until
//! it is verified; this side then checks the simulator holds the comment
//! exactly once. Once with the newest protocol (no `initialize`), once with
//! the older handshake. With the newest, the client also walks the billing
//! workflow (dry run, bill, wait, invoice read back, a refresh) and creates
//! a ticket it comments on by `@ID`; each write lands once.
//!
//! The Python environment is part of the test setup, made by the test
//! itself: a venv with the pinned SDK under the target directory
//! (`target/tmp/mcp-sdk-2.3.0`), built once and reused; `SYNCRO_MCP_PYTHON`
//! names another interpreter instead. It fails (never skips) with a
//! one-line reason when `python3 -m venv` is missing or pip cannot install.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use syncro_e2e::{bin, TestEnv};
use syncro_sim::SimHandle;
use syncro_store::matching::normalize_text;
use syncro_store::TicketFilter;

const KEY: &str = "test-key";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .to_path_buf()
}

/// The SDK release this test is written against.
const MCP_SDK: &str = "mcp==2.3.0";

/// The interpreter with the MCP SDK: `SYNCRO_MCP_PYTHON`, else a venv this
/// test makes under the target directory on first use. It is built in a
/// scratch directory and renamed into place, so two test processes racing
/// to make it (nextest runs tests as processes) never see half of one, nor
/// two tests of this process (the e2e tests share one binary).
fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("SYNCRO_MCP_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("mcp-sdk-2.3.0");
    let interpreter = |dir: &Path| {
        dir.join(if cfg!(windows) {
            "Scripts/python.exe"
        } else {
            "bin/python"
        })
    };
    if interpreter(&venv).exists() {
        return interpreter(&venv);
    }
    static SCRATCH: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let scratch = venv.with_extension(format!(
        "tmp-{}-{}",
        std::process::id(),
        SCRATCH.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&scratch);
    let run = |cmd: &mut std::process::Command, what: &str| {
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("the MCP end-to-end test needs {what}: {e}"));
        assert!(
            out.status.success(),
            "the MCP end-to-end test needs {what}, which failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    };
    let system = if cfg!(windows) { "python" } else { "python3" };
    run(
        std::process::Command::new(system)
            .args(["-m", "venv"])
            .arg(&scratch),
        "`python3 -m venv` (Debian, Ubuntu: apt install python3-venv)",
    );
    run(
        std::process::Command::new(interpreter(&scratch)).args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            MCP_SDK,
        ]),
        &format!("`pip install {MCP_SDK}` (the official MCP Python SDK, from PyPI)"),
    );
    // A venv records its own path: it must be made where it will live, so
    // the rename is of a finished venv whose scripts we never call by path
    // (only `python`, which does not depend on it).
    if std::fs::rename(&scratch, &venv).is_err() {
        // Another process finished first: use its copy.
        let _ = std::fs::remove_dir_all(&scratch);
    }
    assert!(
        interpreter(&venv).exists(),
        "the MCP SDK venv was not made at {}",
        venv.display()
    );
    interpreter(&venv)
}

/// Comments on ticket `id` on the server whose body is `body` once
/// normalised.
fn copies(sim: &SimHandle, id: i64, body: &str) -> usize {
    let want = normalize_text(body);
    syncro_e2e::ticket_of(&sim.dump(), id)["comments"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .filter(|c| normalize_text(c["body"].as_str().unwrap_or("")) == want)
                .count()
        })
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_python_client_reads_and_queues_exactly_once() {
    let python = python();
    let sim = syncro_e2e::small_sim().await;
    let env = TestEnv::new(&sim.base_url(), KEY, 600_000);
    env.syncrod_once(&[]);
    let daemon = env.start_daemon();
    // Answers say whether syncrod runs: let it beat first.
    syncro_e2e::wait_for_heartbeat(&env, &daemon).await;

    // An open ticket whose thread is cached, searched for by its subject.
    let store = env.store();
    let ticket = store
        .tickets(&TicketFilter::default())
        .expect("tickets")
        .into_iter()
        .find(|t| {
            store
                .ticket_detail(t.number)
                .ok()
                .flatten()
                .is_some_and(|d| d.detail_synced)
        })
        .unwrap_or_else(|| {
            panic!(
                "an open ticket with its thread cached: {:#?}",
                store.tickets(&TicketFilter {
                    include_closed: true,
                    ..Default::default()
                })
            )
        });

    let script = repo_root().join("tests/mcp/client.py");
    let mut versions = Vec::new();
    for (mode, hidden) in [("auto", false), ("legacy", true)] {
        let body = format!(
            "Verified the backup job for ticket {} ({mode})",
            ticket.number
        );
        let mut cmd = tokio::process::Command::new(&python);
        cmd.arg(&script)
            .arg("--syncro")
            .arg(bin("syncro"))
            .arg("--config")
            .arg(&env.config)
            .args(["--mode", mode])
            .args(["--number", &ticket.number.to_string()])
            .args(["--query", &ticket.subject])
            .args(["--body", &body])
            .args(["--customer", &ticket.customer_id.unwrap_or(0).to_string()])
            .kill_on_drop(true);
        if hidden {
            cmd.arg("--hidden");
        }
        let out = tokio::time::timeout(Duration::from_secs(300), cmd.output())
            .await
            .unwrap_or_else(|_| panic!("the {mode} client did not finish within 300 s"))
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "the MCP Python client ({mode}) exited {:?}:\nstdout:\n{}\nstderr:\n{stderr}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout)
        );
        let summary: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "the client's summary is not JSON ({e}):\n{}",
                String::from_utf8_lossy(&out.stdout)
            )
        });
        println!("{mode}: {summary:#}");
        assert_eq!(
            summary["tools"].as_array().map(Vec::len),
            Some(23),
            "{summary:#}"
        );
        assert!(
            summary["search"]
                .as_array()
                .is_some_and(|s| s.contains(&ticket.number.into())),
            "{summary:#}"
        );
        assert_eq!(summary["ticket"]["daemon_running"], true, "{summary:#}");
        // The example config's labor types all match the simulator's products.
        assert_eq!(summary["labor"]["problems"], 0, "{summary:#}");
        let checks = summary["labor"]["checks"].as_object().expect("checks");
        assert_eq!(checks.len(), 7, "{summary:#}");
        assert!(checks.values().all(|c| c == "ok"), "{summary:#}");
        assert!(
            summary["unknown_ticket"]
                .as_str()
                .is_some_and(|e| e.starts_with("ticket #999999 is not in the cache")),
            "{summary:#}"
        );
        assert!(
            summary["bill_without_minutes"]
                .as_str()
                .is_some_and(|e| e.contains("`minutes`") && e.contains("never assume")),
            "{summary:#}"
        );
        assert_eq!(summary["wait"]["outcome"], "verified", "{summary:#}");
        // Verified means on the server, and exactly once.
        assert_eq!(copies(&sim, ticket.id, &body), 1, "{mode}: {body:?}");
        // Logs stay on stderr, never mixed into the protocol.
        assert!(!stderr.contains("panicked"), "{stderr}");
        versions.push(
            summary["protocol_version"]
                .as_str()
                .unwrap_or("")
                .to_string(),
        );
        if mode == "auto" {
            assert_eq!(
                summary["read_only_tools"].as_array().map(Vec::len),
                Some(11),
                "{summary:#}"
            );
            // The bill: one labor line, one invoice holding it, Invoiced.
            let t = syncro_e2e::ticket_of(&sim.dump(), ticket.id);
            let labor = t["line_items"].as_array().map(|ls| {
                ls.iter()
                    .filter(|l| {
                        let q = &l["quantity"];
                        l["name"] == "Labor - Remote"
                            && q.as_f64()
                                .or_else(|| q.as_str().and_then(|s| s.parse().ok()))
                                == Some(0.75)
                    })
                    .count()
            });
            assert_eq!(labor, Some(1), "{t:#}");
            assert_eq!(t["status"], "Invoiced", "{t:#}");
            assert_eq!(copies(&sim, ticket.id, "Replaced the fuser unit"), 1);
            // The ticket made over MCP, once, with the comment queued on
            // `@ID` on it.
            let made: Vec<Value> = sim.dump()["tickets"]
                .as_array()
                .expect("tickets")
                .iter()
                .filter(|t| t["subject"] == "Scanner jams on page two")
                .cloned()
                .collect();
            assert_eq!(made.len(), 1, "{made:#?}");
            assert_eq!(made[0]["number"], summary["created"], "{summary:#}");
            let made_id = made[0]["id"].as_i64().expect("id");
            assert_eq!(copies(&sim, made_id, "Cleaned the rollers"), 1);
        }
    }
    assert_eq!(
        versions[0], "2026-07-28",
        "auto negotiates the newest protocol"
    );
    assert!(
        ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"].contains(&versions[1].as_str()),
        "legacy uses the initialize handshake: {versions:?}"
    );
    // Nothing else was posted: the two modes' comments, the bill's and the
    // one on the new ticket; one ticket, one invoice.
    let writes = &sim.counters()["writes"];
    assert_eq!(writes["POST /tickets/{id}/comment"], 4, "{writes:#}");
    assert_eq!(writes["POST /tickets"], 1, "{writes:#}");
    assert_eq!(writes["POST /invoices"], 1, "{writes:#}");
    sim.shutdown().await;
}
