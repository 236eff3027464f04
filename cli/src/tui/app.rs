//! The screen's state and what each key does to it. Every write goes
//! through the CLI's own plans (`comment::plan`, `ticket::plan_update`,
//! `bill::plan`) and the same outbox: there is no second path to the
//! server. Drawing is `super::view`'s.

use anyhow::Result;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use syncro_store::outbox::OutboxItem;
use syncro_store::Store;

use super::data::{self, Bar, Row, Seen};
use crate::context::Ctx;
use crate::read::ticket::{self, TicketAnswer};
use crate::ticket_ref::TicketRef;
use crate::write::bill::{self, BillInput};
use crate::write::comment::{self, CommentInput};
use crate::write::plan::Plan;
use crate::write::ticket::{self as ticket_write, UpdateInput};

/// Where the keyboard is.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    List,
    /// Typing the list's filter (status, customer, assignee): each key
    /// filters again.
    Filter,
    /// Typing a search: each key searches again.
    Search,
    Ticket,
    Compose(Compose),
    Status {
        choice: usize,
    },
    Bill(BillForm),
    /// A plan shown before queueing: `y` queues it, anything else drops it.
    Confirm,
    Outbox {
        selected: usize,
        force: bool,
    },
}

/// The comment being written.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Compose {
    pub text: String,
    pub hidden: bool,
    pub do_not_email: bool,
}

/// The bill being filled in.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BillForm {
    pub minutes: String,
    pub labor: usize,
    pub comment: String,
    /// Which field keys go to: 0 minutes, 1 labor, 2 comment.
    pub field: usize,
}

/// Everything the screen knows.
pub struct App {
    pub ctx: Ctx,
    pub store: Store,
    pub mode: Mode,
    /// Where Esc goes back to, innermost last: the outbox opened from a
    /// ticket opened from a search returns to the ticket, then the search.
    pub back: Vec<Mode>,
    pub all: bool,
    /// The list's filter as typed (see `data::passes`).
    pub filter: String,
    pub query: String,
    pub rows: Vec<Row>,
    pub selected: usize,
    pub ticket: Option<TicketAnswer>,
    pub scroll: u16,
    pub outbox: Vec<OutboxItem>,
    pub bar: Bar,
    /// The plan waiting for `y`, and its preview lines.
    pub pending_plan: Option<Plan>,
    /// A line for the technician (what just happened, or what went wrong).
    pub flash: Option<String>,
    pub help: bool,
    pub seen: Seen,
    pub quit: bool,
    /// The labor types, in the config's order.
    pub labor: Vec<String>,
    /// When the soonest write waiting out its undo window is sent.
    pub undo_until: Option<chrono::DateTime<chrono::Utc>>,
}

impl App {
    pub fn new(ctx: Ctx, store: Store, seen: Seen) -> Result<App> {
        let bar = data::bar(&ctx, &store)?;
        let labor = ctx.config.labor.keys().cloned().collect();
        let mut app = App {
            ctx,
            store,
            mode: Mode::List,
            back: Vec::new(),
            all: false,
            filter: String::new(),
            query: String::new(),
            rows: Vec::new(),
            selected: 0,
            ticket: None,
            scroll: 0,
            outbox: Vec::new(),
            bar,
            pending_plan: None,
            flash: None,
            help: false,
            seen,
            quit: false,
            labor,
            undo_until: None,
        };
        app.reload()?;
        Ok(app)
    }

    /// The status bar again, as of now: the cache's age and whether
    /// syncrod runs change with time alone, with nothing new in the cache.
    pub fn refresh_bar(&mut self) -> Result<()> {
        self.ctx.now = self.ctx.clock();
        self.bar = data::bar(&self.ctx, &self.store)?;
        Ok(())
    }

