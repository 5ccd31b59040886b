//! The unmatched queue (IT Administration → Unmatched email) and the counts Source Overview
//! shows. Every query is scoped to the caller's organisation. Messages are kept 30 days
//! (`purge`, run by the housekeeping job), which also bounds deduplication to 30 days.
use std::collections::BTreeMap;

use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use sea_orm::{ConnectionTrait, DbErr};
use serde_json::json;

use super::parse;
use super::pipeline::{self, SOURCE};
use crate::account_api::upsert::{upsert, Resource};
use crate::auth::dto::CurrentUser;
use crate::bcc_email::dto::{RefusedEmail, UnmatchedEmail, UnmatchedQueue};
use crate::error::AppError;
use crate::state::AppState;
use crate::time::{now_ms, DAY_MS, MINUTE_MS};
use crate::time_label::exact_utc;

pub const KEEP_DAYS: i64 = 30;
/// Most rows the page lists of each kind.
const PAGE_ROWS: u64 = 200;

fn list_json<T: serde::de::DeserializeOwned + Default>(text: Option<String>) -> T {
    text.and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

/// Unmatched and refused messages of the last 30 days, newest first.
pub async fn list(db: &impl ConnectionTrait, org_id: i32) -> Result<UnmatchedQueue, AppError> {
    let since = now_ms() - KEEP_DAYS * DAY_MS;
    let mut queue = UnmatchedQueue {
        unmatched: vec![],
        refused: vec![],
    };
    for state in ["unmatched", "refused"] {
        let select = Query::select()
            .from("inbound_messages")
            .columns([
                "id",
                "received_at",
                "from_address",
                "subject",
                "recipients",
                "attachments",
                "reason",
            ])
            .and_where(Expr::col("org_id").eq(org_id))
            .and_where(Expr::col("state").eq(state))
            .and_where(Expr::col("received_at").gte(since))
            .order_by("received_at", Order::Desc)
            .order_by("id", Order::Desc)
            .limit(PAGE_ROWS)
            .to_owned();
        for row in db.query_all(&select).await? {
            let id: i32 = row.try_get_by_index(0)?;
            let received = exact_utc(row.try_get_by_index(1)?);
            let from = row
                .try_get_by_index::<Option<String>>(2)?
                .unwrap_or_default();
            let subject = row
                .try_get_by_index::<Option<String>>(3)?
                .unwrap_or_default();
            if state == "unmatched" {
                queue.unmatched.push(UnmatchedEmail {
                    id,
                    received,
                    from,
                    subject,
                    recipients: list_json(row.try_get_by_index(4)?),
                    attachments: list_json(row.try_get_by_index(5)?),
                });
            } else {
                queue.refused.push(RefusedEmail {
                    id,
                    received,
                    from,
                    subject,
                    reason: row
                        .try_get_by_index::<Option<String>>(6)?
                        .unwrap_or_default(),
                });
            }
        }
    }
    Ok(queue)
}

/// An unmatched message of the organisation: (raw, received_at, recipients).
async fn unmatched(
    db: &impl ConnectionTrait,
    org_id: i32,
    id: i32,
) -> Result<(Vec<u8>, i64, Vec<String>), AppError> {
    let select = Query::select()
        .from("inbound_messages")
        .columns(["raw", "received_at", "recipients"])
        .and_where(Expr::col("org_id").eq(org_id))
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("state").eq("unmatched"))
        .to_owned();
    let row = db.query_one(&select).await?.ok_or(AppError::NotFound)?;
    Ok((
        row.try_get_by_index(0)?,
        row.try_get_by_index(1)?,
        list_json(row.try_get_by_index(2)?),
    ))
}

async fn resolve(
    db: &impl ConnectionTrait,
    org_id: i32,
    id: i32,
    state: &str,
    by: &str,
    matched: Option<String>,
) -> Result<(), DbErr> {
    let update = Query::update()
        .table("inbound_messages")
        .value("state", state)
        .value("resolved_by", by)
        .value("matched", matched)
        .and_where(Expr::col("org_id").eq(org_id))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    db.execute(&update).await?;
    Ok(())
}

