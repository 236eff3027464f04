//! Configuration shared by `syncro` and `syncrod`.
//!
//! Precedence, lowest first: built-in defaults (defined once, here), the
//! TOML file, then `SYNCRO_*` environment variables. The API key is never
//! stored in this struct's `Debug` output or in any error message.
//!
//! Long (about 750 lines) on purpose: every setting, its default, its
//! validation and the error naming file, key and fix are one list a reader
//! checks in one place, and a third of the file is their tests.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::secret::{Keyring, SecretError, TEST_KEYRING_ENV};

/// Requests per minute syncrod allows itself by default: Syncro allows 180
/// per office IP, and the 30 left over are for the technicians' browsers
/// and other tools sharing that IP.
pub const DEFAULT_RATE_LIMIT_PER_MINUTE: u32 = 150;
/// Seconds between incremental sync passes.
pub const DEFAULT_SYNC_INTERVAL_SECS: u64 = 60;
/// Ticket threads fetched per history-trickle run.
pub const DEFAULT_HISTORY_BATCH: usize = 200;
/// Seconds syncrod waits for one API answer before treating the outcome as
/// unknown (a write is then looked for before any resend).
pub const DEFAULT_REQUEST_TIMEOUT_SECS: u64 = 30;
/// When the daily reconcile (deletion sweep) runs, as a 6-field cron.
pub const DEFAULT_RECONCILE_CRON: &str = "0 30 3 * * *";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "config file {path} not found (create it from config.example.toml, or set SYNCRO_CONFIG)"
    )]
    NotFound { path: PathBuf },
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("config {origin}: `{key}` {problem}")]
    Invalid {
        origin: String,
        key: String,
        problem: String,
    },
    #[error("no API key: run `syncro init`, or set SYNCRO_API_KEY, or `api_key_file` / `api_key_command` in {origin}")]
    NoApiKey { origin: String },
    #[error("cannot read the API key file {path}: {source}")]
    KeyFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("api_key_command failed: {0}")]
    KeyCommand(String),
    #[error("cannot read the API key: {0} (run `syncro init` to store it again)")]
    Keyring(#[from] SecretError),
    #[error(
        "no server configured: set `base_url` or `subdomain` in {origin} (or SYNCRO_BASE_URL)"
    )]
    NoServer { origin: String },
}

/// How the key is sent: Syncro documents a header, users report the query
/// parameter is what works, so the query parameter is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    #[default]
    Query,
    Header,
}

/// One labor type: which product a billed line uses and its default rate.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Labor {
    pub product_id: i64,
    /// Dollars per hour.
    pub rate: f64,
    /// Line item name; defaults to "Labor - <type>".
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Schedule {
    /// Seconds between incremental passes.
    pub sync_interval_secs: u64,
    /// Ticket threads fetched per pass from the history backlog.
    pub history_batch: usize,
    /// 6-field cron (sec min hour day month weekday) for the deletion sweep.
    pub reconcile_cron: String,
    /// Open tickets whose thread is re-read per idle pass even though
    /// their `updated_at` did not change (0: never). The safety net for a
    /// comment added in the web UI that does not bump `updated_at`.
    pub open_refresh_per_pass: usize,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            sync_interval_secs: DEFAULT_SYNC_INTERVAL_SECS,
            history_batch: DEFAULT_HISTORY_BATCH,
            reconcile_cron: DEFAULT_RECONCILE_CRON.to_string(),
            open_refresh_per_pass: DEFAULT_OPEN_REFRESH_PER_PASS,
        }
    }
}

/// Open threads re-read per idle pass: 10 of the default 150 requests a
/// minute (under 7%), so 300 open tickets are all re-read within about
/// half an hour without slowing anything else.
pub const DEFAULT_OPEN_REFRESH_PER_PASS: usize = 10;

