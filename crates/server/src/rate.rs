//! Rate limiting by the generic cell rate algorithm (GCRA): each key keeps one number,
//! its theoretical arrival time (TAT). A request at `now` is allowed when
//! `max(TAT, now) + interval - now <= burst * interval`, and then moves the TAT on by one
//! interval; otherwise the answer is how long to wait. Time comes from the injected
//! [`crate::Clock`] (microseconds), so tests step it instead of sleeping.
//!
//! The table is per process: two instances each allow the full rate (the README says
//! so). It holds at most [`RateLimiter::max_keys`] keys; when full it first forgets the
//! keys whose TAT has passed (they are back at a full burst anyway) and, if still full,
//! refuses new keys for a second rather than grow without bound.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

/// A rate: `per_second` requests a second sustained, with bursts of up to `burst`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Requests a second, sustained (0: no limit).
    pub per_second: u32,
    /// Requests allowed at once after a quiet spell (at least 1).
    pub burst: u32,
}

/// Refused: retry after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited {
    /// Microseconds until a request would be allowed.
    pub retry_after_us: i64,
}

impl Limited {
    /// Whole seconds for `Retry-After`, rounded up, at least 1.
    pub fn retry_after_secs(&self) -> u64 {
        let secs = (self.retry_after_us.max(0) as u64).div_ceil(1_000_000);
        secs.max(1)
    }
}

/// Per-key GCRA state.
#[derive(Debug)]
pub struct RateLimiter<K> {
    interval_us: i64,
    tolerance_us: i64,
    max_keys: usize,
    cells: Mutex<HashMap<K, i64>>,
}

impl<K: Hash + Eq + Clone> RateLimiter<K> {
    /// A limiter for `rate`, remembering at most `max_keys` keys; `None` when the rate
    /// is 0 (no limit).
    pub fn new(rate: Rate, max_keys: usize) -> Option<RateLimiter<K>> {
        if rate.per_second == 0 {
            return None;
        }
        let interval_us = (1_000_000 / i64::from(rate.per_second)).max(1);
        Some(RateLimiter {
            interval_us,
            tolerance_us: interval_us.saturating_mul(i64::from(rate.burst.max(1))),
            max_keys: max_keys.max(1),
            cells: Mutex::new(HashMap::new()),
        })
    }

    /// The most keys remembered at once.
    pub fn max_keys(&self) -> usize {
        self.max_keys
    }

    /// Counts one request of `key` at `now_us`, or says how long to wait.
    pub fn check(&self, key: &K, now_us: i64) -> Result<(), Limited> {
        // A poisoned lock only means another request panicked mid-update of one i64:
        // the table is still usable.
        let mut cells = self
            .cells
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let tat = match cells.get(key) {
            Some(tat) => *tat,
            None => {
                if cells.len() >= self.max_keys {
                    cells.retain(|_, tat| *tat > now_us);
                }
                if cells.len() >= self.max_keys {
                    return Err(Limited {
                        retry_after_us: 1_000_000,
                    });
                }
                now_us
            }
        };
        let new_tat = tat.max(now_us).saturating_add(self.interval_us);
        let ahead = new_tat.saturating_sub(now_us);
        if ahead > self.tolerance_us {
            return Err(Limited {
                retry_after_us: ahead - self.tolerance_us,
            });
        }
        cells.insert(key.clone(), new_tat);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(per_second: u32, burst: u32) -> RateLimiter<&'static str> {
        RateLimiter::new(Rate { per_second, burst }, 4).expect("a rate")
    }

    #[test]
    fn a_burst_then_the_sustained_rate() {
        let l = limiter(2, 3);
        let t = 1_000_000_000;
        for i in 0..3 {
            assert_eq!(l.check(&"a", t), Ok(()), "request {i} of the burst");
        }
        let refused = l.check(&"a", t).expect_err("the 4th at once");
        assert_eq!(refused.retry_after_us, 500_000);
        assert_eq!(refused.retry_after_secs(), 1);
        // Waiting what it said is enough, for one more.
        assert_eq!(l.check(&"a", t + refused.retry_after_us), Ok(()));
        assert!(l.check(&"a", t + refused.retry_after_us).is_err());
        // A refused request does not use up budget: after a quiet second, two more.
        let later = t + 1_500_000;
        assert_eq!(l.check(&"a", later), Ok(()));
        assert_eq!(l.check(&"a", later), Ok(()));
        assert!(l.check(&"a", later).is_err());
    }

    #[test]
    fn keys_are_independent() {
        let l = limiter(1, 1);
        assert_eq!(l.check(&"a", 0), Ok(()));
        assert!(l.check(&"a", 0).is_err());
        assert_eq!(l.check(&"b", 0), Ok(()), "b's budget is its own");
    }

    #[test]
    fn a_full_table_forgets_idle_keys_and_refuses_new_ones_when_none_are() {
        let l = limiter(1, 1);
        for key in ["a", "b", "c", "d"] {
            assert_eq!(l.check(&key, 0), Ok(()));
        }
        assert!(l.check(&"e", 0).is_err(), "full of busy keys");
        // Two seconds on, every old key is idle again: forgotten, room for new ones.
        assert_eq!(l.check(&"e", 2_000_000), Ok(()));
        assert_eq!(l.check(&"a", 2_000_000), Ok(()), "a starts afresh");
    }

    #[test]
    fn zero_is_no_limit() {
        assert!(RateLimiter::<u8>::new(
            Rate {
                per_second: 0,
                burst: 5
            },
            1
        )
        .is_none());
    }
}
