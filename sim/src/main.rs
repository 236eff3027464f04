//! syncro-sim binary: runs the simulator until SIGINT/SIGTERM.
//!
//! Prints exactly one line to stdout, `listening on http://127.0.0.1:PORT/api/v1`,
//! so scripts can read the port; logs go to stderr (`RUST_LOG` or
//! `SYNCRO_LOG` to change the level). Exit codes: 0 ok, 1 failure, 2 usage
//! (an unknown flag, fault kind or quirk name, a bad range...).

mod cli;

use std::io::Write;

use anyhow::Context;
use clap::Parser;
use syncro_sim::SimConfig;
use tracing_subscriber::EnvFilter;

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let filter = EnvFilter::try_from_env("SYNCRO_LOG")
        .or_else(|_| EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let config = match cli::Args::parse().into_config() {
        Ok(c) => c,
        Err(msg) => {
            eprintln!("syncro-sim: {msg}");
            return std::process::ExitCode::from(2);
        }
    };
    match run(config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("syncro-sim: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(config: SimConfig) -> anyhow::Result<()> {
    let sim = syncro_sim::spawn(config).await?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on {}", sim.base_url()).context("cannot write to stdout")?;
    out.flush().context("cannot flush stdout")?;
    drop(out);
    shutdown_signal().await;
    tracing::info!("shutting down");
    sim.shutdown().await;
    Ok(())
}
