//! `syncro ticket NUMBER`: one ticket with its thread, billing and the
//! writes still queued for it.

use std::process::ExitCode;

use anyhow::Result;

use crate::args::TicketArgs;
use crate::context::{ticket_number, Cache, Ctx, LazyStore};
use crate::read::ticket;
use crate::render;
use crate::render::ticket::{detail, Shown};

pub fn run(ctx: &Ctx, args: TicketArgs) -> Result<ExitCode> {
    let cache = LazyStore::new(ctx);
    let number = ticket_number(cache.store()?, args.number)?;
    let answer = ticket::query(ctx, &cache, number)?;
    if ctx.json {
        render::print_json(&answer)?;
    } else {
        let view = Shown {
            pending: &answer.outbox,
            duplicates: &answer.possible_duplicates,
            now: ctx.now,
        };
        render::print(&detail(&answer.detail, view, args.comments, ctx.style))?;
        answer.freshness.note(ctx);
    }
    Ok(ExitCode::SUCCESS)
}
