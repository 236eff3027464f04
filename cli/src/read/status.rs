//! How the cache and the outbox stand (`syncro status`, `sync_status`):
//! freshness per resource, outbox counts, duplicates noticed, and whether
//! syncrod runs and how its share of the office's request budget stands.

use anyhow::Result;
use schemars::JsonSchema;
use serde::Serialize;
use syncro_store::outbox::{OutboxCounts, PossibleDuplicate};
use syncro_store::{Budget, DaemonHeartbeat, SyncState};

use super::Freshness;
use crate::context::{daemon_alive, Cache, Ctx};
use crate::freshness::age_secs;

/// One mirrored resource and how fresh it is.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ResourceStatus {
    #[serde(flatten)]
    pub state: SyncState,
    /// Seconds since `last_success_at`.
    pub age_secs: Option<i64>,
    /// Older than `stale_after_secs`, or never synced.
    pub stale: bool,
}

/// The daemon as its heartbeat tells.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DaemonStatus {
    /// Heartbeat fresh within about three sync intervals.
    pub alive: bool,
    /// The daemon's last heartbeat as it wrote it (`running` is false once
    /// it stopped cleanly).
    pub heartbeat: Option<DaemonHeartbeat>,
    /// Its adaptive share of the office's request budget, as of that beat.
    pub budget: Option<Budget>,
}

/// A write refused for the key or a permission.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AccessRefused {
    pub id: i64,
    pub error: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct StatusAnswer {
    /// Freshness of the whole cache: its oldest resource.
    #[serde(flatten)]
    pub freshness: Freshness,
    /// The cache file.
    pub cache: String,
    pub schema_version: Option<i64>,
    pub resources: Vec<ResourceStatus>,
    pub outbox: OutboxCounts,
    /// Comments that look like extra copies of ones we posted.
    pub possible_duplicates: Vec<PossibleDuplicate>,
    /// Failed writes the server refused for the API key (401) or a
    /// permission (403): the next writes will meet the same refusal.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub access_refused: Vec<AccessRefused>,
    pub daemon: DaemonStatus,
}

pub fn query(ctx: &Ctx, cache: &impl Cache) -> Result<StatusAnswer> {
    let store = cache.store()?;
    let beat = store.heartbeat()?;
    let alive = daemon_alive(ctx, beat.as_ref());
    let resources = store
        .sync_states()?
        .into_iter()
        .map(|state| {
            let f = Freshness::of_state(ctx, &state, alive);
            ResourceStatus {
                age_secs: age_secs(state.last_success_at.as_deref(), ctx.now),
                stale: f.stale,
                state,
            }
        })
        .collect();
    Ok(StatusAnswer {
        freshness: Freshness::of(ctx, store, &["tickets", "customers", "invoices"]),
        cache: store.path().display().to_string(),
        schema_version: store.applied_version()?,
        resources,
        outbox: store.outbox_counts()?,
        possible_duplicates: store.outbox_possible_duplicates()?,
        access_refused: store
            .outbox_access_refused()?
            .into_iter()
            .map(|i| AccessRefused {
                id: i.id,
                error: i.last_error.unwrap_or_default(),
            })
            .collect(),
        daemon: DaemonStatus {
            alive,
            budget: beat.as_ref().and_then(|b| b.budget),
            heartbeat: beat,
        },
    })
}
