//! API keys: creating, listing, revoking and rotating them (each change audited in the same
//! transaction), and `authenticate`, which the Account and Event APIs call per request.
//!
//! Key formats (the random part is 256 bits of URL-safe base64, 43 characters):
//! - Account API key: `stw_acct_<random>`
//! - Event API: an auth key `stw_evauth_<random>` and an api key `stw_evapi_<random>`,
//!   used together as `/v1/{authKey}/{apiKey}`.
//!
//! Only SHA-256 hashes are stored. The visible part is the prefix plus the first six
//! characters of the random part, and the last four characters.
use sea_orm::{ConnectionTrait, DatabaseConnection};

use crate::api_keys::dto::{
    ApiKeyKind, ApiKeySummary, KeyStatus, NewApiKey, EVENT_AUTH_PREFIX, MAX_KEY_NAME_CHARS,
    MAX_OVERLAP_DAYS,
};
use crate::api_keys::ssr::repo::{self, NewRow};
use crate::audit::dto::AuditAction;
use crate::audit::ssr::record::{self as audit, Actor, Changes, Target};
use crate::auth::dto::CurrentUser;
use crate::auth::ssr::context::client;
use crate::crypto::{constant_time_eq, random_token, token_hash};
use crate::db::entities::api_keys;
use crate::error::AppError;
use crate::state::AppState;
use crate::time::now_ms;
use crate::time_label::{exact_utc, TimeLabel};

const DAY_MS: i64 = 86_400_000;
/// `last_used_at` is written at most this often per key.
pub const TOUCH_INTERVAL_MS: i64 = 60_000;
const ROTATED_SUFFIX: &str = " (rotated)";

/// A freshly generated key: the secret(s) and what is stored about them.
struct Generated {
    api_key: String,
    auth_key: Option<String>,
}

fn generate(kind: ApiKeyKind) -> Generated {
    Generated {
        api_key: format!("{}{}", kind.prefix(), random_token()),
        auth_key: (kind == ApiKeyKind::Event)
            .then(|| format!("{EVENT_AUTH_PREFIX}{}", random_token())),
    }
}

/// The visible start (prefix + six characters) and the last four characters of a key.
pub fn visible_parts(kind: ApiKeyKind, key: &str) -> (String, String) {
    let random = key.strip_prefix(kind.prefix()).unwrap_or(key);
    let start: String = random.chars().take(6).collect();
    let chars: Vec<char> = key.chars().collect();
    let last_four: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    (format!("{}{start}", kind.prefix()), last_four)
}

/// A key's name: trimmed, 1–80 characters, no control characters.
pub fn parse_key_name(input: &str) -> Result<String, AppError> {
    let name = input.trim();
    let problem = if name.is_empty() {
        Some("Enter a name for the key.".to_owned())
    } else if name.chars().count() > MAX_KEY_NAME_CHARS {
        Some(format!(
            "Keep the name to {MAX_KEY_NAME_CHARS} characters or fewer."
        ))
    } else if name.chars().any(char::is_control) {
        Some("Remove line breaks and other control characters from the name.".to_owned())
    } else {
        None
    };
    match problem {
        Some(message) => Err(AppError::field("name", message)),
        None => Ok(name.to_owned()),
    }
}

pub fn parse_kind(input: &str) -> Result<ApiKeyKind, AppError> {
    ApiKeyKind::from_key(input).ok_or_else(|| AppError::field("kind", "Choose account or event."))
}

/// The name of a rotated key's replacement: " (rotated)" once, within the length limit.
pub fn rotated_name(name: &str) -> String {
    let base = name.strip_suffix(ROTATED_SUFFIX).unwrap_or(name);
    let room = MAX_KEY_NAME_CHARS - ROTATED_SUFFIX.chars().count();
    let base: String = base.chars().take(room).collect();
    format!("{}{ROTATED_SUFFIX}", base.trim_end())
}

/// Whether a key works at `now`, and until when.
pub fn status_of(key: &api_keys::Model, now: i64) -> KeyStatus {
    match (key.revoked_at, key.expires_at) {
        (Some(at), _) => KeyStatus::Revoked(TimeLabel::new(at, now)),
        (None, Some(at)) if at <= now => KeyStatus::Expired(TimeLabel::new(at, now)),
        (None, Some(at)) => KeyStatus::Expires(TimeLabel::new(at, now)),
        (None, None) => KeyStatus::Active,
    }
}

fn masked(key: &api_keys::Model) -> String {
    format!("{}…{}", key.key_prefix, key.last_four)
}

