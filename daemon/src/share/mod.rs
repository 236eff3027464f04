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

#[cfg(test)]
mod office;

/// Clean time between two additive steps.
const INCREASE_EVERY: Duration = Duration::from_secs(10);
/// The additive steps (requests a minute per clean interval), shaped like
/// TCP CUBIC's window: quick back up to 85-89% of the rate where the last
/// 429 came (`w_max`), a long plateau up to 93%, then the edge (up to
/// 110%), one small step a window, then probing beyond it, doubling each
/// clean interval up to [`PROBE_MAX`] (someone left the office, or the cut
/// came from a passing burst: a lone daemon cut to 100/min is back at 150
/// within two minutes, from the floor in about sixteen).
/// The plateau sits *below* `w_max` on purpose: the browsers behind the
/// same IP do not adapt, and a daemon that sat at the limit would take
/// every free slot and leave them the 429s. (A lower plateau, 75-83%, was
/// measured too: fewer requests used and no fewer 429s; see BENCHMARKS.)
///
/// Every cut costs the office at least one 429, and every daemon is cut
/// about once a cycle (from the cut, through the plateau, to the limit):
/// ten daemons cycling every four minutes made 2.5 429s a minute, 3% of
/// the office's requests once past the start (the office model over 20
/// minutes). The plateau's step is small so a cycle lasts long enough for
/// ten daemons (at 16/min each: about 11 minutes on the plateau); the
/// same absolute step for every daemon keeps additive increase fair.
const RECOVER_STEP: f64 = 3.0;
/// The quick climb ends inside the plateau, never past it. A step of 3
/// is a fifth of ten daemons' part (16/min): from 12 after the start-up
/// cut it carried each of them from 15 straight to 18, the rate their
/// part was met at in a window their start-up burst had filled without
/// the browsers; ten daemons at 18 beside the browsers' 20 asked for 200
/// a minute, and every one met a 429 two minutes in (the office model:
/// ten daemons' 429s 1.04% -> 0.10% in minutes 2-4, with the steps
/// below).
const RECOVER_TO: f64 = 0.89;
const PLATEAU: (f64, f64) = (0.85, 0.93);
const PLATEAU_STEP: f64 = 0.02;
/// The plateau's and the edge's steps are for a daemon whose part of the
/// office is this (requests a minute: five daemons' part, where they were
/// tuned), and in proportion to its part otherwise, down to half: near
/// the office's limit, what every daemon adds up to is what meets the
/// next 429, so same-size steps made ten daemons' office grow twice as
/// fast as five daemons' (each of those 429s sheds one daemon's few
/// percent: ten daemons met four times as many). In proportion, the
/// office's growth near its limit is about the same for three, five or
/// ten daemons (the model's 30-minute soak, ten daemons: 429s per
/// 5-minute window 0.68-1.88% -> 0-0.89%, worst Jain 0.900 -> 0.975).
/// This stays fair: the daemon sending more is the likelier to meet the
/// lone 429 that cuts it, and its cut is in proportion too. Not below
/// half, so a daemon whose limit was met at the floor still climbs.
const REFERENCE_PART: f64 = 30.0;
const LEAST_SCALE: f64 = 0.5;
const PROBE_STEP: f64 = 0.25;
const PROBE_MAX: f64 = 6.0;
/// ...and never more than this fraction of the share itself per clean
/// interval. Ten daemons probing together overshoot by ten probes: at
/// 15/min each, steps of up to 6/min took the office 30-60 requests a
/// minute over its limit before the first 429 could tell anyone. Relative
/// steps keep the office's total growth near its limit at about 5% per
/// 10 s whatever the number of daemons (the office model in
/// `office.rs`: ten daemons' 429s 2.8% -> 1.8%); a lone daemon cut by a
/// passing burst, probing from 100/min, is still at 150 within two minutes.
const PROBE_FRACTION: f64 = 0.05;
/// Range of the multiplicative decrease (jittered per 429).
const DECREASE: (f64, f64) = (0.65, 0.8);
/// 429s within this long of a decrease are the same congestion: one cut.
/// It is the server's window: until every request that was in it at the
/// cut has left, the office's count still holds them, so a 429 met then
/// says nothing about the new share (as TCP cuts at most once per round
/// trip). A shorter cooldown (5 s) compounded the cuts: ten daemons
/// starting together filled the window in seconds, met it still full after
/// each pause, and cut again and again from a window that only their
/// start-up burst was filling, down to a tenth of their part; they then
/// probed back up all together and overshot the office's limit.
const DECREASE_COOLDOWN: Duration = Duration::from_secs(60);
/// When the office's limit is met lower than the last time (someone
/// joined), the plateau is set this far below where it was met, so the
/// daemons already there give way faster than the newcomer's probing takes
/// (CUBIC's "fast convergence", RFC 9438 4.7). Not further: ten daemons'
/// parts are 16/min, and one request more or less in the window when the
/// limit is met reads as "lower" half the time; at 0.85 each such cut put
/// the daemon past the edge, probing fast (the model: ten daemons' 429s
/// 0.8%, but a joiner's Jain 0.91; at 0.92: 0.9% and 0.96).
const FAST_CONVERGENCE: f64 = 0.92;
/// A daemon that joins an office already at its limit meets a 429 with
/// almost nothing of its own in the window (fewer than this). Cutting from
/// that put it at the floor with its limit "met" there, and it stayed a
/// fraction of the others' share for minutes (Jain 0.75 after three
/// minutes in the office model). It restarts from this fraction of its
/// ceiling instead, the limit left unknown (30/min at the default 150:
/// between a fair part of 3 and of 10 daemons), and climbs additively until
/// a 429 that says where its part is, while its requests' 429s fall on
/// the others too and they give way.
const STARTED_INTO_A_FULL_WINDOW: f64 = 8.0;
const START_IN_A_FULL_OFFICE: f64 = 0.2;
/// The lowest share. Low enough that ten daemons at the floor fit in one
/// office's 180 with its browsers (at 20/min they alone asked for 200, and
/// met 429s for ever); writes do not wait on it, since a write may go a few
/// requests ahead of the pacing (`limiter::WRITE_CREDIT`).
const FLOOR_PER_MINUTE: f64 = 4.0;
/// Pause after a 429 without Retry-After when none of our requests is in
/// the server's window (jittered up to twice this): there is nothing of
/// ours to wait for, and the decrease does the real work.
const PAUSE: Duration = Duration::from_secs(2);
/// Jitter added to a pause worked out from our own window, so daemons
/// that met the limit together do not all come back on the same instant.
const PAUSE_JITTER: Duration = Duration::from_millis(300);
/// The longest pause worked out from our own window. Our oldest request
/// may be a minute old when the 429 was not about the window at all (a
/// proxy's hiccup, a burst by others that is already over): past this, a
/// request goes out to see, and the 429s it may meet until the window
/// frees belong to the same episode (no second cut).
const MAX_WINDOW_PAUSE: Duration = Duration::from_secs(15);
/// Longest pause honoured from a Retry-After.
const MAX_PAUSE: Duration = Duration::from_secs(60);
/// Below this fraction of its share, the daemon is not using what it has
/// (between sync passes, waiting on the server): clean answers then say
/// nothing about the office's room, so the share does not grow (as TCP's
/// congestion window validation, RFC 7661). Without this a daemon idling
/// at 30/min climbs to its ceiling and arrives with 150/min at the next
/// backfill.
const APP_LIMITED: f64 = 0.8;
/// From the plateau's top to this far past `w_max`, near the office's
/// limit, the share steps [`EDGE_STEP`] once per [`EDGE_EVERY`]: the
/// server counts a sliding minute, so a step shows in full only a minute
/// later; stepping every 10 s there took the office a fifth over its
/// limit before its first 429 (ten daemons' shares summing to 194/min
/// with a 180 window).
const EDGE: f64 = 1.1;
/// A cut met while our part of the server's window was under this much
/// of our share (we had just started, or came back from a pause) measures
/// a passing moment, not where our part of the office ends: it cuts the
/// share but leaves `w_max` where the last representative cut put it. A
/// daemon cut at 100 s by a third one's start-up burst, its window still
/// half empty from its own start-up, took that for its limit and sat on
/// its plateau at 28/min beside the newcomer's 79 (the office model).
const UNDER_USED: f64 = 0.7;
/// A share older than this, cut while it stood on or above its plateau
/// (met at [`PLATEAU`]`.0` of `w_max` or more, and using what it had), met
/// the office's limit where it was last time: a request or two too many,
/// most often another daemon's slow growth taking the slot ours freed. Such
/// a 429 falls on one daemon at random, and a full cut
/// ([`DECREASE`], then fast convergence) cost that one a quarter of its
/// part for the twenty minutes its plateau takes to climb back, while the
/// others took the room: over a 30-minute soak one daemon drifted from 30
/// to 16 requests a minute beside the others' 35-37 (the bench), the
/// model's five daemons spread to 55% of their mean. A steady cut is
/// shallow ([`STEADY_DECREASE`]) and keeps `w_max` at the rate met: the
/// office sheds the request or two it was over, and the victim is back in
/// minutes (the model over 10 seeds: spread 35%, Jain >= 0.989 for 30
/// minutes; three daemons 0.998). Younger shares, and cuts met below the
/// plateau (someone joined), cut in full as before.
const STEADY_AFTER: Duration = Duration::from_secs(180);
const STEADY_DECREASE: (f64, f64) = (0.92, 0.96);
const EDGE_STEP: f64 = 0.25;
const EDGE_EVERY: Duration = Duration::from_secs(60);

