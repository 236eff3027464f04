//! Support for the end-to-end tests: temp environments, the built
//! binaries, and comparing the cache with the simulator's state.

pub mod bench_cache;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use syncro_store::model::{single, Customer, InvoiceWithLines, Product, TicketWithChildren};
use syncro_store::Store;

/// A setting of a bench from the environment (`OFFICE_SECS=300`), or its
/// default when unset or unreadable.
pub fn env_or<T: std::str::FromStr>(key: &str, default: T) -> T {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The small simulator the CLI and MCP end-to-end tests share: 12 tickets
/// of 4 customers, 2 invoices, no rate limit, seed 7.
pub async fn small_sim() -> syncro_sim::SimHandle {
    syncro_sim::spawn(syncro_sim::SimConfig {
        seed: 7,
        tickets: 12,
        customers: 4,
        invoices: 2,
        rate_limit_per_minute: 0,
        ..syncro_sim::SimConfig::default()
    })
    .await
    .expect("start the simulator")
}

/// A built binary of this workspace (`syncrod`, `syncro`, `syncro-sim`).
/// `cargo test --workspace` builds them before any test runs.
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    // target/<profile>/deps/<test> -> target/<profile>/<name>
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target directory");
    let path = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is not built: run `cargo build --workspace` (or `cargo test --workspace`) first",
        path.display()
    );
    path
}

/// A temp dir with a config pointing at a simulator.
pub struct TestEnv {
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    pub db: PathBuf,
    pub api_key: String,
}

impl TestEnv {
    /// Writes a config for `base_url` with the example's labor table and
    /// `rate` requests per minute.
    pub fn new(base_url: &str, api_key: &str, rate: u32) -> TestEnv {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("data").join("cache.db");
        let config = dir.path().join("config.toml");
        let example = include_str!("../../config.example.toml");
        let labor = &example[example.find("[labor.remote]").expect("labor table")..];
        std::fs::write(
            &config,
            format!(
                "base_url = {base_url:?}\ndb_path = {:?}\nrate_limit_per_minute = {rate}\ntech = \"Test Tech\"\nuser_id = 1\n# Tests queue and send at once; the undo window has tests of its own.\nundo_secs = 0\n\n[schedule]\nsync_interval_secs = 1\n\n{labor}",
                db.display().to_string()
            ),
        )
        .expect("write config");
        TestEnv {
            dir,
            config,
            db,
            api_key: api_key.to_string(),
        }
    }

    pub fn config(&self) -> syncro_store::config::Config {
        let mut c = syncro_store::config::Config::load(Some(&self.config)).expect("config");
        c.key_source = syncro_store::config::KeySource::Env(self.api_key.clone());
        c
    }

    /// A command for one of the binaries with this environment.
    pub fn command(&self, bin_name: &str) -> Command {
        let mut c = Command::new(bin(bin_name));
        c.env("SYNCRO_CONFIG", &self.config)
            .env("SYNCRO_API_KEY", &self.api_key)
            .env("NO_COLOR", "1")
            .env_remove("SYNCRO_DB")
            .env_remove("SYNCRO_BASE_URL")
            .env_remove("RUST_LOG");
        c
    }

    /// Runs `syncro ARGS` and returns its output.
    pub fn syncro(&self, args: &[&str]) -> Output {
        self.command("syncro")
            .args(args)
            .output()
            .expect("run syncro")
    }

    pub fn store(&self) -> Store {
        Store::open(&self.db).expect("open cache")
    }

