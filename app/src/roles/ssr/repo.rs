//! Queries on roles and their permissions, always within one organisation.
use std::collections::HashMap;

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use crate::db::entities::{role_permissions, roles, users};
use crate::error::AppError;
use crate::roles::dto::RoleSummary;
use crate::roles::permission::{LandingPage, Permission, DEFAULT_ROLES};

/// Creates the five default roles for a new organisation; returns name → id.
pub async fn seed_default_roles(
    db: &impl ConnectionTrait,
    org_id: i32,
    now: i64,
) -> Result<HashMap<String, i32>, AppError> {
    let mut ids = HashMap::new();
    for (name, landing, permissions) in DEFAULT_ROLES {
        let role = insert_role(db, org_id, name, landing, permissions, now).await?;
        ids.insert(name.to_owned(), role.id);
    }
    Ok(ids)
}

/// A new role with its permissions.
pub async fn insert_role(
    db: &impl ConnectionTrait,
    org_id: i32,
    name: &str,
    landing: LandingPage,
    permissions: &[Permission],
    now: i64,
) -> Result<roles::Model, AppError> {
    let role = roles::ActiveModel {
        org_id: Set(org_id),
        name: Set(name.to_owned()),
        landing_page: Set(landing.key().to_owned()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    insert_permissions(db, org_id, role.id, permissions).await?;
    Ok(role)
}

async fn insert_permissions(
    db: &impl ConnectionTrait,
    org_id: i32,
    role_id: i32,
    permissions: &[Permission],
) -> Result<(), AppError> {
    for permission in permissions {
        role_permissions::ActiveModel {
            org_id: Set(org_id),
            role_id: Set(role_id),
            permission_key: Set(permission.key().to_owned()),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// Renames a role, changes its landing page and replaces its permissions.
pub async fn update_role(
    db: &impl ConnectionTrait,
    role: roles::Model,
    name: &str,
    landing: LandingPage,
    permissions: &[Permission],
) -> Result<roles::Model, AppError> {
    let (org_id, role_id) = (role.org_id, role.id);
    let mut active: roles::ActiveModel = role.into();
    active.name = Set(name.to_owned());
    active.landing_page = Set(landing.key().to_owned());
    let role = active.update(db).await?;
    delete_permissions(db, org_id, role_id).await?;
    insert_permissions(db, org_id, role_id, permissions).await?;
    Ok(role)
}

async fn delete_permissions(
    db: &impl ConnectionTrait,
    org_id: i32,
    role_id: i32,
) -> Result<(), AppError> {
    role_permissions::Entity::delete_many()
        .filter(role_permissions::Column::OrgId.eq(org_id))
        .filter(role_permissions::Column::RoleId.eq(role_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes a role and its permissions (callers check first that nobody holds it).
pub async fn delete_role(
    db: &impl ConnectionTrait,
    org_id: i32,
    role_id: i32,
) -> Result<(), AppError> {
    delete_permissions(db, org_id, role_id).await?;
    roles::Entity::delete_many()
        .filter(roles::Column::OrgId.eq(org_id))
        .filter(roles::Column::Id.eq(role_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The role `role_id` if it belongs to the organisation.
pub async fn find_role(
    db: &impl ConnectionTrait,
    org_id: i32,
    role_id: i32,
) -> Result<Option<roles::Model>, AppError> {
    Ok(roles::Entity::find_by_id(role_id)
        .filter(roles::Column::OrgId.eq(org_id))
        .one(db)
        .await?)
}

/// The organisation's roles as (id, name).
pub async fn role_names(
    db: &impl ConnectionTrait,
    org_id: i32,
) -> Result<Vec<(i32, String)>, AppError> {
    Ok(roles::Entity::find()
        .select_only()
        .column(roles::Column::Id)
        .column(roles::Column::Name)
        .filter(roles::Column::OrgId.eq(org_id))
        .into_tuple()
        .all(db)
        .await?)
}

/// Users holding the role, whatever their status: the first `shown` emails (alphabetical)
/// and how many there are in all.
pub async fn holders(
    db: &impl ConnectionTrait,
    org_id: i32,
    role_id: i32,
    shown: u64,
) -> Result<(Vec<String>, u64), AppError> {
    let select = users::Entity::find()
        .filter(users::Column::OrgId.eq(org_id))
        .filter(users::Column::RoleId.eq(role_id));
    let total = select.clone().count(db).await?;
    let emails = select
        .select_only()
        .column(users::Column::Email)
        .order_by_asc(users::Column::Email)
        .limit(shown)
        .into_tuple()
        .all(db)
        .await?;
    Ok((emails, total))
}

/// Active and pending users holding the role (the ones that take a seat).
pub async fn seated_holders(
    db: &impl ConnectionTrait,
    org_id: i32,
    role_id: i32,
) -> Result<u64, AppError> {
    Ok(users::Entity::find()
        .filter(users::Column::OrgId.eq(org_id))
        .filter(users::Column::RoleId.eq(role_id))
        .filter(users::Column::Status.ne("inactive"))
        .count(db)
        .await?)
}

pub async fn permissions_of_role(
    db: &impl ConnectionTrait,
    org_id: i32,
    role_id: i32,
) -> Result<Vec<Permission>, AppError> {
    let rows = role_permissions::Entity::find()
        .filter(role_permissions::Column::OrgId.eq(org_id))
        .filter(role_permissions::Column::RoleId.eq(role_id))
        .all(db)
        .await?;
    let mut permissions: Vec<Permission> = rows
        .iter()
        .filter_map(|r| Permission::from_key(&r.permission_key))
        .collect();
    permissions.sort();
    Ok(permissions)
}

/// The organisation's roles with their permissions, in two queries (no user counts).
pub async fn roles_with_permissions(
    db: &impl ConnectionTrait,
    org_id: i32,
) -> Result<Vec<(roles::Model, Vec<Permission>)>, AppError> {
    let roles = roles::Entity::find()
        .filter(roles::Column::OrgId.eq(org_id))
        .order_by_asc(roles::Column::Id)
        .all(db)
        .await?;
    let grants = role_permissions::Entity::find()
        .filter(role_permissions::Column::OrgId.eq(org_id))
        .all(db)
        .await?;
    Ok(roles
        .into_iter()
        .map(|role| {
            let mut permissions: Vec<Permission> = grants
                .iter()
                .filter(|g| g.role_id == role.id)
                .filter_map(|g| Permission::from_key(&g.permission_key))
                .collect();
            permissions.sort();
            (role, permissions)
        })
        .collect())
}

/// The organisation's active users whose role grants `permission` (who to tell when
/// something they look after needs attention).
pub async fn active_users_with(
    db: &impl ConnectionTrait,
    org_id: i32,
    permission: Permission,
) -> Result<Vec<users::Model>, AppError> {
    let role_ids: Vec<i32> = roles_with_permissions(db, org_id)
        .await?
        .into_iter()
        .filter(|(_, permissions)| permissions.contains(&permission))
        .map(|(role, _)| role.id)
        .collect();
    Ok(users::Entity::find()
        .filter(users::Column::OrgId.eq(org_id))
        .filter(users::Column::Status.eq("active"))
        .filter(users::Column::RoleId.is_in(role_ids))
        .all(db)
        .await?)
}

/// Every role of the organisation with its permissions and how many users hold it: three
/// queries whatever the number of roles.
pub async fn list_roles(
    db: &impl ConnectionTrait,
    org_id: i32,
) -> Result<Vec<RoleSummary>, AppError> {
    let holders: Vec<(i32, i64)> = users::Entity::find()
        .select_only()
        .column(users::Column::RoleId)
        .column_as(Expr::col(users::Column::Id).count(), "holders")
        .filter(users::Column::OrgId.eq(org_id))
        .filter(users::Column::Status.ne("inactive"))
        .group_by(users::Column::RoleId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(roles_with_permissions(db, org_id)
        .await?
        .into_iter()
        .map(|(role, permissions)| RoleSummary {
            user_count: holders
                .iter()
                .find(|(id, _)| *id == role.id)
                .map(|(_, n)| *n as u64)
                .unwrap_or(0),
            id: role.id,
            permissions,
            name: role.name,
            landing: LandingPage::from_key(&role.landing_page),
        })
        .collect())
}
