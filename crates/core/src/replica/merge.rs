//! The merge rules, pure: what a record looks like given the set of changes a PC holds
//! for it, whatever order they arrived in and however often. Every rule here is a
//! function of the *set* of changes (never of their arrival order), which is what makes
//! PCs that hold the same changes show the same record.
//!
//! - **Demographic fields and archiving**, each field on its own: the value in force is
//!   the change with the highest stamp (last writer by HLC). A change names the stamp of
//!   the value it replaced on its own PC (its *base*); two changes with the same base
//!   were made without either seeing the other, and both are marked **concurrent** in
//!   the history (the loser's value is kept there, never dropped).
//! - **Notes, prescriptions, addenda and voids**: append-only, a union by id. The same id
//!   with different content is not a conflict to resolve but a forgery or a bug: refused.
//! - **Consents**: a decision log per purpose; the latest decision by stamp is in force.
//! - **Erasure**: a tombstone always wins. Once a record is erased every change to it is
//!   dropped, whatever its stamp, and nothing brings it back.

use std::collections::{BTreeMap, BTreeSet};

use super::hlc::Hlc;

/// One change of one field (a demographic field, or `archived`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    /// The new value (`None`: cleared).
    pub value: Option<String>,
    /// Its stamp.
    pub hlc: Hlc,
    /// The stamp of the value it replaced where it was made (`None`: the field had none).
    pub base: Option<Hlc>,
}

/// What inserting a change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Insert {
    /// A change this PC did not hold.
    New,
    /// Held already (a repeated delivery): nothing changed.
    Duplicate,
    /// The record is erased: the change is dropped.
    Erased,
}

/// Why a change cannot be taken in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    /// Another change with the same identity (stamp or id) and different content.
    #[error("{0} names a change this PC holds with different content")]
    Conflicting(String),
}

/// Every change held for one field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldLog {
    changes: BTreeMap<Hlc, FieldChange>,
}

impl FieldLog {
    /// Takes a change in.
    pub fn insert(&mut self, change: FieldChange) -> Result<Insert, MergeError> {
        match self.changes.get(&change.hlc) {
            Some(held) if *held == change => Ok(Insert::Duplicate),
            Some(_) => Err(MergeError::Conflicting(change.hlc.to_string())),
            None => {
                self.changes.insert(change.hlc.clone(), change);
                Ok(Insert::New)
            }
        }
    }

    /// The change in force: the highest stamp.
    pub fn in_force(&self) -> Option<&FieldChange> {
        self.changes.values().next_back()
    }

    /// The stamps of the changes made concurrently (two or more from the same base).
    pub fn concurrent(&self) -> BTreeSet<Hlc> {
        let mut by_base: BTreeMap<Option<&Hlc>, Vec<&Hlc>> = BTreeMap::new();
        for change in self.changes.values() {
            by_base
                .entry(change.base.as_ref())
                .or_default()
                .push(&change.hlc);
        }
        by_base
            .into_values()
            .filter(|siblings| siblings.len() > 1)
            .flatten()
            .cloned()
            .collect()
    }

    /// Every change, oldest stamp first (the field's history).
    pub fn history(&self) -> impl Iterator<Item = &FieldChange> {
        self.changes.values()
    }
}

/// A consent decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The decision's id.
    pub id: String,
    /// `treatment`, `data_processing`, …
    pub purpose: String,
    /// `granted` or `withdrawn`.
    pub status: String,
    /// Its stamp.
    pub hlc: Hlc,
}

/// One patient record as the merge rules see it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordMerge {
    /// The erasure's stamp, once erased.
    erased: Option<Hlc>,
    /// Each field's changes, by field name.
    fields: BTreeMap<String, FieldLog>,
    /// Append-only entries (notes, prescriptions, addenda, voids): id → content digest.
    entries: BTreeMap<String, String>,
    /// Consent decisions by id.
    decisions: BTreeMap<String, Decision>,
}

impl RecordMerge {
    /// A field change.
    pub fn field(&mut self, name: &str, change: FieldChange) -> Result<Insert, MergeError> {
        if self.erased.is_some() {
            return Ok(Insert::Erased);
        }
        self.fields
            .entry(name.to_owned())
            .or_default()
            .insert(change)
    }

