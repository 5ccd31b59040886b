//! The caller's own sessions: list them, end one, end all but this one.
use crate::audit::dto::AuditAction;
use crate::audit::ssr::record::{self as audit, Actor, Changes, Target};
use crate::auth::dto::CurrentUser;
use crate::auth::ssr::context::client;
use crate::auth::ssr::session;
use crate::db::entities::sessions;
use crate::error::AppError;
use crate::profile::dto::MySession;
use crate::profile::ssr::{details::own_row, device};
use crate::state::AppState;
use crate::time::now_ms;
use crate::time_label::TimeLabel;

pub async fn list(
    state: &AppState,
    caller: &CurrentUser,
    current: &sessions::Model,
) -> Result<Vec<MySession>, AppError> {
    let now = now_ms();
    let idle_limit = state.settings.session_idle_minutes * crate::time::MINUTE_MS;
    let rows = session::list_for_user(&state.db, caller.org_id, caller.id).await?;
    Ok(rows
        .into_iter()
        // Expired and idle sessions no longer sign anybody in; the housekeeping job removes them.
        .filter(|s| {
            s.id == current.id || (s.expires_at > now && now - s.last_seen_at <= idle_limit)
        })
        .map(|s| MySession {
            id: s.id,
            device: device::describe(s.user_agent.as_deref()),
            address: s.client_address,
            signed_in: TimeLabel::new(s.created_at, now),
            last_seen: TimeLabel::new(
                if s.id == current.id {
                    now
                } else {
                    s.last_seen_at
                },
                now,
            ),
            current: s.id == current.id,
        })
        .collect())
}

pub async fn end_one(
    state: &AppState,
    caller: &CurrentUser,
    current: &sessions::Model,
    session_id: i32,
) -> Result<(), AppError> {
    if session_id == current.id {
        return Err(AppError::Conflict(
            "That is the session you are using now: use Sign out in the menu to end it.".to_owned(),
        ));
    }
    // Another user's session (of this organisation or another) is simply not found.
    if !session::delete_one_for_user(&state.db, caller.org_id, caller.id, session_id).await? {
        return Err(AppError::NotFound);
    }
    record(state, caller, 1).await
}

pub async fn end_others(
    state: &AppState,
    caller: &CurrentUser,
    current: &sessions::Model,
) -> Result<u64, AppError> {
    let ended =
        session::delete_others_for_user(&state.db, caller.org_id, caller.id, current.id).await?;
    if ended > 0 {
        record(state, caller, ended).await?;
    }
    Ok(ended)
}

async fn record(state: &AppState, caller: &CurrentUser, ended: u64) -> Result<(), AppError> {
    let user = own_row(state, caller).await?;
    audit::record(
        &state.db,
        caller.org_id,
        &Actor::user(caller, client(state).address),
        AuditAction::SessionsEnded,
        &Target::user(&user),
        Changes::new().set("sessions_ended", ended),
    )
    .await
}
