//! Server functions for signing in and out. Each one: read the request, call one service,
//! set the cookie, redirect. They work from plain HTML forms too (no JavaScript needed).
use leptos::prelude::*;

use crate::auth::dto::CurrentUser;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::auth::ssr::{context, service, session};

/// The signed-in user, or None.
#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    let state = crate::state::app_state()?;
    match context::session_token() {
        Some(token) => context::user_for_token(&state, &token).await,
        None => Ok(None),
    }
}

/// Sets the cookie for the step reached and sends the browser on: to the second step, to
/// the page it asked for before signing in (`next`, only when it is a path on this site), or
/// to the role's landing page.
#[cfg(feature = "ssr")]
fn finish(state: &crate::state::AppState, outcome: service::SignInOutcome, next: Option<&str>) {
    use crate::auth::next::{safe_next, with_next};
    match outcome {
        service::SignInOutcome::SignedIn { token, landing } => {
            context::set_cookie(session::cookie(
                &state.settings,
                &token,
                session::Stage::Complete,
            ));
            let target = next
                .and_then(safe_next)
                .unwrap_or_else(|| landing.path().to_owned());
            leptos_axum::redirect(&target);
        }
        service::SignInOutcome::NeedsSecondFactor { token } => {
            context::set_cookie(session::cookie(
                &state.settings,
                &token,
                session::Stage::SecondFactor,
            ));
            leptos_axum::redirect(&with_next("/sign-in/verify", next));
        }
    }
}

#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let client = context::client(&state);
    let outcome = service::sign_in(&state, &email, password, &client).await?;
    finish(&state, outcome, next.as_deref());
    Ok(())
}

#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn verify_second_factor(code: String, next: Option<String>) -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let client = context::client(&state);
    let outcome =
        service::verify_second_factor(&state, context::session_token(), &code, &client).await?;
    finish(&state, outcome, next.as_deref());
    Ok(())
}

#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn sign_out() -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    service::sign_out(&state, context::session_token()).await?;
    context::set_cookie(session::clearing_cookie(&state.settings));
    leptos_axum::redirect("/sign-in");
    Ok(())
}

/// "Forgot password": always the same answer; the mail goes only to a matching user.
#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let client = context::client(&state);
    crate::auth::ssr::password_reset::request(&state, &email, &client).await?;
    leptos_axum::redirect("/sign-in/forgot?sent=1");
    Ok(())
}

#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn password_reset_info(token: String) -> Result<crate::auth::dto::ResetInfo, AppError> {
    let state = crate::state::app_state()?;
    crate::auth::ssr::password_reset::info(&state, &token).await
}

/// Sets the new password from a reset link; every session ends, so the next stop is sign-in.
#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let client = context::client(&state);
    crate::auth::ssr::password_reset::complete(&state, &token, password, &client).await?;
    context::set_cookie(session::clearing_cookie(&state.settings));
    leptos_axum::redirect("/sign-in?reset=1");
    Ok(())
}
