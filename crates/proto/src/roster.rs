//! The clinic's staff roster as a signed, hash-linked log of changes (issue 15, step 1:
//! the format and the rules every PC applies; the transport through the server comes
//! next). The server relays these changes and never signs one: each is signed by an
//! admin's Ed25519 key, and a PC accepts a change only if it follows, link by link, from
//! the clinic's **trust root** — the founding admin's signing key, pinned when the PC
//! joins — through changes each signed by a user who was an enabled admin at that point.
//!
//! A change is signed over `"clinic-vault/roster/v1" ‖ RFC 8785(change)`. Its link hash
//! is `SHA-256(prev ‖ RFC 8785(change))`; the first change's `prev` is
//! `SHA-256("clinic-vault/roster/v1" ‖ clinic_id)`. The server orders the log (the first
//! change it receives for a sequence number wins; a PC whose change lost signs it again
//! on the new head), and can therefore **withhold** the newest changes from a PC (a
//! disable that has not reached it yet): what it cannot do is invent, alter, reorder or
//! fork them. [`Roster::apply`] tells a change seen twice (harmless) from a different
//! change at a sequence already held (a fork: an alert).
//!
//! What a roster entry carries (public keys, the private key wrapped under the user's
//! password, the TOTP secret wrapped under the user's key) is opaque here: core makes and
//! opens them. These rules only check shapes, signatures and who may do what.
//!
//! No PC writes this format yet, so it is not frozen by a golden file; it will be when
//! the first PC does (and changes after that are versioned).

use std::collections::BTreeMap;

use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::audit::{chain_hash, hex, parse_hex32, Hash32};
use crate::signing::{parse_public_key, parse_signature, public_key_hex};
use crate::wire::{to_canonical, EncodeError};

/// Domain of the roster's signatures and of its first link.
pub const ROSTER_DOMAIN: &[u8] = b"clinic-vault/roster/v1";

/// The roles a roster entry may hold.
pub const ROLES: [&str; 3] = ["receptionist", "clinician", "admin"];

/// The hash the first change links to.
pub fn roster_genesis(clinic_id: &str) -> Hash32 {
    let mut h = Sha256::new();
    h.update(ROSTER_DOMAIN);
    h.update(clinic_id.as_bytes());
    h.finalize().into()
}

/// A member of staff as every PC of the clinic holds them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RosterUser {
    /// The user's id (lowercase hyphenated UUID), the same on every PC.
    pub user_id: String,
    /// The name they unlock with (unique in the clinic).
    pub name: String,
    /// `receptionist`, `clinician` or `admin`.
    pub role: String,
    /// X25519 public key (64 lowercase hex digits): what the clinic's keys are sealed to.
    pub public_key: String,
    /// Ed25519 public key (64 lowercase hex digits): what the user's roster changes are
    /// verified with.
    pub signing_key: String,
    /// The user's private keys wrapped under their password (opaque, base64).
    pub wrapped_private_key: String,
    /// The user's TOTP secret wrapped under their own key (opaque, base64), when enrolled.
    pub wrapped_totp: Option<String>,
}

/// What a change does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RosterOp {
    /// The first change only: the founding admin, whose signing key is the trust root.
    Found {
        /// The founding admin.
        user: RosterUser,
    },
    /// A new member of staff (signed by an admin).
    AddUser {
        /// Who.
        user: RosterUser,
    },
    /// A role change (signed by an admin).
    SetRole {
        /// Whose.
        user_id: String,
        /// The new role.
        role: String,
    },
    /// Disabled: can no longer unlock, and is left out of the next content key
    /// (signed by an admin).
    Disable {
        /// Who.
        user_id: String,
    },
    /// Enabled again (signed by an admin).
    Enable {
        /// Who.
        user_id: String,
    },
    /// New credentials: a password change re-wraps the private keys, a TOTP enrolment or
    /// reset changes the wrapped secret. Signed by the user themself or by an admin. The
    /// keys themselves stay (a new key pair is a new user).
    SetCredentials {
        /// Whose.
        user_id: String,
        /// The private keys wrapped under the new password.
        wrapped_private_key: String,
        /// The TOTP secret now in force (`None`: reset, to be enrolled again).
        wrapped_totp: Option<String>,
    },
}

