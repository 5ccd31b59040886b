//! What an administrator does to one user: edit, delete (deactivate), reactivate, resend,
//! copy or revoke an invitation, send a password reset, turn off 2FA. Each action checks
//! the guard rails, changes the user in one transaction with its audit entry, then queues
//! any mail.
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::audit::dto::AuditAction;
use crate::audit::ssr::record::{self as audit, Actor, Changes, Target};
use crate::auth::dto::CurrentUser;
use crate::auth::ssr::context::client;
use crate::auth::ssr::one_time::{self, Retired, PURPOSE_PASSWORD_RESET};
use crate::auth::ssr::session;
use crate::db::entities::{roles, users};
use crate::error::{AppError, FieldError};
use crate::mail::ssr::{compose, queue};
use crate::orgs::ssr::service::{setup_link, PURPOSE_INVITATION};
use crate::roles::permission::Permission;
use crate::roles::ssr::repo as roles_repo;
use crate::state::AppState;
use crate::time::{now_ms, DAY_MS, HOUR_MS};
use crate::users::dto::{UserEdit, UserTab};
use crate::users::ssr::guard;
use crate::users::ssr::invite::grantable_role;
use crate::validation::{parse_email, parse_name, parse_optional, parse_phone};

/// The user `user_id` of the caller's organisation; another organisation's id is NotFound.
pub async fn load(
    state: &AppState,
    caller: &CurrentUser,
    user_id: i32,
) -> Result<users::Model, AppError> {
    users::Entity::find_by_id(user_id)
        .filter(users::Column::OrgId.eq(caller.org_id))
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)
}

fn actor(state: &AppState, caller: &CurrentUser) -> Actor {
    Actor::user(caller, client(state).address)
}

fn display_name(user: &CurrentUser) -> String {
    if user.name.is_empty() {
        user.email.clone()
    } else {
        user.name.clone()
    }
}

async fn role_name(state: &AppState, org_id: i32, role_id: i32) -> Result<String, AppError> {
    Ok(roles::Entity::find_by_id(role_id)
        .filter(roles::Column::OrgId.eq(org_id))
        .one(&state.db)
        .await?
        .map(|r| r.name)
        .unwrap_or_default())
}

async fn has_seat(state: &AppState, org_id: i32, role_id: i32) -> Result<bool, AppError> {
    Ok(roles_repo::permissions_of_role(&state.db, org_id, role_id)
        .await?
        .contains(&Permission::CsmSeat))
}

fn require_status(user: &users::Model, tab: UserTab, what: &str) -> Result<(), AppError> {
    if user.status != tab.key() {
        return Err(AppError::Conflict(format!(
            "{} is {}, so you cannot {what}.",
            user.email,
            UserTab::from_key(&user.status).label().to_lowercase()
        )));
    }
    Ok(())
}

/// Edit: name, username (email), role, title and phone, checked field by field.
pub async fn update(
    state: &AppState,
    caller: &CurrentUser,
    user_id: i32,
    edit: UserEdit,
) -> Result<(), AppError> {
    let user = load(state, caller, user_id).await?;
    let mut errors = Vec::new();
    let mut check = |field: &str, result: Result<Option<String>, String>| match result {
        Ok(value) => value,
        Err(message) => {
            errors.push(FieldError {
                field: field.into(),
                message,
            });
            None
        }
    };
    // A pending user has not chosen a name yet; everyone else needs one.
    let name = if edit.name.trim().is_empty() && user.status == UserTab::Pending.key() {
        Some(String::new())
    } else {
        check("name", parse_name(&edit.name, "a name").map(Some))
    };
    let email = check("email", parse_email(&edit.email).map(Some));
    let title = check("title", parse_optional(Some(edit.title), "a title"));
    let phone = check("phone", parse_phone(Some(edit.phone)));
    if let Some(email) = email.as_deref().filter(|e| *e != user.email) {
        let taken = users::Entity::find()
            .filter(users::Column::OrgId.eq(caller.org_id))
            .filter(users::Column::Email.eq(email))
            .one(&state.db)
            .await?;
        if let Some(other) = taken {
            errors.push(FieldError {
                field: "email".into(),
                message: format!(
                    "{email} is already the username of another {} user.",
                    UserTab::from_key(&other.status).label().to_lowercase()
                ),
            });
        }
    }
    let role_changes = edit.role_id != user.role_id;
    if role_changes {
        if let Err(error) = grantable_role(state, caller, edit.role_id).await {
            match error {
                AppError::Validation(mut fields) => errors.append(&mut fields),
                other => return Err(other),
            }
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    if role_changes {
        guard::keeps_an_administrator(&state.db, &user, Some(edit.role_id)).await?;
        if user.status != UserTab::Inactive.key()
            && !has_seat(state, caller.org_id, user.role_id).await?
            && has_seat(state, caller.org_id, edit.role_id).await?
        {
            guard::seats_available(&state.db, &state.settings, caller.org_id, 1).await?;
        }
    }
    let (name, email) = (name.unwrap_or_default(), email.unwrap_or_default());
    let changes = Changes::new()
        .field("name", Some(&user.name), Some(&name))
        .field("email", Some(&user.email), Some(&email))
        .field(
            "role",
            Some(role_name(state, caller.org_id, user.role_id).await?),
            Some(role_name(state, caller.org_id, edit.role_id).await?),
        )
        .field("title", user.title.as_ref(), title.as_ref())
        .field("phone", user.phone.as_ref(), phone.as_ref());
    if changes.is_empty() {
        return Ok(());
    }
    let txn = crate::db::begin_write(&state.db).await?;
    let target = Target::user(&user);
    let mut active: users::ActiveModel = user.into();
    active.name = Set(name);
    active.email = Set(email);
    active.role_id = Set(edit.role_id);
    active.title = Set(title);
    active.phone = Set(phone);
    active.updated_at = Set(now_ms());
    let updated = active.update(&txn).await.map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            AppError::field("email", "That email is already another user's username.")
        }
        _ => e.into(),
    })?;
    audit::record(
        &txn,
        caller.org_id,
        &actor(state, caller),
        AuditAction::UserUpdated,
        &target,
        changes,
    )
    .await?;
    txn.commit().await?;
    tracing::info!(user_id = updated.id, "user edited");
    Ok(())
}

