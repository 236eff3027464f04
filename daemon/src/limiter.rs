//! One request budget for the whole process, shared by sync and outbox.
//!
//! The pacing itself is `governor` (GCRA). On top of it this adds what
//! governor does not know about:
//! - writes go ahead of background reads, and a few may go ahead of the
//!   pacing itself, paid back by the reads after them;
//! - a 429 pauses *every* request of this process for a moment;
//! - the rate is a share that adapts ([`crate::share`]): Syncro's 180 a
//!   minute is per office IP, shared with every other laptop and browser
//!   behind it, so the configured rate is a ceiling, not a target.

use std::collections::VecDeque;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use governor::clock::Clock;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::share::Share;

/// Who is asking for a request slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// Outbox writes and their read-backs: a technician is waiting.
    Write,
    /// Background mirroring.
    Read,
}

/// Longest a waiting read sleeps before looking for writers again.
const READ_SLICE: Duration = Duration::from_millis(25);

/// The server's sliding window.
const WINDOW: Duration = Duration::from_secs(60);

/// Requests a write may send ahead of the pacing, paid back by the reads
/// that follow (each takes an extra slot). One comment is three requests
/// (read, send, read back): at a share of 30/min, pacing each would make
/// the technician wait four seconds for what the office's window absorbs
/// without noticing. Past this debt, writes are paced like everything else.
const WRITE_CREDIT: u32 = 6;

/// The longest a write waits on a pause the daemon worked out itself
/// (a 429 without `Retry-After`, the live service's kind). That pause is
/// for the background mirror: until our oldest request leaves the server's
/// window, up to 15 s. A technician waiting on a comment should not: the
/// office's window frees a slot every few hundred milliseconds as others'
/// requests leave it, and one more 429 on a write costs less than their
/// wait (ten daemons: a comment waited 15.3 s). A `Retry-After` the server
/// sent binds writes too: it says when there is room.
const WRITE_PAUSE: Duration = Duration::from_secs(2);

/// A pause after a 429.
#[derive(Debug, Clone, Copy)]
struct Pause {
    until: Instant,
    /// Writes wait until here: at most [`WRITE_PAUSE`] after the last 429
    /// unless the server said how long.
    writes_until: Instant,
}

impl Pause {
    fn until(&self, priority: Priority) -> Instant {
        match priority {
            Priority::Write => self.writes_until,
            Priority::Read => self.until,
        }
    }
}

/// Counts a writer as waiting for as long as it is in `acquire` (even if
/// the future is dropped), and wakes reads when the last one leaves.
struct WriterGuard<'a>(&'a Limiter);

impl<'a> WriterGuard<'a> {
    fn new(l: &'a Limiter) -> Self {
        l.writers_waiting.fetch_add(1, Ordering::SeqCst);
        WriterGuard(l)
    }
}

impl Drop for WriterGuard<'_> {
    fn drop(&mut self) {
        if self.0.writers_waiting.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.writers_done.notify_waiters();
        }
    }
}

pub struct Limiter {
    /// Paces at the current share; replaced when the share moves (governor
    /// quotas are fixed at construction).
    governor: RwLock<Arc<DefaultDirectRateLimiter>>,
    per_minute: u32,
    share: Mutex<Share>,
    /// The rate the current governor was built for.
    paced_at: Mutex<u32>,
    log: Mutex<Log>,
    writers_waiting: AtomicUsize,
    writers_done: Notify,
    paused: Mutex<Option<Pause>>,
    /// Write requests sent ahead of the pacing, not yet paid back by reads
    /// (see [`WRITE_CREDIT`]).
    debt: Mutex<u32>,
}

/// Recent answers, for `syncro status` and for the share (and for the
/// share's office model, `share/office.rs`).
pub(crate) struct Log {
    /// When this log began: the first minute is extrapolated.
    started: Instant,
    /// When requests were answered in the last minute.
    requests: VecDeque<Instant>,
    /// When the server accepted (answered other than 429) our requests in
    /// the last minute, oldest first: our part of its sliding window.
    accepted: VecDeque<Instant>,
    /// When 429s came in the last hour.
    limited: VecDeque<Instant>,
}

impl Log {
    pub(crate) fn new(now: Instant) -> Log {
        Log {
            started: now,
            requests: VecDeque::new(),
            accepted: VecDeque::new(),
            limited: VecDeque::new(),
        }
    }

    /// Requests the server accepted from us in the last minute: exactly
    /// our part of the office's sliding window (after `trim`).
    pub(crate) fn in_window(&self) -> f64 {
        self.accepted.len() as f64
    }