/// One change, as signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RosterChange {
    /// The clinic (lowercase hyphenated UUID), fixed by the first change.
    pub clinic_id: String,
    /// 1, 2, … without gaps.
    pub seq: u64,
    /// The link hash of change `seq - 1` ([`roster_genesis`] for the first), hex.
    pub prev: String,
    /// When it was signed, integer microseconds UTC (the signer's clock: informative).
    pub time_us: i64,
    /// The signing user's id.
    pub signer: String,
    /// What it does.
    pub op: RosterOp,
}

/// A change with its signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedRosterChange {
    /// What is signed.
    pub change: RosterChange,
    /// Ed25519 over `ROSTER_DOMAIN ‖ RFC 8785(change)`, 128 lowercase hex digits.
    pub signature: String,
}

/// Why a change is refused. Every refusal leaves the roster as it was.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum RosterError {
    /// The change is for another clinic.
    #[error("the change is for another clinic")]
    OtherClinic,
    /// A sequence number past the next one: changes are missing before it.
    #[error("changes {expected} to {} are missing", .got - 1)]
    Gap {
        /// The next sequence number.
        expected: u64,
        /// The one received.
        got: u64,
    },
    /// A different change at a sequence number already held, or one that does not link
    /// to the head: someone rewrote the roster's history.
    #[error("change {seq} differs from the one this PC holds (a forked roster)")]
    Fork {
        /// Where.
        seq: u64,
    },
    /// The first change is not the founding of the clinic by the pinned trust root.
    #[error("the roster does not start from this clinic's trust root")]
    NotTheTrustRoot,
    /// The signer is unknown, disabled, or not allowed to make this change.
    #[error("{signer} may not make this change")]
    NotAllowed {
        /// The signer named in the change.
        signer: String,
    },
    /// The signature does not verify under the signer's key.
    #[error("the signature does not verify")]
    BadSignature,
    /// The change is not well formed (the field named).
    #[error("the change's {0} is not valid")]
    Invalid(&'static str),
    /// The change would leave the clinic without an enabled admin.
    #[error("the clinic must keep at least one enabled admin")]
    LastAdmin,
    /// The change has no canonical form.
    #[error(transparent)]
    Encode(#[from] EncodeError),
}

impl RosterChange {
    /// The signed bytes.
    pub fn message(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = ROSTER_DOMAIN.to_vec();
        out.extend(to_canonical(self)?);
        Ok(out)
    }

    /// The change's link hash, given the hash it links to.
    fn link(&self, prev: &Hash32) -> Result<Hash32, EncodeError> {
        Ok(chain_hash(prev, &to_canonical(self)?))
    }

    /// Signs the change with `key` (the signer's Ed25519 key).
    pub fn sign(self, key: &SigningKey) -> Result<SignedRosterChange, EncodeError> {
        let signature = hex(&key.sign(&self.message()?).to_bytes());
        Ok(SignedRosterChange {
            change: self,
            signature,
        })
    }
}

/// A roster entry and whether the user is enabled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The entry, as last changed.
    pub user: RosterUser,
    /// Enabled (may unlock).
    pub enabled: bool,
}

/// What [`Roster::apply`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The change is now part of the roster.
    New,
    /// The same change was already held (a repeated delivery): nothing changed.
    Duplicate,
}

/// The roster a PC holds: every change so far, verified, folded into the members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roster {
    clinic_id: String,
    trust_root: VerifyingKey,
    /// Link hash of each change held, in order.
    links: Vec<Hash32>,
    members: BTreeMap<String, Member>,
}

fn verify_signature(
    key_hex: &str,
    signed: &SignedRosterChange,
    message: &[u8],
) -> Result<(), RosterError> {
    let key = parse_public_key(key_hex).map_err(|_| RosterError::BadSignature)?;
    let signature = parse_signature(&signed.signature).map_err(|_| RosterError::BadSignature)?;
    key.verify_strict(message, &signature)
        .map_err(|_| RosterError::BadSignature)
}

fn is_uuid(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => matches!(c, b'0'..=b'9' | b'a'..=b'f'),
        })
}