    /// Reads again what the current view shows (the daemon changed the
    /// cache, or a write was queued).
    pub fn reload(&mut self) -> Result<()> {
        self.ctx.now = self.ctx.clock();
        self.bar = data::bar(&self.ctx, &self.store)?;
        let now = self.ctx.now;
        self.undo_until = self
            .store
            .outbox_items(&[syncro_store::outbox::State::Queued])?
            .iter()
            .filter(|i| i.attempts == 0)
            .filter_map(|i| i.send_after.as_deref().and_then(syncro_store::time::parse))
            .filter(|t| *t > now)
            .min();
        match &self.mode {
            Mode::Search => self.rows = data::search(&self.store, &self.query, &self.seen)?,
            Mode::List | Mode::Filter => {
                self.rows = data::list(&self.store, self.all, &self.filter, &self.seen)?
            }
            _ => {}
        }
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
        if let Some(t) = &self.ticket {
            let number = t.detail.ticket.number;
            self.ticket = ticket::find(&self.ctx, &self.store, number)?;
        }
        if matches!(self.mode, Mode::Outbox { .. }) {
            self.outbox = data::outbox(&self.store)?;
        }
        Ok(())
    }

    /// Seconds until the soonest write in its undo window is sent,
    /// rounded up (10 s from now shows 10, 9.2 s shows 10, 0.3 s shows 1).
    pub fn undo_left(&self) -> Option<i64> {
        self.undo_until
            .map(|t| ((t - self.ctx.clock()).num_milliseconds() + 999).div_euclid(1000))
            .filter(|s| *s > 0)
    }

    fn number(&self) -> Option<i64> {
        self.ticket.as_ref().map(|t| t.detail.ticket.number)
    }

    fn open_selected(&mut self) -> Result<()> {
        let Some(row) = self.rows.get(self.selected) else {
            return Ok(());
        };
        let (number, id) = (row.ticket.number, row.ticket.id);
        self.ticket = ticket::find(&self.ctx, &self.store, number)?;
        self.seen
            .insert(id, syncro_store::time::format(self.ctx.clock()));
        self.scroll = 0;
        self.back.push(self.mode.clone());
        self.mode = Mode::Ticket;
        Ok(())
    }

    /// Shows `plan` and waits for `y`.
    fn confirm(&mut self, plan: Result<Plan>) {
        match plan {
            Ok(p) => {
                self.pending_plan = Some(p);
                self.mode = Mode::Confirm;
            }
            Err(e) => self.flash = Some(format!("{e:#}")),
        }
    }

    /// Queues the confirmed plan through the outbox, as the CLI does.
    fn queue(&mut self) -> Result<()> {
        let Some(plan) = self.pending_plan.take() else {
            return Ok(());
        };
        let send_after = plan.send_after(&self.ctx, false);
        let queued = plan.enqueue(&mut self.store, send_after)?;
        self.flash = Some(match (&queued.send_after, queued.ids.first()) {
            (Some(_), Some(id)) => format!(
                "queued #{id}: sent in {} s unless you press u (undo)",
                self.ctx.config.undo_secs
            ),
            (None, Some(id)) => format!("queued #{id}: syncrod sends and verifies it"),
            _ => "nothing queued".into(),
        });
        self.mode = Mode::Ticket;
        self.reload()
    }

    /// One key. Errors become the flash line: the screen stays up.
    pub fn key(&mut self, k: KeyEvent) {
        if let Err(e) = self.key_inner(k) {
            self.flash = Some(format!("{e:#}"));
        }
    }

