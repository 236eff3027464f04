//! What every command starts from: the loaded config, output mode, and
//! helpers that resolve what users type (customers, tickets) against the
//! cache.

use std::cell::OnceCell;
use std::fmt;

use anyhow::{bail, Context as _, Result};
use chrono::{DateTime, Utc};
use syncro_store::config::Config;
use syncro_store::outbox::{OutboxItem, State};
use syncro_store::{CustomerRow, Store, TicketRow};

use crate::render::{self, Style};
use crate::ticket_ref::TicketRef;

/// An error in how the command was typed: exits 2, like clap's own.
#[derive(Debug)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Fails with exit code 2.
pub fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
}

pub struct Ctx {
    pub config: Config,
    pub json: bool,
    /// Styling for stdout.
    pub style: Style,
    /// Styling for stderr (previews, notes).
    pub err_style: Style,
    /// The instant the command runs at: ages, "today" and whether the
    /// daemon is alive are all judged against it, so one answer never
    /// mixes two clocks. `SYNCRO_NOW` (RFC 3339) pins it, so output can be
    /// made deterministic.
    pub now: DateTime<Utc>,
    /// `SYNCRO_NOW`, read once with the rest of the context.
    pinned: Option<DateTime<Utc>>,
}

impl Ctx {
    pub fn new(config: Config, json: bool) -> Ctx {
        let pinned = std::env::var("SYNCRO_NOW")
            .ok()
            .and_then(|s| syncro_store::time::parse(&s));
        Ctx {
            config,
            json,
            style: Style {
                color: !json && render::stdout_color(),
            },
            err_style: Style {
                color: render::stderr_color(),
            },
            now: pinned.unwrap_or_else(Utc::now),
            pinned,
        }
    }

    /// The time for a check made well after [`Ctx::now`] (at the end of
    /// `--wait`): the clock again, unless `SYNCRO_NOW` pinned it.
    pub fn clock(&self) -> DateTime<Utc> {
        self.pinned.unwrap_or_else(Utc::now)
    }

    /// Opens the cache; never creates one (that is syncrod's job).
    pub fn store(&self) -> Result<Store> {
        let path = &self.config.db_path;
        if !path.exists() {
            bail!(
                "no cache at {} yet: start syncrod (or run `syncrod once`)",
                path.display()
            );
        }
        Ok(Store::open(path)?)
    }

    /// Seconds after which a daemon heartbeat counts as stale: about three
    /// sync intervals.
    pub fn heartbeat_max_age(&self) -> chrono::Duration {
        let secs = self.config.schedule.sync_interval_secs.saturating_mul(3);
        chrono::Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX / 1000).max(30))
    }
}

/// Where queries and plans get the cache from: an open [`Store`], or a
/// [`LazyStore`] that opens it only when first needed.
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

    /// The store, opened now if nothing asked for it yet.
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

/// Whether the daemon's heartbeat is fresh, judged at [`Ctx::now`].
pub fn daemon_alive(ctx: &Ctx, beat: Option<&syncro_store::DaemonHeartbeat>) -> bool {
    daemon_alive_at(ctx, beat, ctx.now)
}

/// Whether the daemon's heartbeat is fresh at `now`.
pub fn daemon_alive_at(
    ctx: &Ctx,
    beat: Option<&syncro_store::DaemonHeartbeat>,
    now: DateTime<Utc>,
) -> bool {
    beat.is_some_and(|b| {
        b.running
            && syncro_store::time::parse(&b.beat_at)
                .is_some_and(|t| now - t <= ctx.heartbeat_max_age())
    })
}

/// A customer by id or by (unambiguous) name. An ambiguous name lists the
/// candidates in the error.
pub fn resolve_customer(store: &Store, input: &str, include_disabled: bool) -> Result<CustomerRow> {
    let input = input.trim();
    if input.is_empty() {
        bail!("no customer given");
    }
    if let Ok(id) = input.parse::<i64>() {
        return store.customer(id)?.with_context(|| {
            format!("no customer with id {id} in the cache (try `syncro customers`)")
        });
    }
    let candidates = store.customers(Some(input), include_disabled)?;
    let exact: Vec<&CustomerRow> = candidates
        .iter()
        .filter(|c| {
            [
                Some(c.business_then_name.as_str()),
                c.business_name.as_deref(),
                c.fullname.as_deref(),
            ]
            .into_iter()
            .flatten()
            .any(|n| n.eq_ignore_ascii_case(input))
        })
        .collect();
    match (exact.as_slice(), candidates.as_slice()) {
        ([one], _) => Ok((*one).clone()),
        ([], [one]) => Ok(one.clone()),
        ([], []) => bail!("no customer matches {input:?} (try `syncro customers`)"),
        (some, all) => {
            let list: Vec<&CustomerRow> = if some.is_empty() {
                all.iter().collect()
            } else {
                some.to_vec()
            };
            let mut msg = format!(
                "{input:?} matches {} customers; use the id or a fuller name:",
                list.len()
            );
            for c in list.iter().take(15) {
                msg.push_str(&format!(
                    "\n  {:>6}  {}{}",
                    c.id,
                    c.business_then_name,
                    c.email
                        .as_deref()
                        .map(|e| format!("  <{e}>"))
                        .unwrap_or_default()
                ));
            }
            if list.len() > 15 {
                msg.push_str(&format!("\n  … and {} more", list.len() - 15));
            }
            bail!(msg)
        }
    }
}

