//! The HTTP surface: Leptos pages and server functions, static files, `/healthz`, and the
//! security layer wrapped around all of it.
mod cache;
pub mod connections;
mod error_status;
mod health;
mod input_guard;
pub mod request_log;
mod router;
mod security;

pub use router::router;