/// Assigns an unmatched message to an account (by its `account_id`): writes the interaction
/// and, when `add_contact` names one of the message's recipients, adds it as a contact of
/// the account so the next message from that conversation matches.
pub async fn assign(
    state: &AppState,
    user: &CurrentUser,
    id: i32,
    account_id: &str,
    add_contact: Option<&str>,
) -> Result<(), AppError> {
    let account_id = account_id.trim();
    if account_id.is_empty() {
        return Err(AppError::field(
            "account_id",
            "Choose the account to assign it to.",
        ));
    }
    let (raw, received_at, recipients) = unmatched(&state.db, user.org_id, id).await?;
    let found = crate::account_api::repo::account_pks(
        &state.db,
        user.org_id,
        std::slice::from_ref(&account_id.to_owned()),
    )
    .await?;
    if !found.contains_key(account_id) {
        return Err(AppError::field(
            "account_id",
            format!("No account has the id \"{account_id}\"."),
        ));
    }
    let contact = add_contact.map(str::trim).filter(|c| !c.is_empty());
    if let Some(contact) = contact {
        if !recipients
            .iter()
            .any(|r| r == &contact.to_ascii_lowercase())
        {
            return Err(AppError::field(
                "add_contact",
                format!("{contact} is not one of this message's recipients."),
            ));
        }
    }
    let parsed =
        parse::parse(&raw).ok_or_else(|| AppError::invalid("This message cannot be read."))?;
    let first = contact
        .map(str::to_ascii_lowercase)
        .or_else(|| recipients.first().cloned())
        .unwrap_or_default();
    let accounts = BTreeMap::from([(account_id.to_owned(), first)]);
    pipeline::write_interactions(state, user.org_id, id, &parsed, received_at, &accounts).await?;
    if let Some(contact) = contact {
        let email = contact.to_ascii_lowercase();
        let failures = upsert(
            &state.db,
            user.org_id,
            Resource::Contacts,
            vec![json!({"user_id": email, "account_id": account_id, "email": email, "source": SOURCE})],
        )
        .await?;
        if let Some(failure) = failures.first() {
            return Err(AppError::invalid(format!(
                "The email was assigned, but the contact could not be added: {}",
                failure.message
            )));
        }
    }
    resolve(
        &state.db,
        user.org_id,
        id,
        "assigned",
        &user.email,
        Some(json!([account_id]).to_string()),
    )
    .await?;
    Ok(())
}

/// Discards an unmatched message (it stays listed nowhere; purged with the others).
pub async fn discard(state: &AppState, user: &CurrentUser, id: i32) -> Result<(), AppError> {
    unmatched(&state.db, user.org_id, id).await?;
    resolve(&state.db, user.org_id, id, "discarded", &user.email, None).await?;
    Ok(())
}

/// Messages of the last day: (received, matched, unmatched, refused, newest received_at).
pub async fn last_day_counts(
    db: &impl ConnectionTrait,
    org_id: i32,
) -> Result<(i64, i64, i64, i64, Option<i64>), DbErr> {
    let select = Query::select()
        .from("inbound_messages")
        .columns(["state", "received_at"])
        .and_where(Expr::col("org_id").eq(org_id))
        .and_where(Expr::col("received_at").gte(now_ms() - DAY_MS))
        .to_owned();
    let (mut received, mut matched, mut unmatched, mut refused, mut newest) = (0, 0, 0, 0, None);
    for row in db.query_all(&select).await? {
        let state: String = row.try_get_by_index(0)?;
        let at: i64 = row.try_get_by_index(1)?;
        received += 1;
        newest = Ord::max(newest, Some(at));
        match state.as_str() {
            // As they arrived: an assigned or discarded message was unmatched.
            "matched" => matched += 1,
            "unmatched" | "assigned" | "discarded" => unmatched += 1,
            "refused" => refused += 1,
            _ => {}
        }
    }
    Ok((received, matched, unmatched, refused, newest))
}

/// Deletes messages older than 30 days; answers how many.
pub async fn purge(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    let delete = Query::delete()
        .from_table("inbound_messages")
        .and_where(Expr::col("received_at").lt(now_ms() - KEEP_DAYS * DAY_MS))
        .to_owned();
    Ok(db.execute(&delete).await?.rows_affected())
}

/// Processes messages left `received` for over a minute (a crash or a busy database between
/// storing and processing). Answers how many were processed.
pub async fn retry_stuck(state: &AppState) -> Result<usize, AppError> {
    let select = Query::select()
        .from("inbound_messages")
        .column("id")
        .and_where(Expr::col("state").eq("received"))
        .and_where(Expr::col("received_at").lt(now_ms() - MINUTE_MS))
        .order_by("id", Order::Asc)
        .limit(100)
        .to_owned();
    let ids: Vec<i32> = state
        .db
        .query_all(&select)
        .await?
        .iter()
        .map(|r| r.try_get_by_index(0))
        .collect::<Result<_, _>>()?;
    for id in &ids {
        pipeline::process(state, *id).await?;
    }
    Ok(ids.len())
}
