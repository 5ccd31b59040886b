//! Server-side sessions. The cookie holds 256 random bits; the database holds only their
//! SHA-256. Every sign-in step issues a new token, so a token seen before sign-in (or
//! before the second factor) is worthless afterwards.
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, Set,
};

use crate::config::Settings;
use crate::crypto::{random_token, token_hash};
use crate::db::entities::{sessions, users};
use crate::error::AppError;
use crate::time::{HOUR_MS, MINUTE_MS};

pub const COOKIE_NAME: &str = "steward_session";
/// How long the password step stays valid while the user fetches their second factor.
pub const SECOND_FACTOR_STEP_MS: i64 = 10 * MINUTE_MS;
/// `last_seen_at` is written at most this often, to keep reads from turning into writes.
const TOUCH_EVERY_MS: i64 = MINUTE_MS;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Password accepted; waiting for the TOTP or recovery code.
    SecondFactor,
    Complete,
}

impl Stage {
    fn key(self) -> &'static str {
        match self {
            Stage::SecondFactor => "second_factor",
            Stage::Complete => "complete",
        }
    }
}

/// Who is asking, as far as the request tells.
#[derive(Clone, Debug, Default)]
pub struct Client {
    pub address: Option<String>,
    pub user_agent: Option<String>,
}

/// Creates a session and returns its cookie token.
pub async fn create(
    db: &impl ConnectionTrait,
    settings: &Settings,
    user: &users::Model,
    stage: Stage,
    client: &Client,
    now: i64,
) -> Result<String, AppError> {
    let token = random_token();
    let expires_at = match stage {
        Stage::SecondFactor => now + SECOND_FACTOR_STEP_MS,
        Stage::Complete => now + settings.session_absolute_hours * HOUR_MS,
    };
    sessions::ActiveModel {
        org_id: Set(user.org_id),
        user_id: Set(user.id),
        token_hash: Set(token_hash(&token)),
        stage: Set(stage.key().to_owned()),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(expires_at),
        client_address: Set(client.address.clone()),
        user_agent: Set(client
            .user_agent
            .as_ref()
            .map(|ua| ua.chars().take(300).collect())),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// The live session for `token` at `stage`, or None when unknown, expired or idle too long.
/// Refreshes the idle clock.
pub async fn find_live(
    db: &impl ConnectionTrait,
    settings: &Settings,
    token: &str,
    stage: Stage,
    now: i64,
) -> Result<Option<sessions::Model>, AppError> {
    let Some(session) = sessions::Entity::find()
        .filter(sessions::Column::TokenHash.eq(token_hash(token)))
        .filter(sessions::Column::Stage.eq(stage.key()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let idle_limit = settings.session_idle_minutes * MINUTE_MS;
    if session.expires_at <= now
        || (stage == Stage::Complete && now - session.last_seen_at > idle_limit)
    {
        sessions::Entity::delete_by_id(session.id).exec(db).await?;
        return Ok(None);
    }
    if now - session.last_seen_at > TOUCH_EVERY_MS {
        let mut active: sessions::ActiveModel = session.clone().into();
        active.last_seen_at = Set(now);
        active.update(db).await?;
    }
    Ok(Some(session))
}

pub async fn delete_by_token(db: &impl ConnectionTrait, token: &str) -> Result<(), AppError> {
    sessions::Entity::delete_many()
        .filter(sessions::Column::TokenHash.eq(token_hash(token)))
        .exec(db)
        .await?;
    Ok(())
}

/// Ends every session of one user (after a password change or deactivation).
pub async fn delete_all_for_user(
    db: &impl ConnectionTrait,
    org_id: i32,
    user_id: i32,
) -> Result<u64, AppError> {
    let result = sessions::Entity::delete_many()
        .filter(sessions::Column::OrgId.eq(org_id))
        .filter(sessions::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// The signed-in sessions of one user, newest first (the password step's half-finished
/// sessions are not listed).
pub async fn list_for_user(
    db: &impl ConnectionTrait,
    org_id: i32,
    user_id: i32,
) -> Result<Vec<sessions::Model>, AppError> {
    Ok(sessions::Entity::find()
        .filter(sessions::Column::OrgId.eq(org_id))
        .filter(sessions::Column::UserId.eq(user_id))
        .filter(sessions::Column::Stage.eq(Stage::Complete.key()))
        .order_by_desc(sessions::Column::LastSeenAt)
        .order_by_desc(sessions::Column::Id)
        .all(db)
        .await?)
}

/// Ends one session of one user; false when it is not theirs (or already gone).
pub async fn delete_one_for_user(
    db: &impl ConnectionTrait,
    org_id: i32,
    user_id: i32,
    session_id: i32,
) -> Result<bool, AppError> {
    let result = sessions::Entity::delete_many()
        .filter(sessions::Column::Id.eq(session_id))
        .filter(sessions::Column::OrgId.eq(org_id))
        .filter(sessions::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Ends every session of one user but `keep` (the one making the request).
pub async fn delete_others_for_user(
    db: &impl ConnectionTrait,
    org_id: i32,
    user_id: i32,
    keep: i32,
) -> Result<u64, AppError> {
    let result = sessions::Entity::delete_many()
        .filter(sessions::Column::OrgId.eq(org_id))
        .filter(sessions::Column::UserId.eq(user_id))
        .filter(sessions::Column::Id.ne(keep))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Removes expired and idle sessions; run by the background job.
pub async fn delete_expired(
    db: &impl ConnectionTrait,
    settings: &Settings,
    now: i64,
) -> Result<u64, AppError> {
    let idle_cutoff = now - settings.session_idle_minutes * MINUTE_MS;
    let result = sessions::Entity::delete_many()
        .filter(
            Condition::any()
                .add(sessions::Column::ExpiresAt.lte(now))
                .add(sessions::Column::LastSeenAt.lt(idle_cutoff)),
        )
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// The `Set-Cookie` value that installs `token`.
pub fn cookie(settings: &Settings, token: &str, stage: Stage) -> String {
    let max_age = match stage {
        Stage::SecondFactor => SECOND_FACTOR_STEP_MS / 1000,
        Stage::Complete => settings.session_absolute_hours * 3600,
    };
    build_cookie(settings, token, max_age)
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clearing_cookie(settings: &Settings) -> String {
    build_cookie(settings, "", 0)
}

fn build_cookie(settings: &Settings, value: &str, max_age_secs: i64) -> String {
    cookie::Cookie::build((COOKIE_NAME, value.to_owned()))
        .path("/")
        .http_only(true)
        .same_site(cookie::SameSite::Lax)
        .secure(settings.uses_https())
        .max_age(cookie::time::Duration::seconds(max_age_secs))
        .build()
        .to_string()
}

/// The session token from a request's `Cookie` headers, if any.
pub fn token_from_headers(headers: &http::HeaderMap) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(token_from_cookie_header)
}

/// The session token from a `Cookie` request header, if any.
pub fn token_from_cookie_header(header: &str) -> Option<String> {
    cookie::Cookie::split_parse(header)
        .filter_map(Result::ok)
        .find(|c| c.name() == COOKIE_NAME && !c.value().is_empty())
        .map(|c| c.value().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_token_is_read_from_among_other_cookies() {
        assert_eq!(
            token_from_cookie_header("a=1; steward_session=abc; b=2").as_deref(),
            Some("abc")
        );
        assert_eq!(token_from_cookie_header("steward_session="), None);
        assert_eq!(token_from_cookie_header("other=1"), None);
    }
}
