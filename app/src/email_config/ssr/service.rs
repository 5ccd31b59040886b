//! Email Configuration's services, each within the caller's organisation: read the
//! configuration, set the domain and From (a new key when the domain changes), Verify, send
//! a test email, and, for the mail queue, the identity a message is sent with.
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use secrecy::SecretSlice;

use super::{dkim, records, verify};
use crate::audit::dto::AuditAction;
use crate::audit::ssr::record::{self as audit, Actor, Changes, Target};
use crate::auth::dto::CurrentUser;
use crate::auth::ssr::context::client;
use crate::db::entities::email_domains;
use crate::email_config::dto::{CheckOutcome, DomainStatus, EmailConfig, EmailDomain, RecordCheck};
use crate::error::AppError;
use crate::state::AppState;
use crate::time::{now_ms, HOUR_MS};
use crate::time_label::exact_utc;

/// A domain that was never verified stays pending this long while its records are missing
/// (DNS changes take time to be seen), then it is failed.
const PENDING_FOR_MS: i64 = 72 * HOUR_MS;

async fn find(
    db: &impl ConnectionTrait,
    org_id: i32,
) -> Result<Option<email_domains::Model>, AppError> {
    Ok(email_domains::Entity::find()
        .filter(email_domains::Column::OrgId.eq(org_id))
        .one(db)
        .await?)
}

use crate::mail::ssr::queue::relay_configured;

fn status_of(row: &email_domains::Model) -> DomainStatus {
    DomainStatus::from_key(&row.status).unwrap_or(DomainStatus::Pending)
}

/// (mail leaves Steward, through the organisation's own relay)
async fn relays(state: &AppState, org_id: i32) -> Result<(bool, bool), AppError> {
    let own = crate::connections::ssr::credentials::is_set(
        &state.db,
        org_id,
        crate::connections::dto::CredentialSystem::SmtpRelay,
    )
    .await?;
    Ok((own || state.settings.mail.relay.is_some(), own))
}

fn view(
    state: &AppState,
    row: Option<email_domains::Model>,
    (relay_configured, own_relay): (bool, bool),
) -> EmailConfig {
    EmailConfig {
        domain: row.map(|row| EmailDomain {
            records: records::records(
                &state.settings.mail,
                &row.domain,
                &row.from_address,
                &row.dkim_selector,
                &row.public_key,
            ),
            checks: row
                .last_check
                .as_deref()
                .and_then(|json| serde_json::from_str(json).ok())
                .unwrap_or_default(),
            last_checked: row.last_checked_at.map(exact_utc),
            status: status_of(&row),
            domain: row.domain,
            from_address: row.from_address,
            selector: row.dkim_selector,
            set_by: row.set_by_label,
        }),
        instance_from: state.settings.mail.from.clone(),
        relay_configured,
        own_relay,
    }
}

/// The organisation's Email Configuration.
pub async fn get(state: &AppState, user: &CurrentUser) -> Result<EmailConfig, AppError> {
    let relay = relays(state, user.org_id).await?;
    Ok(view(state, find(&state.db, user.org_id).await?, relay))
}

