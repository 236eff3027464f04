//! `--wait` against rows flipped from the test: done, failed, held, timed out.

use std::io::Read;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use syncro_store::outbox::{Change, OutboxItem, State};
use syncro_store::Store;

use crate::fixture::*;

/// Runs `args` in the background, flips the queued rows with `flip` once
/// they appear, and returns the finished process's output.
fn run_and_flip(fx: &Fx, args: &[&str], flip: impl FnOnce(&mut Store, &[OutboxItem])) -> Output {
    let mut child = std::process::Command::new(BIN)
        .args(args)
        .env("SYNCRO_CONFIG", fx.path().join("config.toml"))
        .env("SYNCRO_DB", fx.db())
        .env("SYNCRO_NOW", NOW)
        .env("TZ", "UTC")
        .env("HOME", fx.path())
        .env_remove("SYNCRO_API_KEY")
        .env_remove("SYNCRO_BASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let mut store = fx.store();
    let items = loop {
        let items = store.outbox_items(&[]).unwrap();
        if !items.is_empty() {
            break items;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "nothing was queued"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    // A group is queued in one transaction, so every step is there.
    flip(&mut store, &items);
    let status = child.wait().unwrap();
    let mut out = Vec::new();
    child.stdout.take().unwrap().read_to_end(&mut out).unwrap();
    let mut err = Vec::new();
    child.stderr.take().unwrap().read_to_end(&mut err).unwrap();
    Output {
        status,
        stdout: out,
        stderr: err,
    }
}

#[test]
fn wait_succeeds_when_the_daemon_marks_it_done() {
    let fx = Fx::new();
    let out = run_and_flip(
        &fx,
        &["comment", "32164", "Done and dusted", "--yes", "--wait=20"],
        |store, items| {
            for i in items {
                store
                    .outbox_transition(i.id, &[State::Queued], State::Sending, Change::default())
                    .unwrap();
                store
                    .outbox_transition(i.id, &[State::Sending], State::Done, Change::default())
                    .unwrap();
            }
        },
    );
    assert_snapshot!("wait_done", fx.show(&out));
}

#[test]
fn wait_fails_with_the_reason() {
    let fx = Fx::new();
    let out = run_and_flip(
        &fx,
        &[
            "bill",
            "32164",
            "--minutes",
            "30",
            "--labor",
            "remote",
            "--yes",
            "--wait",
        ],
        |store, items| {
            store
                .outbox_transition(
                    items[0].id,
                    &[State::Queued],
                    State::Done,
                    Change::default(),
                )
                .unwrap();
            store
                .outbox_transition(
                    items[1].id,
                    &[State::Queued],
                    State::Failed,
                    Change {
                        last_error: Some(Some("422: no billable line items".into())),
                        ..Default::default()
                    },
                )
                .unwrap();
        },
    );
    assert_snapshot!("wait_failed", fx.show(&out));
}

#[test]
fn wait_reports_a_held_item_in_json() {
    let fx = Fx::new();
    let out = run_and_flip(
        &fx,
        &["close", "32164", "--yes", "--wait=20", "--json"],
        |store, items| {
            store
                .outbox_transition(
                    items[0].id,
                    &[State::Queued],
                    State::Held,
                    Change {
                        last_error: Some(Some("conflict: changed on the server".into())),
                        ..Default::default()
                    },
                )
                .unwrap();
        },
    );
    assert_eq!(code(&out), 1);
    let v = json_out(&out);
    assert_eq!(v[0]["state"], "held");
    assert_eq!(v[0]["error"], "conflict: changed on the server");
    assert!(stderr(&out).contains("release it with `syncro outbox release 1`"));
}

#[test]
fn wait_times_out_and_leaves_the_item_queued() {
    let fx = Fx::new();
    let started = Instant::now();
    let out = fx.run(&["comment", "32164", "Anyone there?", "--yes", "--wait=1"]);
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_snapshot!("wait_timeout", fx.show(&out));
    assert_eq!(fx.outbox()[0].state, State::Queued);
    assert_eq!(
        code(&fx.run(&["comment", "32164", "x", "--yes", "--wait", "5"])),
        2,
        "--wait takes its value only as --wait=SECONDS"
    );
}
