//! A comment on a ticket (`syncro comment`, `queue_comment`).

use anyhow::{bail, Result};
use clap::Args;
use schemars::JsonSchema;
use serde::Deserialize;
use syncro_store::outbox::{Command, CommentWrite};

use super::input::{indent, nonempty, optional_nonempty};
use super::plan::Plan;
use crate::context::{resolve_target, Cache, Ctx};
use crate::ticket_ref::TicketRef;

/// A comment, as typed: the arguments of `syncro comment` and of the
/// `queue_comment` tool (their help and its schema come from here).
#[derive(Debug, Clone, Args, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentInput {
    /// Ticket: 32164, #32164, or @ID for a ticket still being created
    #[serde(rename = "number")]
    pub ticket: TicketRef,
    /// The comment; `-` reads stdin; omitted on a terminal opens $EDITOR
    #[arg(value_name = "TEXT")]
    #[schemars(description = "The comment's text")]
    pub body: Option<String>,
    #[arg(long, default_value = "Update")]
    #[serde(default = "update")]
    pub subject: String,
    /// Internal note (not shown to the customer)
    #[arg(long)]
    #[serde(default)]
    pub hidden: bool,
    #[arg(long)]
    #[serde(default)]
    pub do_not_email: bool,
    /// Display name on the comment [default: config `tech`]
    #[arg(long, value_name = "NAME")]
    #[serde(skip)]
    #[schemars(skip)]
    pub tech: Option<String>,
}

/// The subject a comment gets unless one is given.
fn update() -> String {
    "Update".into()
}

/// Checks a comment and plans it (`syncro mcp`; the CLI goes through
/// [`build`] to read the text midway).
pub fn plan(ctx: &Ctx, cache: &impl Cache, input: CommentInput) -> Result<Plan> {
    build(ctx, cache, input, |body| Ok(body.unwrap_or_default()))
}

/// [`plan`], with the text coming from `text` (given the input's body)
/// only once the subject and the ticket are known good: the CLI opens an
/// editor then, never for a ticket that does not exist.
pub fn build(
    ctx: &Ctx,
    cache: &impl Cache,
    input: CommentInput,
    text: impl FnOnce(Option<String>) -> Result<String>,
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
    let item = target.item(Command::Comment(CommentWrite::Add {
        subject,
        body,
        hidden: input.hidden,
        do_not_email: input.do_not_email,
        tech,
    }));
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
