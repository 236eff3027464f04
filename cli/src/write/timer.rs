//! `syncro timer add|charge|delete`: a ticket's timer entries.

use anyhow::{bail, Result};
use syncro_store::outbox::Command;
use syncro_store::Store;

use super::input::{labor, optional_nonempty, when};
use super::plan::Plan;
use crate::args::TicketRef;
use crate::context::{resolve_target, usage, Cache, Ctx, Target};
use crate::render;

/// A timer entry. Times are as typed: RFC 3339, `YYYY-MM-DD HH:MM[:SS]` or
/// `HH:MM[:SS]` (on the day of [`Ctx::now`]), the last two in local time.
#[derive(Debug, Clone)]
pub struct TimerAddInput {
    pub ticket: TicketRef,
    pub start: String,
    /// When it ended; give this or `minutes`, not both.
    pub end: Option<String>,
    /// How long it ran; give this or `end`, not both.
    pub minutes: Option<i64>,
    pub notes: Option<String>,
    pub billable: bool,
    /// A labor type of the config (its product); or `product`, not both.
    pub labor: Option<String>,
    /// A product id; or `labor`, not both.
    pub product: Option<i64>,
}

/// A timer entry by id (charge, delete).
#[derive(Debug, Clone)]
pub struct TimerIdInput {
    pub ticket: TicketRef,
    pub timer_id: i64,
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
    let item = target.item(Command::AddTimer {
        start_at,
        end_at,
        notes,
        billable: input.billable,
        product_id,
    });
    let mut plan = Plan::single(format!("Add to {}", target.label), &target, item, preview);
    if let Some(step) = plan.steps.first_mut() {
        step.summary = Some(summary);
    }
    Ok(plan)
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
    let item = target.item(Command::ChargeTimer {
        timer_id: input.timer_id,
    });
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
    let item = target.item(Command::DeleteTimer {
        timer_id: input.timer_id,
    });
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
