//! Small shared facts: the daemon's heartbeat and "sync now" requests.
//!
//! Liveness is judged from a heartbeat the daemon rewrites periodically, not
//! from a pid file: a hung daemon still has a live pid.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::error::StoreResult;
use crate::{time, Store};

const HEARTBEAT: &str = "daemon_heartbeat";
const SYNC_REQUEST: &str = "sync_requested_at";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct DaemonHeartbeat {
    pub pid: u32,
    pub version: String,
    pub started_at: String,
    pub beat_at: String,
    /// False once the daemon stopped cleanly.
    pub running: bool,
    /// How the office's shared request budget stands for this daemon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<Budget>,
}

/// The daemon's adaptive share of the office's request budget, as of its
/// last heartbeat (`syncro status`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct Budget {
    /// The configured rate: a ceiling, not a target.
    pub ceiling_per_minute: u32,
    /// What the daemon currently allows itself.
    pub share_per_minute: u32,
    pub requests_last_minute: u32,
    /// 429 answers in the last hour.
    pub rate_limited_last_hour: u32,
}

impl DaemonHeartbeat {
    /// Whether the beat is recent enough to call the daemon alive.
    pub fn is_fresh(&self, max_age: chrono::Duration) -> bool {
        self.running
            && time::parse(&self.beat_at)
                .map(|t| chrono::Utc::now() - t <= max_age)
                .unwrap_or(false)
    }
}

impl Store {
    fn set_meta(&mut self, key: &str, value: &str) -> StoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO meta (key, value, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                params![key, value, time::now()],
            )?;
            Ok(())
        })
    }

    fn meta(&self, key: &str) -> StoreResult<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    pub fn write_heartbeat(&mut self, beat: &DaemonHeartbeat) -> StoreResult<()> {
        self.set_meta(HEARTBEAT, &serde_json::to_string(beat)?)
    }

    pub fn heartbeat(&self) -> StoreResult<Option<DaemonHeartbeat>> {
        Ok(self
            .meta(HEARTBEAT)?
            .and_then(|s| serde_json::from_str(&s).ok()))
    }

    /// Asks the running daemon for an immediate sync pass.
    pub fn request_sync(&mut self) -> StoreResult<()> {
        self.set_meta(SYNC_REQUEST, &time::now())?;
        self.wake_daemon();
        Ok(())
    }

    /// When a sync was last requested (the daemon compares with its last pass).
    pub fn sync_requested_at(&self) -> StoreResult<Option<String>> {
        self.meta(SYNC_REQUEST)
    }
}
