//! Which events an `audit.redact` event names. Its `resource_id`, which the chain hash
//! covers and the server sees, lists the sequence numbers whose local detail, search hits
//! and salt it removed: ascending, comma-separated, runs of consecutive numbers written
//! as an inclusive range (`3,7-9,12`). Exactly one text stands for each set (runs are
//! maximal, no spaces, no leading zeros), and [`SeqList::parse`] accepts only that text,
//! so a verifier never has to guess what a redaction meant.

use std::fmt;
use std::ops::RangeInclusive;

/// A non-empty set of sequence numbers (each ≥ 1) in its one written form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeqList {
    runs: Vec<RangeInclusive<u64>>,
}

impl SeqList {
    /// The set of `seqs` (any order, duplicates allowed); `None` when it is empty or
    /// holds 0.
    pub fn from_seqs(seqs: &[u64]) -> Option<SeqList> {
        let mut sorted = seqs.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        if sorted.first().is_none_or(|&first| first == 0) {
            return None;
        }
        let mut runs: Vec<RangeInclusive<u64>> = Vec::new();
        for seq in sorted {
            match runs.last_mut() {
                Some(run) if *run.end() + 1 == seq => *run = *run.start()..=seq,
                _ => runs.push(seq..=seq),
            }
        }
        Some(SeqList { runs })
    }

    /// Parses the written form; anything else (unsorted, overlapping, unmerged runs,
    /// spaces, leading zeros, 0, empty) is `None`.
    pub fn parse(text: &str) -> Option<SeqList> {
        let number = |s: &str| -> Option<u64> {
            let valid =
                !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && !s.starts_with('0');
            valid.then(|| s.parse().ok()).flatten()
        };
        let mut runs: Vec<RangeInclusive<u64>> = Vec::new();
        for item in text.split(',') {
            let run = match item.split_once('-') {
                None => {
                    let n = number(item)?;
                    n..=n
                }
                Some((a, b)) => {
                    let (a, b) = (number(a)?, number(b)?);
                    if a >= b {
                        return None;
                    }
                    a..=b
                }
            };
            if let Some(last) = runs.last() {
                // Runs are maximal: the next starts at least two past the last's end.
                if *run.start() <= last.end().saturating_add(1) {
                    return None;
                }
            }
            runs.push(run);
        }
        Some(SeqList { runs })
    }

    /// Whether `seq` is in the set.
    pub fn contains(&self, seq: u64) -> bool {
        self.runs.iter().any(|run| run.contains(&seq))
    }

    /// The largest number in the set.
    pub fn last(&self) -> u64 {
        *self.runs.last().expect("never empty").end()
    }

    /// The runs of consecutive numbers, ascending, as inclusive `(first, last)` pairs.
    pub fn runs(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.runs.iter().map(|run| (*run.start(), *run.end()))
    }

    /// Every number, ascending.
    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        self.runs.iter().flat_map(|run| run.clone())
    }
}

impl fmt::Display for SeqList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (run_idx, run) in self.runs.iter().enumerate() {
            if run_idx > 0 {
                f.write_str(",")?;
            }
            if run.start() == run.end() {
                write!(f, "{}", run.start())?;
            } else {
                write!(f, "{}-{}", run.start(), run.end())?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_written_form_per_set() {
        let list = SeqList::from_seqs(&[12, 8, 3, 9, 7, 8]).expect("non-empty");
        assert_eq!(list.to_string(), "3,7-9,12");
        assert_eq!(SeqList::parse("3,7-9,12"), Some(list.clone()));
        assert_eq!(list.iter().collect::<Vec<_>>(), [3, 7, 8, 9, 12]);
        assert!(list.contains(8) && !list.contains(10));
        assert_eq!(list.last(), 12);
        assert_eq!(list.runs().collect::<Vec<_>>(), [(3, 3), (7, 9), (12, 12)]);
        assert_eq!(
            SeqList::from_seqs(&[5]).map(|l| l.to_string()),
            Some("5".into())
        );
        assert_eq!(SeqList::from_seqs(&[]), None);
        assert_eq!(SeqList::from_seqs(&[0, 1]), None);
    }

    #[test]
    fn other_spellings_are_refused() {
        for text in [
            "",
            "0",
            "3,3",
            "7,3",
            "3-3",
            "9-7",
            "3,4",
            "3-5,6",
            "3-5,4-8",
            "03",
            "3, 7",
            " 3",
            "3,",
            ",3",
            "a",
            "3-",
            "-3",
            "1-2-3",
            "99999999999999999999",
        ] {
            assert_eq!(SeqList::parse(text), None, "{text:?}");
        }
        assert!(SeqList::parse("3,5-6").is_some());
    }
}
