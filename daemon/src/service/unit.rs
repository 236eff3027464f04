//! The service to register, as every platform's module writes it: the
//! binary and its arguments, and files written whole. Worked out by
//! `install` from what was asked; here so that the platforms' modules and
//! `install` (which calls them) do not import each other.

use std::ffi::OsString;
#[cfg(unix)]
use std::path::Path;
use std::path::PathBuf;

#[cfg(unix)]
use anyhow::{Context, Result};

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
