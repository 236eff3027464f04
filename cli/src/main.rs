//! `syncro`: instant answers from the local Syncro PSA cache, and every
//! write queued in the outbox for `syncrod` to send and verify.
//!
//! The CLI never waits on the network (except `syncro doctor`'s one
//! read-only check). Exit codes: 0 ok, 1 error, 2 usage.

mod api;
mod args;
mod commands;
mod confirm;
mod context;
mod freshness;
mod read;
mod render;
mod ticket_ref;
mod tui;
mod write;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // clap prints its own usage errors and exits 2 (0 for --help).
    let cli = args::Cli::try_parse().unwrap_or_else(|e| e.exit());
    match commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            render::note(&format!("error: {err:#}"));
            if err.downcast_ref::<context::UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
