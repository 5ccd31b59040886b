//! RFC 6238 codes (SHA-1, 6 digits, 30-second steps: what every authenticator app reads)
//! through `totp-rs`, plus the window and replay rules Steward applies on top.
use qrcode::render::svg;
use qrcode::QrCode;
use rand::RngCore;
use totp_rs::{Algorithm, Secret, TOTP};

pub const STEP_SECS: u64 = 30;
/// Steps accepted either side of now, for clock drift.
pub const SKEW_STEPS: u64 = 1;

fn totp(secret: &[u8], issuer: Option<String>, account: String) -> TOTP {
    TOTP::new_unchecked(
        Algorithm::SHA1,
        6,
        1,
        STEP_SECS,
        secret.to_vec(),
        issuer,
        account,
    )
}

/// 160 random bits, the RFC 4226 recommended seed length.
pub fn new_secret() -> Vec<u8> {
    let mut bytes = vec![0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

/// Base32 as authenticator apps expect, in groups of four for typing.
pub fn secret_for_display(secret: &[u8]) -> String {
    let encoded = Secret::Raw(secret.to_vec()).to_encoded().to_string();
    encoded
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn code_at_step(secret: &[u8], step: u64) -> String {
    totp(secret, None, String::new()).generate(step * STEP_SECS)
}

/// The time step whose code equals `code`, within the skew window around `now_secs`.
pub fn matching_step(secret: &[u8], code: &str, now_secs: u64) -> Option<u64> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let current = now_secs / STEP_SECS;
    (current.saturating_sub(SKEW_STEPS)..=current + SKEW_STEPS).find(|step| {
        crate::crypto::constant_time_eq(code_at_step(secret, *step).as_bytes(), code.as_bytes())
    })
}

pub fn otpauth_url(secret: &[u8], issuer: &str, account: &str) -> String {
    // The otpauth issuer may not contain ':'.
    totp(secret, Some(issuer.replace(':', " ")), account.to_owned()).get_url()
}

/// The QR code as an inline SVG element (no data: URL, so the CSP stays strict).
pub fn qr_svg(url: &str) -> String {
    let code = QrCode::new(url.as_bytes()).expect("otpauth URLs fit in a QR code");
    let svg = code
        .render::<svg::Color>()
        .min_dimensions(200, 200)
        .dark_color(svg::Color("#1f2933"))
        .light_color(svg::Color("#ffffff"))
        .build();
    match svg.find("<svg") {
        Some(start) => svg[start..].to_owned(),
        None => svg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6238 appendix B test seed (SHA-1).
    const RFC_SEED: &[u8] = b"12345678901234567890";

    #[test]
    fn test_rfc6238_vectors() {
        assert_eq!(code_at_step(RFC_SEED, 59 / 30), "287082");
        assert_eq!(code_at_step(RFC_SEED, 1111111109 / 30), "081804");
        assert_eq!(code_at_step(RFC_SEED, 1234567890 / 30), "005924");
    }

    #[test]
    fn test_window_is_one_step_either_side() {
        let now = 1_700_000_000u64;
        let step = now / STEP_SECS;
        for (offset, accepted) in [(-2i64, false), (-1, true), (0, true), (1, true), (2, false)] {
            let code = code_at_step(RFC_SEED, (step as i64 + offset) as u64);
            let found = matching_step(RFC_SEED, &code, now);
            // A code from another step can collide by chance (1 in a million); the step
            // found must then still be inside the window.
            if accepted {
                assert_eq!(found, Some((step as i64 + offset) as u64));
            } else if let Some(s) = found {
                assert!(s.abs_diff(step) <= 1);
            }
        }
        assert_eq!(matching_step(RFC_SEED, "12345", now), None);
        assert_eq!(matching_step(RFC_SEED, "abcdef", now), None);
    }

    #[test]
    fn test_display_secret_and_url() {
        let shown = secret_for_display(RFC_SEED);
        assert_eq!(shown.replace(' ', ""), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        let url = otpauth_url(RFC_SEED, "Steward: Acme", "ada@example.com");
        assert!(url.starts_with("otpauth://totp/"));
        assert!(url.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"));
        assert!(qr_svg(&url).starts_with("<svg"));
    }
}
