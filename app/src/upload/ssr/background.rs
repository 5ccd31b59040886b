//! Applies (and dry runs) run in the background: the page's upload answers as soon as the
//! file is read and staged, and the rows are applied by a task that goes on when the
//! browser navigates away. An upload is worked on by one instance at a time, under a lease
//! on its row (`repo::claim`) renewed after every batch; when an instance stops, the sweep
//! of any instance resumes the upload from its next batch once the lease has run out.
use std::time::{Duration, Instant};

use crate::api_status::ssr::recorder;
use crate::error::AppError;
use crate::jobs::Job;
use crate::state::AppState;
use crate::time::now_ms;
use crate::upload::dto::UploadStatus;
use crate::upload::ssr::repo::{self, UploadRow};
use crate::upload::ssr::{api_call, service};

/// How often the sweep looks for uploads whose instance stopped.
const SWEEP_EVERY: Duration = Duration::from_secs(10);

/// Runs a staged upload to its end on a task of its own.
pub fn start(state: &AppState, org_id: i32, upload_id: i32, path: String) {
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(error) = finish(&state, org_id, upload_id, path).await {
            tracing::warn!(upload_id, error = %error, "upload: the background apply stopped");
        }
    });
}

/// Runs the upload to its end if this instance can hold it, then records it in API
/// Status. None when another instance holds it.
pub async fn finish(
    state: &AppState,
    org_id: i32,
    upload_id: i32,
    path: String,
) -> Result<Option<UploadRow>, AppError> {
    let started = Instant::now();
    let Some(upload) = service::run_held(&state.db, &state.events, org_id, upload_id).await? else {
        return Ok(None);
    };
    if upload.summary.status == UploadStatus::Running {
        // Another instance took it over (this one was too slow to renew): it records it.
        return Ok(Some(upload));
    }
    let failures = repo::failures(
        &state.db,
        org_id,
        upload_id,
        crate::api_status::dto::KEPT_FAILURES_PER_CALL as u64,
    )
    .await?;
    let mut call = api_call::finished(org_id, &upload, &failures, None);
    call.path = path;
    call.duration_ms = started.elapsed().as_millis().min(u32::MAX as u128) as u32;
    recorder::record_if_enabled(state, call).await;
    Ok(Some(upload))
}

/// One sweep: resumes staged uploads nobody holds, and closes the ones whose file was
/// still being read when their instance stopped (nothing of those was applied).
pub async fn sweep(state: &AppState, now: i64) -> Result<String, AppError> {
    let orphans = repo::orphaned(&state.db, now).await?;
    let (mut resumed, mut closed) = (0, 0);
    for (org_id, upload_id, staged) in orphans {
        if staged {
            resumed += 1;
            start(state, org_id, upload_id, "(resumed by Steward)".into());
        } else if repo::claim(&state.db, upload_id, now).await? {
            closed += 1;
            service::abandon_unread(&state.db, org_id, upload_id).await?;
        }
    }
    Ok(format!(
        "{resumed} upload(s) resumed, {closed} unfinished reading(s) closed"
    ))
}

/// The sweep as a job: one instance at a time looks.
pub fn job(state: &AppState) -> Job {
    let state = state.clone();
    Job::new("resume_uploads", SWEEP_EVERY, move || {
        let state = state.clone();
        async move { sweep(&state, now_ms()).await.map_err(|e| e.to_string()) }
    })
}
