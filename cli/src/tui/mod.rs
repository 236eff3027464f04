//! `syncro tui`: the cache and the outbox as one keyboard-driven screen.
//!
//! Everything comes from the local cache, so nothing waits on the network;
//! writes go through the CLI's plans into the outbox, for syncrod to send
//! and verify. The screen redraws by itself when the daemon changes the
//! cache (SQLite's `data_version` moves when another connection commits).
//!
//! - [`app`]: the state and what each key does;
//! - [`view`]: drawing it;
//! - [`data`]: the reads behind it;
//! - this file: the terminal (raw mode, the alternate screen, restored on
//!   every way out: quit, Ctrl-C, SIGTERM, a panic), and a headless mode
//!   that renders to an in-memory screen for the snapshot tests and the
//!   keystroke benchmark.

mod app;
mod data;
mod keys;
mod view;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};
use crossterm::event::{self, Event, KeyEventKind};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use syncro_store::config::Config;

use crate::args::TuiArgs;
use crate::context::Ctx;
use app::App;
use view::Theme;

/// How often the screen looks whether the cache changed (and the undo
/// countdown moves), when no key comes.
const TICK: Duration = Duration::from_millis(250);

pub fn run(config: Option<&Path>, args: TuiArgs) -> Result<ExitCode> {
    let launched = Instant::now();
    let config = Config::load(config)?;
    let ctx = Ctx::new(config, false);
    let store = ctx.store()?;
    let seen_file = seen_path(&store);
    let mut app = App::new(ctx, store, load_seen(&seen_file))?;
    match args.headless {
        Some(size) => {
            let code = headless(
                &mut app,
                &size,
                args.keys.as_deref().unwrap_or(""),
                args.bench.then_some(launched),
            )?;
            // What a scripted run opened counts as seen, as on a terminal.
            save_seen(&seen_file, &app.seen);
            Ok(code)
        }
        None => {
            let app = interactive(app)?;
            save_seen(&seen_file, &app.seen);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Runs the screen until `q`, Ctrl-C or SIGTERM. The terminal is restored
/// whatever happens: `ratatui::init` restores it on a panic, and every
/// other way out passes through the `restore` below.
fn interactive(mut app: App) -> Result<App> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        bail!("syncro tui needs a terminal (use the other commands in scripts)");
    }
    let stop = stop_on_signals();
    let theme = Theme::from_env();
    let mut terminal = match crossterm::terminal::size() {
        // A terminal that does not say its size (some serial consoles and
        // pseudo-terminals): COLUMNS x LINES, else 80x24.
        Ok((0, _) | (_, 0)) | Err(_) => {
            let env = |k: &str, d: u16| {
                std::env::var(k)
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .filter(|n| *n > 0)
                    .unwrap_or(d)
            };
            let area = ratatui::layout::Rect::new(0, 0, env("COLUMNS", 80), env("LINES", 24));
            let terminal = ratatui::init_with_options(ratatui::TerminalOptions {
                viewport: ratatui::Viewport::Fixed(area),
            });
            // `init_with_options` leaves the main screen as it is (it is
            // made for inline viewports); the screen still belongs on the
            // alternate one, which `restore` leaves.
            crossterm::execute!(std::io::stdout(), crossterm::terminal::EnterAlternateScreen)?;
            terminal
        }
        Ok(_) => ratatui::init(),
    };
    let result = (|| -> Result<()> {
        let mut version = app.store.data_version()?;
        loop {
            terminal.draw(|f| view::draw(f, &app, theme))?;
            if app.quit || stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            if event::poll(TICK)? {
                if let Event::Key(k) = event::read()? {
                    if k.kind == KeyEventKind::Press {
                        app.key(k);
                    }
                }
            }
            let now = app.store.data_version()?;
            if now != version {
                version = now;
                app.reload()?;
            } else {
                // Nothing changed in the cache, but time passed: the cache
                // ages and syncrod may have stopped (a dead daemon commits
                // nothing), so the bar is worked out again.
                app.refresh_bar()?;
            }
        }
    })();
    ratatui::restore();
    result.map(|()| app)
}

/// A flag set by SIGTERM or SIGHUP (the terminal went away), so the loop
/// ends and restores the terminal instead of dying in raw mode. (In raw
/// mode Ctrl-C is a key, handled by the app.) Returns once the handlers
/// are in place, before the terminal goes raw: a signal in the first
/// instant would otherwise kill the process with the terminal raw.
fn stop_on_signals() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    #[cfg(unix)]
    {
        let flag = stop.clone();
        let (ready, registered) = std::sync::mpsc::channel::<()>();
        std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                use tokio::signal::unix::{signal, SignalKind};
                let (Ok(mut term), Ok(mut hup)) = (
                    signal(SignalKind::terminate()),
                    signal(SignalKind::hangup()),
                ) else {
                    return;
                };
                let _ = ready.send(());
                tokio::select! {
                    _ = term.recv() => {}
                    _ = hup.recv() => {}
                }
                flag.store(true, Ordering::Relaxed);
            });
        });
        // Dropped without a send when the handlers cannot be set: go on
        // without them rather than not at all.
        let _ = registered.recv_timeout(std::time::Duration::from_secs(2));
    }
    stop
}

/// Renders to an in-memory WIDTHxHEIGHT screen, presses `keys`, and prints
/// the last screen (or, with `bench` (the launch instant), the time from
/// launch to the first frame and each keystroke's time to its frame, as
/// JSON).
fn headless(app: &mut App, size: &str, keys: &str, bench: Option<Instant>) -> Result<ExitCode> {
    let (w, h) = size
        .split_once('x')
        .and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)))
        .with_context(|| format!("--headless takes WIDTHxHEIGHT, not {size:?}"))?;
    let keys = keys::parse(keys)?;
    let theme = Theme::from_env();
    let mut terminal = Terminal::new(TestBackend::new(w, h))?;
    terminal.draw(|f| view::draw(f, app, theme))?;
    let first = bench.map(|launched| launched.elapsed()).unwrap_or_default();
    let mut frames = Vec::with_capacity(keys.len());
    for k in keys {
        let t = Instant::now();
        app.key(k);
        terminal.draw(|f| view::draw(f, app, theme))?;
        frames.push(t.elapsed());
    }
    if bench.is_some() {
        frames.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let pick = |q: f64| {
            frames
                .get(((frames.len() as f64 - 1.0) * q).round() as usize)
                .copied()
                .map(ms)
        };
        println!(
            "{}",
            serde_json::json!({
                "first_frame_ms": ms(first),
                "keys": frames.len(),
                "p50_ms": pick(0.5),
                "p99_ms": pick(0.99),
                "max_ms": frames.last().copied().map(ms),
            })
        );
    } else {
        let buffer = terminal.backend().buffer();
        let mut out = String::new();
        for y in 0..buffer.area.height {
            let line: String = (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect();
            out.push_str(line.trim_end());
            out.push('\n');
        }
        print!("{out}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Where the tickets the technician opened here are remembered (for the
/// "the customer wrote since" marker): next to the cache.
fn seen_path(store: &syncro_store::Store) -> PathBuf {
    let mut p = store.path().as_os_str().to_owned();
    p.push(".tui-seen.json");
    PathBuf::from(p)
}

fn load_seen(path: &Path) -> data::Seen {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default()
}

/// Best effort: a marker that comes back after a failed save is harmless.
fn save_seen(path: &Path, seen: &data::Seen) {
    if let Ok(text) = serde_json::to_string(seen) {
        let _ = std::fs::write(path, text);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
        }
    }
}
