//! Single-use links (setup, invitation, password reset): a random token shown once, stored
//! only as its SHA-256. Issuing a new link of a purpose retires the user's earlier ones.
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::crypto::{random_token, token_hash};
use crate::db::entities::one_time_tokens;
use crate::error::AppError;
use crate::time::now_ms;

pub const PURPOSE_PASSWORD_RESET: &str = "password_reset";

/// Why a link stopped working before anyone used it; the Outbox shows it beside the mail
/// that carried the link. A spent link without a reason was used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retired {
    /// A newer link of the same purpose was issued to the same user.
    Replaced,
    /// Revoked, or the user was deleted.
    Revoked,
}

impl Retired {
    /// The `one_time_tokens.retired_reason` value.
    pub fn key(self) -> &'static str {
        match self {
            Retired::Replaced => "replaced",
            Retired::Revoked => "revoked",
        }
    }
}

/// Marks the user's unused links of these purposes as spent, so they stop working, and
/// records why.
pub async fn retire(
    db: &impl ConnectionTrait,
    org_id: i32,
    user_id: i32,
    purposes: &[&str],
    why: Retired,
) -> Result<u64, AppError> {
    let result = one_time_tokens::Entity::update_many()
        .col_expr(one_time_tokens::Column::UsedAt, Expr::value(now_ms()))
        .col_expr(
            one_time_tokens::Column::RetiredReason,
            Expr::value(why.key()),
        )
        .filter(one_time_tokens::Column::OrgId.eq(org_id))
        .filter(one_time_tokens::Column::UserId.eq(user_id))
        .filter(one_time_tokens::Column::Purpose.is_in(purposes.iter().copied()))
        .filter(one_time_tokens::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// A new link for `user_id`; earlier unused links of the same purpose stop working.
pub async fn issue(
    db: &impl ConnectionTrait,
    org_id: i32,
    user_id: i32,
    purpose: &str,
    created_by: Option<i32>,
    valid_ms: i64,
) -> Result<String, AppError> {
    retire(db, org_id, user_id, &[purpose], Retired::Replaced).await?;
    let now = now_ms();
    let token = random_token();
    one_time_tokens::ActiveModel {
        org_id: Set(Some(org_id)),
        user_id: Set(Some(user_id)),
        purpose: Set(purpose.to_owned()),
        token_hash: Set(token_hash(&token)),
        created_by: Set(created_by),
        created_at: Set(now),
        expires_at: Set(now + valid_ms),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// The unused, unexpired link of this purpose, if the token is one.
pub async fn find_usable(
    db: &impl ConnectionTrait,
    token: &str,
    purpose: &str,
) -> Result<Option<one_time_tokens::Model>, AppError> {
    Ok(one_time_tokens::Entity::find()
        .filter(one_time_tokens::Column::TokenHash.eq(token_hash(token)))
        .filter(one_time_tokens::Column::Purpose.eq(purpose))
        .filter(one_time_tokens::Column::UsedAt.is_null())
        .filter(one_time_tokens::Column::ExpiresAt.gt(now_ms()))
        .one(db)
        .await?)
}

/// Spends a link; false when someone else spent it first.
pub async fn spend(db: &impl ConnectionTrait, id: i32) -> Result<bool, AppError> {
    let result = one_time_tokens::Entity::update_many()
        .col_expr(one_time_tokens::Column::UsedAt, Expr::value(now_ms()))
        .filter(one_time_tokens::Column::Id.eq(id))
        .filter(one_time_tokens::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}
