//! One pipeline for both doors. `receive` stores the raw message (one row, committed) and
//! only then may the door acknowledge it; `process` parses and matches a stored row and can
//! run again on the same row (the housekeeping job retries rows left `received` by a crash
//! or a busy database): its interaction ids are derived from the row, so a retry rewrites
//! the same interactions.
//!
//! Matching, in order: parse (unparseable → refused); From must be an active user of the
//! organisation the envelope named; automatic mail (auto-replies, list mail) is refused;
//! with `require_authenticated_sender`, DKIM or SPF must pass (`sender_auth`); a second copy
//! (same Message-ID, or same bytes without one) is a duplicate; To and Cc, minus the
//! internal addresses (every user's address and domain), are matched against the
//! organisation's contact emails. Matched: one interaction per matched account, source
//! `bcc`, written through the Account API's interaction path. Nothing matched: the message
//! waits in the unmatched queue.
use std::collections::{BTreeMap, BTreeSet};

use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{ConnectionTrait, DbErr};
use serde_json::json;

use super::parse::{self, ParsedMessage};
use super::sender_auth::{self, SmtpPeer};
use crate::account_api::upsert::Mode;
use crate::error::AppError;
use crate::limits::{MAX_API_LONG_TEXT_BYTES, MAX_API_TEXT_BYTES};
use crate::state::AppState;
use crate::time::{now_ms, DAY_MS};

/// The interactions' `source`.
pub const SOURCE: &str = "bcc";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Door {
    Smtp,
    Http,
}

impl Door {
    fn key(self) -> &'static str {
        match self {
            Door::Smtp => "smtp",
            Door::Http => "http",
        }
    }
}

/// What processing decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Matched(Vec<String>),
    Unmatched,
    Refused(String),
    Duplicate,
}

impl Outcome {
    pub fn state(&self) -> &'static str {
        match self {
            Outcome::Matched(_) => "matched",
            Outcome::Unmatched => "unmatched",
            Outcome::Refused(_) => "refused",
            Outcome::Duplicate => "duplicate",
        }
    }
}

/// Stores a message as received for `org_id`; answers its row id. The caller acknowledges
/// the message only after this returned Ok.
pub async fn store_raw(
    db: &impl ConnectionTrait,
    org_id: i32,
    door: Door,
    peer: Option<&SmtpPeer>,
    raw: &[u8],
) -> Result<i32, DbErr> {
    let insert = Query::insert()
        .into_table("inbound_messages")
        .columns([
            "org_id",
            "door",
            "received_at",
            "envelope_from",
            "peer",
            "helo",
            "raw",
            "size",
            "state",
        ])
        .values_panic([
            org_id.into(),
            door.key().into(),
            now_ms().into(),
            peer.map(|p| p.mail_from.clone()).into(),
            peer.map(|p| p.ip.to_string()).into(),
            peer.map(|p| p.helo.clone()).into(),
            raw.to_vec().into(),
            (raw.len() as i64).into(),
            "received".into(),
        ])
        .returning_col("id")
        .to_owned();
    let row = db
        .query_one(&insert)
        .await?
        .ok_or_else(|| DbErr::RecordNotInserted)?;
    row.try_get_by_index(0)
}

/// Stores, then processes. Ok(id) once the raw message is stored, whatever processing
/// decides; a processing failure leaves the row for the housekeeping job.
pub async fn receive(
    state: &AppState,
    org_id: i32,
    door: Door,
    peer: Option<&SmtpPeer>,
    raw: &[u8],
) -> Result<i32, AppError> {
    let id = store_raw(&state.db, org_id, door, peer, raw).await?;
    if let Err(error) = process(state, id).await {
        tracing::warn!(message = id, %error, "inbound message stored, processing left for the retry job");
    }
    Ok(id)
}

struct Stored {
    org_id: i32,
    raw: Vec<u8>,
    received_at: i64,
    peer: Option<SmtpPeer>,
}