    fn key_inner(&mut self, k: KeyEvent) -> Result<()> {
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && k.code == KeyCode::Char('c') {
            self.quit = true;
            return Ok(());
        }
        if self.help {
            self.help = false;
            return Ok(());
        }
        let typing = matches!(
            self.mode,
            Mode::Search | Mode::Filter | Mode::Compose(_) | Mode::Bill(_)
        );
        if !typing {
            match k.code {
                KeyCode::Char('?') => {
                    self.help = true;
                    return Ok(());
                }
                KeyCode::Char('r') => {
                    self.store.request_sync()?;
                    self.refresh_bar()?;
                    self.flash = Some(if self.bar.freshness.daemon_running {
                        "refresh asked of syncrod".into()
                    } else {
                        "syncrod is not running: the refresh waits until it starts".into()
                    });
                    return Ok(());
                }
                KeyCode::Char('o') if !matches!(self.mode, Mode::Outbox { .. } | Mode::Confirm) => {
                    self.back.push(self.mode.clone());
                    self.mode = Mode::Outbox {
                        selected: 0,
                        force: false,
                    };
                    self.outbox = data::outbox(&self.store)?;
                    return Ok(());
                }
                KeyCode::Char('u') if self.mode != Mode::Confirm => {
                    self.flash = Some(match self.store.outbox_undo()? {
                        Some(items) => format!("taken back: {} write(s) not sent", items.len()),
                        None => "nothing left to take back".into(),
                    });
                    return self.reload();
                }
                _ => {}
            }
        }
        match self.mode.clone() {
            Mode::List => self.list_key(k),
            Mode::Search => self.search_key(k),
            Mode::Filter => self.filter_key(k),
            Mode::Ticket => self.ticket_key(k),
            Mode::Compose(c) => self.compose_key(k, c),
            Mode::Status { choice } => self.status_key(k, choice),
            Mode::Bill(b) => self.bill_key(k, b),
            Mode::Confirm => {
                if k.code == KeyCode::Char('y') {
                    self.queue()
                } else {
                    self.pending_plan = None;
                    self.flash = Some("not queued".into());
                    self.mode = Mode::Ticket;
                    Ok(())
                }
            }
            Mode::Outbox { selected, force } => self.outbox_key(k, selected, force),
        }
    }

    fn move_selection(&mut self, k: &KeyEvent, len: usize, selected: &mut usize) -> bool {
        match k.code {
            KeyCode::Down | KeyCode::Char('j') => {
                *selected = (*selected + 1).min(len.saturating_sub(1))
            }
            KeyCode::Up | KeyCode::Char('k') => *selected = selected.saturating_sub(1),
            KeyCode::PageDown => *selected = (*selected + 10).min(len.saturating_sub(1)),
            KeyCode::PageUp => *selected = selected.saturating_sub(10),
            _ => return false,
        }
        true
    }

    fn list_key(&mut self, k: KeyEvent) -> Result<()> {
        let mut sel = self.selected;
        if self.move_selection(&k, self.rows.len(), &mut sel) {
            self.selected = sel;
            return Ok(());
        }
        match k.code {
            KeyCode::Char('q') => self.quit = true,
            KeyCode::Char('/') => {
                self.mode = Mode::Search;
                self.selected = 0;
                self.rows = data::search(&self.store, &self.query, &self.seen)?;
            }
            KeyCode::Char('a') => {
                self.all = !self.all;
                self.reload()?;
            }
            KeyCode::Char('f') => self.mode = Mode::Filter,
            KeyCode::Esc if !self.filter.is_empty() => {
                self.filter.clear();
                self.selected = 0;
                self.reload()?;
            }
            KeyCode::Enter => self.open_selected()?,
            _ => {}
        }
        Ok(())
    }

    fn filter_key(&mut self, k: KeyEvent) -> Result<()> {
        match k.code {
            KeyCode::Esc => {
                self.filter.clear();
                self.mode = Mode::List;
            }
            KeyCode::Enter => {
                self.mode = Mode::List;
                return Ok(());
            }
            KeyCode::Down | KeyCode::Up | KeyCode::PageDown | KeyCode::PageUp => {
                let mut sel = self.selected;
                self.move_selection(&k, self.rows.len(), &mut sel);
                self.selected = sel;
                return Ok(());
            }
            KeyCode::Backspace => {
                self.filter.pop();
            }
            KeyCode::Char(c) => self.filter.push(c),
            _ => return Ok(()),
        }
        self.selected = 0;
        self.reload()
    }

