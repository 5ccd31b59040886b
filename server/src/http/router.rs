use axum::routing::get;
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::{file_and_error_handler_with_context, generate_route_list, LeptosRoutes};
use tower_http::compression::CompressionLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;

use app::state::AppState;
use app::{shell, App};

use super::{cache, error_status, health, input_guard, request_log, security};

/// The whole application as one axum router.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    let fallback_state = state.clone();
    let body_timeout = std::time::Duration::from_secs(state.settings.body_timeout_seconds);
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .merge(app::account_api::router())
        .merge(app::upload::ssr::routes::router())
        .merge(app::upload::ssr::page_routes::router())
        .merge(app::event_api::router())
        .merge(app::api_docs::router())
        .merge(app::connections::ssr::routes::router())
        .merge(app::bcc_email::ssr::routes::router())
        .leptos_routes(&state, routes, move || shell(options.clone()))
        .fallback(file_and_error_handler_with_context::<AppState, _>(
            move || provide_context(fallback_state.clone()),
            shell,
        ))
        .layer(axum::middleware::from_fn(input_guard::input_guard))
        .layer(axum::middleware::from_fn(error_status::error_status_layer))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::security_layer,
        ))
        // Outside the security layer: replaces its `no-store` on pages and static files.
        .layer(axum::middleware::from_fn(cache::cache_layer))
        .layer(CompressionLayer::new())
        // A body that pauses longer than this between pieces ends its request.
        .layer(RequestBodyTimeoutLayer::new(body_timeout))
        // The request span logs the redacted path, never the raw URI or headers.
        .layer(TraceLayer::new_for_http().make_span_with(request_log::make_span))
        .with_state(state)
}
