//! A write as data ([`Plan`]: the outbox rows and how to describe them),
//! queueing it ([`Plan::enqueue`]), and the terminal side of a write
//! ([`execute`]: show, confirm, queue, report, and `--wait`).

use std::cell::OnceCell;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context as _, Result};
use syncro_store::outbox::{Command, NewItem};
use syncro_store::Store;

use super::wait;
use crate::args::WriteOpts;
use crate::confirm;
use crate::context::{daemon_alive, Ctx, Target};
use crate::render;

/// Where a plan gets the cache from: an open [`Store`], or a [`LazyStore`]
/// that opens it only when the plan first needs it.
///
/// The CLI uses the lazy one so that the checks which need no cache (an
/// empty subject, a malformed time) fail first, as they always have; a
/// caller that holds a store passes `&store`.
pub trait Cache {
    fn store(&self) -> Result<&Store>;
}

impl Cache for Store {
    fn store(&self) -> Result<&Store> {
        Ok(self)
    }
}

/// The cache, opened by [`Ctx::store`] the first time it is asked for.
pub struct LazyStore<'c> {
    ctx: &'c Ctx,
    store: OnceCell<Store>,
}

impl<'c> LazyStore<'c> {
    pub fn new(ctx: &'c Ctx) -> LazyStore<'c> {
        LazyStore {
            ctx,
            store: OnceCell::new(),
        }
    }

    /// The store, opened now if no plan asked for it yet.
    pub fn into_store(self) -> Result<Store> {
        match self.store.into_inner() {
            Some(store) => Ok(store),
            None => self.ctx.store(),
        }
    }
}

impl Cache for LazyStore<'_> {
    fn store(&self) -> Result<&Store> {
        if let Some(store) = self.store.get() {
            return Ok(store);
        }
        let store = self.ctx.store()?;
        Ok(self.store.get_or_init(|| store))
    }
}

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
        self.steps
            .iter()
            .any(|s| matches!(s.command(), Command::AddComment { hidden: false, .. }))
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

/// Shows, confirms, queues, reports and (with `--wait`) follows a plan.
pub(super) fn execute(
    ctx: &Ctx,
    mut store: Store,
    plan: Plan,
    opts: &WriteOpts,
) -> Result<ExitCode> {
    let warn = |w: &str| render::note(&ctx.err_style.yellow(&format!("warning: {w}")));
    if opts.dry_run {
        if ctx.json {
            render::print_json(&plan.dry_run())?;
        } else {
            render::print(&plan.preview())?;
            for w in plan.warnings() {
                warn(w);
            }
            render::note("--dry-run: nothing queued");
        }
        return Ok(ExitCode::SUCCESS);
    }
    if !opts.yes {
        render::note(plan.preview().trim_end());
        for w in plan.warnings() {
            warn(w);
        }
        confirm::confirm(false, "Queue this?")?;
    } else {
        for w in plan.warnings() {
            warn(w);
        }
    }
    let descriptions: Vec<String> = plan.steps().iter().map(Step::summary).collect();
    let is_create = matches!(
        plan.steps().first().map(Step::command),
        Some(Command::CreateTicket { .. })
    );
    let target = plan.target().to_string();
    let footer = plan.footer().to_vec();
    // `--wait` means "send it now and tell me": no undo window.
    let send_after = plan.send_after(ctx, opts.wait.is_some());
    let window_skipped = opts.wait.is_some() && plan.customer_visible() && ctx.config.undo_secs > 0;
    let Queued {
        ids,
        group,
        send_after,
    } = plan.enqueue(&mut store, send_after)?;

    let (Some(&first), Some(first_text)) = (ids.first(), descriptions.first()) else {
        bail!("nothing was queued");
    };
    if !ctx.json {
        let mut out = String::new();
        if is_create {
            out.push_str(&format!("queued as @{first}: {first_text}\n"));
            out.push_str(&format!(
                "use @{first} as the TICKET of further writes until it has a number\n"
            ));
        } else if ids.len() == 1 {
            out.push_str(&format!("queued #{first} on {target}: {first_text}\n"));
        } else {
            out.push_str(&format!(
                "queued {} on {target}:\n",
                group.unwrap_or_default()
            ));
            for (id, d) in ids.iter().zip(&descriptions) {
                out.push_str(&format!("  #{id}  {d}\n"));
            }
        }
        for f in &footer {
            out.push_str(&format!("{f}\n"));
        }
        render::print(&out)?;
        if send_after.is_some() {
            render::note(&format!(
                "sending in {} s: `syncro undo` takes it back",
                ctx.config.undo_secs
            ));
        } else if window_skipped {
            render::note("--wait: sent without the undo window");
        }
    }
    let alive = daemon_alive(ctx, store.heartbeat()?.as_ref());
    if !alive {
        render::note("note: syncrod is not running; this waits in the outbox until it starts");
    }
    let Some(secs) = opts.wait else {
        if ctx.json {
            render::print_json(&wait::load_items(&store, &ids)?)?;
        }
        return Ok(ExitCode::SUCCESS);
    };
    let timeout = Duration::from_secs(secs);
    let waited = wait::wait(&store, &ids, timeout)?;
    wait::report(ctx, &store, &ids, waited, timeout)
}