/// Generates a key of `kind` for the organisation, stores its hashes and audits it.
async fn insert_new(
    db: &impl ConnectionTrait,
    org_id: i32,
    kind: ApiKeyKind,
    name: &str,
    actor: &Actor,
    now: i64,
) -> Result<(api_keys::Model, NewApiKey), AppError> {
    let generated = generate(kind);
    let (key_prefix, last_four) = visible_parts(kind, &generated.api_key);
    let row = NewRow {
        org_id,
        kind,
        name,
        key_prefix: &key_prefix,
        last_four: &last_four,
        secret_hash: token_hash(&generated.api_key),
        auth_key_hash: generated.auth_key.as_deref().map(token_hash),
        created_by: actor.user_id,
        now,
    };
    let key = repo::insert_key(db, row).await?;
    let changes = Changes::new()
        .set("name", &key.name)
        .set("kind", kind.key())
        .set("key", masked(&key));
    audit::record(
        db,
        org_id,
        actor,
        AuditAction::ApiKeyCreated,
        &Target::api_key(&key),
        changes,
    )
    .await?;
    let shown = NewApiKey {
        id: key.id,
        kind,
        name: key.name.clone(),
        api_key: generated.api_key,
        auth_key: generated.auth_key,
    };
    Ok((key, shown))
}

/// Creates a key in the caller's organisation; the answer is the only time its secrets
/// are shown.
pub async fn create(
    state: &AppState,
    caller: &CurrentUser,
    kind: &str,
    name: &str,
) -> Result<NewApiKey, AppError> {
    let kind = parse_kind(kind);
    let name = parse_key_name(name);
    let (kind, name) = match (kind, name) {
        (Ok(kind), Ok(name)) => (kind, name),
        (kind, name) => {
            let errors = [kind.err(), name.err()]
                .into_iter()
                .flatten()
                .flat_map(|e| match e {
                    AppError::Validation(errors) => errors,
                    _ => vec![],
                });
            return Err(AppError::Validation(errors.collect()));
        }
    };
    let actor = Actor::user(caller, client(state).address);
    let txn = crate::db::begin_write(&state.db).await?;
    let (_, shown) = insert_new(&txn, caller.org_id, kind, &name, &actor, now_ms()).await?;
    txn.commit().await?;
    Ok(shown)
}

/// Creates a key from the command line. `org` is the organisation's id or its exact name.
pub async fn create_from_command_line(
    db: &DatabaseConnection,
    org: &str,
    kind: &str,
    name: &str,
) -> Result<NewApiKey, AppError> {
    let kind = ApiKeyKind::from_key(kind).ok_or_else(|| {
        AppError::Invalid(format!(
            "Unknown key kind \"{}\": use account or event.",
            kind.trim()
        ))
    })?;
    let name = parse_key_name(name)
        .map_err(|e| AppError::Invalid(e.field_message("name").unwrap_or_default().to_owned()))?;
    let org = org.trim();
    let org = match repo::organisations_named(db, org).await?.as_slice() {
        [only] => only.clone(),
        [] => {
            return Err(AppError::Invalid(format!(
                "No organisation has the id or name \"{org}\"."
            )))
        }
        _ => {
            return Err(AppError::Invalid(format!(
                "Several organisations are called \"{org}\"; give its id instead."
            )))
        }
    };
    let txn = crate::db::begin_write(db).await?;
    let (_, shown) =
        insert_new(&txn, org.id, kind, &name, &Actor::command_line(), now_ms()).await?;
    txn.commit().await?;
    Ok(shown)
}

/// The caller's organisation's keys, newest first. Never a secret.
pub async fn list(state: &AppState, caller: &CurrentUser) -> Result<Vec<ApiKeySummary>, AppError> {
    let now = now_ms();
    let (keys, creators) = repo::list_keys(&state.db, caller.org_id).await?;
    Ok(keys
        .into_iter()
        .filter_map(|key| {
            let kind = ApiKeyKind::from_key(&key.kind)?;
            Some(ApiKeySummary {
                id: key.id,
                kind,
                name: key.name.clone(),
                masked: masked(&key),
                created_by: key.created_by.and_then(|id| creators.get(&id).cloned()),
                created: TimeLabel::new(key.created_at, now),
                last_used: key.last_used_at.map(|at| TimeLabel::new(at, now)),
                status: status_of(&key, now),
                replaced: key.replaced_by.is_some(),
            })
        })
        .collect())
}

