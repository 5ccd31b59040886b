//! Reading the mail queue for the Outbox page, always within one organisation.
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use std::collections::HashMap;

use sea_orm::ConnectionTrait;

use super::compose::MailKind;
use super::queue::{open_bodies, STATUS_QUEUED};
use crate::db::entities::{one_time_tokens, outbound_mail};
use crate::error::AppError;
use crate::mail::dto::{
    LinkState, MailStatus, OutboxMessage, OutboxPage, OutboxQuery, OutboxRow, OUTBOX_PAGE_SIZE,
};
use crate::state::AppState;
use crate::time::now_ms;
use crate::time_label::TimeLabel;

/// A stored status this version does not know is shown as queued (still waiting).
fn status(key: &str) -> MailStatus {
    MailStatus::from_key(key).unwrap_or(MailStatus::Queued)
}

/// Whether a link still works, from its row.
fn link_state(link: &one_time_tokens::Model, now: i64) -> LinkState {
    match (link.used_at, link.retired_reason.as_deref()) {
        (Some(_), Some("replaced")) => LinkState::Replaced,
        (Some(_), Some("revoked")) => LinkState::Revoked,
        (Some(_), _) => LinkState::Used,
        (None, _) if link.expires_at <= now => LinkState::Expired,
        (None, _) => LinkState::Works,
    }
}

/// The links carried by these messages, by hash, within the organisation.
async fn links_of(
    db: &impl ConnectionTrait,
    org_id: i32,
    mail: &[outbound_mail::Model],
) -> Result<HashMap<String, one_time_tokens::Model>, AppError> {
    let hashes: Vec<String> = mail.iter().filter_map(|m| m.link_hash.clone()).collect();
    if hashes.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(one_time_tokens::Entity::find()
        .filter(one_time_tokens::Column::OrgId.eq(org_id))
        .filter(one_time_tokens::Column::TokenHash.is_in(hashes))
        .all(db)
        .await?
        .into_iter()
        .map(|link| (link.token_hash.clone(), link))
        .collect())
}

fn row(
    m: outbound_mail::Model,
    now: i64,
    links: &HashMap<String, one_time_tokens::Model>,
) -> OutboxRow {
    OutboxRow {
        link: m
            .link_hash
            .as_ref()
            .and_then(|hash| links.get(hash))
            .map(|link| link_state(link, now)),
        id: m.id,
        created: TimeLabel::new(m.created_at, now),
        next_attempt: (m.status == STATUS_QUEUED).then(|| TimeLabel::new(m.next_attempt_at, now)),
        status: status(&m.status),
        kind: MailKind::label_of(&m.kind),
        to: m.to_address,
        subject: m.subject,
        attempts: m.attempts,
        last_error: m.last_error,
    }
}

pub async fn list(
    state: &AppState,
    org_id: i32,
    query: &OutboxQuery,
) -> Result<OutboxPage, AppError> {
    let db = &state.db;
    let mut select = outbound_mail::Entity::find().filter(outbound_mail::Column::OrgId.eq(org_id));
    if let Some(status) = query.status {
        select = select.filter(outbound_mail::Column::Status.eq(status.key()));
    }
    let total = select.clone().count(db).await?;
    let page_count = Ord::max(total.div_ceil(OUTBOX_PAGE_SIZE), 1);
    let page = query.page.clamp(1, page_count);
    let models = select
        .order_by_desc(outbound_mail::Column::CreatedAt)
        .order_by_desc(outbound_mail::Column::Id)
        .offset((page - 1) * OUTBOX_PAGE_SIZE)
        .limit(OUTBOX_PAGE_SIZE)
        .all(db)
        .await?;
    let now = now_ms();
    let links = links_of(db, org_id, &models).await?;
    let rows = models.into_iter().map(|m| row(m, now, &links)).collect();
    Ok(OutboxPage {
        rows,
        total,
        page,
        page_count,
        relay_configured: super::queue::relay_configured(state, org_id).await?,
    })
}

/// One message of the organisation with its text body; another organisation's id is NotFound.
pub async fn open(state: &AppState, org_id: i32, id: i32) -> Result<OutboxMessage, AppError> {
    let model = outbound_mail::Entity::find_by_id(id)
        .filter(outbound_mail::Column::OrgId.eq(org_id))
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let text = open_bodies(state, &model)?.text;
    let links = links_of(&state.db, org_id, std::slice::from_ref(&model)).await?;
    Ok(OutboxMessage {
        mail: row(model, now_ms(), &links),
        text,
    })
}
