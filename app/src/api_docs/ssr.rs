//! Server side of the API documentation: the OpenAPI document and its route.
pub mod openapi;
pub mod record_fields;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use crate::api_docs::dto::ApiPageInfo;
use crate::api_docs::examples::{curl_examples, keys_snippet};
use crate::state::AppState;

pub fn page_info(base_url: &str) -> ApiPageInfo {
    ApiPageInfo {
        base_url: base_url.to_owned(),
        examples: curl_examples(base_url),
        keys_snippet: keys_snippet(),
    }
}

/// `GET /api/openapi.json`: public, like any API reference (it holds no data).
pub async fn openapi_json(State(state): State<AppState>) -> impl IntoResponse {
    let document = openapi::document(&state.settings.base_url());
    match document.to_pretty_json() {
        Ok(json) => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            json,
        )
            .into_response(),
        Err(error) => {
            let reference = crate::crypto::short_reference();
            tracing::error!(%error, %reference, "OpenAPI document");
            (
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "application/json")],
                format!(
                    "{{\"status_is_ok\":false,\"message\":\"Unexpected error (ref {reference})\"}}"
                ),
            )
                .into_response()
        }
    }
}