/// How much larger than [`REFERENCE_PART`]'s a step near the limit met at
/// `w_max` is.
fn part_scale(w_max: f64) -> f64 {
    (w_max / REFERENCE_PART).max(LEAST_SCALE)
}

/// The adaptive rate, in requests a minute.
#[derive(Debug, Clone)]
pub struct Share {
    rate: f64,
    ceiling: f64,
    floor: f64,
    /// The rate at the last cut: where the office's limit was met.
    w_max: Option<f64>,
    last_step: Instant,
    /// Until when a 429 belongs to the last cut's congestion episode.
    episode_until: Option<Instant>,
    /// Clean steps taken beyond the plateau since the last cut.
    probes: i32,
    /// When this share began: a 429 in its first window may say nothing
    /// about its part of the office (see [`START_IN_A_FULL_OFFICE`]).
    born: Instant,
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
            episode_until: None,
            probes: 0,
            born: now,
        }
    }

    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// A clean answer: one additive step per clean interval, sized by
    /// where the rate stands against the last cut (see the step constants).
    /// `used` is what this daemon actually sent over the last minute (per
    /// minute); a share it is not using does not grow ([`APP_LIMITED`]).
    pub fn clean(&mut self, now: Instant, used: f64) {
        let (step, every, probing) = match self.w_max {
            None => (RECOVER_STEP, INCREASE_EVERY, false),
            Some(w) if self.rate < PLATEAU.0 * w => (RECOVER_STEP, INCREASE_EVERY, false),
            Some(w) if self.rate < PLATEAU.1 * w => {
                (PLATEAU_STEP * part_scale(w), INCREASE_EVERY, false)
            }
            Some(w) if self.rate < EDGE * w => (EDGE_STEP * part_scale(w), EDGE_EVERY, false),
            Some(_) => (
                (PROBE_STEP * 2f64.powi(self.probes))
                    .min(PROBE_MAX)
                    .min(PROBE_FRACTION * self.rate),
                INCREASE_EVERY,
                true,
            ),
        };
        if now.duration_since(self.last_step) < every {
            return;
        }
        self.last_step = now;
        if used < APP_LIMITED * self.rate {
            return;
        }
        if probing {
            self.probes = (self.probes + 1).min(16);
        }
        let mut next = self.rate + step;
        if let Some(w) = self.w_max.filter(|w| self.rate < PLATEAU.0 * w) {
            next = next.min(RECOVER_TO * w);
        }
        self.rate = next.min(self.ceiling);
    }

    /// A 429: cut the share (once per congestion episode) and say how long
    /// to pause.
    ///
    /// `frees_in` is when the oldest of those leaves the server's window
    /// (from our own log). The live service's 429s carry no `Retry-After`:
    /// the server's window frees a slot no later than that (our oldest
    /// request is in it, and nobody's is older than the window), so that is
    /// when to come back, at the new share, instead of a fixed guess that
    /// either wastes the window or meets the same full window again (and
    /// again cuts the share). A `Retry-After`, when sent, wins.
    ///
    /// `in_window` is how many of our requests the server accepted in the
    /// last 60 s. A 429 means the office's sliding window was full, so
    /// that count is exactly our part of the limit, whatever our nominal
    /// share or how long we have been running. Cutting from it rather
    /// than from the share keeps the daemons' shares summing to less than
    /// the office's limit minus what the browsers used: the share's
    /// plateau (below) then sits under the limit, not on it. (Cutting from
    /// the nominal share let every daemon's plateau overshoot, and the
    /// browsers, who never slow down, took the 429s.)
    pub fn limited(
        &mut self,
        now: Instant,
        retry_after: Option<Duration>,
        in_window: f64,
        frees_in: Option<Duration>,
    ) -> Duration {
        self.limited_with(now, retry_after, in_window, frees_in, &mut rand::rng())
    }

    fn limited_with(
        &mut self,
        now: Instant,
        retry_after: Option<Duration>,
        in_window: f64,
        frees_in: Option<Duration>,
        rng: &mut impl Rng,
    ) -> Duration {
        let fresh = self.episode_until.is_none_or(|e| now >= e);
        let young = now.duration_since(self.born) < DECREASE_COOLDOWN;
        if fresh && young && in_window < STARTED_INTO_A_FULL_WINDOW {
            // Our first requests met a window full of others': nothing
            // here says what our part is. Start from a guess, limit
            // unknown, and climb by additive steps until a 429 that does.
            self.w_max = None;
            self.rate = (self.ceiling * START_IN_A_FULL_OFFICE).max(self.floor);
            self.probes = 0;
        } else if fresh {
            let met_at = self.rate.min(in_window).max(self.floor);
            let under_used = in_window < UNDER_USED * self.rate;
            let steady = now.duration_since(self.born) >= STEADY_AFTER
                && !under_used
                && self.w_max.is_some_and(|w| met_at >= PLATEAU.0 * w);
            self.w_max = match self.w_max {
                Some(last) if under_used => Some(last),
                Some(_) if steady => Some(met_at),
                Some(last) if met_at < last => Some((met_at * FAST_CONVERGENCE).max(self.floor)),
                _ => Some(met_at),
            };
            let (low, high) = if steady { STEADY_DECREASE } else { DECREASE };
            let factor = rng.random_range(low..=high);
            self.rate = (met_at * factor).max(self.floor);
            self.probes = 0;
        }
        // No increase right after a cut. The next step comes 5-10 s after
        // it, at random: daemons cut by the same full window would
        // otherwise step together ever after, and meet the limit together.
        self.last_step = now
            .checked_sub(INCREASE_EVERY.mul_f64(rng.random_range(0.0..0.5)))
            .unwrap_or(now);
        let pause = match (retry_after, frees_in) {
            (Some(r), _) => r.min(MAX_PAUSE),
            (None, Some(f)) => {
                f.min(MAX_WINDOW_PAUSE) + PAUSE_JITTER.mul_f64(rng.random_range(0.0..1.0))
            }
            (None, None) => PAUSE + PAUSE.mul_f64(rng.random_range(0.0..1.0)),
        };
        // 429s met until the window has turned over are the same
        // congestion: one cut.
        if fresh {
            self.episode_until = Some(now + pause.max(DECREASE_COOLDOWN));
        }
        pause
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    /// A daemon busy enough to use all of any share.
    const FULL: f64 = f64::MAX;

    #[tokio::test(start_paused = true)]
    async fn the_share_falls_on_429s_and_recovers_while_clean() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut s = Share::new(150.0, Instant::now());
        let pause = s.limited_with(Instant::now(), None, FULL, None, &mut rng);
        assert!((PAUSE..=PAUSE * 2).contains(&pause));
        let after_one = s.rate();
        assert!((97.5..=120.0).contains(&after_one), "{after_one}");
        // A burst of 429s in the same episode is one cut.
        s.limited_with(
            Instant::now(),
            Some(Duration::from_secs(1)),
            FULL,
            None,
            &mut rng,
        );
        assert_eq!(s.rate(), after_one);
        // Later episodes cut again, never below the floor.
        for _ in 0..40 {
            tokio::time::advance(DECREASE_COOLDOWN).await;
            s.limited_with(Instant::now(), None, FULL, None, &mut rng);
        }
        assert_eq!(s.rate(), FLOOR_PER_MINUTE);
        // Clean answers bring it back: quickly to just under where the
        // last 429 came, slowly around it, then probing further, to the
        // ceiling and no further.
        // (The last cut came at the floor, so it is already past the
        // plateau, at the edge: one small step a window...)
        tokio::time::advance(INCREASE_EVERY).await;
        s.clean(Instant::now(), FULL);
        assert_eq!(
            s.rate(),
            FLOOR_PER_MINUTE,
            "a step at the edge waits a window"
        );
        tokio::time::advance(EDGE_EVERY - INCREASE_EVERY).await;
        s.clean(Instant::now(), FULL);
        assert_eq!(s.rate(), FLOOR_PER_MINUTE + EDGE_STEP * LEAST_SCALE);
        // ...then, past it, probing: twice as far each clean interval, but
        // never more than a twentieth of the share a step. Back at the
        // ceiling, and no further: from the floor in about a quarter of an
        // hour (its edge steps are half the reference's: 16 minutes), from
        // 100/min within two minutes.
        let mut intervals = EDGE_EVERY.as_secs() / INCREASE_EVERY.as_secs();
        let mut from_100 = None;
        while s.rate() < 150.0 && intervals < 1000 {
            tokio::time::advance(INCREASE_EVERY).await;
            s.clean(Instant::now(), FULL);
            intervals += 1;
            if s.rate() >= 100.0 && from_100.is_none() {
                from_100 = Some(intervals);
            }
        }
        assert!(
            intervals * 10 <= 1000,
            "{intervals} intervals from the floor to 150"
        );
        let from_100 = intervals - from_100.unwrap_or(0);
        assert!(from_100 * 10 <= 120, "{from_100} intervals from 100 to 150");
        s.clean(Instant::now() + INCREASE_EVERY, FULL);
        assert_eq!(s.rate(), 150.0);
    }

    #[tokio::test(start_paused = true)]
    async fn after_one_cut_it_climbs_back_fast_then_lingers_near_the_limit() {
        let mut rng = StdRng::seed_from_u64(3);
        let mut s = Share::new(150.0, Instant::now());
        s.limited_with(Instant::now(), None, FULL, None, &mut rng);
        let cut = s.rate();
        tokio::time::advance(INCREASE_EVERY).await;
        s.clean(Instant::now(), FULL);
        assert_eq!(s.rate(), cut + RECOVER_STEP);
        while s.rate() < PLATEAU.0 * 150.0 {
            tokio::time::advance(INCREASE_EVERY).await;
            s.clean(Instant::now(), FULL);
        }
        let near = s.rate();
        assert!(near <= RECOVER_TO * 150.0, "{near}");
        tokio::time::advance(INCREASE_EVERY).await;
        s.clean(Instant::now(), FULL);
        assert_eq!(s.rate(), near + PLATEAU_STEP * part_scale(150.0));
    }

    #[tokio::test(start_paused = true)]
    async fn a_small_part_climbs_back_into_its_plateau_not_over_it() {
        let mut rng = StdRng::seed_from_u64(3);
        let mut s = Share::new(150.0, Instant::now());
        // One of ten daemons: 18 of ours in the window when it filled.
        s.limited_with(Instant::now(), None, 18.0, None, &mut rng);
        while s.rate() < PLATEAU.0 * 18.0 {
            tokio::time::advance(INCREASE_EVERY).await;
            s.clean(Instant::now(), FULL);
        }
        // A step of 3 from 15 would have been 18: the limit itself.
        assert!(s.rate() <= RECOVER_TO * 18.0 + 1e-9, "{}", s.rate());
        assert!(s.rate() >= PLATEAU.0 * 18.0, "{}", s.rate());
        // On the plateau, a step in proportion to that part (half the
        // reference's: 18 is under LEAST_SCALE of it).
        let before = s.rate();
        tokio::time::advance(INCREASE_EVERY).await;
        s.clean(Instant::now(), FULL);
        let step = s.rate() - before;
        assert!((step - PLATEAU_STEP * LEAST_SCALE.max(18.0 / REFERENCE_PART)).abs() < 1e-9);
        assert!(step < PLATEAU_STEP, "{step}");
    }

    #[tokio::test(start_paused = true)]
    async fn daemons_cut_by_different_amounts() {
        let mut rng = StdRng::seed_from_u64(1);
        let cuts: Vec<f64> = (0..5)
            .map(|_| {
                let mut s = Share::new(150.0, Instant::now());
                s.limited_with(Instant::now(), None, FULL, None, &mut rng);
                s.rate()
            })
            .collect();
        let distinct = cuts
            .iter()
            .filter(|c| cuts.iter().filter(|d| (*d - *c).abs() < 1e-9).count() == 1)
            .count();
        assert!(distinct >= 4, "{cuts:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_share_left_unused_does_not_grow() {
        let mut s = Share::new(150.0, Instant::now());
        let mut rng = StdRng::seed_from_u64(5);
        s.limited_with(Instant::now(), None, FULL, None, &mut rng);
        let cut = s.rate();
        for _ in 0..100 {
            tokio::time::advance(INCREASE_EVERY).await;
            s.clean(Instant::now(), cut * 0.5);
        }
        assert_eq!(s.rate(), cut, "an idle daemon's share climbed");
        tokio::time::advance(INCREASE_EVERY).await;
        s.clean(Instant::now(), cut);
        assert!(s.rate() > cut);
    }

    #[tokio::test(start_paused = true)]
    async fn the_limit_is_placed_where_the_daemon_really_was() {
        let mut rng = StdRng::seed_from_u64(9);
        // Allowed 150/min, but 40 of ours in the server's window when it
        // filled up: the cut starts from 40, and the plateau sits under 40.
        let mut s = Share::new(150.0, Instant::now());
        s.limited_with(Instant::now(), None, 40.0, None, &mut rng);
        assert!((26.0..=32.0).contains(&s.rate()), "{}", s.rate());
        for _ in 0..30 {
            tokio::time::advance(INCREASE_EVERY).await;
            s.clean(Instant::now(), FULL);
        }
        assert!(s.rate() < 40.0, "{}", s.rate());
        // Never below the floor, however little was used.
        s.limited_with(
            Instant::now() + DECREASE_COOLDOWN,
            None,
            1.0,
            None,
            &mut rng,
        );
        assert_eq!(s.rate(), FLOOR_PER_MINUTE);
    }

    #[tokio::test(start_paused = true)]
    async fn without_retry_after_it_comes_back_when_its_oldest_request_leaves_the_window() {
        let mut rng = StdRng::seed_from_u64(4);
        let mut s = Share::new(150.0, Instant::now());
        let frees = Duration::from_millis(700);
        let pause = s.limited_with(Instant::now(), None, 60.0, Some(frees), &mut rng);
        assert!((frees..=frees + PAUSE_JITTER).contains(&pause), "{pause:?}");
        let cut = s.rate();
        // After a burst nothing of ours leaves for a while: wait (at most
        // MAX_WINDOW_PAUSE), and 429s met meanwhile are the same congestion,
        // not a second cut.
        let mut s = Share::new(150.0, Instant::now());
        let long = s.limited_with(
            Instant::now(),
            None,
            60.0,
            Some(Duration::from_secs(30)),
            &mut rng,
        );
        assert!(
            (MAX_WINDOW_PAUSE..=MAX_WINDOW_PAUSE + PAUSE_JITTER).contains(&long),
            "{long:?}"
        );
        let after = s.rate();
        tokio::time::advance(Duration::from_secs(18)).await;
        s.limited_with(
            Instant::now(),
            None,
            60.0,
            Some(Duration::from_secs(10)),
            &mut rng,
        );
        assert_eq!(s.rate(), after, "a second cut within one episode");
        assert!(cut >= FLOOR_PER_MINUTE);
    }

    #[tokio::test(start_paused = true)]
    async fn one_cut_per_window_however_many_429s_meet_the_burst_in_it() {
        let mut rng = StdRng::seed_from_u64(11);
        let mut s = Share::new(150.0, Instant::now());
        // Ten daemons started together: the window filled in seconds, 18
        // of them ours. Each pause ends into the same full window.
        s.limited_with(
            Instant::now(),
            None,
            18.0,
            Some(Duration::from_secs(50)),
            &mut rng,
        );
        let cut = s.rate();
        assert!((11.0..=14.5).contains(&cut), "{cut}");
        for _ in 0..3 {
            tokio::time::advance(MAX_WINDOW_PAUSE + Duration::from_millis(400)).await;
            s.limited_with(
                Instant::now(),
                None,
                18.0,
                Some(Duration::from_secs(10)),
                &mut rng,
            );
        }
        assert_eq!(
            s.rate(),
            cut,
            "a burst still in the window cut the share again"
        );
        // Once the window has turned over, a 429 is news again.
        tokio::time::advance(DECREASE_COOLDOWN).await;
        s.limited_with(Instant::now(), None, 14.0, None, &mut rng);
        assert!(s.rate() < cut);
    }

    #[tokio::test(start_paused = true)]
    async fn met_lower_than_last_time_it_gives_way_further() {
        let mut rng = StdRng::seed_from_u64(12);
        let mut s = Share::new(150.0, Instant::now());
        s.limited_with(Instant::now(), None, 90.0, None, &mut rng);
        tokio::time::advance(DECREASE_COOLDOWN).await;
        // Someone joined: the limit was met at 60, lower than 90.
        s.limited_with(Instant::now(), None, 60.0, None, &mut rng);
        let w_max = s.w_max.unwrap_or_default();
        assert!((w_max - 60.0 * FAST_CONVERGENCE).abs() < 1e-9, "{w_max}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_settled_share_cut_on_its_plateau_gives_up_a_little_and_keeps_the_limit() {
        let mut rng = StdRng::seed_from_u64(15);
        let mut s = Share::new(150.0, Instant::now());
        s.limited_with(Instant::now(), None, 35.0, None, &mut rng);
        // Minutes later, on its plateau, one request too many: met at 33,
        // lower than 35, but where its plateau stands.
        tokio::time::advance(STEADY_AFTER).await;
        s.rate = 33.0;
        s.limited_with(Instant::now(), None, 33.0, None, &mut rng);
        assert_eq!(s.w_max, Some(33.0), "no fast convergence");
        let r = s.rate();
        assert!(
            (33.0 * STEADY_DECREASE.0..=33.0 * STEADY_DECREASE.1).contains(&r),
            "{r}"
        );
        // Met well below its plateau (someone joined): the full cut.
        tokio::time::advance(DECREASE_COOLDOWN).await;
        s.rate = 33.0;
        s.limited_with(Instant::now(), None, 24.0, None, &mut rng);
        assert!(s.rate() <= 24.0 * DECREASE.1, "{}", s.rate());
        assert_eq!(s.w_max, Some(24.0 * FAST_CONVERGENCE));
    }

    #[tokio::test(start_paused = true)]
    async fn a_cut_met_with_our_part_of_the_window_half_empty_keeps_the_limit() {
        let mut rng = StdRng::seed_from_u64(14);
        let mut s = Share::new(150.0, Instant::now());
        s.limited_with(Instant::now(), None, 60.0, None, &mut rng);
        let cut = s.rate();
        tokio::time::advance(DECREASE_COOLDOWN).await;
        // Back from a pause, 20 of ours in the window at a share of ~45:
        // the share is cut, the limit met at 60 stands.
        s.limited_with(Instant::now(), None, 20.0, None, &mut rng);
        assert!(s.rate() < cut, "{} after {cut}", s.rate());
        assert_eq!(s.w_max, Some(60.0));
    }

    #[tokio::test(start_paused = true)]
    async fn a_daemon_started_into_a_full_office_starts_from_a_guess_not_the_floor() {
        let mut rng = StdRng::seed_from_u64(13);
        let mut s = Share::new(150.0, Instant::now());
        tokio::time::advance(Duration::from_secs(1)).await;
        // Its first request met a window full of others': one of ours in it.
        s.limited_with(Instant::now(), None, 1.0, None, &mut rng);
        assert_eq!(s.rate(), 150.0 * START_IN_A_FULL_OFFICE);
        assert_eq!(s.w_max, None, "a limit 'met' with nothing of ours");
        tokio::time::advance(DECREASE_COOLDOWN).await;
        s.clean(Instant::now(), FULL);
        assert_eq!(s.rate(), 150.0 * START_IN_A_FULL_OFFICE + RECOVER_STEP);
        // A minute in, the window holds our part: as little is news.
        s.limited_with(Instant::now(), None, 1.0, None, &mut rng);
        assert_eq!(s.rate(), FLOOR_PER_MINUTE);
    }

    #[test]
    fn a_retry_after_is_honoured_up_to_a_minute() {
        let mut s = Share::new(150.0, Instant::now());
        assert_eq!(
            s.limited(Instant::now(), Some(Duration::from_secs(7)), FULL, None),
            Duration::from_secs(7)
        );
        assert_eq!(
            s.limited(Instant::now(), Some(Duration::from_secs(600)), FULL, None),
            MAX_PAUSE
        );
    }
}
