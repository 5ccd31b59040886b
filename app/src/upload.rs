//! API Upload (IT Administration, issue 12): CSV files into every write API — accounts,
//! product users, contacts, custom metrics, interactions and usage events. An upload is the
//! same write as the API: each row becomes the API's JSON record and goes through the very
//! same validation and upsert code (`account_api::upsert`, `metrics::store`,
//! `interactions::store`, the Event API's line parser and store).
//!
//! Flow: the file streams through `ssr::reader` (csv-async, as the bytes arrive) into staged
//! batches (`upload_batches`); a file refused as a whole (binary, empty, bad header, too
//! large, unterminated quote) leaves nothing staged and writes nothing. A dry run validates
//! the staged rows without writing; an apply writes them batch by batch through the API's
//! code, recording what undo needs (created records; previous and written values).
pub mod api;
pub mod dto;
mod file_panel;
mod history_table;
mod results_panel;
#[cfg(feature = "hydrate")]
mod send;
mod upload_page;

pub use upload_page::ApiUploadPage;

#[cfg(feature = "ssr")]
pub mod ssr;
