//! Assigning and unassigning CSMs by hand. Each change writes the `csm_assignments` row
//! with source manual (so the Account API leaves it alone: manual wins), who changed it
//! and when, and an audit entry, in one transaction.
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::accounts::ssr::detail::{csm_candidates, SOURCE_MANUAL};
use crate::accounts::ssr::repo::visible_account;
use crate::audit::dto::AuditAction;
use crate::audit::ssr::record::{self as audit, Actor, Changes, Target};
use crate::auth::dto::CurrentUser;
use crate::auth::ssr::context::client;
use crate::db::entities::{accounts, csm_assignments, users};
use crate::error::AppError;
use crate::state::AppState;
use crate::time::now_ms;

fn target(account: &accounts::Model) -> Target {
    Target {
        kind: "account",
        id: Some(account.id),
        label: format!("{} ({})", account.name, account.account_id),
    }
}

async fn existing(
    db: &impl ConnectionTrait,
    org_id: i32,
    account_pk: i32,
    user_id: i32,
) -> Result<Option<csm_assignments::Model>, AppError> {
    Ok(csm_assignments::Entity::find()
        .filter(csm_assignments::Column::OrgId.eq(org_id))
        .filter(csm_assignments::Column::AccountPk.eq(account_pk))
        .filter(csm_assignments::Column::UserId.eq(user_id))
        .one(db)
        .await?)
}

/// Writes the manual row: a new one, or the existing (API or manual) row taken over.
async fn write_manual(
    db: &impl ConnectionTrait,
    caller: &CurrentUser,
    account_pk: i32,
    user_id: i32,
    row: Option<csm_assignments::Model>,
    is_assigned: bool,
) -> Result<(), AppError> {
    let now = now_ms();
    match row {
        Some(row) => {
            let mut active: csm_assignments::ActiveModel = row.into();
            active.source = Set(SOURCE_MANUAL.to_owned());
            active.is_assigned = Set(is_assigned);
            active.changed_by = Set(Some(caller.id));
            active.changed_at = Set(now);
            active.update(db).await?;
        }
        None => {
            csm_assignments::ActiveModel {
                org_id: Set(caller.org_id),
                account_pk: Set(account_pk),
                user_id: Set(user_id),
                source: Set(SOURCE_MANUAL.to_owned()),
                is_assigned: Set(is_assigned),
                changed_by: Set(Some(caller.id)),
                changed_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

/// Assigns `user_id` to the account by hand. The account must be one the caller may see;
/// the user must be active with a CSM seat. Assigning someone already assigned by hand
/// changes nothing; an API assignment becomes a manual one.
pub async fn assign(
    state: &AppState,
    caller: &CurrentUser,
    account_pk: i32,
    user_id: i32,
) -> Result<(), AppError> {
    let db = &state.db;
    let account = visible_account(db, caller, account_pk).await?;
    if !csm_candidates(db, caller.org_id)
        .await?
        .iter()
        .any(|c| c.user_id == user_id)
    {
        return Err(AppError::field(
            "user_id",
            "Choose an active user whose role has the CSM seat.",
        ));
    }
    let csm = find_user(db, caller.org_id, user_id).await?;
    let row = existing(db, caller.org_id, account.id, user_id).await?;
    if row
        .as_ref()
        .is_some_and(|r| r.is_assigned && r.source == SOURCE_MANUAL)
    {
        return Ok(());
    }
    record_change(
        state,
        caller,
        &account,
        user_id,
        row,
        true,
        Changes::new().set("csm", &csm.email),
    )
    .await
}

/// Unassigns `user_id` by hand: the row stays, as manual and not assigned, so the Account
/// API does not assign them again.
pub async fn unassign(
    state: &AppState,
    caller: &CurrentUser,
    account_pk: i32,
    user_id: i32,
) -> Result<(), AppError> {
    let db = &state.db;
    let account = visible_account(db, caller, account_pk).await?;
    let row = existing(db, caller.org_id, account.id, user_id)
        .await?
        .filter(|r| r.is_assigned)
        .ok_or_else(|| AppError::invalid("That user is not assigned to this account."))?;
    let csm = find_user(db, caller.org_id, user_id).await?;
    record_change(
        state,
        caller,
        &account,
        user_id,
        Some(row),
        false,
        Changes::new().field("csm", Some(&csm.email), None::<String>),
    )
    .await
}

/// The manual row and its audit entry, in one transaction.
async fn record_change(
    state: &AppState,
    caller: &CurrentUser,
    account: &accounts::Model,
    user_id: i32,
    row: Option<csm_assignments::Model>,
    is_assigned: bool,
    changes: Changes,
) -> Result<(), AppError> {
    let actor = Actor::user(caller, client(state).address);
    let action = if is_assigned {
        AuditAction::CsmAssigned
    } else {
        AuditAction::CsmUnassigned
    };
    let txn = crate::db::begin_write(&state.db).await?;
    write_manual(&txn, caller, account.id, user_id, row, is_assigned).await?;
    audit::record(
        &txn,
        caller.org_id,
        &actor,
        action,
        &target(account),
        changes,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

async fn find_user(
    db: &impl ConnectionTrait,
    org_id: i32,
    user_id: i32,
) -> Result<users::Model, AppError> {
    users::Entity::find()
        .filter(users::Column::OrgId.eq(org_id))
        .filter(users::Column::Id.eq(user_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}
