//! `syncro init` against the simulator: scripted (flags, key on stdin)
//! and typed at a pseudo-terminal (a wrong key first), the key's place
//! (the stand-in keyring, or the 0600 file where there is no Secret
//! Service), the discovered labor map, a second run that changes nothing,
//! and `syncrod once` mirroring with what init wrote, the key nowhere it
//! should not be.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;
use syncro_e2e::{bin, find_in_files, RunningDaemon};
use syncro_sim::SimConfig;
use syncro_store::config::{Config, Env, KeySource};
use syncro_store::secret::{test_entry_path, TEST_KEYRING_ENV};

const KEY: &str = "sk-init-SECRET-51c0";

async fn sim() -> syncro_sim::SimHandle {
    syncro_sim::spawn(SimConfig {
        api_key: KEY.to_string(),
        tickets: 40,
        customers: 10,
        invoices: 8,
        rate_limit_per_minute: 0,
        ..SimConfig::default()
    })
    .await
    .expect("sim")
}

/// A machine with no syncro setup: its own config, data and keyring dirs.
struct Machine {
    dir: tempfile::TempDir,
}

impl Machine {
    fn new() -> Machine {
        Machine {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn config(&self) -> PathBuf {
        self.dir
            .path()
            .join("config")
            .join("syncro")
            .join("config.toml")
    }

    fn keyring(&self) -> PathBuf {
        self.dir.path().join("keyring")
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// `bin` with this machine's environment and nothing of ours: no key
    /// in the environment, the stand-in keyring unless `keyring` is false
    /// (then no Secret Service either).
    fn command(&self, bin_name: &str, keyring: bool) -> Command {
        let mut c = Command::new(bin(bin_name));
        c.env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("XDG_DATA_HOME", self.data())
            .env("HOME", self.dir.path())
            .env("NO_COLOR", "1")
            .env_remove("SYNCRO_API_KEY")
            .env_remove("SYNCRO_CONFIG")
            .env_remove("SYNCRO_DB")
            .env_remove("SYNCRO_BASE_URL")
            .env_remove("RUST_LOG");
        if keyring {
            c.env(TEST_KEYRING_ENV, self.keyring());
        } else {
            c.env_remove(TEST_KEYRING_ENV).env(
                "DBUS_SESSION_BUS_ADDRESS",
                "unix:path=/nonexistent/syncro-test-bus",
            );
        }
        c
    }

    /// `syncro init ARGS` with `stdin` piped in.
    fn init(&self, args: &[&str], stdin: &str, keyring: bool) -> Output {
        let mut child = self
            .command("syncro", keyring)
            .arg("init")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run syncro init");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write stdin");
        child.wait_with_output().expect("syncro init")
    }

    /// The config as syncro and syncrod would load it on this machine.
    fn load(&self) -> Config {
        Config::load_with(Some(&self.config()), &KeyringEnv(self.keyring()))
            .expect("the written config loads")
    }
}

/// An environment with only the stand-in keyring's directory set (the
/// tests run in one process: they must not share the real one).
struct KeyringEnv(PathBuf);

impl Env for KeyringEnv {
    fn var(&self, key: &str) -> Option<String> {
        (key == TEST_KEYRING_ENV).then(|| self.0.display().to_string())
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The labor map init should propose: the enabled Labor products.
fn expected_labor(sim: &syncro_sim::SimHandle) -> Vec<(i64, f64)> {
    let mut v: Vec<(i64, f64)> = sim.dump()["products"]
        .as_array()
        .expect("products")
        .iter()
        .filter(|p| {
            p["product_category"].as_str() == Some("Labor") && p["disabled"] != Value::Bool(true)
        })
        .map(|p| {
            (
                p["id"].as_i64().expect("id"),
                p["price_retail"].as_f64().expect("price"),
            )
        })
        .collect();
    v.sort_by_key(|(id, _)| *id);
    v
}

fn configured_labor(c: &Config) -> Vec<(i64, f64)> {
    let mut v: Vec<(i64, f64)> = c.labor.values().map(|l| (l.product_id, l.rate)).collect();
    v.sort_by_key(|(id, _)| *id);
    v
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

fn tickets_cached(m: &Machine) -> i64 {
    let db = m.data().join("syncro").join("cache.db");
    let conn = rusqlite::Connection::open(&db).expect("cache");
    conn.query_row("SELECT COUNT(*) FROM tickets", [], |r| r.get(0))
        .expect("count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scripted_init_keeps_the_key_in_the_keyring_and_syncrod_mirrors_with_it() {
    let sim = sim().await;
    let m = Machine::new();
    let base = sim.base_url();

    // A wrong key: refused with the server's reason, nothing written.
    let out = m.init(
        &["--server", &base, "--api-key-stdin", "--yes"],
        "wrong-key\n",
        true,
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("401") && err.contains("Not Authorized"),
        "{err}"
    );
    assert!(!err.contains("wrong-key"), "{err}");
    assert!(!m.config().exists(), "a refused key still wrote a config");

    let out = m.init(
        &["--server", &base, "--api-key-stdin", "--yes", "--json"],
        &format!("{KEY}\n"),
        true,
    );
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    let summary: Value = serde_json::from_slice(&out.stdout).expect("--json summary");
    assert_eq!(summary["key"]["store"], "keyring", "{summary}");
    assert!(err.contains("The key works"), "{err}");

    // The config: private, loads, no key in it; the key in the keyring.
    let text = std::fs::read_to_string(m.config()).expect("config");
    assert!(!text.contains(KEY), "the key is in the config:\n{text}");
    #[cfg(unix)]
    assert_eq!(mode(&m.config()), 0o600);
    let c = m.load();
    let account = base
        .trim_start_matches("http://")
        .split('/')
        .next()
        .expect("host")
        .to_string();
    assert!(
        matches!(&c.key_source, KeySource::Keyring { account: a, .. } if *a == account),
        "{:?}",
        c.key_source
    );
    assert_eq!(c.api_key().expect("key").expose(), KEY);
    let entry = test_entry_path(&m.keyring(), &account);
    assert_eq!(std::fs::read_to_string(&entry).expect("keyring entry"), KEY);
    assert_eq!(c.base_url.as_deref(), Some(base.as_str()));
    let me: Value = reqwest::get(format!("{base}/me?api_key={KEY}"))
        .await
        .expect("GET /me")
        .json()
        .await
        .expect("/me json");
    assert_eq!(c.user_id, me["user_id"].as_i64());
    assert!(c.user_id.is_some());

    // The labor map: every enabled Labor product at its retail price.
    let expected = expected_labor(&sim);
    assert!(!expected.is_empty());
    assert_eq!(configured_labor(&c), expected);
    assert!(c.labor("remote").is_some(), "{:?}", c.labor.keys());

    // A second run with nothing asked changes nothing.
    let out = m.init(&["--yes"], "", true);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Nothing to change"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_to_string(m.config()).expect("config"), text);

    // syncrod mirrors with what init wrote; the key appears in none of
    // its command line, its trace log or its data.
    let out = m
        .command("syncrod", true)
        .arg("once")
        .env("RUST_LOG", "trace")
        .output()
        .expect("syncrod once");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!contains(&out.stderr, KEY), "the key is in syncrod's log");
    assert_eq!(
        tickets_cached(&m),
        sim.dump()["tickets"]
            .as_array()
            .map_or(0, |t| t.len() as i64)
    );
    let mut daemon = RunningDaemon::spawn(
        m.command("syncrod", true)
            .arg("run")
            .env("RUST_LOG", "trace"),
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    #[cfg(target_os = "linux")]
    {
        let cmdline = std::fs::read(format!("/proc/{}/cmdline", daemon.pid())).expect("cmdline");
        assert!(!contains(&cmdline, KEY), "the key is in the command line");
    }
    daemon.kill();
    let (found, _) = find_in_files(&m.data(), KEY.as_bytes());
    assert_eq!(found, None, "the key is in the data dir");
    let (found, _) = find_in_files(&m.dir.path().join("config"), KEY.as_bytes());
    assert_eq!(found, None, "the key is in the config dir");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_secret_service_the_key_goes_to_a_private_file() {
    let sim = sim().await;
    let m = Machine::new();
    let out = m.init(
        &[
            "--server",
            &sim.base_url(),
            "--api-key-stdin",
            "--yes",
            "--labor",
            "keep",
        ],
        &format!("{KEY}\n"),
        false,
    );
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("there is no Secret Service keyring here"),
        "{err}"
    );
    let key_file = m.config().with_file_name("api_key");
    assert_eq!(std::fs::read_to_string(&key_file).expect("key file"), KEY);
    #[cfg(unix)]
    assert_eq!(mode(&key_file), 0o600);
    let text = std::fs::read_to_string(m.config()).expect("config");
    assert!(!text.contains(KEY));
    assert!(text.contains("api_key_file"), "{text}");
    assert!(
        !text.contains("[labor"),
        "--labor keep wrote labor:\n{text}"
    );

    let out = m
        .command("syncrod", false)
        .arg("once")
        .output()
        .expect("syncrod once");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(tickets_cached(&m) > 0);
    sim.shutdown().await;
}

/// Typed at a terminal: the account, a wrong key (refused with the
/// server's reason, asked again), the right one (never echoed), the labor
/// types accepted, no service, the first sync run from init.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_at_a_terminal_asks_again_after_a_wrong_key_and_runs_the_first_sync() {
    let sim = sim().await;
    let m = Machine::new();
    let base = sim.base_url();
    let command = m.command("syncro", true);
    let transcript =
        tokio::task::spawn_blocking(move || -> Result<String, rexpect::error::Error> {
            let mut command = command;
            command.arg("init");
            let mut p = rexpect::session::spawn_command(command, Some(60_000))?;
            let mut seen = String::new();
            let mut expect = |p: &mut rexpect::session::PtySession, s: &str| {
                p.exp_string(s).map(|before| {
                    seen.push_str(&before);
                    seen.push_str(s);
                })
            };
            // A one-key answer waits until dialoguer reads keys (it hides the
            // cursor first): typed earlier, the key would sit in the line buffer.
            let key = |p: &mut rexpect::session::PtySession, k: &str| {
                std::thread::sleep(Duration::from_millis(300));
                p.send(k).and_then(|_| p.flush())
            };
            expect(&mut p, "Syncro subdomain")?;
            p.send_line(&base)?;
            expect(&mut p, "API key")?;
            p.send_line("not-the-key")?;
            expect(&mut p, "Not Authorized")?;
            expect(&mut p, "API key")?;
            p.send_line(KEY)?;
            expect(&mut p, "The key works")?;
            expect(&mut p, "Use these labor types?")?;
            key(&mut p, "y")?;
            expect(&mut p, "Rename, re-rate or drop any of them?")?;
            key(&mut p, "n")?;
            expect(&mut p, "as a service now?")?;
            key(&mut p, "n")?;
            expect(&mut p, "Run the first sync now?")?;
            key(&mut p, "y")?;
            expect(&mut p, "syncro is set up")?;
            let rest = p.exp_eof()?;
            seen.push_str(&rest);
            Ok(seen)
        })
        .await
        .expect("pty task")
        .expect("the terminal session");
    assert!(
        !transcript.contains(KEY),
        "the key was echoed:\n{transcript}"
    );
    assert!(transcript.contains("401"), "{transcript}");
    let c = m.load();
    assert_eq!(c.api_key().expect("key").expose(), KEY);
    assert_eq!(configured_labor(&c), expected_labor(&sim));
    assert_eq!(
        tickets_cached(&m),
        sim.dump()["tickets"]
            .as_array()
            .map_or(0, |t| t.len() as i64),
        "the first sync did not mirror:\n{transcript}"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_moves_a_key_written_in_the_config_to_the_keyring() {
    let sim = sim().await;
    let m = Machine::new();
    std::fs::create_dir_all(m.config().parent().expect("dir")).expect("mkdir");
    let before = format!(
        "# mine\nbase_url = {:?}\napi_key = {KEY:?}\nrate_limit_per_minute = 90\n",
        sim.base_url()
    );
    std::fs::write(m.config(), &before).expect("config");
    let out = m.init(&["--yes", "--labor", "keep"], "", true);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("moves to the credential store"), "{err}");
    let text = std::fs::read_to_string(m.config()).expect("config");
    assert!(!text.contains(KEY), "{text}");
    assert!(
        text.contains("# mine") && text.contains("rate_limit_per_minute = 90"),
        "{text}"
    );
    assert_eq!(m.load().api_key().expect("key").expose(), KEY);
    sim.shutdown().await;
}
