//! API keys for the Account API and the Usage Event API; Settings → IT Administration →
//! Source Overview. Keys are stored only as SHA-256 hashes and shown once.
pub mod api;
mod api_key_dialogs;
mod api_keys_table;
pub mod dto;
mod new_api_key_dialog;
mod source_overview_page;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use api_key_dialogs::{RevokeApiKeyDialog, RotateApiKeyDialog};
pub use api_keys_table::ApiKeysTable;
pub use new_api_key_dialog::{NewApiKeyDialog, ShownKeys};
pub use source_overview_page::SourceOverviewPage;
