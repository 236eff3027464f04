//! Drawing the screen from [`App`]: one function per view, all within
//! 80x24, colour only when `NO_COLOR` is unset (selection and matches stay
//! visible through reverse video and bold without it).

use ansi_to_tui::IntoText;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Clear, List, ListItem, ListState, Paragraph, Wrap};
use ratatui::Frame;
use syncro_store::outbox::State;

use super::app::{App, BillForm, Compose, Mode};
use super::data::{Row, MARK};
use crate::render;
use crate::render::ticket::{detail, CommentCount, Shown};

/// The styles, plain under `NO_COLOR`.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    color: bool,
}

impl Theme {
    pub fn from_env() -> Theme {
        Theme {
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }

    fn fg(self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    fn selected(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    fn matched(self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    fn warn(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    fn dim(self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new()
        }
    }
}

pub fn draw(f: &mut Frame, app: &App, theme: Theme) {
    let [main, flash, bar] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(f.area());
    match &app.mode {
        Mode::List | Mode::Filter | Mode::Search => rows(f, main, app, theme),
        Mode::Outbox { selected, force } => outbox(f, main, app, *selected, *force, theme),
        _ => ticket(f, main, app, theme),
    }
    match &app.mode {
        Mode::Compose(c) => compose(f, main, c, theme),
        Mode::Status { choice } => status(f, main, *choice, theme),
        Mode::Bill(b) => bill(f, main, app, b, theme),
        Mode::Confirm => confirm(f, main, app, theme),
        _ => {}
    }
    if app.help {
        help(f, main);
    }
    let flash_text = app.flash.clone().unwrap_or_default();
    f.render_widget(
        Paragraph::new(render::one_line(&flash_text)).style(theme.fg(Color::Cyan)),
        flash,
    );
    status_bar(f, bar, app, theme);
}

/// A snippet with its matched words styled.
fn snippet(s: &str, theme: Theme) -> Line<'static> {
    let mut spans = vec![Span::raw("    ")];
    let mut rest = render::one_line(s);
    while let Some(open) = rest.find(MARK.0) {
        spans.push(Span::raw(rest[..open].to_string()));
        let after = &rest[open + MARK.0.len()..];
        let close = after.find(MARK.1).unwrap_or(after.len());
        spans.push(Span::styled(after[..close].to_string(), theme.matched()));
        rest = after[(close + MARK.1.len()).min(after.len())..].to_string();
    }
    spans.push(Span::raw(rest));
    Line::from(spans)
}

fn row_line(r: &Row, theme: Theme) -> Line<'static> {
    let t = &r.ticket;
    let mark = if r.customer_wrote { "● " } else { "  " };
    let pending = if r.pending > 0 {
        format!(" [{} pending]", r.pending)
    } else {
        String::new()
    };
    Line::from(vec![
        Span::styled(mark, theme.warn()),
        Span::raw(format!("#{:<6} ", t.number)),
        Span::styled(format!("{:<20.20} ", t.status), theme.fg(Color::Green)),
        Span::raw(format!("{:<18.18} ", t.customer_name)),
        Span::raw(t.subject.clone()),
        Span::styled(pending, theme.fg(Color::Magenta)),
    ])
}

fn rows(f: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let which = if app.all { "all" } else { "open" };
    let title = match app.mode {
        Mode::Search => format!(" search: {}▏ (Enter open, Esc back) ", app.query),
        Mode::Filter => format!(
            " {which} tickets of status, customer, assignee: {}▏ (Enter keep, Esc clear) ",
            app.filter
        ),
        _ if !app.filter.is_empty() => format!(
            " {which} tickets matching \"{}\" (f filter, Esc clear, / search) ",
            app.filter
        ),
        _ if app.all => " all tickets (newest activity first; / search, ? keys) ".to_string(),
        _ => " open tickets (newest activity first; / search, ? keys) ".to_string(),
    };
    let items: Vec<ListItem> = app
        .rows
        .iter()
        .map(|r| {
            let mut lines = vec![row_line(r, theme)];
            if let Some(s) = &r.snippet {
                lines.push(snippet(s, theme));
            }
            ListItem::new(Text::from(lines))
        })
        .collect();
    let empty = items.is_empty();
    let list = List::new(items)
        .block(Block::default().borders(Borders::ALL).title(title))
        .highlight_style(theme.selected())
        .highlight_symbol("▸");
    let mut state = ListState::default().with_selected((!empty).then_some(app.selected));
    f.render_stateful_widget(list, area, &mut state);
    if empty {
        let inner = area.inner(ratatui::layout::Margin::new(2, 1));
        let msg = match app.mode {
            Mode::Search if app.query.is_empty() => "type words from a subject or a thread",
            Mode::Search => "nothing matches",
            _ if !app.filter.is_empty() => "no ticket's status, customer or assignee matches",
            _ => "no tickets in the cache yet: is syncrod running? (r asks it to refresh)",
        };
        f.render_widget(Paragraph::new(msg).style(theme.dim()), inner);
    }
}

fn state_style(s: State, theme: Theme) -> Style {
    match s {
        State::Done => theme.fg(Color::Green),
        State::Failed | State::Uncertain | State::Differs | State::Held => theme.warn(),
        _ => theme.fg(Color::Yellow),
    }
}

/// The ticket as `syncro ticket` shows it (one renderer for both: the
/// CLI's coloured text, read back into styled lines by `ansi-to-tui`), all
/// comments, scrolled with the arrows.
fn ticket(f: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let Some(t) = &app.ticket else {
        f.render_widget(Paragraph::new("no ticket open"), area);
        return;
    };
    let view = Shown {
        pending: &t.outbox,
        duplicates: &t.possible_duplicates,
        now: app.ctx.now,
    };
    let text = detail(
        &t.detail,
        view,
        CommentCount::All,
        render::Style { color: theme.color },
    );
    // The text is ours and well formed; were it not, it shows plain.
    let lines = text.into_text().unwrap_or_else(|_| Text::raw(text.clone()));
    let keys = " c comment · s status · b bill · o outbox · Esc back ";
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((app.scroll, 0))
            .block(Block::default().borders(Borders::ALL).title(keys)),
        area,
    );
}

/// A box over the bottom of `area`, `height` lines tall.
fn popup(area: Rect, height: u16) -> Rect {
    let h = height.min(area.height);
    Rect::new(area.x, area.y + area.height - h, area.width, h)
}

fn compose(f: &mut Frame, area: Rect, c: &Compose, theme: Theme) {
    let r = popup(area, 12);
    f.render_widget(Clear, r);
    let visibility = if c.hidden {
        "private (internal note)"
    } else if c.do_not_email {
        "public, not emailed"
    } else {
        "public, emailed to the customer"
    };
    let mut lines: Vec<Line> = c
        .text
        .split('\n')
        .map(|l| Line::from(l.to_string()))
        .collect();
    if let Some(last) = lines.last_mut() {
        last.push_span(Span::raw("▏"));
    }
    let title = format!(" comment: {visibility} · ^P private · ^E email · ^S preview · Esc ");
    let style = if c.hidden { theme.dim() } else { Style::new() };
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .style(style)
            .block(Block::default().borders(Borders::ALL).title(title)),
        r,
    );
}

