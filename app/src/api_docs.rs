//! API documentation: the OpenAPI document Steward serves at `/api/openapi.json` and the
//! API page (IT Administration → API) with addresses, authentication and curl examples.
pub mod api;
pub mod api_page;
pub mod dto;
pub mod endpoints;
pub mod examples;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use api_page::ApiPage;

#[cfg(feature = "ssr")]
use axum::Router;

#[cfg(feature = "ssr")]
use crate::state::AppState;

/// The route serving the OpenAPI document.
#[cfg(feature = "ssr")]
pub fn router() -> Router<AppState> {
    Router::new().route(dto::OPENAPI_PATH, axum::routing::get(ssr::openapi_json))
}
