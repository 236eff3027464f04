//! A write as data ([`Plan`]: the outbox rows and how to describe them),
//! and queueing it ([`Plan::enqueue`]). The terminal side of a write
//! (show, confirm, queue, report, `--wait`) is the CLI's
//! (`commands::write`).

use anyhow::{Context as _, Result};
use syncro_store::outbox::{Command, NewItem};
use syncro_store::Store;

use crate::context::{Ctx, Target};

/// One outbox row to queue and how the preview describes it.
#[derive(Debug, Clone)]
pub struct Step {
    pub(super) item: NewItem,
    pub(super) preview: String,
    /// The line printed once queued; defaults to the command's own
    /// description.
    pub(super) summary: Option<String>,
}

impl Step {
    pub(super) fn new(item: NewItem, preview: String) -> Step {
        Step {
            item,
            preview,
            summary: None,
        }
    }

    /// Exactly what will be sent.
    pub fn command(&self) -> &Command {
        &self.item.command
    }

    /// How the preview describes this step (may span lines).
    pub fn preview(&self) -> &str {
        &self.preview
    }

    /// One line saying what was queued: `comment "Update": text`.
    pub fn summary(&self) -> String {
        self.summary
            .clone()
            .unwrap_or_else(|| self.item.command.describe())
    }
}

/// Everything a write command will queue, already validated. Built by the
/// `plan` functions of the command modules; nothing is queued until
/// [`Plan::enqueue`].
#[derive(Debug, Clone)]
pub struct Plan {
    /// What and where: "Comment on #32164 Own cloud thing again (Jerry Burger)".
    pub(super) title: String,
    /// Where the queued lines say it went: "#32164" or "@5".
    pub(super) target: String,
    pub(super) steps: Vec<Step>,
    /// Queue the steps as one ordered group under this name.
    pub(super) group: Option<&'static str>,
    /// Summary lines shown after the steps (totals).
    pub(super) footer: Vec<String>,
    pub(super) warnings: Vec<String>,
}

/// A plan shown and not queued (`--dry-run`, MCP `dry_run`).
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct DryRun {
    /// Always true: nothing was queued.
    pub dry_run: bool,
    /// Where it would go: `#32164`, `@5` or `a new ticket`.
    pub target: String,
    /// Exactly what would be sent, as the confirmation shows it.
    pub preview: String,
    /// One line per outbox step it would queue.
    pub steps: Vec<String>,
    /// For a bill or invoice: hours x rate and the total.
    pub totals: Vec<String>,
    pub warnings: Vec<String>,
}

/// What [`Plan::enqueue`] queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    /// The outbox ids, one per step, in step order.
    pub ids: Vec<i64>,
    /// The group id (`bill-12`) when the steps were queued as one group.
    pub group: Option<String>,
    /// The end of the undo window, when the write has one.
    pub send_after: Option<String>,
}

impl Plan {
    pub(super) fn single(title: String, target: &Target, item: NewItem, preview: String) -> Plan {
        Plan {
            title,
            target: target.short(),
            steps: vec![Step::new(item, preview)],
            group: None,
            footer: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// What and where: "Comment on #32164 Own cloud thing again (Jerry Burger)".
    #[allow(
        dead_code,
        reason = "for `syncro mcp`; the CLI shows it in the preview"
    )]
    pub fn title(&self) -> &str {
        &self.title
    }

    /// Where it goes, short: `#32164`, `@5` (a ticket still being
    /// created) or `a new ticket`.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The outbox rows, in the order they will be sent.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// Totals shown after the steps (`bill`).
    pub fn footer(&self) -> &[String] {
        &self.footer
    }

    /// Things worth knowing that do not stop the write ("#32164 is already
    /// Resolved").
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The preview the user confirms: the title, each step (numbered when
    /// there are several), then the footer. Warnings are not part of it.
    pub fn preview(&self) -> String {
        let mut out = format!("{}:\n", self.title);
        let numbered = self.steps.len() > 1;
        for (i, step) in self.steps.iter().enumerate() {
            let mut lines = step.preview().lines();
            let first = lines.next().unwrap_or("");
            if numbered {
                out.push_str(&format!("  {}. {first}\n", i + 1));
            } else {
                out.push_str(&format!("  {first}\n"));
            }
            for l in lines {
                out.push_str(&format!("{}{l}\n", if numbered { "     " } else { "  " }));
            }
        }
        for f in &self.footer {
            out.push_str(&format!("  {f}\n"));
        }
        out
    }

    /// What a dry run shows: the preview, the steps' lines and the totals,
    /// and the warnings; nothing is queued.
    pub fn dry_run(&self) -> DryRun {
        DryRun {
            dry_run: true,
            target: self.target.clone(),
            preview: self.preview(),
            steps: self.steps.iter().map(Step::summary).collect(),
            totals: self.footer.clone(),
            warnings: self.warnings.clone(),
        }
    }

    /// Whether the plan reaches the customer (a comment not marked hidden,
    /// which Syncro emails): such a write waits out the undo window.
    pub fn customer_visible(&self) -> bool {
        self.steps.iter().any(|s| s.command().reaches_customer())
    }

    /// When the write may be sent: after `undo_secs` for a
    /// customer-visible write unless `skip` (a hidden note needs no window,
    /// and `--wait` asks for it to go now); at once otherwise.
    pub fn send_after(&self, ctx: &Ctx, skip: bool) -> Option<String> {
        let secs = i64::try_from(ctx.config.undo_secs).unwrap_or(0);
        (!skip && secs > 0 && self.customer_visible())
            .then(|| syncro_store::time::format(ctx.clock() + chrono::Duration::seconds(secs)))
    }

    /// Queues every step in the outbox, in one durable transaction when
    /// the plan is a group, and wakes syncrod. No output, no questions:
    /// the one way a plan gets queued. `send_after` (see
    /// [`Plan::send_after`]) holds it back for the undo window.
    pub fn enqueue(self, store: &mut Store, send_after: Option<String>) -> Result<Queued> {
        let items: Vec<NewItem> = self.steps.into_iter().map(|s| s.item).collect();
        let after = send_after.as_deref();
        let (ids, group) = match self.group {
            Some(name) => {
                let ids = store
                    .enqueue_group_after(name, items, after)
                    .context("cannot queue the write in the outbox")?;
                let group = match ids.first() {
                    Some(&first) => store.outbox_item(first)?.and_then(|i| i.group_id),
                    None => None,
                };
                (ids, group)
            }
            None => {
                let mut ids = Vec::new();
                for item in items {
                    ids.push(
                        store
                            .enqueue_after(item, after)
                            .context("cannot queue the write in the outbox")?,
                    );
                }
                (ids, None)
            }
        };
        Ok(Queued {
            ids,
            group,
            send_after,
        })
    }
}
