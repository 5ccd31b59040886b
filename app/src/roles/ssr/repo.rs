//! Queries on roles and their permissions, always within one organisation.
use std::collections::HashMap;

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

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

/// Every role of the organisation with its permissions and how many users hold it: three
/// queries whatever the number of roles.
pub async fn list_roles(db: &impl ConnectionTrait, org_id: i32) -> Result<Vec<RoleSummary>, AppError> {
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
            user_count: holders.iter().find(|(id, _)| *id == role.id).map(|(_, n)| *n as u64).unwrap_or(0),
            id: role.id,
            permissions,
            name: role.name,
            landing: LandingPage::from_key(&role.landing_page),
        })
        .collect())
}