fn check_user(user: &RosterUser) -> Result<(), RosterError> {
    if !is_uuid(&user.user_id) {
        return Err(RosterError::Invalid("user_id"));
    }
    let name = user.name.trim();
    if name.is_empty() || name != user.name || user.name.chars().any(char::is_control) {
        return Err(RosterError::Invalid("name"));
    }
    if !ROLES.contains(&user.role.as_str()) {
        return Err(RosterError::Invalid("role"));
    }
    // X25519 keys have no small-order check here (core's HPKE refuses them); the shape is.
    if parse_hex32(&user.public_key).is_none() {
        return Err(RosterError::Invalid("public_key"));
    }
    parse_public_key(&user.signing_key).map_err(|_| RosterError::Invalid("signing_key"))?;
    if user.wrapped_private_key.is_empty() {
        return Err(RosterError::Invalid("wrapped_private_key"));
    }
    if user.wrapped_totp.as_deref() == Some("") {
        return Err(RosterError::Invalid("wrapped_totp"));
    }
    Ok(())
}

impl Roster {
    /// A roster from its first change, which must found `clinic_id` with the pinned
    /// `trust_root` as the founder's signing key, signed by it.
    pub fn found(
        clinic_id: &str,
        trust_root: &VerifyingKey,
        first: &SignedRosterChange,
    ) -> Result<Roster, RosterError> {
        let change = &first.change;
        if change.clinic_id != clinic_id {
            return Err(RosterError::OtherClinic);
        }
        if change.seq != 1 {
            return Err(RosterError::Gap {
                expected: 1,
                got: change.seq,
            });
        }
        let RosterOp::Found { user } = &change.op else {
            return Err(RosterError::NotTheTrustRoot);
        };
        check_user(user)?;
        if user.signing_key != public_key_hex(trust_root)
            || change.signer != user.user_id
            || user.role != "admin"
        {
            return Err(RosterError::NotTheTrustRoot);
        }
        let genesis = roster_genesis(clinic_id);
        if change.prev != hex(&genesis) {
            return Err(RosterError::Fork { seq: 1 });
        }
        verify_signature(&user.signing_key, first, &change.message()?)?;
        let mut members = BTreeMap::new();
        members.insert(
            user.user_id.clone(),
            Member {
                user: user.clone(),
                enabled: true,
            },
        );
        Ok(Roster {
            clinic_id: clinic_id.to_owned(),
            trust_root: *trust_root,
            links: vec![change.link(&genesis)?],
            members,
        })
    }

    /// The clinic.
    pub fn clinic_id(&self) -> &str {
        &self.clinic_id
    }

    /// The pinned trust root.
    pub fn trust_root(&self) -> &VerifyingKey {
        &self.trust_root
    }

    /// The sequence number of the last change held.
    pub fn seq(&self) -> u64 {
        self.links.len() as u64
    }

    /// The link hash of the last change held, hex (what the next change's `prev` is).
    pub fn head(&self) -> String {
        self.links.last().map(|h| hex(h)).unwrap_or_default()
    }

    /// Every member, enabled or not, by user id.
    pub fn members(&self) -> &BTreeMap<String, Member> {
        &self.members
    }

    /// The member with this user id.
    pub fn member(&self, user_id: &str) -> Option<&Member> {
        self.members.get(user_id)
    }