    /// When the oldest of our requests in the server's window leaves it:
    /// the server frees a slot no later than that.
    pub(crate) fn frees_in(&self, now: Instant) -> Option<Duration> {
        self.accepted
            .front()
            .map(|t| (*t + WINDOW).saturating_duration_since(now))
    }

    /// The same as a rate: less than a minute into the run it is
    /// extrapolated from what there is (at least 10 s, so one early answer
    /// does not read as a torrent).
    pub(crate) fn used_per_minute(&self, now: Instant) -> f64 {
        let span = now
            .duration_since(self.started)
            .clamp(Duration::from_secs(10), Duration::from_secs(60));
        self.in_window() * 60.0 / span.as_secs_f64()
    }

    /// Records one answer (after forgetting what left the window).
    pub(crate) fn record(&mut self, now: Instant, answer: Answer) {
        self.trim(now);
        self.requests.push_back(now);
        match answer {
            Answer::RateLimited => self.limited.push_back(now),
            Answer::Clean => self.accepted.push_back(now),
        }
    }

    fn trim(&mut self, now: Instant) {
        let minute = WINDOW;
        let hour = Duration::from_secs(3600);
        for log in [&mut self.requests, &mut self.accepted] {
            while log.front().is_some_and(|t| now.duration_since(*t) > minute) {
                log.pop_front();
            }
        }
        while self
            .limited
            .front()
            .is_some_and(|t| now.duration_since(*t) > hour)
        {
            self.limited.pop_front();
        }
    }
}

/// How the budget stands, for `syncro status`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BudgetStats {
    pub ceiling_per_minute: u32,
    pub share_per_minute: u32,
    pub requests_last_minute: u32,
    pub rate_limited_last_hour: u32,
}

/// What the server said to one request, as far as the budget cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Any answer but a 429: the budget was respected.
    Clean,
    /// 429: over the office's limit.
    RateLimited,
}

/// The pacing for `per_minute`. At the ceiling a small burst is allowed
/// (GCRA lets `burst + rate` through in any 60 s window, and Syncro counts
/// a sliding minute, so it stays small). Below the ceiling the share is
/// being negotiated with other daemons and none is: a governor rebuilt on
/// every step of the share would otherwise hand out a fresh burst each
/// time, several requests a minute over the share.
fn quota(per_minute: u32, ceiling: u32) -> Quota {
    let rate = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
    let burst = if per_minute >= ceiling {
        (per_minute / 30).clamp(1, 5)
    } else {
        1
    };
    Quota::per_minute(rate).allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN))
}

impl Limiter {
    /// A limiter allowing `per_minute` requests per minute.
    ///
    /// The burst is kept small on purpose: GCRA lets `burst + rate` requests
    /// through in any 60 s window, and Syncro counts a sliding minute, so a
    /// burst of a full minute's quota would earn 429s.
    pub fn new(per_minute: u32) -> Limiter {
        let per_minute = per_minute.max(1);
        Limiter {
            governor: RwLock::new(Arc::new(RateLimiter::direct(quota(per_minute, per_minute)))),
            per_minute,
            share: Mutex::new(Share::new(f64::from(per_minute), Instant::now())),
            paced_at: Mutex::new(per_minute),
            log: Mutex::new(Log::new(Instant::now())),
            writers_waiting: AtomicUsize::new(0),
            writers_done: Notify::new(),
            paused: Mutex::new(None),
            debt: Mutex::new(0),
        }
    }

    /// The configured ceiling.
    pub fn per_minute(&self) -> u32 {
        self.per_minute
    }

