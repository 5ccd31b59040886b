//! Inviting people: each address becomes a pending user with a single-use setup link
//! (valid `invitation_days`) sent by email.
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::audit::dto::AuditAction;
use crate::audit::ssr::record::{self as audit, Actor, Changes, Target};
use crate::auth::dto::CurrentUser;
use crate::auth::ssr::context::client;
use crate::crypto::random_token;
use crate::db::entities::{one_time_tokens, roles, users};
use crate::error::AppError;
use crate::mail::ssr::{compose, queue};
use crate::orgs::ssr::service::{setup_link, PURPOSE_INVITATION};
use crate::roles::permission::Permission;
use crate::roles::ssr::repo as roles_repo;
use crate::state::AppState;
use crate::time::{now_ms, DAY_MS};
use crate::users::dto::{split_addresses, InviteOutcome, InviteResult, UserTab};
use crate::users::ssr::guard;
use crate::validation::parse_email;

pub const MAX_ADDRESSES: usize = 200;

/// The role `role_id` of the caller's organisation, if the caller may hand it out: nobody
/// can give a role that grants a permission they do not hold themselves.
pub async fn grantable_role(
    state: &AppState,
    caller: &CurrentUser,
    role_id: i32,
) -> Result<roles::Model, AppError> {
    let role = roles::Entity::find_by_id(role_id)
        .filter(roles::Column::OrgId.eq(caller.org_id))
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::field("role_id", "Choose one of your organisation's roles."))?;
    let granted = roles_repo::permissions_of_role(&state.db, caller.org_id, role.id).await?;
    if let Some(missing) = granted.iter().find(|p| !caller.can(**p)) {
        return Err(AppError::field(
            "role_id",
            format!(
                "You cannot give the {} role: it grants {}, which you do not have.",
                role.name,
                missing.label()
            ),
        ));
    }
    Ok(role)
}

pub async fn invite_users(
    state: &AppState,
    caller: &CurrentUser,
    role_id: Option<i32>,
    emails: &str,
) -> Result<Vec<InviteResult>, AppError> {
    let role_id = role_id.ok_or_else(|| {
        AppError::field(
            "role_id",
            "Choose the role these people get: Steward gives none by default.",
        )
    })?;
    let role = grantable_role(state, caller, role_id).await?;
    let addresses = split_addresses(emails);
    if addresses.is_empty() {
        return Err(AppError::field(
            "emails",
            "Enter at least one email address.",
        ));
    }
    if addresses.len() > MAX_ADDRESSES {
        return Err(AppError::field(
            "emails",
            format!("Invite at most {MAX_ADDRESSES} people at a time."),
        ));
    }
    let takes_seat = roles_repo::permissions_of_role(&state.db, caller.org_id, role.id)
        .await?
        .contains(&Permission::CsmSeat);
    let mut results = Vec::with_capacity(addresses.len());
    for address in addresses {
        let outcome = match parse_email(&address) {
            Err(reason) => InviteOutcome::Invalid(reason),
            Ok(email) => invite_one(state, caller, &role, takes_seat, &email).await?,
        };
        results.push(InviteResult {
            address,
            outcome,
            role: role.name.clone(),
        });
    }
    Ok(results)
}

async fn invite_one(
    state: &AppState,
    caller: &CurrentUser,
    role: &roles::Model,
    takes_seat: bool,
    email: &str,
) -> Result<InviteOutcome, AppError> {
    if let Some(existing) = users::Entity::find()
        .filter(users::Column::OrgId.eq(caller.org_id))
        .filter(users::Column::Email.eq(email))
        .one(&state.db)
        .await?
    {
        return Ok(InviteOutcome::AlreadyUser {
            status: UserTab::from_key(&existing.status),
            user_id: existing.id,
        });
    }
    match guard::seats_available(
        &state.db,
        &state.settings,
        caller.org_id,
        u64::from(takes_seat),
    )
    .await
    {
        Err(AppError::Conflict(reason)) => return Ok(InviteOutcome::Refused(reason)),
        other => other?,
    }
    let now = now_ms();
    let token = random_token();
    // User and link together, so a failure leaves neither behind.
    let txn = crate::db::begin_write(&state.db).await?;
    let user = users::ActiveModel {
        org_id: Set(caller.org_id),
        email: Set(email.to_owned()),
        name: Set(String::new()),
        role_id: Set(role.id),
        status: Set(UserTab::Pending.key().to_owned()),
        invited_by: Set(Some(caller.id)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    one_time_tokens::ActiveModel {
        org_id: Set(Some(caller.org_id)),
        user_id: Set(Some(user.id)),
        purpose: Set(PURPOSE_INVITATION.to_owned()),
        token_hash: Set(crate::crypto::token_hash(&token)),
        created_by: Set(Some(caller.id)),
        created_at: Set(now),
        expires_at: Set(now + state.settings.invitation_days * DAY_MS),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let actor = Actor::user(caller, client(state).address);
    let changes = Changes::new()
        .set("role", &role.name)
        .set("status", "pending");
    audit::record(
        &txn,
        caller.org_id,
        &actor,
        AuditAction::UserInvited,
        &Target::user(&user),
        changes,
    )
    .await?;
    txn.commit().await?;
    let inviter = if caller.name.is_empty() {
        caller.email.clone()
    } else {
        caller.name.clone()
    };
    let mail = compose::invitation(
        email,
        &caller.org_name,
        &inviter,
        &setup_link(&state.settings, &token),
        state.settings.invitation_days,
    );
    queue::enqueue(state, caller.org_id, mail).await?;
    Ok(InviteOutcome::Invited)
}
