//! syncrod: the daemon binary. Parses arguments, sets up logging and the
//! service glue (single-instance lock, signals, systemd notify, service
//! registration; see [`service`]), and hands over to the library.
//!
//! Exit codes: 0 ok (including a clean stop on SIGTERM/SIGINT), 1 failure
//! (including "already running"), 2 usage.

mod service;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use crate::service::install::{Request, Usage};
use crate::service::lock::{self, LockError};
use crate::service::logging::{self, Mode};
use crate::service::notify::Notifier;
use crate::service::signals::StopSignals;

#[derive(Parser)]
#[command(
    name = "syncrod",
    version,
    about = "Mirror a Syncro PSA account into the local cache and send queued writes"
)]
struct Args {
    /// Config file (default: $SYNCRO_CONFIG or ~/.config/syncro/config.toml)
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The cache file (overrides `db_path` and $SYNCRO_DB)
    #[arg(long, global = true, value_name = "FILE")]
    db: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run in the foreground: scheduled sync passes and the outbox drainer
    /// (SIGTERM or Ctrl-C stops within a few seconds and exits 0; a write
    /// still on the wire is checked on the server at the next start)
    Run,
    /// One complete sync pass plus an outbox drain, then exit
    Once {
        /// Give up retrying transient failures after this many seconds
        #[arg(long, default_value_t = 600)]
        timeout: u64,
        /// Print the pass report as JSON on stdout
        #[arg(long)]
        json: bool,
        /// Skip the deletion sweep (a full listing of every resource)
        #[arg(long)]
        quick: bool,
        /// Give up (exit 1) after this many tries that cannot reach the
        /// server at all, backing off 1, 2, 4... s between them
        #[arg(long, default_value_t = 4, value_name = "N")]
        offline_tries: u32,
    },
    /// Run syncrod as a service: a systemd user unit (--user) on Linux, a
    /// launchd agent (--user) on macOS, a Windows service (elevated prompt)
    Install {
        /// Install for the current user only (Linux, macOS)
        #[arg(long)]
        user: bool,
    },
    /// Remove what `install` set up (the cache, config and logs stay)
    Uninstall {
        /// Remove the current user's service (Linux, macOS)
        #[arg(long)]
        user: bool,
    },
    /// The entry point the Windows service manager starts (see `install`)
    #[cfg(windows)]
    #[command(hide = true)]
    Service,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match real_main(args) {
        Ok(code) => code,
        Err(e) => {
            if let Some(usage) = e.downcast_ref::<Usage>() {
                eprintln!("syncrod: {usage}");
                return ExitCode::from(2);
            }
            match e.downcast_ref::<LockError>() {
                // Already a whole sentence naming the program.
                Some(held @ LockError::Held { .. }) => eprintln!("{held}"),
                _ => eprintln!("syncrod: {e:#}"),
            }
            ExitCode::from(1)
        }
    }
}

fn real_main(args: Args) -> Result<ExitCode> {
    let Args {
        config,
        db,
        command,
    } = args;
    match command {
        Command::Run => run(config, db),
        Command::Once {
            timeout,
            json,
            quick,
            offline_tries,
        } => {
            let options = syncrod::OnceOptions {
                deadline: Duration::from_secs(timeout),
                sweep: !quick,
                offline_tries,
            };
            once(config, db, options, json)
        }
        Command::Install { user } => {
            logging::init(None, None, Mode::Stderr);
            service::install::install(&Request { config, db, user })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Uninstall { user } => {
            logging::init(None, None, Mode::Stderr);
            service::install::uninstall(&Request { config, db, user })?;
            Ok(ExitCode::SUCCESS)
        }
        #[cfg(windows)]
        Command::Service => {
            service::windows::dispatch(config, db)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `syncrod run`: lock, open (migrate) the cache, READY=1, run until a stop
/// signal, drain, exit 0.
fn run(config: Option<PathBuf>, db: Option<PathBuf>) -> Result<ExitCode> {
    let config = service::load_config(config.as_deref(), db.as_deref());
    let logs = logging::init(
        config.as_ref().ok().map(|c| c.db_path.as_path()),
        config.as_ref().ok().and_then(|c| c.log_level.as_deref()),
        Mode::Daemon,
    );
    let config = config?;
    for w in &config.warnings {
        tracing::warn!("{w}");
    }
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    // Before the lock (whose pid tells the world we are up) and READY=1:
    // from then on a stop is always a clean one.
    let mut signals = {
        let _in_runtime = runtime.enter();
        StopSignals::install().context("cannot install the signal handlers")?
    };
    let lock = lock::acquire(&config.db_path)?;
    let lock_path = lock.path().display().to_string();
    let notifier = Notifier::from_env();
    let result = runtime.block_on(async move {
        let db_path = config.db_path.clone();
        let daemon = syncrod::Daemon::open(config)?;
        tracing::info!(
            pid = std::process::id(),
            logs = %logs,
            lock = %lock_path,
            "cache open and migrated"
        );
        notifier.ready(&format!("running on {}", db_path.display()));
        let _watchdog = notifier.spawn_watchdog();
        let shutdown = async move {
            let name = signals.recv().await;
            tracing::info!(signal = name, "stopping: the outbox step in flight gets a short grace");
            notifier.stopping("stopping");
            tokio::spawn(async move {
                let name = signals.recv().await;
                tracing::warn!(
                    signal = name,
                    "second stop signal: exiting at once (every outbox step is saved before it is sent)"
                );
                std::process::exit(1);
            });
        };
        syncrod::run(daemon, shutdown).await
    });
    // Never hang the exit on a stuck blocking task (a file watcher, a
    // database call): the state that matters is already persisted.
    runtime.shutdown_timeout(Duration::from_secs(2));
    result?;
    tracing::info!("syncrod stopped");
    drop(lock);
    Ok(ExitCode::SUCCESS)
}

/// `syncrod once`: one complete pass and an outbox drain; logs on stderr.
fn once(
    config: Option<PathBuf>,
    db: Option<PathBuf>,
    options: syncrod::OnceOptions,
    json: bool,
) -> Result<ExitCode> {
    let config = service::load_config(config.as_deref(), db.as_deref());
    logging::init(
        config.as_ref().ok().map(|c| c.db_path.as_path()),
        config.as_ref().ok().and_then(|c| c.log_level.as_deref()),
        Mode::Stderr,
    );
    let config = config?;
    for w in &config.warnings {
        tracing::warn!("{w}");
    }
    let _lock = lock::acquire(&config.db_path)?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let daemon = syncrod::Daemon::open(config)?;
        let bar = progress_bar();
        let report = syncrod::once(&daemon, options, bar.clone()).await?;
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        if json {
            // A reader that stops early (`| head`) is not an error.
            let mut out = std::io::stdout().lock();
            match writeln!(out, "{}", serde_json::to_string_pretty(&report)?) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    return Err(anyhow::Error::new(e).context("cannot write the report"))
                }
                _ => {}
            }
        } else {
            eprintln!(
                "synced: {} listed, {} threads, {} deleted, {} requests; outbox: {} done, {} failed, {} held, {} differ, {} uncertain, {} still pending",
                report.sync.listed,
                report.sync.details,
                report.sync.deleted,
                report.sync.requests,
                report.outbox.done,
                report.outbox.failed,
                report.outbox.held,
                report.outbox.differs,
                report.outbox.uncertain,
                report.outbox_pending
            );
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// A progress bar for the long first pass, only on a terminal.
fn progress_bar() -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(0);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} {msg} [{bar:30}] {pos}/{len} threads ({eta})",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message("mirroring");
    Some(bar)
}
