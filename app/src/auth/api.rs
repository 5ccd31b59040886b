//! Server functions for signing in and out. Each one: read the request, call one service,
//! set the cookie, redirect. They work from plain HTML forms too (no JavaScript needed).
use leptos::prelude::*;

use crate::auth::dto::CurrentUser;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::auth::ssr::{context, service, session};

/// The signed-in user, or None.
#[server]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    let state = crate::state::app_state()?;
    match context::session_token() {
        Some(token) => context::user_for_token(&state, &token).await,
        None => Ok(None),
    }
}

#[cfg(feature = "ssr")]
fn finish(state: &crate::state::AppState, outcome: service::SignInOutcome) {
    match outcome {
        service::SignInOutcome::SignedIn { token, landing } => {
            context::set_cookie(session::cookie(&state.settings, &token, session::Stage::Complete));
            leptos_axum::redirect(landing.path());
        }
        service::SignInOutcome::NeedsSecondFactor { token } => {
            context::set_cookie(session::cookie(&state.settings, &token, session::Stage::SecondFactor));
            leptos_axum::redirect("/sign-in/verify");
        }
    }
}

#[server]
pub async fn sign_in(email: String, password: String) -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let client = context::client(&state);
    let outcome = service::sign_in(&state, &email, password, &client).await?;
    finish(&state, outcome);
    Ok(())
}

#[server]
pub async fn verify_second_factor(code: String) -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let client = context::client(&state);
    let outcome = service::verify_second_factor(&state, context::session_token(), &code, &client).await?;
    finish(&state, outcome);
    Ok(())
}

#[server]
pub async fn sign_out() -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    service::sign_out(&state, context::session_token()).await?;
    context::set_cookie(session::clearing_cookie(&state.settings));
    leptos_axum::redirect("/sign-in");
    Ok(())
}
