//! Password resets: the link an administrator sends or "Forgot password" requests, and
//! choosing the new password from it. Until the link is used the current password keeps
//! working; using it ends every session of the user and tells them by email.
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use secrecy::SecretString;

use super::one_time::{self, PURPOSE_PASSWORD_RESET};
use super::password::check_new_password;
use super::session::{self, Client};
use super::throttle::{self, Policy};
use crate::audit::dto::AuditAction;
use crate::audit::ssr::record::{self as audit, Actor, Changes, Target};
use crate::auth::dto::ResetInfo;
use crate::config::Settings;
use crate::db::entities::{organisations, password_reset_requests, users};
use crate::error::AppError;
use crate::mail::ssr::{compose, queue};
use crate::state::AppState;
use crate::time::{now_ms, HOUR_MS, MINUTE_MS};

const LINK_UNUSABLE: &str =
    "This password reset link has expired or has already been used. Ask for a new one from the sign-in page.";

/// Three requests for one address, then a growing wait; one client address gets twenty.
const FORGOT_EMAIL: Policy = Policy {
    threshold: 3,
    first_wait_ms: MINUTE_MS,
    max_wait_ms: 15 * MINUTE_MS,
};
const FORGOT_ADDRESS: Policy = Policy {
    threshold: 20,
    first_wait_ms: MINUTE_MS,
    max_wait_ms: 15 * MINUTE_MS,
};

pub fn reset_link(settings: &Settings, token: &str) -> String {
    format!("{}/reset-password/{token}", settings.base_url())
}

/// "Forgot password": the answer is the same whether or not the email belongs to anyone,
/// and so is the work on the request path: the throttle, then one queued request. The
/// links and mail are made by the `send_password_resets` job (`process_requests`), which
/// works through every waiting request in turn, so no later request's timing depends on
/// whether this email was known.
pub async fn request(state: &AppState, email: &str, client: &Client) -> Result<(), AppError> {
    let email = crate::validation::parse_email(email).map_err(|m| AppError::field("email", m))?;
    let address = client.address.clone().unwrap_or_else(|| "unknown".into());
    let limits = [
        throttle::Limit::new(format!("forgot:{email}"), FORGOT_EMAIL),
        throttle::Limit::new(format!("forgot-address:{address}"), FORGOT_ADDRESS),
    ];
    let now = now_ms();
    throttle::reserve(&state.db, &limits, now).await?;
    password_reset_requests::ActiveModel {
        email: Set(email),
        address: Set(client.address.clone()),
        requested_at: Set(now),
        ..Default::default()
    }
    .insert(&state.db)
    .await?;
    Ok(())
}

/// Requests handled per run of the job; the rest wait for the next run.
const REQUESTS_PER_RUN: u64 = 200;

/// The `send_password_resets` job: sends a link to each active user of every waiting
/// request's email and removes the request. Answers how many requests were handled.
pub async fn process_requests(state: &AppState) -> Result<usize, AppError> {
    let waiting = password_reset_requests::Entity::find()
        .order_by_asc(password_reset_requests::Column::Id)
        .limit(REQUESTS_PER_RUN)
        .all(&state.db)
        .await?;
    for request in &waiting {
        if let Err(error) = send_reset_links(state, &request.email, request.address.clone()).await {
            tracing::warn!(%error, "a forgot-password request could not be completed");
        }
        password_reset_requests::Entity::delete_by_id(request.id)
            .exec(&state.db)
            .await?;
    }
    Ok(waiting.len())
}

