//! `syncro comment`: a comment on a ticket.

use std::io::{IsTerminal, Read};
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};
use syncro_store::outbox::Command;

use super::input::{indent, nonempty, optional_nonempty};
use super::plan::{execute, Cache, LazyStore, Plan};
use crate::args::{CommentArgs, TicketRef};
use crate::confirm;
use crate::context::{resolve_target, usage, Ctx};

/// A comment, as typed.
#[derive(Debug, Clone)]
pub struct CommentInput {
    pub ticket: TicketRef,
    /// The CLI's default is "Update".
    pub subject: String,
    pub body: String,
    /// Internal only: never shown to the customer (and never emailed).
    pub hidden: bool,
    pub do_not_email: bool,
    /// The name shown on the comment; `None` (or blank) takes the config's
    /// `tech`.
    pub tech: Option<String>,
}

/// Checks a comment and plans it (`syncro mcp`; the CLI goes through
/// `build` to read the text midway).
pub fn plan(ctx: &Ctx, cache: &impl Cache, input: CommentInput) -> Result<Plan> {
    build(ctx, cache, input, Ok)
}

/// [`plan`], with the text coming from `text` (given the input's body)
/// only once the subject and the ticket are known good: the CLI opens an
/// editor then, never for a ticket that does not exist.
fn build(
    ctx: &Ctx,
    cache: &impl Cache,
    input: CommentInput,
    text: impl FnOnce(String) -> Result<String>,
) -> Result<Plan> {
    let subject = nonempty(&input.subject, "subject")?;
    let target = resolve_target(cache.store()?, input.ticket)?;
    let text = text(input.body)?;
    let body = text.trim_end().trim_start_matches(['\n', '\r']).to_string();
    if body.trim().is_empty() {
        bail!("the comment is empty; nothing queued");
    }
    let tech = optional_nonempty(input.tech.as_deref()).or_else(|| ctx.config.tech.clone());
    let preview = preview(
        &subject,
        &body,
        input.hidden,
        input.do_not_email,
        tech.as_deref(),
    );
    let item = target.item(Command::AddComment {
        subject,
        body,
        hidden: input.hidden,
        do_not_email: input.do_not_email,
        tech,
    });
    Ok(Plan::single(
        format!("Comment on {}", target.label),
        &target,
        item,
        preview,
    ))
}

/// How a comment step reads in a preview (`bill` posts one too).
pub(super) fn preview(
    subject: &str,
    body: &str,
    hidden: bool,
    no_email: bool,
    tech: Option<&str>,
) -> String {
    format!(
        "comment \"{subject}\"{} ({}, {})\n{}",
        tech.map(|t| format!(" by {t}")).unwrap_or_default(),
        if hidden { "hidden" } else { "public" },
        if hidden || no_email {
            "no email"
        } else {
            "emails the customer"
        },
        indent(body)
    )
}

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
    let input = CommentInput {
        ticket: a.ticket,
        subject: a.subject,
        // Read by `build` once the ticket is known.
        body: String::new(),
        hidden: a.hidden,
        do_not_email: a.do_not_email,
        tech: a.tech,
    };
    let text = a.text;
    let plan = build(ctx, &cache, input, |_| read_text(text.as_deref()))?;
    execute(ctx, cache.into_store()?, plan, &a.write)
}
