//! Signing in and out: the password step, the second-factor step, sign-out.
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use secrecy::SecretString;

use super::session::{self, Client, Stage};
use super::throttle;
use crate::audit::dto::AuditAction;
use crate::audit::ssr::record::{self as audit, Actor, Changes, Target};
use crate::db::entities::{roles, users};
use crate::error::AppError;
use crate::roles::permission::LandingPage;
use crate::state::AppState;
use crate::time::now_ms;
use crate::two_factor::ssr::service as two_factor;

/// What the password step leads to.
#[derive(Debug)]
pub enum SignInOutcome {
    /// Signed in: the cookie token and where to go.
    SignedIn { token: String, landing: LandingPage },
    /// The password was right; the second factor is next.
    NeedsSecondFactor { token: String },
}

const WRONG_CREDENTIALS: &str = "That email and password do not match an active account.";

pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The password step. Unknown emails, pending or inactive users and wrong passwords all get
/// the same answer after the same amount of hashing work.
pub async fn sign_in(
    state: &AppState,
    email: &str,
    password: String,
    client: &Client,
) -> Result<SignInOutcome, AppError> {
    let email = normalise_email(email);
    if email.is_empty() || password.is_empty() {
        return Err(AppError::invalid("Enter your email and password."));
    }
    // Checked before the email becomes a throttle key or reaches a query.
    if email.len() > crate::limits::MAX_EMAIL_BYTES {
        return Err(AppError::invalid(format!(
            "That email address is too long: at most {} characters.",
            crate::limits::MAX_EMAIL_BYTES
        )));
    }
    if email.contains('\0') {
        return Err(AppError::invalid(crate::limits::nul_message(
            "The email address",
        )));
    }
    let address = client.address.clone().unwrap_or_else(|| "unknown".into());
    let now = now_ms();
    // Counted before the hash, released below when the password is right.
    let limits = [
        throttle::Limit::new(
            throttle::account_from_address_key(&email, &address),
            throttle::ACCOUNT_FROM_ADDRESS,
        ),
        throttle::Limit::new(throttle::account_key(&email), throttle::ACCOUNT),
        throttle::Limit::new(throttle::address_key(&address), throttle::ADDRESS),
    ];
    throttle::reserve(&state.db, &limits, now).await?;

    // The same email may be a user in several organisations; the most recently used wins.
    let candidate = users::Entity::find()
        .filter(users::Column::Email.eq(email.as_str()))
        .filter(users::Column::Status.eq("active"))
        .order_by_desc(users::Column::LastSignInAt)
        .one(&state.db)
        .await?;
    let stored = candidate.as_ref().and_then(|u| u.password_hash.clone());
    let matched = state
        .hasher
        .verify(SecretString::from(password), stored)
        .await?;

    let Some(user) = candidate.clone().filter(|_| matched) else {
        // Recorded in the organisation of the user the email belongs to; an email that is
        // nobody's only reaches the server log.
        if let Some(known) = &candidate {
            let actor = Actor::anonymous(&email, client.address.clone());
            let changes = Changes::new().set("reason", "wrong password");
            audit::record(
                &state.db,
                known.org_id,
                &actor,
                AuditAction::SignInFailed,
                &Target::user(known),
                changes,
            )
            .await?;
        }
        tracing::info!(client = %address, "sign-in refused");
        return Err(AppError::invalid(WRONG_CREDENTIALS));
    };
    // This client's failures at this account start over; the other two counters only
    // give back this attempt.
    throttle::clear(&state.db, &limits[0].key).await?;
    throttle::release(&state.db, &limits[1]).await?;
    throttle::release(&state.db, &limits[2]).await?;

    if user.totp_secret.is_some() {
        let token = session::create(
            &state.db,
            &state.settings,
            &user,
            Stage::SecondFactor,
            client,
            now,
        )
        .await?;
        return Ok(SignInOutcome::NeedsSecondFactor { token });
    }
    complete(state, user, client).await
}

/// The second-factor step: a TOTP code or a recovery code, on the session the password step
/// created. Success replaces that session with a complete one under a new token.
pub async fn verify_second_factor(
    state: &AppState,
    pending_token: Option<String>,
    code: &str,
    client: &Client,
) -> Result<SignInOutcome, AppError> {
    let now = now_ms();
    let expired =
        || AppError::invalid("Your sign-in has expired. Enter your email and password again.");
    let pending_token = pending_token.ok_or_else(expired)?;
    let pending = session::find_live(
        &state.db,
        &state.settings,
        &pending_token,
        Stage::SecondFactor,
        now,
    )
    .await?
    .ok_or_else(expired)?;
    let key = format!("second-factor:{}", pending.user_id);
    let limit = throttle::Limit::new(key.clone(), throttle::SECOND_FACTOR);
    throttle::reserve(&state.db, std::slice::from_ref(&limit), now).await?;
    let user = users::Entity::find_by_id(pending.user_id)
        .filter(users::Column::OrgId.eq(pending.org_id))
        .filter(users::Column::Status.eq("active"))
        .one(&state.db)
        .await?
        .ok_or_else(expired)?;
    if !two_factor::check_sign_in_code(state, &user, code, now).await? {
        let actor = Actor::anonymous(&user.email, client.address.clone());
        let changes = Changes::new().set("reason", "wrong second-factor code");
        audit::record(
            &state.db,
            user.org_id,
            &actor,
            AuditAction::SignInFailed,
            &Target::user(&user),
            changes,
        )
        .await?;
        return Err(AppError::field(
            "code",
            "That code is not valid. Enter the code your authenticator app shows now, or one of your recovery codes.",
        ));
    }
    throttle::clear(&state.db, &key).await?;
    session::delete_by_token(&state.db, &pending_token).await?;
    complete(state, user, client).await
}

async fn complete(
    state: &AppState,
    user: users::Model,
    client: &Client,
) -> Result<SignInOutcome, AppError> {
    let now = now_ms();
    let token = session::create(
        &state.db,
        &state.settings,
        &user,
        Stage::Complete,
        client,
        now,
    )
    .await?;
    let role = roles::Entity::find_by_id(user.role_id)
        .filter(roles::Column::OrgId.eq(user.org_id))
        .one(&state.db)
        .await?;
    let landing = role
        .map(|r| LandingPage::from_key(&r.landing_page))
        .unwrap_or(LandingPage::Home);
    let actor = Actor::from_model(&user, client.address.clone());
    audit::record(
        &state.db,
        user.org_id,
        &actor,
        AuditAction::SignedIn,
        &Target::user(&user),
        Changes::new(),
    )
    .await?;
    let mut active: users::ActiveModel = user.into();
    active.last_sign_in_at = Set(Some(now));
    active.update(&state.db).await?;
    Ok(SignInOutcome::SignedIn { token, landing })
}

pub async fn sign_out(state: &AppState, token: Option<String>) -> Result<(), AppError> {
    if let Some(token) = token {
        session::delete_by_token(&state.db, &token).await?;
    }
    Ok(())
}
