//! The hybrid logical clock of record changes, in the text form rows already carry
//! (`hlc` columns since schema 2): `{ms:013x}-{counter:04x}-{node}`, the wall time in
//! milliseconds and a counter in lowercase hex, then the first eight hex digits of the
//! device id. Stamps compare as (ms, counter, node), which is also their text order
//! while the counter stays below 0x10000 (65,536 changes within one millisecond); two
//! PCs never issue the same stamp (their nodes differ), so a stamp names one change.

use std::fmt;

/// How far ahead of this PC's clock a received stamp may be before it is refused
/// rather than followed: a PC whose clock ran a day ahead would otherwise win every
/// last-writer decision for a day, and drag every clock it reaches along with it.
pub const MAX_AHEAD_MS: i64 = 5 * 60 * 1000;

/// One stamp.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hlc {
    /// Wall time, milliseconds since the Unix epoch.
    pub ms: i64,
    /// Orders stamps within one millisecond.
    pub counter: u32,
    /// The issuing device (eight lowercase hex digits).
    pub node: String,
}

/// A received stamp too far ahead of this PC's clock.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the change is stamped {ahead_ms} ms ahead of this PC's clock")]
pub struct TooFarAhead {
    /// By how much.
    pub ahead_ms: i64,
}

impl Hlc {
    /// Parses the text form; `None` when it is not one.
    pub fn parse(text: &str) -> Option<Hlc> {
        let mut parts = text.splitn(3, '-');
        let (ms, counter, node) = (parts.next()?, parts.next()?, parts.next()?);
        let hex =
            |s: &str| !s.is_empty() && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if ms.len() != 13 || counter.len() < 4 || !hex(ms) || !hex(counter) || !hex(node) {
            return None;
        }
        if node.len() > 8 || counter.len() > 8 {
            return None;
        }
        Some(Hlc {
            ms: i64::from_str_radix(ms, 16).ok()?,
            counter: u32::from_str_radix(counter, 16).ok()?,
            node: node.to_owned(),
        })
    }

    /// The clock `(ms, counter)` of this PC after it receives `remote` at wall time
    /// `now_ms` (the HLC receive rule: later than both, and than the wall clock).
    pub fn receive(
        local: (i64, u32),
        remote: &Hlc,
        now_ms: i64,
    ) -> Result<(i64, u32), TooFarAhead> {
        if remote.ms > now_ms.saturating_add(MAX_AHEAD_MS) {
            return Err(TooFarAhead {
                ahead_ms: remote.ms - now_ms,
            });
        }
        let ms = local.0.max(remote.ms).max(now_ms);
        let counter = if ms == local.0 && ms == remote.ms {
            local.1.max(remote.counter) + 1
        } else if ms == local.0 {
            local.1 + 1
        } else if ms == remote.ms {
            remote.counter + 1
        } else {
            0
        };
        Ok((ms, counter))
    }
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:013x}-{:04x}-{}", self.ms, self.counter, self.node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_form_round_trips_and_orders_like_the_stamps() {
        let a = Hlc::parse("0018c1f2a3b4c-0000-0191b2c3").expect("parse");
        assert_eq!(a.ms, 0x18c1f2a3b4c);
        assert_eq!(a.to_string(), "0018c1f2a3b4c-0000-0191b2c3");
        let texts = [
            "0018c1f2a3b4c-0000-0191b2c3",
            "0018c1f2a3b4c-0001-0191b2c3",
            "0018c1f2a3b4c-0001-ffffffff",
            "0018c1f2a3b4d-0000-00000000",
        ];
        for pair in texts.windows(2) {
            let (x, y) = (
                Hlc::parse(pair[0]).expect("x"),
                Hlc::parse(pair[1]).expect("y"),
            );
            assert!(x < y, "{} < {}", pair[0], pair[1]);
            assert!(pair[0] < pair[1], "the text orders the same way");
        }
        for bad in [
            "",
            "0018c1f2a3b4c-0000",
            "18c1f2a3b4c-0000-0191b2c3",
            "0018C1F2A3B4C-0000-0191b2c3",
            "0018c1f2a3b4c-000-0191b2c3",
            "0018c1f2a3b4c-0000-0191b2c3aa",
            "0018c1f2a3b4c-0000-",
        ] {
            assert_eq!(Hlc::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn receiving_moves_past_both_clocks_and_refuses_a_clock_far_ahead() {
        let remote = |ms, counter| Hlc {
            ms,
            counter,
            node: "0191b2c3".into(),
        };
        // (local, remote, now) -> next
        let cases = [
            ((100, 0), remote(90, 5), 80, Ok((100, 1))),
            ((100, 3), remote(100, 7), 80, Ok((100, 8))),
            ((90, 3), remote(100, 7), 80, Ok((100, 8))),
            ((90, 3), remote(95, 7), 120, Ok((120, 0))),
            ((100, 3), remote(100, 1), 100, Ok((100, 4))),
            (
                (100, 0),
                remote(100 + MAX_AHEAD_MS + 1, 0),
                100,
                Err(TooFarAhead {
                    ahead_ms: MAX_AHEAD_MS + 1,
                }),
            ),
            (
                (100, 0),
                remote(100 + MAX_AHEAD_MS, 0),
                100,
                Ok((100 + MAX_AHEAD_MS, 1)),
            ),
        ];
        for (case_idx, (local, remote, now, expected)) in cases.into_iter().enumerate() {
            assert_eq!(
                Hlc::receive(local, &remote, now),
                expected,
                "case {case_idx}"
            );
        }
    }
}