/// How the outbox treats a write whose outcome is unknown (a timeout, a
/// reset, a 5xx, an unreadable answer): it waits `grace` for a slow server
/// to commit, then looks for the write `probes` times, `grace / 2` apart,
/// before concluding it did not land and sending it again.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboxSettings {
    /// Seconds after the send before the first look; default twice
    /// `request_timeout_secs` (a gateway gives up long before the backend).
    pub unknown_outcome_grace_secs: Option<u64>,
    /// Looks that must all miss before a resend; default 3.
    pub unknown_outcome_probes: Option<u32>,
}

/// Default undo window for customer-visible writes.
pub const DEFAULT_UNDO_SECS: u64 = 10;
/// Default age past which the cache is called stale: five missed passes.
pub const DEFAULT_STALE_AFTER_SECS: u64 = 300;

/// Default number of looks for a write whose outcome is unknown.
pub const DEFAULT_UNKNOWN_OUTCOME_PROBES: u32 = 3;

/// The file as written (every key optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    base_url: Option<String>,
    subdomain: Option<String>,
    api_key: Option<String>,
    api_key_file: Option<PathBuf>,
    api_key_command: Option<String>,
    api_key_keyring: Option<String>,
    auth: Option<AuthMode>,
    db_path: Option<PathBuf>,
    rate_limit_per_minute: Option<u32>,
    request_timeout_secs: Option<u64>,
    undo_secs: Option<u64>,
    stale_after_secs: Option<u64>,
    tech: Option<String>,
    user_id: Option<i64>,
    log_level: Option<String>,
    #[serde(default)]
    schedule: Schedule,
    #[serde(default)]
    labor: BTreeMap<String, Labor>,
    #[serde(default)]
    outbox: OutboxSettings,
}

/// Where the API key comes from (the key itself is only read on demand).
#[derive(Clone, PartialEq)]
pub enum KeySource {
    Env(String),
    Inline(String),
    File(PathBuf),
    Command(String),
    /// In the credential store, under this account.
    Keyring {
        account: String,
        store: Keyring,
    },
    None,
}

impl KeySource {
    /// Where the key is read from, in words (never the key itself);
    /// `origin` is the config's [`Config::origin`].
    pub fn describe(&self, origin: &str) -> String {
        match self {
            KeySource::Env(_) => "SYNCRO_API_KEY".into(),
            KeySource::Inline(_) => format!("api_key in {origin}"),
            KeySource::File(p) => format!("key file {}", p.display()),
            KeySource::Command(_) => "api_key_command".into(),
            KeySource::Keyring { account, store } => {
                format!("{} (account {account})", store.describe())
            }
            KeySource::None => "nowhere".into(),
        }
    }
}

impl fmt::Debug for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySource::Env(_) => f.write_str("Env(SYNCRO_API_KEY)"),
            KeySource::Inline(_) => f.write_str("Inline(<redacted>)"),
            KeySource::File(p) => write!(f, "File({})", p.display()),
            KeySource::Command(c) => write!(f, "Command({c})"),
            KeySource::Keyring { account, store } => {
                write!(f, "Keyring({}, {account})", store.describe())
            }
            KeySource::None => f.write_str("None"),
        }
    }
}

/// The API key. Its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> Self {
        ApiKey(key.into())
    }
    /// The key itself, for the one place that puts it on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    /// Where this configuration came from (a path, or "defaults").
    pub origin: String,
    pub base_url: Option<String>,
    pub key_source: KeySource,
    pub auth: AuthMode,
    pub db_path: PathBuf,
    pub rate_limit_per_minute: u32,
    pub request_timeout_secs: u64,
    /// How long a customer-visible write waits before it is sent, so
    /// `syncro undo` can take it back (0: no window).
    pub undo_secs: u64,
    /// Cache older than this is called out on every answer.
    pub stale_after_secs: u64,
    pub tech: Option<String>,
    pub user_id: Option<i64>,
    pub log_level: Option<String>,
    pub schedule: Schedule,
    pub labor: BTreeMap<String, Labor>,
    pub outbox: OutboxSettings,
    /// Things worth telling the user (e.g. a world-readable key file).
    pub warnings: Vec<String>,
}

