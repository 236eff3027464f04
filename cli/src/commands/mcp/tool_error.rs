//! Failures a model can act on.
//!
//! A validation error, an unknown ticket, a refused write: each comes back
//! as a tool result with `isError` and one sentence saying what is wrong
//! and what to do, never as a protocol error (those are kept for protocol
//! problems: an unknown tool, a malformed request).

use rmcp::model::{CallToolResponse, ContentBlock, IntoContents};

/// A tool call that did not do what was asked, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolError(pub String);

impl ToolError {
    /// For failures that are ours, not the caller's (a task that panicked).
    pub fn internal(what: impl std::fmt::Display) -> ToolError {
        ToolError(format!(
            "internal error in syncro mcp ({what}); nothing was queued by this call"
        ))
    }
}

impl From<anyhow::Error> for ToolError {
    fn from(e: anyhow::Error) -> ToolError {
        ToolError(for_tools(&format!("{e:#}")))
    }
}

impl IntoContents for ToolError {
    fn into_contents(self) -> Vec<ContentBlock> {
        vec![ContentBlock::text(self.0)]
    }
}

/// The CLI commands the shared messages name, and the tool that does the
/// same for an agent.
const COMMANDS: &[(&str, &str)] = &[
    ("`syncro outbox --all`", "list_outbox with all"),
    ("`syncro outbox release`", "release_write"),
    ("`syncro outbox retry`", "retry_write"),
    ("`syncro outbox cancel ID`", "cancel_write"),
    ("`syncro outbox cancel`", "cancel_write"),
    ("`syncro outbox`", "list_outbox"),
    ("`syncro undo`", "cancel_write"),
    ("`syncro sync`", "request_sync"),
    ("`syncro search`", "search_tickets"),
    ("`syncro status`", "sync_status"),
    ("`syncro labor`", "list_labor_types"),
    ("`syncro ticket`", "get_ticket"),
];

/// The CLI's messages name its commands (`syncro outbox release`) and its
/// flags (`--minutes`); a tool's caller knows them as tools
/// (`release_write`) and arguments (`minutes`). `--do-not-email` becomes
/// `do_not_email`, `--product` `product_id`.
pub fn for_tools(msg: &str) -> String {
    let mut named = msg.to_string();
    for (command, tool) in COMMANDS {
        if named.contains(command) {
            named = named.replace(command, tool);
        }
    }
    let mut out = String::with_capacity(named.len());
    let mut rest = named.as_str();
    while let Some(at) = rest.find("--") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let end = after
            .find(|c: char| !(c.is_ascii_lowercase() || c == '-'))
            .unwrap_or(after.len());
        let flag = &after[..end];
        if flag.starts_with(|c: char| c.is_ascii_lowercase()) {
            out.push_str(&match flag {
                "product" => "product_id".to_string(),
                other => other.replace('-', "_"),
            });
        } else {
            out.push_str("--");
            out.push_str(flag);
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// What rmcp says when arguments do not match a tool's input schema
/// ("failed to deserialize parameters: missing field `minutes`"), made
/// into a sentence a model can act on; `None` for every other result.
pub fn explain_argument_error(tool: &str, response: &CallToolResponse) -> Option<String> {
    let CallToolResponse::Complete(result) = response else {
        return None;
    };
    if result.is_error != Some(true) {
        return None;
    }
    let text = result.content.first()?.as_text()?.text.as_str();
    let detail = text
        .strip_prefix("failed to deserialize parameters:")?
        .trim();
    let mut msg =
        format!("{tool}: the arguments do not fit its input schema ({detail}); nothing was done");
    if tool == "queue_bill" && (detail.contains("`minutes`") || detail.contains("`labor`")) {
        msg.push_str(
            ". Ask the technician how many minutes they worked and which labor type it was; never assume either",
        );
    }
    Some(msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmcp::model::CallToolResult;

    #[test]
    fn flags_become_argument_names() {
        assert_eq!(
            for_tools("--minutes must be positive, not 0; nothing queued"),
            "minutes must be positive, not 0; nothing queued"
        );
        assert_eq!(for_tools("use --do-not-email"), "use do_not_email");
        assert_eq!(
            for_tools("--product must be a positive product id"),
            "product_id must be a positive product id"
        );
        assert_eq!(
            for_tools("outbox item 3 is differs: `syncro outbox release` accepts it as it is"),
            "outbox item 3 is differs: release_write accepts it as it is"
        );
        assert_eq!(
            for_tools("there is no outbox item 9 (see `syncro outbox --all`); or `syncro outbox`"),
            "there is no outbox item 9 (see list_outbox with all); or list_outbox"
        );
        // Not a flag: left alone.
        assert_eq!(for_tools("a -- b --X"), "a -- b --X");
        assert_eq!(for_tools("no flags"), "no flags");
    }

    #[test]
    fn argument_errors_are_explained_and_others_left_alone() {
        let err = |text: &str| {
            CallToolResponse::Complete(CallToolResult::error(vec![ContentBlock::text(text)]))
        };
        let got = explain_argument_error(
            "queue_bill",
            &err("failed to deserialize parameters: missing field `minutes`"),
        )
        .unwrap();
        assert!(
            got.starts_with(
                "queue_bill: the arguments do not fit its input schema (missing field `minutes`)"
            ),
            "{got}"
        );
        assert!(got.contains("never assume"), "{got}");
        let got = explain_argument_error(
            "get_ticket",
            &err("failed to deserialize parameters: invalid type: string \"x\", expected i64"),
        )
        .unwrap();
        assert!(!got.contains("never assume"));
        assert_eq!(
            explain_argument_error("get_ticket", &err("ticket #1 is not in the cache")),
            None
        );
    }
}
