//! syncrod as a service, driven as a real process: the single-instance
//! lock, a clean stop on SIGTERM, the systemd notify protocol (spoken to a
//! socket of our own, no systemd needed), `install --user` / `uninstall
//! --user`, and where `run` logs.
//!
//! The server is an unreachable loopback port: none of this needs one.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

const KEY: &str = "sk-service-test-SECRET-91c2";

/// A temp dir with a config; the cache in `<dir>/data/cache.db`.
struct Env {
    dir: tempfile::TempDir,
    config: PathBuf,
    db: PathBuf,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("data").join("cache.db");
        let config = dir.path().join("config.toml");
        std::fs::write(
            &config,
            format!(
                "base_url = \"http://127.0.0.1:9/api/v1\"\ndb_path = {:?}\n\n[schedule]\nsync_interval_secs = 3600\n",
                db.display().to_string()
            ),
        )
        .expect("write config");
        Env { dir, config, db }
    }

    /// `syncrod` with this environment and nothing inherited that would
    /// change its behaviour.
    fn command(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_syncrod"));
        c.env("SYNCRO_CONFIG", &self.config)
            .env("SYNCRO_API_KEY", KEY)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        for var in [
            "SYNCRO_DB",
            "SYNCRO_BASE_URL",
            "RUST_LOG",
            "NOTIFY_SOCKET",
            "WATCHDOG_USEC",
            "WATCHDOG_PID",
            "JOURNAL_STREAM",
        ] {
            c.env_remove(var);
        }
        c
    }

    fn data_dir(&self) -> &Path {
        self.db.parent().expect("data dir")
    }

    /// Starts `syncrod run` with output discarded.
    fn start(&self, mut c: Command) -> Proc {
        Proc(Some(
            c.arg("run")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start syncrod run"),
        ))
    }

    /// Waits until the daemon has taken the lock (its pid is in it).
    fn wait_locked(&self, daemon: &mut Proc) {
        let lock = self.data_dir().join("syncrod.lock");
        let pid = daemon.pid().to_string();
        wait_until("syncrod to take the lock", Duration::from_secs(20), || {
            assert!(daemon.try_status().is_none(), "syncrod run exited early");
            std::fs::read_to_string(&lock).is_ok_and(|t| t.lines().next() == Some(pid.as_str()))
        });
    }
}

/// A child process that is killed and reaped when the test ends, however
/// it ends.
struct Proc(Option<Child>);

impl Proc {
    fn pid(&self) -> u32 {
        self.0.as_ref().expect("running").id()
    }

    fn try_status(&mut self) -> Option<ExitStatus> {
        self.0
            .as_mut()
            .and_then(|c| c.try_wait().expect("try_wait"))
    }

    /// Waits for the exit, at most `limit`.
    fn wait_for_exit(&mut self, limit: Duration) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.try_status() {
                self.0 = None;
                return status;
            }
            assert!(
                start.elapsed() < limit,
                "syncrod did not exit within {limit:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs a command that must exit by itself within `limit`.
fn output_within(mut c: Command, limit: Duration) -> Output {
    let child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn syncrod");
    let mut proc = Proc(Some(child));
    let start = Instant::now();
    while proc.try_status().is_none() {
        assert!(
            start.elapsed() < limit,
            "syncrod did not exit within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    proc.0
        .take()
        .expect("child")
        .wait_with_output()
        .expect("output")
}

#[cfg(unix)]
fn sigterm(pid: u32) {
    let status = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -TERM {pid} failed");
}

/// The cache exists and its schema is migrated.
fn assert_migrated(db: &Path) {
    assert!(db.exists(), "{} does not exist", db.display());
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open the cache");
    let tables: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('tickets', 'customers', 'comments')",
            [],
            |r| r.get(0),
        )
        .expect("read the schema");
    assert_eq!(tables, 3, "the cache is not migrated");
}

#[test]
fn a_second_daemon_on_the_same_cache_exits_1_naming_the_first() {
    let env = Env::new();
    let mut first = env.start(env.command());
    env.wait_locked(&mut first);
    let pid = first.pid();

    for args in [&["run"][..], &["once", "--quick"][..]] {
        let mut second = env.command();
        second.args(args);
        let out = output_within(second, Duration::from_secs(30));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "syncrod is already running (pid {pid}) on {}",
                env.db.display()
            )),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains("stop it first"), "{stderr}");
        assert!(!stderr.contains(KEY), "{stderr}");
    }
    assert!(
        first.try_status().is_none(),
        "the first daemon was disturbed"
    );
}

