//! The Salesforce connector (issue 14): reads Accounts, Contacts and Users through the REST
//! query resource and writes them through the Account API's upsert code. `ssr/reader.rs`
//! reads pages and tells the run what a failure means (retry, restart from the checkpoint,
//! stop and tell the admin what to do); `ssr/run.rs` is one run; `ssr/csm.rs` the CSM
//! assignment sync; `ssr/schedule.rs` the daily run.
pub mod api;
pub mod dto;
mod salesforce_runs_card;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use salesforce_runs_card::SalesforceRunsCard;
