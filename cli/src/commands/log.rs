//! `syncro log TICKET`: a markdown session log under
//! `DIR/clients/<customer>/session-logs/<date>-<number>.md`.

use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};
use serde::Serialize;

use crate::args::LogArgs;
use crate::context::{not_cached, ticket_number, Ctx};
use crate::render;
use crate::render::session_log::{log_path, markdown};

#[derive(Serialize)]
struct LogJson {
    path: String,
}

pub fn run(ctx: &Ctx, args: LogArgs) -> Result<ExitCode> {
    let store = ctx.store()?;
    let number = ticket_number(&store, args.ticket)?;
    let detail = store
        .ticket_detail(number)?
        .ok_or_else(|| not_cached(number))?;
    let labor_products: Vec<i64> = ctx.config.labor.values().map(|l| l.product_id).collect();
    let path = log_path(&args.dir, &detail, ctx.now);
    if path.exists() && !args.force {
        bail!(
            "{} already exists; pass --force to overwrite it",
            path.display()
        );
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create the directory {}", parent.display()))?;
    }
    std::fs::write(&path, markdown(&detail, &labor_products))
        .with_context(|| format!("cannot write the session log {}", path.display()))?;
    if ctx.json {
        render::print_json(&LogJson {
            path: path.display().to_string(),
        })?;
    } else {
        render::print(&format!("{}\n", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}