/// Sets the sending domain and default From. A new domain gets a new key and selector and
/// starts pending; the same domain keeps its key and status (only the From changes).
pub async fn set_domain(
    state: &AppState,
    user: &CurrentUser,
    domain: &str,
    from_address: &str,
) -> Result<EmailConfig, AppError> {
    let domain = records::parse_domain(domain);
    let from = domain
        .as_ref()
        .ok()
        .map(|d| records::parse_from(from_address, d));
    let (domain, from) = match (domain, from) {
        (Ok(d), Some(Ok(f))) => (d, f),
        (Err(AppError::Validation(mut a)), Some(Err(AppError::Validation(b)))) => {
            a.extend(b);
            return Err(AppError::Validation(a));
        }
        (Err(e), _) | (_, Some(Err(e))) => return Err(e),
        (Ok(_), None) => unreachable!("a From is parsed for every valid domain"),
    };
    let unchanged = find(&state.db, user.org_id)
        .await?
        .is_some_and(|r| r.domain == domain);
    // Generated before the transaction: it takes a moment and needs no lock.
    let new_key = if unchanged {
        None
    } else {
        Some(
            dkim::generate()
                .await
                .map_err(|e| AppError::internal("dkim key", e))?,
        )
    };
    let actor = Actor::user(user, client(state).address);
    let now = now_ms();
    let txn = crate::db::begin_write(&state.db).await?;
    let existing = find(&txn, user.org_id).await?;
    let same_domain = existing.as_ref().is_some_and(|r| r.domain == domain);
    let row = match (existing, new_key) {
        (Some(row), _) if same_domain => {
            let mut active: email_domains::ActiveModel = row.into();
            active.from_address = Set(from.clone());
            active.set_by_label = Set(actor.label.clone());
            active.updated_at = Set(now);
            active.update(&txn).await?
        }
        (existing, key) => {
            let key = match key {
                Some(key) => key,
                // The domain changed between the first read and the lock: a key for it now.
                None => dkim::generate()
                    .await
                    .map_err(|e| AppError::internal("dkim key", e))?,
            };
            let mut fresh = email_domains::ActiveModel {
                org_id: Set(user.org_id),
                domain: Set(domain.clone()),
                from_address: Set(from.clone()),
                dkim_selector: Set(records::selector_at(now)),
                sealed_private_key: Set(dkim::seal(&state.secrets, &key)),
                public_key: Set(key.public_spki_b64.clone()),
                status: Set(DomainStatus::Pending.key().to_owned()),
                verified_at: Set(None),
                last_checked_at: Set(None),
                last_check: Set(None),
                set_by_label: Set(actor.label.clone()),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            };
            match existing {
                Some(old) => {
                    fresh.id = Set(old.id);
                    fresh.created_at = Set(old.created_at);
                    fresh.update(&txn).await?
                }
                None => fresh.insert(&txn).await?,
            }
        }
    };
    audit::record(
        &txn,
        user.org_id,
        &actor,
        AuditAction::EmailDomainSet,
        &Target {
            kind: "email_domain",
            id: Some(row.id),
            label: row.domain.clone(),
        },
        Changes::new()
            .set("from", row.from_address.clone())
            .set("selector", row.dkim_selector.clone())
            .set(
                "mode",
                if same_domain {
                    "from changed"
                } else {
                    "new key"
                },
            ),
    )
    .await?;
    txn.commit().await?;
    let relay = relays(state, row.org_id).await?;
    Ok(view(state, Some(row), relay))
}

/// The status after a check, from the previous status and when the domain was set.
pub fn next_status(
    checks: &[RecordCheck],
    previous: DomainStatus,
    set_at: i64,
    now: i64,
) -> DomainStatus {
    let required: Vec<&RecordCheck> = checks.iter().filter(|c| c.kind.required()).collect();
    if required.iter().all(|c| c.outcome == CheckOutcome::Ok) {
        return DomainStatus::Verified;
    }
    let definite: Vec<&&RecordCheck> = required
        .iter()
        .filter(|c| !matches!(c.outcome, CheckOutcome::Ok | CheckOutcome::TemporaryFailure))
        .collect();
    if definite.is_empty() {
        // Only temporary failures: nothing learned.
        return previous;
    }
    let only_missing = definite.iter().all(|c| c.outcome == CheckOutcome::Missing);
    if previous != DomainStatus::Verified && only_missing && now - set_at < PENDING_FOR_MS {
        DomainStatus::Pending
    } else {
        DomainStatus::Failed
    }
}