fn status(f: &mut Frame, area: Rect, choice: usize, theme: Theme) {
    let statuses = syncro_store::TICKET_STATUSES;
    let r = popup(area, statuses.len() as u16 + 2);
    f.render_widget(Clear, r);
    let list = List::new(
        statuses
            .iter()
            .map(|s| ListItem::new(*s))
            .collect::<Vec<_>>(),
    )
    .block(
        Block::default()
            .borders(Borders::ALL)
            .title(" new status · Enter · Esc "),
    )
    .highlight_style(theme.selected())
    .highlight_symbol("▸");
    let mut state = ListState::default().with_selected(Some(choice));
    f.render_stateful_widget(list, r, &mut state);
}

fn bill(f: &mut Frame, area: Rect, app: &App, b: &BillForm, theme: Theme) {
    let r = popup(area, 14);
    f.render_widget(Clear, r);
    let field = |i: usize, label: &str, value: String| {
        let style = if b.field == i {
            theme.selected()
        } else {
            Style::new()
        };
        Line::from(vec![
            Span::raw(format!("{label:<9}")),
            Span::styled(value, style),
        ])
    };
    let labor = app.labor.get(b.labor).cloned().unwrap_or_default();
    let rate = app
        .ctx
        .config
        .labor
        .get(&labor)
        .map(|l| render::dollars(l.rate))
        .unwrap_or_default();
    let mut lines = vec![
        field(0, "minutes", format!("{}▏", b.minutes)),
        field(1, "labor", format!("◂ {labor} ({rate}/h) ▸")),
        field(2, "comment", format!("{}▏", b.comment)),
        Line::from(""),
    ];
    match app.bill_plan(b) {
        Ok(plan) => {
            for l in plan.preview().lines().skip(1) {
                lines.push(Line::from(l.to_string()));
            }
        }
        Err(e) => lines.push(Line::from(format!("{e:#}")).style(theme.dim())),
    }
    f.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" bill · Tab next field · ←→ labor · Enter review · Esc "),
        ),
        r,
    );
}