    /// An append-only entry, named by its id and the digest of its content.
    pub fn entry(&mut self, id: &str, digest: &str) -> Result<Insert, MergeError> {
        if self.erased.is_some() {
            return Ok(Insert::Erased);
        }
        match self.entries.get(id) {
            Some(held) if held == digest => Ok(Insert::Duplicate),
            Some(_) => Err(MergeError::Conflicting(id.to_owned())),
            None => {
                self.entries.insert(id.to_owned(), digest.to_owned());
                Ok(Insert::New)
            }
        }
    }

    /// A consent decision.
    pub fn decision(&mut self, decision: Decision) -> Result<Insert, MergeError> {
        if self.erased.is_some() {
            return Ok(Insert::Erased);
        }
        match self.decisions.get(&decision.id) {
            Some(held) if *held == decision => Ok(Insert::Duplicate),
            Some(_) => Err(MergeError::Conflicting(decision.id)),
            None => {
                self.decisions.insert(decision.id.clone(), decision);
                Ok(Insert::New)
            }
        }
    }

    /// The erasure: everything held goes, and nothing is taken in afterwards. Of two
    /// erasures (two PCs erased the record) the earlier stamp is kept, whichever
    /// arrived first; the second is a duplicate.
    pub fn erase(&mut self, hlc: Hlc) -> Insert {
        if let Some(held) = &mut self.erased {
            if hlc < *held {
                *held = hlc;
            }
            return Insert::Duplicate;
        }
        *self = RecordMerge {
            erased: Some(hlc),
            ..RecordMerge::default()
        };
        Insert::New
    }

    /// Whether the record is erased.
    pub fn is_erased(&self) -> bool {
        self.erased.is_some()
    }

    /// A field's value in force (`None` when never set or cleared).
    pub fn value(&self, name: &str) -> Option<&str> {
        self.fields
            .get(name)
            .and_then(FieldLog::in_force)
            .and_then(|c| c.value.as_deref())
    }

    /// A field's changes.
    pub fn field_log(&self, name: &str) -> Option<&FieldLog> {
        self.fields.get(name)
    }

