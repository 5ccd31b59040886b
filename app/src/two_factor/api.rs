//! Server functions behind My Profile → Two-factor sign-in. Each acts on the caller only.
use leptos::prelude::*;

use crate::error::AppError;
use crate::two_factor::dto::{Enrolment, TwoFactorStatus};

#[cfg(feature = "ssr")]
use crate::{auth::ssr::context::require_user, two_factor::ssr::service};

#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn get_two_factor_status() -> Result<TwoFactorStatus, AppError> {
    let (state, user) = require_user().await?;
    service::status(&state, &user).await
}

#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn begin_two_factor_setup(current_password: String) -> Result<Enrolment, AppError> {
    let (state, user) = require_user().await?;
    service::begin_setup(&state, &user, current_password).await
}

#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn confirm_two_factor_setup(code: String) -> Result<Vec<String>, AppError> {
    let (state, user) = require_user().await?;
    service::confirm_setup(&state, &user, &code).await
}

#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn disable_two_factor(current_password: String) -> Result<(), AppError> {
    let (state, user) = require_user().await?;
    service::disable(&state, &user, current_password).await
}

/// Ten new recovery codes for the caller (the password again); the old ones stop working.
#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn regenerate_recovery_codes(current_password: String) -> Result<Vec<String>, AppError> {
    let (state, user) = require_user().await?;
    service::regenerate_recovery_codes(&state, &user, current_password).await
}