async fn load(db: &impl ConnectionTrait, id: i32) -> Result<Option<Stored>, DbErr> {
    let select = Query::select()
        .from("inbound_messages")
        .columns([
            "org_id",
            "raw",
            "received_at",
            "door",
            "peer",
            "helo",
            "envelope_from",
        ])
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    let Some(row) = db.query_one(&select).await? else {
        return Ok(None);
    };
    let door: String = row.try_get_by_index(3)?;
    let ip: Option<String> = row.try_get_by_index(4)?;
    let peer = match (door.as_str(), ip.and_then(|ip| ip.parse().ok())) {
        ("smtp", Some(ip)) => Some(SmtpPeer {
            ip,
            helo: row
                .try_get_by_index::<Option<String>>(5)?
                .unwrap_or_default(),
            mail_from: row
                .try_get_by_index::<Option<String>>(6)?
                .unwrap_or_default(),
        }),
        _ => None,
    };
    Ok(Some(Stored {
        org_id: row.try_get_by_index(0)?,
        raw: row.try_get_by_index(1)?,
        received_at: row.try_get_by_index(2)?,
        peer,
    }))
}

/// Every address and domain of the organisation's users (any status): never matched.
pub async fn internal(
    db: &impl ConnectionTrait,
    org_id: i32,
) -> Result<(BTreeSet<String>, BTreeSet<String>), DbErr> {
    let select = Query::select()
        .from("users")
        .column("email")
        .and_where(Expr::col("org_id").eq(org_id))
        .to_owned();
    let mut addresses = BTreeSet::new();
    let mut domains = BTreeSet::new();
    for row in db.query_all(&select).await? {
        let email: String = row.try_get_by_index(0)?;
        let email = email.trim().to_ascii_lowercase();
        if let Some((_, domain)) = email.rsplit_once('@') {
            domains.insert(domain.to_owned());
        }
        addresses.insert(email);
    }
    Ok((addresses, domains))
}

/// To and Cc without internal addresses, the BCC domain and duplicates, in order.
pub fn external_recipients(
    parsed: &ParsedMessage,
    internal: &(BTreeSet<String>, BTreeSet<String>),
    inbound_domain: &str,
) -> Vec<String> {
    let mut seen = BTreeSet::new();
    parsed
        .to
        .iter()
        .chain(parsed.cc.iter())
        .filter(|a| {
            let domain = a.rsplit_once('@').map_or("", |(_, d)| d);
            !internal.0.contains(*a)
                && !internal.1.contains(domain)
                && !domain.eq_ignore_ascii_case(inbound_domain)
        })
        .filter(|a| seen.insert((*a).clone()))
        .cloned()
        .collect()
}

async fn is_active_user(
    db: &impl ConnectionTrait,
    org_id: i32,
    email: &str,
) -> Result<bool, DbErr> {
    let select = Query::select()
        .from("users")
        .column("id")
        .and_where(Expr::col("org_id").eq(org_id))
        .and_where(Expr::col("status").eq("active"))
        .and_where(Func::lower(Expr::col("email")).eq(email.to_ascii_lowercase()))
        .to_owned();
    Ok(db.query_one(&select).await?.is_some())
}

/// Contact email → the account ids it belongs to (active contacts of the organisation).
pub async fn contact_accounts(
    db: &impl ConnectionTrait,
    org_id: i32,
    emails: &[String],
) -> Result<BTreeMap<String, BTreeSet<String>>, DbErr> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    if emails.is_empty() {
        return Ok(out);
    }
    let select = Query::select()
        .from("account_contacts")
        .columns(["email", "account_id"])
        .and_where(Expr::col("org_id").eq(org_id))
        .and_where(Expr::col("is_active").eq(true))
        .and_where(Func::lower(Expr::col("email")).is_in(emails.iter().cloned()))
        .to_owned();
    for row in db.query_all(&select).await? {
        let email: Option<String> = row.try_get_by_index(0)?;
        let account: String = row.try_get_by_index(1)?;
        if let Some(email) = email {
            out.entry(email.trim().to_ascii_lowercase())
                .or_default()
                .insert(account);
        }
    }
    Ok(out)
}

