//! `syncro doctor`: is everything set up? The one command that talks to
//! the server, with a single read-only `GET /me`.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use serde::Serialize;
use syncro_store::config::{ApiKey, AuthMode, Config, KeySource};
use syncro_store::{Store, SCHEMA_VERSION};

use crate::context::{daemon_alive, Ctx};
use crate::render;

const SERVER_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Level {
    Ok,
    Warn,
    Fail,
    Skip,
}

#[derive(Debug, Serialize)]
struct Check {
    check: &'static str,
    status: Level,
    detail: String,
}

#[derive(Default)]
struct Report {
    checks: Vec<Check>,
}

impl Report {
    fn add(&mut self, check: &'static str, status: Level, detail: impl Into<String>) {
        self.checks.push(Check {
            check,
            status,
            detail: detail.into(),
        });
    }
}

fn key_source(config: &Config) -> String {
    match &config.key_source {
        KeySource::Env(_) => "SYNCRO_API_KEY".into(),
        KeySource::Inline(_) => format!("api_key in {}", config.origin),
        KeySource::File(p) => format!("key file {}", p.display()),
        KeySource::Command(_) => "api_key_command".into(),
        KeySource::None => "nowhere".into(),
    }
}

pub fn run(config_path: Option<&Path>, json: bool) -> Result<ExitCode> {
    let mut r = Report::default();
    match Config::load(config_path) {
        Ok(config) => checks(&mut r, config, json),
        Err(e) => {
            r.add("config", Level::Fail, e.to_string());
            for name in ["api key", "cache", "daemon", "server"] {
                r.add(name, Level::Skip, "needs a valid config");
            }
        }
    }
    let failed = r.checks.iter().any(|c| c.status == Level::Fail);
    if json {
        render::print_json(&r.checks)?;
    } else {
        let style = render::Style {
            color: render::stdout_color(),
        };
        let mut out = String::new();
        for c in &r.checks {
            let tag = match c.status {
                Level::Ok => style.green("ok  "),
                Level::Warn => style.yellow("warn"),
                Level::Fail => style.red("FAIL"),
                Level::Skip => style.dim("skip"),
            };
            out.push_str(&format!("{tag}  {:<8}  {}\n", c.check, c.detail));
        }
        render::print(&out)?;
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn checks(r: &mut Report, config: Config, json: bool) {
    r.add("config", Level::Ok, format!("loaded {}", config.origin));
    for w in &config.warnings {
        r.add("config", Level::Warn, w.clone());
    }
    if config.labor.is_empty() {
        r.add(
            "config",
            Level::Warn,
            "no [labor.<type>] entries: `syncro bill` needs at least one",
        );
    } else {
        r.add(
            "config",
            Level::Ok,
            format!(
                "labor types: {}",
                config.labor.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        );
    }

    let key = match config.api_key() {
        Ok(k) => {
            r.add(
                "api key",
                Level::Ok,
                format!("read from {}", key_source(&config)),
            );
            Some(k)
        }
        Err(e) => {
            r.add("api key", Level::Fail, e.to_string());
            None
        }
    };

    let ctx = Ctx::new(config, json);
    let path = &ctx.config.db_path;
    if !path.exists() {
        r.add(
            "cache",
            Level::Fail,
            format!(
                "no cache at {} yet: start syncrod (or run `syncrod once`)",
                path.display()
            ),
        );
        r.add("daemon", Level::Skip, "needs the cache");
    } else {
        match Store::open(path) {
            Err(e) => {
                r.add("cache", Level::Fail, e.to_string());
                r.add("daemon", Level::Skip, "needs the cache");
            }
            Ok(store) => {
                match store.applied_version() {
                    Ok(Some(v)) => r.add(
                        "cache",
                        Level::Ok,
                        format!(
                            "{}, schema version {v} (this build: {SCHEMA_VERSION})",
                            path.display()
                        ),
                    ),
                    Ok(None) => r.add(
                        "cache",
                        Level::Fail,
                        format!("{} has no schema", path.display()),
                    ),
                    Err(e) => r.add("cache", Level::Fail, e.to_string()),
                }
                match store.heartbeat() {
                    Ok(beat) if daemon_alive(&ctx, beat.as_ref()) => {
                        let b = beat.as_ref();
                        r.add(
                            "daemon",
                            Level::Ok,
                            format!(
                                "syncrod running (pid {}, last beat {})",
                                b.map(|b| b.pid).unwrap_or_default(),
                                render::age(b.map(|b| b.beat_at.as_str()), ctx.now)
                            ),
                        )
                    }
                    Ok(_) => r.add(
                        "daemon",
                        Level::Warn,
                        "syncrod is not running: the cache is not being updated and writes wait; start `syncrod`",
                    ),
                    Err(e) => r.add("daemon", Level::Fail, e.to_string()),
                }
            }
        }
    }

    match (ctx.config.require_base_url(), key) {
        (Err(e), _) => r.add("server", Level::Fail, e.to_string()),
        (Ok(_), None) => r.add("server", Level::Skip, "needs an API key"),
        (Ok(base), Some(key)) => {
            match check_server(base, &key, ctx.config.auth) {
                Ok(me) => {
                    let mut detail = format!("{base} accepted the key");
                    if let Some(name) = me.get("user_name").and_then(|v| v.as_str()) {
                        detail.push_str(&format!(" (user {name}"));
                        if let Some(id) = me.get("user_id").and_then(|v| v.as_i64()) {
                            detail.push_str(&format!(", user_id {id}"));
                        }
                        detail.push(')');
                    }
                    r.add("server", Level::Ok, detail);
                    let server_id = me.get("user_id").and_then(|v| v.as_i64());
                    match (ctx.config.user_id, server_id) {
                    (None, Some(id)) => r.add(
                        "config",
                        Level::Warn,
                        format!("user_id is not set: add `user_id = {id}` for `syncro tickets --mine`"),
                    ),
                    (Some(mine), Some(id)) if mine != id => r.add(
                        "config",
                        Level::Warn,
                        format!("user_id = {mine}, but the key belongs to user {id}"),
                    ),
                    _ => {}
                }
                }
                Err(e) => r.add("server", Level::Fail, e),
            }
        }
    }
}

/// GET {base}/me with the key sent as configured. Errors never contain
/// the key: reqwest's URL (which holds it in query mode) is stripped and
/// the text is scrubbed as a second guard.
fn check_server(base: &str, key: &ApiKey, auth: AuthMode) -> Result<serde_json::Value, String> {
    let scrub = |s: String| {
        if key.expose().is_empty() {
            s
        } else {
            s.replace(key.expose(), "<redacted>")
        }
    };
    let client = reqwest::blocking::Client::builder()
        .timeout(SERVER_TIMEOUT)
        .build()
        .map_err(|e| {
            scrub(format!(
                "cannot build an HTTP client: {}",
                chain(&e.without_url())
            ))
        })?;
    let request = client
        .get(format!("{base}/me"))
        .header(reqwest::header::ACCEPT, "application/json");
    let request = match auth {
        AuthMode::Query => request.query(&[("api_key", key.expose())]),
        AuthMode::Header => request.bearer_auth(key.expose()),
    };
    let response = request.send().map_err(|e| {
        let what = if e.is_timeout() {
            format!("no answer within {} s", SERVER_TIMEOUT.as_secs())
        } else {
            chain(&e.without_url())
        };
        scrub(format!("cannot reach {base}: {what}"))
    })?;
    let status = response.status();
    if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
        return Err(format!(
            "{base} refused the key ({status}): check it, or whether `auth` should be \"{}\"",
            match auth {
                AuthMode::Query => "header",
                AuthMode::Header => "query",
            }
        ));
    }
    if !status.is_success() {
        return Err(format!("GET {base}/me answered {status}"));
    }
    let body = response.bytes().map_err(|e| {
        scrub(format!(
            "cannot read the answer: {}",
            chain(&e.without_url())
        ))
    })?;
    Ok(serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null))
}

/// An error and its sources, joined with ": ".
fn chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}
