//! Writes one API call into the API Status log and keeps only the newest
//! `KEPT_CALLS_PER_ORG` rows of the organisation. The APIs call `record` after answering
//! the request's work; the path given must already be redacted (`public_api::redact`).
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};

use crate::api_status::dto::{
    ApiKind, CallStatus, RecordFailure, KEPT_CALLS_PER_ORG, KEPT_FAILURES_PER_CALL,
};
use crate::db::entities::api_calls;
use crate::time::now_ms;

/// One call as the API saw it.
#[derive(Clone, Debug)]
pub struct ApiCall {
    pub org_id: i32,
    pub api: ApiKind,
    pub method: String,
    /// Path and query, keys already redacted.
    pub path: String,
    /// The route pattern, e.g. `/api/v2/accounts/{account_id}`.
    pub endpoint: String,
    pub http_status: u16,
    /// False when the call as a whole failed (`status_is_ok: false`, 4xx, 5xx).
    pub ok: bool,
    pub records_received: u32,
    pub records_failed: u32,
    pub failures: Vec<RecordFailure>,
    pub message: Option<String>,
    pub key_id: Option<i32>,
    pub key_name: Option<String>,
    pub duration_ms: u32,
}

impl ApiCall {
    pub fn status(&self) -> CallStatus {
        CallStatus::of(
            self.ok && self.http_status < 400,
            self.records_received,
            self.records_failed,
        )
    }
}

pub async fn record(db: &impl ConnectionTrait, call: ApiCall) -> Result<(), DbErr> {
    let status = call.status();
    let failures = (!call.failures.is_empty()).then(|| {
        let kept: Vec<&RecordFailure> = call.failures.iter().take(KEPT_FAILURES_PER_CALL).collect();
        serde_json::to_string(&kept).unwrap_or_default()
    });
    let row = api_calls::ActiveModel {
        org_id: Set(call.org_id),
        api: Set(call.api.key().to_owned()),
        method: Set(call.method),
        path: Set(call.path),
        endpoint: Set(call.endpoint),
        status: Set(status.key().to_owned()),
        http_status: Set(i32::from(call.http_status)),
        records_received: Set(call.records_received as i32),
        records_failed: Set(call.records_failed as i32),
        duration_ms: Set(call.duration_ms as i32),
        key_id: Set(call.key_id),
        key_name: Set(call.key_name),
        message: Set(call.message),
        failures: Set(failures),
        created_at: Set(now_ms()),
        ..Default::default()
    };
    let inserted = row.insert(db).await?;
    prune(db, call.org_id, inserted.id).await
}

/// Drops the organisation's calls older than its newest `KEPT_CALLS_PER_ORG`.
async fn prune(db: &impl ConnectionTrait, org_id: i32, newest_id: i32) -> Result<(), DbErr> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    // Cheap most of the time: ids grow, so only look when the newest id passed the limit.
    if (newest_id as u64) <= KEPT_CALLS_PER_ORG {
        return Ok(());
    }
    let boundary: Option<i32> = api_calls::Entity::find()
        .select_only()
        .column(api_calls::Column::Id)
        .filter(api_calls::Column::OrgId.eq(org_id))
        .order_by_desc(api_calls::Column::Id)
        .offset(KEPT_CALLS_PER_ORG)
        .limit(1)
        .into_tuple()
        .one(db)
        .await?;
    if let Some(boundary) = boundary {
        api_calls::Entity::delete_many()
            .filter(api_calls::Column::OrgId.eq(org_id))
            .filter(api_calls::Column::Id.lte(boundary))
            .exec(db)
            .await?;
    }
    Ok(())
}
