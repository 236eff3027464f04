//! Per-resource sync progress: what the daemon has mirrored and how fresh.

use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;

use crate::error::StoreResult;
use crate::{time, Store};

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct SyncState {
    pub resource: String,
    /// Newest server `updated_at` fully mirrored (incremental passes start here).
    pub watermark: Option<String>,
    /// Opaque resume point of an interrupted pass (JSON).
    pub cursor: Option<String>,
    pub last_attempt_at: Option<String>,
    pub last_success_at: Option<String>,
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
    pub rows_synced: i64,
    /// Records known to be waiting (e.g. tickets whose thread is not fetched).
    pub backlog: i64,
    /// API requests spent on this resource since the cache was created.
    pub requests: i64,
}

const COLUMNS: &str = "resource, watermark, cursor, last_attempt_at, last_success_at, last_error, \
     last_error_at, rows_synced, backlog, requests";

fn from_row(r: &Row<'_>) -> rusqlite::Result<SyncState> {
    Ok(SyncState {
        resource: r.get(0)?,
        watermark: r.get(1)?,
        cursor: r.get(2)?,
        last_attempt_at: r.get(3)?,
        last_success_at: r.get(4)?,
        last_error: r.get(5)?,
        last_error_at: r.get(6)?,
        rows_synced: r.get(7)?,
        backlog: r.get(8)?,
        requests: r.get(9)?,
    })
}

impl Store {
    /// The state of one resource (a blank state if it never synced).
    pub fn sync_state(&self, resource: &str) -> StoreResult<SyncState> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM sync_state WHERE resource = ?1"),
                [resource],
                from_row,
            )
            .optional()?
            .unwrap_or_else(|| SyncState {
                resource: resource.to_string(),
                ..SyncState::default()
            }))
    }

    pub fn sync_states(&self) -> StoreResult<Vec<SyncState>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM sync_state ORDER BY resource"
        ))?;
        let rows = stmt.query_map([], from_row)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Writes a resource's whole state.
    pub fn save_sync_state(&mut self, s: &SyncState) -> StoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO sync_state (resource, watermark, cursor, last_attempt_at, last_success_at, last_error,
                                         last_error_at, rows_synced, backlog, requests, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT(resource) DO UPDATE SET
                     watermark = excluded.watermark, cursor = excluded.cursor,
                     last_attempt_at = excluded.last_attempt_at, last_success_at = excluded.last_success_at,
                     last_error = excluded.last_error, last_error_at = excluded.last_error_at,
                     rows_synced = excluded.rows_synced, backlog = excluded.backlog,
                     requests = excluded.requests, updated_at = excluded.updated_at",
                params![
                    s.resource,
                    s.watermark,
                    s.cursor,
                    s.last_attempt_at,
                    s.last_success_at,
                    s.last_error,
                    s.last_error_at,
                    s.rows_synced,
                    s.backlog,
                    s.requests,
                    time::now()
                ],
            )?;
            Ok(())
        })
    }
}
