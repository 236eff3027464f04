//! This daemon's share of the office's request budget.
//!
//! Syncro allows 180 requests a minute per office IP, and every laptop
//! running `syncrod` behind that IP, plus the browsers, draws on it. The
//! daemons never talk to each other; like TCP flows on one link, each
//! sees only the server's answers and adapts: additive increase while the
//! answers are clean, multiplicative decrease on a 429, with jitter so
//! daemons that hit the limit together do not move in lockstep, and a
//! floor that keeps writes moving. (Writes also go first within the
//! daemon: see [`crate::limiter`].)
//!
//! Written here rather than taken from a crate: the adaptive limiters on
//! crates.io control *concurrency* (in-flight requests, from latency), not
//! a request *rate* against a server's per-minute quota, and none sits on
//! top of `governor`. The controller is a few lines of arithmetic.

use std::time::Duration;

use rand::Rng;
use tokio::time::Instant;

/// Clean time between two additive steps.
const INCREASE_EVERY: Duration = Duration::from_secs(10);
/// The additive steps (requests a minute per clean interval), shaped like
/// TCP CUBIC's window: quick back up to 85% of the rate where the last 429
/// came (`w_max`), a long plateau up to 93%, then probing beyond it,
/// faster the longer the answers stay clean (someone left the office).
/// The plateau sits *below* `w_max` on purpose: the browsers behind the
/// same IP do not adapt, and a daemon that sat at the limit would take
/// every free slot and leave them the 429s. (A lower plateau, 75-83%, was
/// measured too: fewer requests used and no fewer 429s; see BENCHMARKS.)
const RECOVER_STEP: f64 = 3.0;
const PLATEAU: (f64, f64) = (0.85, 0.93);
const PLATEAU_STEP: f64 = 0.05;
const PROBE_STEP: f64 = 0.25;
/// Clean this long after a cut, the probe goes at [`RECOVER_STEP`].
const FAR_PROBE_AFTER: Duration = Duration::from_secs(600);
/// Range of the multiplicative decrease (jittered per 429).
const DECREASE: (f64, f64) = (0.65, 0.8);
/// 429s within this long of a decrease are the same congestion: one cut.
const DECREASE_COOLDOWN: Duration = Duration::from_secs(5);
/// The lowest share: writes (three requests each) still go out within a
/// few seconds at this rate.
const FLOOR_PER_MINUTE: f64 = 20.0;
/// Pause after a 429 without Retry-After (jittered up to twice this).
/// Short, because the decrease does the real work; Syncro's window slides,
/// so waiting the traditional 60 s would waste the office's budget.
const PAUSE: Duration = Duration::from_secs(2);
/// Longest pause honoured from a Retry-After.
const MAX_PAUSE: Duration = Duration::from_secs(60);

/// The adaptive rate, in requests a minute.
#[derive(Debug, Clone)]
pub struct Share {
    rate: f64,
    ceiling: f64,
    floor: f64,
    /// The rate at the last cut: where the office's limit was met.
    w_max: Option<f64>,
    last_step: Instant,
    last_decrease: Option<Instant>,
}

impl Share {
    /// Starts at the ceiling: alone in an office, a daemon needs no
    /// warm-up; in a crowded one the first 429s bring it down.
    pub fn new(ceiling: f64, now: Instant) -> Share {
        let ceiling = ceiling.max(1.0);
        Share {
            rate: ceiling,
            ceiling,
            floor: FLOOR_PER_MINUTE.min(ceiling),
            w_max: None,
            last_step: now,
            last_decrease: None,
        }
    }

    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// A clean answer: one additive step per clean interval, sized by
    /// where the rate stands against the last cut (see the step constants).
    pub fn clean(&mut self, now: Instant) {
        if now.duration_since(self.last_step) < INCREASE_EVERY {
            return;
        }
        let since_cut = self
            .last_decrease
            .map_or(Duration::MAX, |d| now.duration_since(d));
        let step = match self.w_max {
            None => RECOVER_STEP,
            Some(w) if self.rate < PLATEAU.0 * w => RECOVER_STEP,
            Some(w) if self.rate < PLATEAU.1 * w => PLATEAU_STEP,
            Some(_) if since_cut < FAR_PROBE_AFTER => PROBE_STEP,
            Some(_) => RECOVER_STEP,
        };
        self.rate = (self.rate + step).min(self.ceiling);
        self.last_step = now;
    }

