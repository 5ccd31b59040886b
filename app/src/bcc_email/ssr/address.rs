//! The organisation's BCC address: `<token>@<inbound domain>`, the token 128 random bits as
//! 32 lower-case hex characters (mail systems may change the case of a local part). Stored
//! as a SHA-256 hash for lookups and sealed (purpose `bcc-token`) so the page can show it.
//! One address is active per organisation; Regenerate retires it, and a retired token is
//! refused (SMTP 550, HTTP 404) from then on.
use rand::RngCore;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DbErr};

use crate::audit::dto::AuditAction;
use crate::audit::ssr::record::{self as audit, Actor, Changes, Target};
use crate::auth::dto::CurrentUser;
use crate::auth::ssr::context::client;
use crate::bcc_email::dto::BccAddress;
use crate::config::Settings;
use crate::crypto::{token_hash, SecretBox};
use crate::error::AppError;
use crate::state::AppState;
use crate::time::now_ms;
use crate::time_label::exact_utc;

/// The seal purpose of `inbound_addresses.sealed_token` (`steward secret rotate` re-seals it).
pub const SEAL_PURPOSE: &str = "bcc-token";

/// What a token (or an envelope recipient) names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// The active address of this organisation.
    Active {
        org_id: i32,
    },
    /// An address that was regenerated away.
    Retired,
    Unknown,
}

fn new_token() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A token as typed in an address or URL: 32 hex characters, any case.
fn normalise(token: &str) -> Option<String> {
    let token = token.trim().to_ascii_lowercase();
    (token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit())).then_some(token)
}

/// The address of `token` on this instance.
pub fn address_of(settings: &Settings, token: &str) -> String {
    format!("{token}@{}", settings.inbound.domain)
}

/// Which organisation an envelope recipient (`RCPT TO`) names: the domain must be the
/// inbound domain and the local part a known token. Never anything from the headers.
pub async fn lookup_recipient(
    db: &impl ConnectionTrait,
    settings: &Settings,
    recipient: &str,
) -> Result<Lookup, DbErr> {
    let Some((local, domain)) = recipient.trim().rsplit_once('@') else {
        return Ok(Lookup::Unknown);
    };
    if !domain
        .trim_end_matches('.')
        .eq_ignore_ascii_case(&settings.inbound.domain)
    {
        return Ok(Lookup::Unknown);
    }
    lookup_token(db, local).await
}

/// Which organisation a token names.
pub async fn lookup_token(db: &impl ConnectionTrait, token: &str) -> Result<Lookup, DbErr> {
    let Some(token) = normalise(token) else {
        return Ok(Lookup::Unknown);
    };
    let select = Query::select()
        .from("inbound_addresses")
        .columns(["org_id", "status"])
        .and_where(Expr::col("token_hash").eq(token_hash(&token)))
        .to_owned();
    Ok(match db.query_one(&select).await? {
        None => Lookup::Unknown,
        Some(row) => {
            let status: String = row.try_get_by_index(1)?;
            if status == "active" {
                Lookup::Active {
                    org_id: row.try_get_by_index(0)?,
                }
            } else {
                Lookup::Retired
            }
        }
    })
}

async fn active_row(
    db: &impl ConnectionTrait,
    secrets: &SecretBox,
    org_id: i32,
) -> Result<Option<(String, i64)>, AppError> {
    let select = Query::select()
        .from("inbound_addresses")
        .columns(["sealed_token", "created_at"])
        .and_where(Expr::col("org_id").eq(org_id))
        .and_where(Expr::col("status").eq("active"))
        .to_owned();
    match db.query_one(&select).await? {
        None => Ok(None),
        Some(row) => {
            let sealed: String = row.try_get_by_index(0)?;
            let token = secrets
                .open(SEAL_PURPOSE, &sealed)
                .map_err(|e| AppError::internal("bcc token", e))?;
            Ok(Some((
                String::from_utf8_lossy(&token).into_owned(),
                row.try_get_by_index(1)?,
            )))
        }
    }
}

