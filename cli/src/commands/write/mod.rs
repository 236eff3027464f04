//! The CLI's writes: `syncro comment`, `update`, `close`, `create`,
//! `bill`, `line-item`, `timer` and `invoice create`.
//!
//! Each turns its arguments into the write core's input (reading the
//! comment text from stdin or `$EDITOR`), plans it with
//! [`crate::write`], then shows, confirms, queues and reports it through
//! [`execute()`]. Nothing is queued unless every check passed and the user
//! confirmed (or said `--yes`).

mod execute;

use std::io::{IsTerminal, Read};
use std::process::ExitCode;

use anyhow::{Context as _, Result};

use self::execute::execute;
use crate::args::{
    BillArgs, CloseArgs, CommentArgs, CreateArgs, InvoiceCreateArgs, LineItemCommand, TimerCommand,
    UpdateArgs,
};
use crate::confirm;
use crate::context::{usage, Ctx, LazyStore};
use crate::write::{invoice, line_item, timer};

use crate::write::{bill, comment, ticket};

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

pub fn comment(ctx: &Ctx, a: CommentArgs) -> Result<ExitCode> {
    let cache = LazyStore::new(ctx);
    let input = comment::CommentInput {
        ticket: a.ticket,
        subject: a.subject,
        // Read by `build` once the ticket is known.
        body: String::new(),
        hidden: a.hidden,
        do_not_email: a.do_not_email,
        tech: a.tech,
    };
    let text = a.text;
    let plan = comment::build(ctx, &cache, input, |_| read_text(text.as_deref()))?;
    execute(ctx, cache.into_store()?, plan, &a.write)
}

pub fn update(ctx: &Ctx, a: UpdateArgs) -> Result<ExitCode> {
    let cache = LazyStore::new(ctx);
    let input = ticket::UpdateInput {
        ticket: a.ticket,
        status: a.status,
        priority: a.priority,
    };
    let plan = ticket::plan_update(ctx, &cache, input)?;
    execute(ctx, cache.into_store()?, plan, &a.write)
}

pub fn close(ctx: &Ctx, a: CloseArgs) -> Result<ExitCode> {
    let cache = LazyStore::new(ctx);
    let plan = ticket::plan_close(ctx, &cache, ticket::CloseInput { ticket: a.ticket })?;
    execute(ctx, cache.into_store()?, plan, &a.write)
}

pub fn create(ctx: &Ctx, a: CreateArgs) -> Result<ExitCode> {
    let cache = LazyStore::new(ctx);
    let input = ticket::CreateInput {
        customer: a.customer,
        subject: a.subject,
        problem_type: a.problem_type,
        priority: a.priority,
        body: a.body,
    };
    let plan = ticket::plan_create(ctx, &cache, input)?;
    execute(ctx, cache.into_store()?, plan, &a.write)
}

pub fn bill(ctx: &Ctx, a: BillArgs) -> Result<ExitCode> {
    let cache = LazyStore::new(ctx);
    let input = bill::BillInput {
        ticket: a.ticket,
        minutes: a.minutes,
        labor: a.labor,
        rate: a.rate,
        comment: a.comment,
        subject: a.subject,
        hidden: a.hidden,
        do_not_email: a.do_not_email,
    };
    let plan = bill::plan(ctx, &cache, input)?;
    execute(ctx, cache.into_store()?, plan, &a.write)
}

pub fn line_item(ctx: &Ctx, command: LineItemCommand) -> Result<ExitCode> {
    let cache = LazyStore::new(ctx);
    let (plan, write) = match command {
        LineItemCommand::Add(a) => {
            let input = line_item::LineItemAddInput {
                ticket: a.ticket,
                name: a.name,
                description: a.description,
                quantity: a.quantity,
                price: a.price,
                product: a.product,
            };
            (line_item::plan_add(ctx, &cache, input)?, a.write)
        }
        LineItemCommand::Update(a) => {
            let input = line_item::LineItemUpdateInput {
                ticket: a.ticket,
                line_id: a.line_id,
                quantity: a.quantity,
                price: a.price,
                name: a.name,
                description: a.description,
            };
            (line_item::plan_update(ctx, &cache, input)?, a.write)
        }
        LineItemCommand::Remove(a) => {
            let input = line_item::LineItemRemoveInput {
                ticket: a.ticket,
                line_id: a.line_id,
            };
            (line_item::plan_remove(ctx, &cache, input)?, a.write)
        }
    };
    execute(ctx, cache.into_store()?, plan, &write)
}

pub fn timer(ctx: &Ctx, command: TimerCommand) -> Result<ExitCode> {
    let cache = LazyStore::new(ctx);
    let (plan, write) = match command {
        TimerCommand::Add(a) => {
            let input = timer::TimerAddInput {
                ticket: a.ticket,
                start: a.start,
                end: a.end,
                minutes: a.minutes,
                notes: a.notes,
                billable: a.billable,
                labor: a.labor,
                product: a.product,
            };
            (timer::plan_add(ctx, &cache, input)?, a.write)
        }
        TimerCommand::Charge(a) => {
            let input = timer::TimerIdInput {
                ticket: a.ticket,
                timer_id: a.timer_id,
            };
            (timer::plan_charge(ctx, &cache, input)?, a.write)
        }
        TimerCommand::Delete(a) => {
            let input = timer::TimerIdInput {
                ticket: a.ticket,
                timer_id: a.timer_id,
            };
            (timer::plan_delete(ctx, &cache, input)?, a.write)
        }
    };
    execute(ctx, cache.into_store()?, plan, &write)
}

pub fn invoice_create(ctx: &Ctx, a: InvoiceCreateArgs) -> Result<ExitCode> {
    let cache = LazyStore::new(ctx);
    let plan = invoice::plan(
        ctx,
        &cache,
        invoice::InvoiceCreateInput { ticket: a.ticket },
    )?;
    execute(ctx, cache.into_store()?, plan, &a.write)
}