    /// A 429: cut the share (once per congestion episode) and say how long
    /// to pause.
    pub fn limited(&mut self, now: Instant, retry_after: Option<Duration>) -> Duration {
        self.limited_with(now, retry_after, &mut rand::rng())
    }

    fn limited_with(
        &mut self,
        now: Instant,
        retry_after: Option<Duration>,
        rng: &mut impl Rng,
    ) -> Duration {
        let fresh = self
            .last_decrease
            .is_none_or(|d| now.duration_since(d) >= DECREASE_COOLDOWN);
        if fresh {
            self.w_max = Some(self.rate);
            let factor = rng.random_range(DECREASE.0..=DECREASE.1);
            self.rate = (self.rate * factor).max(self.floor);
            self.last_decrease = Some(now);
        }
        // No increase right after a cut.
        self.last_step = now;
        match retry_after {
            Some(r) => r.min(MAX_PAUSE),
            None => PAUSE + PAUSE.mul_f64(rng.random_range(0.0..1.0)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[tokio::test(start_paused = true)]
    async fn the_share_falls_on_429s_and_recovers_while_clean() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut s = Share::new(150.0, Instant::now());
        let pause = s.limited_with(Instant::now(), None, &mut rng);
        assert!((PAUSE..=PAUSE * 2).contains(&pause));
        let after_one = s.rate();
        assert!((97.5..=120.0).contains(&after_one), "{after_one}");
        // A burst of 429s in the same episode is one cut.
        s.limited_with(Instant::now(), Some(Duration::from_secs(1)), &mut rng);
        assert_eq!(s.rate(), after_one);
        // Later episodes cut again, never below the floor.
        for _ in 0..40 {
            tokio::time::advance(DECREASE_COOLDOWN).await;
            s.limited_with(Instant::now(), None, &mut rng);
        }
        assert_eq!(s.rate(), FLOOR_PER_MINUTE);
        // Clean answers bring it back: quickly to just under where the
        // last 429 came, slowly around it, then probing further, to the
        // ceiling and no further.
        tokio::time::advance(INCREASE_EVERY).await;
        s.clean(Instant::now());
        // (The last cut came at the floor, so it is already past the
        // plateau: probing.)
        assert_eq!(s.rate(), FLOOR_PER_MINUTE + PROBE_STEP);
        for _ in 0..200 {
            tokio::time::advance(INCREASE_EVERY).await;
            s.clean(Instant::now());
        }
        assert_eq!(s.rate(), 150.0);
    }

    #[tokio::test(start_paused = true)]
    async fn after_one_cut_it_climbs_back_fast_then_lingers_near_the_limit() {
        let mut rng = StdRng::seed_from_u64(3);
        let mut s = Share::new(150.0, Instant::now());
        s.limited_with(Instant::now(), None, &mut rng);
        let cut = s.rate();
        tokio::time::advance(INCREASE_EVERY).await;
        s.clean(Instant::now());
        assert_eq!(s.rate(), cut + RECOVER_STEP);
        while s.rate() < PLATEAU.0 * 150.0 {
            tokio::time::advance(INCREASE_EVERY).await;
            s.clean(Instant::now());
        }
        let near = s.rate();
        tokio::time::advance(INCREASE_EVERY).await;
        s.clean(Instant::now());
        assert_eq!(s.rate(), near + PLATEAU_STEP);
    }

    #[tokio::test(start_paused = true)]
    async fn daemons_cut_by_different_amounts() {
        let mut rng = StdRng::seed_from_u64(1);
        let cuts: Vec<f64> = (0..5)
            .map(|_| {
                let mut s = Share::new(150.0, Instant::now());
                s.limited_with(Instant::now(), None, &mut rng);
                s.rate()
            })
            .collect();
        let distinct = cuts
            .iter()
            .filter(|c| cuts.iter().filter(|d| (*d - *c).abs() < 1e-9).count() == 1)
            .count();
        assert!(distinct >= 4, "{cuts:?}");
    }

    #[test]
    fn a_retry_after_is_honoured_up_to_a_minute() {
        let mut s = Share::new(150.0, Instant::now());
        assert_eq!(
            s.limited(Instant::now(), Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
        assert_eq!(
            s.limited(Instant::now(), Some(Duration::from_secs(600))),
            MAX_PAUSE
        );
    }
}
