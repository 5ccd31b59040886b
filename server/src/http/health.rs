use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use app::state::AppState;

/// For load balancers: 200 when this instance can reach its database, 503 otherwise.
pub async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n"),
        Err(error) => {
            tracing::warn!(%error, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n")
        }
    }
}