    /// Runs `syncrod once ARGS` to the end and fails the test, showing its
    /// log, unless it exits 0.
    #[track_caller]
    pub fn syncrod_once(&self, args: &[&str]) -> Output {
        let out = self
            .command("syncrod")
            .arg("once")
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run syncrod once");
        assert!(
            out.status.success(),
            "syncrod once {args:?} exited with {}:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// Starts `syncrod run` on this environment, its output discarded.
    pub fn start_daemon(&self) -> RunningDaemon {
        RunningDaemon::spawn(self.command("syncrod").arg("run"))
    }
}

/// A process's stdout as text.
pub fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Fails the test, showing both streams, unless the process exited 0.
#[track_caller]
pub fn ok(what: &str, o: Output) -> Output {
    assert!(
        o.status.success(),
        "{what} exited {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        text(&o),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// A successful process's stdout parsed as JSON.
#[track_caller]
pub fn json_of(what: &str, o: Output) -> Value {
    let o = ok(what, o);
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{what}: not JSON ({e}):\n{}", text(&o)))
}

/// Polls `done` every 20 ms until it holds, failing the test after `limit`.
pub async fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until `daemon` has written its first heartbeat into `env`'s
/// cache: before that, `syncro` rightly says no daemon runs.
pub async fn wait_for_heartbeat(env: &TestEnv, daemon: &RunningDaemon) {
    wait_for("syncrod's first heartbeat", Duration::from_secs(30), || {
        env.store()
            .heartbeat()
            .ok()
            .flatten()
            .is_some_and(|b| b.running && b.pid == daemon.pid())
    })
    .await;
}

/// A `syncrod run` process that is killed and reaped however the test
/// ends: a failing test would otherwise leave it running, holding the test
/// harness's output pipes open.
pub struct RunningDaemon(Child);

impl RunningDaemon {
    /// Spawns `command` with stdin and stdout closed and stderr discarded.
    pub fn spawn(command: &mut Command) -> RunningDaemon {
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start syncrod");
        RunningDaemon(child)
    }

    pub fn pid(&self) -> u32 {
        self.0.id()
    }

    /// SIGKILL: the daemon gets no chance to tidy up.
    pub fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }

    /// SIGTERM: the daemon's clean stop.
    #[cfg(unix)]
    pub fn sigterm(&self) {
        // SAFETY: kill(2) on a pid we spawned and have not reaped.
        let rc = unsafe { libc::kill(self.0.id() as libc::pid_t, libc::SIGTERM) };
        assert_eq!(rc, 0, "kill -TERM {} failed", self.0.id());
    }

    /// Waits for the daemon to exit on its own, failing after `limit`.
    pub async fn exit_within(&mut self, limit: Duration) -> (ExitStatus, Duration) {
        let start = Instant::now();
        loop {
            if let Some(status) = self.0.try_wait().expect("wait for syncrod") {
                return (status, start.elapsed());
            }
            assert!(
                start.elapsed() <= limit,
                "syncrod did not exit within {limit:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for RunningDaemon {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            self.kill();
        }
    }
}

/// Every difference between the cache and the simulator's full state
/// (`GET /admin/state`), for every mirrored field. Empty means equal.
pub fn compare(store: &Store, dump: &Value) -> Vec<String> {
    let mut diffs = Vec::new();
    let mut push = |d: String| {
        if diffs.len() < 50 {
            diffs.push(d);
        }
    };
    let empty = Vec::new();

    let customers = dump["customers"].as_array().unwrap_or(&empty);
    let cached_customers = store.customer_ids().unwrap_or_default();
    if cached_customers.len() != customers.len() {
        push(format!(
            "customers: cache has {}, server {}",
            cached_customers.len(),
            customers.len()
        ));
    }
    for c in customers {
        let Ok(want) = Customer::from_json(c) else {
            push(format!("server customer unparseable: {c}"));
            continue;
        };
        match store.customer(want.id).ok().flatten() {
            None => push(format!("customer {} missing", want.id)),
            Some(got) => {
                if (
                    got.business_then_name.as_str(),
                    got.email.as_deref(),
                    got.disabled,
                    got.updated_at.as_deref(),
                ) != (
                    want.business_then_name.as_str(),
                    want.email.as_deref(),
                    want.disabled,
                    want.updated_at.as_deref(),
                ) {
                    push(format!(
                        "customer {} differs: cache {got:?} server {want:?}",
                        want.id
                    ));
                }
            }
        }
    }

    let tickets = dump["tickets"].as_array().unwrap_or(&empty);
    let cached = store.ticket_ids().unwrap_or_default();
    if cached.len() != tickets.len() {
        push(format!(
            "tickets: cache has {}, server {}",
            cached.len(),
            tickets.len()
        ));
    }
    for t in tickets {
        let Ok(want) = TicketWithChildren::from_json(single(t, "ticket")) else {
            push(format!("server ticket unparseable: {t}"));
            continue;
        };
        let w = &want.ticket;
        let Some(got) = store.ticket_detail(w.number).ok().flatten() else {
            push(format!("ticket #{} missing", w.number));
            continue;
        };
        let g = &got.ticket;
        if (
            g.id,
            g.subject.as_str(),
            g.status.as_str(),
            g.priority.as_deref(),
            g.problem_type.as_deref(),
            g.customer_id,
            g.user_id,
            g.updated_at.as_deref(),
            g.resolved_at.as_deref(),
        ) != (
            w.id,
            w.subject.as_str(),
            w.status.as_str(),
            w.priority.as_deref(),
            w.problem_type.as_deref(),
            w.customer_id,
            w.user_id,
            w.updated_at.as_deref(),
            w.resolved_at.as_deref(),
        ) {
            push(format!(
                "ticket #{} differs:\n  cache  {g:?}\n  server {w:?}",
                w.number
            ));
        }
        let gc: Vec<_> = got
            .comments
            .iter()
            .map(|c| {
                (
                    c.id,
                    c.subject.clone(),
                    c.body.clone(),
                    c.hidden,
                    c.tech.clone(),
                )
            })
            .collect();
        let mut wc: Vec<_> = want
            .comments
            .iter()
            .map(|c| {
                (
                    c.id,
                    c.subject.clone(),
                    c.body.clone(),
                    c.hidden,
                    c.tech.clone(),
                )
            })
            .collect();
        let mut gc_sorted = gc.clone();
        gc_sorted.sort();
        wc.sort();
        if gc_sorted != wc {
            push(format!(
                "ticket #{} comments differ: cache {} server {}",
                w.number,
                gc.len(),
                wc.len()
            ));
        }
        let gl: Vec<_> = got
            .line_items
            .iter()
            .map(|l| {
                (
                    l.id,
                    l.product_id,
                    (l.quantity * 1000.0).round() as i64,
                    l.retail_cents,
                    l.converted,
                )
            })
            .collect();
        let wl: Vec<_> = want
            .line_items
            .iter()
            .map(|l| {
                (
                    l.id,
                    l.product_id,
                    (l.quantity * 1000.0).round() as i64,
                    l.retail_cents,
                    l.converted,
                )
            })
            .collect();
        if gl != wl {
            push(format!(
                "ticket #{} line items differ: cache {gl:?} server {wl:?}",
                w.number
            ));
        }
        let gt: Vec<_> = got
            .ticket_timers
            .iter()
            .map(|t| {
                (
                    t.id,
                    t.recorded,
                    t.ticket_line_item_id,
                    t.start_time.clone(),
                    t.end_time.clone(),
                )
            })
            .collect();
        let mut wt: Vec<_> = want
            .timers
            .iter()
            .map(|t| {
                (
                    t.id,
                    t.recorded,
                    t.ticket_line_item_id,
                    t.start_time.clone(),
                    t.end_time.clone(),
                )
            })
            .collect();
        let mut gt_sorted = gt.clone();
        gt_sorted.sort();
        wt.sort();
        if gt_sorted != wt {
            push(format!(
                "ticket #{} timers differ: cache {gt:?} server {wt:?}",
                w.number
            ));
        }
    }

    let invoices = dump["invoices"].as_array().unwrap_or(&empty);
    let cached = store.invoice_ids().unwrap_or_default();
    if cached.len() != invoices.len() {
        push(format!(
            "invoices: cache has {}, server {}",
            cached.len(),
            invoices.len()
        ));
    }
    for i in invoices {
        let Ok(want) = InvoiceWithLines::from_json(single(i, "invoice")) else {
            push(format!("server invoice unparseable: {i}"));
            continue;
        };
        let Some(got) = store
            .invoice_detail(&want.invoice.id.to_string())
            .ok()
            .flatten()
            .filter(|g| g.invoice.id == want.invoice.id)
            .or_else(|| {
                store
                    .invoice_detail(&want.invoice.number)
                    .ok()
                    .flatten()
                    .filter(|g| g.invoice.id == want.invoice.id)
            })
        else {
            push(format!("invoice {} missing", want.invoice.id));
            continue;
        };
        let (g, w) = (&got.invoice, &want.invoice);
        if (
            g.number.as_str(),
            g.ticket_id,
            g.customer_id,
            g.total_cents,
            g.is_paid,
            g.updated_at.as_deref(),
        ) != (
            w.number.as_str(),
            w.ticket_id,
            w.customer_id,
            w.total_cents,
            w.is_paid,
            w.updated_at.as_deref(),
        ) {
            push(format!(
                "invoice {} differs: cache {g:?} server {w:?}",
                w.id
            ));
        }
        let gl: Vec<_> = got
            .line_items
            .iter()
            .map(|l| (l.id, l.product_id, l.price_cents))
            .collect();
        let wl: Vec<_> = want
            .lines
            .iter()
            .map(|l| (l.id, l.product_id, l.price_cents))
            .collect();
        if gl != wl {
            push(format!(
                "invoice {} lines differ: cache {gl:?} server {wl:?}",
                w.id
            ));
        }
    }

    let products = dump["products"].as_array().unwrap_or(&empty);
    let cached = store.product_ids().unwrap_or_default();
    if cached.len() != products.len() {
        push(format!(
            "products: cache has {}, server {}",
            cached.len(),
            products.len()
        ));
    }
    for p in products {
        let Ok(w) = Product::from_json(p) else {
            push(format!("server product unparseable: {p}"));
            continue;
        };
        let Some(g) = store.product(w.id).ok().flatten() else {
            push(format!("product {} missing", w.id));
            continue;
        };
        if (
            g.name.as_str(),
            g.product_category.as_deref(),
            g.price_retail_cents,
            g.disabled,
        ) != (
            w.name.as_str(),
            w.product_category.as_deref(),
            w.price_retail_cents,
            w.disabled,
        ) {
            push(format!(
                "product {} differs: cache {g:?} server {w:?}",
                w.id
            ));
        }
    }
    diffs
}

/// Posts an admin mutation to the simulator (as another technician).
pub async fn mutate(admin_url: &str, action: Value) -> Value {
    let resp = reqwest::Client::new()
        .post(format!("{admin_url}/mutate"))
        .json(&action)
        .send()
        .await
        .expect("admin mutate");
    let status = resp.status();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "mutate {action} -> {status}: {body}");
    body
}

/// A direct API call to the simulator (test setup, never through syncrod).
pub async fn api(
    base_url: &str,
    key: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let mut req = reqwest::Client::new()
        .request(method.clone(), format!("{base_url}{path}"))
        .query(&[("api_key", key)]);
    if let Some(b) = &body {
        req = req.json(b);
    }
    let resp = req.send().await.expect("api call");
    let status = resp.status();
    let out: Value = resp.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{method} {path} -> {status}: {out}");
    out
}

/// Drives the outbox in-process until no item is active (or `limit`).
pub async fn drain_until_settled(daemon: &syncrod::Daemon, limit: std::time::Duration) {
    let outbox = daemon.outbox();
    let token = tokio_util::sync::CancellationToken::new();
    let start = std::time::Instant::now();
    loop {
        outbox.drain(&token).await.expect("drain");
        let counts = daemon.db.call(|s| s.outbox_counts()).await.expect("counts");
        if counts.active() == 0 || start.elapsed() > limit {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// One ticket (as the API embeds it) from a simulator state dump.
pub fn ticket_of(dump: &Value, id: i64) -> Value {
    dump["tickets"]
        .as_array()
        .and_then(|ts| ts.iter().find(|t| t["id"].as_i64() == Some(id)))
        .cloned()
        .unwrap_or(Value::Null)
}

/// Whether `needle` occurs in any file under `dir` (recursively), and how
/// many files were read.
pub fn find_in_files(dir: &Path, needle: &[u8]) -> (Option<PathBuf>, usize) {
    let mut dirs = vec![dir.to_path_buf()];
    let mut read = 0;
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            read += 1;
            let bytes = std::fs::read(&path).unwrap_or_default();
            if bytes.windows(needle.len()).any(|w| w == needle) {
                return (Some(path), read);
            }
        }
    }
    (None, read)
}