async fn send_reset_links(
    state: &AppState,
    email: &str,
    address: Option<String>,
) -> Result<(), AppError> {
    // The same address can be a user in several organisations: each gets its own link.
    let matches = users::Entity::find()
        .filter(users::Column::Email.eq(email))
        .filter(users::Column::Status.eq("active"))
        .all(&state.db)
        .await?;
    let hours = state.settings.password_reset_hours;
    for user in matches {
        let org = organisations::Entity::find_by_id(user.org_id)
            .one(&state.db)
            .await?;
        let org_name = org.map(|o| o.name).unwrap_or_default();
        let txn = crate::db::begin_write(&state.db).await?;
        let token = one_time::issue(
            &txn,
            user.org_id,
            user.id,
            PURPOSE_PASSWORD_RESET,
            None,
            hours * HOUR_MS,
        )
        .await?;
        let actor = Actor::anonymous(email, address.clone());
        audit::record(
            &txn,
            user.org_id,
            &actor,
            AuditAction::PasswordResetRequested,
            &Target::user(&user),
            Changes::new(),
        )
        .await?;
        txn.commit().await?;
        let mail = compose::password_reset(
            &user.email,
            &org_name,
            &reset_link(&state.settings, &token),
            hours,
            None,
        );
        queue::enqueue(state, user.org_id, mail).await?;
    }
    Ok(())
}

async fn link_and_user(state: &AppState, token: &str) -> Result<(i32, users::Model), AppError> {
    let link = one_time::find_usable(&state.db, token, PURPOSE_PASSWORD_RESET)
        .await?
        .ok_or_else(|| AppError::invalid(LINK_UNUSABLE))?;
    let (Some(org_id), Some(user_id)) = (link.org_id, link.user_id) else {
        return Err(AppError::invalid(LINK_UNUSABLE));
    };
    let user = users::Entity::find_by_id(user_id)
        .filter(users::Column::OrgId.eq(org_id))
        .filter(users::Column::Status.eq("active"))
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::invalid(LINK_UNUSABLE))?;
    Ok((link.id, user))
}

pub async fn info(state: &AppState, token: &str) -> Result<ResetInfo, AppError> {
    let (_, user) = link_and_user(state, token).await?;
    let org = organisations::Entity::find_by_id(user.org_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::invalid(LINK_UNUSABLE))?;
    Ok(ResetInfo {
        email: user.email,
        org_name: org.name,
    })
}

/// Sets the new password from a link: the link is spent, every session of the user ends
/// (they sign in again with the new password) and they get a notification.
pub async fn complete(
    state: &AppState,
    token: &str,
    password: String,
    client: &Client,
) -> Result<(), AppError> {
    let (link_id, user) = link_and_user(state, token).await?;
    check_new_password(&password, &[&user.email, &user.name])
        .map_err(|m| AppError::field("password", m))?;
    // A reset replaces the password: keeping the one that may have leaked is refused.
    if state
        .hasher
        .verify(
            SecretString::from(password.clone()),
            user.password_hash.clone(),
        )
        .await?
    {
        return Err(AppError::field(
            "password",
            "That is your current password. Choose a different one: a reset replaces it.",
        ));
    }
    let hash = state.hasher.hash(SecretString::from(password)).await?;
    let txn = crate::db::begin_write(&state.db).await?;
    if !one_time::spend(&txn, link_id).await? {
        return Err(AppError::invalid(LINK_UNUSABLE));
    }
    session::delete_all_for_user(&txn, user.org_id, user.id).await?;
    let target = Target::user(&user);
    let actor = Actor::from_model(&user, client.address.clone());
    let (org_id, email) = (user.org_id, user.email.clone());
    let mut active: users::ActiveModel = user.into();
    active.password_hash = Set(Some(hash));
    active.updated_at = Set(now_ms());
    active.update(&txn).await?;
    audit::record(
        &txn,
        org_id,
        &actor,
        AuditAction::PasswordChanged,
        &target,
        Changes::new().set("via", "reset link"),
    )
    .await?;
    txn.commit().await?;
    let org_name = organisations::Entity::find_by_id(org_id)
        .one(&state.db)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let mail = compose::notice(
        &email,
        &org_name,
        &format!("Your password for {org_name} was changed"),
        &[
            "Your Steward password was just changed with a reset link, and every device signed in with the old password was signed out.".to_owned(),
            "If you did not do this, contact your administrator at once.".to_owned(),
        ],
    );
    queue::enqueue(state, org_id, mail).await?;
    Ok(())
}
