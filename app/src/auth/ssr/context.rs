//! What server functions learn from the request: the client, the session cookie, and the
//! signed-in user. `require_user` is the first line of every protected server function.
use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use http::header::{SET_COOKIE, USER_AGENT};
use http::request::Parts;
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::session::{self, Client, Stage};
use crate::auth::dto::CurrentUser;
use crate::db::entities::{organisations, roles, sessions, users};
use crate::error::AppError;
use crate::roles::permission::{LandingPage, Permission};
use crate::roles::ssr::repo as roles_repo;
use crate::state::{app_state, AppState};
use crate::time::now_ms;

fn parts() -> Option<Parts> {
    use_context::<Parts>()
}

/// The client address (from the socket, or X-Forwarded-For when configured) and user agent.
pub fn client(state: &AppState) -> Client {
    let Some(parts) = parts() else {
        return Client::default();
    };
    let forwarded = state
        .settings
        .trust_forwarded_for
        .then(|| {
            parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
        })
        .flatten()
        .and_then(|v| v.split(',').next())
        .map(|v| v.trim().to_owned());
    let socket = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    Client {
        address: forwarded.or(socket),
        user_agent: parts
            .headers
            .get(USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    }
}

/// The session token sent with this request, if any.
pub fn session_token() -> Option<String> {
    session::token_from_headers(&parts()?.headers)
}

/// Answers this page request with `303 See Other` to `location` (a real redirect, for
/// browsers with and without JavaScript alike).
pub fn see_other(location: &str) {
    if let (Some(options), Ok(value)) = (
        use_context::<ResponseOptions>(),
        http::HeaderValue::from_str(location),
    ) {
        options.set_status(http::StatusCode::SEE_OTHER);
        options.insert_header(http::header::LOCATION, value);
    }
}

/// The path and query of the page being rendered.
pub fn requested_path() -> Option<String> {
    parts()?
        .uri
        .path_and_query()
        .map(|pq| pq.as_str().to_owned())
}

pub fn set_cookie(value: String) {
    if let (Some(options), Ok(value)) = (
        use_context::<ResponseOptions>(),
        http::HeaderValue::from_str(&value),
    ) {
        options.append_header(SET_COOKIE, value);
    }
}

/// Loads the signed-in user for a complete session token.
pub async fn user_for_token(
    state: &AppState,
    token: &str,
) -> Result<Option<CurrentUser>, AppError> {
    let now = now_ms();
    let Some(session) =
        session::find_live(&state.db, &state.settings, token, Stage::Complete, now).await?
    else {
        return Ok(None);
    };
    let user = users::Entity::find_by_id(session.user_id)
        .filter(users::Column::OrgId.eq(session.org_id))
        .filter(users::Column::Status.eq("active"))
        .one(&state.db)
        .await?;
    match user {
        Some(user) => Ok(Some(load_current_user(&state.db, user).await?)),
        None => Ok(None),
    }
}

/// Builds the wire view of a user: organisation, role, permissions, landing page.
pub async fn load_current_user(
    db: &impl ConnectionTrait,
    user: users::Model,
) -> Result<CurrentUser, AppError> {
    let org = organisations::Entity::find_by_id(user.org_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal("current user", "organisation row missing"))?;
    let role = roles::Entity::find_by_id(user.role_id)
        .filter(roles::Column::OrgId.eq(user.org_id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal("current user", "role row missing"))?;
    let permissions = roles_repo::permissions_of_role(db, user.org_id, role.id).await?;
    Ok(CurrentUser {
        id: user.id,
        org_id: org.id,
        org_name: org.name,
        name: user.name,
        email: user.email,
        title: user.title,
        role_name: role.name,
        landing: LandingPage::from_key(&role.landing_page),
        permissions,
        two_factor_enabled: user.totp_secret.is_some(),
    })
}

/// The signed-in user, or `Unauthenticated`.
pub async fn require_user() -> Result<(AppState, CurrentUser), AppError> {
    let state = app_state()?;
    let token = session_token().ok_or(AppError::Unauthenticated)?;
    let user = user_for_token(&state, &token)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    Ok((state, user))
}

/// The signed-in user and the session this request belongs to, or `Unauthenticated`.
pub async fn require_session() -> Result<(AppState, CurrentUser, sessions::Model), AppError> {
    let state = app_state()?;
    let token = session_token().ok_or(AppError::Unauthenticated)?;
    let current = session::find_live(
        &state.db,
        &state.settings,
        &token,
        Stage::Complete,
        now_ms(),
    )
    .await?
    .ok_or(AppError::Unauthenticated)?;
    let user = user_for_token(&state, &token)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    Ok((state, user, current))
}

/// The signed-in user holding `permission`, or `Forbidden`.
pub async fn require_permission(
    permission: Permission,
) -> Result<(AppState, CurrentUser), AppError> {
    let (state, user) = require_user().await?;
    if !user.can(permission) {
        return Err(AppError::Forbidden);
    }
    Ok((state, user))
}
