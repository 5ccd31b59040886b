//! The caller's own name, title and phone.
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::audit::dto::AuditAction;
use crate::audit::ssr::record::{self as audit, Actor, Changes, Target};
use crate::auth::dto::CurrentUser;
use crate::auth::ssr::context::client;
use crate::db::entities::users;
use crate::error::{AppError, FieldError};
use crate::profile::dto::MyProfile;
use crate::state::AppState;
use crate::time::now_ms;
use crate::validation::{parse_name, parse_optional, parse_phone};

/// The caller's row; gone or moved means signed out.
pub async fn own_row(state: &AppState, caller: &CurrentUser) -> Result<users::Model, AppError> {
    users::Entity::find_by_id(caller.id)
        .filter(users::Column::OrgId.eq(caller.org_id))
        .one(&state.db)
        .await?
        .ok_or(AppError::Unauthenticated)
}

pub async fn load(state: &AppState, caller: &CurrentUser) -> Result<MyProfile, AppError> {
    let user = own_row(state, caller).await?;
    Ok(MyProfile {
        name: user.name,
        email: user.email,
        title: user.title,
        phone: user.phone,
        role_name: caller.role_name.clone(),
        org_name: caller.org_name.clone(),
        two_factor_enabled: user.totp_secret.is_some(),
    })
}

/// Checks every field (all problems at once), then saves and audits what changed.
pub async fn update(
    state: &AppState,
    caller: &CurrentUser,
    name: &str,
    title: String,
    phone: String,
) -> Result<(), AppError> {
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
    let name = check("name", parse_name(name, "your name").map(Some));
    let title = check("title", parse_optional(Some(title), "a title"));
    let phone = check("phone", parse_phone(Some(phone)));
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let name = name.unwrap_or_default();
    let user = own_row(state, caller).await?;
    let changes = Changes::new()
        .field("name", Some(&user.name), Some(&name))
        .field("title", user.title.as_ref(), title.as_ref())
        .field("phone", user.phone.as_ref(), phone.as_ref());
    if changes.is_empty() {
        return Ok(());
    }
    let target = Target::user(&user);
    let txn = sea_orm::TransactionTrait::begin(&state.db).await?;
    let mut active: users::ActiveModel = user.into();
    active.name = Set(name);
    active.title = Set(title);
    active.phone = Set(phone);
    active.updated_at = Set(now_ms());
    active.update(&txn).await?;
    audit::record(
        &txn,
        caller.org_id,
        &Actor::user(caller, client(state).address),
        AuditAction::UserUpdated,
        &target,
        changes.set("via", "My Profile"),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
