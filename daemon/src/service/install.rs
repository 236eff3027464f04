//! `syncrod install` / `syncrod uninstall`: registers syncrod with the
//! platform's service manager (a systemd user unit on Linux, a launchd agent
//! on macOS, the Service Control Manager on Windows).
//!
//! What goes on the service's command line is the binary, `--config` and
//! `--db` when they differ from what the service would find by itself, and
//! the subcommand. Never the API key.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use syncro_store::config::KeySource;

use super::unit::Plan;

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
