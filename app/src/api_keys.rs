//! API keys for the Account API and the Usage Event API. Keys are stored only as SHA-256
//! hashes and shown once.
pub mod api;
pub mod dto;
#[cfg(feature = "ssr")]
pub mod ssr;
