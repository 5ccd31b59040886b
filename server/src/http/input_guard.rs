//! Refuses bad bytes before any handler or the database sees them: a NUL (`%00`) in the
//! path or query string (PostgreSQL can neither store nor compare one, so it would answer
//! 500), and for server-function calls a NUL in a form value or a value over
//! `MAX_FORM_VALUE_BYTES`, answered as the `AppError` the form shows beside the field.
//! Each feature's own limits (names, emails, API fields) are checked where it parses its
//! input; this is the backstop for every field at once.
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use app::error::AppError;
use app::limits::{nul_message, too_long_message, MAX_FORM_VALUE_BYTES};

/// Server-function bodies are small forms; axum's own default limit.
const MAX_SERVER_FN_BODY: usize = 2 * 1024 * 1024;

pub async fn input_guard(request: Request, next: Next) -> Response {
    let uri = request.uri();
    if uri.path().contains("%00") || uri.query().is_some_and(|q| q.contains("%00")) {
        let path = super::request_log::loggable_path(uri.path());
        tracing::info!(%path, "refused a NUL byte in the address");
        let message = nul_message("The address (path or query string)");
        // The APIs answer in their JSON envelope, everything else in a sentence.
        if path.starts_with("/api/v2/") || path.starts_with("/v1/") {
            let body = serde_json::json!({"status_is_ok": false, "message": message});
            return (StatusCode::BAD_REQUEST, axum::Json(body)).into_response();
        }
        return (
            StatusCode::BAD_REQUEST,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            )],
            format!("{message}\n"),
        )
            .into_response();
    }
    if !is_server_fn_form(&request) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_SERVER_FN_BODY).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return app_error(AppError::invalid(too_long_message(
                "The form",
                MAX_SERVER_FN_BODY,
                "bytes",
            )))
        }
    };
    for (name, value) in url::form_urlencoded::parse(&bytes) {
        if value.contains('\0') || name.contains('\0') {
            return app_error(AppError::field(name, nul_message("This field")));
        }
        if value.len() > MAX_FORM_VALUE_BYTES {
            return app_error(AppError::field(
                name,
                too_long_message("This field", MAX_FORM_VALUE_BYTES, "bytes"),
            ));
        }
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// A form-encoded POST to a server function (`/api/…`, but not the Account API).
fn is_server_fn_form(request: &Request) -> bool {
    let path = request.uri().path();
    request.method() == Method::POST
        && path.starts_with("/api/")
        && !path.starts_with("/api/v2/")
        && request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

fn app_error(error: AppError) -> Response {
    let status = error.status_code();
    let body = serde_json::to_string(&error).unwrap_or_default();
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}
