//! The mail queue: every message is recorded with its delivery status; failures are
//! retried with backoff and keep their last error for the outbox page.
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use std::collections::HashMap;

use super::compose::{to_message, Bodies, Mail};
use super::transport::SmtpSender;
use crate::connections::dto::CredentialSystem;
use crate::connections::ssr::credentials;
use crate::db::entities::outbound_mail;
use crate::email_config::ssr::service::{sending_identity, SendingIdentity};
use crate::error::AppError;
use crate::state::AppState;
use crate::time::{now_ms, MINUTE_MS};

pub const STATUS_QUEUED: &str = "queued";
pub const STATUS_SENT: &str = "sent";
pub const STATUS_FAILED: &str = "failed";
/// No relay configured: the message waits in the outbox for an administrator to read.
pub const STATUS_OUTBOX: &str = "outbox";

const SEAL_PURPOSE: &str = "mail-body";
/// Waits after the 1st, 2nd, … failed attempt; after the last one the message is failed.
const BACKOFF_MS: [i64; 5] = [
    MINUTE_MS,
    5 * MINUTE_MS,
    15 * MINUTE_MS,
    60 * MINUTE_MS,
    180 * MINUTE_MS,
];
const BATCH: u64 = 50;

pub fn backoff_after(attempts: i32) -> Option<i64> {
    BACKOFF_MS.get((attempts.max(1) - 1) as usize).copied()
}

/// Whether the organisation's messages leave Steward: through its own SMTP relay (Manage
/// Credentials) or the instance's (`[mail] relay`); without either they wait in the outbox.
/// Pages and answers carry it so nobody is told a message "is on its way" when it is not.
pub async fn relay_configured(state: &AppState, org_id: i32) -> Result<bool, AppError> {
    Ok(state.settings.mail.relay.is_some()
        || credentials::is_set(&state.db, org_id, CredentialSystem::SmtpRelay).await?)
}

/// The organisation's own SMTP relay from Manage Credentials, when it has one.
async fn org_relay(state: &AppState, org_id: i32) -> Result<Option<SmtpSender>, String> {
    let values = credentials::open(state, org_id, CredentialSystem::SmtpRelay)
        .await
        .map_err(|e| e.to_string())?;
    values
        .map(|values| SmtpSender::from_credentials(&values))
        .transpose()
}

/// The hash of the one-time link in a message, as `one_time_tokens` stores it. Setup and
/// reset links end with their token (`…/setup/<token>`, `…/reset-password/<token>`).
pub fn link_hash(link: &str) -> String {
    crate::crypto::token_hash(link.rsplit('/').next().unwrap_or(link))
}

/// Records a message for delivery. Refuses an address lettre cannot parse.
pub async fn enqueue(state: &AppState, org_id: i32, mail: Mail) -> Result<i32, AppError> {
    to_message(
        &state.settings.mail.from,
        &mail.to,
        &mail.subject,
        &mail.bodies,
    )
    .map_err(AppError::Invalid)?;
    let relay = relay_configured(state, org_id).await?;
    if !relay {
        // First runs work without a mail server: the link goes to the log.
        tracing::info!(to = %mail.to, kind = mail.kind.key(), link = %mail.link.as_deref().unwrap_or("-"), "mail kept in the outbox (no relay configured)");
    }
    let sealed = state.secrets.seal(
        SEAL_PURPOSE,
        &serde_json::to_vec(&mail.bodies).expect("bodies serialise"),
    );
    let now = now_ms();
    let row = outbound_mail::ActiveModel {
        org_id: Set(org_id),
        kind: Set(mail.kind.key().to_owned()),
        to_address: Set(mail.to),
        subject: Set(mail.subject),
        sealed_body: Set(sealed),
        status: Set(if relay { STATUS_QUEUED } else { STATUS_OUTBOX }.to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
        link_hash: Set(mail.link.as_deref().map(link_hash)),
        ..Default::default()
    }
    .insert(&state.db)
    .await?;
    Ok(row.id)
}

/// The bodies of a stored message (for the outbox page and for sending).
pub fn open_bodies(state: &AppState, row: &outbound_mail::Model) -> Result<Bodies, AppError> {
    let bytes = state
        .secrets
        .open(SEAL_PURPOSE, &row.sealed_body)
        .map_err(|e| AppError::internal("mail body", e))?;
    serde_json::from_slice(&bytes).map_err(|e| AppError::internal("mail body", e))
}

/// Sends one message: from a verified domain, DKIM-signed with the bounce subdomain as
/// envelope sender; otherwise (or when signing fails) from the instance From, unsigned.
async fn send_one(
    state: &AppState,
    sender: &SmtpSender,
    identity: Option<&SendingIdentity>,
    row: &outbound_mail::Model,
    bodies: &Bodies,
) -> Result<(), String> {
    if let Some(identity) = identity {
        match signed_message(identity, row, bodies) {
            Ok((envelope, signed)) => return sender.send_raw(&envelope, &signed).await,
            Err(error) => {
                tracing::warn!(org_id = row.org_id, %error, "DKIM signing failed; sending as the instance From");
            }
        }
    }
    let message = to_message(
        &state.settings.mail.from,
        &row.to_address,
        &row.subject,
        bodies,
    )?;
    sender.send(message).await
}

fn signed_message(
    identity: &SendingIdentity,
    row: &outbound_mail::Model,
    bodies: &Bodies,
) -> Result<(lettre::address::Envelope, Vec<u8>), String> {
    let message = to_message(
        &identity.from_address,
        &row.to_address,
        &row.subject,
        bodies,
    )?;
    let bounce: lettre::Address = identity
        .bounce_address()
        .parse()
        .map_err(|e| format!("bounce address: {e}"))?;
    let envelope = lettre::address::Envelope::new(Some(bounce), message.envelope().to().to_vec())
        .map_err(|e| format!("envelope: {e}"))?;
    let signed = crate::email_config::ssr::dkim::sign(
        &message.formatted(),
        &identity.domain,
        &identity.selector,
        &identity.private_pkcs8,
    )?;
    Ok((envelope, signed))
}

/// What one delivery round did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Delivery {
    pub sent: u32,
    pub retrying: u32,
    pub failed: u32,
}

