//! Two-factor sign-in with TOTP (authenticator apps) and single-use recovery codes.
pub mod api;
pub mod dto;
#[cfg(feature = "ssr")]
pub mod ssr;