/// Looks every record of the domain up; answers the checks and the status they lead to.
async fn check_row(
    state: &AppState,
    row: &email_domains::Model,
) -> Result<(Vec<RecordCheck>, DomainStatus), AppError> {
    let auth = verify::resolver(state.settings.dns_resolver).map_err(|error| {
        tracing::warn!(%error, "no DNS resolver for Email Configuration");
        AppError::invalid(
            "Steward cannot use the system's DNS resolvers here, so it cannot look the records up. Ask whoever runs Steward to set dns_resolver in its configuration.",
        )
    })?;
    let private_key = dkim::open(&state.secrets, &row.sealed_private_key)
        .map_err(|error| tracing::warn!(%error, "DKIM key unavailable for the self-test"))
        .ok();
    let checks = verify::check_all(
        &auth,
        &state.settings.mail,
        &row.domain,
        &row.dkim_selector,
        &row.public_key,
        private_key.as_ref(),
        &records::dmarc_value(&row.from_address),
    )
    .await;
    let status = next_status(&checks, status_of(row), row.updated_at, now_ms());
    Ok((checks, status))
}

/// Stores a check, only if the organisation's domain still has the key that was checked (a
/// new domain set meanwhile wins). Answers the stored row, or None.
async fn store_check(
    state: &AppState,
    checked: &email_domains::Model,
    checks: &[RecordCheck],
    status: DomainStatus,
) -> Result<Option<email_domains::Model>, AppError> {
    let now = now_ms();
    let txn = crate::db::begin_write(&state.db).await?;
    let current = find(&txn, checked.org_id).await?;
    let Some(current) =
        current.filter(|c| c.id == checked.id && c.public_key == checked.public_key)
    else {
        txn.rollback().await?;
        return Ok(None);
    };
    let was_verified = current.verified_at;
    let mut active: email_domains::ActiveModel = current.into();
    active.status = Set(status.key().to_owned());
    active.last_checked_at = Set(Some(now));
    active.last_check = Set(Some(
        serde_json::to_string(checks).expect("checks serialise"),
    ));
    active.verified_at = Set(match status {
        DomainStatus::Verified => was_verified.or(Some(now)),
        _ => None,
    });
    let row = active.update(&txn).await?;
    txn.commit().await?;
    Ok(Some(row))
}

/// Verify: looks every record up and stores the result and the new status.
pub async fn verify(state: &AppState, user: &CurrentUser) -> Result<EmailConfig, AppError> {
    let row = find(&state.db, user.org_id)
        .await?
        .ok_or_else(|| AppError::invalid("Set a sending domain first."))?;
    let (checks, status) = check_row(state, &row).await?;
    match store_check(state, &row, &checks, status).await? {
        Some(row) => {
            let relay = relays(state, row.org_id).await?;
            Ok(view(state, Some(row), relay))
        }
        None => get(state, user).await,
    }
}

/// The daily re-check of every verified domain. A domain whose record broke becomes failed
/// (Steward then sends as the instance From) and the organisation's administrators (Configure
/// Data Connectors) are told once: a failed domain is not re-checked until someone selects
/// Verify and it is verified again. A lookup that fails temporarily changes nothing. Answers
/// how many domains broke.
pub async fn recheck_verified(state: &AppState) -> Result<u32, AppError> {
    let rows = email_domains::Entity::find()
        .filter(email_domains::Column::Status.eq(DomainStatus::Verified.key()))
        .all(&state.db)
        .await?;
    let mut broke = 0;
    for row in rows {
        let (checks, status) = check_row(state, &row).await?;
        if store_check(state, &row, &checks, status).await?.is_none()
            || status != DomainStatus::Failed
        {
            continue;
        }
        broke += 1;
        notify_broken(state, &row, &checks).await?;
    }
    Ok(broke)
}