    fn governor(&self) -> Arc<DefaultDirectRateLimiter> {
        self.governor
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Feeds one answer to the share and the statistics. On a 429 the
    /// share shrinks and every request pauses for `pause` (the server's
    /// Retry-After, or the share's own short, jittered pause).
    pub fn answered(&self, answer: Answer, retry_after: Option<Duration>) -> Option<Duration> {
        let now = Instant::now();
        let (used, in_window, frees_in) = {
            let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
            log.record(now, answer);
            (log.used_per_minute(now), log.in_window(), log.frees_in(now))
        };
        let (rate, pause) = {
            let mut share = self.share.lock().unwrap_or_else(|e| e.into_inner());
            let pause = match answer {
                Answer::Clean => {
                    share.clean(now, used);
                    None
                }
                Answer::RateLimited => Some(share.limited(now, retry_after, in_window, frees_in)),
            };
            (share.rate().round() as u32, pause)
        };
        self.repace(rate);
        let pause = pause?;
        self.pause(pause, retry_after.is_some()).then_some(pause)
    }

    /// Rebuilds the governor when the share moved by at least one request
    /// a minute (a new governor starts with a small burst, which is why it
    /// is not rebuilt on every answer).
    fn repace(&self, rate: u32) {
        let mut paced = self.paced_at.lock().unwrap_or_else(|e| e.into_inner());
        if *paced != rate {
            *paced = rate;
            let governor = RateLimiter::direct(quota(rate, self.per_minute));
            // A new governor starts with its burst available; spend it, so
            // a change of pace never lets extra requests through.
            while governor.check().is_ok() {}
            *self.governor.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(governor);
        }
    }

    pub fn stats(&self) -> BudgetStats {
        let now = Instant::now();
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        log.trim(now);
        BudgetStats {
            ceiling_per_minute: self.per_minute,
            share_per_minute: *self.paced_at.lock().unwrap_or_else(|e| e.into_inner()),
            requests_last_minute: log.requests.len() as u32,
            rate_limited_last_hour: log.limited.len() as u32,
        }
    }

    /// Waits until a request may be sent.
    ///
    /// Waiting is done here rather than in governor's `until_ready`, so a
    /// read never sits on a reservation: it sleeps in short slices and
    /// re-checks for writers before taking a slot, and a write takes the
    /// very next slot that frees up.
    pub async fn acquire(&self, priority: Priority) {
        let _writer = (priority == Priority::Write).then(|| WriterGuard::new(self));
        loop {
            self.wait_pause(priority).await;
            if priority == Priority::Read && self.writers_waiting.load(Ordering::SeqCst) > 0 {
                let notified = self.writers_done.notified();
                if self.writers_waiting.load(Ordering::SeqCst) > 0 {
                    let _ = tokio::time::timeout(READ_SLICE, notified).await;
                }
                continue;
            }
            let governor = self.governor();
            match governor.check() {
                Ok(()) => {
                    // A read's slot first pays back what writes sent ahead.
                    let mut debt = self.debt.lock().unwrap_or_else(|e| e.into_inner());
                    if priority == Priority::Read && *debt > 0 {
                        *debt -= 1;
                        continue;
                    }
                    return;
                }
                Err(_) if priority == Priority::Write && self.borrow() => return,
                Err(not_until) => {
                    let wait = not_until.wait_time_from(governor.clock().now());
                    let wait = match priority {
                        Priority::Write => wait,
                        Priority::Read => wait.min(READ_SLICE),
                    };
                    tokio::time::sleep(wait.max(Duration::from_millis(1))).await;
                }
            }
        }
    }

    /// Sends a write ahead of the pacing when the debt allows it.
    fn borrow(&self) -> bool {
        let mut debt = self.debt.lock().unwrap_or_else(|e| e.into_inner());
        if *debt < WRITE_CREDIT {
            *debt += 1;
            true
        } else {
            false
        }
    }

    /// Pauses every request for `wait` (after a 429; writes for at most
    /// [`WRITE_PAUSE`] after the last 429 unless the server said how long,
    /// `told`).
    /// Returns true when this call started a new pause, so the caller logs
    /// it once.
    pub fn pause(&self, wait: Duration, told: bool) -> bool {
        let now = Instant::now();
        let until = now + wait;
        let writes_until = if told {
            until
        } else {
            until.min(now + WRITE_PAUSE)
        };
        let mut paused = self.paused.lock().unwrap_or_else(|e| e.into_inner());
        let fresh = paused.is_none_or(|p| p.until <= now);
        *paused = Some(match *paused {
            Some(p) if !fresh => Pause {
                until: p.until.max(until),
                writes_until: p.writes_until.max(writes_until),
            },
            _ => Pause {
                until,
                writes_until,
            },
        });
        fresh
    }

    /// What is left of the pause for a request of `priority`: how long the
    /// caller of a request that met a 429 should wait before trying again.
    pub fn pause_left(&self, priority: Priority) -> Duration {
        self.paused
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .map_or(Duration::ZERO, |p| {
                p.until(priority).saturating_duration_since(Instant::now())
            })
    }

    async fn wait_pause(&self, priority: Priority) {
        loop {
            let until = self
                .paused
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .map(|p| p.until(priority));
            match until {
                Some(t) if t > Instant::now() => tokio::time::sleep_until(t).await,
                _ => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    /// With the minute before it, longer than the share's one cut per
    /// window.
    const DECREASE_GAP: Duration = Duration::from_secs(6);

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_every_request() {
        let l = Limiter::new(6000);
        assert!(l.pause(Duration::from_secs(60), false));
        assert!(
            !l.pause(Duration::from_secs(30), false),
            "a pause in progress is not news"
        );
        let start = Instant::now();
        l.acquire(Priority::Read).await;
        assert!(start.elapsed() >= Duration::from_secs(60));
    }

    #[tokio::test(start_paused = true)]
    async fn a_write_waits_out_a_guessed_pause_only_briefly() {
        let l = Limiter::new(6000);
        // Our own guess (no Retry-After): writes go after WRITE_PAUSE.
        l.pause(Duration::from_secs(15), false);
        let start = Instant::now();
        l.acquire(Priority::Write).await;
        assert_eq!(start.elapsed(), WRITE_PAUSE);
        // Another 429 meanwhile holds them WRITE_PAUSE more, no longer.
        l.pause(Duration::from_secs(15), false);
        l.acquire(Priority::Write).await;
        assert_eq!(start.elapsed(), 2 * WRITE_PAUSE);
        // Reads wait for the whole pause.
        l.acquire(Priority::Read).await;
        assert_eq!(start.elapsed(), WRITE_PAUSE + Duration::from_secs(15));
        // What the server said binds writes too.
        l.pause(Duration::from_secs(30), true);
        let start = Instant::now();
        l.acquire(Priority::Write).await;
        assert_eq!(start.elapsed(), Duration::from_secs(30));
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_cuts_from_our_part_of_the_server_s_window() {
        let l = Limiter::new(150);
        for _ in 0..40 {
            l.answered(Answer::Clean, None);
            tokio::time::advance(Duration::from_millis(500)).await;
        }
        // 40 of ours in the last minute when the office's window filled:
        // the share falls from there (x0.65-0.8), not from 150.
        l.answered(Answer::RateLimited, Some(Duration::from_secs(1)));
        let s = l.stats();
        assert!((26..=32).contains(&s.share_per_minute), "{s:?}");
        assert_eq!(s.rate_limited_last_hour, 1);
        // Requests older than a minute are no longer ours in the window.
        tokio::time::advance(Duration::from_secs(61)).await;
        for _ in 0..25 {
            l.answered(Answer::Clean, None);
        }
        tokio::time::advance(DECREASE_GAP).await;
        l.answered(Answer::RateLimited, None);
        // 25 of ours in the window now: cut from 25, not from the share.
        let share = l.stats().share_per_minute;
        assert!((16..=20).contains(&share), "{:?}", l.stats());
    }

    #[tokio::test(start_paused = true)]
    async fn writes_go_ahead_of_the_pacing_and_reads_pay_it_back() {
        let l = Limiter::new(60); // one slot a second, burst 2
        l.acquire(Priority::Read).await;
        l.acquire(Priority::Read).await;
        // A comment's three requests go at once...
        let start = Instant::now();
        for _ in 0..3 {
            l.acquire(Priority::Write).await;
        }
        assert!(
            start.elapsed() < Duration::from_millis(100),
            "{:?}",
            start.elapsed()
        );
        // ...and the next read waits for its own slot and the three lent.
        l.acquire(Priority::Read).await;
        assert!(
            start.elapsed() >= Duration::from_secs(3),
            "{:?}",
            start.elapsed()
        );
        // Past the credit, writes are paced again.
        let start = Instant::now();
        for _ in 0..(WRITE_CREDIT + 2) {
            l.acquire(Priority::Write).await;
        }
        assert!(
            start.elapsed() >= Duration::from_secs(1),
            "{:?}",
            start.elapsed()
        );
    }

    #[tokio::test]
    async fn writes_go_ahead_of_waiting_reads() -> TestResult {
        use std::sync::Arc;
        let l = Arc::new(Limiter::new(600)); // one slot per 100 ms, burst 5
        for _ in 0..5 {
            l.acquire(Priority::Read).await; // drain the burst
        }
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for i in 0..3 {
            let (l, order) = (l.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                l.acquire(Priority::Read).await;
                order.lock().expect("order lock").push(format!("read{i}"));
            }));
        }
        tokio::task::yield_now().await;
        let (l2, order2) = (l.clone(), order.clone());
        tasks.push(tokio::spawn(async move {
            l2.acquire(Priority::Write).await;
            order2.lock().expect("order lock").push("write".to_string());
        }));
        for t in tasks {
            t.await?;
        }
        let order = order.lock().expect("order lock");
        let write_at = order
            .iter()
            .position(|s| s == "write")
            .ok_or("the write never ran")?;
        assert!(write_at <= 1, "the write waited behind reads: {order:?}");
        Ok(())
    }
}
