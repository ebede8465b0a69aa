//! What one misbehaving extension may take from the server (issue 13): at
//! most `limits.concurrency` of its calls run at once, and after repeated
//! failures it is quarantined, its calls answered by its failure policy
//! without running it, for a while that doubles each time it fails again.
//!
//! Fuel and the deadline bound one call; this bounds the calls. Without it,
//! a flood of requests that an extension loops on burns a core per request
//! in flight, each up to its whole budget, and on a two-core machine every
//! other request waits for a core. With it, an extension failing on every
//! call costs a few budgets per quarantine, on at most `concurrency` cores.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::manifest::Quarantine;

/// The longest a quarantine grows to, whatever `for_ms` says.
const MAX_QUARANTINE: Duration = Duration::from_secs(3600);

/// Why a call did not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unrun {
    /// The extension is quarantined; its calls are answered without it.
    Quarantined(String),
    /// Its `concurrency` calls stayed busy for as long as the call may last.
    Busy(String),
}

#[derive(Debug)]
enum Mode {
    /// Calls run; failures are remembered for `within`.
    Closed,
    /// Calls are answered without running it until then.
    Open { until: Instant },
    /// One call, the probe, is running to see whether it has recovered.
    Probing,
}

impl Inner {
    /// What is left of its quarantine.
    fn left(&self, now: Instant) -> Duration {
        match self.mode {
            Mode::Open { until } => until.saturating_duration_since(now),
            _ => Duration::ZERO,
        }
    }
}

#[derive(Debug)]
struct Inner {
    mode: Mode,
    /// When the failures counted toward a quarantine happened.
    failures: VecDeque<Instant>,
    /// The length of the next quarantine.
    next: Duration,
    /// After a quarantine, until then a single failure quarantines it
    /// again; past it without a failure, `next` starts over.
    probation: Option<Instant>,
    running: usize,
}

/// One extension's admission: a concurrency cap and a circuit breaker.
pub struct Breaker {
    name: String,
    settings: Quarantine,
    concurrency: usize,
    inner: Mutex<Inner>,
    freed: Condvar,
    unrun: AtomicU64,
    quarantines: AtomicU64,
}

/// The right to run one call. Say how it went with [`Permit::finish`].
pub struct Permit<'a> {
    breaker: &'a Breaker,
    probe: bool,
    finished: bool,
}

