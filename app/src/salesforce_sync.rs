//! The Salesforce connector (issue 14): reads Accounts, Contacts and Users through the REST
//! query resource and writes them through the Account API's upsert code. `ssr/reader.rs`
//! reads pages and tells the run what a failure means (retry, restart from the checkpoint,
//! stop and tell the admin what to do).
#[cfg(feature = "ssr")]
pub mod ssr;
