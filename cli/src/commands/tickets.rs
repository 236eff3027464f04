//! `syncro` / `syncro tickets`: the open-ticket list.

use std::process::ExitCode;

use anyhow::{bail, Result};
use syncro_store::TicketFilter;

use crate::args::TicketsArgs;
use crate::context::{resolve_customer, Ctx};
use crate::render;

/// Canonical spellings of `--status` values, or an error listing the valid ones.
pub fn statuses(input: &[String]) -> Result<Vec<String>> {
    input
        .iter()
        .map(|s| canonical(s).map(str::to_string))
        .collect()
}

/// One status in its canonical spelling.
pub fn canonical(s: &str) -> Result<&'static str> {
    match syncro_store::canonical_status(s) {
        Some(c) => Ok(c),
        None => bail!(
            "unknown status {s:?}; use one of: {}",
            syncro_store::TICKET_STATUSES.join(", ")
        ),
    }
}

pub fn run(ctx: &Ctx, args: TicketsArgs) -> Result<ExitCode> {
    // Validate everything before touching the cache.
    let statuses = statuses(&args.status)?;
    let user_id = if args.mine {
        match ctx.config.user_id {
            Some(u) => Some(u),
            None => bail!(
                "--mine needs your Syncro user id: add `user_id = <your id>` to {}",
                ctx.config.origin
            ),
        }
    } else {
        None
    };
    let store = ctx.store()?;
    let customer = args
        .customer
        .as_deref()
        .map(|c| resolve_customer(&store, c, true))
        .transpose()?;
    let filter = TicketFilter {
        statuses,
        customer_id: customer.as_ref().map(|c| c.id),
        user_id,
        include_closed: args.all,
        limit: args.limit,
    };
    let tickets = store.tickets(&filter)?;
    if ctx.json {
        render::print_json(&tickets)?;
        return Ok(ExitCode::SUCCESS);
    }
    if tickets.is_empty() {
        render::note(if args.all || !filter.statuses.is_empty() {
            "no tickets match"
        } else {
            "no open tickets"
        });
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<_> = tickets.iter().collect();
    let mut out = String::new();
    for line in render::ticket_lines(&rows, ctx.style) {
        out.push_str(&line);
        out.push('\n');
    }
    render::print(&out)?;
    Ok(ExitCode::SUCCESS)
}