fn fit(text: &str, max_bytes: usize) -> String {
    if text.len() <= max_bytes {
        return text.to_owned();
    }
    let marker = "\n[… shortened]";
    let mut end = max_bytes.saturating_sub(marker.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{marker}", &text[..end])
}

fn human_bytes(bytes: u64) -> String {
    match bytes {
        b if b >= 1024 * 1024 => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
        b if b >= 1024 => format!("{} KB", b.div_ceil(1024)),
        b => format!("{b} bytes"),
    }
}

/// The interaction's description: the text body, then who took part and what was attached.
pub fn description(parsed: &ParsedMessage, sender: &str) -> String {
    let mut footer = format!("\n\n— From: {sender}");
    if !parsed.to.is_empty() {
        footer.push_str(&format!("\nTo: {}", parsed.to.join(", ")));
    }
    if !parsed.cc.is_empty() {
        footer.push_str(&format!("\nCc: {}", parsed.cc.join(", ")));
    }
    if !parsed.attachments.is_empty() {
        let list: Vec<String> = parsed
            .attachments
            .iter()
            .map(|a| format!("{} ({})", a.name, human_bytes(a.bytes)))
            .collect();
        footer.push_str(&format!("\nAttachments (not stored): {}", list.join(", ")));
    }
    let footer = fit(&footer, MAX_API_LONG_TEXT_BYTES / 2);
    let body = if parsed.text_body.is_empty() {
        "(no text body)".to_owned()
    } else {
        parsed.text_body.clone()
    };
    format!(
        "{}{footer}",
        fit(&body, MAX_API_LONG_TEXT_BYTES - footer.len())
    )
}

/// When the message happened: its `Date:` within a week of receipt, else the receipt time
/// (a broken clock must not put a message years away).
fn occurred_at(parsed: &ParsedMessage, received_at: i64) -> i64 {
    parsed
        .date_ms
        .filter(|d| (d - received_at).abs() <= 7 * DAY_MS)
        .unwrap_or(received_at)
}

/// Writes one interaction per account for message `id`. Idempotent per (message, account).
pub async fn write_interactions(
    state: &AppState,
    org_id: i32,
    id: i32,
    parsed: &ParsedMessage,
    received_at: i64,
    accounts: &BTreeMap<String, String>,
) -> Result<(), AppError> {
    let sender = parsed.from.clone().unwrap_or_default();
    let subject = parsed
        .subject
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| fit(s, MAX_API_TEXT_BYTES));
    let description = description(parsed, &sender);
    let records: Vec<serde_json::Value> = accounts
        .iter()
        .map(|(account_id, contact)| {
            json!({
                "interaction_id": format!("email:{id}:{}", fit(account_id, 900)),
                "account_id": account_id,
                "date": occurred_at(parsed, received_at),
                "type": "email",
                "subject": subject,
                "description": description,
                "contact_email": contact,
                "added_by": sender,
            })
        })
        .collect();
    let failures = crate::account_api::interactions::store_as(
        &state.db,
        org_id,
        &records,
        Mode::Write,
        SOURCE,
    )
    .await?;
    if let Some(failure) = failures.first() {
        return Err(AppError::internal(
            "bcc interaction",
            format!("message {id}: {}", failure.message),
        ));
    }
    Ok(())
}

async fn decide(
    state: &AppState,
    id: i32,
    stored: &Stored,
) -> Result<(Outcome, Option<ParsedMessage>), AppError> {
    let db = &state.db;
    let Some(parsed) = parse::parse(&stored.raw) else {
        return Ok((
            Outcome::Refused("unparseable: not a readable email message".into()),
            None,
        ));
    };
    let Some(from) = parsed.from.clone() else {
        return Ok((Outcome::Refused("no From address".into()), Some(parsed)));
    };
    if !is_active_user(db, stored.org_id, &from).await? {
        return Ok((
            Outcome::Refused(format!(
                "sender {from} is not an active Steward user of this organisation"
            )),
            Some(parsed),
        ));
    }
    if parsed.automatic {
        return Ok((
            Outcome::Refused("automatic message (Auto-Submitted or Precedence: bulk/list)".into()),
            Some(parsed),
        ));
    }
    if state.settings.inbound.require_authenticated_sender {
        if let Err(reason) =
            sender_auth::check(&state.settings, &stored.raw, &from, stored.peer.as_ref()).await
        {
            return Ok((Outcome::Refused(reason), Some(parsed)));
        }
    }
    // Claim the deduplication key (one writer at a time, so two copies cannot both win).
    let key = parse::dedupe_key(&parsed, &stored.raw);
    let txn = crate::db::begin_write(db).await?;
    let taken = Query::select()
        .from("inbound_messages")
        .column("id")
        .and_where(Expr::col("org_id").eq(stored.org_id))
        .and_where(Expr::col("dedupe_key").eq(key.clone()))
        .and_where(Expr::col("id").ne(id))
        .to_owned();
    if txn.query_one(&taken).await?.is_some() {
        txn.commit().await?;
        return Ok((Outcome::Duplicate, Some(parsed)));
    }
    let claim = Query::update()
        .table("inbound_messages")
        .value("dedupe_key", key)
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    txn.execute(&claim).await?;
    txn.commit().await?;

    let internal = internal(db, stored.org_id).await?;
    let recipients = external_recipients(&parsed, &internal, &state.settings.inbound.domain);
    let contacts = contact_accounts(db, stored.org_id, &recipients).await?;
    // Account → the first recipient that matched it (the interaction's contact).
    let mut accounts: BTreeMap<String, String> = BTreeMap::new();
    for recipient in &recipients {
        for account in contacts.get(recipient).into_iter().flatten() {
            accounts
                .entry(account.clone())
                .or_insert_with(|| recipient.clone());
        }
    }
    if accounts.is_empty() {
        return Ok((Outcome::Unmatched, Some(parsed)));
    }
    write_interactions(
        state,
        stored.org_id,
        id,
        &parsed,
        stored.received_at,
        &accounts,
    )
    .await?;
    Ok((
        Outcome::Matched(accounts.into_keys().collect()),
        Some(parsed),
    ))
}