async fn notify_broken(
    state: &AppState,
    row: &email_domains::Model,
    checks: &[RecordCheck],
) -> Result<(), AppError> {
    let org = crate::db::entities::organisations::Entity::find_by_id(row.org_id)
        .one(&state.db)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let mut lines = vec![format!(
        "Steward's daily check found that a DNS record of {} no longer matches, so Steward now sends your organisation's mail from its own address {} instead of {}.",
        row.domain, state.settings.mail.from, row.from_address
    )];
    lines.extend(
        checks
            .iter()
            .filter(|c| c.kind.required() && !c.outcome.is_good())
            .map(|c| {
                format!(
                    "{}: {}. {}",
                    c.kind.label(),
                    c.outcome.label(),
                    c.explanation
                )
            }),
    );
    lines.push(format!(
        "Open Email Configuration ({}/settings/it/email) to see what was found, fix the record and select Verify.",
        state.settings.base_url()
    ));
    let recipients = crate::roles::ssr::repo::active_users_with(
        &state.db,
        row.org_id,
        crate::roles::permission::Permission::ConfigureDataConnectors,
    )
    .await?;
    for user in recipients {
        let mail = crate::mail::ssr::compose::notice(
            &user.email,
            &org,
            &format!("The DNS records of {} need attention", row.domain),
            &lines,
        );
        crate::mail::ssr::queue::enqueue(state, row.org_id, mail).await?;
    }
    Ok(())
}

/// Sends a test email to the signed-in user; answers a sentence for the page.
pub async fn send_test_email(state: &AppState, user: &CurrentUser) -> Result<String, AppError> {
    let row = find(&state.db, user.org_id).await?;
    let (from, how) = match &row {
        Some(row) if status_of(row) == DomainStatus::Verified => (
            row.from_address.clone(),
            format!(
                "It was sent from {} and signed with DKIM for {} (selector {}).",
                row.from_address, row.domain, row.dkim_selector
            ),
        ),
        Some(row) => (
            state.settings.mail.from.clone(),
            format!(
                "{} is not verified yet, so it was sent from Steward's own address {}.",
                row.domain, state.settings.mail.from
            ),
        ),
        None => (
            state.settings.mail.from.clone(),
            format!(
                "No sending domain is set, so it was sent from Steward's own address {}.",
                state.settings.mail.from
            ),
        ),
    };
    let mail = crate::mail::ssr::compose::notice(
        &user.email,
        &user.org_name,
        "Test email from Steward",
        &[
            "This is a test email from Email Configuration.".to_owned(),
            how,
        ],
    );
    crate::mail::ssr::queue::enqueue(state, user.org_id, mail).await?;
    Ok(if relay_configured(state, user.org_id).await? {
        format!("A test email to {} from {from} is on its way.", user.email)
    } else {
        format!(
            "No mail relay is configured: the test email to {} waits in the Outbox.",
            user.email
        )
    })
}

/// How the mail queue sends an organisation's messages: as the verified domain, signed.
pub struct SendingIdentity {
    pub domain: String,
    pub selector: String,
    pub from_address: String,
    pub private_pkcs8: SecretSlice<u8>,
}

impl SendingIdentity {
    /// The envelope sender: on the bounce subdomain, so bounces come back to Steward and SPF
    /// aligns with the From under DMARC.
    pub fn bounce_address(&self) -> String {
        format!(
            "{}@{}",
            records::BOUNCE_LOCAL_PART,
            records::bounce_domain(&self.domain)
        )
    }
}

/// The organisation's sending identity when its domain is verified; None otherwise (the
/// instance From is used).
pub async fn sending_identity(
    state: &AppState,
    org_id: i32,
) -> Result<Option<SendingIdentity>, AppError> {
    let Some(row) = find(&state.db, org_id).await? else {
        return Ok(None);
    };
    if status_of(&row) != DomainStatus::Verified {
        return Ok(None);
    }
    let key = dkim::open(&state.secrets, &row.sealed_private_key)
        .map_err(|e| AppError::internal("dkim key", e))?;
    Ok(Some(SendingIdentity {
        domain: row.domain,
        selector: row.dkim_selector,
        from_address: row.from_address,
        private_pkcs8: key,
    }))
}
