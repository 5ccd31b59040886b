//! API documentation: the OpenAPI document Steward serves and the API page in the app.
#[cfg(feature = "ssr")]
use axum::Router;

#[cfg(feature = "ssr")]
use crate::state::AppState;

/// The route serving the OpenAPI document.
#[cfg(feature = "ssr")]
pub fn router() -> Router<AppState> {
    Router::new()
}
