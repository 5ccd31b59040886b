//! Turning two-factor sign-in on and off, and checking codes at sign-in.
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, Set,
};
use secrecy::SecretString;

use super::{recovery, totp};
use crate::audit::dto::AuditAction;
use crate::audit::ssr::record::{self as audit, Actor, Changes, Target};
use crate::auth::dto::CurrentUser;
use crate::auth::ssr::context::client;
use crate::auth::ssr::throttle;
use crate::db::entities::{recovery_codes, users};
use crate::error::AppError;
use crate::state::AppState;
use crate::time::now_ms;
use crate::two_factor::dto::{Enrolment, TwoFactorStatus};

/// Associated data for sealed TOTP seeds.
const SEAL_PURPOSE: &str = "totp-seed";

async fn load_user(state: &AppState, current: &CurrentUser) -> Result<users::Model, AppError> {
    users::Entity::find_by_id(current.id)
        .filter(users::Column::OrgId.eq(current.org_id))
        .one(&state.db)
        .await?
        .ok_or(AppError::Unauthenticated)
}

/// Checks the password again before a security change; throttled like sign-in.
pub(crate) async fn confirm_password(
    state: &AppState,
    user: &users::Model,
    password: String,
) -> Result<(), AppError> {
    let now = now_ms();
    let key = format!("reauth:{}", user.id);
    let limit = throttle::Limit::new(key.clone(), throttle::SECOND_FACTOR);
    throttle::reserve(&state.db, std::slice::from_ref(&limit), now).await?;
    if !state
        .hasher
        .verify(SecretString::from(password), user.password_hash.clone())
        .await?
    {
        return Err(AppError::field(
            "current_password",
            "That is not your current password.",
        ));
    }
    throttle::clear(&state.db, &key).await
}

/// Re-authenticates the signed-in user before they act on someone else's security (an
/// administrator turning off a user's two-factor sign-in): their password, and a code from
/// their authenticator (or a recovery code) when they use two-factor sign-in themselves.
/// Failures count towards the same throttle as the password check.
pub async fn confirm_identity(
    state: &AppState,
    current: &CurrentUser,
    password: String,
    code: Option<&str>,
) -> Result<(), AppError> {
    let user = load_user(state, current).await?;
    confirm_password(state, &user, password).await?;
    if user.totp_secret.is_none() {
        return Ok(());
    }
    let code = code
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| {
            AppError::field(
                "code",
                "Enter the code from your authenticator app: you use two-factor sign-in.",
            )
        })?;
    let now = now_ms();
    // Counted before the check (as at sign-in), so parallel guesses cannot slip past.
    let key = format!("reauth:{}", user.id);
    let limit = throttle::Limit::new(key.clone(), throttle::SECOND_FACTOR);
    throttle::reserve(&state.db, std::slice::from_ref(&limit), now).await?;
    if !check_sign_in_code(state, &user, code, now).await? {
        return Err(AppError::field(
            "code",
            "That code does not match your authenticator app. Enter the newest code, or a recovery code.",
        ));
    }
    throttle::clear(&state.db, &key).await
}

pub async fn status(state: &AppState, current: &CurrentUser) -> Result<TwoFactorStatus, AppError> {
    let user = load_user(state, current).await?;
    let recovery_codes_left = recovery_codes::Entity::find()
        .filter(recovery_codes::Column::OrgId.eq(user.org_id))
        .filter(recovery_codes::Column::UserId.eq(user.id))
        .filter(recovery_codes::Column::UsedAt.is_null())
        .count(&state.db)
        .await?;
    Ok(TwoFactorStatus {
        enabled: user.totp_secret.is_some(),
        recovery_codes_left,
    })
}

