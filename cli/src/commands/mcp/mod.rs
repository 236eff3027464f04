//! `syncro mcp`: the cache and the outbox as tools for AI agents, served
//! over the Model Context Protocol on stdin/stdout (rmcp, the official
//! Rust SDK).
//!
//! An agent that drives Syncro with curl spends rate budget and seconds
//! on every read, and duplicates a comment whenever it retries a POST
//! whose answer it lost. Here the reads answer from the cache, instantly
//! and for free, each saying how fresh it is; the writes go through the
//! outbox like the CLI's, checked by the same `plan` functions, verified
//! by syncrod and never duplicated. There is no second implementation of
//! any command: the read tools call [`crate::read`], the write tools the
//! write layer.
//!
//! stdout carries the protocol alone: logs go to stderr (`SYNCRO_LOG`, or
//! `RUST_LOG`, sets the level; default warnings).

mod cursor;
mod follow;
mod lean;
mod queue;
mod reads;
mod schema;
mod server;
mod tool_error;

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use rmcp::transport::stdio;
use rmcp::ServiceExt;
use syncro_store::config::Config;

use crate::args::McpArgs;

pub use server::SyncroMcp;

/// Serves the tools on stdin/stdout until the client closes stdin.
pub fn run(config: Option<&Path>, args: McpArgs) -> Result<ExitCode> {
    let config = Config::load(config)?;
    logging();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let service = SyncroMcp::new(config, args.read_only)
            .serve(stdio())
            .await
            .context("the MCP client did not complete the handshake")?;
        service
            .waiting()
            .await
            .context("the MCP connection failed")?;
        Ok(ExitCode::SUCCESS)
    })
}

/// Logs to stderr only: stdout is the protocol.
fn logging() {
    let filter = std::env::var("SYNCRO_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "warn".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(filter)
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(crate::render::stderr_color())
        .try_init();
}
