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
    let mut command = env.command("syncro");
    command.arg("tui").env("TERM", "xterm-256color");
    let transcript =
        tokio::task::spawn_blocking(move || -> Result<String, rexpect::error::Error> {
            let mut p = rexpect::session::spawn_command(command, Some(60_000))?;
            let mut seen = String::new();
            let mut expect = |p: &mut rexpect::session::PtySession, s: &str| {
                p.exp_string(s).map(|before| {
                    seen.push_str(&before);
                    seen.push_str(s);
                })
            };
            // (The screen is drawn by cell runs with cursor moves between
            // words: one word at a time is what can be waited for.)
            let send = |p: &mut rexpect::session::PtySession, keys: &str| {
                std::thread::sleep(Duration::from_millis(150));
                p.send(keys).and_then(|_| p.flush())
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
            send(&mut p, "\x1b")?;
            send(&mut p, "\x1b")?;
            expect(&mut p, "open")?;
            send(&mut p, "q")?;
            let rest = p.exp_eof()?;
            seen.push_str(&rest);
            Ok(seen)
        })
        .await
        .expect("pty task")
        .expect("the terminal session");
    // The alternate screen was left and the cursor shown again.
    assert!(
        transcript.contains("\x1b[?1049l"),
        "alternate screen not left"
    );
    assert!(transcript.contains("\x1b[?25h"), "cursor not shown again");
    let comments = syncro_e2e::ticket_of(&sim.dump(), id)["comments"].clone();
    let ours = comments.as_array().map(|cs| {
        cs.iter()
            .filter(|c| c["body"] == "Checked the zeppelin logs")
            .count()
    });
    assert_eq!(ours, Some(1), "{comments:#}");
    sim.shutdown().await;
}
