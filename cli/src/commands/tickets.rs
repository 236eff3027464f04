//! `syncro` / `syncro tickets`: the open-ticket list.

use std::process::ExitCode;

use anyhow::Result;

use crate::args::TicketsArgs;
use crate::context::{Ctx, LazyStore};
use crate::read::tickets::{self, TicketsQuery};
use crate::render;

pub fn run(ctx: &Ctx, args: TicketsArgs) -> Result<ExitCode> {
    let query = TicketsQuery {
        statuses: args.status,
        customer: args.customer,
        mine: args.mine,
        all: args.all,
        limit: args.limit,
    };
    let list = tickets::query(ctx, &LazyStore::new(ctx), &query)?;
    if ctx.json {
        render::print_json(&list)?;
        return Ok(ExitCode::SUCCESS);
    }
    if list.tickets.is_empty() {
        render::note(if query.all || !query.statuses.is_empty() {
            "no tickets match"
        } else {
            "no open tickets"
        });
    } else {
        let rows: Vec<_> = list
            .tickets
            .iter()
            .map(|t| (&t.ticket, t.pending_writes))
            .collect();
        let mut out = String::new();
        for line in render::ticket::lines(&rows, ctx.style) {
            out.push_str(&line);
            out.push('\n');
        }
        render::print(&out)?;
    }
    list.freshness.note(ctx);
    Ok(ExitCode::SUCCESS)
}
