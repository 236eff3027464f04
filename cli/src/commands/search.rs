//! `syncro search QUERY`: full-text search, best matches first.

use std::process::ExitCode;

use anyhow::Result;
use syncro_store::{SearchFilter, StoreError, RANK_WINDOW};

use crate::args::SearchArgs;
use crate::commands::tickets::canonical;
use crate::context::{resolve_customer, usage, Ctx};
use crate::render;

/// Plain markers around matched words when there is no colour.
const PLAIN_MARK: (&str, &str) = ("[", "]");
/// Bold yellow on a terminal.
const COLOR_MARK: (&str, &str) = ("\x1b[1;33m", "\x1b[0m");

pub fn run(ctx: &Ctx, args: SearchArgs) -> Result<ExitCode> {
    let query = args.query.join(" ");
    let status = args.status.as_deref().map(canonical).transpose()?;
    if args.limit == 0 {
        return Err(usage("--limit must be at least 1"));
    }
    let store = ctx.store()?;
    let customer = args
        .customer
        .as_deref()
        .map(|c| resolve_customer(&store, c, true))
        .transpose()?;
    let mark = if ctx.style.color {
        COLOR_MARK
    } else {
        PLAIN_MARK
    };
    let filter = SearchFilter {
        status: status.map(str::to_string),
        customer_id: customer.map(|c| c.id),
        since: args.since.map(|s| s.0),
        limit: args.limit,
        mark: (mark.0.to_string(), mark.1.to_string()),
        rank_window: (!args.rank_all).then_some(RANK_WINDOW),
    };
    let found = match store.search(&query, &filter) {
        Ok(f) => f,
        Err(StoreError::BadQuery(m)) => return Err(usage(format!("cannot search for that: {m}"))),
        Err(e) => return Err(e.into()),
    };
    let hits = found.hits;
    // On stderr, so it reaches a person without changing `--json`.
    let window_note = || {
        if found.windowed {
            render::note(&format!(
                "more than {RANK_WINDOW} tickets match; the best of the {RANK_WINDOW} newest (highest ids) are shown (add words or filters to narrow it, or --rank-all to rank every match)"
            ));
        }
    };
    if ctx.json {
        render::print_json(&hits)?;
        window_note();
        return Ok(ExitCode::SUCCESS);
    }
    if hits.is_empty() {
        render::note(&format!("no tickets match {query:?}"));
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<_> = hits.iter().map(|h| &h.ticket).collect();
    let lines = render::ticket_lines(&rows, ctx.style);
    let mut out = String::new();
    for (line, hit) in lines.iter().zip(&hits) {
        out.push_str(line);
        out.push('\n');
        let snippet = render::one_line(&hit.snippet);
        if !snippet.is_empty() {
            out.push_str(&format!("    {snippet}\n"));
        }
    }
    render::print(&out)?;
    window_note();
    Ok(ExitCode::SUCCESS)
}
