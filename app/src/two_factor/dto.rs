use serde::{Deserialize, Serialize};

/// What My Profile shows about two-factor sign-in. Never carries the secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorStatus {
    pub enabled: bool,
    pub recovery_codes_left: u64,
}

/// A new seed, shown once while the user scans it: the QR code (SVG rendered on the
/// server) and the same secret as text for typing in by hand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    pub secret: String,
    pub qr_svg: String,
}
