//! Queries on roles and their permissions, always within one organisation.
use std::collections::HashMap;

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};

use crate::db::entities::{role_permissions, roles, users};
use crate::error::AppError;
use crate::roles::dto::RoleSummary;
use crate::roles::permission::{LandingPage, Permission, DEFAULT_ROLES};

/// Creates the five default roles for a new organisation; returns name → id.
pub async fn seed_default_roles(db: &impl ConnectionTrait, org_id: i32, now: i64) -> Result<HashMap<String, i32>, AppError> {
    let mut ids = HashMap::new();
    for (name, landing, permissions) in DEFAULT_ROLES {
        let role = roles::ActiveModel {
            org_id: Set(org_id),
            name: Set(name.to_owned()),
            landing_page: Set(landing.key().to_owned()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
        for permission in permissions {
            role_permissions::ActiveModel {
                org_id: Set(org_id),
                role_id: Set(role.id),
                permission_key: Set(permission.key().to_owned()),
            }
            .insert(db)
            .await?;
        }
        ids.insert(name.to_owned(), role.id);
    }
    Ok(ids)
}

pub async fn permissions_of_role(db: &impl ConnectionTrait, org_id: i32, role_id: i32) -> Result<Vec<Permission>, AppError> {
    let rows = role_permissions::Entity::find()
        .filter(role_permissions::Column::OrgId.eq(org_id))
        .filter(role_permissions::Column::RoleId.eq(role_id))
        .all(db)
        .await?;
    let mut permissions: Vec<Permission> = rows.iter().filter_map(|r| Permission::from_key(&r.permission_key)).collect();
    permissions.sort();
    Ok(permissions)
}

/// The organisation's roles with their permissions, in two queries (no user counts).
pub async fn roles_with_permissions(
    db: &impl ConnectionTrait,
    org_id: i32,
) -> Result<Vec<(roles::Model, Vec<Permission>)>, AppError> {
    let roles = roles::Entity::find().filter(roles::Column::OrgId.eq(org_id)).order_by_asc(roles::Column::Id).all(db).await?;
    let grants = role_permissions::Entity::find().filter(role_permissions::Column::OrgId.eq(org_id)).all(db).await?;
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

/// Every role of the organisation with its permissions and how many users hold it.
pub async fn list_roles(db: &impl ConnectionTrait, org_id: i32) -> Result<Vec<RoleSummary>, AppError> {
    let roles = roles::Entity::find().filter(roles::Column::OrgId.eq(org_id)).order_by_asc(roles::Column::Id).all(db).await?;
    let mut out = Vec::with_capacity(roles.len());
    for role in roles {
        let user_count = users::Entity::find()
            .filter(users::Column::OrgId.eq(org_id))
            .filter(users::Column::RoleId.eq(role.id))
            .filter(users::Column::Status.ne("inactive"))
            .count(db)
            .await?;
        out.push(RoleSummary {
            id: role.id,
            permissions: permissions_of_role(db, org_id, role.id).await?,
            name: role.name,
            landing: LandingPage::from_key(&role.landing_page),
            user_count,
        });
    }
    Ok(out)
}