    fn search_key(&mut self, k: KeyEvent) -> Result<()> {
        match k.code {
            KeyCode::Esc => {
                self.mode = Mode::List;
                self.selected = 0;
                self.reload()?;
            }
            KeyCode::Enter => self.open_selected()?,
            KeyCode::Down | KeyCode::Up | KeyCode::PageDown | KeyCode::PageUp => {
                let mut sel = self.selected;
                self.move_selection(&k, self.rows.len(), &mut sel);
                self.selected = sel;
            }
            KeyCode::Backspace => {
                self.query.pop();
                self.selected = 0;
                self.rows = data::search(&self.store, &self.query, &self.seen)?;
            }
            KeyCode::Char(c) => {
                self.query.push(c);
                self.selected = 0;
                self.rows = data::search(&self.store, &self.query, &self.seen)?;
            }
            _ => {}
        }
        Ok(())
    }

    fn ticket_key(&mut self, k: KeyEvent) -> Result<()> {
        match k.code {
            KeyCode::Esc | KeyCode::Char('q') => {
                self.mode = self.back.pop().unwrap_or(Mode::List);
                if matches!(self.mode, Mode::Ticket | Mode::Confirm) {
                    self.mode = Mode::List;
                }
                self.reload()?;
            }
            KeyCode::Down | KeyCode::Char('j') => self.scroll = self.scroll.saturating_add(1),
            KeyCode::Up | KeyCode::Char('k') => self.scroll = self.scroll.saturating_sub(1),
            KeyCode::PageDown => self.scroll = self.scroll.saturating_add(10),
            KeyCode::PageUp => self.scroll = self.scroll.saturating_sub(10),
            KeyCode::Char('c') => self.mode = Mode::Compose(Compose::default()),
            KeyCode::Char('s') => {
                let current = self
                    .ticket
                    .as_ref()
                    .and_then(|t| {
                        syncro_store::TICKET_STATUSES
                            .iter()
                            .position(|s| *s == t.detail.ticket.status)
                    })
                    .unwrap_or(0);
                self.mode = Mode::Status { choice: current };
            }
            KeyCode::Char('b') => {
                if self.labor.is_empty() {
                    self.flash =
                        Some("no [labor.<type>] in the config: `syncro init` sets them".into());
                } else {
                    self.mode = Mode::Bill(BillForm::default());
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn compose_key(&mut self, k: KeyEvent, mut c: Compose) -> Result<()> {
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        match k.code {
            KeyCode::Esc => {
                self.mode = Mode::Ticket;
                return Ok(());
            }
            // Ctrl+S (or F2): preview it.
            KeyCode::Char('s') if ctrl => return self.comment_plan(c),
            KeyCode::F(2) => return self.comment_plan(c),
            KeyCode::Char('p') if ctrl => c.hidden = !c.hidden,
            KeyCode::Char('e') if ctrl => c.do_not_email = !c.do_not_email,
            KeyCode::Enter => c.text.push('\n'),
            KeyCode::Backspace => {
                c.text.pop();
            }
            KeyCode::Char(ch) if !ctrl => c.text.push(ch),
            _ => {}
        }
        self.mode = Mode::Compose(c);
        Ok(())
    }

    fn comment_plan(&mut self, c: Compose) -> Result<()> {
        let Some(number) = self.number() else {
            return Ok(());
        };
        let plan = comment::plan(
            &self.ctx,
            &self.store,
            CommentInput {
                ticket: TicketRef::Number(number),
                subject: "Update".into(),
                body: Some(c.text.clone()),
                hidden: c.hidden,
                do_not_email: c.do_not_email,
                tech: None,
            },
        );
        if plan.is_err() {
            // Keep what was typed.
            self.mode = Mode::Compose(c);
            self.flash = plan.err().map(|e| format!("{e:#}"));
            return Ok(());
        }
        self.confirm(plan);
        Ok(())
    }

    fn status_key(&mut self, k: KeyEvent, mut choice: usize) -> Result<()> {
        let statuses = syncro_store::TICKET_STATUSES;
        if self.move_selection(&k, statuses.len(), &mut choice) {
            self.mode = Mode::Status { choice };
            return Ok(());
        }
        match k.code {
            KeyCode::Esc => self.mode = Mode::Ticket,
            KeyCode::Enter => {
                if let Some(number) = self.number() {
                    let plan = ticket_write::plan_update(
                        &self.ctx,
                        &self.store,
                        UpdateInput {
                            ticket: TicketRef::Number(number),
                            status: Some(statuses[choice].to_string()),
                            priority: None,
                            assignee: None,
                            due_date: None,
                        },
                    );
                    self.confirm(plan);
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The bill the form describes, planned (its preview has the line,
    /// hours x rate and the total), or why it cannot be.
    pub fn bill_plan(&self, b: &BillForm) -> Result<Plan> {
        let number = self.number().unwrap_or_default();
        let minutes = b
            .minutes
            .trim()
            .parse::<i64>()
            .map_err(|_| anyhow::anyhow!("minutes: type how many minutes were worked"))?;
        bill::plan(
            &self.ctx,
            &self.store,
            BillInput {
                ticket: TicketRef::Number(number),
                minutes,
                labor: self.labor.get(b.labor).cloned().unwrap_or_default(),
                rate: None,
                comment: (!b.comment.trim().is_empty()).then(|| b.comment.clone()),
                subject: None,
                hidden: false,
                do_not_email: false,
            },
        )
    }

    fn bill_key(&mut self, k: KeyEvent, mut b: BillForm) -> Result<()> {
        match k.code {
            KeyCode::Esc => {
                self.mode = Mode::Ticket;
                return Ok(());
            }
            KeyCode::Tab | KeyCode::Down => b.field = (b.field + 1) % 3,
            KeyCode::BackTab | KeyCode::Up => b.field = (b.field + 2) % 3,
            KeyCode::Left if b.field == 1 => {
                b.labor = (b.labor + self.labor.len() - 1) % self.labor.len().max(1)
            }
            KeyCode::Right if b.field == 1 => b.labor = (b.labor + 1) % self.labor.len().max(1),
            KeyCode::Enter => {
                let plan = self.bill_plan(&b);
                if plan.is_ok() {
                    self.confirm(plan);
                } else {
                    self.flash = plan.err().map(|e| format!("{e:#}"));
                    self.mode = Mode::Bill(b);
                }
                return Ok(());
            }
            KeyCode::Backspace => {
                match b.field {
                    0 => b.minutes.pop(),
                    2 => b.comment.pop(),
                    _ => None,
                };
            }
            KeyCode::Char(c) if b.field == 0 && c.is_ascii_digit() => b.minutes.push(c),
            KeyCode::Char(c) if b.field == 2 => b.comment.push(c),
            _ => {}
        }
        self.mode = Mode::Bill(b);
        Ok(())
    }

    fn outbox_key(&mut self, k: KeyEvent, mut selected: usize, force: bool) -> Result<()> {
        if self.move_selection(&k, self.outbox.len(), &mut selected) {
            self.mode = Mode::Outbox { selected, force };
            return Ok(());
        }
        let id = self.outbox.get(selected).map(|i| i.id);
        let act = |app: &mut App, action: crate::write::outbox::Action| -> Result<()> {
            if let Some(id) = id {
                let acted = crate::write::outbox::act(&mut app.store, id, action, force)?;
                app.flash = Some(format!("#{id}: {}", acted.what));
                app.outbox = data::outbox(&app.store)?;
            }
            Ok(())
        };
        match k.code {
            KeyCode::Esc | KeyCode::Char('q') => {
                self.mode = self.back.pop().unwrap_or(Mode::List);
                return self.reload();
            }
            // `f` arms --force for the next action: the technician looked.
            KeyCode::Char('f') => {
                self.mode = Mode::Outbox {
                    selected,
                    force: !force,
                };
                return Ok(());
            }
            KeyCode::Char('R') => act(self, crate::write::outbox::Action::Retry)?,
            KeyCode::Char('L') => act(self, crate::write::outbox::Action::Release)?,
            KeyCode::Char('C') => act(self, crate::write::outbox::Action::Cancel)?,
            _ => {}
        }
        self.mode = Mode::Outbox {
            selected,
            force: false,
        };
        Ok(())
    }
}