/// Sends due messages, each through its organisation's own relay when it has one, else the
/// instance's. Runs as a leased background job, so on several instances sharing a
/// database each message is attempted by one of them at a time.
pub async fn deliver_due(state: &AppState) -> Result<Delivery, AppError> {
    let mut delivery = Delivery::default();
    let now = now_ms();
    let mut due = outbound_mail::Entity::find()
        .filter(outbound_mail::Column::Status.eq(STATUS_QUEUED))
        .filter(outbound_mail::Column::NextAttemptAt.lte(now));
    if state.mailer.is_none() {
        // Without an instance relay only organisations with their own can send: their
        // messages must not wait behind others' that cannot leave.
        let with_relay =
            credentials::organisations_with(&state.db, CredentialSystem::SmtpRelay).await?;
        if with_relay.is_empty() {
            return Ok(delivery);
        }
        due = due.filter(outbound_mail::Column::OrgId.is_in(with_relay));
    }
    let due = due
        .order_by_asc(outbound_mail::Column::Id)
        .limit(BATCH)
        .all(&state.db)
        .await?;
    // Each organisation's sending identity and relay, looked up once per round.
    let mut identities: HashMap<i32, Option<SendingIdentity>> = HashMap::new();
    let mut relays: HashMap<i32, Result<Option<SmtpSender>, String>> = HashMap::new();
    for row in due {
        if let std::collections::hash_map::Entry::Vacant(slot) = identities.entry(row.org_id) {
            let identity = sending_identity(state, row.org_id)
                .await
                .unwrap_or_else(|error| {
                    tracing::warn!(org_id = row.org_id, %error, "sending identity unavailable; sending as the instance From");
                    None
                });
            slot.insert(identity);
        }
        if let std::collections::hash_map::Entry::Vacant(slot) = relays.entry(row.org_id) {
            slot.insert(org_relay(state, row.org_id).await);
        }
        let sender = match &relays[&row.org_id] {
            Ok(Some(own)) => Ok(own),
            Ok(None) => state
                .mailer
                .as_ref()
                .ok_or_else(|| "no SMTP relay is configured".to_owned()),
            // Counted as a failed attempt, so the outbox shows why.
            Err(error) => Err(format!("the organisation's SMTP relay: {error}")),
        };
        let identity = identities.get(&row.org_id).and_then(Option::as_ref);
        let result = match (sender, open_bodies(state, &row)) {
            (Ok(sender), Ok(bodies)) => send_one(state, sender, identity, &row, &bodies).await,
            (Err(error), _) => Err(error),
            (_, Err(e)) => Err(e.to_string()),
        };
        let attempts = row.attempts + 1;
        let mut active: outbound_mail::ActiveModel = row.into();
        active.attempts = Set(attempts);
        match result {
            Ok(()) => {
                active.status = Set(STATUS_SENT.into());
                active.sent_at = Set(Some(now_ms()));
                active.last_error = Set(None);
                delivery.sent += 1;
            }
            Err(error) => {
                let error: String = error.chars().take(500).collect();
                tracing::warn!(attempts, %error, "mail delivery failed");
                active.last_error = Set(Some(error));
                match backoff_after(attempts) {
                    Some(wait) => {
                        active.next_attempt_at = Set(now_ms() + wait);
                        delivery.retrying += 1;
                    }
                    None => {
                        active.status = Set(STATUS_FAILED.into());
                        delivery.failed += 1;
                    }
                }
            }
        }
        active.update(&state.db).await?;
    }
    Ok(delivery)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_backoff_grows_then_gives_up() {
        assert_eq!(backoff_after(1), Some(MINUTE_MS));
        assert_eq!(backoff_after(5), Some(180 * MINUTE_MS));
        assert_eq!(backoff_after(6), None);
    }
}
