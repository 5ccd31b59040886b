//! Changing your own password from My Profile.
use sea_orm::{ActiveModelTrait, Set};
use secrecy::SecretString;

use crate::audit::dto::AuditAction;
use crate::audit::ssr::record::{self as audit, Actor, Changes, Target};
use crate::auth::dto::CurrentUser;
use crate::auth::ssr::context::client;
use crate::auth::ssr::password::check_new_password;
use crate::auth::ssr::session;
use crate::db::entities::{sessions, users};
use crate::error::AppError;
use crate::mail::ssr::{compose, queue};
use crate::profile::ssr::details::own_row;
use crate::state::AppState;
use crate::time::now_ms;
use crate::two_factor::ssr::service::confirm_password;

/// The current password first (throttled like sign-in), then the new one under the same
/// policy as everywhere else. Every other session of the user ends; `current` stays. The
/// user gets a notice by mail, as after a reset.
pub async fn change(
    state: &AppState,
    caller: &CurrentUser,
    current: &sessions::Model,
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    let user = own_row(state, caller).await?;
    if current_password.is_empty() {
        return Err(AppError::field(
            "current_password",
            "Enter your current password.",
        ));
    }
    let unchanged = current_password == new_password;
    confirm_password(state, &user, current_password).await?;
    if unchanged {
        return Err(AppError::field(
            "new_password",
            "That is your current password. Choose a new one.",
        ));
    }
    check_new_password(&new_password, &[&user.email, &user.name, &caller.org_name])
        .map_err(|message| AppError::field("new_password", message))?;
    let hash = state.hasher.hash(SecretString::from(new_password)).await?;

    let target = Target::user(&user);
    let email = user.email.clone();
    let txn = crate::db::begin_write(&state.db).await?;
    let ended = session::delete_others_for_user(&txn, user.org_id, user.id, current.id).await?;
    let mut active: users::ActiveModel = user.into();
    active.password_hash = Set(Some(hash));
    active.updated_at = Set(now_ms());
    active.update(&txn).await?;
    audit::record(
        &txn,
        caller.org_id,
        &Actor::user(caller, client(state).address),
        AuditAction::PasswordChanged,
        &target,
        Changes::new()
            .set("via", "My Profile")
            .set("other_sessions_ended", ended),
    )
    .await?;
    txn.commit().await?;

    let org_name = &caller.org_name;
    let mail = compose::notice(
        &email,
        org_name,
        &format!("Your password for {org_name} was changed"),
        &[
            "Your Steward password was just changed from My Profile, and every other device signed in with the old password was signed out.".to_owned(),
            "If you did not do this, contact your administrator at once.".to_owned(),
        ],
    );
    queue::enqueue(state, caller.org_id, mail).await?;
    Ok(())
}
