//! Noticing new outbox rows quickly without polling the database.
//!
//! The CLI touches `<cache>.wake` after every enqueue (and on `syncro
//! sync`); this watches the cache's directory for changes to that file and
//! wakes the drainer. The watch is best-effort: if the platform cannot
//! watch, the drainer's slow periodic poll still finds every row.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use notify::{RecursiveMode, Watcher};
use tokio::sync::Notify;

/// Keeps the watcher alive; dropping it stops watching.
pub struct WakeWatcher {
    _watcher: Option<notify::RecommendedWatcher>,
}

/// Starts watching `wake_file`; every change notifies each of `targets`.
pub fn watch(wake_file: &Path, targets: Vec<Arc<Notify>>) -> WakeWatcher {
    let name = wake_file.file_name().map(|n| n.to_os_string());
    let dir: PathBuf = wake_file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let handler = move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        if matches!(event.kind, notify::EventKind::Access(_)) {
            return;
        }
        if event
            .paths
            .iter()
            .any(|p| p.file_name().map(|n| n.to_os_string()) == name)
        {
            for t in &targets {
                t.notify_one();
            }
        }
    };
    let watcher = notify::recommended_watcher(handler).and_then(|mut w| {
        w.watch(&dir, RecursiveMode::NonRecursive)?;
        Ok(w)
    });
    match watcher {
        Ok(w) => WakeWatcher { _watcher: Some(w) },
        Err(e) => {
            tracing::warn!(error = %e, dir = %dir.display(), "cannot watch for new outbox items; falling back to polling");
            WakeWatcher { _watcher: None }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;
    use std::time::Duration;

    #[tokio::test]
    async fn touching_the_wake_file_wakes_the_target() -> TestResult {
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("cache.db.wake");
        let notify = Arc::new(Notify::new());
        let _w = watch(&file, vec![notify.clone()]);
        std::fs::write(dir.path().join("unrelated"), "x")?;
        std::fs::write(&file, "now")?;
        tokio::time::timeout(Duration::from_secs(5), notify.notified())
            .await
            .expect("no wake-up within 5 s");
        Ok(())
    }
}
