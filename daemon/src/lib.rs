//! syncrod: mirrors a Syncro PSA account into the local cache and drains
//! the outbox of queued writes, within the API's rate budget.
//!
//! The binary is thin; [`run`] and [`once`] take a config and (for `run`) a
//! shutdown future, so tests boot the daemon in-process.

pub mod client;
pub mod db;
pub mod limiter;
pub mod outbox;
pub mod share;
pub mod sync;
pub mod wake;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use syncro_store::config::Config;
use syncro_store::{time, DaemonHeartbeat, Store};
use tokio::sync::{mpsc, Notify};
use tokio_cron_scheduler::{Job, JobScheduler};
use tokio_util::sync::CancellationToken;

use crate::client::{ApiError, Client};
use crate::db::Db;
use crate::limiter::Limiter;
use crate::outbox::Outbox;
use crate::sync::{SyncError, Syncer};

/// How often the daemon proves it is alive (see `syncro status`).
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(15);

/// How long a stop waits for the outbox step in flight to finish. Every
/// step's state is persisted before its request goes out, so abandoning a
/// slow one is safe: on restart an item left in `sending` is looked for on
/// the server before anything is resent. Short, so a service manager's
/// stop is never kept waiting on a hung connection.
const STOP_GRACE: Duration = Duration::from_secs(3);

/// What wakes the main loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trigger {
    Sync,
    Reconcile,
}

/// Everything the daemon's tasks share.
pub struct Daemon {
    pub config: Config,
    pub db: Db,
    pub client: Client,
}

impl Daemon {
    /// Opens the cache and builds the API client from the config.
    pub fn open(config: Config) -> Result<Daemon> {
        let base = config.require_base_url()?.to_string();
        let key = config.api_key()?;
        let store = Store::open(&config.db_path)?;
        let limiter = Arc::new(Limiter::new(config.rate_limit_per_minute));
        // A write that times out has an unknown outcome and is looked for
        // before being resent, so the timeout only bounds waiting.
        let timeout = Duration::from_secs(config.request_timeout_secs);
        let client = Client::new(&base, key, config.auth, limiter, timeout)?;
        Ok(Daemon {
            config,
            db: Db::new(store),
            client,
        })
    }

    /// The outbox drainer, with the config's policy for unknown outcomes.
    pub fn outbox(&self) -> Outbox {
        Outbox::new(
            self.client.clone(),
            self.db.clone(),
            outbox::Policy::from_config(&self.config),
        )
    }

