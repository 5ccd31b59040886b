//! API Status (IT Administration): the log of the last 1000 calls per organisation to the
//! Account, Event and Upload APIs, with their per-record failures. The APIs write it
//! through `ssr::recorder::record_if_enabled`; the API Status page reads it.
pub mod api;
pub mod api_status_page;
pub mod dto;

#[cfg(feature = "ssr")]
pub mod ssr;

pub use api_status_page::ApiStatusPage;
