//! syncrod: the daemon binary. Parses arguments, sets up logging, and
//! hands over to the library.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use clap::{Parser, Subcommand};
use syncro_store::config::Config;
use tracing_subscriber::EnvFilter;

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
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run in the foreground: scheduled sync passes and the outbox drainer
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
    },
}

fn init_logging(config: Option<&Config>) {
    let filter = EnvFilter::try_from_env("RUST_LOG")
        .or_else(|_| {
            EnvFilter::try_new(
                config
                    .and_then(|c| c.log_level.clone())
                    .unwrap_or_else(|| "info".into()),
            )
        })
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn main() -> ExitCode {
    let args = Args::parse();
    match real_main(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("syncrod: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn real_main(args: Args) -> Result<ExitCode> {
    let config = Config::load(args.config.as_deref());
    init_logging(config.as_ref().ok());
    let config = config?;
    for w in &config.warnings {
        tracing::warn!("{w}");
    }
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let daemon = syncrod::Daemon::open(config)?;
        match args.command {
            Command::Run => {
                syncrod::run(daemon, shutdown_signal()).await?;
                Ok(ExitCode::SUCCESS)
            }
            Command::Once { timeout, json, quick } => {
                let bar = progress_bar();
                let report = syncrod::once(&daemon, Duration::from_secs(timeout), !quick, bar.clone()).await?;
                if let Some(bar) = bar {
                    bar.finish_and_clear();
                }
                if json {
                    println!("{}", serde_json::to_string_pretty(&report)?);
                } else {
                    eprintln!(
                        "synced: {} listed, {} threads, {} deleted, {} requests; outbox: {} done, {} failed, {} held, {} still pending",
                        report.sync.listed,
                        report.sync.details,
                        report.sync.deleted,
                        report.sync.requests,
                        report.outbox.done,
                        report.outbox.failed,
                        report.outbox.held,
                        report.outbox_pending
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
        }
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

/// Completes on Ctrl-C or (on Unix) SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
