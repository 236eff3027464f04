//! How long an item waits before its next step, and the instant written
//! down for it (`next_attempt_at`): the driver and the bounds both schedule
//! items, so neither owns this.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use syncro_store::time;

/// Longest wait between tries of one item (also while offline).
pub(super) const MAX_BACKOFF: Duration = Duration::from_secs(120);

/// The wait after the `attempts`-th failed try: exponential, jittered,
/// at most [`MAX_BACKOFF`].
pub(super) fn backoff(attempts: i64) -> Duration {
    ExponentialBuilder::default()
        .with_jitter()
        .with_min_delay(Duration::from_secs(1))
        .with_max_delay(MAX_BACKOFF)
        .without_max_times()
        .build()
        .nth(attempts.clamp(0, 30) as usize)
        .unwrap_or(MAX_BACKOFF)
}

/// An instant as the outbox stores it.
pub(super) fn at(t: chrono::DateTime<chrono::Utc>) -> String {
    time::format(t)
}

/// `d` from now, as the outbox stores it.
pub(super) fn later(d: Duration) -> String {
    at(chrono::Utc::now() + chrono::Duration::milliseconds(d.as_millis() as i64))
}

/// Wait before sending again a write proven not to have landed after its
/// `n`-th unanswered or failed send: the server failed it, so give it
/// time, and leave the budget to the mirror meanwhile.
pub(super) fn resend_wait(n: u32) -> Duration {
    let secs = 4u64.saturating_mul(3u64.saturating_pow(n.saturating_sub(1)));
    Duration::from_secs(secs).min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resends_wait_longer_each_time_within_the_backoff_cap() {
        assert_eq!(resend_wait(1), Duration::from_secs(4));
        assert_eq!(resend_wait(2), Duration::from_secs(12));
        assert_eq!(resend_wait(3), Duration::from_secs(36));
        assert_eq!(resend_wait(30), MAX_BACKOFF);
    }
}
