//! The Event API (`POST /v1/{authKey}/{apiKey}`), compatible with Natero's: newline-
//! delimited JSON usage events, stored before the answer, rolled up per account and day.
//! Server only: a plain axum route authenticated by an event key pair.
use axum::Router;

use crate::state::AppState;

/// The route `/v1/{authKey}/{apiKey}`.
pub fn router() -> Router<AppState> {
    Router::new()
}
