//! End to end: the simulator, `syncrod` and `syncro` as real processes (and
//! the daemon's library in process), one test binary with a module per
//! area; `cargo test -p syncro-e2e --test e2e outbox::` runs one of them.
//!
//! The tests share this process: each starts its own simulator on port 0
//! and works in its own temp dir, and settings reach the processes they
//! start through those processes' environments, never this one's.

mod cli_e2e;
mod concurrency;
mod exactly_once;
mod init;
mod kill;
mod mcp;
mod offline;
mod outbox;
mod signals;
mod sync;
mod sync_shape;
#[cfg(unix)]
mod tui;
mod undo;
