//! The audit log: who changed which user, role, invitation, password or 2FA setting, and
//! every sign-in and failed sign-in. `ssr::record` writes entries; the Audit log page
//! (Management Center → Audit log) reads them.
pub mod api;
pub mod audit_page;
pub mod dto;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use audit_page::AuditLogPage;
