//! Connections to other systems: Manage Credentials (a write-only store of sealed
//! credentials, one system per save), Manage OAuth (Salesforce through the `oauth2` crate:
//! PKCE, session-bound single-use state, sealed tokens, refresh with rotation), and the
//! Source Overview's registry of sources. `ssr/rotate.rs` re-seals every sealed value under
//! the current key (`steward secret rotate`).
pub mod api;
mod credential_form;
mod credentials_page;
pub mod dto;
mod oauth_page;
mod sources_table;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use credentials_page::CredentialsPage;
pub use oauth_page::OAuthPage;
pub use sources_table::SourcesTable;