impl Breaker {
    pub fn new(name: &str, settings: Quarantine, concurrency: u64) -> Breaker {
        Breaker {
            name: name.to_owned(),
            concurrency: concurrency.max(1) as usize,
            inner: Mutex::new(Inner {
                mode: Mode::Closed,
                failures: VecDeque::new(),
                next: settings.first(),
                probation: None,
                running: 0,
            }),
            settings,
            freed: Condvar::new(),
            unrun: AtomicU64::new(0),
            quarantines: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // The state stays consistent whatever panicked while holding it.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Lets a call run, or says why not. A call waits for a free slot at
    /// most `wait` (each holder frees its slot within its deadline).
    pub fn admit(&self, wait: Duration) -> Result<Permit<'_>, Unrun> {
        let mut inner = self.lock();
        let probe = match inner.mode {
            Mode::Closed => false,
            Mode::Open { until } if Instant::now() >= until => {
                inner.mode = Mode::Probing;
                true
            }
            Mode::Open { until } => {
                return Err(self.quarantined(until.saturating_duration_since(Instant::now())));
            }
            Mode::Probing => return Err(self.quarantined(Duration::ZERO)),
        };
        if inner.running >= self.concurrency {
            let (guard, timeout) = self
                .freed
                .wait_timeout_while(inner, wait, |i| i.running >= self.concurrency)
                .unwrap_or_else(|p| p.into_inner());
            inner = guard;
            if timeout.timed_out() {
                if probe {
                    // Not a verdict on the extension: probe again next time.
                    inner.mode = Mode::Open {
                        until: Instant::now(),
                    };
                }
                return Err(Unrun::Busy(format!(
                    "it was busy: {} of its calls kept running for {} ms (limits.concurrency)",
                    self.concurrency,
                    wait.as_millis()
                )));
            }
        }
        inner.running += 1;
        Ok(Permit {
            breaker: self,
            probe,
            finished: false,
        })
    }

    fn quarantined(&self, left: Duration) -> Unrun {
        self.unrun.fetch_add(1, Ordering::Relaxed);
        Unrun::Quarantined(format!(
            "it is quarantined after {} failures within {} ms (for {} ms more)",
            self.settings.after,
            self.settings.within_ms,
            left.as_millis()
        ))
    }

    fn finish(&self, probe: bool, ok: bool) {
        let mut inner = self.lock();
        inner.running = inner.running.saturating_sub(1);
        let now = Instant::now();
        let name = &self.name;
        let within = self.settings.within();
        match (probe, ok) {
            (true, true) => {
                inner.mode = Mode::Closed;
                inner.failures.clear();
                inner.probation = Some(now + within);
                tracing::info!(
                    "extension {name} answered again: its quarantine is over (on probation for {} ms)",
                    within.as_millis()
                );
            }
            (true, false) => {
                self.quarantine(&mut inner, now);
                tracing::warn!(
                    "extension {name} failed again after its quarantine: quarantined for {} ms",
                    inner.left(now).as_millis()
                );
            }
            (false, true) => {}
            (false, false) if !matches!(inner.mode, Mode::Closed) => {}
            (false, false) if inner.probation.is_some_and(|end| now < end) => {
                self.quarantine(&mut inner, now);
                tracing::warn!(
                    "extension {name} failed on probation: quarantined for {} ms",
                    inner.left(now).as_millis()
                );
            }
            (false, false) => {
                if inner.probation.take().is_some() {
                    // A probation passed without failure: start over.
                    inner.next = self.settings.first();
                }
                inner.failures.push_back(now);
                while inner
                    .failures
                    .front()
                    .is_some_and(|t| now.duration_since(*t) > within)
                {
                    inner.failures.pop_front();
                }
                if inner.failures.len() as u64 >= self.settings.after {
                    self.quarantine(&mut inner, now);
                    tracing::warn!(
                        "extension {name} quarantined for {} ms after {} failures within {} ms: \
                         its calls are answered by its failure policy without running it",
                        inner.left(now).as_millis(),
                        self.settings.after,
                        self.settings.within_ms
                    );
                }
            }
        }
        drop(inner);
        self.freed.notify_one();
    }

    /// Opens the breaker for the next length, and doubles the one after.
    fn quarantine(&self, inner: &mut Inner, now: Instant) {
        let length = inner.next;
        inner.mode = Mode::Open {
            until: now + length,
        };
        inner.next = (length * 2).min(MAX_QUARANTINE);
        inner.failures.clear();
        inner.probation = None;
        self.quarantines.fetch_add(1, Ordering::Relaxed);
    }

    /// Calls answered without running the extension, since start.
    pub fn unrun(&self) -> u64 {
        self.unrun.load(Ordering::Relaxed)
    }

    /// Quarantines since start.
    pub fn quarantines(&self) -> u64 {
        self.quarantines.load(Ordering::Relaxed)
    }

    /// Whether its calls are being answered without it now.
    pub fn is_quarantined(&self) -> bool {
        !matches!(self.lock().mode, Mode::Closed)
    }
}

impl Permit<'_> {
    /// Records how the call went: `ok` is false for a failure (a trap, a
    /// used-up budget, an oversized answer), not for a refusal.
    pub fn finish(mut self, ok: bool) {
        self.finished = true;
        self.breaker.finish(self.probe, ok);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.finished {
            // Not said: free the slot without a verdict.
            let mut inner = self.breaker.lock();
            inner.running = inner.running.saturating_sub(1);
            if self.probe {
                inner.mode = Mode::Open {
                    until: Instant::now(),
                };
            }
            drop(inner);
            self.breaker.freed.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker(after: u64, for_ms: u64, concurrency: u64) -> Breaker {
        let settings = Quarantine {
            after,
            within_ms: 60_000,
            for_ms,
        };
        Breaker::new("test", settings, concurrency)
    }

    fn fail(b: &Breaker) {
        b.admit(Duration::ZERO).expect("admitted").finish(false);
    }

    #[test]
    fn repeated_failures_quarantine_it_and_calls_are_not_run() {
        let b = breaker(3, 60_000, 4);
        fail(&b);
        b.admit(Duration::ZERO).unwrap().finish(true);
        fail(&b);
        assert!(!b.is_quarantined(), "two failures are not enough");
        fail(&b);
        assert!(b.is_quarantined());
        assert_eq!(b.quarantines(), 1);
        for _ in 0..10 {
            let Err(Unrun::Quarantined(why)) = b.admit(Duration::ZERO) else {
                panic!("a quarantined extension ran");
            };
            assert!(why.contains("after 3 failures within 60000 ms"), "{why}");
        }
        assert_eq!(b.unrun(), 10);
    }

    #[test]
    fn after_its_quarantine_one_probe_runs_and_decides() {
        let b = breaker(1, 1, 4);
        fail(&b);
        assert!(b.is_quarantined());
        std::thread::sleep(Duration::from_millis(5));
        // The quarantine is over: one call probes; others wait for its verdict.
        let probe = b.admit(Duration::ZERO).expect("the probe runs");
        assert!(matches!(
            b.admit(Duration::ZERO),
            Err(Unrun::Quarantined(_))
        ));
        probe.finish(false);
        assert_eq!(b.quarantines(), 2, "a failed probe quarantines it again");
        std::thread::sleep(Duration::from_millis(10));
        b.admit(Duration::ZERO).expect("probe").finish(true);
        assert!(!b.is_quarantined(), "a good probe ends it");
        b.admit(Duration::ZERO).expect("runs").finish(true);
    }

    #[test]
    fn one_failure_on_probation_quarantines_it_again() {
        let b = breaker(3, 1, 4);
        for _ in 0..3 {
            fail(&b);
        }
        std::thread::sleep(Duration::from_millis(5));
        b.admit(Duration::ZERO).expect("probe").finish(true);
        assert!(!b.is_quarantined());
        // Within `within_ms` of its return, one failure is enough.
        fail(&b);
        assert!(b.is_quarantined());
        assert_eq!(b.quarantines(), 2);
    }

    #[test]
    fn a_failed_probe_doubles_the_quarantine() {
        let b = breaker(1, 1000, 4);
        fail(&b);
        {
            let mut inner = b.lock();
            inner.mode = Mode::Open {
                until: Instant::now(),
            };
        }
        b.admit(Duration::ZERO).expect("probe").finish(false);
        let Err(Unrun::Quarantined(why)) = b.admit(Duration::ZERO) else {
            panic!("quarantined");
        };
        // The second quarantine lasts 2000 ms.
        let left: u64 = why
            .rsplit("for ")
            .next()
            .and_then(|s| s.split(' ').next())
            .and_then(|n| n.parse().ok())
            .expect("a length");
        assert!(left > 1000 && left <= 2000, "{why}");
    }

    #[test]
    fn calls_beyond_its_concurrency_wait_and_then_give_up() {
        let b = breaker(5, 1000, 1);
        let first = b.admit(Duration::ZERO).unwrap();
        let Err(Unrun::Busy(why)) = b.admit(Duration::from_millis(1)) else {
            panic!("a second call ran beside the first");
        };
        assert!(why.contains("limits.concurrency"), "{why}");
        std::thread::scope(|s| {
            let waiter = s.spawn(|| b.admit(Duration::from_secs(60)).map(|p| p.finish(true)));
            std::thread::sleep(Duration::from_millis(20));
            first.finish(true);
            assert!(waiter.join().unwrap().is_ok(), "a freed slot lets it run");
        });
        assert!(!b.is_quarantined(), "being busy is not a failure");
    }
}
