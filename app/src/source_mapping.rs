//! Source Mapping (issue 14 §4-5): the seed's table of every field of every source
//! (Account API, CSV upload, Salesforce), and the organisation's editable Salesforce
//! mapping with per-field ownership. `ssr/mapping.rs` holds the Steward fields Salesforce
//! can fill, the defaults, the check against Salesforce's describe and the stored
//! mapping the connector reads; `ssr/catalogue.rs` the read-only rows of the other sources.
pub mod api;
pub mod dto;
mod source_mapping_page;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use source_mapping_page::SourceMappingPage;
