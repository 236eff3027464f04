//! Running syncrod as a service: the single-instance lock, signals, the
//! systemd notify protocol, where logs go, and registering with the
//! platform's service manager (systemd, launchd, the Windows SCM).
//!
//! Binary-only glue: the daemon library (`syncrod::run`) knows nothing of
//! any of this; it takes a shutdown future and drains on its own.

pub mod install;
#[cfg(unix)]
pub mod launchd;
pub mod lock;
pub mod logging;
pub mod notify;
pub mod signals;
#[cfg(unix)]
pub mod systemd;
pub mod unit;
#[cfg(windows)]
pub mod windows;

use std::path::Path;

use syncro_store::config::{Config, ConfigError};

/// Loads the configuration (`--config` or the default search) and applies
/// `--db`, which wins over `db_path` and `SYNCRO_DB`.
pub fn load_config(config: Option<&Path>, db: Option<&Path>) -> Result<Config, ConfigError> {
    let mut c = Config::load(config)?;
    if let Some(db) = db {
        c.db_path = db.to_path_buf();
    }
    Ok(c)
}
