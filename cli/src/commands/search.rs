//! `syncro search QUERY`: full-text search, best matches first.

use std::process::ExitCode;

use anyhow::Result;
use syncro_store::RANK_WINDOW;

use crate::args::SearchArgs;
use crate::context::{Ctx, LazyStore};
use crate::read::search::{self, SearchQuery};
use crate::render;

pub fn run(ctx: &Ctx, args: SearchArgs) -> Result<ExitCode> {
    let query = SearchQuery {
        query: args.query.join(" "),
        status: args.status,
        customer: args.customer,
        since: args.since.map(|s| s.0),
        limit: args.limit,
        offset: 0,
        rank_all: args.rank_all,
    };
    let found = search::query(ctx, &LazyStore::new(ctx), &query)?;
    // On stderr, so it reaches a person without changing `--json`.
    let window_note = || {
        if found.windowed {
            render::note(&format!(
                "more than {RANK_WINDOW} tickets match; the best of the {RANK_WINDOW} newest (highest ids) are shown (add words or filters to narrow it, or --rank-all to rank every match)"
            ));
        }
    };
    if ctx.json {
        render::print_json(&found)?;
        window_note();
        return Ok(ExitCode::SUCCESS);
    }
    if found.tickets.is_empty() {
        render::note(&format!("no tickets match {:?}", query.query));
    } else {
        let rows: Vec<_> = found
            .tickets
            .iter()
            .map(|f| (&f.hit.ticket, f.pending_writes))
            .collect();
        let lines = render::ticket::lines(&rows, ctx.style);
        let mut out = String::new();
        for (line, f) in lines.iter().zip(&found.tickets) {
            out.push_str(line);
            out.push('\n');
            let snippet = render::one_line(&f.hit.snippet);
            if !snippet.is_empty() {
                out.push_str(&format!("    {snippet}\n"));
            }
        }
        render::print(&out)?;
        window_note();
    }
    found.freshness.note(ctx);
    Ok(ExitCode::SUCCESS)
}
