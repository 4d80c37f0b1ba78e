//! The primitives behind key slots, sealed with the algorithms DESIGN §3 fixes:
//! Argon2id for passwords, AES-256-GCM for wrapping, HPKE (RFC 9180 base mode,
//! X25519-HKDF-SHA256, AES-256-GCM) for sealing to a public key.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hpke::aead::AesGcm256;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem as _, OpModeR, OpModeS, Serializable};
use rand::rngs::OsRng;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::secrets::PrivateKey;

/// Argon2id cost parameters, stored with each slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl KdfParams {
    /// RFC 9106's second recommended option, the floor every slot must meet.
    pub const FLOOR: KdfParams = KdfParams {
        m_kib: 64 * 1024,
        t: 3,
        p: 4,
    };

    /// Whether these parameters are at least the floor.
    pub fn meets_floor(&self) -> bool {
        let floor = Self::floor();
        self.m_kib >= floor.m_kib && self.t >= floor.t && self.p >= floor.p
    }

    /// The floor in force: [`KdfParams::FLOOR`], except in this crate's own unit tests.
    pub fn floor() -> KdfParams {
        if cfg!(test) {
            KdfParams::CHEAP_FOR_TESTS
        } else {
            KdfParams::FLOOR
        }
    }

    /// Cheap parameters that only this crate's unit tests accept.
    pub(crate) const CHEAP_FOR_TESTS: KdfParams = KdfParams {
        m_kib: 256,
        t: 1,
        p: 1,
    };
}

/// Fills an array from the operating system's CSPRNG.
pub(crate) fn random_array<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    OsRng.fill_bytes(&mut out);
    out
}

/// Argon2id(password, salt) → 256-bit key-encryption key.
pub fn derive_kek(password: &[u8], salt: &[u8], params: &KdfParams) -> Result<Zeroizing<[u8; 32]>> {
    let argon_params = argon2::Params::new(params.m_kib, params.t, params.p, Some(32))
        .map_err(|_| Error::Corrupt("a key slot has invalid Argon2id parameters".into()))?;
    let argon = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon_params,
    );
    let mut out = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(password, salt, out.as_mut())
        .map_err(|_| Error::Internal("key derivation failed".into()))?;
    Ok(out)
}

/// AES-256-GCM with a random nonce; output is `nonce ‖ ciphertext ‖ tag`.
pub(crate) fn aead_seal(key: &[u8; 32], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let cipher = Aes256Gcm::new(key.into());
    let nonce_bytes: [u8; 12] = random_array();
    let ct = cipher
        .encrypt(
            Nonce::from_slice(&nonce_bytes),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .expect("AES-GCM encryption of a short message cannot fail");
    let mut out = nonce_bytes.to_vec();
    out.extend_from_slice(&ct);
    out
}

/// Opens [`aead_seal`]'s output; `None` if the key, data or binding is wrong.
pub(crate) fn aead_open(key: &[u8; 32], aad: &[u8], sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    if sealed.len() < 12 + 16 {
        return None;
    }
    let (nonce, ct) = sealed.split_at(12);
    Aes256Gcm::new(key.into())
        .decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad })
        .ok()
        .map(Zeroizing::new)
}

/// A fresh X25519 key pair: the private key and the public key's bytes.
pub(crate) fn generate_keypair() -> (PrivateKey, [u8; 32]) {
    let (sk, pk) = X25519HkdfSha256::gen_keypair(&mut OsRng);
    let mut sk_bytes: [u8; 32] = sk.to_bytes().into();
    let private = PrivateKey::from_slice(&sk_bytes).expect("32 bytes");
    zeroize::Zeroize::zeroize(&mut sk_bytes);
    (private, pk.to_bytes().into())
}

/// HPKE-sealed bytes: the encapsulated key and the ciphertext.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Sealed {
    #[serde(with = "crate::b64")]
    pub enc: Vec<u8>,
    #[serde(with = "crate::b64")]
    pub ct: Vec<u8>,
}

