//! `syncro doctor` against a one-shot fake server, and usage errors.

use std::io::{Read, Write};
use std::time::Duration;

use crate::fixture::*;

/// A one-shot HTTP server answering `status` with `body`; returns its base
/// URL and a handle yielding the request it received.
fn fake_server(
    status: &'static str,
    body: &'static str,
) -> (String, std::thread::JoinHandle<String>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/api/v1", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut request = Vec::new();
        let mut buf = [0u8; 1024];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = conn.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            request.extend_from_slice(&buf[..n]);
        }
        let response = format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        conn.write_all(response.as_bytes()).unwrap();
        String::from_utf8_lossy(&request).into_owned()
    });
    (base, handle)
}

const KEY: &str = "sekret-key-123";

#[test]
fn doctor_checks_everything_and_never_prints_the_key() {
    let fx = Fx::new();
    let (base, server) = fake_server(
        "200 OK",
        r#"{"user_token": "tok-should-not-show", "user_name": "Jane Tech", "user_id": 7}"#,
    );
    let out = fx
        .cmd(&["doctor"])
        .env("SYNCRO_BASE_URL", &base)
        .env("SYNCRO_API_KEY", KEY)
        .write_stdin("")
        .output()
        .unwrap();
    let request = server.join().unwrap();
    assert!(
        request.starts_with(&format!("GET /api/v1/me?api_key={KEY} ")),
        "{request}"
    );
    let text = fx.show(&out).replace(&base, "[SERVER]");
    assert!(!text.contains(KEY) && !text.contains("tok-should-not-show"));
    assert_snapshot!("doctor_ok", text);
}

#[test]
fn doctor_sends_a_bearer_header_when_configured() {
    let fx = Fx::with_config(&format!("auth = \"header\"\n{CONFIG}"));
    seed(&mut fx.store());
    let (base, server) = fake_server("200 OK", r#"{"user_name": "Jane Tech", "user_id": 9}"#);
    let out = fx
        .cmd(&["doctor", "--json"])
        .env("SYNCRO_BASE_URL", &base)
        .env("SYNCRO_API_KEY", KEY)
        .write_stdin("")
        .output()
        .unwrap();
    let request = server.join().unwrap();
    assert!(request.starts_with("GET /api/v1/me "), "{request}");
    assert!(
        request.to_ascii_lowercase().contains(&format!(
            "authorization: bearer {}",
            KEY.to_ascii_lowercase()
        )),
        "{request}"
    );
    assert_eq!(code(&out), 0, "{}", fx.show(&out));
    assert!(!stdout(&out).contains(KEY));
    let text = stdout(&out)
        .replace(&base, "[SERVER]")
        .replace(&fx.path().display().to_string(), "[TMP]");
    assert_snapshot!("doctor_json", text);
}

#[test]
fn doctor_reports_a_refused_key_without_printing_it() {
    let fx = Fx::new();
    let (base, server) = fake_server("401 Unauthorized", r#"{"error": "bad key"}"#);
    let out = fx
        .cmd(&["doctor"])
        .env("SYNCRO_BASE_URL", &base)
        .env("SYNCRO_API_KEY", KEY)
        .write_stdin("")
        .output()
        .unwrap();
    server.join().unwrap();
    assert_eq!(code(&out), 1);
    let text = fx.show(&out).replace(&base, "[SERVER]");
    assert!(!text.contains(KEY));
    assert!(
        text.contains("FAIL  server    [SERVER] refused the key (401 Unauthorized: bad key)"),
        "{text}"
    );
}

#[test]
fn doctor_unreachable_server_error_has_no_key() {
    let fx = Fx::new();
    // Bind then drop a listener: nothing answers on that port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let out = fx
        .cmd(&["doctor"])
        .env("SYNCRO_BASE_URL", &base)
        .env("SYNCRO_API_KEY", KEY)
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(code(&out), 1);
    let text = fx.show(&out);
    assert!(!text.contains(KEY), "{text}");
    assert!(text.contains(&format!("cannot reach {base}")), "{text}");
}

#[test]
fn doctor_without_config_or_cache_or_key() {
    let fx = Fx::with_config("tech = \"x\"\n");
    let out = fx.run(&["doctor"]);
    assert_snapshot!("doctor_bare", fx.show(&out));
    let out = fx
        .cmd(&["doctor"])
        .env("SYNCRO_CONFIG", fx.path().join("missing.toml"))
        .write_stdin("")
        .output()
        .unwrap();
    assert_snapshot!("doctor_no_config", fx.show(&out));
}

#[test]
fn usage_errors_exit_2() {
    let fx = Fx::new();
    for args in [
        &["frobnicate"][..],
        &["tickets", "--bogus"],
        &["comment"],
        &["outbox", "cancel"],
        &["line-item"],
        &["timer", "add", "32164"],
    ] {
        let out = fx.run(args);
        assert_eq!(code(&out), 2, "{args:?}: {}", fx.show(&out));
    }
    assert_eq!(code(&fx.run(&["--help"])), 0);
    assert!(fx.outbox().is_empty());
}
