//! `syncrod install` / `syncrod uninstall`: registers syncrod with the
//! platform's service manager (a systemd user unit on Linux, a launchd agent
//! on macOS, the Service Control Manager on Windows).
//!
//! What goes on the service's command line is the binary, `--config` and
//! `--db` when they differ from what the service would find by itself, and
//! the subcommand. Never the API key.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use syncro_store::config::KeySource;

/// What `install` was asked for.
#[derive(Debug, Clone)]
pub struct Request {
    /// `--config` given to `syncrod install`.
    pub config: Option<PathBuf>,
    /// `--db` given to `syncrod install`.
    pub db: Option<PathBuf>,
    /// `--user`: a per-user service (systemd user unit, launchd agent).
    pub user: bool,
}

/// The service to register.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The running binary, absolute.
    pub exe: PathBuf,
    /// Recorded as `--config`.
    pub config: Option<PathBuf>,
    /// Recorded as `--db`.
    pub db: Option<PathBuf>,
    /// Things to tell the user (what the service will not see).
    pub notes: Vec<String>,
}

impl Plan {
    /// The service's arguments after the binary (`--config X --db Y run`
    /// or `... service` on Windows).
    pub fn arguments(&self) -> Vec<OsString> {
        let mut args = Vec::new();
        if let Some(c) = &self.config {
            args.push("--config".into());
            args.push(c.clone().into_os_string());
        }
        if let Some(d) = &self.db {
            args.push("--db".into());
            args.push(d.clone().into_os_string());
        }
        args.push(if cfg!(windows) { "service" } else { "run" }.into());
        args
    }

    /// The binary and its arguments.
    pub fn command_line(&self) -> Vec<OsString> {
        let mut line = vec![self.exe.clone().into_os_string()];
        line.extend(self.arguments());
        line
    }

    /// The command line, for people to read.
    pub fn display_command(&self) -> String {
        self.command_line()
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Works out what to register. `always_record_paths`: the service runs as
/// another account (Windows' LocalSystem) whose default paths differ from
/// the installing user's, so the config and cache are always spelled out.
pub fn plan(req: &Request, always_record_paths: bool) -> Result<Plan> {
    let exe = std::env::current_exe().context("cannot find the path of this syncrod binary")?;
    // dunce: on Windows, a plain `C:\...` path rather than std's `\\?\C:\...`,
    // which the service manager and people reading `sc qc` handle badly.
    let exe = dunce::canonicalize(&exe).unwrap_or(exe);
    let env_path = |var: &str| {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };

    let config_path = req.config.clone().or_else(|| env_path("SYNCRO_CONFIG"));
    let db_path = req.db.clone().or_else(|| env_path("SYNCRO_DB"));
    let loaded = super::load_config(config_path.as_deref(), db_path.as_deref());

    let mut notes = Vec::new();
    let (config, db) = if always_record_paths {
        let config = config_path.or_else(syncro_store::config::default_config_path);
        let db = db_path.or_else(|| loaded.as_ref().ok().map(|c| c.db_path.clone()));
        (config, db)
    } else {
        (config_path, db_path)
    };
    let config = config.map(|p| absolute(&p)).transpose()?;
    let db = db.map(|p| absolute(&p)).transpose()?;

    match &loaded {
        Ok(c) => {
            notes.extend(c.warnings.iter().cloned());
            if matches!(c.key_source, KeySource::Env(_)) {
                notes.push(format!(
                    "SYNCRO_API_KEY is set in this shell, but the service will not see it: set \
                     api_key_file or api_key_command in {}{}",
                    c.origin,
                    env_file_hint()
                ));
            }
            if cfg!(windows) && matches!(c.key_source, KeySource::Keyring { .. }) {
                notes.push(format!(
                    "the API key is in your Credential Manager, which the service (running as \
                     LocalSystem) cannot read: run `syncro init --key-store file`, or set \
                     api_key_file in {}",
                    c.origin
                ));
            }
            if env_path("SYNCRO_BASE_URL").is_some() {
                notes.push(format!(
                    "SYNCRO_BASE_URL is set in this shell, but the service will not see it: set \
                     base_url in {}",
                    c.origin
                ));
            }
        }
        Err(e) => notes.push(format!(
            "the configuration does not load yet ({e}); the service will fail to start until it does"
        )),
    }
    Ok(Plan {
        exe,
        config,
        db,
        notes,
    })
}

/// Where else a systemd user unit takes the key from.
#[cfg(all(unix, not(target_os = "macos")))]
fn env_file_hint() -> String {
    super::systemd::env_file()
        .map(|f| format!(", or put SYNCRO_API_KEY=... in {} (chmod 600)", f.display()))
        .unwrap_or_default()
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
fn env_file_hint() -> String {
    String::new()
}

fn absolute(p: &Path) -> Result<PathBuf> {
    std::path::absolute(p).with_context(|| format!("cannot make {} absolute", p.display()))
}

/// Writes `text` to `path` through a temporary file and a rename, so a
/// service manager never reads half a file.
#[cfg(unix)]
pub fn write_file(path: &Path, text: &str, mode: u32) -> Result<()> {
    let dir = path.parent().context("no parent directory")?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("cannot set the permissions of {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

/// A usage error: exit 2 with this message.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Usage(pub String);

/// `syncrod install`.
pub fn install(req: &Request) -> Result<()> {
    #[cfg(windows)]
    {
        if req.user {
            return Err(Usage(
                "Windows services are machine-wide: run `syncrod install` (without --user) from an elevated prompt"
                    .into(),
            )
            .into());
        }
        let plan = plan(req, true)?;
        super::windows::install(&plan)
    }
    #[cfg(unix)]
    {
        if !req.user {
            return Err(Usage(user_only_message("install")).into());
        }
        let plan = plan(req, false)?;
        #[cfg(target_os = "macos")]
        {
            super::launchd::install_user(&plan)
        }
        #[cfg(not(target_os = "macos"))]
        {
            super::systemd::install_user(&plan)
        }
    }
}

/// `syncrod uninstall`.
pub fn uninstall(req: &Request) -> Result<()> {
    #[cfg(windows)]
    {
        if req.user {
            return Err(Usage(
                "Windows services are machine-wide: run `syncrod uninstall` (without --user) from an elevated prompt"
                    .into(),
            )
            .into());
        }
        super::windows::uninstall()
    }
    #[cfg(unix)]
    {
        if !req.user {
            return Err(Usage(user_only_message("uninstall")).into());
        }
        #[cfg(target_os = "macos")]
        {
            super::launchd::uninstall_user()
        }
        #[cfg(not(target_os = "macos"))]
        {
            super::systemd::uninstall_user()
        }
    }
}

#[cfg(unix)]
fn user_only_message(verb: &str) -> String {
    if cfg!(target_os = "macos") {
        format!(
            "`syncrod {verb}` manages a per-user launchd agent: run `syncrod {verb} --user`. \
             For a system-wide daemon see packaging/ in the syncro sources."
        )
    } else {
        format!(
            "`syncrod {verb}` manages a systemd user unit: run `syncrod {verb} --user`. \
             For a system-wide unit (root) see packaging/syncrod.service in the syncro sources."
        )
    }
}