/// Seals `plaintext` to `public_key` (HPKE base mode) with `info` and `aad` bound.
pub(crate) fn hpke_seal(
    public_key: &[u8],
    info: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Sealed> {
    let pk = <X25519HkdfSha256 as hpke::Kem>::PublicKey::from_bytes(public_key)
        .map_err(|_| Error::Corrupt("a stored public key is malformed".into()))?;
    let (enc, ct) = hpke::single_shot_seal::<AesGcm256, HkdfSha256, X25519HkdfSha256, _>(
        &OpModeS::Base,
        &pk,
        info,
        plaintext,
        aad,
        &mut OsRng,
    )
    .map_err(|_| Error::Internal("sealing failed".into()))?;
    Ok(Sealed {
        enc: enc.to_bytes().to_vec(),
        ct,
    })
}

/// Opens [`hpke_seal`]'s output; `None` if it was not sealed to this key with this
/// binding, or was altered.
pub(crate) fn hpke_open(
    key: &PrivateKey,
    info: &[u8],
    aad: &[u8],
    sealed: &Sealed,
) -> Option<Zeroizing<Vec<u8>>> {
    let sk = <X25519HkdfSha256 as hpke::Kem>::PrivateKey::from_bytes(key.expose_bytes()).ok()?;
    let enc = <X25519HkdfSha256 as hpke::Kem>::EncappedKey::from_bytes(&sealed.enc).ok()?;
    hpke::single_shot_open::<AesGcm256, HkdfSha256, X25519HkdfSha256>(
        &OpModeR::Base,
        &sk,
        &enc,
        info,
        &sealed.ct,
        aad,
    )
    .ok()
    .map(Zeroizing::new)
}

/// The public key of a private key.
pub(crate) fn public_key_of(key: &PrivateKey) -> Result<[u8; 32]> {
    let sk = <X25519HkdfSha256 as hpke::Kem>::PrivateKey::from_bytes(key.expose_bytes())
        .map_err(|_| Error::Corrupt("a stored private key is malformed".into()))?;
    Ok(X25519HkdfSha256::sk_to_pk(&sk).to_bytes().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2id_matches_rfc9106_vector() {
        // RFC 9106 §5.3: Argon2id, m=32 KiB, t=3, p=4, with secret and associated data.
        let params = argon2::ParamsBuilder::new()
            .m_cost(32)
            .t_cost(3)
            .p_cost(4)
            .output_len(32)
            .data(argon2::AssociatedData::new(&[0x04; 12]).expect("ad"))
            .build()
            .expect("params");
        let argon = argon2::Argon2::new_with_secret(
            &[0x03; 8],
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            params,
        )
        .expect("argon2");
        let mut tag = [0u8; 32];
        argon
            .hash_password_into(&[0x01; 32], &[0x02; 16], &mut tag)
            .expect("hash");
        let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659"
        );
    }

    #[test]
    fn derive_kek_depends_on_password_and_salt() -> Result<()> {
        let p = KdfParams::CHEAP_FOR_TESTS;
        let kek = derive_kek(b"password", b"somesalt", &p)?;
        assert_eq!(*kek, *derive_kek(b"password", b"somesalt", &p)?);
        assert_ne!(*kek, *derive_kek(b"passwore", b"somesalt", &p)?);
        assert_ne!(*kek, *derive_kek(b"password", b"somesalu", &p)?);
        Ok(())
    }

    #[test]
    fn aead_binds_associated_data() {
        let key = [7u8; 32];
        let sealed = aead_seal(&key, b"slot-1", b"secret");
        assert_eq!(
            aead_open(&key, b"slot-1", &sealed)
                .as_deref()
                .map(|v| v.as_slice()),
            Some(&b"secret"[..])
        );
        assert!(aead_open(&key, b"slot-2", &sealed).is_none());
        let mut flipped = sealed.clone();
        flipped[20] ^= 1;
        assert!(aead_open(&key, b"slot-1", &flipped).is_none());
    }

    #[test]
    fn hpke_round_trip_and_binding() -> Result<()> {
        let (sk, pk) = generate_keypair();
        assert_eq!(public_key_of(&sk)?, pk);
        let sealed = hpke_seal(&pk, b"info", b"aad", b"dek bytes")?;
        assert_eq!(
            hpke_open(&sk, b"info", b"aad", &sealed)
                .as_deref()
                .map(|v| v.as_slice()),
            Some(&b"dek bytes"[..])
        );
        assert!(hpke_open(&sk, b"info", b"other", &sealed).is_none());
        let (other_sk, _) = generate_keypair();
        assert!(hpke_open(&other_sk, b"info", b"aad", &sealed).is_none());
        Ok(())
    }
}