/// Reads environment variables; a seam so tests need not mutate the
/// process environment.
pub trait Env {
    fn var(&self, key: &str) -> Option<String>;
}

/// The real process environment.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, key: &str) -> Option<String> {
        std::env::var(key).ok().filter(|v| !v.is_empty())
    }
}

/// The default config file: `$XDG_CONFIG_HOME/syncro/config.toml` (or the
/// platform's equivalent, e.g. %APPDATA% on Windows).
pub fn default_config_path() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("syncro").join("config.toml"))
}

/// The default cache: `$XDG_DATA_HOME/syncro/cache.db` (or the platform's
/// equivalent). The *local* data dir, so on Windows the cache stays in
/// %LOCALAPPDATA% instead of roaming with the profile.
pub fn default_db_path() -> PathBuf {
    dirs::data_local_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("syncro")
        .join("cache.db")
}

impl Config {
    /// Loads the configuration: `explicit` (from `--config`) or
    /// `SYNCRO_CONFIG` must exist; the default path may be absent.
    pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        Self::load_with(explicit, &ProcessEnv)
    }

    pub fn load_with(explicit: Option<&Path>, env: &dyn Env) -> Result<Config, ConfigError> {
        let (path, required) = match (explicit, env.var("SYNCRO_CONFIG")) {
            (Some(p), _) => (Some(p.to_path_buf()), true),
            (None, Some(p)) => (Some(PathBuf::from(p)), true),
            (None, None) => (default_config_path(), false),
        };
        let (raw, origin, mut warnings) = match &path {
            Some(p) if p.exists() => {
                let text = std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
                    path: p.clone(),
                    source,
                })?;
                let raw: RawConfig = toml::from_str(&text).map_err(|e| ConfigError::Parse {
                    path: p.clone(),
                    message: e.to_string(),
                })?;
                let mut warnings = Vec::new();
                if raw.api_key.is_some() && world_readable(p) {
                    warnings.push(format!(
                        "{} holds an API key and is readable by other users; run: chmod 600 {}",
                        p.display(),
                        p.display()
                    ));
                }
                (raw, p.display().to_string(), warnings)
            }
            Some(p) if required => return Err(ConfigError::NotFound { path: p.clone() }),
            // Name where we looked: "no config" is a puzzle without it.
            _ => (
                RawConfig::default(),
                match &path {
                    Some(p) => format!("defaults (no config file at {})", p.display()),
                    None => "defaults (no config directory on this system)".to_string(),
                },
                Vec::new(),
            ),
        };
        let invalid = |key: &str, problem: String| ConfigError::Invalid {
            origin: origin.clone(),
            key: key.to_string(),
            problem,
        };

        let base_url = match (env.var("SYNCRO_BASE_URL"), raw.base_url, raw.subdomain) {
            (Some(u), _, _) | (None, Some(u), _) => Some(u),
            (None, None, Some(sub)) => {
                if sub.is_empty() || !sub.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                    return Err(invalid(
                        "subdomain",
                        format!("{sub:?} is not a valid subdomain"),
                    ));
                }
                Some(format!("https://{sub}.syncromsp.com/api/v1"))
            }
            (None, None, None) => None,
        };
        let base_url = base_url
            .map(|u| check_base_url(&u).map_err(|p| invalid("base_url", p)))
            .transpose()?;

        let key_source = if let Some(k) = env.var("SYNCRO_API_KEY") {
            KeySource::Env(k)
        } else if let Some(k) = raw.api_key {
            KeySource::Inline(k)
        } else if let Some(account) = raw.api_key_keyring {
            if account.trim().is_empty() {
                return Err(invalid(
                    "api_key_keyring",
                    "must name the account (the API host, as `syncro init` writes it)".into(),
                ));
            }
            KeySource::Keyring {
                account,
                store: Keyring::from_env(env.var(TEST_KEYRING_ENV)),
            }
        } else if let Some(f) = raw.api_key_file {
            let f = expand_home(&f);
            if world_readable(&f) {
                warnings.push(format!(
                    "API key file {} is readable by other users; run: chmod 600 {}",
                    f.display(),
                    f.display()
                ));
            }
            KeySource::File(f)
        } else if let Some(c) = raw.api_key_command {
            KeySource::Command(c)
        } else {
            KeySource::None
        };

        let rate = raw
            .rate_limit_per_minute
            .unwrap_or(DEFAULT_RATE_LIMIT_PER_MINUTE);
        if rate == 0 {
            return Err(invalid(
                "rate_limit_per_minute",
                "must be at least 1".into(),
            ));
        }
        let request_timeout_secs = raw
            .request_timeout_secs
            .unwrap_or(DEFAULT_REQUEST_TIMEOUT_SECS);
        if request_timeout_secs == 0 {
            return Err(invalid("request_timeout_secs", "must be at least 1".into()));
        }
        if raw.outbox.unknown_outcome_probes == Some(0) {
            return Err(invalid(
                "outbox.unknown_outcome_probes",
                "must be at least 1 (a write whose outcome is unknown is always looked for)".into(),
            ));
        }
        if raw.schedule.sync_interval_secs == 0 {
            return Err(invalid(
                "schedule.sync_interval_secs",
                "must be at least 1".into(),
            ));
        }
        for (name, labor) in &raw.labor {
            if labor.product_id <= 0 {
                return Err(invalid(
                    &format!("labor.{name}.product_id"),
                    format!("must be a positive product id, not {}", labor.product_id),
                ));
            }
            if !(labor.rate.is_finite() && labor.rate >= 0.0) {
                return Err(invalid(
                    &format!("labor.{name}.rate"),
                    format!("must be a non-negative hourly rate, not {}", labor.rate),
                ));
            }
        }
        let db_path = env
            .var("SYNCRO_DB")
            .map(PathBuf::from)
            .or(raw.db_path.map(|p| expand_home(&p)))
            .unwrap_or_else(default_db_path);

        Ok(Config {
            origin,
            base_url,
            key_source,
            auth: raw.auth.unwrap_or_default(),
            db_path,
            rate_limit_per_minute: rate,
            request_timeout_secs,
            undo_secs: raw.undo_secs.unwrap_or(DEFAULT_UNDO_SECS),
            stale_after_secs: raw.stale_after_secs.unwrap_or(DEFAULT_STALE_AFTER_SECS),
            tech: raw.tech,
            user_id: raw.user_id,
            log_level: raw.log_level,
            schedule: raw.schedule,
            labor: raw.labor,
            outbox: raw.outbox,
            warnings,
        })
    }

    /// How long after a send whose outcome is unknown the first look waits.
    pub fn unknown_outcome_grace(&self) -> std::time::Duration {
        std::time::Duration::from_secs(
            self.outbox
                .unknown_outcome_grace_secs
                .unwrap_or(2 * self.request_timeout_secs),
        )
    }

    /// How many looks must miss before such a write is sent again.
    pub fn unknown_outcome_probes(&self) -> u32 {
        self.outbox
            .unknown_outcome_probes
            .unwrap_or(DEFAULT_UNKNOWN_OUTCOME_PROBES)
    }

    /// The server's API base URL, or a message saying how to set one.
    pub fn require_base_url(&self) -> Result<&str, ConfigError> {
        self.base_url
            .as_deref()
            .ok_or_else(|| ConfigError::NoServer {
                origin: self.origin.clone(),
            })
    }

    /// Reads the API key from its source. Errors never contain the key.
    pub fn api_key(&self) -> Result<ApiKey, ConfigError> {
        let key = match &self.key_source {
            KeySource::Env(k) | KeySource::Inline(k) => k.clone(),
            KeySource::File(path) => {
                std::fs::read_to_string(path).map_err(|source| ConfigError::KeyFile {
                    path: path.clone(),
                    source,
                })?
            }
            KeySource::Command(cmd) => run_key_command(cmd)?,
            KeySource::Keyring { account, store } => store.get(account)?,
            KeySource::None => {
                return Err(ConfigError::NoApiKey {
                    origin: self.origin.clone(),
                })
            }
        };
        let key = key.trim().to_string();
        if key.is_empty() {
            return Err(ConfigError::NoApiKey {
                origin: self.origin.clone(),
            });
        }
        Ok(ApiKey(key))
    }

    /// A labor type by name (case-insensitive).
    pub fn labor(&self, name: &str) -> Option<(&str, &Labor)> {
        self.labor
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(k, v)| (k.as_str(), v))
    }
}

