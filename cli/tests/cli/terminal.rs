//! On a terminal: confirmation, colour, the editor; local times.

#[cfg(target_os = "linux")]
use std::io::Write;
#[cfg(target_os = "linux")]
use std::process::{Output, Stdio};

#[cfg(target_os = "linux")]
use syncro_store::outbox::{Command, CommentWrite};

use crate::fixture::*;

/// Runs `syncro args` on a pseudo-terminal (util-linux `script`), typing
/// `input`; stdout and stderr arrive merged. `None` where `script` is
/// missing, so the test is skipped rather than failed.
#[cfg(target_os = "linux")]
fn run_on_terminal(fx: &Fx, args: &[&str], input: &str, env: &[(&str, &str)]) -> Option<Output> {
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let line = std::iter::once(BIN)
        .chain(args.iter().copied())
        .map(quote)
        .collect::<Vec<_>>()
        .join(" ");
    let mut cmd = std::process::Command::new("script");
    cmd.args(["-qec", &line, "/dev/null"])
        .env("SYNCRO_CONFIG", fx.path().join("config.toml"))
        .env("SYNCRO_DB", fx.db())
        .env("SYNCRO_NOW", NOW)
        .env("TZ", "UTC")
        .env("HOME", fx.path())
        .env_remove("SYNCRO_API_KEY")
        .env_remove("SYNCRO_BASE_URL")
        .env_remove("NO_COLOR")
        .env_remove("VISUAL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let Ok(mut child) = cmd.spawn() else {
        eprintln!("skipped: util-linux `script` is not available");
        return None;
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    Some(child.wait_with_output().unwrap())
}

#[cfg(target_os = "linux")]
#[test]
fn on_a_terminal_the_write_is_confirmed_first() {
    let fx = Fx::new();
    let Some(out) = run_on_terminal(&fx, &["close", "32164"], "y\n", &[("NO_COLOR", "1")]) else {
        return;
    };
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "{text}");
    assert!(
        text.contains("Close #32164 Own cloud thing again (Jerry Burger):"),
        "{text}"
    );
    assert!(text.contains("Queue this? [y/N]"), "{text}");
    assert!(
        text.contains("queued #1 on #32164: update status -> Resolved"),
        "{text}"
    );
    assert_eq!(fx.outbox().len(), 1);

    let Some(out) = run_on_terminal(&fx, &["close", "32170"], "n\n", &[("NO_COLOR", "1")]) else {
        return;
    };
    assert_eq!(code(&out), 1);
    assert!(stdout(&out).contains("nothing queued: not confirmed"));
    assert_eq!(fx.outbox().len(), 1, "declining queues nothing");
}

#[cfg(target_os = "linux")]
#[test]
fn colour_only_on_a_terminal_and_never_with_no_color() {
    let fx = Fx::new();
    let Some(out) = run_on_terminal(&fx, &["search", "fuser"], "", &[]) else {
        return;
    };
    let text = stdout(&out);
    assert!(text.contains("\x1b[1;33mfuser\x1b[0m"), "{text:?}");
    assert!(text.contains("\x1b[32mResolved\x1b[0m"), "{text:?}");
    let Some(out) = run_on_terminal(&fx, &["search", "fuser"], "", &[("NO_COLOR", "1")]) else {
        return;
    };
    let text = stdout(&out);
    assert!(!text.contains('\x1b'), "{text:?}");
    assert!(text.contains("[fuser]"), "{text:?}");
    // And never in a pipe.
    assert!(!stdout(&fx.run(&["search", "fuser"])).contains('\x1b'));
}

#[cfg(target_os = "linux")]
#[test]
fn on_a_terminal_an_omitted_comment_opens_the_editor() {
    let fx = Fx::new();
    let editor = fx.path().join("fake-editor");
    std::fs::write(
        &editor,
        "#!/bin/sh\nprintf 'Written in the editor.\\n' > \"$1\"\n",
    )
    .unwrap();
    let empty = fx.path().join("empty-editor");
    std::fs::write(&empty, "#!/bin/sh\n: > \"$1\"\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    for f in [&editor, &empty] {
        std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let editor = editor.display().to_string();
    let Some(out) = run_on_terminal(
        &fx,
        &["comment", "32164", "--yes"],
        "",
        &[("EDITOR", &editor), ("NO_COLOR", "1")],
    ) else {
        return;
    };
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let Command::Comment(CommentWrite::Add { body, .. }) = &fx.outbox()[0].command else {
        panic!("not a comment: {:?}", fx.outbox());
    };
    assert_eq!(body, "Written in the editor.");

    let empty = empty.display().to_string();
    let out = run_on_terminal(
        &fx,
        &["comment", "32164", "--yes"],
        "",
        &[("EDITOR", &empty), ("NO_COLOR", "1")],
    )
    .unwrap();
    assert_eq!(code(&out), 1);
    assert!(stdout(&out).contains("the comment is empty; nothing queued"));
    assert_eq!(fx.outbox().len(), 1);
}

#[test]
fn times_show_in_the_local_zone_but_bare_dates_do_not_shift() {
    let fx = Fx::new();
    // POSIX form: five hours west of UTC, no tz database needed.
    let run = |args: &[&str]| {
        stdout(
            &fx.cmd(args)
                .env("TZ", "EST5")
                .write_stdin("")
                .output()
                .unwrap(),
        )
    };
    let ticket = run(&["ticket", "32150"]);
    assert!(ticket.contains("created   2026-03-04 03:00"), "{ticket}");
    let invoice = run(&["invoice", "1201"]);
    assert!(invoice.contains("date      2026-03-05"), "{invoice}");
    assert!(invoice.contains("due       2026-03-19"), "{invoice}");
}
