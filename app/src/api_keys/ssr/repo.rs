//! Queries on API keys. Every query a signed-in user can reach takes their organisation id;
//! `find_by_hash` serves the APIs, where the key itself says which organisation it is.
use std::collections::HashMap;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, Set,
};

use crate::api_keys::dto::ApiKeyKind;
use crate::db::entities::{api_keys, organisations, users};
use crate::error::AppError;

/// A key row to insert: everything but the id.
pub struct NewRow<'a> {
    pub org_id: i32,
    pub kind: ApiKeyKind,
    pub name: &'a str,
    pub key_prefix: &'a str,
    pub last_four: &'a str,
    pub secret_hash: String,
    pub auth_key_hash: Option<String>,
    pub created_by: Option<i32>,
    pub now: i64,
}

pub async fn insert_key(
    db: &impl ConnectionTrait,
    row: NewRow<'_>,
) -> Result<api_keys::Model, AppError> {
    Ok(api_keys::ActiveModel {
        org_id: Set(row.org_id),
        kind: Set(row.kind.key().to_owned()),
        name: Set(row.name.to_owned()),
        key_prefix: Set(row.key_prefix.to_owned()),
        last_four: Set(row.last_four.to_owned()),
        secret_hash: Set(row.secret_hash),
        auth_key_hash: Set(row.auth_key_hash),
        created_by: Set(row.created_by),
        created_at: Set(row.now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// The organisation's keys, newest first, with the names of the users who created them.
pub async fn list_keys(
    db: &impl ConnectionTrait,
    org_id: i32,
) -> Result<(Vec<api_keys::Model>, HashMap<i32, String>), AppError> {
    let keys = api_keys::Entity::find()
        .filter(api_keys::Column::OrgId.eq(org_id))
        .order_by_desc(api_keys::Column::CreatedAt)
        .order_by_desc(api_keys::Column::Id)
        .all(db)
        .await?;
    let creator_ids: Vec<i32> = keys.iter().filter_map(|k| k.created_by).collect();
    let creators = if creator_ids.is_empty() {
        HashMap::new()
    } else {
        users::Entity::find()
            .filter(users::Column::OrgId.eq(org_id))
            .filter(users::Column::Id.is_in(creator_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, if u.name.is_empty() { u.email } else { u.name }))
            .collect()
    };
    Ok((keys, creators))
}

/// One key of the organisation.
pub async fn find_key(
    db: &impl ConnectionTrait,
    org_id: i32,
    key_id: i32,
) -> Result<Option<api_keys::Model>, AppError> {
    Ok(api_keys::Entity::find()
        .filter(api_keys::Column::OrgId.eq(org_id))
        .filter(api_keys::Column::Id.eq(key_id))
        .one(db)
        .await?)
}

/// The key of `kind` whose (api) key hashes to `secret_hash`, in whichever organisation.
pub async fn find_by_hash(
    db: &impl ConnectionTrait,
    kind: ApiKeyKind,
    secret_hash: &str,
) -> Result<Option<api_keys::Model>, AppError> {
    Ok(api_keys::Entity::find()
        .filter(api_keys::Column::SecretHash.eq(secret_hash))
        .filter(api_keys::Column::Kind.eq(kind.key()))
        .one(db)
        .await?)
}

/// The event key whose auth key hashes to `auth_hash`, in whichever organisation.
pub async fn find_event_key_by_auth_hash(
    db: &impl ConnectionTrait,
    auth_hash: &str,
) -> Result<Option<api_keys::Model>, AppError> {
    Ok(api_keys::Entity::find()
        .filter(api_keys::Column::AuthKeyHash.eq(auth_hash))
        .filter(api_keys::Column::Kind.eq(ApiKeyKind::Event.key()))
        .one(db)
        .await?)
}

/// Marks a key revoked now.
pub async fn revoke(
    db: &impl ConnectionTrait,
    key: api_keys::Model,
    now: i64,
) -> Result<api_keys::Model, AppError> {
    let mut active: api_keys::ActiveModel = key.into();
    active.revoked_at = Set(Some(now));
    Ok(active.update(db).await?)
}

/// Records a key's replacement and when (if at all) it stops working.
pub async fn replace(
    db: &impl ConnectionTrait,
    key: api_keys::Model,
    replaced_by: i32,
    expires_at: Option<i64>,
    revoked_at: Option<i64>,
) -> Result<api_keys::Model, AppError> {
    let mut active: api_keys::ActiveModel = key.into();
    active.replaced_by = Set(Some(replaced_by));
    if expires_at.is_some() {
        active.expires_at = Set(expires_at);
    }
    if revoked_at.is_some() {
        active.revoked_at = Set(revoked_at);
    }
    Ok(active.update(db).await?)
}

/// Sets `last_used_at` unless it was set less than `interval_ms` ago; one conditional
/// UPDATE, so concurrent requests write at most once per interval.
pub async fn touch(
    db: &impl ConnectionTrait,
    key_id: i32,
    now: i64,
    interval_ms: i64,
) -> Result<(), AppError> {
    api_keys::Entity::update_many()
        .col_expr(api_keys::Column::LastUsedAt, Expr::value(now))
        .filter(api_keys::Column::Id.eq(key_id))
        .filter(
            Condition::any()
                .add(api_keys::Column::LastUsedAt.is_null())
                .add(api_keys::Column::LastUsedAt.lte(now - interval_ms)),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Organisations whose id is `ident` (when it is a number) or whose name is `ident`.
pub async fn organisations_named(
    db: &impl ConnectionTrait,
    ident: &str,
) -> Result<Vec<organisations::Model>, AppError> {
    if let Ok(id) = ident.parse::<i32>() {
        if let Some(org) = organisations::Entity::find_by_id(id).one(db).await? {
            return Ok(vec![org]);
        }
    }
    Ok(organisations::Entity::find()
        .filter(organisations::Column::Name.eq(ident))
        .all(db)
        .await?)
}
