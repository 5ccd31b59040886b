//! API Status (IT Administration): the log of the last 1000 calls per organisation to the
//! Account, Event and Upload APIs, with their per-record failures.
pub mod dto;

#[cfg(feature = "ssr")]
pub mod ssr;
