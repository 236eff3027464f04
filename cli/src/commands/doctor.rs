//! `syncro doctor`: is everything set up? The one command that talks to
//! the server, with a single read-only `GET /me`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use serde::Serialize;
use syncro_store::config::{ApiKey, AuthMode, Config};
use syncro_store::{Store, SCHEMA_VERSION};

use crate::api::{Api, ApiError};
use crate::context::{daemon_alive, Ctx};
use crate::render;

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
    config.key_source.describe(&config.origin)
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
                // A write the server refused for the key or a permission
                // says what every later write will meet.
                match store.outbox_access_refused() {
                    Ok(refused) if !refused.is_empty() => r.add(
                        "writes",
                        Level::Fail,
                        format!(
                            "{} write(s) refused for the API key or a permission; the newest: {}",
                            refused.len(),
                            render::one_line(refused[0].last_error.as_deref().unwrap_or(""))
                        ),
                    ),
                    Ok(_) => {}
                    Err(e) => r.add("writes", Level::Fail, e.to_string()),
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

/// GET {base}/me with the key sent as configured (see [`crate::api`]).
fn check_server(base: &str, key: &ApiKey, auth: AuthMode) -> Result<serde_json::Value, String> {
    let api = Api::new(base, key, auth).map_err(|e| e.to_string())?;
    api.get("/me", &[]).map_err(|e| match e {
        ApiError::Refused { .. } => format!(
            "{e}: check it, or whether `auth` should be \"{}\"",
            match auth {
                AuthMode::Query => "header",
                AuthMode::Header => "query",
            }
        ),
        other => other.to_string(),
    })
}
