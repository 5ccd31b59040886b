//! Server functions answer every error with status 500. This layer reads the error back
//! (it is our `AppError` as JSON) and gives it its real status: 400 for bad input, 401,
//! 403, 409, 429 for throttling, 503 with `Retry-After` when storage is busy, and 500 only for real failures.
//!
//! Our own browser client asks (`X-Steward-Refusals: in-body`) for refusals a person can act
//! on — wrong password, weak password, a taken name, a field to fix, a wait — as `200 OK`
//! with the error in the body and `X-Steward-Refusal: 1`, so that Chromium does not log an
//! ordinary mistake as a failed resource. Faults keep their statuses. See `app::wire`.
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use app::error::AppError;
use app::wire::{REFUSALS_IN_BODY, REFUSALS_REQUEST_HEADER, REFUSAL_RESPONSE_HEADER};

const MAX_ERROR_BODY: usize = 64 * 1024;

pub async fn error_status_layer(request: Request, next: Next) -> Response {
    let refusals_in_body = request
        .headers()
        .get(REFUSALS_REQUEST_HEADER)
        .is_some_and(|v| v.as_bytes() == REFUSALS_IN_BODY.as_bytes());
    let response = next.run(request).await;
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR || !is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BODY).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        if refusals_in_body && error.is_refusal() {
            parts.status = StatusCode::OK;
            parts
                .headers
                .insert(REFUSAL_RESPONSE_HEADER, HeaderValue::from_static("1"));
        } else {
            parts.status = error.status_code();
        }
        // A wait the caller can honour without reading the body.
        let wait = match error {
            AppError::Unavailable(seconds) | AppError::Throttled(seconds) => Some(seconds),
            _ => None,
        };
        if let Some(seconds) = wait {
            parts
                .headers
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}