#[cfg(unix)]
#[test]
fn sigterm_stops_run_cleanly_with_exit_0() {
    let env = Env::new();
    let mut daemon = env.start(env.command());
    // The stop signals are handled from before the lock is taken.
    env.wait_locked(&mut daemon);
    let asked = Instant::now();
    sigterm(daemon.pid());
    let status = daemon.wait_for_exit(Duration::from_secs(15));
    assert!(
        status.success(),
        "syncrod run exited with {status} on SIGTERM"
    );
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "syncrod took {:?} to stop",
        asked.elapsed()
    );
    // The lock went with it: the next daemon starts.
    let mut next = env.start(env.command());
    env.wait_locked(&mut next);
}

#[cfg(unix)]
mod notify {
    use super::*;
    use std::os::unix::net::UnixDatagram;

    /// A stand-in for systemd's notify socket: collects each line sent.
    struct NotifySocket {
        socket: UnixDatagram,
        path: PathBuf,
        seen: Vec<(Instant, String)>,
    }

    impl NotifySocket {
        fn bind(dir: &Path) -> NotifySocket {
            let path = dir.join("notify.sock");
            let socket = UnixDatagram::bind(&path).expect("bind the notify socket");
            socket
                .set_read_timeout(Some(Duration::from_millis(50)))
                .expect("timeout");
            NotifySocket {
                socket,
                path,
                seen: Vec::new(),
            }
        }

        /// Receives until `line` arrives (true) or `limit` passes (false).
        fn wait_for(&mut self, line: &str, limit: Duration) -> bool {
            let start = Instant::now();
            let mut buf = [0u8; 4096];
            while start.elapsed() < limit {
                if let Ok(n) = self.socket.recv(&mut buf) {
                    let msg = String::from_utf8_lossy(&buf[..n]).into_owned();
                    let now = Instant::now();
                    let mut found = false;
                    for l in msg.lines() {
                        found |= l == line;
                        self.seen.push((now, l.to_string()));
                    }
                    if found {
                        return true;
                    }
                }
            }
            false
        }

        fn count_since(&self, line: &str, since: Instant) -> usize {
            self.seen
                .iter()
                .filter(|(t, l)| *t >= since && l == line)
                .count()
        }
    }

    #[test]
    fn ready_after_migrating_then_watchdog_pings_then_stopping_on_sigterm() {
        let env = Env::new();
        let mut notify = NotifySocket::bind(env.dir.path());
        let mut c = env.command();
        c.env("NOTIFY_SOCKET", &notify.path)
            .env("WATCHDOG_USEC", "400000");
        let mut daemon = env.start(c);

        assert!(
            notify.wait_for("READY=1", Duration::from_secs(20)),
            "no READY=1; got {:?}",
            notify.seen
        );
        // READY=1 is sent after the cache is opened and migrated.
        assert_migrated(&env.db);

        let since = Instant::now();
        while since.elapsed() < Duration::from_millis(1500) {
            notify.wait_for("never sent", Duration::from_millis(100));
        }
        let pings = notify.count_since("WATCHDOG=1", since);
        assert!(
            pings >= 2,
            "{pings} WATCHDOG=1 in 1.5 s at WATCHDOG_USEC=400000; got {:?}",
            notify.seen
        );
        assert_eq!(notify.count_since("STOPPING=1", since), 0);

        sigterm(daemon.pid());
        assert!(
            notify.wait_for("STOPPING=1", Duration::from_secs(10)),
            "no STOPPING=1 after SIGTERM; got {:?}",
            notify.seen
        );
        let status = daemon.wait_for_exit(Duration::from_secs(15));
        assert!(status.success(), "{status}");
    }

    #[test]
    fn without_notify_socket_nothing_is_sent_and_no_watchdog_runs() {
        // WATCHDOG_USEC alone (no NOTIFY_SOCKET) must not matter.
        let env = Env::new();
        let mut c = env.command();
        c.env("WATCHDOG_USEC", "1000");
        let mut daemon = env.start(c);
        env.wait_locked(&mut daemon);
        std::thread::sleep(Duration::from_millis(300));
        assert!(daemon.try_status().is_none(), "syncrod run exited");
        sigterm(daemon.pid());
        assert!(daemon.wait_for_exit(Duration::from_secs(15)).success());
    }
}

