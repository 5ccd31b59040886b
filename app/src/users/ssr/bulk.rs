//! Bulk actions: the same per-user action over each selected user, each in its own
//! transaction, so one refusal does not undo the others. The answer counts successes and
//! lists every failure with its reason.
use crate::auth::dto::CurrentUser;
use crate::error::AppError;
use crate::state::AppState;
use crate::users::dto::{BulkAction, BulkFailure, BulkOutcome, UserEdit, MAX_BULK_USERS};
use crate::users::ssr::manage;

pub async fn apply(
    state: &AppState,
    caller: &CurrentUser,
    action: BulkAction,
    role_id: Option<i32>,
    user_ids: &[i32],
) -> Result<BulkOutcome, AppError> {
    if user_ids.is_empty() {
        return Err(AppError::invalid("Select at least one user."));
    }
    if user_ids.len() > MAX_BULK_USERS {
        return Err(AppError::invalid(format!(
            "Select at most {MAX_BULK_USERS} users at a time."
        )));
    }
    if action == BulkAction::ChangeRole && role_id.is_none() {
        return Err(AppError::field("role_id", "Choose the role to give."));
    }
    let mut outcome = BulkOutcome::default();
    let mut seen = Vec::with_capacity(user_ids.len());
    for &user_id in user_ids {
        if seen.contains(&user_id) {
            continue;
        }
        seen.push(user_id);
        match apply_one(state, caller, action, role_id, user_id).await {
            Ok(()) => outcome.succeeded += 1,
            Err(error) => {
                let user = manage::load(state, caller, user_id)
                    .await
                    .map(|u| u.email)
                    .unwrap_or_else(|_| format!("user {user_id}"));
                let reason = match &error {
                    AppError::Validation(fields) => fields
                        .iter()
                        .map(|f| f.message.clone())
                        .collect::<Vec<_>>()
                        .join(" "),
                    other => other.to_string(),
                };
                outcome.failures.push(BulkFailure {
                    user_id,
                    user,
                    reason,
                });
            }
        }
    }
    Ok(outcome)
}

async fn apply_one(
    state: &AppState,
    caller: &CurrentUser,
    action: BulkAction,
    role_id: Option<i32>,
    user_id: i32,
) -> Result<(), AppError> {
    match action {
        BulkAction::ChangeRole => {
            let user = manage::load(state, caller, user_id).await?;
            let edit = UserEdit {
                name: user.name,
                email: user.email,
                role_id: role_id.unwrap_or(user.role_id),
                title: user.title.unwrap_or_default(),
                phone: user.phone.unwrap_or_default(),
            };
            manage::update(state, caller, user_id, edit).await
        }
        BulkAction::Delete => manage::deactivate(state, caller, user_id).await,
        BulkAction::Reactivate => manage::reactivate(state, caller, user_id).await.map(|_| ()),
        BulkAction::ResendInvitation => manage::renew_invitation(state, caller, user_id, true)
            .await
            .map(|_| ()),
    }
}
