//! The Account API v2 (`/api/v2/…`), compatible with Natero's: accounts, product users,
//! contacts, custom metrics, stage and NPS history, dimensions, assigned CSMs and
//! interactions. Server only: plain axum routes authenticated by the Account API key.
use axum::Router;

use crate::state::AppState;

/// The routes under `/api/v2/`.
pub fn router() -> Router<AppState> {
    Router::new()
}
