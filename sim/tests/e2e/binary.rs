//! The binary: one stdout line with the URL, clean exit on SIGTERM.

#[cfg(unix)]
#[tokio::test]
async fn binary_prints_its_url_serves_and_stops_on_sigterm() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let mut child = Command::new(env!("CARGO_BIN_EXE_syncro-sim"))
        .args([
            "--port",
            "0",
            "--tickets",
            "40",
            "--customers",
            "10",
            "--invoices",
            "5",
            "--api-key",
            "bin-key",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        line
    })
    .await
    .unwrap_or_default();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .map(str::to_string);
    let ok = match &url {
        Some(url) => {
            let resp = reqwest::get(format!("{url}/tickets?api_key=bin-key")).await;
            let body: serde_json::Value = match resp {
                Ok(r) => r.json().await.unwrap_or_default(),
                Err(_) => serde_json::Value::Null,
            };
            body["meta"]["total_entries"] == 40
        }
        None => false,
    };
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = tokio::task::spawn_blocking(move || child.wait()).await;
    assert!(
        url.is_some_and(|u| u.starts_with("http://127.0.0.1:") && u.ends_with("/api/v1")),
        "line was {line:?}"
    );
    assert!(ok, "binary served the generated tickets");
    assert!(
        matches!(status, Ok(Ok(s)) if s.success()),
        "clean exit on SIGTERM: {status:?}"
    );
}

#[tokio::test]
async fn an_unknown_quirk_is_a_usage_error_with_exit_code_2() {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_syncro-sim"))
        .args(["--quirks", "comment_crlf,comment_bold", "--tickets", "1"])
        .output()
        .await
        .expect("binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(
        stderr.contains("unknown quirk \"comment_bold\""),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "nothing served, nothing printed");
}

#[tokio::test]
async fn an_unknown_shape_option_is_a_usage_error_with_exit_code_2() {
    for (arg, needle) in [
        ("lean_meta,gremlins", "unknown shape option \"gremlins\""),
        ("utc_offset_minutes=-18000", "minutes, not seconds"),
    ] {
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_syncro-sim"))
            .args(["--profile", "realistic", "--shape", arg, "--tickets", "1"])
            .output()
            .await
            .expect("binary runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{arg}: {stderr}");
        assert!(stderr.contains(needle), "{arg}: {stderr}");
        assert!(out.stdout.is_empty(), "nothing served, nothing printed");
    }
}