/// Starts (or re-seeds) two-factor sign-in: a new seed waits, sealed, until confirmed with
/// a code. An existing seed keeps working until then.
pub async fn begin_setup(
    state: &AppState,
    current: &CurrentUser,
    password: String,
) -> Result<Enrolment, AppError> {
    let user = load_user(state, current).await?;
    confirm_password(state, &user, password).await?;
    let secret = totp::new_secret();
    let mut active: users::ActiveModel = user.into();
    active.totp_pending_secret = Set(Some(state.secrets.seal(SEAL_PURPOSE, &secret)));
    active.updated_at = Set(now_ms());
    active.update(&state.db).await?;
    let issuer = format!("Steward ({})", current.org_name);
    Ok(Enrolment {
        secret: totp::secret_for_display(&secret),
        qr_svg: totp::qr_svg(&totp::otpauth_url(&secret, &issuer, &current.email)),
    })
}

/// Confirms the waiting seed with a code from the app, makes it the active one, and
/// returns ten new recovery codes (the only time they are shown).
pub async fn confirm_setup(
    state: &AppState,
    current: &CurrentUser,
    code: &str,
) -> Result<Vec<String>, AppError> {
    let user = load_user(state, current).await?;
    let sealed = user.totp_pending_secret.clone().ok_or_else(|| {
        AppError::invalid("Start the set-up again: no new authenticator key is waiting.")
    })?;
    let secret = state
        .secrets
        .open(SEAL_PURPOSE, &sealed)
        .map_err(|e| AppError::internal("totp seed", e))?;
    let now = now_ms();
    let step = totp::matching_step(&secret, code, (now / 1000) as u64).ok_or_else(|| {
        AppError::field(
            "code",
            "That code does not match. Check the time on your phone and try the newest code.",
        )
    })?;
    let (codes, hashes) = new_recovery_codes();
    let (org_id, user_id) = (user.org_id, user.id);
    let target = Target::user(&user);
    let txn = crate::db::begin_write(&state.db).await?;
    let actor = Actor::user(current, client(state).address);
    let changes = Changes::new().field("two_factor", Some("off"), Some("on"));
    audit::record(
        &txn,
        org_id,
        &actor,
        AuditAction::TwoFactorEnabled,
        &target,
        changes,
    )
    .await?;
    let mut active: users::ActiveModel = user.into();
    active.totp_secret = Set(Some(sealed));
    active.totp_pending_secret = Set(None);
    active.totp_last_step = Set(Some(step as i64));
    active.updated_at = Set(now);
    active.update(&txn).await?;
    replace_recovery_codes(&txn, org_id, user_id, hashes).await?;
    txn.commit().await?;
    Ok(codes)
}

/// Ten new recovery codes after the password is entered again; the old ones stop working.
/// Returned once, like the first ten.
pub async fn regenerate_recovery_codes(
    state: &AppState,
    current: &CurrentUser,
    password: String,
) -> Result<Vec<String>, AppError> {
    let user = load_user(state, current).await?;
    if user.totp_secret.is_none() {
        return Err(AppError::Conflict(
            "Two-factor sign-in is off, so there are no recovery codes to replace.".to_owned(),
        ));
    }
    confirm_password(state, &user, password).await?;
    let (codes, hashes) = new_recovery_codes();
    let txn = crate::db::begin_write(&state.db).await?;
    replace_recovery_codes(&txn, user.org_id, user.id, hashes).await?;
    audit::record(
        &txn,
        user.org_id,
        &Actor::user(current, client(state).address),
        AuditAction::RecoveryCodesRegenerated,
        &Target::user(&user),
        Changes::new().set("recovery_codes", recovery::COUNT),
    )
    .await?;
    txn.commit().await?;
    Ok(codes)
}

/// Fresh codes as shown to the user, and their hashes as stored.
fn new_recovery_codes() -> (Vec<String>, Vec<String>) {
    let codes: Vec<String> = (0..recovery::COUNT).map(|_| recovery::new_code()).collect();
    let hashes = codes
        .iter()
        .map(|c| recovery::hash(&recovery::normalise(c).expect("fresh code")))
        .collect();
    (codes, hashes)
}

