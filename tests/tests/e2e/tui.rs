//! `syncro tui` in a real pseudo-terminal against the simulator, as a new
//! technician would use it after the demo: find a ticket by a word from
//! its thread, open it, write a comment, watch it verify in the outbox
//! pane, quit; the terminal is left as it was found.

use std::time::Duration;

use serde_json::json;
use syncro_e2e::{mutate, RunningDaemon, TestEnv};

const KEY: &str = "test-key";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn find_open_comment_verify_and_quit_in_a_terminal() {
    let sim = syncro_e2e::small_sim().await;
    let env = TestEnv::new(&sim.base_url(), KEY, 600_000);
    // A word only one ticket's thread holds.
    let t = &sim.dump()["tickets"][0];
    let (id, number) = (
        t["id"].as_i64().expect("id"),
        t["number"].as_i64().expect("number"),
    );
    mutate(
        &sim.admin_url(),
        json!({"action": "add_comment", "ticket_id": id, "subject": "Update",
               "body": "The zeppelin backup finished", "hidden": true}),
    )
    .await;
    env.syncrod_once(&[]);
    let _daemon: RunningDaemon = env.start_daemon();
    let transcript = tokio::task::spawn_blocking({
        let command = in_a_terminal(&env);
        move || -> Result<String, rexpect::error::Error> {
            let mut p = rexpect::session::spawn_command(command, Some(60_000))?;
            let mut seen = String::new();
            let mut expect = |p: &mut rexpect::session::PtySession, s: &str| {
                p.exp_string(s).map(|before| {
                    seen.push_str(&before);
                    seen.push_str(s);
                })
            };
            expect(&mut p, "tickets")?;
            send(&mut p, "/zeppelin")?;
            expect(&mut p, &format!("#{number}"))?;
            send(&mut p, "\r")?;
            expect(&mut p, "Comments")?;
            send(&mut p, "c")?;
            expect(&mut p, "comment:")?;
            send(&mut p, "Checked the zeppelin logs")?;
            // Ctrl+P: private (no undo window), Ctrl+S: preview.
            send(&mut p, "\x10\x13")?;
            expect(&mut p, "this?")?;
            send(&mut p, "y")?;
            expect(&mut p, "queued")?;
            send(&mut p, "o")?;
            expect(&mut p, "outbox")?;
            expect(&mut p, "done")?;
            // Back the way it came: the ticket, the search, the list.
            send(&mut p, "\x1b")?;
            send(&mut p, "\x1b")?;
            send(&mut p, "\x1b")?;
            expect(&mut p, "open")?;
            send(&mut p, "q")?;
            seen.push_str(&p.exp_string("end of modes")?);
            Ok(seen)
        }
    })
    .await
    .expect("pty task")
    .expect("the terminal session");
    assert_restored(&transcript);
    let comments = syncro_e2e::ticket_of(&sim.dump(), id)["comments"].clone();
    let ours = comments.as_array().map(|cs| {
        cs.iter()
            .filter(|c| c["body"] == "Checked the zeppelin logs")
            .count()
    });
    assert_eq!(ours, Some(1), "{comments:#}");
    sim.shutdown().await;
}

/// SIGTERM (a service manager, a closed ssh session's kill) while the
/// screen is up: it ends cleanly, exit 0, and the terminal is as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_restores_the_terminal() {
    let sim = syncro_e2e::small_sim().await;
    let env = TestEnv::new(&sim.base_url(), KEY, 600_000);
    env.syncrod_once(&[]);
    let command = in_a_terminal(&env);
    let transcript =
        tokio::task::spawn_blocking(move || -> Result<String, rexpect::error::Error> {
            let mut p = rexpect::session::spawn_command(command, Some(60_000))?;
            let (mut seen, pid) = p.exp_regex(r"shell pid [0-9]+\.")?;
            seen.push_str(&pid);
            let shell: u32 = pid
                .trim_start_matches("shell pid ")
                .trim_end_matches('.')
                .parse()
                .expect("the shell's pid");
            seen.push_str(&p.exp_string("tickets")?);
            let tui = child_of(shell).expect("syncro under the shell").to_string();
            let killed = std::process::Command::new("kill")
                .args(["-TERM", &tui])
                .status()
                .expect("kill");
            assert!(killed.success());
            seen.push_str(&p.exp_string("end of modes")?);
            Ok(seen)
        })
        .await
        .expect("pty task")
        .expect("the terminal session");
    assert_restored(&transcript);
    sim.shutdown().await;
}

/// `syncro tui` in a shell that first gives the pseudo-terminal a size (a
/// pty starts at 0x0) and prints the terminal's modes (`stty -g`), and
/// afterwards prints syncro's exit status and the modes again, so a test
/// can see what was left behind.
fn in_a_terminal(env: &TestEnv) -> std::process::Command {
    let syncro = env.command("syncro");
    let mut sh = std::process::Command::new("sh");
    sh.args([
        "-c",
        "stty rows 24 cols 80; echo \"modes before $(stty -g).\"; echo \"shell pid $$.\"; \"$0\" tui; echo \"tui exited $?\"; echo \"modes after $(stty -g).\"; echo end of modes",
    ])
    .arg(syncro.get_program())
    .env("TERM", "xterm-256color");
    for (k, v) in syncro.get_envs() {
        match v {
            Some(v) => sh.env(k, v),
            None => sh.env_remove(k),
        };
    }
    sh
}

/// Keys, after a moment for the screen to take the previous ones. (The
/// screen is drawn by cell runs with cursor moves between words: one word
/// at a time is what can be waited for.)
fn send(p: &mut rexpect::session::PtySession, keys: &str) -> Result<(), rexpect::error::Error> {
    std::thread::sleep(Duration::from_millis(150));
    p.send(keys).and_then(|_| p.flush())
}

/// The screen was drawn on the alternate screen and left it, the cursor
/// was shown again, syncro exited 0 and the terminal's modes are those it
/// found (not raw).
fn assert_restored(transcript: &str) {
    let entered = transcript
        .find("\x1b[?1049h")
        .expect("alternate screen never entered");
    let left = transcript
        .rfind("\x1b[?1049l")
        .expect("alternate screen not left");
    assert!(
        entered < left,
        "alternate screen left before it was entered"
    );
    assert!(
        transcript[left..].contains("\x1b[?25h"),
        "cursor not shown again"
    );
    assert!(transcript.contains("tui exited 0"), "{}", tail(transcript));
    let modes = |when: &str| {
        let at = transcript
            .find(&format!("modes {when} "))
            .unwrap_or_else(|| panic!("no modes {when}: {}", tail(transcript)));
        let rest = &transcript[at + 7 + when.len()..];
        rest[..rest.find('.').unwrap_or(rest.len())].to_string()
    };
    assert_eq!(
        modes("before"),
        modes("after"),
        "the terminal's modes changed: {}",
        tail(transcript)
    );
}

fn tail(s: &str) -> &str {
    let from = s.len().saturating_sub(1500);
    let from = (from..s.len())
        .find(|i| s.is_char_boundary(*i))
        .unwrap_or(s.len());
    &s[from..]
}

/// A process whose parent is `parent`, from each process's `/proc/N/stat`
/// (its fourth field), which every Linux kernel has (`task/N/children`
/// needs a kernel option).
fn child_of(parent: u32) -> Option<u32> {
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid: u32 = e.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
        // `pid (comm) state ppid ...`: comm may hold spaces, so after ')'.
        let ppid: u32 = stat
            .rsplit_once(')')?
            .1
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()?;
        (ppid == parent).then_some(pid)
    })
}