/// A cached ticket by number, or an error saying it is not cached.
pub fn cached_ticket(store: &Store, number: i64) -> Result<TicketRow> {
    store
        .ticket_by_number(number)?
        .ok_or_else(|| not_cached(number))
}

/// The error for a ticket number the cache does not hold.
pub fn not_cached(number: i64) -> anyhow::Error {
    anyhow::anyhow!(
        "ticket #{number} is not in the cache (check the number with `syncro search`, or run `syncro sync`)"
    )
}

/// The ticket a write acts on.
#[derive(Debug, Clone)]
pub struct Target {
    pub ticket_id: Option<i64>,
    pub ticket_number: Option<i64>,
    /// The queued create item this write waits for (`@ID`).
    pub depends_on: Option<i64>,
    /// The cached ticket, when there is one.
    pub row: Option<TicketRow>,
    /// `#32164 Own cloud thing again (Jerry Burger)` or `@5 (new ticket "…")`.
    pub label: String,
}

impl Target {
    pub fn item(&self, command: syncro_store::outbox::Command) -> syncro_store::outbox::NewItem {
        syncro_store::outbox::NewItem {
            command,
            ticket_id: self.ticket_id,
            ticket_number: self.ticket_number,
            depends_on: self.depends_on,
            base_updated_at: None,
        }
    }

    pub fn short(&self) -> String {
        match (self.ticket_number, self.depends_on) {
            (Some(n), _) => format!("#{n}"),
            (None, Some(d)) => format!("@{d}"),
            (None, None) => "?".into(),
        }
    }
}

/// Outbox item `id` (`@ID`) and the subject of the ticket it creates; an
/// error naming what it is when it is no ticket create.
fn queued_create(store: &Store, id: i64) -> Result<(OutboxItem, String)> {
    let item = store.outbox_item(id)?.with_context(|| {
        format!("@{id}: there is no outbox item {id} (see `syncro outbox --all`)")
    })?;
    let Some(subject) = item.command.new_ticket_subject().map(str::to_string) else {
        bail!(
            "@{id}: outbox item {id} is a {}, not a ticket creation",
            item.kind
        );
    };
    Ok((item, subject))
}

/// The number of the ticket a read names: `32164`, or `@ID` once the
/// queued create ID has made its ticket (an agent that created a ticket
/// reads it back by the id it was given). Before that there is nothing to
/// read, and the error says what to wait for.
pub fn ticket_number(store: &Store, r: TicketRef) -> Result<i64> {
    let id = match r {
        TicketRef::Number(n) => return Ok(n),
        TicketRef::Pending(id) => id,
    };
    let (item, subject) = queued_create(store, id)?;
    match (item.state, item.ticket_number) {
        (State::Done | State::Differs, Some(n)) => Ok(n),
        (State::Cancelled | State::Failed, _) => {
            bail!(
                "@{id}: creating ticket \"{subject}\" {}; there is no ticket to read",
                item.state
            )
        }
        (state, _) => bail!(
            "@{id}: ticket \"{subject}\" is not created yet (outbox item {id} is {state}); \
             wait for it (`syncro outbox`), then read it again"
        ),
    }
}

/// Resolves a TICKET argument for a write.
pub fn resolve_target(store: &Store, r: TicketRef) -> Result<Target> {
    match r {
        TicketRef::Number(n) => {
            let row = cached_ticket(store, n)?;
            Ok(Target {
                ticket_id: Some(row.id),
                ticket_number: Some(row.number),
                depends_on: None,
                label: render::ticket::label(&row),
                row: Some(row),
            })
        }
        TicketRef::Pending(id) => {
            let (item, subject) = queued_create(store, id)?;
            let subject = subject.as_str();
            match item.state {
                State::Cancelled | State::Failed => bail!(
                    "@{id}: creating that ticket {}; nothing can be added to it",
                    item.state
                ),
                State::Done | State::Differs => {
                    // Created already: act on the real ticket.
                    let (Some(tid), Some(num)) = (item.ticket_id, item.ticket_number) else {
                        bail!("@{id}: the ticket was created but its number is not recorded yet; try again after `syncro sync`");
                    };
                    let row = store.ticket_by_id(tid)?;
                    Ok(Target {
                        ticket_id: Some(tid),
                        ticket_number: Some(num),
                        depends_on: None,
                        label: row
                            .as_ref()
                            .map(render::ticket::label)
                            .unwrap_or_else(|| format!("#{num} {subject}")),
                        row,
                    })
                }
                _ => Ok(Target {
                    ticket_id: None,
                    ticket_number: None,
                    depends_on: Some(id),
                    row: None,
                    label: format!("@{id} (new ticket \"{subject}\", not created yet)"),
                }),
            }
        }
    }
}