/// Checks a base URL: https anywhere, plain http only to this machine
/// (the simulator), since the key travels in the URL.
pub fn check_base_url(url: &str) -> Result<String, String> {
    let url = url.trim().trim_end_matches('/').to_string();
    let rest = if let Some(r) = url.strip_prefix("https://") {
        r
    } else if let Some(r) = url.strip_prefix("http://") {
        let host = r.split(['/', '?']).next().unwrap_or("");
        let host = host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host);
        if !matches!(host, "localhost" | "127.0.0.1" | "[::1]") {
            return Err(format!(
                "{url:?} uses plain http to a remote host, which would send the API key unencrypted; use https"
            ));
        }
        r
    } else {
        return Err(format!("{url:?} must start with https://"));
    };
    if rest.is_empty() || rest.starts_with('/') {
        return Err(format!("{url:?} has no host"));
    }
    Ok(url)
}

fn expand_home(p: &Path) -> PathBuf {
    match p.strip_prefix("~") {
        Ok(rest) => dirs::home_dir()
            .map(|h| h.join(rest))
            .unwrap_or_else(|| p.to_path_buf()),
        Err(_) => p.to_path_buf(),
    }
}

#[cfg(unix)]
fn world_readable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .map(|m| m.permissions().mode() & 0o004 != 0)
        .unwrap_or(false)
}