async fn insert(
    db: &impl ConnectionTrait,
    secrets: &SecretBox,
    org_id: i32,
    now: i64,
) -> Result<String, DbErr> {
    let token = new_token();
    let insert = Query::insert()
        .into_table("inbound_addresses")
        .columns([
            "org_id",
            "token_hash",
            "sealed_token",
            "status",
            "created_at",
        ])
        .values_panic([
            org_id.into(),
            token_hash(&token).into(),
            secrets.seal(SEAL_PURPOSE, token.as_bytes()).into(),
            "active".into(),
            now.into(),
        ])
        .to_owned();
    db.execute(&insert).await?;
    Ok(token)
}

/// The organisation's active token and when it was made; the first call makes one.
pub async fn active_token(state: &AppState, org_id: i32) -> Result<(String, i64), AppError> {
    if let Some(found) = active_row(&state.db, &state.secrets, org_id).await? {
        return Ok(found);
    }
    let txn = crate::db::begin_write(&state.db).await?;
    // Another request may have made it while this one waited for the write turn.
    let found = match active_row(&txn, &state.secrets, org_id).await? {
        Some(found) => found,
        None => {
            let now = now_ms();
            (insert(&txn, &state.secrets, org_id, now).await?, now)
        }
    };
    txn.commit().await?;
    Ok(found)
}

fn view(state: &AppState, token: &str, created_at: i64) -> BccAddress {
    BccAddress {
        address: address_of(&state.settings, token),
        created: exact_utc(created_at),
        smtp_listening: state.settings.inbound.smtp_address.is_some(),
        http_url: format!("{}/api/inbound-mail/{token}", state.settings.base_url()),
    }
}

/// The organisation's BCC address.
pub async fn get(state: &AppState, org_id: i32) -> Result<BccAddress, AppError> {
    let (token, created_at) = active_token(state, org_id).await?;
    Ok(view(state, &token, created_at))
}

/// Retires the active address and makes a new one; audited (with the old address's last
/// four characters only).
pub async fn regenerate(state: &AppState, user: &CurrentUser) -> Result<BccAddress, AppError> {
    let actor = Actor::user(user, client(state).address);
    let now = now_ms();
    let txn = crate::db::begin_write(&state.db).await?;
    let old = active_row(&txn, &state.secrets, user.org_id).await?;
    let retire = Query::update()
        .table("inbound_addresses")
        .value("status", "retired")
        .value("retired_at", now)
        .and_where(Expr::col("org_id").eq(user.org_id))
        .and_where(Expr::col("status").eq("active"))
        .to_owned();
    txn.execute(&retire).await?;
    let token = insert(&txn, &state.secrets, user.org_id, now).await?;
    let tail = |t: &str| format!("…{}", &t[t.len().saturating_sub(4)..]);
    let mut changes = Changes::new().set("address", tail(&token));
    if let Some((old, _)) = &old {
        changes = changes.field("address", Some(tail(old)), Some(tail(&token)));
    }
    audit::record(
        &txn,
        user.org_id,
        &actor,
        AuditAction::BccAddressRegenerated,
        &Target {
            kind: "bcc_address",
            id: None,
            label: "BCC address".into(),
        },
        changes,
    )
    .await?;
    txn.commit().await?;
    Ok(view(state, &token, now))
}

/// `steward bcc-address --org ORG`: the organisation's address (made on first use).
pub async fn for_command_line(state: &AppState, org: &str) -> Result<String, AppError> {
    let org_id = crate::salesforce_sync::ssr::run::org_by_name_or_id(&state.db, org).await?;
    let (token, _) = active_token(state, org_id).await?;
    Ok(address_of(&state.settings, &token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_tokens_are_32_hex_characters_and_normalise_case() {
        let token = new_token();
        assert_eq!(token.len(), 32);
        assert_eq!(normalise(&token.to_ascii_uppercase()), Some(token.clone()));
        assert_ne!(new_token(), token);
        assert_eq!(normalise("not-a-token"), None);
        assert_eq!(normalise(&format!("{token}0")), None);
    }
}
