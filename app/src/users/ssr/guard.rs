//! Guard rails shared by every change to users and roles. Each refusal says why.
//!
//! - nobody deletes themselves;
//! - the organisation always keeps at least one active user who can Configure Users;
//! - nobody hands out a permission they do not hold (see `invite::grantable_role`);
//! - an optional seat limit caps active + pending users whose role has the CSM seat.
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::config::Settings;
use crate::db::entities::users;
use crate::error::AppError;
use crate::roles::permission::Permission;
use crate::roles::ssr::repo as roles_repo;

/// Roles of the organisation that grant `permission`.
pub async fn roles_granting(
    db: &impl ConnectionTrait,
    org_id: i32,
    permission: Permission,
) -> Result<Vec<i32>, AppError> {
    Ok(roles_repo::roles_with_permissions(db, org_id)
        .await?
        .into_iter()
        .filter(|(_, permissions)| permissions.contains(&permission))
        .map(|(role, _)| role.id)
        .collect())
}

/// Active users who can Configure Users, once the roles in `role_ids` are set aside and
/// `excluded_user` is left out: what would remain after a change.
async fn remaining_administrators(
    db: &impl ConnectionTrait,
    org_id: i32,
    admin_roles: &[i32],
    excluded_user: Option<i32>,
) -> Result<u64, AppError> {
    let mut select = users::Entity::find()
        .filter(users::Column::OrgId.eq(org_id))
        .filter(users::Column::Status.eq("active"))
        .filter(users::Column::RoleId.is_in(admin_roles.to_vec()));
    if let Some(user_id) = excluded_user {
        select = select.filter(users::Column::Id.ne(user_id));
    }
    Ok(select.count(db).await?)
}

/// Refuses when `user` is an active administrator and the change takes that away (deleting
/// them, or giving them a role without Configure Users) from the last one.
pub async fn keeps_an_administrator(
    db: &impl ConnectionTrait,
    user: &users::Model,
    new_role: Option<i32>,
) -> Result<(), AppError> {
    let admin_roles = roles_granting(db, user.org_id, Permission::ConfigureUsers).await?;
    let is_admin = user.status == "active" && admin_roles.contains(&user.role_id);
    let stays_admin = new_role.is_some_and(|role| admin_roles.contains(&role));
    if is_admin
        && !stays_admin
        && remaining_administrators(db, user.org_id, &admin_roles, Some(user.id)).await? == 0
    {
        return Err(AppError::Conflict(format!(
            "{} is the last active user who can Configure Users. Give that permission to someone else first.",
            user.email
        )));
    }
    Ok(())
}

/// Refuses taking Configure Users away from `role_id` when no other active user would keep it.
pub async fn role_keeps_an_administrator(
    db: &impl ConnectionTrait,
    org_id: i32,
    role_id: i32,
) -> Result<(), AppError> {
    let others: Vec<i32> = roles_granting(db, org_id, Permission::ConfigureUsers)
        .await?
        .into_iter()
        .filter(|r| *r != role_id)
        .collect();
    let holders_of_role = users::Entity::find()
        .filter(users::Column::OrgId.eq(org_id))
        .filter(users::Column::Status.eq("active"))
        .filter(users::Column::RoleId.eq(role_id))
        .count(db)
        .await?;
    if holders_of_role > 0 && remaining_administrators(db, org_id, &others, None).await? == 0 {
        return Err(AppError::Conflict(
            "Without Configure Users on this role, no active user could manage users any more. Give that permission to another role someone active holds first."
                .into(),
        ));
    }
    Ok(())
}

/// CSM seats in use: active and pending users whose role has the CSM seat.
pub async fn seats_in_use(db: &impl ConnectionTrait, org_id: i32) -> Result<u64, AppError> {
    let seat_roles = roles_granting(db, org_id, Permission::CsmSeat).await?;
    Ok(users::Entity::find()
        .filter(users::Column::OrgId.eq(org_id))
        .filter(users::Column::Status.ne("inactive"))
        .filter(users::Column::RoleId.is_in(seat_roles))
        .count(db)
        .await?)
}

/// Refuses a change that would put `additional` more users on CSM seats past the limit.
pub async fn seats_available(
    db: &impl ConnectionTrait,
    settings: &Settings,
    org_id: i32,
    additional: u64,
) -> Result<(), AppError> {
    let Some(limit) = settings.seat_limit else {
        return Ok(());
    };
    if additional == 0 {
        return Ok(());
    }
    let used = seats_in_use(db, org_id).await?;
    if used + additional > limit {
        let free = limit.saturating_sub(used);
        return Err(AppError::Conflict(format!(
            "Your plan has {limit} CSM seat{} and {used} {} in use, so {free} {} free; this needs {additional}. Free a seat (delete a user or give them a role without the CSM seat) or raise seat_limit.",
            if limit == 1 { "" } else { "s" },
            if used == 1 { "is" } else { "are" },
            if free == 1 { "is" } else { "are" },
        )));
    }
    Ok(())
}

/// Refuses acting on yourself where that would lock you out.
pub fn not_yourself(caller_id: i32, user: &users::Model, what: &str) -> Result<(), AppError> {
    if caller_id == user.id {
        return Err(AppError::Conflict(format!(
            "You cannot {what} yourself. Ask another administrator."
        )));
    }
    Ok(())
}