#[cfg(not(unix))]
fn world_readable(_p: &Path) -> bool {
    false
}

/// Runs `api_key_command` through the shell and takes its stdout. The
/// command's own stderr is passed through, never captured into errors.
fn run_key_command(cmd: &str) -> Result<String, ConfigError> {
    #[cfg(unix)]
    let mut command = {
        let mut c = std::process::Command::new("sh");
        c.arg("-c").arg(cmd);
        c
    };
    #[cfg(not(unix))]
    let mut command = {
        let mut c = std::process::Command::new("cmd");
        c.arg("/C").arg(cmd);
        c
    };
    let out = command
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| ConfigError::KeyCommand(format!("cannot run it: {e}")))?;
    if !out.status.success() {
        return Err(ConfigError::KeyCommand(format!(
            "it exited with {}",
            out.status
        )));
    }
    String::from_utf8(out.stdout)
        .map_err(|_| ConfigError::KeyCommand("its output is not UTF-8".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;
    use std::collections::HashMap;

    struct FakeEnv(HashMap<&'static str, String>);
    impl Env for FakeEnv {
        fn var(&self, key: &str) -> Option<String> {
            self.0.get(key).cloned()
        }
    }

    fn load(text: &str, env: &[(&'static str, &str)]) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, text).unwrap();
        let env = FakeEnv(env.iter().map(|(k, v)| (*k, v.to_string())).collect());
        Config::load_with(Some(&path), &env)
    }

    #[test]
    fn example_config_loads() -> TestResult {
        let text = include_str!("../../config.example.toml");
        let c = load(text, &[])?;
        assert_eq!(c.labor.len(), 7);
        assert_eq!(
            c.labor("Remote").ok_or("no remote labor")?.1.product_id,
            9001
        );
        assert_eq!(c.auth, AuthMode::Query);
        Ok(())
    }

    #[test]
    fn defaults_apply_when_keys_are_absent() -> TestResult {
        let c = load("", &[])?;
        assert_eq!(c.rate_limit_per_minute, DEFAULT_RATE_LIMIT_PER_MINUTE);
        assert_eq!(c.schedule, Schedule::default());
        assert!(c.base_url.is_none());
        assert!(matches!(c.api_key(), Err(ConfigError::NoApiKey { .. })));
        Ok(())
    }

    #[test]
    fn environment_overrides_the_file() -> TestResult {
        let c = load(
            "base_url = \"https://a.syncromsp.com/api/v1\"\ndb_path = \"/tmp/x.db\"",
            &[
                ("SYNCRO_BASE_URL", "http://127.0.0.1:9/api/v1"),
                ("SYNCRO_DB", "/tmp/y.db"),
                ("SYNCRO_API_KEY", "k3y"),
            ],
        )?;
        assert_eq!(c.base_url.as_deref(), Some("http://127.0.0.1:9/api/v1"));
        assert_eq!(c.db_path, PathBuf::from("/tmp/y.db"));
        assert_eq!(c.api_key()?.expose(), "k3y");
        Ok(())
    }

    #[test]
    fn subdomain_builds_the_url() -> TestResult {
        let c = load("subdomain = \"acme\"", &[])?;
        assert_eq!(
            c.base_url.as_deref(),
            Some("https://acme.syncromsp.com/api/v1")
        );
        Ok(())
    }

    #[test]
    fn errors_name_the_file_and_the_key() {
        let e = load("rate_limit_per_minute = \"fast\"", &[])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("config.toml") && e.contains("rate_limit_per_minute"),
            "{e}"
        );
        let e = load("rate_limt_per_minute = 5", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("rate_limt_per_minute"), "{e}");
        let e = load("[labor.remote]\nproduct_id = -1\nrate = 10.0", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("labor.remote.product_id"), "{e}");
    }

    #[test]
    fn plain_http_is_refused_except_for_loopback() {
        assert!(load("base_url = \"http://example.com/api/v1\"", &[]).is_err());
        assert!(load("base_url = \"http://localhost:3000/api/v1\"", &[]).is_ok());
        assert!(load("base_url = \"ftp://x\"", &[]).is_err());
    }

    #[test]
    fn missing_explicit_file_is_an_error_naming_it() {
        let env = FakeEnv(HashMap::new());
        let e = Config::load_with(Some(Path::new("/nonexistent/syncro.toml")), &env)
            .unwrap_err()
            .to_string();
        assert!(e.contains("/nonexistent/syncro.toml"), "{e}");
    }

    #[test]
    fn without_a_file_the_errors_say_where_it_was_looked_for() -> TestResult {
        let Some(default) = default_config_path() else {
            return Ok(()); // no config directory on this system
        };
        if default.exists() {
            return Ok(()); // a developer's real config: nothing to prove here
        }
        let c = Config::load_with(None, &FakeEnv(HashMap::new()))?;
        let e = c.api_key().unwrap_err().to_string();
        assert!(e.contains(&default.display().to_string()), "{e}");
        Ok(())
    }

    #[test]
    fn key_sources_never_print_the_key() -> TestResult {
        let c = load("api_key = \"sekret-123\"", &[])?;
        let key = c.api_key()?;
        assert!(!format!("{key:?} {key} {c:?}").contains("sekret-123"));
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn key_file_and_command_work_and_world_readable_warns() -> TestResult {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir()?;
        let key = dir.path().join("key");
        std::fs::write(&key, "from-file\n")?;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644))?;
        let c = load(
            &format!("api_key_file = {:?}", key.display().to_string()),
            &[],
        )?;
        assert_eq!(c.api_key()?.expose(), "from-file");
        assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
        let c = load("api_key_command = \"echo from-command\"", &[])?;
        assert_eq!(c.api_key()?.expose(), "from-command");
        let c = load("api_key_command = \"exit 3\"", &[])?;
        assert!(matches!(c.api_key(), Err(ConfigError::KeyCommand(_))));
        Ok(())
    }
}