    /// The append-only entries' ids.
    pub fn entry_ids(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// The decision in force for each purpose (the latest by stamp).
    pub fn consents_in_force(&self) -> BTreeMap<&str, &Decision> {
        let mut in_force: BTreeMap<&str, &Decision> = BTreeMap::new();
        for decision in self.decisions.values() {
            let slot = in_force
                .entry(decision.purpose.as_str())
                .or_insert(decision);
            if decision.hlc > slot.hlc {
                *slot = decision;
            }
        }
        in_force
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::seq::SliceRandom;
    use rand::{Rng, SeedableRng};

    fn h(ms: i64, node: &str) -> Hlc {
        Hlc {
            ms,
            counter: 0,
            node: node.into(),
        }
    }

    fn set(value: &str, ms: i64, node: &str, base: Option<Hlc>) -> FieldChange {
        FieldChange {
            value: Some(value.into()),
            hlc: h(ms, node),
            base,
        }
    }

    #[test]
    fn a_field_follows_the_last_writer_and_marks_changes_made_without_seeing_each_other() {
        // (changes in arrival order, value in force, stamps marked concurrent)
        type Case = (Vec<FieldChange>, Option<&'static str>, Vec<Hlc>);
        let cases: Vec<Case> = vec![
            // One PC, one after the other: the latest, nothing concurrent.
            (
                vec![
                    set("0171", 10, "aaaaaaaa", None),
                    set("0172", 20, "aaaaaaaa", Some(h(10, "aaaaaaaa"))),
                ],
                Some("0172"),
                vec![],
            ),
            // The same, delivered in reverse.
            (
                vec![
                    set("0172", 20, "aaaaaaaa", Some(h(10, "aaaaaaaa"))),
                    set("0171", 10, "aaaaaaaa", None),
                ],
                Some("0172"),
                vec![],
            ),
            // Two PCs change the same value while apart: the later stamp wins, both
            // marked; the loser stays in the history.
            (
                vec![
                    set("0171", 10, "aaaaaaaa", None),
                    set("desk", 30, "aaaaaaaa", Some(h(10, "aaaaaaaa"))),
                    set("room", 25, "bbbbbbbb", Some(h(10, "aaaaaaaa"))),
                ],
                Some("desk"),
                vec![h(25, "bbbbbbbb"), h(30, "aaaaaaaa")],
            ),
            // The same millisecond on two PCs: the node decides, the same way everywhere.
            (
                vec![
                    set("desk", 30, "aaaaaaaa", None),
                    set("room", 30, "bbbbbbbb", None),
                ],
                Some("room"),
                vec![h(30, "aaaaaaaa"), h(30, "bbbbbbbb")],
            ),
            // Cleared last.
            (
                vec![
                    set("0171", 10, "aaaaaaaa", None),
                    FieldChange {
                        value: None,
                        hlc: h(11, "bbbbbbbb"),
                        base: Some(h(10, "aaaaaaaa")),
                    },
                ],
                None,
                vec![],
            ),
        ];
        for (case_idx, (changes, value, concurrent)) in cases.into_iter().enumerate() {
            let mut log = FieldLog::default();
            let n = changes.len();
            for change in changes {
                assert_eq!(log.insert(change), Ok(Insert::New), "case {case_idx}");
            }
            assert_eq!(
                log.in_force().and_then(|c| c.value.as_deref()),
                value,
                "case {case_idx}"
            );
            assert_eq!(
                log.concurrent(),
                concurrent.into_iter().collect(),
                "case {case_idx}"
            );
            assert_eq!(log.history().count(), n, "case {case_idx}: nothing dropped");
        }
    }

    #[test]
    fn repeats_are_duplicates_and_a_stamp_reused_for_other_content_is_refused() {
        let mut log = FieldLog::default();
        let change = set("0171", 10, "aaaaaaaa", None);
        assert_eq!(log.insert(change.clone()), Ok(Insert::New));
        assert_eq!(log.insert(change), Ok(Insert::Duplicate));
        assert_eq!(
            log.insert(set("0999", 10, "aaaaaaaa", None)),
            Err(MergeError::Conflicting(h(10, "aaaaaaaa").to_string()))
        );
        assert_eq!(
            log.in_force().and_then(|c| c.value.as_deref()),
            Some("0171")
        );

        let mut record = RecordMerge::default();
        assert_eq!(record.entry("note-1", "d1"), Ok(Insert::New));
        assert_eq!(record.entry("note-1", "d1"), Ok(Insert::Duplicate));
        assert_eq!(
            record.entry("note-1", "d2"),
            Err(MergeError::Conflicting("note-1".into()))
        );
        assert_eq!(record.entry_ids().collect::<Vec<_>>(), ["note-1"]);
    }

    #[test]
    fn the_latest_consent_decision_per_purpose_is_in_force() {
        let mut record = RecordMerge::default();
        let decide = |id: &str, purpose: &str, status: &str, ms| Decision {
            id: id.into(),
            purpose: purpose.into(),
            status: status.into(),
            hlc: h(ms, "aaaaaaaa"),
        };
        for d in [
            decide("c3", "reminders", "withdrawn", 30),
            decide("c1", "reminders", "granted", 10),
            decide("c2", "research", "granted", 20),
        ] {
            assert_eq!(record.decision(d), Ok(Insert::New));
        }
        let in_force = record.consents_in_force();
        assert_eq!(in_force["reminders"].status, "withdrawn");
        assert_eq!(in_force["research"].status, "granted");
    }

    #[test]
    fn an_erasure_wins_over_every_change_before_or_after_it() {
        let mut record = RecordMerge::default();
        record
            .field("family_name", set("Müller", 10, "aaaaaaaa", None))
            .expect("field");
        record.entry("note-1", "d1").expect("entry");
        assert_eq!(record.erase(h(20, "bbbbbbbb")), Insert::New);
        assert!(record.is_erased());
        assert_eq!(record.value("family_name"), None);
        assert_eq!(record.entry_ids().count(), 0);
        // Changes stamped later (a PC that had not heard of the erasure) are dropped.
        assert_eq!(
            record.field("family_name", set("Meyer", 99, "cccccccc", None)),
            Ok(Insert::Erased)
        );
        assert_eq!(record.entry("note-2", "d2"), Ok(Insert::Erased));
        assert_eq!(
            record.decision(Decision {
                id: "c1".into(),
                purpose: "treatment".into(),
                status: "granted".into(),
                hlc: h(99, "cccccccc"),
            }),
            Ok(Insert::Erased)
        );
        // A second erasure, stamped earlier, arriving later: the earlier stamp is kept
        // (the same on every PC, whatever the order).
        assert_eq!(record.erase(h(5, "cccccccc")), Insert::Duplicate);
        assert_eq!(
            record,
            RecordMerge {
                erased: Some(h(5, "cccccccc")),
                ..RecordMerge::default()
            }
        );
    }

    /// One delivery to a PC.
    #[derive(Debug, Clone)]
    enum Delivery {
        Field(&'static str, FieldChange),
        Entry(String, String),
        Decision(Decision),
        Erase(Hlc),
    }

    fn deliver(record: &mut RecordMerge, delivery: &Delivery) {
        let outcome = match delivery {
            Delivery::Field(name, change) => record.field(name, change.clone()),
            Delivery::Entry(id, digest) => record.entry(id, digest),
            Delivery::Decision(d) => record.decision(d.clone()),
            Delivery::Erase(hlc) => Ok(record.erase(hlc.clone())),
        };
        assert!(outcome.is_ok(), "{delivery:?}: {outcome:?}");
    }

    #[test]
    fn any_order_with_repeats_gives_the_same_record() {
        for seed in 0..200u64 {
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            let nodes = ["aaaaaaaa", "bbbbbbbb", "cccccccc"];
            let mut deliveries = Vec::new();
            // Each PC edits from the stamps it last saw, so bases are shared at random.
            let mut seen: Vec<Option<Hlc>> = vec![None; 2];
            for step in 0..rng.gen_range(1..30) {
                let node = nodes[rng.gen_range(0..3)];
                let ms = rng.gen_range(1..50);
                match rng.gen_range(0..10) {
                    0..=5 => {
                        let field = rng.gen_range(0..2);
                        let hlc = Hlc {
                            ms,
                            counter: step,
                            node: node.into(),
                        };
                        let base = if rng.gen_bool(0.5) {
                            seen[field].clone()
                        } else {
                            None
                        };
                        seen[field] = Some(hlc.clone());
                        let name = ["phone", "archived"][field];
                        deliveries.push(Delivery::Field(
                            name,
                            FieldChange {
                                value: Some(format!("{node}-{step}")),
                                hlc,
                                base,
                            },
                        ));
                    }
                    6..=7 => deliveries.push(Delivery::Entry(
                        format!("entry-{node}-{step}"),
                        format!("digest-{step}"),
                    )),
                    8 => deliveries.push(Delivery::Decision(Decision {
                        id: format!("consent-{node}-{step}"),
                        purpose: ["treatment", "reminders"][rng.gen_range(0..2)].into(),
                        status: ["granted", "withdrawn"][rng.gen_range(0..2)].into(),
                        hlc: Hlc {
                            ms,
                            counter: step,
                            node: node.into(),
                        },
                    })),
                    _ => {
                        if rng.gen_bool(0.3) {
                            deliveries.push(Delivery::Erase(Hlc {
                                ms,
                                counter: step,
                                node: node.into(),
                            }));
                        }
                    }
                }
            }
            let erased = deliveries.iter().any(|d| matches!(d, Delivery::Erase(_)));
            let mut reference: Option<RecordMerge> = None;
            for _pc in 0..3 {
                let mut order = deliveries.clone();
                // Repeats, then any order.
                for _ in 0..rng.gen_range(0..5) {
                    if let Some(d) = deliveries.choose(&mut rng) {
                        order.push(d.clone());
                    }
                }
                order.shuffle(&mut rng);
                let mut record = RecordMerge::default();
                for d in &order {
                    deliver(&mut record, d);
                }
                assert_eq!(record.is_erased(), erased, "seed {seed}");
                match &reference {
                    None => reference = Some(record),
                    Some(first) => {
                        assert_eq!(&record, first, "seed {seed}");
                        assert_eq!(
                            record.field_log("phone").map(FieldLog::concurrent),
                            first.field_log("phone").map(FieldLog::concurrent),
                            "seed {seed}"
                        );
                    }
                }
            }
        }
    }
}
