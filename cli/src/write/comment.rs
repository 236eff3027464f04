//! A comment on a ticket (`syncro comment`, `queue_comment`).

use anyhow::{bail, Result};
use syncro_store::outbox::Command;

use super::input::{indent, nonempty, optional_nonempty};
use super::plan::Plan;
use crate::args::TicketRef;
use crate::context::{resolve_target, Cache, Ctx};

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
/// [`build`] to read the text midway).
pub fn plan(ctx: &Ctx, cache: &impl Cache, input: CommentInput) -> Result<Plan> {
    build(ctx, cache, input, Ok)
}

/// [`plan`], with the text coming from `text` (given the input's body)
/// only once the subject and the ticket are known good: the CLI opens an
/// editor then, never for a ticket that does not exist.
pub fn build(
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