    /// Applies the next change after checking it; a refusal changes nothing.
    pub fn apply(&mut self, signed: &SignedRosterChange) -> Result<Applied, RosterError> {
        let change = &signed.change;
        if change.clinic_id != self.clinic_id {
            return Err(RosterError::OtherClinic);
        }
        let next = self.seq() + 1;
        if change.seq == 0 {
            return Err(RosterError::Invalid("seq"));
        }
        if change.seq < next {
            let index = usize::try_from(change.seq - 1).map_err(|_| RosterError::Invalid("seq"))?;
            let prev = match index {
                0 => roster_genesis(&self.clinic_id),
                i => self.links[i - 1],
            };
            return if change.prev == hex(&prev) && change.link(&prev)? == self.links[index] {
                Ok(Applied::Duplicate)
            } else {
                Err(RosterError::Fork { seq: change.seq })
            };
        }
        if change.seq > next {
            return Err(RosterError::Gap {
                expected: next,
                got: change.seq,
            });
        }
        let prev = *self.links.last().ok_or(RosterError::Invalid("seq"))?;
        if change.prev != hex(&prev) {
            return Err(RosterError::Fork { seq: change.seq });
        }
        let not_allowed = || RosterError::NotAllowed {
            signer: change.signer.clone(),
        };
        let signer = self
            .members
            .get(&change.signer)
            .filter(|m| m.enabled)
            .ok_or_else(not_allowed)?;
        let by_admin = signer.user.role == "admin";
        let allowed = match &change.op {
            RosterOp::Found { .. } => false,
            RosterOp::SetCredentials { user_id, .. } => by_admin || *user_id == change.signer,
            _ => by_admin,
        };
        if !allowed {
            return Err(not_allowed());
        }
        verify_signature(&signer.user.signing_key, signed, &change.message()?)?;

        let mut members = self.members.clone();
        match &change.op {
            RosterOp::Found { .. } => return Err(not_allowed()),
            RosterOp::AddUser { user } => {
                check_user(user)?;
                if members.contains_key(&user.user_id) {
                    return Err(RosterError::Invalid("user_id"));
                }
                if members.values().any(|m| m.user.name == user.name) {
                    return Err(RosterError::Invalid("name"));
                }
                members.insert(
                    user.user_id.clone(),
                    Member {
                        user: user.clone(),
                        enabled: true,
                    },
                );
            }
            RosterOp::SetRole { user_id, role } => {
                if !ROLES.contains(&role.as_str()) {
                    return Err(RosterError::Invalid("role"));
                }
                member_mut(&mut members, user_id)?.user.role = role.clone();
            }
            RosterOp::Disable { user_id } => member_mut(&mut members, user_id)?.enabled = false,
            RosterOp::Enable { user_id } => member_mut(&mut members, user_id)?.enabled = true,
            RosterOp::SetCredentials {
                user_id,
                wrapped_private_key,
                wrapped_totp,
            } => {
                if wrapped_private_key.is_empty() {
                    return Err(RosterError::Invalid("wrapped_private_key"));
                }
                if wrapped_totp.as_deref() == Some("") {
                    return Err(RosterError::Invalid("wrapped_totp"));
                }
                let member = member_mut(&mut members, user_id)?;
                member.user.wrapped_private_key = wrapped_private_key.clone();
                member.user.wrapped_totp = wrapped_totp.clone();
            }
        }
        let enabled_admins = members
            .values()
            .filter(|m| m.enabled && m.user.role == "admin")
            .count();
        if enabled_admins == 0 {
            return Err(RosterError::LastAdmin);
        }
        let link = change.link(&prev)?;
        self.members = members;
        self.links.push(link);
        Ok(Applied::New)
    }
}

