//! The systemd notify protocol (`Type=notify`): READY=1 once the cache is
//! open and migrated, WATCHDOG=1 every half `WATCHDOG_USEC`, STOPPING=1 when
//! a stop is asked. Only when `NOTIFY_SOCKET` is set; elsewhere (and on
//! non-Unix systems) every call does nothing.

use std::time::Duration;

/// Talks to the service manager, if one is listening.
#[derive(Debug, Clone, Copy)]
pub struct Notifier {
    enabled: bool,
}

impl Notifier {
    /// Enabled when started by a service manager that set `NOTIFY_SOCKET`.
    pub fn from_env() -> Notifier {
        Notifier {
            enabled: cfg!(unix) && std::env::var_os("NOTIFY_SOCKET").is_some_and(|s| !s.is_empty()),
        }
    }

    /// Startup is finished: the cache is open and migrated.
    pub fn ready(&self, status: &str) {
        self.send(&[imp::State::Ready, imp::State::Status(status)]);
    }

    /// A stop was asked; syncrod exits within a few seconds.
    pub fn stopping(&self, status: &str) {
        self.send(&[imp::State::Stopping, imp::State::Status(status)]);
    }

    /// Half the watchdog timeout the manager asked for, if it asked.
    pub fn watchdog_interval(&self) -> Option<Duration> {
        if !self.enabled {
            return None;
        }
        imp::watchdog_timeout()
            .filter(|t| !t.is_zero())
            .map(|t| (t / 2).max(Duration::from_millis(1)))
    }

    /// Pings the watchdog from a task on the daemon's runtime until the
    /// returned guard is dropped. `None` when no watchdog was asked for.
    pub fn spawn_watchdog(&self) -> Option<WatchdogTask> {
        let every = self.watchdog_interval()?;
        let notifier = *self;
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                notifier.send(&[imp::State::Watchdog]);
            }
        });
        tracing::debug!(
            every_ms = every.as_millis() as u64,
            "systemd watchdog enabled"
        );
        Some(WatchdogTask(task))
    }

    fn send(&self, states: &[imp::State<'_>]) {
        if !self.enabled {
            return;
        }
        if let Err(e) = imp::notify(states) {
            tracing::warn!(error = %e, "cannot notify the service manager (NOTIFY_SOCKET)");
        }
    }
}

/// Stops the watchdog pings when dropped.
#[derive(Debug)]
pub struct WatchdogTask(tokio::task::JoinHandle<()>);

impl Drop for WatchdogTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(unix)]
mod imp {
    use std::time::Duration;

    pub use sd_notify::NotifyState as State;

    pub fn notify(states: &[State<'_>]) -> std::io::Result<()> {
        sd_notify::notify(states)
    }

    /// `WATCHDOG_USEC`, when it is meant for this process (`WATCHDOG_PID`).
    pub fn watchdog_timeout() -> Option<Duration> {
        sd_notify::watchdog_enabled()
    }
}

#[cfg(not(unix))]
mod imp {
    use std::time::Duration;

    #[allow(dead_code)]
    pub enum State<'a> {
        Ready,
        Stopping,
        Watchdog,
        Status(&'a str),
    }

    pub fn notify(_states: &[State<'_>]) -> std::io::Result<()> {
        Ok(())
    }

    pub fn watchdog_timeout() -> Option<Duration> {
        None
    }
}
