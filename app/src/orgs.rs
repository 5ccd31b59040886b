//! Organisations and the one-time setup links that create their first administrator.
pub mod api;
pub mod dto;
mod setup_page;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use setup_page::SetupPage;
