//! syncro-sim binary: runs the simulator until SIGINT/SIGTERM.
//!
//! Prints exactly one line to stdout, `listening on http://127.0.0.1:PORT/api/v1`,
//! so scripts can read the port; logs go to stderr (`RUST_LOG` or
//! `SYNCRO_LOG` to change the level). Exit codes: 0 ok, 1 failure, 2 usage.

use std::io::Write;

use anyhow::Context;
use clap::Parser;
use syncro_sim::{FaultConfig, FaultKind, SimConfig};
use tracing_subscriber::EnvFilter;

/// Raw command line; `into_config` turns it into a checked `SimConfig`.
#[derive(Parser, Debug)]
#[command(name = "syncro-sim", version, about = "Syncro PSA API simulator")]
struct Args {
    /// Port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Seed of the generated data.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    #[arg(long, default_value_t = 200)]
    customers: usize,
    #[arg(long, default_value_t = 2000)]
    tickets: usize,
    /// Comments per generated ticket.
    #[arg(long, default_value_t = 4)]
    comments: usize,
    #[arg(long, default_value_t = 300)]
    invoices: usize,
    /// The API key clients must send.
    #[arg(
        long,
        env = "SYNCRO_SIM_API_KEY",
        hide_env_values = true,
        default_value = "test-key"
    )]
    api_key: String,
    /// Requests per minute per client IP (0: unlimited).
    #[arg(long, default_value_t = 180)]
    rate_limit: u32,
    /// Probability (0..=1) of a random fault per /api/v1 request.
    #[arg(long, default_value_t = 0.0)]
    fault_rate: f64,
    #[arg(long, default_value_t = 1)]
    fault_seed: u64,
    /// Random faults only on writes.
    #[arg(long)]
    fault_writes_only: bool,
    /// Fault kinds to draw from, comma-separated (default: all).
    #[arg(long, value_delimiter = ',')]
    fault_kinds: Vec<FaultKind>,
    /// Added latency range for the `latency` fault, "MIN..MAX" ms.
    #[arg(long, default_value = "50..500")]
    latency_ms: String,
    /// Delay of the `apply_then_slow_answer` fault, ms.
    #[arg(long, default_value_t = 10_000)]
    slow_answer_ms: u64,
}

impl Args {
    fn into_config(self) -> Result<SimConfig, String> {
        if !(0.0..=1.0).contains(&self.fault_rate) {
            return Err(format!(
                "--fault-rate must be between 0 and 1, got {}",
                self.fault_rate
            ));
        }
        let (lo, hi) = self
            .latency_ms
            .split_once("..")
            .and_then(|(a, b)| Some((a.trim().parse::<u64>().ok()?, b.trim().parse::<u64>().ok()?)))
            .filter(|(a, b)| a <= b)
            .ok_or_else(|| {
                format!(
                    "--latency-ms must look like 50..500, got {:?}",
                    self.latency_ms
                )
            })?;
        let mut faults = FaultConfig {
            seed: self.fault_seed,
            rate: self.fault_rate,
            writes_only: self.fault_writes_only,
            latency_min_ms: lo,
            latency_max_ms: hi,
            slow_answer_ms: self.slow_answer_ms,
            ..FaultConfig::default()
        };
        if !self.fault_kinds.is_empty() {
            faults.weights = self.fault_kinds.iter().map(|k| (*k, 1)).collect();
        }
        Ok(SimConfig {
            seed: self.seed,
            customers: self.customers,
            tickets: self.tickets,
            comments_per_ticket: self.comments,
            invoices: self.invoices,
            api_key: self.api_key,
            rate_limit_per_minute: self.rate_limit,
            faults,
            port: self.port,
            ..SimConfig::default()
        })
    }
}

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
    let config = match Args::parse().into_config() {
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
