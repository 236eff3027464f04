//! Connection handling, done by hand rather than with `axum::serve` so that
//! a handler can make its own connection vanish: the "reset" and "apply then
//! drop" faults close the TCP connection without writing an answer.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;
use tower::ServiceExt;

/// Put in every request's extensions: who is asking, and the switch that
/// drops the connection the request came on.
#[derive(Clone)]
pub(crate) struct ConnControl {
    pub peer: SocketAddr,
    kill: Arc<Notify>,
}

impl ConnControl {
    /// Closes the connection; the answer being prepared is never sent.
    pub fn kill(&self) {
        self.kill.notify_one();
    }
}

/// Accepts until `shutdown` changes (or its sender goes away), then aborts
/// the open connections.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    conns.spawn(serve_connection(stream, peer, router.clone()));
                }
                Err(e) => {
                    // Usually out of file descriptors: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
            _ = shutdown.changed() => break,
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    conns.shutdown().await;
}

async fn serve_connection(stream: TcpStream, peer: SocketAddr, router: Router) {
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!(%peer, error = %e, "set_nodelay failed");
    }
    let kill = Arc::new(Notify::new());
    let ctl = ConnControl {
        peer,
        kill: kill.clone(),
    };
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(ctl.clone());
        router.clone().oneshot(req.map(axum::body::Body::new))
    });
    let conn =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        res = conn => {
            if let Err(e) = res {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        }
        _ = kill.notified() => {
            tracing::debug!(%peer, "connection dropped on purpose (fault)");
        }
    }
}
