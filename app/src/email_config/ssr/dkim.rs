//! DKIM keys and signatures. Keys are 2048-bit RSA, generated with the `rsa` crate (ring
//! cannot generate RSA keys) and used only through ring (mail-auth's `ring` backend), so the
//! `rsa` crate never signs (RUSTSEC-2023-0071 concerns its private-key operations). The
//! private key is sealed (purpose `dkim-key`) and never leaves the server; the public key is
//! published as SubjectPublicKeyInfo (`MIIBIj…`), the form every verifier accepts.
//!
//! mail-auth 0.13.3 computes a wrong relaxed body hash when a body ends in whitespace-only
//! lines (`"Hello\r\n \r\n\t\r\n"`; fixed upstream in 0.15, which needs a newer compiler). So
//! before signing, [`trim_trailing_blank_lines`] removes such lines: RFC 6376's relaxed body
//! canonicalisation ignores them anyway, so the signed message says the same, and every
//! verifier computes the hash we computed.
use base64::Engine;
use mail_auth::common::crypto::{RsaKey, Sha256};
use mail_auth::common::headers::HeaderWriter;
use mail_auth::dkim::DkimSigner;
use secrecy::{ExposeSecret, SecretSlice};

use crate::crypto::SecretBox;

pub const SEAL_PURPOSE: &str = "dkim-key";
const KEY_BITS: usize = 2048;
/// The headers signed when present (From is always present).
const SIGNED_HEADERS: [&str; 11] = [
    "From",
    "To",
    "Cc",
    "Subject",
    "Date",
    "Message-ID",
    "Reply-To",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
    "In-Reply-To",
];

/// A new key: the PKCS#8 private key (secret) and the base64 SPKI public key.
pub struct NewKey {
    pub private_pkcs8: SecretSlice<u8>,
    pub public_spki_b64: String,
}

/// Generates a 2048-bit RSA key off the async threads (about 0.1-0.2 s with the optimised
/// `rsa` build; seconds without it).
pub async fn generate() -> Result<NewKey, String> {
    tokio::task::spawn_blocking(|| {
        use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey};
        let key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, KEY_BITS)
            .map_err(|e| format!("RSA key generation failed: {e}"))?;
        let private = key
            .to_pkcs8_der()
            .map_err(|e| format!("PKCS#8 encoding failed: {e}"))?;
        let public = key
            .to_public_key()
            .to_public_key_der()
            .map_err(|e| format!("SPKI encoding failed: {e}"))?;
        Ok(NewKey {
            private_pkcs8: SecretSlice::from(private.as_bytes().to_vec()),
            public_spki_b64: base64::engine::general_purpose::STANDARD.encode(public.as_bytes()),
        })
    })
    .await
    .map_err(|e| format!("key generation task failed: {e}"))?
}

pub fn seal(secrets: &SecretBox, key: &NewKey) -> String {
    secrets.seal(SEAL_PURPOSE, key.private_pkcs8.expose_secret())
}

pub fn open(secrets: &SecretBox, sealed: &str) -> Result<SecretSlice<u8>, String> {
    secrets.open(SEAL_PURPOSE, sealed).map(SecretSlice::from)
}

/// Removes whitespace-only lines (and trailing blanks without a line end) from the end of
/// the message body; the header block is left untouched. A body that was only blank lines
/// becomes empty.
pub fn trim_trailing_blank_lines(message: &[u8]) -> Vec<u8> {
    let Some(split) = message.windows(4).position(|w| w == b"\r\n\r\n") else {
        return message.to_vec();
    };
    let body_start = split + 4;
    let is_blank = |c: &u8| *c == b' ' || *c == b'\t';
    let mut end = message.len();
    // Blanks after the last line end (no CRLF of their own).
    while end > body_start && is_blank(&message[end - 1]) {
        end -= 1;
    }
    // Then whole whitespace-only lines, each ending in CRLF.
    loop {
        let body = &message[body_start..end];
        if !body.ends_with(b"\r\n") {
            break;
        }
        let without_crlf = &body[..body.len() - 2];
        let line_start = without_crlf
            .windows(2)
            .rposition(|w| w == b"\r\n")
            .map_or(0, |p| p + 2);
        let line = &without_crlf[line_start..];
        if !line.iter().all(is_blank) {
            break;
        }
        if line_start == 0 {
            // Only blank lines: the body is empty.
            end = body_start;
            break;
        }
        end = body_start + line_start;
    }
    let mut out = message[..end].to_vec();
    if end > body_start && !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Signs a complete message (CRLF line ends) for `domain` with the key published at
/// `selector`; answers the message to send: the DKIM-Signature header, then the message
/// with trailing blank lines removed.
pub fn sign(
    message: &[u8],
    domain: &str,
    selector: &str,
    private_pkcs8: &SecretSlice<u8>,
) -> Result<Vec<u8>, String> {
    let message = trim_trailing_blank_lines(message);
    let der = rustls_pki_types::PrivatePkcs8KeyDer::from(private_pkcs8.expose_secret());
    let key = RsaKey::<Sha256>::from_key_der(rustls_pki_types::PrivateKeyDer::Pkcs8(der))
        .map_err(|e| format!("the DKIM key could not be loaded: {e}"))?;
    let signature = DkimSigner::from_key(key)
        .domain(domain)
        .selector(selector)
        .headers(SIGNED_HEADERS)
        .sign(&message)
        .map_err(|e| format!("DKIM signing failed: {e}"))?;
    let mut signed = signature.to_header().into_bytes();
    signed.extend_from_slice(&message);
    Ok(signed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trimmed(body: &str) -> String {
        let message = format!("Subject: x\r\n\r\n{body}");
        let out = trim_trailing_blank_lines(message.as_bytes());
        String::from_utf8(out).unwrap()["Subject: x\r\n\r\n".len()..].to_owned()
    }

    #[test]
    fn test_trailing_whitespace_only_lines_are_removed() {
        assert_eq!(trimmed("Hello\r\n \r\n\t\r\n"), "Hello\r\n");
        assert_eq!(trimmed("Hello\r\n\r\n\r\n"), "Hello\r\n");
        assert_eq!(trimmed("Hello\r\n"), "Hello\r\n");
        assert_eq!(trimmed("Hello \r\n"), "Hello \r\n");
        assert_eq!(trimmed("Hello\r\n  "), "Hello\r\n");
        assert_eq!(trimmed("a\r\n \r\nb\r\n"), "a\r\n \r\nb\r\n");
        assert_eq!(trimmed(" \r\n\r\n"), "");
        assert_eq!(trimmed(""), "");
    }

    #[tokio::test]
    async fn test_generated_key_is_published_as_spki_and_signs() {
        let key = generate().await.unwrap();
        assert!(
            key.public_spki_b64.starts_with("MIIBIj"),
            "SPKI, not PKCS#1"
        );
        assert_eq!(key.public_spki_b64.len(), 392);
        let signed = sign(
            b"From: a@acme.test\r\nTo: b@example.test\r\nSubject: hi\r\n\r\nHello\r\n \r\n",
            "acme.test",
            "stw202611",
            &key.private_pkcs8,
        )
        .unwrap();
        let text = String::from_utf8(signed).unwrap();
        assert!(text.starts_with("DKIM-Signature:"), "{text}");
        assert!(text.contains("a=rsa-sha256"), "{text}");
        assert!(text.contains("d=acme.test") && text.contains("s=stw202611"));
        assert!(text.ends_with("\r\n\r\nHello\r\n"));
    }
}
