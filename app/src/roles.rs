//! Roles and the fixed set of permissions they grant.
pub mod api;
pub mod dto;
pub mod permission;
#[cfg(feature = "ssr")]
pub mod ssr;
