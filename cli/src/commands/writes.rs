//! Every write: validate, preview, confirm, queue in the outbox, and
//! optionally wait for syncrod to send and verify it.
//!
//! Nothing is queued unless every check passed and the user confirmed
//! (or said `--yes`).

use std::io::{IsTerminal, Read};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};
use chrono::{DateTime, Local, NaiveDateTime, NaiveTime, TimeZone, Utc};
use syncro_store::outbox::{Command, NewItem, OutboxItem, RetryPlan, State, TicketFields};
use syncro_store::Store;

use crate::args::{
    BillArgs, CloseArgs, CommentArgs, CreateArgs, InvoiceCreateArgs, LineItemCommand, TimerCommand,
    UpdateArgs, WriteOpts,
};
use crate::commands::tickets::canonical;
use crate::confirm;
use crate::context::{daemon_alive, resolve_customer, resolve_target, usage, Ctx, Target};
use crate::render;

/// One outbox row to queue and how the preview describes it.
struct Step {
    item: NewItem,
    preview: String,
    /// The line printed once queued; defaults to the command's own
    /// description.
    summary: Option<String>,
}

impl Step {
    fn new(item: NewItem, preview: String) -> Step {
        Step {
            item,
            preview,
            summary: None,
        }
    }
}

/// Everything a write command will queue, already validated.
struct Plan {
    /// What and where: "Comment on #32164 Own cloud thing again (Jerry Burger)".
    title: String,
    /// Where the queued lines say it went: "#32164" or "@5".
    target: String,
    steps: Vec<Step>,
    /// Queue the steps as one ordered group under this name.
    group: Option<&'static str>,
    /// Summary lines shown after the steps (totals).
    footer: Vec<String>,
    warnings: Vec<String>,
}

