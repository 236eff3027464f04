//! `syncro timer add|update|charge|delete`: a ticket's timer entries.

use anyhow::{bail, Result};
use chrono::{DateTime, Utc};
use clap::{ArgGroup, Args, Subcommand};
use schemars::JsonSchema;
use serde::Deserialize;
use syncro_store::outbox::{Command, TimerWrite};
use syncro_store::{Store, TimerRow};

use super::input::{labor, optional_nonempty, when};
use super::plan::Plan;
use crate::context::{resolve_target, usage, Cache, Ctx, Target};
use crate::render;
use crate::ticket_ref::TicketRef;

/// A timer change: the subcommands of `syncro timer` and the `action` of
/// the `queue_timer` tool.
#[derive(Debug, Clone, Subcommand, Deserialize, JsonSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum TimerInput {
    /// Queue a timer entry
    Add(TimerAddInput),
    /// Queue changes to a timer entry (its times, notes, billable)
    Update(TimerUpdateInput),
    /// Queue charging a timer entry (creates its line item)
    Charge(TimerIdInput),
    /// Queue deleting a timer entry
    Delete(TimerIdInput),
}

/// A timer entry. Times are as typed: RFC 3339, `YYYY-MM-DD HH:MM[:SS]` or
/// `HH:MM[:SS]` (on the day of [`Ctx::now`]), the last two in local time.
#[derive(Debug, Clone, Args, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[command(group(ArgGroup::new("length").required(true).args(["end", "minutes"])))]
#[command(group(ArgGroup::new("what").args(["labor", "product"])))]
pub struct TimerAddInput {
    /// Ticket: 32164, #32164, or @ID
    #[serde(rename = "number")]
    pub ticket: TicketRef,
    /// RFC 3339, or local `YYYY-MM-DD HH:MM` or `HH:MM` (today)
    #[arg(long, value_name = "T")]
    pub start: String,
    #[arg(long, value_name = "T")]
    pub end: Option<String>,
    /// Instead of end
    #[arg(long, allow_negative_numbers = true, value_name = "M")]
    pub minutes: Option<i64>,
    #[arg(long)]
    pub notes: Option<String>,
    #[arg(long)]
    #[serde(default)]
    pub billable: bool,
    /// Labor type (its product)
    #[arg(long, value_name = "TYPE")]
    pub labor: Option<String>,
    #[arg(long, value_name = "ID")]
    #[serde(rename = "product_id")]
    pub product: Option<i64>,
}

/// Changes to a timer entry; at least one.
#[derive(Debug, Clone, Args, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[command(group(ArgGroup::new("change").required(true).multiple(true)
    .args(["start", "end", "minutes", "notes", "billable"])))]
#[command(group(ArgGroup::new("length").args(["end", "minutes"])))]
pub struct TimerUpdateInput {
    /// Ticket: 32164, #32164, or @ID
    #[serde(rename = "number")]
    pub ticket: TicketRef,
    /// From the ticket
    pub timer_id: i64,
    /// RFC 3339, or local `YYYY-MM-DD HH:MM` or `HH:MM` (today)
    #[arg(long, value_name = "T")]
    pub start: Option<String>,
    #[arg(long, value_name = "T")]
    pub end: Option<String>,
    /// Instead of end
    #[arg(long, allow_negative_numbers = true, value_name = "M")]
    pub minutes: Option<i64>,
    #[arg(long)]
    pub notes: Option<String>,
    #[arg(long, value_name = "true|false")]
    pub billable: Option<bool>,
}

/// A timer entry by id (charge, delete).
#[derive(Debug, Clone, Args, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TimerIdInput {
    /// Ticket: 32164, #32164, or @ID
    #[serde(rename = "number")]
    pub ticket: TicketRef,
    /// From the ticket
    pub timer_id: i64,
}

/// Checks a timer change and plans it.
pub fn plan(ctx: &Ctx, cache: &impl Cache, input: TimerInput) -> Result<Plan> {
    match input {
        TimerInput::Add(a) => plan_add(ctx, cache, a),
        TimerInput::Update(a) => plan_update(ctx, cache, a),
        TimerInput::Charge(a) => plan_charge(ctx, cache, a),
        TimerInput::Delete(a) => plan_delete(ctx, cache, a),
    }
}