#[cfg(all(unix, not(target_os = "macos")))]
#[test]
fn install_user_writes_a_notify_unit_without_the_key_and_uninstall_removes_it() {
    let env = Env::new();
    let home = env.dir.path().join("home");
    let xdg = env.dir.path().join("xdg");
    // No systemctl on this PATH: the commands are printed, not run.
    let bin = env.dir.path().join("empty-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let syncrod = |args: &[&str]| {
        let mut c = env.command();
        c.args(args)
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", &xdg)
            .env("PATH", &bin);
        output_within(c, Duration::from_secs(30))
    };
    let unit = xdg.join("systemd").join("user").join("syncrod.service");

    let out = syncrod(&["install", "--user"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains(&format!("wrote the systemd user unit {}", unit.display())),
        "{stdout}"
    );
    assert!(
        stdout.contains("systemctl --user daemon-reload"),
        "{stdout}"
    );
    assert!(
        stdout.contains("systemctl --user enable --now syncrod.service"),
        "{stdout}"
    );
    assert!(
        stdout.contains("/etc/systemd/system/syncrod.service"),
        "the system-wide variant: {stdout}"
    );
    assert!(
        stdout.contains("SYNCRO_API_KEY is set in this shell"),
        "{stdout}"
    );
    assert!(
        !stdout.contains(KEY) && !stderr.contains(KEY),
        "the key was printed"
    );

    let text = std::fs::read_to_string(&unit).expect("the unit was written");
    assert!(!text.contains(KEY), "the key is in the unit:\n{text}");
    for line in [
        "Type=notify",
        "Restart=on-failure",
        "WantedBy=default.target",
    ] {
        assert!(text.lines().any(|l| l == line), "no {line}:\n{text}");
    }
    assert!(
        text.lines().any(|l| l.starts_with("WatchdogSec=")),
        "{text}"
    );
    let exec = text
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("an ExecStart line");
    let exe = Path::new(env!("CARGO_BIN_EXE_syncrod"))
        .canonicalize()
        .unwrap();
    assert_eq!(
        exec,
        format!("{} --config {} run", exe.display(), env.config.display()),
        "{text}"
    );
    assert!(exec.starts_with('/'), "ExecStart is not absolute: {exec}");

    // Installing again updates in place.
    let out = syncrod(&["install", "--user"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("updated the systemd user unit"));

    let out = syncrod(&["uninstall", "--user"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("removed {}", unit.display())),
        "{stdout}"
    );
    assert!(
        stdout.contains("systemctl --user disable --now syncrod.service"),
        "{stdout}"
    );
    assert!(!unit.exists(), "the unit is still there");

    let out = syncrod(&["uninstall", "--user"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("nothing to remove"));

    // Without --user it is a usage error that says what to do.
    let out = syncrod(&["install"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--user"));
}

#[test]
fn run_logs_to_a_daily_file_in_the_data_dir_when_stderr_is_not_a_terminal() {
    let env = Env::new();
    let stderr_path = env.dir.path().join("stderr.txt");
    let mut c = env.command();
    c.arg("run")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&stderr_path).unwrap());
    let mut daemon = Proc(Some(c.spawn().expect("start syncrod run")));
    let logs = env.data_dir().join("logs");
    let mut found = None;
    wait_until("the log file", Duration::from_secs(20), || {
        assert!(daemon.try_status().is_none(), "syncrod run exited early");
        found = std::fs::read_dir(&logs).ok().and_then(|entries| {
            entries.flatten().map(|e| e.path()).find(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                name.starts_with("syncrod.")
                    && name.ends_with(".log")
                    && std::fs::read_to_string(p).is_ok_and(|t| t.contains("syncrod running"))
            })
        });
        found.is_some()
    });
    #[cfg(unix)]
    {
        sigterm(daemon.pid());
        assert!(daemon.wait_for_exit(Duration::from_secs(15)).success());
    }
    drop(daemon);
    let log = std::fs::read_to_string(found.unwrap()).unwrap();
    assert!(!log.contains(KEY), "the key is in the log");
    assert!(!log.contains('\u{1b}'), "colour codes in the log file");
    let stderr = std::fs::read_to_string(&stderr_path).unwrap();
    assert!(
        !stderr.contains("syncrod running"),
        "logs went to a stderr that is not a terminal: {stderr}"
    );
}
