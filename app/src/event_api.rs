//! The Event API (`POST /v1/{authKey}/{apiKey}`), compatible with Natero's: newline-
//! delimited JSON usage events, stored before the answer, rolled up per account and day
//! (`usage/`). Server only: a plain axum route authenticated by an event key pair.
//!
//! - `parse`: the body, line by line (pure; property-tested); `form_body`: one event sent
//!   form-encoded, as the published Ruby clients do.
//! - `store`: one transaction of multi-row INSERTs plus the rollup queue marks.
//! - `writer`: group commit of concurrent requests on SQLite (`AppState::events`).
//! - `ingest`: the handler: keys, body limits, answers, API Status.
use axum::routing::post;
use axum::Router;

use crate::state::AppState;

pub mod form_body;
pub mod ingest;
pub mod parse;
pub mod store;
pub mod writer;

/// The endpoint as API Status and the docs name it.
pub const ENDPOINT: &str = "/v1/{authKey}/{apiKey}";

/// The route `/v1/{authKey}/{apiKey}` (with or without a trailing slash).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/{auth_key}/{api_key}", post(ingest::ingest))
        .route("/v1/{auth_key}/{api_key}/", post(ingest::ingest))
}