/// Checks a timer entry and plans it.
pub fn plan_add(ctx: &Ctx, cache: &impl Cache, input: TimerAddInput) -> Result<Plan> {
    let start = when(&input.start, "--start", ctx.now)?;
    let end = match (&input.end, input.minutes) {
        // The CLI's argument parser already refuses both.
        (Some(_), Some(_)) => return Err(usage("give --end or --minutes, not both")),
        (Some(e), _) => when(e, "--end", ctx.now)?,
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
    let (product_id, what) = match (&input.labor, input.product) {
        // The CLI's argument parser already refuses both.
        (Some(_), Some(_)) => return Err(usage("give --labor or --product, not both")),
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
    let notes = optional_nonempty(input.notes.as_deref());
    let target = resolve_target(cache.store()?, input.ticket)?;
    let (start_at, end_at) = (
        syncro_store::time::format(start),
        syncro_store::time::format(end),
    );
    let summary = format!(
        "timer {} .. {} ({} min), {}{what}",
        render::time(Some(&start_at)),
        render::time(Some(&end_at)),
        (end - start).num_minutes(),
        if input.billable {
            "billable"
        } else {
            "not billable"
        }
    );
    let mut preview = summary.clone();
    if let Some(n) = &notes {
        preview.push_str(&format!("\nnotes: {n}"));
    }
    let item = target.item(Command::Timer(TimerWrite::Add {
        start_at,
        end_at,
        notes,
        billable: input.billable,
        product_id,
    }));
    let mut plan = Plan::single(format!("Add to {}", target.label), &target, item, preview);
    if let Some(step) = plan.steps.first_mut() {
        step.summary = Some(summary);
    }
    Ok(plan)
}

/// Checks a change to a timer entry and plans it. Minutes count from the
/// new start, or the cached one; the server is sent the end itself (a
/// changed duration does not move it).
pub fn plan_update(ctx: &Ctx, cache: &impl Cache, input: TimerUpdateInput) -> Result<Plan> {
    let store = cache.store()?;
    let target = resolve_target(store, input.ticket)?;
    let timer = find_timer(store, &target, input.timer_id)?;
    if timer.recorded {
        bail!(
            "timer {} on {} is already charged (its line item is made); change the line item instead; nothing queued",
            input.timer_id,
            target.short()
        );
    }
    let start = input
        .start
        .as_deref()
        .map(|s| when(s, "--start", ctx.now))
        .transpose()?;
    let cached = |t: &Option<String>| t.as_deref().and_then(syncro_store::time::parse);
    let end: Option<DateTime<Utc>> = match (&input.end, input.minutes) {
        (Some(_), Some(_)) => return Err(usage("give --end or --minutes, not both")),
        (Some(e), _) => Some(when(e, "--end", ctx.now)?),
        (None, Some(m)) if m <= 0 => bail!("--minutes must be positive, not {m}; nothing queued"),
        (None, Some(m)) => match start.or_else(|| cached(&timer.start_time)) {
            Some(s) => Some(s + chrono::Duration::minutes(m)),
            None => bail!(
                "timer {} has no start in the cache: give --start",
                input.timer_id
            ),
        },
        (None, None) => None,
    };
    let (new_start, new_end) = (
        start.or_else(|| cached(&timer.start_time)),
        end.or_else(|| cached(&timer.end_time)),
    );
    if let (Some(s), Some(e)) = (new_start, new_end) {
        if e <= s {
            bail!(
                "the timer would end ({}) before it starts ({}); nothing queued",
                render::time(Some(&syncro_store::time::format(e))),
                render::time(Some(&syncro_store::time::format(s)))
            );
        }
    }
    let notes = input.notes.as_deref().map(|n| n.trim().to_string());
    let mut preview = vec![format!("update timer {}", input.timer_id)];
    let show =
        |t: Option<DateTime<Utc>>| render::time(t.map(syncro_store::time::format).as_deref());
    if start.is_some() {
        preview.push(format!(
            "start {} -> {}",
            render::time(timer.start_time.as_deref()),
            show(start)
        ));
    }
    if end.is_some() {
        preview.push(format!(
            "end {} -> {}",
            render::time(timer.end_time.as_deref()),
            show(end)
        ));
    }
    if let Some(n) = &notes {
        preview.push(format!("notes: {n}"));
    }
    if let Some(b) = input.billable {
        preview.push(if b {
            "billable".into()
        } else {
            "not billable".into()
        });
    }
    let item = target.item(Command::Timer(TimerWrite::Update {
        timer_id: input.timer_id,
        start_at: start.map(syncro_store::time::format),
        end_at: end.map(syncro_store::time::format),
        notes,
        billable: input.billable,
        product_id: None,
    }));
    Ok(Plan::single(
        format!("Change {}", target.label),
        &target,
        item,
        preview.join("\n"),
    ))
}

/// Checks charging a timer entry (which creates its line item) and plans
/// it.
pub fn plan_charge(_ctx: &Ctx, cache: &impl Cache, input: TimerIdInput) -> Result<Plan> {
    let store = cache.store()?;
    let target = resolve_target(store, input.ticket)?;
    if cached_timer(store, &target, input.timer_id)? {
        bail!(
            "timer {} on {} is already charged; nothing queued",
            input.timer_id,
            target.short()
        );
    }
    let item = target.item(Command::Timer(TimerWrite::Charge {
        timer_id: input.timer_id,
    }));
    Ok(Plan::single(
        format!("Change {}", target.label),
        &target,
        item,
        format!("charge timer {} (creates its line item)", input.timer_id),
    ))
}

/// Checks deleting a timer entry and plans it.
pub fn plan_delete(_ctx: &Ctx, cache: &impl Cache, input: TimerIdInput) -> Result<Plan> {
    let store = cache.store()?;
    let target = resolve_target(store, input.ticket)?;
    let charged = cached_timer(store, &target, input.timer_id)?;
    let item = target.item(Command::Timer(TimerWrite::Delete {
        timer_id: input.timer_id,
    }));
    let mut plan = Plan::single(
        format!("Change {}", target.label),
        &target,
        item,
        format!("delete timer {}", input.timer_id),
    );
    if charged {
        plan.warnings.push(format!(
            "timer {} is already charged; its line item stays",
            input.timer_id
        ));
    }
    Ok(plan)
}

/// A timer of the target ticket, from the cache: is it charged already?
fn cached_timer(store: &Store, target: &Target, timer_id: i64) -> Result<bool> {
    find_timer(store, target, timer_id).map(|t| t.recorded)
}

/// A timer of the target ticket, from the cache.
fn find_timer(store: &Store, target: &Target, timer_id: i64) -> Result<TimerRow> {
    let Some(row) = &target.row else {
        bail!(
            "{} is not created yet, so it has no timer {timer_id}",
            target.short()
        );
    };
    let timers = store.timers(row.id)?;
    match timers.iter().find(|t| t.id == timer_id) {
        Some(t) => Ok(t.clone()),
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