fn member_mut<'a>(
    members: &'a mut BTreeMap<String, Member>,
    user_id: &str,
) -> Result<&'a mut Member, RosterError> {
    members
        .get_mut(user_id)
        .ok_or(RosterError::Invalid("user_id"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLINIC: &str = "0191b2c3-0000-7000-8000-00000000c11c";

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn user(seed: u8, name: &str, role: &str) -> RosterUser {
        RosterUser {
            user_id: format!("0191b2c3-0000-7000-8000-0000000000{seed:02x}"),
            name: name.into(),
            role: role.into(),
            public_key: hex(&[seed.wrapping_add(100); 32]),
            signing_key: public_key_hex(&key(seed).verifying_key()),
            wrapped_private_key: format!("wrapped-{seed}"),
            wrapped_totp: Some(format!("totp-{seed}")),
        }
    }

    fn id(seed: u8) -> String {
        user(seed, "-", "admin").user_id
    }

    /// A change at the roster's next place, signed by `signer`'s key.
    fn next(roster: &Roster, signer: u8, op: RosterOp) -> SignedRosterChange {
        RosterChange {
            clinic_id: CLINIC.into(),
            seq: roster.seq() + 1,
            prev: roster.head(),
            time_us: 1_000 + roster.seq() as i64,
            signer: id(signer),
            op,
        }
        .sign(&key(signer))
        .expect("sign")
    }

    fn founding() -> SignedRosterChange {
        RosterChange {
            clinic_id: CLINIC.into(),
            seq: 1,
            prev: hex(&roster_genesis(CLINIC)),
            time_us: 1_000,
            signer: id(1),
            op: RosterOp::Found {
                user: user(1, "ada", "admin"),
            },
        }
        .sign(&key(1))
        .expect("sign")
    }

    /// Ada (admin, 1) founds the clinic and adds Carla (clinician, 2) and Rita
    /// (receptionist, 3).
    fn clinic() -> Roster {
        let mut roster =
            Roster::found(CLINIC, &key(1).verifying_key(), &founding()).expect("found");
        for (seed, name, role) in [(2, "carla", "clinician"), (3, "rita", "receptionist")] {
            let add = next(
                &roster,
                1,
                RosterOp::AddUser {
                    user: user(seed, name, role),
                },
            );
            assert_eq!(roster.apply(&add), Ok(Applied::New));
        }
        roster
    }

    #[test]
    fn the_founding_change_must_come_from_the_pinned_trust_root() {
        let first = founding();
        let roster = Roster::found(CLINIC, &key(1).verifying_key(), &first).expect("found");
        assert_eq!(roster.seq(), 1);
        assert!(roster.member(&id(1)).is_some_and(|m| m.enabled));
        // Pinned to someone else's key: refused, whatever the change says.
        assert_eq!(
            Roster::found(CLINIC, &key(9).verifying_key(), &first),
            Err(RosterError::NotTheTrustRoot)
        );
        // Another clinic's founding.
        assert_eq!(
            Roster::found(
                "0191b2c3-0000-7000-8000-00000000dead",
                &key(1).verifying_key(),
                &first
            ),
            Err(RosterError::OtherClinic)
        );
        // The server swaps in its own founder, signed by its own key.
        let forged = RosterChange {
            op: RosterOp::Found {
                user: user(9, "mallory", "admin"),
            },
            signer: id(9),
            ..first.change.clone()
        }
        .sign(&key(9))
        .expect("sign");
        assert_eq!(
            Roster::found(CLINIC, &key(1).verifying_key(), &forged),
            Err(RosterError::NotTheTrustRoot)
        );
        // The right founder's entry, altered after signing.
        let mut altered = first.clone();
        if let RosterOp::Found { user } = &mut altered.change.op {
            user.wrapped_private_key = "the server's".into();
        }
        assert_eq!(
            Roster::found(CLINIC, &key(1).verifying_key(), &altered),
            Err(RosterError::BadSignature)
        );
        // A founder who is not an admin.
        let clerk = RosterChange {
            op: RosterOp::Found {
                user: user(1, "ada", "receptionist"),
            },
            ..first.change.clone()
        }
        .sign(&key(1))
        .expect("sign");
        assert_eq!(
            Roster::found(CLINIC, &key(1).verifying_key(), &clerk),
            Err(RosterError::NotTheTrustRoot)
        );
    }

    #[test]
    fn who_may_make_which_change() {
        let carla = id(2);
        // (signer, op, expected); each from the same three-member clinic.
        let cases: Vec<(u8, RosterOp, Result<Applied, RosterError>)> = vec![
            (
                1,
                RosterOp::SetRole {
                    user_id: carla.clone(),
                    role: "admin".into(),
                },
                Ok(Applied::New),
            ),
            (
                2,
                RosterOp::SetRole {
                    user_id: carla.clone(),
                    role: "admin".into(),
                },
                Err(RosterError::NotAllowed {
                    signer: carla.clone(),
                }),
            ),
            (
                3,
                RosterOp::AddUser {
                    user: user(4, "eve", "admin"),
                },
                Err(RosterError::NotAllowed { signer: id(3) }),
            ),
            (
                1,
                RosterOp::Disable {
                    user_id: carla.clone(),
                },
                Ok(Applied::New),
            ),
            (
                2,
                RosterOp::Disable { user_id: id(3) },
                Err(RosterError::NotAllowed {
                    signer: carla.clone(),
                }),
            ),
            // A user changes their own password; an admin resets anyone's TOTP; a
            // clinician cannot change a receptionist's credentials.
            (
                2,
                RosterOp::SetCredentials {
                    user_id: carla.clone(),
                    wrapped_private_key: "new".into(),
                    wrapped_totp: Some("t".into()),
                },
                Ok(Applied::New),
            ),
            (
                1,
                RosterOp::SetCredentials {
                    user_id: id(3),
                    wrapped_private_key: "new".into(),
                    wrapped_totp: None,
                },
                Ok(Applied::New),
            ),
            (
                2,
                RosterOp::SetCredentials {
                    user_id: id(3),
                    wrapped_private_key: "new".into(),
                    wrapped_totp: None,
                },
                Err(RosterError::NotAllowed {
                    signer: carla.clone(),
                }),
            ),
            // Someone the roster does not know.
            (
                9,
                RosterOp::Disable { user_id: id(1) },
                Err(RosterError::NotAllowed { signer: id(9) }),
            ),
            // A second founding.
            (
                1,
                RosterOp::Found {
                    user: user(5, "bob", "admin"),
                },
                Err(RosterError::NotAllowed { signer: id(1) }),
            ),
            // The only admin cannot be disabled or demoted.
            (
                1,
                RosterOp::Disable { user_id: id(1) },
                Err(RosterError::LastAdmin),
            ),
            (
                1,
                RosterOp::SetRole {
                    user_id: id(1),
                    role: "clinician".into(),
                },
                Err(RosterError::LastAdmin),
            ),
            // Shapes.
            (
                1,
                RosterOp::SetRole {
                    user_id: carla.clone(),
                    role: "root".into(),
                },
                Err(RosterError::Invalid("role")),
            ),
            (
                1,
                RosterOp::AddUser {
                    user: user(4, "carla", "clinician"),
                },
                Err(RosterError::Invalid("name")),
            ),
            (
                1,
                RosterOp::AddUser {
                    user: user(2, "carla2", "clinician"),
                },
                Err(RosterError::Invalid("user_id")),
            ),
            (
                1,
                RosterOp::AddUser {
                    user: RosterUser {
                        signing_key: "00".repeat(32),
                        ..user(4, "eve", "clinician")
                    },
                },
                Err(RosterError::Invalid("signing_key")),
            ),
            (
                1,
                RosterOp::Disable {
                    user_id: "0191b2c3-0000-7000-8000-0000000000ff".into(),
                },
                Err(RosterError::Invalid("user_id")),
            ),
        ];
        for (case_idx, (signer, op, expected)) in cases.into_iter().enumerate() {
            let mut roster = clinic();
            let before = roster.clone();
            let change = next(&roster, signer, op);
            let got = roster.apply(&change);
            assert_eq!(got, expected, "case {case_idx}");
            if got.is_err() {
                assert_eq!(roster, before, "case {case_idx}: a refusal changes nothing");
            } else {
                assert_eq!(roster.seq(), before.seq() + 1, "case {case_idx}");
            }
        }
    }

    #[test]
    fn a_disabled_admin_signs_nothing_and_is_enabled_only_by_another() {
        let mut roster = clinic();
        let promote = next(
            &roster,
            1,
            RosterOp::SetRole {
                user_id: id(2),
                role: "admin".into(),
            },
        );
        roster.apply(&promote).expect("promote");
        let disable = next(&roster, 2, RosterOp::Disable { user_id: id(1) });
        roster.apply(&disable).expect("disable ada");
        assert!(roster.member(&id(1)).is_some_and(|m| !m.enabled));
        let before = roster.clone();
        let by_ada = next(&roster, 1, RosterOp::Enable { user_id: id(1) });
        assert_eq!(
            roster.apply(&by_ada),
            Err(RosterError::NotAllowed { signer: id(1) })
        );
        assert_eq!(roster, before);
        let by_carla = next(&roster, 2, RosterOp::Enable { user_id: id(1) });
        assert_eq!(roster.apply(&by_carla), Ok(Applied::New));
    }

    #[test]
    fn repeats_are_harmless_while_gaps_forks_and_tampering_are_refused() {
        let mut roster = clinic();
        let disable = next(&roster, 1, RosterOp::Disable { user_id: id(3) });
        roster.apply(&disable).expect("disable");
        let held = roster.clone();
        // Delivered again, or an older change again: nothing changes.
        assert_eq!(roster.apply(&disable), Ok(Applied::Duplicate));
        assert_eq!(roster.apply(&founding()), Ok(Applied::Duplicate));
        assert_eq!(roster, held);

        // A different change at a sequence already held, validly signed by an admin
        // (the server offering a rewritten history): a fork.
        let mut other = disable.change.clone();
        other.op = RosterOp::Disable { user_id: id(2) };
        let other = other.sign(&key(1)).expect("sign");
        assert_eq!(roster.apply(&other), Err(RosterError::Fork { seq: 4 }));

        // Skipping ahead.
        let mut ahead = next(&roster, 1, RosterOp::Enable { user_id: id(3) }).change;
        ahead.seq += 1;
        let ahead = ahead.sign(&key(1)).expect("sign");
        assert_eq!(
            roster.apply(&ahead),
            Err(RosterError::Gap {
                expected: 5,
                got: 6
            })
        );
        // The next place, but linked to something else.
        let mut unlinked = next(&roster, 1, RosterOp::Enable { user_id: id(3) }).change;
        unlinked.prev = hex(&[7; 32]);
        let unlinked = unlinked.sign(&key(1)).expect("sign");
        assert_eq!(roster.apply(&unlinked), Err(RosterError::Fork { seq: 5 }));
        // Altered after signing (the server flips the target), or signed by a key that
        // is not the signer's.
        let mut flipped = next(&roster, 1, RosterOp::Enable { user_id: id(3) });
        flipped.change.op = RosterOp::Enable { user_id: id(2) };
        assert_eq!(roster.apply(&flipped), Err(RosterError::BadSignature));
        let mut by_other_key = next(&roster, 1, RosterOp::Enable { user_id: id(3) }).change;
        by_other_key.time_us += 1;
        let by_other_key = by_other_key.sign(&key(9)).expect("sign");
        assert_eq!(roster.apply(&by_other_key), Err(RosterError::BadSignature));
        let mut garbled = next(&roster, 1, RosterOp::Enable { user_id: id(3) });
        garbled.signature = "zz".repeat(64);
        assert_eq!(roster.apply(&garbled), Err(RosterError::BadSignature));
        // Another clinic's change.
        let mut elsewhere = next(&roster, 1, RosterOp::Enable { user_id: id(3) }).change;
        elsewhere.clinic_id = "0191b2c3-0000-7000-8000-00000000dead".into();
        let elsewhere = elsewhere.sign(&key(1)).expect("sign");
        assert_eq!(roster.apply(&elsewhere), Err(RosterError::OtherClinic));
        assert_eq!(roster, held, "no refusal changed anything");
    }

    #[test]
    fn every_pc_that_applies_the_same_log_holds_the_same_roster() {
        let mut log = vec![founding()];
        let mut a = Roster::found(CLINIC, &key(1).verifying_key(), &log[0]).expect("found");
        for op in [
            RosterOp::AddUser {
                user: user(2, "carla", "clinician"),
            },
            RosterOp::SetRole {
                user_id: id(2),
                role: "admin".into(),
            },
            RosterOp::AddUser {
                user: user(3, "rita", "receptionist"),
            },
            RosterOp::Disable { user_id: id(3) },
        ] {
            let change = next(&a, 1, op);
            a.apply(&change).expect("apply");
            log.push(change);
        }
        // Another PC receives the log through JSON, some changes twice.
        let wire = serde_json::to_string(&log).expect("json");
        let received: Vec<SignedRosterChange> = serde_json::from_str(&wire).expect("parse");
        let mut b = Roster::found(CLINIC, &key(1).verifying_key(), &received[0]).expect("found");
        for (i, change) in received.iter().enumerate().skip(1) {
            assert_eq!(b.apply(change), Ok(Applied::New));
            assert_eq!(b.apply(&received[i - 1]), Ok(Applied::Duplicate));
        }
        assert_eq!(a, b);
        assert_eq!(a.head(), b.head());
        // An unknown member in a change is refused when parsed, not ignored.
        let mut value = serde_json::to_value(&log[1]).expect("value");
        value["change"]["extra"] = serde_json::json!(1);
        assert!(serde_json::from_value::<SignedRosterChange>(value).is_err());
    }
}