/// Delete: the user becomes Inactive, their sessions end at once and their links stop
/// working. Their history and assignments stay.
pub async fn deactivate(
    state: &AppState,
    caller: &CurrentUser,
    user_id: i32,
) -> Result<(), AppError> {
    let user = load(state, caller, user_id).await?;
    guard::not_yourself(caller.id, &user, "delete")?;
    if user.status == UserTab::Inactive.key() {
        return Err(AppError::Conflict(format!(
            "{} is already inactive.",
            user.email
        )));
    }
    guard::keeps_an_administrator(&state.db, &user, None).await?;
    let txn = crate::db::begin_write(&state.db).await?;
    let changes = Changes::new().field("status", Some(&user.status), Some("inactive"));
    let target = Target::user(&user);
    session::delete_all_for_user(&txn, user.org_id, user.id).await?;
    one_time::retire(
        &txn,
        user.org_id,
        user.id,
        &[PURPOSE_INVITATION, PURPOSE_PASSWORD_RESET],
        Retired::Revoked,
    )
    .await?;
    let mut active: users::ActiveModel = user.into();
    active.status = Set(UserTab::Inactive.key().to_owned());
    active.updated_at = Set(now_ms());
    active.update(&txn).await?;
    audit::record(
        &txn,
        caller.org_id,
        &actor(state, caller),
        AuditAction::UserDeactivated,
        &target,
        changes,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Reactivate: back to Active, or to Pending with a fresh invitation when they never
/// finished setting up. Returns the tab they are now on.
pub async fn reactivate(
    state: &AppState,
    caller: &CurrentUser,
    user_id: i32,
) -> Result<UserTab, AppError> {
    let user = load(state, caller, user_id).await?;
    require_status(&user, UserTab::Inactive, "reactivate them")?;
    if has_seat(state, caller.org_id, user.role_id).await? {
        guard::seats_available(&state.db, &state.settings, caller.org_id, 1).await?;
    }
    let finished_setup = user.password_hash.is_some();
    let next = if finished_setup {
        UserTab::Active
    } else {
        UserTab::Pending
    };
    let txn = crate::db::begin_write(&state.db).await?;
    let changes = Changes::new().field("status", Some("inactive"), Some(next.key()));
    let target = Target::user(&user);
    let email = user.email.clone();
    let mut active: users::ActiveModel = user.into();
    active.status = Set(next.key().to_owned());
    active.updated_at = Set(now_ms());
    let user = active.update(&txn).await?;
    let token = if finished_setup {
        None
    } else {
        Some(
            one_time::issue(
                &txn,
                user.org_id,
                user.id,
                PURPOSE_INVITATION,
                Some(caller.id),
                state.settings.invitation_days * DAY_MS,
            )
            .await?,
        )
    };
    audit::record(
        &txn,
        caller.org_id,
        &actor(state, caller),
        AuditAction::UserReactivated,
        &target,
        changes,
    )
    .await?;
    txn.commit().await?;
    if let Some(token) = token {
        send_invitation(state, caller, &email, &token).await?;
    }
    Ok(next)
}

async fn send_invitation(
    state: &AppState,
    caller: &CurrentUser,
    email: &str,
    token: &str,
) -> Result<(), AppError> {
    let mail = compose::invitation(
        email,
        &caller.org_name,
        &display_name(caller),
        &setup_link(&state.settings, token),
        state.settings.invitation_days,
    );
    queue::enqueue(state, caller.org_id, mail).await?;
    Ok(())
}

/// A new invitation link for a pending user (the old one stops working): mailed (resend)
/// or handed to the administrator to pass on (copy link). Returns the link.
pub async fn renew_invitation(
    state: &AppState,
    caller: &CurrentUser,
    user_id: i32,
    send: bool,
) -> Result<String, AppError> {
    let user = load(state, caller, user_id).await?;
    require_status(
        &user,
        UserTab::Pending,
        if send {
            "resend an invitation"
        } else {
            "copy an invitation link"
        },
    )?;
    let txn = crate::db::begin_write(&state.db).await?;
    let token = one_time::issue(
        &txn,
        user.org_id,
        user.id,
        PURPOSE_INVITATION,
        Some(caller.id),
        state.settings.invitation_days * DAY_MS,
    )
    .await?;
    let action = if send {
        AuditAction::InvitationResent
    } else {
        AuditAction::InvitationLinkCopied
    };
    audit::record(
        &txn,
        caller.org_id,
        &actor(state, caller),
        action,
        &Target::user(&user),
        Changes::new(),
    )
    .await?;
    txn.commit().await?;
    if send {
        send_invitation(state, caller, &user.email, &token).await?;
    }
    Ok(setup_link(&state.settings, &token))
}

/// Revoke: the invitation link stops working and the user moves to Inactive (reactivating
/// them later sends a fresh invitation).
pub async fn revoke_invitation(
    state: &AppState,
    caller: &CurrentUser,
    user_id: i32,
) -> Result<(), AppError> {
    let user = load(state, caller, user_id).await?;
    require_status(&user, UserTab::Pending, "revoke an invitation")?;
    let txn = crate::db::begin_write(&state.db).await?;
    one_time::retire(
        &txn,
        user.org_id,
        user.id,
        &[PURPOSE_INVITATION],
        Retired::Revoked,
    )
    .await?;
    let changes = Changes::new().field("status", Some("pending"), Some("inactive"));
    let target = Target::user(&user);
    let mut active: users::ActiveModel = user.into();
    active.status = Set(UserTab::Inactive.key().to_owned());
    active.updated_at = Set(now_ms());
    active.update(&txn).await?;
    audit::record(
        &txn,
        caller.org_id,
        &actor(state, caller),
        AuditAction::InvitationRevoked,
        &target,
        changes,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Sends an active user a password reset link (valid `password_reset_hours`). Their current
/// password keeps working until the link is used.
pub async fn send_password_reset(
    state: &AppState,
    caller: &CurrentUser,
    user_id: i32,
) -> Result<(), AppError> {
    let user = load(state, caller, user_id).await?;
    require_status(&user, UserTab::Active, "reset their password")?;
    let hours = state.settings.password_reset_hours;
    let txn = crate::db::begin_write(&state.db).await?;
    let token = one_time::issue(
        &txn,
        user.org_id,
        user.id,
        PURPOSE_PASSWORD_RESET,
        Some(caller.id),
        hours * HOUR_MS,
    )
    .await?;
    audit::record(
        &txn,
        caller.org_id,
        &actor(state, caller),
        AuditAction::PasswordResetSent,
        &Target::user(&user),
        Changes::new(),
    )
    .await?;
    txn.commit().await?;
    let link = crate::auth::ssr::password_reset::reset_link(&state.settings, &token);
    let mail = compose::password_reset(
        &user.email,
        &caller.org_name,
        &link,
        hours,
        Some(&display_name(caller)),
    );
    queue::enqueue(state, caller.org_id, mail).await?;
    Ok(())
}

/// What an administrator gives to turn off someone's two-factor sign-in: who they are
/// (password, and a code when they use two-factor sign-in) and why.
pub struct TwoFactorRemoval {
    pub current_password: String,
    pub code: Option<String>,
    pub reason: String,
}

/// Turns off a user's two-factor sign-in (seed and recovery codes removed) and tells them.
/// The acting administrator signs in again first, whoever the user is (themselves
/// included), and the reason goes into the audit entry.
pub async fn disable_two_factor(
    state: &AppState,
    caller: &CurrentUser,
    user_id: i32,
    removal: TwoFactorRemoval,
) -> Result<(), AppError> {
    let user = load(state, caller, user_id).await?;
    if user.totp_secret.is_none() {
        return Err(AppError::Conflict(format!(
            "{} does not use two-factor sign-in.",
            user.email
        )));
    }
    let reason = parse_name(&removal.reason, "the reason for turning it off")
        .map_err(|message| AppError::field("reason", message))?;
    crate::two_factor::ssr::service::confirm_identity(
        state,
        caller,
        removal.current_password,
        removal.code.as_deref(),
    )
    .await?;
    let target = Target::user(&user);
    let email = user.email.clone();
    crate::two_factor::ssr::service::remove_for_user(&state.db, user).await?;
    let changes = Changes::new()
        .field("two_factor", Some("on"), Some("off"))
        .set("reason", &reason);
    audit::record(
        &state.db,
        caller.org_id,
        &actor(state, caller),
        AuditAction::TwoFactorDisabled,
        &target,
        changes,
    )
    .await?;
    let mail = compose::notice(
        &email,
        &caller.org_name,
        &format!("Two-factor sign-in was turned off for your {} account", caller.org_name),
        &[
            format!("{} turned off two-factor sign-in for your account. You now sign in with your password only.", display_name(caller)),
            "You can turn it on again under My Profile. If you did not expect this, contact your administrator.".to_owned(),
        ],
    );
    queue::enqueue(state, caller.org_id, mail).await?;
    Ok(())
}
