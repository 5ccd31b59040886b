//! Manage Credentials: per organisation and system, the values sealed together under the
//! secret key (purpose `credential:<system>`), never returned; only who set them, when, and
//! a fingerprint (last four characters) of the fields that have one. Every change audited,
//! never with a value.
use std::collections::BTreeMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
};

use crate::audit::dto::AuditAction;
use crate::audit::ssr::record::{self as audit, Actor, Changes, Target};
use crate::auth::dto::CurrentUser;
use crate::auth::ssr::context::client;
use crate::connections::dto::{CredentialSet, CredentialStatus, CredentialSystem};
use crate::db::entities::credentials;
use crate::error::AppError;
use crate::state::AppState;
use crate::time::now_ms;
use crate::time_label::exact_utc;

/// Longest value of any credential field.
const MAX_VALUE_CHARS: usize = 4096;

pub fn seal_purpose(system: CredentialSystem) -> String {
    format!("credential:{}", system.key())
}

fn last_four(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    format!("…{tail}")
}

/// Checks one system's form; answers each field's problem beside it. Values are trimmed.
pub fn validate(
    system: CredentialSystem,
    input: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, AppError> {
    let mut errors = Vec::new();
    let mut values = BTreeMap::new();
    let mut problem = |field: &str, message: String| {
        errors.push(crate::error::FieldError {
            field: field.to_owned(),
            message,
        })
    };
    for f in system.fields() {
        let value = input.get(f.name).map(|v| v.trim()).unwrap_or_default();
        if value.is_empty() {
            if f.required {
                problem(f.name, format!("Enter the {}.", f.label.to_lowercase()));
            }
            continue;
        }
        if value.chars().count() > MAX_VALUE_CHARS {
            problem(
                f.name,
                format!(
                    "The {} is longer than {MAX_VALUE_CHARS} characters.",
                    f.label.to_lowercase()
                ),
            );
            continue;
        }
        if value.chars().any(char::is_control) {
            problem(
                f.name,
                format!(
                    "The {} contains a control character.",
                    f.label.to_lowercase()
                ),
            );
            continue;
        }
        values.insert(f.name.to_owned(), value.to_owned());
    }
    let get = |name: &str| values.get(name).map(String::as_str);
    match system {
        CredentialSystem::SalesforceConnectedApp => {
            for name in ["consumer_key", "consumer_secret"] {
                if get(name).is_some_and(|v| v.contains(char::is_whitespace)) {
                    problem(
                        name,
                        "Keys and secrets have no spaces; paste it again.".into(),
                    );
                }
            }
        }
        CredentialSystem::SmtpRelay => {
            if let Some(host) = get("host") {
                let ok = host.len() <= 253
                    && host.split('.').all(|l| {
                        !l.is_empty()
                            && l.len() <= 63
                            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    });
                if !ok {
                    problem("host", "Enter a host name such as smtp.example.com.".into());
                }
            }
            if let Some(port) = get("port") {
                if !port.parse::<u16>().is_ok_and(|p| p > 0) {
                    problem("port", "The port is a number from 1 to 65535.".into());
                }
            }
            if let Some(security) = get("security") {
                if !matches!(security, "none" | "starttls" | "tls") {
                    problem("security", "Security is none, starttls or tls.".into());
                }
            }
            if get("username").is_some() && get("password").is_none() {
                problem("password", "Enter the password for this username.".into());
            }
            if get("username").is_none() && get("password").is_some() {
                problem(
                    "username",
                    "Enter the username this password belongs to.".into(),
                );
            }
        }
        CredentialSystem::Zendesk => {
            if let Some(sub) = get("subdomain") {
                let ok = sub.len() <= 63
                    && sub
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    && !sub.starts_with('-');
                if !ok {
                    problem(
                        "subdomain",
                        "Enter only the subdomain (lower-case letters, digits and hyphens), such as acme for acme.zendesk.com.".into(),
                    );
                }
            }
            if let Some(email) = get("agent_email") {
                if crate::validation::parse_email(email).is_err() {
                    problem(
                        "agent_email",
                        "Enter the agent's email address, such as agent@example.com.".into(),
                    );
                }
            }
        }
        CredentialSystem::Stripe => {
            if let Some(key) = get("restricted_key") {
                if !(key.starts_with("rk_live_") || key.starts_with("rk_test_")) || key.len() < 20 {
                    problem(
                        "restricted_key",
                        "A Stripe restricted key starts with rk_live_ or rk_test_ (secret keys sk_… are refused: give Steward a restricted key).".into(),
                    );
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(AppError::Validation(errors))
    }
}

fn status_of(system: CredentialSystem, row: Option<credentials::Model>) -> CredentialStatus {
    CredentialStatus {
        system,
        set: row.map(|row| {
            let prints: BTreeMap<String, String> =
                serde_json::from_str(&row.fingerprints).unwrap_or_default();
            CredentialSet {
                set_by: row.set_by_label,
                set_at: exact_utc(row.set_at),
                fingerprints: system
                    .fields()
                    .iter()
                    .filter_map(|f| prints.get(f.name).map(|p| (f.label.to_owned(), p.clone())))
                    .collect(),
            }
        }),
    }
}

async fn find(
    db: &impl ConnectionTrait,
    org_id: i32,
    system: CredentialSystem,
) -> Result<Option<credentials::Model>, AppError> {
    Ok(credentials::Entity::find()
        .filter(credentials::Column::OrgId.eq(org_id))
        .filter(credentials::Column::System.eq(system.key()))
        .one(db)
        .await?)
}

/// Every system, with what may be shown about its stored credentials.
pub async fn list(state: &AppState, user: &CurrentUser) -> Result<Vec<CredentialStatus>, AppError> {
    let rows = credentials::Entity::find()
        .filter(credentials::Column::OrgId.eq(user.org_id))
        .all(&state.db)
        .await?;
    Ok(CredentialSystem::ALL
        .into_iter()
        .map(|system| {
            let row = rows.iter().find(|r| r.system == system.key()).cloned();
            status_of(system, row)
        })
        .collect())
}

/// Saves (or overwrites) one system's credentials.
pub async fn save(
    state: &AppState,
    user: &CurrentUser,
    system: CredentialSystem,
    input: BTreeMap<String, String>,
) -> Result<CredentialStatus, AppError> {
    let values = validate(system, &input)?;
    let fingerprints: BTreeMap<&str, String> = system
        .fields()
        .iter()
        .filter(|f| f.fingerprint)
        .filter_map(|f| values.get(f.name).map(|v| (f.name, last_four(v))))
        .collect();
    let sealed = state.secrets.seal(
        &seal_purpose(system),
        &serde_json::to_vec(&values).expect("a map serialises"),
    );
    let actor = Actor::user(user, client(state).address);
    let now = now_ms();
    let txn = crate::db::begin_write(&state.db).await?;
    let existing = find(&txn, user.org_id, system).await?;
    let overwrote = existing.is_some();
    let row = match existing {
        Some(row) => {
            let mut active: credentials::ActiveModel = row.into();
            active.sealed_values = Set(sealed);
            active.fingerprints = Set(serde_json::to_string(&fingerprints).unwrap_or_default());
            active.set_by = Set(Some(user.id));
            active.set_by_label = Set(actor.label.clone());
            active.set_at = Set(now);
            active.update(&txn).await?
        }
        None => {
            credentials::ActiveModel {
                org_id: Set(user.org_id),
                system: Set(system.key().to_owned()),
                sealed_values: Set(sealed),
                fingerprints: Set(serde_json::to_string(&fingerprints).unwrap_or_default()),
                set_by: Set(Some(user.id)),
                set_by_label: Set(actor.label.clone()),
                set_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    let fields: Vec<&str> = system
        .fields()
        .iter()
        .filter(|f| values.contains_key(f.name))
        .map(|f| f.label)
        .collect();
    audit::record(
        &txn,
        user.org_id,
        &actor,
        AuditAction::CredentialsSet,
        &Target {
            kind: "credentials",
            id: Some(row.id),
            label: system.label().to_owned(),
        },
        Changes::new()
            .set("fields", fields.join(", "))
            .set("mode", if overwrote { "overwritten" } else { "new" }),
    )
    .await?;
    txn.commit().await?;
    Ok(status_of(system, Some(row)))
}

/// Deletes one system's credentials (answers NotFound when none are stored).
pub async fn delete(
    state: &AppState,
    user: &CurrentUser,
    system: CredentialSystem,
) -> Result<(), AppError> {
    let txn = crate::db::begin_write(&state.db).await?;
    let row = find(&txn, user.org_id, system)
        .await?
        .ok_or(AppError::NotFound)?;
    credentials::Entity::delete_by_id(row.id)
        .filter(credentials::Column::OrgId.eq(user.org_id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        user.org_id,
        &Actor::user(user, client(state).address),
        AuditAction::CredentialsDeleted,
        &Target {
            kind: "credentials",
            id: Some(row.id),
            label: system.label().to_owned(),
        },
        Changes::new(),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Whether the organisation has stored values for one system (nothing is opened).
pub async fn is_set(
    db: &impl ConnectionTrait,
    org_id: i32,
    system: CredentialSystem,
) -> Result<bool, AppError> {
    Ok(find(db, org_id, system).await?.is_some())
}

/// The organisations that have stored values for one system.
pub async fn organisations_with(
    db: &impl ConnectionTrait,
    system: CredentialSystem,
) -> Result<Vec<i32>, AppError> {
    Ok(credentials::Entity::find()
        .select_only()
        .column(credentials::Column::OrgId)
        .filter(credentials::Column::System.eq(system.key()))
        .into_tuple()
        .all(db)
        .await?)
}

/// The stored values of one system, opened (server side only: for the connectors).
pub async fn open(
    state: &AppState,
    org_id: i32,
    system: CredentialSystem,
) -> Result<Option<BTreeMap<String, String>>, AppError> {
    let Some(row) = find(&state.db, org_id, system).await? else {
        return Ok(None);
    };
    let bytes = state
        .secrets
        .open(&seal_purpose(system), &row.sealed_values)
        .map_err(|e| AppError::internal("credentials", e))?;
    Ok(Some(serde_json::from_slice(&bytes).map_err(|e| {
        AppError::internal("credentials", e.to_string())
    })?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn fields_of(error: AppError) -> Vec<String> {
        match error {
            AppError::Validation(errors) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn test_smtp_relay_checks_each_field() {
        let ok = validate(
            CredentialSystem::SmtpRelay,
            &input(&[
                ("host", "smtp.example.com"),
                ("port", "587"),
                ("security", "starttls"),
            ]),
        )
        .unwrap();
        assert_eq!(ok["host"], "smtp.example.com");
        let error = validate(
            CredentialSystem::SmtpRelay,
            &input(&[
                ("host", "smtp example"),
                ("port", "70000"),
                ("security", "ssl"),
                ("username", "me"),
            ]),
        )
        .unwrap_err();
        assert_eq!(fields_of(error), ["host", "port", "security", "password"]);
    }

    #[test]
    fn test_fingerprints_show_only_the_last_four_characters() {
        assert_eq!(last_four("rk_live_abcdefgh1234"), "…1234");
        assert_eq!(last_four("ab"), "…ab");
    }

    #[test]
    fn test_stripe_refuses_secret_keys() {
        let error = validate(
            CredentialSystem::Stripe,
            &input(&[("restricted_key", "sk_live_abcdefghijklmnopqrstuvwxyz")]),
        )
        .unwrap_err();
        assert_eq!(fields_of(error), ["restricted_key"]);
    }
}
