//! Server functions behind the setup page. They need no session: the link is the key.
use leptos::prelude::*;

use crate::error::AppError;
use crate::orgs::dto::SetupInfo;

#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn setup_link_info(token: String) -> Result<SetupInfo, AppError> {
    let state = crate::state::app_state()?;
    crate::orgs::ssr::service::setup_info(&state.db, &token).await
}

#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn complete_setup(
    token: String,
    organisation: Option<String>,
    name: String,
    email: Option<String>,
    password: String,
    title: Option<String>,
    set_up_two_factor: Option<String>,
) -> Result<(), AppError> {
    use crate::auth::ssr::{context, service::SignInOutcome, session};
    use crate::orgs::ssr::service::{complete_setup, SetupForm};
    let state = crate::state::app_state()?;
    let client = context::client(&state);
    let form = SetupForm {
        organisation,
        name,
        email,
        password,
        title,
    };
    let SignInOutcome::SignedIn { token, landing } =
        complete_setup(&state, &token, form, &client).await?
    else {
        return Err(AppError::internal(
            "setup",
            "set-up cannot need a second factor",
        ));
    };
    context::set_cookie(session::cookie(
        &state.settings,
        &token,
        session::Stage::Complete,
    ));
    let next = if set_up_two_factor.is_some() {
        "/settings/profile?tab=security"
    } else {
        landing.path()
    };
    leptos_axum::redirect(next);
    Ok(())
}
