//! The CLI's writes: `syncro comment`, `update`, `close`, `create`,
//! `bill`, `line-item`, `timer` and `invoice create`.
//!
//! Each takes the write core's own input (clap parses it; the comment's
//! text may still come from stdin or `$EDITOR`), plans it with
//! [`crate::write`], then shows, confirms, queues and reports it through
//! [`execute()`]. Nothing is queued unless every check passed and the user
//! confirmed (or said `--yes`).

mod execute;

use std::io::{IsTerminal, Read};
use std::process::ExitCode;

use anyhow::{Context as _, Result};

use self::execute::execute;
use crate::args::{Write, WriteAction};
use crate::confirm;
use crate::context::{usage, Ctx, LazyStore};
use crate::write::{bill, comment, invoice, line_item, ticket, timer};

/// The comment text: TEXT, `-` for stdin, or (on a terminal) the editor.
fn read_text(text: Option<&str>) -> Result<String> {
    match text {
        Some("-") => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .context("cannot read the comment from stdin")?;
            Ok(s)
        }
        Some(t) => Ok(t.to_string()),
        None if std::io::stdin().is_terminal() => confirm::edit_text(&confirm::editor()),
        None => Err(usage(
            "no comment text: give TEXT, or `-` to read it from stdin (the editor opens only on a terminal)",
        )),
    }
}

pub fn comment(ctx: &Ctx, a: Write<comment::CommentInput>) -> Result<ExitCode> {
    let cache = LazyStore::new(ctx);
    // The text is read (stdin, editor) by `build` once the ticket is known.
    let plan = comment::build(ctx, &cache, a.input, |body| read_text(body.as_deref()))?;
    execute(ctx, cache.into_store()?, plan, &a.write)
}

pub fn update(ctx: &Ctx, a: Write<ticket::UpdateInput>) -> Result<ExitCode> {
    let cache = LazyStore::new(ctx);
    let plan = ticket::plan_update(ctx, &cache, a.input)?;
    execute(ctx, cache.into_store()?, plan, &a.write)
}

pub fn close(ctx: &Ctx, a: Write<ticket::CloseInput>) -> Result<ExitCode> {
    let cache = LazyStore::new(ctx);
    let plan = ticket::plan_close(ctx, &cache, a.input)?;
    execute(ctx, cache.into_store()?, plan, &a.write)
}

pub fn create(ctx: &Ctx, a: Write<ticket::CreateInput>) -> Result<ExitCode> {
    let cache = LazyStore::new(ctx);
    let plan = ticket::plan_create(ctx, &cache, a.input)?;
    execute(ctx, cache.into_store()?, plan, &a.write)
}

pub fn bill(ctx: &Ctx, a: Write<bill::BillInput>) -> Result<ExitCode> {
    let cache = LazyStore::new(ctx);
    let plan = bill::plan(ctx, &cache, a.input)?;
    execute(ctx, cache.into_store()?, plan, &a.write)
}

pub fn line_item(ctx: &Ctx, a: WriteAction<line_item::LineItemInput>) -> Result<ExitCode> {
    let cache = LazyStore::new(ctx);
    let plan = line_item::plan(ctx, &cache, a.input)?;
    execute(ctx, cache.into_store()?, plan, &a.write)
}

pub fn timer(ctx: &Ctx, a: WriteAction<timer::TimerInput>) -> Result<ExitCode> {
    let cache = LazyStore::new(ctx);
    let plan = timer::plan(ctx, &cache, a.input)?;
    execute(ctx, cache.into_store()?, plan, &a.write)
}

pub fn invoice_create(ctx: &Ctx, a: Write<invoice::InvoiceCreateInput>) -> Result<ExitCode> {
    let cache = LazyStore::new(ctx);
    let plan = invoice::plan(ctx, &cache, a.input)?;
    execute(ctx, cache.into_store()?, plan, &a.write)
}