fn confirm(f: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let Some(plan) = &app.pending_plan else {
        return;
    };
    let mut lines: Vec<Line> = plan
        .preview()
        .lines()
        .map(|l| Line::from(l.to_string()))
        .collect();
    for w in plan.warnings() {
        lines.push(Line::from(format!("warning: {w}")).style(theme.warn()));
    }
    if plan.send_after(&app.ctx, false).is_some() {
        lines.push(
            Line::from(format!(
                "it reaches the customer: sent {} s after you queue it (u takes it back)",
                app.ctx.config.undo_secs
            ))
            .style(theme.dim()),
        );
    }
    let r = popup(area, (lines.len() as u16 + 2).max(5));
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" queue this? y yes · any other key no "),
        ),
        r,
    );
}

fn outbox(f: &mut Frame, area: Rect, app: &App, selected: usize, force: bool, theme: Theme) {
    let items: Vec<ListItem> = app
        .outbox
        .iter()
        .map(|i| {
            let mut lines = vec![Line::from(vec![
                Span::styled(
                    format!("#{:<5} {:<10} ", i.id, i.state),
                    state_style(i.state, theme),
                ),
                Span::raw(format!(
                    "{} {}",
                    i.ticket_number.map(|n| format!("#{n}")).unwrap_or_default(),
                    i.command.describe()
                )),
            ])];
            if let Some(e) = &i.last_error {
                lines
                    .push(Line::from(format!("       {}", render::one_line(e))).style(theme.dim()));
            }
            ListItem::new(Text::from(lines))
        })
        .collect();
    let title = format!(
        " outbox · R retry · L release · C cancel · f force{} · Esc ",
        if force { " (ON)" } else { "" }
    );
    let list = List::new(items)
        .block(Block::default().borders(Borders::ALL).title(title))
        .highlight_style(theme.selected())
        .highlight_symbol("▸");
    let mut state = ListState::default().with_selected(Some(selected));
    f.render_stateful_widget(list, area, &mut state);
}

const KEYS: &str = "\
↑↓ / j k   move            Enter   open
/          search as you type (Esc leaves it)
f          filter by status, customer, assignee
a          open / all tickets
c          comment (^P private, ^E email, ^S preview)
s          status           b       bill
o          outbox (R retry, L release, C cancel, f force)
u          undo the last write not sent yet
r          ask syncrod to refresh now
Esc        back             q       quit (from the list)
any key closes this";

fn help(f: &mut Frame, area: Rect) {
    let r = popup(area, 13);
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(KEYS).block(Block::default().borders(Borders::ALL).title(" keys ")),
        r,
    );
}

fn status_bar(f: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let fr = &app.bar.freshness;
    let age = match fr.as_of {
        Some(_) => format!(
            "as of {}",
            render::age(fr.as_of.as_deref(), app.ctx.clock())
        ),
        None => "never synced".into(),
    };
    // The countdown first: at 80 columns the end of the bar is cut off,
    // and the undo cannot wait.
    let mut spans = Vec::new();
    if let Some(left) = app.undo_left() {
        spans.push(Span::styled(
            format!("sending in {left}s (u undo) · "),
            theme.fg(Color::Yellow),
        ));
    }
    spans.push(Span::styled(
        age,
        if fr.stale { theme.warn() } else { Style::new() },
    ));
    if fr.stale {
        spans.push(Span::styled(" (stale)", theme.warn()));
    }
    spans.push(Span::raw(" · "));
    spans.push(if fr.daemon_running {
        Span::raw("syncrod running")
    } else {
        Span::styled("syncrod NOT running: writes wait", theme.warn())
    });
    spans.push(Span::raw(format!(" · {} pending", app.bar.active)));
    if app.bar.needs_human > 0 {
        spans.push(Span::styled(
            format!(" · {} need you (o)", app.bar.needs_human),
            theme.warn(),
        ));
    }
    f.render_widget(
        Paragraph::new(Line::from(spans)).style(theme.selected()),
        area,
    );
}
