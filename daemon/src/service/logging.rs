//! Where syncrod's logs go, set up once per process.
//!
//! - `syncrod once`, `install`, `uninstall`: stderr (what a person or a
//!   test watching the command reads).
//! - `syncrod run` under systemd (`JOURNAL_STREAM` names our stderr):
//!   journald, with levels mapped to priorities.
//! - `syncrod run` elsewhere, and the Windows service: a file in the data
//!   directory, `<data dir>/logs/syncrod.YYYY-MM-DD.log`, rotated daily
//!   (the last [`KEEP_LOG_FILES`] kept), plus stderr when it is a terminal.
//!
//! The level is `RUST_LOG` if set, else the config's `log_level`, else
//! `info`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use tracing_subscriber::layer::{Layered, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

use super::lock::data_dir;

/// Log files kept in `<data dir>/logs` (one per day).
pub const KEEP_LOG_FILES: usize = 14;
/// The log file name: `syncrod.<date>.log`.
pub const LOG_PREFIX: &str = "syncrod";
pub const LOG_SUFFIX: &str = "log";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A command a person runs and watches: stderr only.
    Stderr,
    /// The long-running daemon: journald under systemd, else the log file
    /// (plus stderr on a terminal).
    Daemon,
    /// Started by a service manager without a console (the Windows
    /// service): the log file only.
    #[cfg_attr(not(windows), allow(dead_code))]
    Background,
}

/// Where the logs went, for the startup message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Stderr,
    Journald,
    File { dir: PathBuf, also_stderr: bool },
}

impl std::fmt::Display for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Destination::Stderr => f.write_str("stderr"),
            Destination::Journald => f.write_str("journald"),
            Destination::File { dir, also_stderr } => {
                write!(
                    f,
                    "{}",
                    dir.join(format!("{LOG_PREFIX}.<date>.{LOG_SUFFIX}"))
                        .display()
                )?;
                if *also_stderr {
                    f.write_str(" and stderr")?;
                }
                Ok(())
            }
        }
    }
}

/// The directory the log files go to for this cache.
pub fn log_dir(db_path: &Path) -> PathBuf {
    data_dir(db_path).join("logs")
}

type Boxed = Box<dyn Layer<Layered<EnvFilter, Registry>> + Send + Sync>;

/// Installs the global subscriber for the cache at `db_path`. Without one
/// (the config failed to load) logs go to stderr, next to the error.
pub fn init(db_path: Option<&Path>, log_level: Option<&str>, mode: Mode) -> Destination {
    // refinery announces every migration check, and the scheduler its
    // inner life ("Uninited", "Job creator created"), at info; only their
    // warnings are news to an operator. An explicit RUST_LOG still decides.
    let quiet = "refinery_core=warn,tokio_cron_scheduler=warn";
    let filter = EnvFilter::try_from_env("RUST_LOG")
        .or_else(|_| EnvFilter::try_new(format!("{},{quiet}", log_level.unwrap_or("info"))))
        .unwrap_or_else(|_| EnvFilter::new(format!("info,{quiet}")));

    let mut layers: Vec<Boxed> = Vec::new();
    let mut problem = None;
    let destination = match (mode, db_path) {
        (Mode::Stderr, _) | (_, None) => Destination::Stderr,
        (Mode::Daemon, Some(_)) if under_journald() => match journald() {
            Ok(layer) => {
                layers.push(layer);
                Destination::Journald
            }
            // Our stderr is the journal anyway.
            Err(e) => {
                problem = Some(format!("cannot log to journald ({e}); logging to stderr"));
                Destination::Stderr
            }
        },
        (Mode::Daemon | Mode::Background, Some(db_path)) => {
            let dir = log_dir(db_path);
            match file_appender(&dir) {
                Ok(appender) => {
                    layers.push(
                        tracing_subscriber::fmt::layer()
                            .with_ansi(false)
                            .with_writer(appender)
                            .boxed(),
                    );
                    let also_stderr = mode == Mode::Daemon && std::io::stderr().is_terminal();
                    Destination::File { dir, also_stderr }
                }
                Err(e) => {
                    problem = Some(format!(
                        "cannot write logs to {}: {e}; logging to stderr",
                        dir.display()
                    ));
                    Destination::Stderr
                }
            }
        }
    };
    let stderr = match &destination {
        Destination::Stderr => true,
        Destination::File { also_stderr, .. } => *also_stderr,
        Destination::Journald => false,
    };
    if stderr {
        // Colour only for a person at a terminal: escape codes in a
        // redirected log or a CI capture are noise.
        let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        layers.push(
            tracing_subscriber::fmt::layer()
                .with_ansi(colour)
                .with_writer(std::io::stderr)
                .boxed(),
        );
    }
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(layers)
        .try_init();
    if let Some(problem) = problem {
        tracing::warn!("{problem}");
    }
    destination
}

fn file_appender(dir: &Path) -> Result<tracing_appender::rolling::RollingFileAppender, String> {
    create_private_dir(dir).map_err(|e| e.to_string())?;
    tracing_appender::rolling::RollingFileAppender::builder()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix(LOG_PREFIX)
        .filename_suffix(LOG_SUFFIX)
        .max_log_files(KEEP_LOG_FILES)
        .build(dir)
        .map_err(|e| e.to_string())
}

/// Logs name tickets and customers: keep them as private as the cache.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        if !dir.exists() {
            return std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir);
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

/// True when our stderr is the journal stream systemd set up for us: the
/// device and inode in `JOURNAL_STREAM` are those of fd 2 (a child whose
/// stderr was redirected inherits the variable but not the stream).
#[cfg(unix)]
fn under_journald() -> bool {
    use std::os::fd::AsFd;
    use std::os::unix::fs::MetadataExt;
    let Some(value) = std::env::var_os("JOURNAL_STREAM") else {
        return false;
    };
    let value = value.to_string_lossy();
    let Some((dev, ino)) = value.split_once(':') else {
        return false;
    };
    let (Ok(dev), Ok(ino)) = (dev.parse::<u64>(), ino.parse::<u64>()) else {
        return false;
    };
    let Ok(fd) = std::io::stderr().as_fd().try_clone_to_owned() else {
        return false;
    };
    std::fs::File::from(fd)
        .metadata()
        .is_ok_and(|m| m.dev() == dev && m.ino() == ino)
}

#[cfg(not(unix))]
fn under_journald() -> bool {
    false
}

#[cfg(unix)]
fn journald() -> std::io::Result<Boxed> {
    Ok(tracing_journald::layer()?
        .with_syslog_identifier("syncrod".to_string())
        .boxed())
}

#[cfg(not(unix))]
fn journald() -> std::io::Result<Boxed> {
    Err(std::io::ErrorKind::Unsupported.into())
}
