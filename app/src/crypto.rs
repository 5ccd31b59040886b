//! Small, audited building blocks for secrets (server only): random tokens, token hashes
//! for storage, and `SecretBox`, which seals secrets at rest with AES-256-GCM under a key
//! id so keys can be rotated later without re-encrypting everything at once.
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretSlice};
use sha2::{Digest, Sha256};

/// A 256-bit random token for links and cookies, URL-safe base64 (43 characters).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 of a high-entropy token, hex encoded: what the database stores instead of the
/// token. A fast hash is right here because the tokens carry 128+ random bits.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Eight hex characters used to connect a user-visible error to a log line.
pub fn short_reference() -> String {
    let mut bytes = [0u8; 4];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Constant-time comparison of two byte strings of possibly different lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A 32-byte AES-256 key with the id under which sealed values name it.
pub struct SecretKey {
    id: String,
    key: SecretSlice<u8>,
}

impl SecretKey {
    /// Parses a key given as base64 of exactly 32 bytes.
    pub fn from_base64(text: &str) -> Result<Self, String> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .or_else(|_| URL_SAFE_NO_PAD.decode(text.trim()))
            .map_err(|_| "the secret key is not valid base64".to_owned())?;
        if bytes.len() != 32 {
            return Err(format!(
                "the secret key must be 32 bytes of base64; this one is {} bytes",
                bytes.len()
            ));
        }
        // The id is derived from the key, so it never needs configuring and cannot drift.
        let id: String = Sha256::digest(&bytes)
            .iter()
            .take(4)
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(Self {
            id,
            key: bytes.into(),
        })
    }

    pub fn generate_base64() -> String {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    pub fn id(&self) -> &str {
        &self.id
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretKey({}, redacted)", self.id)
    }
}

/// Seals and opens secrets with the current key; opens values sealed under older keys.
/// Sealed form: `v1:<key id>:<base64 nonce ‖ ciphertext>`.
#[derive(Debug)]
pub struct SecretBox {
    current: SecretKey,
    previous: Vec<SecretKey>,
}

impl SecretBox {
    pub fn new(current: SecretKey, previous: Vec<SecretKey>) -> Self {
        Self { current, previous }
    }

    pub fn current_key_id(&self) -> &str {
        self.current.id()
    }

    /// Whether a key with this id is configured (current or previous).
    pub fn knows_key(&self, key_id: &str) -> bool {
        std::iter::once(&self.current)
            .chain(self.previous.iter())
            .any(|k| k.id() == key_id)
    }

    /// The key id a sealed value names (`v1:<key id>:…`), if it has the sealed form.
    pub fn key_id_of(sealed: &str) -> Option<&str> {
        let mut parts = sealed.splitn(3, ':');
        match (parts.next(), parts.next(), parts.next()) {
            (Some("v1"), Some(id), Some(_)) => Some(id),
            _ => None,
        }
    }

    /// `purpose` is bound as associated data, so a value sealed as one kind of secret
    /// cannot be replayed into a column holding another.
    pub fn seal(&self, purpose: &str, plaintext: &[u8]) -> String {
        let cipher =
            Aes256Gcm::new_from_slice(self.current.key.expose_secret()).expect("key is 32 bytes");
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ciphertext = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                aes_gcm::aead::Payload {
                    msg: plaintext,
                    aad: purpose.as_bytes(),
                },
            )
            .expect("AES-GCM encryption does not fail for in-memory buffers");
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&ciphertext);
        format!("v1:{}:{}", self.current.id(), STANDARD_NO_PAD.encode(blob))
    }

    pub fn open(&self, purpose: &str, sealed: &str) -> Result<Vec<u8>, String> {
        let mut parts = sealed.splitn(3, ':');
        let (Some("v1"), Some(key_id), Some(body)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err("sealed value has an unknown format".into());
        };
        let key = std::iter::once(&self.current)
            .chain(self.previous.iter())
            .find(|k| k.id() == key_id)
            .ok_or_else(|| format!("sealed with key {key_id}, which is not configured"))?;
        let blob = STANDARD_NO_PAD
            .decode(body)
            .map_err(|_| "sealed value is not base64".to_owned())?;
        if blob.len() < 12 + 16 {
            return Err("sealed value is truncated".into());
        }
        let (nonce, ciphertext) = blob.split_at(12);
        let cipher = Aes256Gcm::new_from_slice(key.key.expose_secret()).expect("key is 32 bytes");
        cipher
            .decrypt(
                Nonce::from_slice(nonce),
                aes_gcm::aead::Payload {
                    msg: ciphertext,
                    aad: purpose.as_bytes(),
                },
            )
            .map_err(|_| "sealed value failed authentication".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SecretKey {
        SecretKey::from_base64(&SecretKey::generate_base64()).unwrap()
    }

    #[test]
    fn test_seal_then_open_round_trips_and_hides_plaintext() {
        let secret_box = SecretBox::new(key(), vec![]);
        let sealed = secret_box.seal("totp", b"JBSWY3DPEHPK3PXP");
        assert!(!sealed.contains("JBSWY3DPEHPK3PXP"));
        assert!(sealed.starts_with(&format!("v1:{}:", secret_box.current_key_id())));
        assert_eq!(
            secret_box.open("totp", &sealed).unwrap(),
            b"JBSWY3DPEHPK3PXP"
        );
    }

    #[test]
    fn test_open_refuses_other_purpose_and_tampering() {
        let secret_box = SecretBox::new(key(), vec![]);
        let sealed = secret_box.seal("totp", b"seed");
        assert!(secret_box.open("oauth", &sealed).is_err());
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert!(secret_box.open("totp", &tampered).is_err());
    }

    #[test]
    fn test_values_sealed_under_a_previous_key_still_open() {
        let old_text = SecretKey::generate_base64();
        let old_box = SecretBox::new(SecretKey::from_base64(&old_text).unwrap(), vec![]);
        let sealed = old_box.seal("totp", b"seed");
        let rotated = SecretBox::new(key(), vec![SecretKey::from_base64(&old_text).unwrap()]);
        assert_eq!(rotated.open("totp", &sealed).unwrap(), b"seed");
        assert!(SecretBox::new(key(), vec![]).open("totp", &sealed).is_err());
    }

    #[test]
    fn test_key_must_be_32_bytes() {
        assert!(SecretKey::from_base64("c2hvcnQ=")
            .unwrap_err()
            .contains("32 bytes"));
    }

    #[test]
    fn test_tokens_are_long_and_distinct() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a).len(), 64);
    }
}