/// Revokes a key of the caller's organisation: refused from the next request on.
pub async fn revoke(state: &AppState, caller: &CurrentUser, key_id: i32) -> Result<(), AppError> {
    let now = now_ms();
    let txn = crate::db::begin_write(&state.db).await?;
    let key = repo::find_key(&txn, caller.org_id, key_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if key.revoked_at.is_some() {
        return Err(AppError::Conflict("This key is already revoked.".into()));
    }
    let key = repo::revoke(&txn, key, now).await?;
    let changes = Changes::new().field("status", Some("active"), Some("revoked"));
    let actor = Actor::user(caller, client(state).address);
    audit::record(
        &txn,
        caller.org_id,
        &actor,
        AuditAction::ApiKeyRevoked,
        &Target::api_key(&key),
        changes,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Replaces a working key of the caller's organisation with a new one of the same kind.
/// The old key keeps working for `overlap_days` (0–30; 0 revokes it at once).
pub async fn rotate(
    state: &AppState,
    caller: &CurrentUser,
    key_id: i32,
    overlap_days: i64,
) -> Result<NewApiKey, AppError> {
    if !(0..=MAX_OVERLAP_DAYS).contains(&overlap_days) {
        return Err(AppError::field(
            "overlap_days",
            format!("Choose between 0 and {MAX_OVERLAP_DAYS} days."),
        ));
    }
    let now = now_ms();
    let txn = crate::db::begin_write(&state.db).await?;
    let old = repo::find_key(&txn, caller.org_id, key_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if old.replaced_by.is_some() {
        return Err(AppError::Conflict(
            "This key was already rotated; rotate its replacement instead.".into(),
        ));
    }
    if !status_of(&old, now).is_usable() {
        return Err(AppError::Conflict(
            "This key no longer works; create a new one instead.".into(),
        ));
    }
    let kind = ApiKeyKind::from_key(&old.kind).ok_or(AppError::NotFound)?;
    let actor = Actor::user(caller, client(state).address);
    let name = rotated_name(&old.name);
    let (new, shown) = insert_new(&txn, caller.org_id, kind, &name, &actor, now).await?;
    let (expires_at, revoked_at) = if overlap_days == 0 {
        (None, Some(now))
    } else {
        (Some(now + overlap_days * DAY_MS), None)
    };
    // A key already expiring earlier keeps its earlier end.
    let expires_at = match (expires_at, old.expires_at) {
        (Some(new_end), Some(old_end)) => Some(new_end.min(old_end)),
        (end, _) => end,
    };
    let old = repo::replace(&txn, old, new.id, expires_at, revoked_at).await?;
    let works_until = match (old.revoked_at, old.expires_at) {
        (Some(_), _) => "revoked now".to_owned(),
        (None, Some(at)) => format!("works until {}", exact_utc(at)),
        (None, None) => "active".to_owned(),
    };
    let changes = Changes::new()
        .set("replaced_by", masked(&new))
        .set("old key", works_until);
    audit::record(
        &txn,
        caller.org_id,
        &actor,
        AuditAction::ApiKeyRotated,
        &Target::api_key(&old),
        changes,
    )
    .await?;
    txn.commit().await?;
    Ok(shown)
}

/// What `check` found for a presented key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyCheck {
    /// The key works: its organisation, id and name.
    Valid {
        org_id: i32,
        key_id: i32,
        name: String,
    },
    /// A key of this organisation that no longer works (revoked or expired): refused, but
    /// the call can still be shown in that organisation's API Status.
    Refused {
        org_id: i32,
        key_id: i32,
        name: String,
    },
    /// Not a key of this kind that we know.
    Unknown,
}

/// Checks a presented key: for `Account` the key itself, for `Event` the URL's
/// `{authKey}/{apiKey}`. Answers the key's organisation and id when it exists, has the
/// right kind, is not revoked and has not expired; records the use at most once a minute.
pub async fn authenticate(
    db: &DatabaseConnection,
    kind: ApiKeyKind,
    presented: &str,
) -> Result<Option<(i32, i32)>, AppError> {
    Ok(match check(db, kind, presented).await? {
        KeyCheck::Valid { org_id, key_id, .. } => Some((org_id, key_id)),
        KeyCheck::Refused { .. } | KeyCheck::Unknown => None,
    })
}

/// `authenticate` with the detail the APIs log: the key's name, and the organisation of a
/// key that exists but no longer works.
pub async fn check(
    db: &DatabaseConnection,
    kind: ApiKeyKind,
    presented: &str,
) -> Result<KeyCheck, AppError> {
    let presented = presented.trim();
    let (auth_key, api_key) = match kind {
        ApiKeyKind::Account => (None, presented),
        ApiKeyKind::Event => match presented.split_once('/') {
            Some((auth, api)) => (Some(auth), api),
            None => return Ok(KeyCheck::Unknown),
        },
    };
    if !api_key.starts_with(kind.prefix())
        || auth_key.is_some_and(|a| !a.starts_with(EVENT_AUTH_PREFIX))
    {
        return Ok(KeyCheck::Unknown);
    }
    let Some(key) = repo::find_by_hash(db, kind, &token_hash(api_key)).await? else {
        return Ok(KeyCheck::Unknown);
    };
    if let Some(auth_key) = auth_key {
        let stored = key.auth_key_hash.as_deref().unwrap_or_default();
        if !constant_time_eq(stored.as_bytes(), token_hash(auth_key).as_bytes()) {
            return Ok(KeyCheck::Unknown);
        }
    }
    let now = now_ms();
    if !status_of(&key, now).is_usable() {
        return Ok(KeyCheck::Refused {
            org_id: key.org_id,
            key_id: key.id,
            name: key.name,
        });
    }
    if key
        .last_used_at
        .is_none_or(|at| at <= now - TOUCH_INTERVAL_MS)
    {
        record_use_later(db, key.id, now);
    }
    Ok(KeyCheck::Valid {
        org_id: key.org_id,
        key_id: key.id,
        name: key.name,
    })
}

/// Writes `last_used_at` off the request path: a key check is a read, and must not wait for
/// (or fail on) the write lock while another tenant holds it. One write in flight per key.
fn record_use_later(db: &DatabaseConnection, key_id: i32, now: i64) {
    use std::collections::HashSet;
    use std::sync::{LazyLock, Mutex};
    static IN_FLIGHT: LazyLock<Mutex<HashSet<i32>>> = LazyLock::new(Default::default);
    if !IN_FLIGHT.lock().expect("key-use set").insert(key_id) {
        return;
    }
    let db = db.clone();
    tokio::spawn(async move {
        let turn = crate::db::write_turn(&db).await;
        let touched = repo::touch(&db, key_id, now, TOUCH_INTERVAL_MS).await;
        drop(turn);
        if let Err(error) = touched {
            // Only a "last used" label is late; the next use tries again.
            tracing::debug!(key_id, %error, "could not record an API key's last use");
        }
        IN_FLIGHT.lock().expect("key-use set").remove(&key_id);
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api_keys::dto::{ACCOUNT_PREFIX, EVENT_API_PREFIX};

    fn key(revoked_at: Option<i64>, expires_at: Option<i64>) -> api_keys::Model {
        api_keys::Model {
            id: 1,
            org_id: 1,
            kind: "account".into(),
            name: "Billing".into(),
            key_prefix: "stw_acct_abcdef".into(),
            last_four: "wxyz".into(),
            secret_hash: "h".into(),
            auth_key_hash: None,
            created_by: None,
            created_at: 0,
            last_used_at: None,
            revoked_at,
            expires_at,
            replaced_by: None,
        }
    }

    #[test]
    fn test_keys_have_prefixes_and_enough_randomness() {
        let account = generate(ApiKeyKind::Account);
        assert!(account.api_key.starts_with(ACCOUNT_PREFIX) && account.auth_key.is_none());
        assert!(
            account.api_key.len() - ACCOUNT_PREFIX.len() >= 22,
            "at least 128 bits of base64"
        );
        let event = generate(ApiKeyKind::Event);
        assert!(event.api_key.starts_with(EVENT_API_PREFIX));
        assert!(event
            .auth_key
            .as_deref()
            .unwrap()
            .starts_with(EVENT_AUTH_PREFIX));
        assert!(
            event
                .api_key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
            "URL-safe"
        );
        let (prefix, last) = visible_parts(ApiKeyKind::Account, "stw_acct_ABCDEFGHIJ1234");
        assert_eq!(
            (prefix.as_str(), last.as_str()),
            ("stw_acct_ABCDEF", "1234")
        );
    }

    #[test]
    fn test_status_follows_revocation_and_expiry() {
        assert_eq!(status_of(&key(None, None), 10), KeyStatus::Active);
        assert!(matches!(
            status_of(&key(None, Some(20)), 10),
            KeyStatus::Expires(_)
        ));
        assert!(matches!(
            status_of(&key(None, Some(10)), 10),
            KeyStatus::Expired(_)
        ));
        assert!(matches!(
            status_of(&key(Some(5), Some(20)), 10),
            KeyStatus::Revoked(_)
        ));
    }

    #[test]
    fn test_names_are_checked_and_rotated_names_stay_short() {
        assert_eq!(parse_key_name("  Billing ").unwrap(), "Billing");
        assert!(parse_key_name(" ")
            .unwrap_err()
            .field_message("name")
            .is_some());
        assert!(parse_key_name(&"x".repeat(81)).is_err());
        assert!(parse_key_name("a\nb").is_err());
        assert_eq!(rotated_name("Billing"), "Billing (rotated)");
        assert_eq!(rotated_name("Billing (rotated)"), "Billing (rotated)");
        assert_eq!(rotated_name(&"x".repeat(80)).chars().count(), 80);
    }
}