/// Parses and matches stored message `id`, and records the outcome on its row.
pub async fn process(state: &AppState, id: i32) -> Result<Outcome, AppError> {
    let Some(stored) = load(&state.db, id).await? else {
        return Err(AppError::NotFound);
    };
    let (outcome, parsed) = decide(state, id, &stored).await?;
    let internal = internal(&state.db, stored.org_id).await?;
    let mut update = Query::update();
    update
        .table("inbound_messages")
        .value("state", outcome.state())
        .value("processed_at", now_ms())
        .value(
            "reason",
            match &outcome {
                Outcome::Refused(reason) => Some(fit(reason, 1000)),
                _ => None,
            },
        )
        .value(
            "matched",
            match &outcome {
                Outcome::Matched(accounts) => Some(json!(accounts).to_string()),
                _ => None,
            },
        )
        .and_where(Expr::col("id").eq(id));
    if let Some(parsed) = &parsed {
        update
            .value("from_address", parsed.from.clone())
            .value("subject", parsed.subject.as_deref().map(|s| fit(s, 1000)))
            .value(
                "message_id",
                parsed.message_id.as_deref().map(|s| fit(s, 1000)),
            )
            .value("sent_at", parsed.date_ms)
            .value(
                "recipients",
                json!(external_recipients(
                    parsed,
                    &internal,
                    &state.settings.inbound.domain
                ))
                .to_string(),
            )
            .value("attachments", json!(parsed.attachments).to_string());
    }
    state.db.execute(&update).await?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_description_fits_the_interaction_limit() {
        let parsed = ParsedMessage {
            text_body: "é".repeat(40_000),
            to: vec!["a@b.test".into()],
            attachments: vec![crate::bcc_email::dto::AttachmentInfo {
                name: "q.pdf".into(),
                bytes: 2048,
            }],
            ..Default::default()
        };
        let text = description(&parsed, "ann@acme.test");
        assert!(text.len() <= MAX_API_LONG_TEXT_BYTES, "{}", text.len());
        assert!(text.contains("[… shortened]"));
        assert!(text.ends_with("Attachments (not stored): q.pdf (2 KB)"));
    }

    #[test]
    fn test_internal_and_bcc_addresses_never_match() {
        let parsed = ParsedMessage {
            to: vec!["bob@customer.test".into(), "ann@acme.test".into()],
            cc: vec![
                "x@acme.test".into(),
                "tok@in.steward.test".into(),
                "bob@customer.test".into(),
                "eve@partner.test".into(),
            ],
            ..Default::default()
        };
        let internal = (
            BTreeSet::from(["eve@partner.test".to_owned()]),
            BTreeSet::from(["acme.test".to_owned()]),
        );
        assert_eq!(
            external_recipients(&parsed, &internal, "in.steward.test"),
            vec!["bob@customer.test"]
        );
    }
}
