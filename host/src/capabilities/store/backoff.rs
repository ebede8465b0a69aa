//! Waiting after a stale commit, so that writers racing on one document take
//! turns instead of starving one another.
//!
//! The component re-applies a partial update when its commit finds the
//! document changed (`reapplied` in `guest/src/service`), a bounded number of
//! times. Retried at once, every loser of a race re-reads the same new
//! version and races again: under contention (fifty writers on one contact,
//! two replicas on one PostgreSQL, a loaded machine) one slow writer can lose
//! every attempt. Waiting a random, growing time between attempts ("full
//! jitter") spreads the retries out so each gets a quiet moment. The wait is
//! measured in attempts, not in fixed milliseconds: on a loaded machine an
//! attempt takes longer, and the retries must spread over more time.
//!
//! Why the wait is here, in the host's side of `store.commit`, and not in the
//! component: the pure component has no clock and no sleep (no WASI), and a
//! new import would change the contract every embedder implements. The host
//! sees each stale commit of a call, so it knows the contention; it waits
//! before answering `stale`, and the component's next attempt then reads
//! after the wait. It holds no lock or connection while it waits, and the
//! waits of one call add up to well under the default call deadline.

use std::time::{Duration, Instant};

/// Bounds of how long one attempt is taken to last: the measured time of
/// the attempt that lost, read, changed and committed.
const SHORTEST_ATTEMPT: Duration = Duration::from_millis(1);
const LONGEST_ATTEMPT: Duration = Duration::from_millis(100);
/// The largest upper bound of one wait. With the component's 16 attempts, a
/// call waits at most 3.75 s in all (half of that on average), well under
/// the default call deadline of 10 s.
const CAP: Duration = Duration::from_millis(250);

/// The stale commits of one call so far, and when its current attempt began.
#[derive(Debug)]
pub struct Backoff {
    stale: u32,
    attempt_began: Instant,
}

impl Default for Backoff {
    fn default() -> Backoff {
        Backoff {
            stale: 0,
            attempt_began: Instant::now(),
        }
    }
}

impl Backoff {
    /// A new call starts without contention, and its first attempt now.
    pub fn reset(&mut self) {
        *self = Backoff::default();
    }

    /// The upper bound of the wait after a stale commit at `now`: the
    /// attempt's length, doubled for each stale commit of the call before it.
    fn window(&self, now: Instant) -> Duration {
        let attempt = now
            .saturating_duration_since(self.attempt_began)
            .clamp(SHORTEST_ATTEMPT, LONGEST_ATTEMPT);
        attempt.saturating_mul(1 << self.stale.min(16)).min(CAP)
    }

    /// Records a stale commit at `now` and returns how long to wait before
    /// answering it: a uniformly random time below the window. The next
    /// attempt begins once the wait is over.
    pub fn after_stale(&mut self, now: Instant) -> Duration {
        let window = self.window(now);
        self.stale = self.stale.saturating_add(1);
        // Without randomness (never on Linux), the middle of the window still
        // spreads retries out in time, if not from one another.
        let r = getrandom::u64().unwrap_or(u64::MAX / 2);
        let wait = Duration::from_nanos(r % (window.as_nanos() as u64).max(1));
        self.attempt_began = now + wait;
        wait
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    /// A call whose attempts each take `attempt`: the windows of its stale
    /// commits, and the waits it drew.
    fn windows(attempt: Duration, stale: usize) -> Vec<(Duration, Duration)> {
        let mut b = Backoff::default();
        let mut now = b.attempt_began;
        (0..stale)
            .map(|_| {
                now += attempt;
                let window = b.window(now);
                let wait = b.after_stale(now);
                now += wait;
                (window, wait)
            })
            .collect()
    }

    #[test]
    fn waits_grow_with_each_stale_commit_up_to_the_cap() {
        let w = windows(2 * MS, 10);
        assert!(w.iter().all(|(window, wait)| wait < window), "{w:?}");
        let w: Vec<Duration> = w.into_iter().map(|(window, _)| window).collect();
        assert_eq!(w[..4], [2 * MS, 4 * MS, 8 * MS, 16 * MS]);
        assert_eq!(w[7], CAP);
        assert_eq!(w[9], CAP);
    }

    #[test]
    fn slower_attempts_wait_longer() {
        let fast = windows(MS, 3);
        let slow = windows(20 * MS, 3);
        assert_eq!(fast[2].0, 4 * MS);
        assert_eq!(slow[2].0, 80 * MS);
        // Past the longest attempt counted, the windows stop growing with it.
        assert_eq!(windows(10 * LONGEST_ATTEMPT, 1)[0].0, LONGEST_ATTEMPT);
    }

    #[test]
    fn a_new_call_starts_over() {
        let mut b = Backoff::default();
        for _ in 0..8 {
            b.after_stale(Instant::now());
        }
        b.reset();
        assert_eq!(b.window(b.attempt_began), SHORTEST_ATTEMPT);
    }

    #[test]
    fn waits_are_jittered() {
        let waits: std::collections::HashSet<Duration> =
            (0..20).map(|_| windows(MS, 8)[7].1).collect();
        // Twenty draws below 128 ms: equal ones would mean no jitter at all.
        assert!(waits.len() > 10, "{waits:?}");
    }

    #[test]
    fn the_waits_of_one_call_stay_well_under_its_deadline() {
        let most: Duration = windows(LONGEST_ATTEMPT, 15).iter().map(|(w, _)| *w).sum();
        assert!(most < Duration::from_secs(4), "{most:?}");
    }
}
