//! Reading the audit log (newest first, filtered, paged) and pruning it.
use std::collections::BTreeMap;

use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::audit::dto::{
    AuditAction, AuditChange, AuditPage, AuditQuery, AuditRow, AUDIT_PAGE_SIZE,
};
use crate::db::entities::audit_events;
use crate::db::search::contains_pattern;
use crate::error::AppError;
use crate::time::{now_ms, DAY_MS};
use crate::time_label::{date_start_ms, TimeLabel};

fn contains(column: audit_events::Column, text: &str) -> Condition {
    Condition::all().add(Expr::expr(Func::lower(Expr::col(column))).like(contains_pattern(text)))
}

pub async fn list(
    db: &impl ConnectionTrait,
    org_id: i32,
    query: &AuditQuery,
    retention_days: i64,
) -> Result<AuditPage, AppError> {
    let mut select = audit_events::Entity::find().filter(audit_events::Column::OrgId.eq(org_id));
    if !query.actor.is_empty() {
        select = select.filter(contains(audit_events::Column::ActorLabel, &query.actor));
    }
    if !query.target.is_empty() {
        select = select.filter(contains(audit_events::Column::TargetLabel, &query.target));
    }
    if let Some(action) = query.action {
        select = select.filter(audit_events::Column::Action.eq(action.key()));
    }
    if let Some(from) = query.from.as_deref().and_then(date_start_ms) {
        select = select.filter(audit_events::Column::OccurredAt.gte(from));
    }
    if let Some(to) = query.to.as_deref().and_then(date_start_ms) {
        select = select.filter(audit_events::Column::OccurredAt.lt(to + DAY_MS));
    }
    let total = select.clone().count(db).await?;
    let page_count = Ord::max(total.div_ceil(AUDIT_PAGE_SIZE), 1);
    let page = query.page.clamp(1, page_count);
    let models = select
        .order_by_desc(audit_events::Column::OccurredAt)
        .order_by_desc(audit_events::Column::Id)
        .offset((page - 1) * AUDIT_PAGE_SIZE)
        .limit(AUDIT_PAGE_SIZE)
        .all(db)
        .await?;
    let now = now_ms();
    let rows = models
        .into_iter()
        .map(|m| AuditRow {
            id: m.id,
            at: TimeLabel::new(m.occurred_at, now),
            actor: m.actor_label,
            action: AuditAction::from_key(&m.action)
                .map(|a| a.label().to_owned())
                .unwrap_or(m.action),
            target: m.target_label,
            changes: changes(m.before_json.as_deref(), m.after_json.as_deref()),
            client_address: m.client_address,
        })
        .collect();
    Ok(AuditPage {
        rows,
        total,
        page,
        page_count,
        retention_days,
    })
}

fn changes(before: Option<&str>, after: Option<&str>) -> Vec<AuditChange> {
    let parse = |text: Option<&str>| -> BTreeMap<String, Option<String>> {
        text.and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default()
    };
    let (before, after) = (parse(before), parse(after));
    let mut fields: Vec<&String> = before.keys().chain(after.keys()).collect();
    fields.sort();
    fields.dedup();
    fields
        .into_iter()
        .map(|field| AuditChange {
            field: field.clone(),
            before: before.get(field).cloned().flatten(),
            after: after.get(field).cloned().flatten(),
        })
        .collect()
}

/// Removes entries older than the retention period. Returns how many went.
pub async fn prune(db: &impl ConnectionTrait, retention_days: i64) -> Result<u64, AppError> {
    let cutoff = now_ms() - retention_days * DAY_MS;
    let removed = audit_events::Entity::delete_many()
        .filter(audit_events::Column::OccurredAt.lt(cutoff))
        .exec(db)
        .await?;
    Ok(removed.rows_affected)
}
