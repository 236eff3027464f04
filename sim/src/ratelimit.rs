//! The service's limit: N requests per client IP in any 60 s window.
//!
//! A sliding log rather than a token bucket, because that is what clients
//! experience: after 180 quick requests the 181st is refused until the first
//! one is a minute old.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::time::Duration;

use tokio::time::Instant;

const WINDOW: Duration = Duration::from_secs(60);

pub struct RateLimiter {
    per_minute: u32,
    hits: HashMap<IpAddr, VecDeque<Instant>>,
}

impl RateLimiter {
    /// `per_minute == 0` disables the limit.
    pub fn new(per_minute: u32) -> Self {
        RateLimiter {
            per_minute,
            hits: HashMap::new(),
        }
    }

    pub fn per_minute(&self) -> u32 {
        self.per_minute
    }

    /// Changes the limit; requests already counted stay counted.
    pub fn set_per_minute(&mut self, per_minute: u32) {
        self.per_minute = per_minute;
    }

    /// Counts a request, or refuses it with the whole seconds to wait
    /// (`Retry-After`). Refused requests are not counted.
    pub fn check(&mut self, ip: IpAddr, now: Instant) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let log = self.hits.entry(ip).or_default();
        while let Some(&first) = log.front() {
            if now.saturating_duration_since(first) >= WINDOW {
                log.pop_front();
            } else {
                break;
            }
        }
        if log.len() >= self.per_minute as usize {
            let oldest = log.front().copied().unwrap_or(now);
            let wait = WINDOW.saturating_sub(now.saturating_duration_since(oldest));
            let secs = wait.as_millis().div_ceil(1000).max(1);
            return Err(u64::try_from(secs).unwrap_or(60));
        }
        log.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    const A: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
    const B: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));

    #[tokio::test(start_paused = true)]
    async fn refuses_over_the_limit_until_the_window_slides() {
        let mut rl = RateLimiter::new(3);
        let t0 = Instant::now();
        assert!(rl.check(A, t0).is_ok());
        tokio::time::advance(Duration::from_secs(20)).await;
        assert!(rl.check(A, Instant::now()).is_ok());
        assert!(rl.check(A, Instant::now()).is_ok());
        assert_eq!(rl.check(A, Instant::now()), Err(40));
        // Another client has its own budget.
        assert!(rl.check(B, Instant::now()).is_ok());
        tokio::time::advance(Duration::from_secs(40)).await;
        assert!(rl.check(A, Instant::now()).is_ok());
        assert!(rl.check(A, Instant::now()).is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn zero_disables_and_lowering_applies_at_once() {
        let mut rl = RateLimiter::new(0);
        for _ in 0..1000 {
            assert!(rl.check(A, Instant::now()).is_ok());
        }
        rl.set_per_minute(5);
        for _ in 0..5 {
            assert!(rl.check(A, Instant::now()).is_ok());
        }
        assert!(rl.check(A, Instant::now()).is_err());
        assert_eq!(rl.per_minute(), 5);
    }
}
