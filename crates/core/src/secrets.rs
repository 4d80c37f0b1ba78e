//! Key material. These types zeroize on drop and deliberately implement none of
//! `Clone`, `Debug`, `Display` or `Serialize` (asserted in tests), so a key cannot be
//! copied, logged or sent by accident. The escape hatches are named `expose_*`.
//!
//! The 32-byte keys live on the heap, filled in place: a key moved around inside a
//! `Session` (returned, stored, moved again) would otherwise leave a copy of itself in
//! every stack frame it passed through, which zeroize-on-drop never reaches.
#![allow(missing_debug_implementations)]

use rand::RngCore;
use zeroize::Zeroizing;

type KeyBox = Box<Zeroizing<[u8; 32]>>;

/// A zeroed key box, to be filled in place.
fn empty_key() -> KeyBox {
    Box::new(Zeroizing::new([0u8; 32]))
}

/// A key box holding a copy of `bytes`, which must be 32 bytes long.
fn key_from_slice(bytes: &[u8]) -> Option<KeyBox> {
    if bytes.len() != 32 {
        return None;
    }
    let mut key = empty_key();
    key.copy_from_slice(bytes);
    Some(key)
}

/// The 256-bit data key (DEK): SQLCipher's raw key for `vault.db`.
pub struct DataKey(KeyBox);

impl DataKey {
    /// A fresh random key.
    pub(crate) fn generate() -> Self {
        let mut key = empty_key();
        rand::rngs::OsRng.fill_bytes(&mut key[..]);
        DataKey(key)
    }

    /// Takes the bytes of an unsealed key; the caller's buffer is zeroized by its owner.
    pub(crate) fn from_slice(bytes: &[u8]) -> Option<Self> {
        key_from_slice(bytes).map(DataKey)
    }

    pub(crate) fn expose_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// `x'…'` as SQLCipher's `PRAGMA key`/`rekey` expect for a raw key, built in a
    /// zeroizing buffer.
    pub(crate) fn expose_pragma_literal(&self) -> Zeroizing<String> {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut s = Zeroizing::new(String::with_capacity(67));
        s.push_str("x'");
        for b in self.0.iter() {
            s.push(HEX[usize::from(b >> 4)] as char);
            s.push(HEX[usize::from(b & 0xf)] as char);
        }
        s.push('\'');
        s
    }
}

/// A user's (or the recovery slot's, or the journal's) X25519 private key.
pub struct PrivateKey(KeyBox);

impl PrivateKey {
    pub(crate) fn from_slice(bytes: &[u8]) -> Option<Self> {
        key_from_slice(bytes).map(PrivateKey)
    }

    pub(crate) fn expose_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// A TOTP shared secret (20 bytes, as RFC 6238's SHA-1 mode recommends).
pub struct TotpSecret(Zeroizing<Vec<u8>>);

impl TotpSecret {
    pub(crate) fn generate() -> Self {
        TotpSecret(Zeroizing::new(crate::crypto::random_array::<20>().to_vec()))
    }

    pub(crate) fn from_vec(bytes: Zeroizing<Vec<u8>>) -> Self {
        TotpSecret(bytes)
    }

    pub(crate) fn expose_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// A secret shown to a person once (a password, one-time password, recovery key, reset
/// code or `otpauth://` URI). Redacted in `Debug`; read it with `expose_secret`.
pub struct ShownSecret(Zeroizing<String>);

impl ShownSecret {
    pub(crate) fn new(s: String) -> Self {
        ShownSecret(Zeroizing::new(s))
    }

    /// The secret's text, to print once.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ShownSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ShownSecret(<redacted>)")
    }
}

/// A password (or one-time password or recovery key) as typed: bytes, because stdin may
/// hold anything; zeroized on drop. Not `Clone`, not `Debug`.
pub struct Password(Zeroizing<Vec<u8>>);

impl Password {
    /// Takes ownership of the typed bytes.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Password(Zeroizing::new(bytes))
    }

    /// Convenience for callers that already hold text.
    pub fn from_str_copy(s: &str) -> Self {
        Password(Zeroizing::new(s.as_bytes().to_vec()))
    }

    pub(crate) fn expose_bytes(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use static_assertions::assert_not_impl_any;

    assert_not_impl_any!(DataKey: Clone, Copy, std::fmt::Debug, std::fmt::Display, serde::Serialize);
    assert_not_impl_any!(PrivateKey: Clone, Copy, std::fmt::Debug, std::fmt::Display, serde::Serialize);
    assert_not_impl_any!(TotpSecret: Clone, Copy, std::fmt::Debug, std::fmt::Display, serde::Serialize);
    assert_not_impl_any!(Password: Clone, Copy, std::fmt::Debug, std::fmt::Display, serde::Serialize);
    assert_not_impl_any!(ShownSecret: Clone, Copy, std::fmt::Display, serde::Serialize);

    // The X25519 secrets inside hpke (the slot keys, the journal key, every ephemeral
    // key and shared secret) zeroize on drop (`zeroize(drop)`, with `Zeroize`) only with x25519-dalek's `zeroize`
    // feature, which hpke does not enable: this fails to compile without it.
    static_assertions::assert_impl_all!(x25519_dalek::StaticSecret: zeroize::Zeroize);
    static_assertions::assert_impl_all!(x25519_dalek::SharedSecret: zeroize::Zeroize);
    // The AES-256 key schedule inside aes-gcm 0.10 (its first round keys are the key
    // itself) is wiped on drop only with `aes`'s `zeroize` feature, which the workspace
    // turns on (with `ghash`'s, whose POLYVAL state then zeroizes on drop; it has no
    // marker trait to assert).
    static_assertions::assert_impl_all!(aes::Aes256: zeroize::ZeroizeOnDrop);

    // Normalised one-time passwords, reset codes and recovery keys are zeroizing.
    #[test]
    fn normalised_typed_secrets_are_zeroizing() {
        let otp: Option<zeroize::Zeroizing<String>> =
            crate::crockford::normalize_one_time_code(&crate::crockford::new_one_time_code());
        assert!(otp.is_some());
        let key: Result<zeroize::Zeroizing<String>, _> =
            crate::crockford::normalize_recovery_key(&crate::crockford::new_recovery_key());
        assert!(key.is_ok());
    }

    #[test]
    fn shown_secret_debug_is_redacted() {
        let s = ShownSecret::new("ABCD-EFGH".into());
        assert_eq!(format!("{s:?}"), "ShownSecret(<redacted>)");
    }

    #[test]
    fn pragma_literal_is_raw_hex_key() {
        let key = DataKey::from_slice(&[0xab; 32]).expect("32 bytes");
        let lit = key.expose_pragma_literal();
        assert_eq!(lit.len(), 67);
        assert!(lit.starts_with("x'abab") && lit.ends_with("ab'"));
    }
}
