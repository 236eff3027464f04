//! Asking syncrod to refresh now, everything or one ticket's thread, and
//! following it until the new data is in the cache. `syncro sync` and
//! `syncro mcp`'s `request_sync` are two faces of this; neither calls the
//! API: the request is a row in the cache that wakes the daemon, as a
//! write is.

use std::time::{Duration, Instant};

use anyhow::Result;
use syncro_store::Store;

use crate::context::{daemon_alive_at, not_cached, Ctx};

/// The longest a refresh is waited for.
pub const MAX_WAIT: Duration = Duration::from_secs(120);

/// A refresh asked of syncrod.
#[derive(Debug, Clone)]
pub struct Refresh {
    /// Only this ticket's thread, or everything.
    pub number: Option<i64>,
    /// When it was asked: data fetched since then is the refresh's.
    asked: String,
    /// Whether syncrod was running to take it.
    pub daemon_alive: bool,
}

/// Asks syncrod for a sync pass now; with `number`, that ticket's
/// thread first, fetched again even if the cache holds it.
pub fn request(ctx: &Ctx, store: &mut Store, number: Option<i64>) -> Result<Refresh> {
    let asked = syncro_store::time::now();
    if let Some(n) = number {
        if !store.refetch_ticket_detail(n)? {
            return Err(not_cached(n));
        }
    }
    store.request_sync()?;
    let daemon_alive = daemon_alive_at(ctx, store.heartbeat()?.as_ref(), ctx.clock());
    Ok(Refresh {
        number,
        asked,
        daemon_alive,
    })
}

impl Refresh {
    /// Whether the asked-for data has arrived.
    pub fn arrived(&self, store: &Store) -> Result<bool> {
        Ok(match self.number {
            Some(n) => store
                .ticket_detail(n)?
                .and_then(|d| d.thread_fetched_at)
                .is_some_and(|t| t >= self.asked),
            None => store
                .sync_state("tickets")?
                .last_success_at
                .is_some_and(|t| t >= self.asked),
        })
    }

    /// Follows the refresh for up to `timeout` (at most [`MAX_WAIT`]);
    /// whether it arrived. Returns at once when no daemon runs to do it.
    pub fn wait(&self, store: &Store, timeout: Duration) -> Result<bool> {
        let timeout = timeout.min(MAX_WAIT);
        let started = Instant::now();
        let mut arrived = self.arrived(store)?;
        while self.daemon_alive && !arrived && started.elapsed() < timeout {
            std::thread::sleep(Duration::from_millis(200));
            arrived = self.arrived(store)?;
        }
        Ok(arrived)
    }

    /// "#N" or "the cache".
    pub fn what(&self) -> String {
        self.number
            .map_or("the cache".to_string(), |n| format!("#{n}"))
    }

    /// How a wait of `timeout` ended, in a sentence.
    pub fn outcome(&self, arrived: bool, timeout: Duration) -> String {
        let what = self.what();
        if arrived {
            format!("{what} refreshed from Syncro")
        } else if !self.daemon_alive {
            "syncrod is not running: the refresh happens once it starts; answers come from the cache as it is".into()
        } else {
            format!(
                "{what} not refreshed within {} s: syncrod goes on in the background; read again later",
                timeout.min(MAX_WAIT).as_secs()
            )
        }
    }
}
