//! syncro-sim: a faithful simulator of the Syncro PSA REST API, traps and
//! faults included, for the other crates' tests and the demo.
//!
//! It serves the `/api/v1` endpoints the project uses over real HTTP with
//! generated, deterministic data; reproduces the real service's quirks
//! (query-string API key, 180 requests/minute per IP, flat comment bodies,
//! `price_retail`-only prices, no idempotency, ...); on demand stores
//! comment bodies the way the live service may (CRLF, `<br>`, entities,
//! trimmed: see `Quirks`); answers either in a tidy shape or in the live
//! service's (local time offsets, fixed page sizes, lean `meta`, string
//! decimals, mixed error formats, a clock ahead: see `Shape`); injects
//! faults on demand (including "the write landed but the connection died"
//! and "the write landed late, after the client gave up", a route that
//! refuses for good, and a colleague's look-alike of a write instead of the
//! write); and exposes
//! `/admin` routes to inspect and steer it.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let sim = syncro_sim::spawn(syncro_sim::SimConfig::default()).await?;
//! let url = format!("{}/tickets?api_key=test-key", sim.base_url());
//! # let _ = url;
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

mod admin;
mod api;
mod app;
mod config;
mod errors;
mod faults;
mod gate;
mod generate;
mod model;
/// The comment quirks' rewrites, public so the client's matching can be
/// property-tested against every one of them.
pub mod normalise;
mod observe;
mod params;
mod quirks;
mod ratelimit;
mod server;
mod shape;
mod state;
mod text;
mod values;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::SimConfig;
pub use faults::{FaultConfig, FaultKind, QueuedFault};
pub use generate::{generate, FIRST_TICKET_ID, FIRST_TICKET_NUMBER, LABOR_PRODUCTS};
pub use model::{OPEN_STATUSES, STATUSES};
pub use quirks::Quirks;
pub use shape::Shape;
pub use state::State;

use app::App;

fn router(app: Arc<App>) -> Router {
    Router::new()
        .merge(api::routes())
        .merge(admin::routes())
        .fallback(|| async { api::not_found() })
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            gate::gate,
        ))
        .with_state(app)
}

/// A running simulator. Dropping it stops the server too; `shutdown` also
/// waits until it has stopped.
pub struct SimHandle {
    addr: SocketAddr,
    app: Arc<App>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

/// Binds 127.0.0.1 (port `config.port`, 0 = any free one), generates the
/// data and starts serving; the data is ready when this returns.
pub async fn spawn(config: SimConfig) -> anyhow::Result<SimHandle> {
    config
        .shape
        .validate()
        .map_err(|e| anyhow::anyhow!("invalid SimConfig::shape: {e}"))?;
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, config.port))
        .await
        .with_context(|| format!("cannot bind 127.0.0.1:{}: is the port in use?", config.port))?;
    let addr = listener
        .local_addr()
        .context("cannot read the bound address")?;
    let gen_config = config.clone();
    let state = tokio::task::spawn_blocking(move || generate(&gen_config))
        .await
        .context("data generation failed")?;
    let app = Arc::new(App::new(state, &config));
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(server::serve(listener, router(app.clone()), stopped));
    tracing::info!(%addr, tickets = config.tickets, "syncro-sim serving");
    Ok(SimHandle {
        addr,
        app,
        stop,
        task: Some(task),
    })
}

impl SimHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// "http://127.0.0.1:PORT/api/v1"
    pub fn base_url(&self) -> String {
        format!("http://{}/api/v1", self.addr)
    }

    /// "http://127.0.0.1:PORT/admin"
    pub fn admin_url(&self) -> String {
        format!("http://{}/admin", self.addr)
    }

    /// The whole data set, as GET /admin/state answers it.
    pub fn dump(&self) -> Value {
        self.app.read().dump()
    }

    /// Replaces the fault configuration (as PUT /admin/faults).
    pub fn set_faults(&self, f: FaultConfig) {
        self.app.faults().set_config(f);
    }

    /// Switches deliberate misbehaviour on or off (as PUT /admin/quirks).
    pub fn set_quirks(&self, q: Quirks) {
        self.app.write().quirks = q;
    }

    /// Changes how answers are shaped (as PUT /admin/shape); a shape that
    /// cannot be served (an offset of a day or more, a page size of 0, ...)
    /// is refused and the current one kept.
    pub fn set_shape(&self, s: Shape) -> Result<(), String> {
        s.validate()?;
        self.app.write().shape = s;
        Ok(())
    }

    /// The current shape (as GET /admin/shape).
    pub fn shape(&self) -> Shape {
        self.app.read().shape
    }

    /// Appends queued faults (as POST /admin/faults/queue, but without its
    /// check: an entry with `times: 0` faults once).
    pub fn queue_faults(&self, q: Vec<QueuedFault>) {
        self.app.faults().enqueue(q);
    }

    /// The queued faults still waiting, persistent ones included, `times`
    /// counted down (as GET /admin/faults/queue).
    pub fn queued_faults(&self) -> Vec<QueuedFault> {
        self.app.faults().queued()
    }

    /// Empties the fault queue, persistent entries included (as DELETE
    /// /admin/faults/queue): the only way to end a persistent fault.
    pub fn clear_faults_queue(&self) {
        self.app.faults().clear_queue();
    }

    /// As GET /admin/counters.
    pub fn counters(&self) -> Value {
        self.app.counters()
    }

    /// As POST /admin/counters/reset: a test counts only what follows its
    /// setup.
    pub fn reset_counters(&self) {
        self.app.reset_counters();
    }

    /// As PUT /admin/rate_limit.
    pub fn set_rate_limit(&self, per_minute: u32) {
        self.app.limiter().set_per_minute(per_minute);
    }

    /// Stops accepting, drops open connections and waits for the server.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            if let Err(e) = task.await {
                tracing::warn!(error = %e, "simulator task ended abnormally");
            }
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
