//! Reading the API Status log: the organisation's newest calls, filtered and paged.
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::api_status::dto::{
    ApiCallRow, ApiCallsPage, ApiKind, ApiStatusQuery, CallStatus, RecordFailure,
    API_STATUS_PAGE_SIZE, FAILURES_SHOWN_PER_ROW, KEPT_CALLS_PER_ORG,
};
use crate::db::entities::api_calls;
use crate::error::AppError;
use crate::time::now_ms;
use crate::time_label::TimeLabel;

/// The page of calls `query` asks for, newest first, among the organisation's newest
/// `KEPT_CALLS_PER_ORG` (rows a concurrent writer has not pruned yet are not shown).
pub async fn list(
    db: &impl ConnectionTrait,
    org_id: i32,
    query: &ApiStatusQuery,
) -> Result<ApiCallsPage, AppError> {
    let mut select = api_calls::Entity::find().filter(api_calls::Column::OrgId.eq(org_id));
    let oldest_kept: Option<i32> = api_calls::Entity::find()
        .select_only()
        .column(api_calls::Column::Id)
        .filter(api_calls::Column::OrgId.eq(org_id))
        .order_by_desc(api_calls::Column::Id)
        .offset(KEPT_CALLS_PER_ORG - 1)
        .limit(1)
        .into_tuple()
        .one(db)
        .await?;
    if let Some(oldest) = oldest_kept {
        select = select.filter(api_calls::Column::Id.gte(oldest));
    }
    if let Some(status) = query.status {
        select = select.filter(api_calls::Column::Status.eq(status.key()));
    }
    if let Some(api) = query.api {
        select = select.filter(api_calls::Column::Api.eq(api.key()));
    }
    let endpoints: Vec<String> = api_calls::Entity::find()
        .select_only()
        .column(api_calls::Column::Endpoint)
        .filter(api_calls::Column::OrgId.eq(org_id))
        .distinct()
        .order_by_asc(api_calls::Column::Endpoint)
        .into_tuple()
        .all(db)
        .await?;
    // Only an endpoint the log holds filters; anything else (a hand-edited URL) is ignored
    // like any other malformed parameter, so the page never shows a value it did not offer.
    if endpoints.contains(&query.endpoint) {
        select = select.filter(api_calls::Column::Endpoint.eq(query.endpoint.as_str()));
    }
    if let Some(id) = query.call {
        select = select.filter(api_calls::Column::Id.eq(id));
    }
    let total = select.clone().count(db).await?;
    let page_count = Ord::max(total.div_ceil(API_STATUS_PAGE_SIZE), 1);
    let page = query.page.clamp(1, page_count);
    let models = select
        .order_by_desc(api_calls::Column::Id)
        .offset((page - 1) * API_STATUS_PAGE_SIZE)
        .limit(API_STATUS_PAGE_SIZE)
        .all(db)
        .await?;
    let shown = if query.call.is_some() {
        usize::MAX
    } else {
        FAILURES_SHOWN_PER_ROW
    };
    let now = now_ms();
    let rows = models.into_iter().map(|m| row(m, now, shown)).collect();
    Ok(ApiCallsPage {
        rows,
        total,
        page,
        page_count,
        endpoints,
    })
}

fn row(m: api_calls::Model, now: i64, shown: usize) -> ApiCallRow {
    let failures: Vec<RecordFailure> = m
        .failures
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default();
    let to_u32 = |n: i32| u32::try_from(n).unwrap_or_default();
    ApiCallRow {
        id: m.id,
        at: TimeLabel::new(m.created_at, now),
        api: ApiKind::from_key(&m.api).unwrap_or(ApiKind::Account),
        method: m.method,
        path: m.path,
        endpoint: m.endpoint,
        status: CallStatus::from_key(&m.status).unwrap_or(CallStatus::Failure),
        http_status: u16::try_from(m.http_status).unwrap_or_default(),
        records_received: to_u32(m.records_received),
        records_failed: to_u32(m.records_failed),
        duration_ms: to_u32(m.duration_ms),
        key_name: m.key_name,
        message: m.message,
        failures_kept: failures.len() as u32,
        failures: failures.into_iter().take(shown).collect(),
    }
}