    async fn heartbeat(&self, started_at: &str, running: bool) {
        let beat = DaemonHeartbeat {
            pid: std::process::id(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            started_at: started_at.to_string(),
            beat_at: time::now(),
            running,
            budget: Some({
                let s = self.client.limiter().stats();
                syncro_store::Budget {
                    ceiling_per_minute: s.ceiling_per_minute,
                    share_per_minute: s.share_per_minute,
                    requests_last_minute: s.requests_last_minute,
                    rate_limited_last_hour: s.rate_limited_last_hour,
                }
            }),
        };
        if let Err(e) = self.db.call(move |s| s.write_heartbeat(&beat)).await {
            tracing::warn!(error = %e, "cannot write the heartbeat");
        }
    }
}

/// Result of `syncrod once`.
#[derive(Debug, Default, serde::Serialize)]
pub struct OnceReport {
    pub sync: sync::PassReport,
    pub outbox: outbox::DrainReport,
    pub outbox_pending: i64,
}

/// How `syncrod once` runs.
#[derive(Debug, Clone, Copy)]
pub struct OnceOptions {
    /// Give up retrying transient failures after this long.
    pub deadline: Duration,
    /// Also run the deletion sweep (a full listing of every resource).
    pub sweep: bool,
    /// Give up after this many tries that could not reach the server at
    /// all (backing off 1, 2, 4... s): a cron job must not hang offline.
    pub offline_tries: u32,
}

impl Default for OnceOptions {
    fn default() -> Self {
        OnceOptions {
            deadline: Duration::from_secs(600),
            sweep: true,
            offline_tries: 4,
        }
    }
}

/// One complete pass of every resource (every stale thread included, and
/// with `sweep` the deletion sweep too) plus a drain of the outbox,
/// retrying transient failures until the deadline, and giving up early
/// when the server cannot be reached at all.
pub async fn once(
    daemon: &Daemon,
    options: OnceOptions,
    progress: Option<indicatif::ProgressBar>,
) -> Result<OnceReport> {
    let OnceOptions {
        deadline,
        sweep,
        offline_tries,
    } = options;
    let started = tokio::time::Instant::now();
    let shutdown = CancellationToken::new();
    let outbox = daemon.outbox();
    let syncer = Syncer::new(daemon.client.clone(), daemon.db.clone())
        .with_progress(progress)
        .with_open_refresh(daemon.config.schedule.open_refresh_per_pass);
    let mut report = OnceReport::default();
    let first = outbox.drain(&shutdown).await?;
    let (mut attempt, mut unreachable) = (0u32, 0u32);
    loop {
        let pass = async {
            let mut r = syncer.pass(usize::MAX).await?;
            if sweep {
                let s = syncer.reconcile().await?;
                r.listed += s.listed;
                r.deleted += s.deleted;
                r.details += s.details;
                r.requests += s.requests;
            }
            Ok::<_, SyncError>(r)
        };
        match pass.await {
            Ok(r) => {
                report.sync = r;
                break;
            }
            Err(e) if e.is_fatal() || started.elapsed() >= deadline => {
                return Err(fatal_context(e))
            }
            Err(SyncError::Api(ApiError::Unreachable(m))) => {
                unreachable += 1;
                if unreachable >= offline_tries.max(1) {
                    let queued = daemon.db.call(|s| s.outbox_counts()).await?.active();
                    anyhow::bail!(
                        "cannot reach the Syncro server at {} ({m}): gave up after {unreachable} tries over {} s; {}",
                        daemon.client.base(),
                        started.elapsed().as_secs(),
                        match queued {
                            0 => "nothing is waiting in the outbox".to_string(),
                            n => format!("{n} write(s) still queued: they go out when syncrod next reaches the server"),
                        }
                    );
                }
                let wait = Duration::from_secs(1 << (unreachable - 1).min(5));
                tracing::warn!(error = %m, retry_in_s = wait.as_secs(), "the Syncro server is unreachable; trying again");
                tokio::time::sleep(wait).await;
            }
            Err(e) => {
                attempt += 1;
                let wait = Duration::from_millis(500 * u64::from(attempt.min(10)));
                tracing::warn!(error = %e, retry_in_ms = wait.as_millis() as u64, "sync pass failed; retrying");
                tokio::time::sleep(wait).await;
            }
        }
    }
    // Drain until nothing is active (waiting out backoffs) or the deadline.
    report.outbox = first;
    loop {
        let r = outbox.drain(&shutdown).await?;
        report.outbox.add(&r);
        let counts = daemon.db.call(|s| s.outbox_counts()).await?;
        report.outbox_pending = counts.active();
        if report.outbox_pending == 0 || started.elapsed() >= deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Ok(report)
}

fn fatal_context(e: SyncError) -> anyhow::Error {
    match e {
        SyncError::Api(ApiError::Unauthorized) => {
            anyhow::anyhow!("the server refused the API key (401): check SYNCRO_API_KEY, api_key_file or api_key_command")
        }
        SyncError::Api(ApiError::Unreachable(m)) => {
            anyhow::anyhow!("cannot reach the Syncro server: {m}")
        }
        other => anyhow::Error::new(other).context("sync pass failed"),
    }
}

/// Runs the daemon until `shutdown` completes: scheduled sync passes, the
/// daily reconcile, the outbox drainer woken by the CLI, and a heartbeat.
pub async fn run(daemon: Daemon, shutdown: impl Future<Output = ()> + Send) -> Result<()> {
    let daemon = Arc::new(daemon);
    let started_at = time::now();
    daemon.heartbeat(&started_at, true).await;
    tracing::info!(
        db = %daemon.config.db_path.display(),
        rate_per_minute = daemon.config.rate_limit_per_minute,
        "syncrod running"
    );

    let stop = CancellationToken::new();
    let outbox_wake = Arc::new(Notify::new());
    let sync_wake = Arc::new(Notify::new());
    let wake_file = daemon.db.call(|s| Ok(s.wake_file())).await?;
    let _watcher = wake::watch(&wake_file, vec![outbox_wake.clone(), sync_wake.clone()]);

    let drainer = tokio::spawn(daemon.outbox().run(outbox_wake.clone(), stop.clone()));

    let (tx, mut rx) = mpsc::channel::<Trigger>(1);
    let mut scheduler = schedule(&daemon.config, tx.clone()).await?;

    let syncer = Syncer::new(daemon.client.clone(), daemon.db.clone())
        .with_open_refresh(daemon.config.schedule.open_refresh_per_pass);
    let history_batch = daemon.config.schedule.history_batch;
    // Its own task: a first pass over a large account lasts longer than
    // the staleness limit, and the daemon must not look dead meanwhile.
    let beats = tokio::spawn({
        let (daemon, stop, started_at) = (daemon.clone(), stop.clone(), started_at.clone());
        async move {
            let mut heartbeat = tokio::time::interval(HEARTBEAT_INTERVAL);
            heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                tokio::select! {
                    _ = heartbeat.tick() => daemon.heartbeat(&started_at, true).await,
                    _ = stop.cancelled() => return,
                }
            }
        }
    });
    let mut handled_request = daemon.db.call(|s| s.sync_requested_at()).await?;
    let mut outage = false;
    let _ = tx.try_send(Trigger::Sync);
    tokio::pin!(shutdown);

    loop {
        let trigger = tokio::select! {
            _ = &mut shutdown => break,
            _ = sync_wake.notified() => {
                // The CLI asks for a pass through the store (`syncro sync`).
                let req = daemon.db.call(|s| s.sync_requested_at()).await?;
                if req.is_some() && req != handled_request {
                    handled_request = req;
                    Trigger::Sync
                } else {
                    continue;
                }
            }
            t = rx.recv() => match t { Some(t) => t, None => break },
        };
        let work = async {
            match trigger {
                Trigger::Sync => syncer.pass(history_batch).await,
                Trigger::Reconcile => syncer.reconcile().await,
            }
        };
        let result = tokio::select! {
            r = work => r,
            _ = &mut shutdown => break,
        };
        match result {
            Ok(r) => {
                if outage {
                    tracing::info!("the Syncro server is reachable again");
                    outage = false;
                    if let Err(e) = daemon.db.call(|s| s.outbox_due_now()).await {
                        tracing::warn!(error = %e, "cannot reschedule waiting outbox items");
                    }
                    outbox_wake.notify_one();
                }
                tracing::info!(
                    ?trigger,
                    listed = r.listed,
                    details = r.details,
                    deleted = r.deleted,
                    requests = r.requests,
                    "sync pass done"
                );
            }
            Err(SyncError::Api(ApiError::Unreachable(m))) => {
                if !outage {
                    tracing::warn!(error = %m, "the Syncro server is unreachable; working offline until it returns");
                    outage = true;
                }
            }
            Err(e) if e.is_fatal() => tracing::error!(error = %e, "sync pass failed"),
            Err(e) => tracing::warn!(error = %e, "sync pass failed; the next pass retries"),
        }
    }

    tracing::info!("syncrod stopping");
    stop.cancel();
    let _ = beats.await;
    let _ = scheduler.shutdown().await;
    // The drainer finishes the step in flight if it can within the grace;
    // otherwise its persisted state stands (see STOP_GRACE).
    if tokio::time::timeout(STOP_GRACE, drainer).await.is_err() {
        tracing::info!("an outbox request is still in flight; it will be checked on the server at the next start");
    }
    daemon.heartbeat(&started_at, false).await;
    Ok(())
}

/// Schedules the periodic passes. Jobs only post a trigger (dropped when
/// one is already pending), so passes never overlap or pile up.
async fn schedule(config: &Config, tx: mpsc::Sender<Trigger>) -> Result<JobScheduler> {
    let scheduler = JobScheduler::new()
        .await
        .context("cannot start the scheduler")?;
    let every = Duration::from_secs(config.schedule.sync_interval_secs);
    let sync_tx = tx.clone();
    scheduler
        .add(Job::new_repeated_async(every, move |_, _| {
            let tx = sync_tx.clone();
            Box::pin(async move {
                let _ = tx.try_send(Trigger::Sync);
            })
        })?)
        .await?;
    let cron = config.schedule.reconcile_cron.clone();
    scheduler
        .add(
            Job::new_async(cron.as_str(), move |_, _| {
                let tx = tx.clone();
                Box::pin(async move {
                    let _ = tx.send(Trigger::Reconcile).await;
                })
            })
            .with_context(|| format!("invalid schedule.reconcile_cron {cron:?}"))?,
        )
        .await?;
    scheduler
        .start()
        .await
        .context("cannot start the scheduler")?;
    Ok(scheduler)
}
