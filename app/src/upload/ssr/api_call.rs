//! An upload as one call of API "Upload" in API Status, with its per-row failures. The
//! same entry whichever door the file came in by (program route or the page).
use crate::api_status::dto::{ApiKind, RecordFailure, KEPT_FAILURES_PER_CALL};
use crate::api_status::ssr::recorder::ApiCall;
use crate::upload::dto::{RowFailure, UploadApi, UploadStatus};
use crate::upload::ssr::repo::UploadRow;

/// The route pattern API Status groups uploads under.
pub fn endpoint(api: UploadApi) -> String {
    format!("/api/v2/upload/{}", api.key())
}

/// A call with nothing received yet (refusals fill in status and message).
pub fn blank(org_id: i32, key: Option<(i32, &str)>) -> ApiCall {
    ApiCall {
        org_id,
        api: ApiKind::Upload,
        method: "POST".into(),
        path: String::new(),
        endpoint: "/api/v2/upload/{api}".into(),
        http_status: 200,
        ok: true,
        records_received: 0,
        records_failed: 0,
        failures: vec![],
        message: None,
        key_id: key.map(|(id, _)| id),
        key_name: key.map(|(_, name)| name.to_owned()),
        duration_ms: 0,
    }
}

/// The call of an upload that ran to its end: rows received and failed, the first
/// failures by line, and a one-line summary.
pub fn finished(
    org_id: i32,
    upload: &UploadRow,
    failures: &[(RowFailure, Vec<String>)],
    key: Option<(i32, &str)>,
) -> ApiCall {
    let summary = &upload.summary;
    let mut call = blank(org_id, key);
    call.endpoint = endpoint(summary.api);
    call.ok = summary.status != UploadStatus::Failed;
    call.records_received = summary.rows.min(u32::MAX as u64) as u32;
    call.records_failed = summary.failed.min(u32::MAX as u64) as u32;
    call.failures = failures
        .iter()
        .take(KEPT_FAILURES_PER_CALL)
        .map(|(f, _)| RecordFailure {
            record: f.line.min(u32::MAX as u64) as u32,
            id: f.column.clone(),
            message: format!("Line {}: {}", f.line, f.message),
        })
        .collect();
    let dry_run = summary.status == UploadStatus::DryRun;
    let by = if key.is_none() {
        format!(" by {}", summary.by)
    } else {
        String::new()
    };
    let mut message = format!(
        "{} '{}'{by}: {} row(s), {} {}, {} failed",
        if dry_run { "Dry run of" } else { "Upload of" },
        summary.file_name,
        summary.rows,
        summary.applied,
        if dry_run { "would apply" } else { "applied" },
        summary.failed
    );
    if let Some(note) = &summary.message {
        message.push_str(&format!(" ({note})"));
    }
    call.message = Some(message);
    call
}
