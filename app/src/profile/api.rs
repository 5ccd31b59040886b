//! Server functions behind My Profile. Each acts on the caller only: there is no user id to
//! pass, and a session id is looked up among the caller's own sessions.
use leptos::prelude::*;

use crate::error::AppError;
use crate::profile::dto::{MyProfile, MySession};

#[cfg(feature = "ssr")]
use crate::{
    auth::ssr::context::{require_session, require_user},
    profile::ssr::{details, password, sessions},
};

#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn get_my_profile() -> Result<MyProfile, AppError> {
    let (state, user) = require_user().await?;
    details::load(&state, &user).await
}

/// Name, title and phone, checked like the administrator's edit of a user.
#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn update_my_profile(name: String, title: String, phone: String) -> Result<(), AppError> {
    let (state, user) = require_user().await?;
    details::update(&state, &user, &name, title, phone).await
}

/// A new password after the current one; every other session ends, this one stays.
#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn change_my_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    let (state, user, session) = require_session().await?;
    password::change(&state, &user, &session, current_password, new_password).await?;
    leptos_axum::redirect("/settings/profile?tab=password&changed=1");
    Ok(())
}

#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn list_my_sessions() -> Result<Vec<MySession>, AppError> {
    let (state, user, session) = require_session().await?;
    sessions::list(&state, &user, &session).await
}

/// Signs out one of the caller's other sessions.
#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn end_my_session(id: i32) -> Result<(), AppError> {
    let (state, user, session) = require_session().await?;
    sessions::end_one(&state, &user, &session, id).await
}

/// Signs out every session of the caller but this one; answers how many ended.
#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn end_my_other_sessions() -> Result<u64, AppError> {
    let (state, user, session) = require_session().await?;
    sessions::end_others(&state, &user, &session).await
}