impl Plan {
    fn single(title: String, target: &Target, item: NewItem, preview: String) -> Plan {
        Plan {
            title,
            target: target.short(),
            steps: vec![Step::new(item, preview)],
            group: None,
            footer: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn preview(&self) -> String {
        let mut out = format!("{}:\n", self.title);
        let numbered = self.steps.len() > 1;
        for (i, step) in self.steps.iter().enumerate() {
            let mut lines = step.preview.lines();
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
}

/// Shows, confirms, queues, reports and (with `--wait`) follows a plan.
fn execute(ctx: &Ctx, mut store: Store, plan: Plan, opts: &WriteOpts) -> Result<ExitCode> {
    let warn = |w: &str| render::note(&ctx.err_style.yellow(&format!("warning: {w}")));
    if !opts.yes {
        render::note(plan.preview().trim_end());
        for w in &plan.warnings {
            warn(w);
        }
        confirm::confirm(false, "Queue this?")?;
    } else {
        for w in &plan.warnings {
            warn(w);
        }
    }
    let descriptions: Vec<String> = plan
        .steps
        .iter()
        .map(|s| {
            s.summary
                .clone()
                .unwrap_or_else(|| s.item.command.describe())
        })
        .collect();
    let is_create = matches!(
        plan.steps.first().map(|s| &s.item.command),
        Some(Command::CreateTicket { .. })
    );
    let items: Vec<NewItem> = plan.steps.into_iter().map(|s| s.item).collect();
    let ids = match plan.group {
        Some(name) => store
            .enqueue_group(name, items)
            .context("cannot queue the write in the outbox")?,
        None => {
            let mut ids = Vec::new();
            for item in items {
                ids.push(
                    store
                        .enqueue(item)
                        .context("cannot queue the write in the outbox")?,
                );
            }
            ids
        }
    };

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
            out.push_str(&format!(
                "queued #{first} on {}: {first_text}\n",
                plan.target
            ));
        } else {
            let group = store
                .outbox_item(first)?
                .and_then(|i| i.group_id)
                .unwrap_or_default();
            out.push_str(&format!("queued {group} on {}:\n", plan.target));
            for (id, d) in ids.iter().zip(&descriptions) {
                out.push_str(&format!("  #{id}  {d}\n"));
            }
        }
        for f in &plan.footer {
            out.push_str(&format!("{f}\n"));
        }
        render::print(&out)?;
    }
    let alive = daemon_alive(ctx, store.heartbeat()?.as_ref());
    if !alive {
        render::note("note: syncrod is not running; this waits in the outbox until it starts");
    }
    let Some(secs) = opts.wait else {
        if ctx.json {
            render::print_json(&load_items(&store, &ids)?)?;
        }
        return Ok(ExitCode::SUCCESS);
    };
    wait(ctx, &store, &ids, Duration::from_secs(secs))
}

fn load_items(store: &Store, ids: &[i64]) -> Result<Vec<OutboxItem>> {
    ids.iter()
        .map(|id| {
            store
                .outbox_item(*id)?
                .with_context(|| format!("outbox item {id} disappeared"))
        })
        .collect()
}

/// How a wait ended.
enum Ended {
    Done,
    /// An item (or what it waits on) ended badly.
    Bad(OutboxItem),
    Timeout(OutboxItem),
}

const POLL: Duration = Duration::from_millis(200);

/// Polls the queued rows until all are done, one ends badly, or time runs out.
fn wait(ctx: &Ctx, store: &Store, ids: &[i64], timeout: Duration) -> Result<ExitCode> {
    let started = Instant::now();
    let (items, ended) = loop {
        let items = load_items(store, ids)?;
        let ended_badly = |s: State| s.needs_human() || s == State::Cancelled;
        let mut bad = items.iter().find(|i| ended_badly(i.state)).cloned();
        if bad.is_none() {
            // Something outside the group this waits on (`@ID`) may have failed.
            for i in &items {
                if let Some(dep) = i.depends_on.filter(|d| !ids.contains(d)) {
                    if let Some(d) = store.outbox_item(dep)? {
                        if ended_badly(d.state) {
                            bad = Some(d);
                            break;
                        }
                    }
                }
            }
        }
        if let Some(b) = bad {
            break (items, Ended::Bad(b));
        }
        let Some(pending) = items.iter().find(|i| i.state != State::Done).cloned() else {
            break (items, Ended::Done);
        };
        if started.elapsed() >= timeout {
            break (items, Ended::Timeout(pending));
        }
        std::thread::sleep(POLL);
    };
    if ctx.json {
        render::print_json(&items)?;
    }
    match ended {
        Ended::Done => {
            if !ctx.json {
                render::print(&format!(
                    "done: {} sent and verified\n",
                    ids.iter()
                        .map(|i| format!("#{i}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))?;
                // Landed, with differences that do not hold anything up
                // (a reworded comment): worth knowing, not an error.
                for i in &items {
                    if let Some(d) = i.result.describe_differences() {
                        render::note(&format!("note: #{} landed with differences: {d}", i.id));
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Ended::Bad(item) => {
            let reason = item
                .last_error
                .as_deref()
                .map(render::one_line)
                .unwrap_or_else(|| "no reason recorded".into());
            let fix = match item.state {
                State::Held => format!(
                    "release it with `syncro outbox release {0}` or cancel it with `syncro outbox cancel {0}`",
                    item.id
                ),
                State::Failed => format!(
                    "`syncro outbox retry {0}` ({1}), or `syncro outbox cancel {0}`",
                    item.id,
                    RetryPlan::for_item(&item).describe()
                ),
                // The daemon's sentence already names the commands.
                State::Differs | State::Uncertain => String::new(),
                _ => "see `syncro outbox --all`".into(),
            };
            render::note(&format!(
                "error: #{} {}: {reason}\n{}{fix}",
                item.id,
                item.state,
                steps_summary(&items)
            ));
            Ok(ExitCode::FAILURE)
        }
        Ended::Timeout(item) => {
            render::note(&format!(
                "error: #{} still {} after {} s; it stays in the outbox (see `syncro outbox`{})",
                item.id,
                item.state,
                timeout.as_secs(),
                if daemon_alive(ctx, store.heartbeat()?.as_ref()) {
                    ""
                } else {
                    "; syncrod is not running"
                }
            ));
            Ok(ExitCode::FAILURE)
        }
    }
}

/// For a group (`bill`), where each step stands, so a failure in the
/// middle says what already landed on the server and what never went.
fn steps_summary(items: &[OutboxItem]) -> String {
    if items.len() < 2 {
        return String::new();
    }
    let mut out = String::new();
    for i in items {
        let stands = match i.state {
            State::Done => "landed",
            State::Failed => "failed",
            State::Held => "held",
            State::Cancelled => "cancelled",
            State::Queued => "not sent",
            State::Sending | State::Verifying => "in flight",
            State::Probing => "looking",
            State::Differs => "differs",
            State::Uncertain => "uncertain",
        };
        out.push_str(&format!(
            "  #{:<4} {stands:<9}  {}\n",
            i.id,
            render::one_line(&i.command.describe())
        ));
    }
    out
}

fn nonempty(value: &str, what: &str) -> Result<String> {
    let v = value.trim();
    if v.is_empty() {
        bail!("the {what} is empty; nothing queued");
    }
    Ok(v.to_string())
}

fn optional_nonempty(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn comment_preview(
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

pub fn comment(ctx: &Ctx, a: CommentArgs) -> Result<ExitCode> {
    let subject = nonempty(&a.subject, "subject")?;
    let store = ctx.store()?;
    let target = resolve_target(&store, a.ticket)?;
    let text = match a.text.as_deref() {
        Some("-") => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .context("cannot read the comment from stdin")?;
            s
        }
        Some(t) => t.to_string(),
        None if std::io::stdin().is_terminal() => confirm::edit_text(&confirm::editor())?,
        None => {
            return Err(usage(
                "no comment text: give TEXT, or `-` to read it from stdin (the editor opens only on a terminal)",
            ))
        }
    };
    let body = text.trim_end().trim_start_matches(['\n', '\r']).to_string();
    if body.trim().is_empty() {
        bail!("the comment is empty; nothing queued");
    }
    let tech = optional_nonempty(a.tech.as_deref()).or_else(|| ctx.config.tech.clone());
    let preview = comment_preview(&subject, &body, a.hidden, a.do_not_email, tech.as_deref());
    let item = target.item(Command::AddComment {
        subject,
        body,
        hidden: a.hidden,
        do_not_email: a.do_not_email,
        tech,
    });
    let plan = Plan::single(
        format!("Comment on {}", target.label),
        &target,
        item,
        preview,
    );
    execute(ctx, store, plan, &a.write)
}

pub fn update(ctx: &Ctx, a: UpdateArgs) -> Result<ExitCode> {
    let status = a.status.as_deref().map(canonical).transpose()?;
    let priority = match a.priority.as_deref() {
        Some(p) => Some(nonempty(p, "priority")?),
        None => None,
    };
    let store = ctx.store()?;
    let target = resolve_target(&store, a.ticket)?;
    let mut plan = fields_plan(
        &target,
        TicketFields {
            status: status.map(str::to_string),
            priority,
            ..Default::default()
        },
    );
    if let (Some(row), Some(s)) = (&target.row, status) {
        if row.status == s {
            plan.warnings
                .push(format!("{} is already {s}", target.short()));
        }
    }
    execute(ctx, store, plan, &a.write)
}

fn fields_plan(target: &Target, fields: TicketFields) -> Plan {
    let row = target.row.as_ref();
    let mut preview = Vec::new();
    if let Some(s) = &fields.status {
        preview.push(format!(
            "status {} -> {s}",
            row.map(|r| r.status.as_str()).unwrap_or("?")
        ));
    }
    if let Some(p) = &fields.priority {
        preview.push(format!(
            "priority {} -> {p}",
            row.and_then(|r| r.priority.as_deref()).unwrap_or("-")
        ));
    }
    let mut item = target.item(Command::UpdateTicket { fields });
    // The daemon holds the update if the ticket changed since this view.
    item.base_updated_at = row.and_then(|r| r.updated_at.clone());
    Plan::single(
        format!("Update {}", target.label),
        target,
        item,
        preview.join("\n"),
    )
}

pub fn close(ctx: &Ctx, a: CloseArgs) -> Result<ExitCode> {
    let store = ctx.store()?;
    let target = resolve_target(&store, a.ticket)?;
    if let Some(row) = &target.row {
        if row.status == "Resolved" {
            bail!("#{} is already Resolved; nothing queued", row.number);
        }
    }
    let mut plan = fields_plan(
        &target,
        TicketFields {
            status: Some("Resolved".into()),
            ..Default::default()
        },
    );
    plan.title = format!("Close {}", target.label);
    if let Some(row) = target.row.as_ref().filter(|r| !r.is_open()) {
        plan.warnings.push(format!(
            "#{} is {}; this sets it back to Resolved",
            row.number, row.status
        ));
    }
    execute(ctx, store, plan, &a.write)
}

pub fn create(ctx: &Ctx, a: CreateArgs) -> Result<ExitCode> {
    let subject = nonempty(&a.subject, "subject")?;
    let store = ctx.store()?;
    let customer = resolve_customer(&store, &a.customer, false)?;
    let problem_type = optional_nonempty(a.problem_type.as_deref());
    let priority = optional_nonempty(a.priority.as_deref());
    let body = optional_nonempty(a.body.as_deref());
    let summary = format!(
        "create ticket \"{subject}\" for {} (customer {})",
        customer.business_then_name, customer.id
    );
    let mut preview = summary.clone();
    if let Some(p) = &problem_type {
        preview.push_str(&format!("\nproblem type: {p}"));
    }
    if let Some(p) = &priority {
        preview.push_str(&format!("\npriority: {p}"));
    }
    if let Some(b) = &body {
        preview.push_str(&format!("\ninitial comment:\n{}", indent(b)));
    }
    let item = NewItem {
        command: Command::CreateTicket {
            customer_id: customer.id,
            subject,
            problem_type,
            priority,
            status: None,
            body,
        },
        ticket_id: None,
        ticket_number: None,
        depends_on: None,
        base_updated_at: None,
    };
    let plan = Plan {
        title: format!("New ticket for {}", customer.business_then_name),
        target: "a new ticket".into(),
        steps: vec![Step {
            item,
            preview,
            summary: Some(summary),
        }],
        group: None,
        footer: Vec::new(),
        warnings: Vec::new(),
    };
    execute(ctx, store, plan, &a.write)
}

/// A labor type from the config, or an error listing the configured ones.
fn labor<'c>(ctx: &'c Ctx, name: &str) -> Result<(&'c str, &'c syncro_store::config::Labor)> {
    if let Some(found) = ctx.config.labor(name.trim()) {
        return Ok(found);
    }
    if ctx.config.labor.is_empty() {
        bail!(
            "unknown labor type {name:?}: no labor types are configured; add e.g. \
             [labor.remote] with product_id and rate to {}",
            ctx.config.origin
        );
    }
    bail!(
        "unknown labor type {name:?}; configured: {} (in {})",
        ctx.config
            .labor
            .keys()
            .cloned()
            .collect::<Vec<_>>()
            .join(", "),
        ctx.config.origin
    )
}

/// "remote" -> "Remote".
fn title_case(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Minutes as decimal hours, rounded to 2 places (45 -> 0.75).
fn hours(minutes: i64) -> f64 {
    (minutes as f64 / 60.0 * 100.0).round() / 100.0
}

fn cents(dollars: f64) -> i64 {
    syncro_store::json::dollars_to_cents(dollars).unwrap_or(0)
}

pub fn bill(ctx: &Ctx, a: BillArgs) -> Result<ExitCode> {
    if a.minutes <= 0 {
        bail!(
            "--minutes must be positive, not {}; nothing queued",
            a.minutes
        );
    }
    let (labor_key, labor) = labor(ctx, &a.labor)?;
    let rate = a.rate.unwrap_or(labor.rate);
    if !(rate.is_finite() && rate >= 0.0) {
        bail!("--rate must be a non-negative hourly rate, not {rate}");
    }
    let comment = match a.comment.as_deref() {
        Some(c) => Some(nonempty(c, "comment")?),
        None => None,
    };
    let store = ctx.store()?;
    let target = resolve_target(&store, a.ticket)?;

    let kind = title_case(labor_key);
    let quantity = hours(a.minutes);
    let name = labor
        .name
        .clone()
        .unwrap_or_else(|| format!("Labor - {kind}"));
    let description = comment
        .as_deref()
        .and_then(|c| c.lines().map(str::trim).find(|l| !l.is_empty()))
        .map(str::to_string)
        .unwrap_or_else(|| format!("{kind} labor, {} min", a.minutes));
    let total = (quantity * cents(rate) as f64).round() as i64;

    let mut steps = Vec::new();
    let tech = ctx.config.tech.clone();
    if let Some(body) = comment {
        steps.push(Step::new(
            target.item(Command::AddComment {
                subject: "Update".into(),
                body: body.clone(),
                hidden: false,
                do_not_email: false,
                tech: tech.clone(),
            }),
            comment_preview("Update", &body, false, false, tech.as_deref()),
        ));
    }
    steps.push(Step {
        preview: format!(
            "line item \"{name}\": {} h x {}/h = {} (product {}, {labor_key})\ndescription: {description}",
            render::qty(quantity),
            render::dollars(rate),
            render::money(total),
            labor.product_id
        ),
        item: target.item(Command::AddLineItem {
            product_id: Some(labor.product_id),
            name,
            description,
            quantity,
            price_retail: rate,
        }),
        summary: None,
    });
    steps.push(Step {
        preview:
            "create an invoice from the ticket's uninvoiced line items, then check they arrived"
                .into(),
        item: target.item(Command::CreateInvoice {}),
        summary: None,
    });
    steps.push(Step {
        preview: format!(
            "set status {} -> Invoiced",
            target
                .row
                .as_ref()
                .map(|r| r.status.as_str())
                .unwrap_or("?")
        ),
        item: target.item(Command::UpdateTicket {
            fields: TicketFields {
                status: Some("Invoiced".into()),
                ..Default::default()
            },
        }),
        summary: None,
    });

    let mut warnings = Vec::new();
    if let Some(row) = &target.row {
        if row.status == "Invoiced" {
            warnings.push(format!("#{} is already Invoiced", row.number));
        }
        let open: Vec<i64> = store
            .line_items(row.id)?
            .iter()
            .filter(|l| !l.converted)
            .map(|l| l.total_cents())
            .collect();
        if !open.is_empty() {
            warnings.push(format!(
                "the invoice will also include {} line item(s) already on the ticket and not yet invoiced ({})",
                open.len(),
                render::money(open.iter().sum())
            ));
        }
    }
    let plan = Plan {
        title: format!("Bill {}", target.label),
        target: target.short(),
        steps,
        group: Some("bill"),
        footer: vec![format!(
            "total: {} min = {} h, {}",
            a.minutes,
            render::qty(quantity),
            render::money(total)
        )],
        warnings,
    };
    execute(ctx, store, plan, &a.write)
}

fn check_quantity(q: f64) -> Result<f64> {
    if !(q.is_finite() && q > 0.0) {
        bail!("--quantity must be positive, not {q}; nothing queued");
    }
    Ok(q)
}

fn check_price(p: f64) -> Result<f64> {
    if !p.is_finite() {
        bail!("--price must be a number of dollars, not {p}");
    }
    Ok(p)
}

/// A line item of the target ticket, from the cache.
fn cached_line(store: &Store, target: &Target, line_id: i64) -> Result<bool> {
    let Some(row) = &target.row else {
        bail!(
            "{} is not created yet, so it has no line item {line_id}",
            target.short()
        );
    };
    let lines = store.line_items(row.id)?;
    match lines.iter().find(|l| l.id == line_id) {
        Some(l) => Ok(l.converted),
        None => bail!(
            "#{} has no line item {line_id} in the cache (its line items: {}); run `syncro ticket {}`",
            row.number,
            if lines.is_empty() {
                "none".into()
            } else {
                lines
                    .iter()
                    .map(|l| l.id.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            row.number
        ),
    }
}

pub fn line_item(ctx: &Ctx, command: LineItemCommand) -> Result<ExitCode> {
    match command {
        LineItemCommand::Add(a) => {
            let name = nonempty(&a.name, "name")?;
            let description = nonempty(&a.description, "description")?;
            let quantity = check_quantity(a.quantity)?;
            let price = check_price(a.price)?;
            if let Some(p) = a.product.filter(|p| *p <= 0) {
                bail!("--product must be a positive product id, not {p}");
            }
            let store = ctx.store()?;
            let target = resolve_target(&store, a.ticket)?;
            let total = (quantity * cents(price) as f64).round() as i64;
            let preview = format!(
                "line item \"{name}\": {} x {} = {}{}\ndescription: {description}",
                render::qty(quantity),
                render::dollars(price),
                render::money(total),
                a.product
                    .map(|p| format!(" (product {p})"))
                    .unwrap_or_default()
            );
            let item = target.item(Command::AddLineItem {
                product_id: a.product,
                name,
                description,
                quantity,
                price_retail: price,
            });
            let plan = Plan::single(format!("Add to {}", target.label), &target, item, preview);
            execute(ctx, store, plan, &a.write)
        }
        LineItemCommand::Update(a) => {
            let quantity = a.quantity.map(check_quantity).transpose()?;
            let price = a.price.map(check_price).transpose()?;
            let name = a.name.as_deref().map(|n| nonempty(n, "name")).transpose()?;
            let description = a
                .description
                .as_deref()
                .map(|d| nonempty(d, "description"))
                .transpose()?;
            let store = ctx.store()?;
            let target = resolve_target(&store, a.ticket)?;
            let converted = cached_line(&store, &target, a.line_id)?;
            let mut preview = vec![format!("update line item {}", a.line_id)];
            if let Some(q) = quantity {
                preview.push(format!("quantity -> {}", render::qty(q)));
            }
            if let Some(p) = price {
                preview.push(format!("price -> {}", render::dollars(p)));
            }
            if let Some(n) = &name {
                preview.push(format!("name -> {n}"));
            }
            if let Some(d) = &description {
                preview.push(format!("description -> {d}"));
            }
            let item = target.item(Command::UpdateLineItem {
                line_item_id: a.line_id,
                quantity,
                price_retail: price,
                name,
                description,
            });
            let mut plan = Plan::single(
                format!("Change {}", target.label),
                &target,
                item,
                preview.join("\n"),
            );
            if converted {
                plan.warnings.push(format!(
                    "line item {} is already invoiced; changing it does not change the invoice",
                    a.line_id
                ));
            }
            execute(ctx, store, plan, &a.write)
        }
        LineItemCommand::Remove(a) => {
            let store = ctx.store()?;
            let target = resolve_target(&store, a.ticket)?;
            let converted = cached_line(&store, &target, a.line_id)?;
            let item = target.item(Command::RemoveLineItem {
                line_item_id: a.line_id,
            });
            let mut plan = Plan::single(
                format!("Change {}", target.label),
                &target,
                item,
                format!("remove line item {}", a.line_id),
            );
            if converted {
                plan.warnings.push(format!(
                    "line item {} is already invoiced; removing it does not change the invoice",
                    a.line_id
                ));
            }
            execute(ctx, store, plan, &a.write)
        }
    }
}

/// A time as typed: RFC 3339, `YYYY-MM-DD HH:MM[:SS]` or `HH:MM[:SS]`
/// (today), the last two in local time.
fn parse_when(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    let local = |n: NaiveDateTime| {
        Local
            .from_local_datetime(&n)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    };
    for f in [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(s, f) {
            return local(n);
        }
    }
    for f in ["%H:%M", "%H:%M:%S"] {
        if let Ok(t) = NaiveTime::parse_from_str(s, f) {
            let today = render::now().with_timezone(&Local).date_naive();
            return local(today.and_time(t));
        }
    }
    syncro_store::time::parse(s)
}

fn when(s: &str, flag: &str) -> Result<DateTime<Utc>> {
    parse_when(s).ok_or_else(|| {
        usage(format!(
            "{flag} {s:?} is not a time: use RFC 3339, `YYYY-MM-DD HH:MM` or `HH:MM` (today, local time)"
        ))
    })
}

/// A timer of the target ticket, from the cache: is it charged already?
fn cached_timer(store: &Store, target: &Target, timer_id: i64) -> Result<bool> {
    let Some(row) = &target.row else {
        bail!(
            "{} is not created yet, so it has no timer {timer_id}",
            target.short()
        );
    };
    let timers = store.timers(row.id)?;
    match timers.iter().find(|t| t.id == timer_id) {
        Some(t) => Ok(t.recorded),
        None => bail!(
            "#{} has no timer {timer_id} in the cache (its timers: {}); run `syncro ticket {}`",
            row.number,
            if timers.is_empty() {
                "none".into()
            } else {
                timers
                    .iter()
                    .map(|t| t.id.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            row.number
        ),
    }
}

pub fn timer(ctx: &Ctx, command: TimerCommand) -> Result<ExitCode> {
    match command {
        TimerCommand::Add(a) => {
            let start = when(&a.start, "--start")?;
            let end = match (&a.end, a.minutes) {
                (Some(e), _) => when(e, "--end")?,
                (None, Some(m)) if m <= 0 => {
                    bail!("--minutes must be positive, not {m}; nothing queued")
                }
                (None, Some(m)) => start + chrono::Duration::minutes(m),
                (None, None) => return Err(usage("give --end or --minutes")),
            };
            if end <= start {
                bail!(
                    "the timer ends ({}) before it starts ({}); nothing queued",
                    render::time(Some(&syncro_store::time::format(end))),
                    render::time(Some(&syncro_store::time::format(start)))
                );
            }
            let (product_id, what) = match (&a.labor, a.product) {
                (Some(l), _) => {
                    let (key, labor) = labor(ctx, l)?;
                    (
                        Some(labor.product_id),
                        format!(", product {} ({key})", labor.product_id),
                    )
                }
                (None, Some(p)) if p <= 0 => {
                    bail!("--product must be a positive product id, not {p}")
                }
                (None, Some(p)) => (Some(p), format!(", product {p}")),
                (None, None) => (None, String::new()),
            };
            let notes = optional_nonempty(a.notes.as_deref());
            let store = ctx.store()?;
            let target = resolve_target(&store, a.ticket)?;
            let (start_at, end_at) = (
                syncro_store::time::format(start),
                syncro_store::time::format(end),
            );
            let summary = format!(
                "timer {} .. {} ({} min), {}{what}",
                render::time(Some(&start_at)),
                render::time(Some(&end_at)),
                (end - start).num_minutes(),
                if a.billable {
                    "billable"
                } else {
                    "not billable"
                }
            );
            let mut preview = summary.clone();
            if let Some(n) = &notes {
                preview.push_str(&format!("\nnotes: {n}"));
            }
            let item = target.item(Command::AddTimer {
                start_at,
                end_at,
                notes,
                billable: a.billable,
                product_id,
            });
            let mut plan = Plan::single(format!("Add to {}", target.label), &target, item, preview);
            if let Some(step) = plan.steps.first_mut() {
                step.summary = Some(summary);
            }
            execute(ctx, store, plan, &a.write)
        }
        TimerCommand::Charge(a) => {
            let store = ctx.store()?;
            let target = resolve_target(&store, a.ticket)?;
            if cached_timer(&store, &target, a.timer_id)? {
                bail!(
                    "timer {} on {} is already charged; nothing queued",
                    a.timer_id,
                    target.short()
                );
            }
            let item = target.item(Command::ChargeTimer {
                timer_id: a.timer_id,
            });
            let plan = Plan::single(
                format!("Change {}", target.label),
                &target,
                item,
                format!("charge timer {} (creates its line item)", a.timer_id),
            );
            execute(ctx, store, plan, &a.write)
        }
        TimerCommand::Delete(a) => {
            let store = ctx.store()?;
            let target = resolve_target(&store, a.ticket)?;
            let charged = cached_timer(&store, &target, a.timer_id)?;
            let item = target.item(Command::DeleteTimer {
                timer_id: a.timer_id,
            });
            let mut plan = Plan::single(
                format!("Change {}", target.label),
                &target,
                item,
                format!("delete timer {}", a.timer_id),
            );
            if charged {
                plan.warnings.push(format!(
                    "timer {} is already charged; its line item stays",
                    a.timer_id
                ));
            }
            execute(ctx, store, plan, &a.write)
        }
    }
}

pub fn invoice_create(ctx: &Ctx, a: InvoiceCreateArgs) -> Result<ExitCode> {
    let store = ctx.store()?;
    let target = resolve_target(&store, a.ticket)?;
    let mut warnings = Vec::new();
    let mut preview =
        "create an invoice from the ticket's uninvoiced line items, then check they arrived"
            .to_string();
    if let Some(row) = &target.row {
        let open: Vec<i64> = store
            .line_items(row.id)?
            .iter()
            .filter(|l| !l.converted)
            .map(|l| l.total_cents())
            .collect();
        let queued = store.outbox_for_ticket(row.id)?.iter().any(|i| {
            matches!(
                i.command,
                Command::AddLineItem { .. } | Command::ChargeTimer { .. }
            )
        });
        if open.is_empty() && !queued {
            warnings.push(format!(
                "#{} has no uninvoiced line items in the cache; the invoice may be empty",
                row.number
            ));
        } else if !open.is_empty() {
            preview.push_str(&format!(
                "\n{} line item(s) not yet invoiced: {}",
                open.len(),
                render::money(open.iter().sum())
            ));
        }
    }
    let item = target.item(Command::CreateInvoice {});
    let mut plan = Plan::single(format!("Invoice {}", target.label), &target, item, preview);
    plan.warnings = warnings;
    execute(ctx, store, plan, &a.write)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_become_hours_rounded_to_two_places() {
        assert_eq!(hours(45), 0.75);
        assert_eq!(hours(20), 0.33);
        assert_eq!(hours(90), 1.5);
        assert_eq!(hours(1), 0.02);
    }

    #[test]
    fn labor_names_are_title_cased() {
        assert_eq!(title_case("remote"), "Remote");
        assert_eq!(title_case(""), "");
    }

    #[test]
    fn times_parse_in_their_forms() {
        assert_eq!(
            parse_when("2026-03-10T09:00:00Z").map(syncro_store::time::format),
            Some("2026-03-10T09:00:00.000Z".into())
        );
        assert_eq!(
            parse_when("2026-03-10T10:00:00+01:00").map(syncro_store::time::format),
            Some("2026-03-10T09:00:00.000Z".into())
        );
        assert!(parse_when("2026-03-10 09:00").is_some());
        assert!(parse_when("09:30").is_some());
        assert!(parse_when("tomorrow").is_none());
        assert!(parse_when("25:00").is_none());
    }
}
