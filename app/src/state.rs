//! The state every request handler and server function reads (server only). It is built
//! once at start-up by `server/` and provided to server functions by `leptos_routes`.
use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;

use crate::api_status::ssr::recorder::ApiStatusLog;
use crate::auth::ssr::password::PasswordHasher;
use crate::config::Settings;
use crate::crypto::SecretBox;
use crate::event_api::writer::EventWriter;
use crate::mail::ssr::transport::SmtpSender;

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub secrets: Arc<SecretBox>,
    pub hasher: PasswordHasher,
    /// None when no SMTP relay is configured: mail stays in the outbox.
    pub mailer: Option<SmtpSender>,
    /// The API Status writer (a no-op when `api_status_log` is false).
    pub api_status: ApiStatusLog,
    /// Where the Event API stores accepted events (group commit on SQLite).
    pub events: EventWriter,
    /// The server-wide budget of large API request bodies in flight (`large_body_budget_mb`).
    pub body_budget: crate::public_api::body::BodyBudget,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The state inside a server function. Missing state is a wiring bug: it is reported as an
/// internal error, never a panic.
pub fn app_state() -> Result<AppState, crate::error::AppError> {
    leptos::prelude::use_context::<AppState>()
        .ok_or_else(|| crate::error::AppError::internal("context", "AppState missing from context"))
}
