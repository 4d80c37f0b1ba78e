//! The salted digest that puts a v2 event's local detail and search hits inside its
//! chain hash, while the detail itself never leaves the workstation:
//!
//! ```text
//! detail_digest = SHA-256( "clinic-vault/audit-detail/v2"
//!                        ‖ salt                                  (32 random bytes)
//!                        ‖ JCS({"detail": D, "search_hits": H}) )
//! ```
//!
//! `D` is the event's local detail (any JSON value) or `null` when it has none; `H` is
//! the array of patient ids its search showed, without duplicates, sorted by their
//! UTF-8 bytes (`[]` when none). JCS is RFC 8785, as for the event itself. Every v2
//! event has a salt and a digest, also one with neither detail nor hits, so adding a
//! detail or a hit later is caught as surely as removing one. The salt is random per
//! event and stays in the vault beside the detail, so the server, which sees only the
//! digest, cannot confirm a guess of a low-entropy detail (a role, a two-letter query).

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::audit::Hash32;
use crate::jcs::{canonical_json, write_string, CanonicalError};

/// Domain-separation prefix of a detail digest.
pub const DETAIL_DOMAIN: &[u8] = b"clinic-vault/audit-detail/v2";

/// Length of a detail salt in bytes.
pub const SALT_LEN: usize = 32;

/// A local detail in its RFC 8785 text: the bytes the digest covers, and the form the
/// vault stores it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalDetail(String);

impl CanonicalDetail {
    /// Encodes `detail` canonically.
    pub fn encode(detail: &Value) -> Result<CanonicalDetail, CanonicalError> {
        let bytes = canonical_json(detail)?;
        Ok(CanonicalDetail(
            String::from_utf8(bytes).expect("canonical JSON is UTF-8"),
        ))
    }