async fn replace_recovery_codes(
    db: &impl ConnectionTrait,
    org_id: i32,
    user_id: i32,
    hashes: Vec<String>,
) -> Result<(), AppError> {
    recovery_codes::Entity::delete_many()
        .filter(recovery_codes::Column::OrgId.eq(org_id))
        .filter(recovery_codes::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    for code_hash in hashes {
        recovery_codes::ActiveModel {
            org_id: Set(org_id),
            user_id: Set(user_id),
            code_hash: Set(code_hash),
            used_at: Set(None),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// Turns two-factor sign-in off after the password is entered again.
pub async fn disable(
    state: &AppState,
    current: &CurrentUser,
    password: String,
) -> Result<(), AppError> {
    let user = load_user(state, current).await?;
    confirm_password(state, &user, password).await?;
    let target = Target::user(&user);
    remove_for_user(&state.db, user).await?;
    let changes = Changes::new().field("two_factor", Some("on"), Some("off"));
    let actor = Actor::user(current, client(state).address);
    audit::record(
        &state.db,
        current.org_id,
        &actor,
        AuditAction::TwoFactorDisabled,
        &target,
        changes,
    )
    .await
}

/// Removes the seed and recovery codes (also used by administrators in a later issue).
pub async fn remove_for_user(db: &DatabaseConnection, user: users::Model) -> Result<(), AppError> {
    let txn = crate::db::begin_write(db).await?;
    let (org_id, user_id) = (user.org_id, user.id);
    let mut active: users::ActiveModel = user.into();
    active.totp_secret = Set(None);
    active.totp_pending_secret = Set(None);
    active.totp_last_step = Set(None);
    active.updated_at = Set(now_ms());
    active.update(&txn).await?;
    replace_recovery_codes(&txn, org_id, user_id, vec![]).await?;
    txn.commit().await?;
    Ok(())
}

/// Checks the second factor at sign-in: a TOTP code (accepted once: its time step must be
/// newer than the last one used) or an unused recovery code (then spent). Both updates are
/// conditional, so two simultaneous requests with the same code cannot both succeed.
pub async fn check_sign_in_code(
    state: &AppState,
    user: &users::Model,
    code: &str,
    now: i64,
) -> Result<bool, AppError> {
    let compact: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.len() == 6 && compact.bytes().all(|b| b.is_ascii_digit()) {
        let Some(sealed) = &user.totp_secret else {
            return Ok(false);
        };
        let secret = state
            .secrets
            .open(SEAL_PURPOSE, sealed)
            .map_err(|e| AppError::internal("totp seed", e))?;
        let Some(step) = totp::matching_step(&secret, &compact, (now / 1000) as u64) else {
            return Ok(false);
        };
        let step = step as i64;
        let result = users::Entity::update_many()
            .col_expr(users::Column::TotpLastStep, Expr::value(step))
            .filter(users::Column::Id.eq(user.id))
            .filter(users::Column::OrgId.eq(user.org_id))
            .filter(
                Condition::any()
                    .add(users::Column::TotpLastStep.is_null())
                    .add(users::Column::TotpLastStep.lt(step)),
            )
            .exec(&state.db)
            .await?;
        return Ok(result.rows_affected == 1);
    }
    let Some(normalised) = recovery::normalise(code) else {
        return Ok(false);
    };
    let result = recovery_codes::Entity::update_many()
        .col_expr(recovery_codes::Column::UsedAt, Expr::value(now))
        .filter(recovery_codes::Column::OrgId.eq(user.org_id))
        .filter(recovery_codes::Column::UserId.eq(user.id))
        .filter(recovery_codes::Column::CodeHash.eq(recovery::hash(&normalised)))
        .filter(recovery_codes::Column::UsedAt.is_null())
        .exec(&state.db)
        .await?;
    Ok(result.rows_affected == 1)
}