    /// A stored detail taken as written, if it is one JSON value. It is not re-encoded:
    /// a stored text that differs from what was written, even in spelling only, gives
    /// another digest and so reads as changed.
    pub fn from_stored(text: String) -> Option<CanonicalDetail> {
        serde_json::from_str::<serde::de::IgnoredAny>(&text).ok()?;
        Some(CanonicalDetail(text))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The salted digest of an event's local detail (`None`: it has none) and search hits
/// (in any order, duplicates allowed: they are sorted and deduplicated here).
pub fn detail_digest<S: AsRef<str>>(
    salt: &[u8; SALT_LEN],
    detail: Option<&Value>,
    search_hits: &[S],
) -> Result<Hash32, CanonicalError> {
    let detail = detail.map(CanonicalDetail::encode).transpose()?;
    Ok(canonical_detail_digest(salt, detail.as_ref(), search_hits))
}

/// [`detail_digest`] of a detail already in its canonical text.
pub fn canonical_detail_digest<S: AsRef<str>>(
    salt: &[u8; SALT_LEN],
    detail: Option<&CanonicalDetail>,
    search_hits: &[S],
) -> Hash32 {
    let mut hits: Vec<&str> = search_hits.iter().map(AsRef::as_ref).collect();
    hits.sort_unstable();
    hits.dedup();
    // JCS({"detail": D, "search_hits": H}): the two members are already in order.
    let mut body = Vec::with_capacity(64 + detail.map_or(4, |d| d.0.len()) + 40 * hits.len());
    body.extend_from_slice(b"{\"detail\":");
    body.extend_from_slice(detail.map_or(b"null".as_slice(), |d| d.0.as_bytes()));
    body.extend_from_slice(b",\"search_hits\":[");
    for (hit_idx, hit) in hits.iter().enumerate() {
        if hit_idx > 0 {
            body.push(b',');
        }
        write_string(hit, &mut body);
    }
    body.extend_from_slice(b"]}");
    let mut h = Sha256::new();
    h.update(DETAIL_DOMAIN);
    h.update(salt);
    h.update(&body);
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SALT: [u8; SALT_LEN] = [7; SALT_LEN];
    const NONE: &[&str] = &[];

    #[test]
    fn every_part_changes_the_digest() -> Result<(), CanonicalError> {
        let detail = json!({ "query": "mül", "results": ["b", "a"] });
        let base = detail_digest(&SALT, Some(&detail), &["b", "a"])?;
        let mut other_salt = SALT;
        other_salt[31] ^= 1;
        let variants = [
            detail_digest(&other_salt, Some(&detail), &["b", "a"])?,
            detail_digest(
                &SALT,
                Some(&json!({ "query": "mul", "results": ["b", "a"] })),
                &["b", "a"],
            )?,
            detail_digest(&SALT, None, &["b", "a"])?,
            detail_digest(&SALT, Some(&detail), &["a"])?,
            detail_digest(&SALT, Some(&detail), &["a", "b", "c"])?,
            detail_digest(&SALT, Some(&detail), NONE)?,
        ];
        for (variant_idx, variant) in variants.iter().enumerate() {
            assert_ne!(*variant, base, "variant {variant_idx}");
        }
        Ok(())
    }

    #[test]
    fn hits_are_a_set_and_no_detail_is_null() -> Result<(), CanonicalError> {
        let detail = json!({ "results": ["b", "a"], "query": "x" });
        assert_eq!(
            detail_digest(&SALT, Some(&detail), &["b", "a", "b"])?,
            detail_digest(&SALT, Some(&detail), &["a", "b"])?
        );
        // An event without detail digests as `null`: distinct from an empty object.
        assert_eq!(
            detail_digest(&SALT, None, NONE)?,
            detail_digest(&SALT, Some(&Value::Null), NONE)?
        );
        assert_ne!(
            detail_digest(&SALT, None, NONE)?,
            detail_digest(&SALT, Some(&json!({})), NONE)?
        );
        Ok(())
    }

    #[test]
    fn the_digest_is_the_documented_bytes() -> Result<(), CanonicalError> {
        let mut h = Sha256::new();
        h.update(b"clinic-vault/audit-detail/v2");
        h.update(SALT);
        h.update(br#"{"detail":{"role":"clinician"},"search_hits":["a","b"]}"#);
        let expected: Hash32 = h.finalize().into();
        assert_eq!(
            detail_digest(&SALT, Some(&json!({ "role": "clinician" })), &["b", "a"])?,
            expected
        );
        Ok(())
    }

    #[test]
    fn the_body_is_the_canonical_object() -> Result<(), CanonicalError> {
        // The hand-built body equals RFC 8785 of the object, escapes included.
        let detail = json!({ "q": "a\"\\\u{1}\n€😀", "n": -3, "x": [true, null] });
        let hits = ["b\"", "a\u{7f}", "é"];
        let mut sorted = hits.to_vec();
        sorted.sort_unstable();
        let body = canonical_json(&json!({ "detail": detail, "search_hits": sorted }))?;
        let mut h = Sha256::new();
        h.update(DETAIL_DOMAIN);
        h.update(SALT);
        h.update(&body);
        let expected: Hash32 = h.finalize().into();
        assert_eq!(detail_digest(&SALT, Some(&detail), &hits)?, expected);
        Ok(())
    }

    #[test]
    fn a_stored_detail_is_taken_as_written() -> Result<(), CanonicalError> {
        let canonical = CanonicalDetail::encode(&json!({ "b": 1, "a": 2 }))?;
        assert_eq!(canonical.as_str(), r#"{"a":2,"b":1}"#);
        let stored = CanonicalDetail::from_stored(r#"{"a":2,"b":1}"#.into()).expect("JSON");
        assert_eq!(
            canonical_detail_digest(&SALT, Some(&stored), NONE),
            canonical_detail_digest(&SALT, Some(&canonical), NONE)
        );
        // Re-spelt, the same value digests differently: the stored bytes count.
        let respelt = CanonicalDetail::from_stored(r#"{"b":1,"a":2}"#.into()).expect("JSON");
        assert_ne!(
            canonical_detail_digest(&SALT, Some(&respelt), NONE),
            canonical_detail_digest(&SALT, Some(&canonical), NONE)
        );
        for not_one_value in ["", "{", r#"{"a":1},"search_hits":[]"#, "1 2"] {
            assert_eq!(
                CanonicalDetail::from_stored(not_one_value.into()),
                None,
                "{not_one_value}"
            );
        }
        Ok(())
    }

    #[test]
    fn a_float_has_no_digest() {
        assert!(detail_digest(&SALT, Some(&json!({ "x": 1.5 })), NONE).is_err());
    }
}
