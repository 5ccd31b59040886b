//! One connector run (issue 14): Users (in full, for the CSM lookup and to tell usernames
//! from emails), then Accounts and Contacts incrementally from their saved checkpoints,
//! written through the Account API's upsert with source `salesforce`. After every applied
//! page the checkpoint is saved, so a run that stops (cursor gone, 503s, server stopped)
//! is continued by the next one without losing or repeating records. One run at a time per
//! organisation and source (a `job_leases` row), recorded in `sync_runs` with what the
//! admin must do when it fails.
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::{json, Value};

use super::csm::{self, CsmField};
use super::incremental::{read_object, Checkpoint, ObjectRead, Progress};
use super::reader::{self, ReadError, Retry};
use crate::account_api::repo as account_repo;
use crate::account_api::upsert::{upsert, Resource};
use crate::db::entities::{accounts, sync_checkpoints, sync_runs};
use crate::error::AppError;
use crate::jobs::lease;
use crate::source_mapping::ssr::mapping::{self, Entry, Ownership};
use crate::state::AppState;
use crate::time::now_ms;

/// The only source with runs so far.
pub const SOURCE: &str = "salesforce";

/// Per-record notes kept per run (the counts stay exact beyond it).
const MAX_NOTES: usize = 1000;

/// A run holds its lease this long and renews it after every page; a crashed holder's
/// lease runs out after it.
const LEASE_MS: i64 = 10 * 60 * 1000;

/// Runs (and their logs) are kept this long.
const RUNS_KEPT_MS: i64 = 90 * crate::time::DAY_MS;

/// How far before the checkpoint an incremental read starts (records committed late with
/// an older SystemModstamp, shared/salesforce-reference.md §5.1).
pub const LOOKBACK_MS: i64 = 10 * 60 * 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// "Run now" on Source Overview.
    Manual,
    Schedule,
    Cli,
}

impl Trigger {
    pub fn key(self) -> &'static str {
        match self {
            Trigger::Manual => "manual",
            Trigger::Schedule => "schedule",
            Trigger::Cli => "cli",
        }
    }
}

/// What a run did: the row Source Overview shows, also what the CLI prints.
pub use crate::salesforce_sync::dto::SyncRunRow as RunSummary;

/// A run as the admin reads it.
pub fn summary(run: &sync_runs::Model) -> RunSummary {
    RunSummary {
        id: run.id,
        trigger: run.trigger.clone(),
        started_at: crate::time_label::exact_utc(run.started_at),
        finished_at: run.finished_at.map(crate::time_label::exact_utc),
        status: run.status.clone(),
        read: run.records_read,
        written: run.records_written,
        skipped: run.records_skipped,
        csm_assigned: run.csm_assigned,
        csm_skipped: run.csm_skipped,
        api_calls: run.api_calls,
        api_remaining: run.api_remaining,
        error: run.error.clone(),
        notes: notes(run)
            .into_iter()
            .map(|n| crate::salesforce_sync::dto::RunNote {
                object: n.object,
                id: n.id,
                note: n.note,
            })
            .collect(),
        per_object: object_counts(run)
            .into_iter()
            .map(|c| (c.object, c.read, c.written, c.skipped))
            .collect(),
    }
}

/// A note on one record in the run log.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Note {
    pub object: String,
    pub id: String,
    pub note: String,
}

/// Counts and notes of a run so far (shared with the page callbacks).
#[derive(Default)]
pub(crate) struct Tally {
    pub read: i64,
    pub written: i64,
    pub skipped: i64,
    pub csm_assigned: i64,
    pub csm_skipped: i64,
    pub notes: Vec<Note>,
    pub objects: Vec<ObjectCounts>,
    /// Accounts whose CSM value this run has already applied or skipped.
    pub csm_seen: std::collections::HashSet<String>,
}

/// Records read, written and skipped of one object in a run.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct ObjectCounts {
    pub object: String,
    pub read: i64,
    pub written: i64,
    pub skipped: i64,
}

impl Tally {
    /// Counts a page of `object`: `read` records, `written` of them stored.
    pub(crate) fn count(&mut self, object: &str, read: i64, written: i64) {
        self.read += read;
        self.written += written;
        self.skipped += read - written;
        let index = match self.objects.iter().position(|o| o.object == object) {
            Some(i) => i,
            None => {
                self.objects.push(ObjectCounts {
                    object: object.to_owned(),
                    ..Default::default()
                });
                self.objects.len() - 1
            }
        };
        let counts = &mut self.objects[index];
        counts.read += read;
        counts.written += written;
        counts.skipped += read - written;
    }

    pub(crate) fn note(&mut self, object: &str, id: &str, note: impl Into<String>) {
        if self.notes.len() < MAX_NOTES {
            self.notes.push(Note {
                object: object.to_owned(),
                id: id.to_owned(),
                note: note.into(),
            });
        }
    }
}

pub(crate) type Shared = Arc<Mutex<Tally>>;

fn lease_name(org_id: i32, source: &str) -> String {
    format!("connector_run:{org_id}:{source}")
}

fn holder() -> String {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    format!(
        "run-{}-{}-{}",
        std::process::id(),
        now_ms(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    )
}

/// A run that holds its lease and has its `sync_runs` row; [`Started::complete`] reads
/// and writes, records the outcome and gives the lease back.
pub struct Started {
    state: AppState,
    org_id: i32,
    pub run_id: i32,
    lease_name: String,
    holder: String,
}

/// Runs the connector for the organisation to the end. Refused (`Conflict`) while another
/// run of the same organisation and source is under way, on this instance or another. A
/// run that fails is still `Ok`: its summary carries the admin's message.
pub async fn run(
    state: &AppState,
    org_id: i32,
    source: &str,
    trigger: Trigger,
    retry: Retry,
) -> Result<RunSummary, AppError> {
    begin(state, org_id, source, trigger)
        .await?
        .complete(retry)
        .await
}

/// Takes the organisation's run lease and records the run as running.
pub async fn begin(
    state: &AppState,
    org_id: i32,
    source: &str,
    trigger: Trigger,
) -> Result<Started, AppError> {
    if source != SOURCE {
        return Err(AppError::invalid(format!(
            "Unknown source '{source}': the only connector is 'salesforce'."
        )));
    }
    let lease_name = lease_name(org_id, source);
    let holder = holder();
    if !lease::try_acquire(&state.db, &lease_name, &holder, 0, LEASE_MS, now_ms()).await? {
        return Err(AppError::Conflict(
            "A Salesforce run is already under way for this organisation: wait for it to finish, then run again.".into(),
        ));
    }
    match record_start(state, org_id, trigger).await {
        Ok(run_id) => Ok(Started {
            state: state.clone(),
            org_id,
            run_id,
            lease_name,
            holder,
        }),
        Err(error) => {
            let _ = lease::release(&state.db, &lease_name, &holder, now_ms()).await;
            Err(error)
        }
    }
}

async fn record_start(state: &AppState, org_id: i32, trigger: Trigger) -> Result<i32, AppError> {
    let now = now_ms();
    // We hold the lease: a run still marked running was stopped with its server.
    let txn = crate::db::begin_write(&state.db).await?;
    sync_runs::Entity::update_many()
        .col_expr(sync_runs::Column::Status, Expr::value("failed"))
        .col_expr(sync_runs::Column::FinishedAt, Expr::value(now))
        .col_expr(
            sync_runs::Column::Error,
            Expr::value("The run was interrupted (Steward stopped). The next run continued from its checkpoint."),
        )
        .filter(sync_runs::Column::OrgId.eq(org_id))
        .filter(sync_runs::Column::Source.eq(SOURCE))
        .filter(sync_runs::Column::Status.eq("running"))
        .exec(&txn)
        .await?;
    // The run log is kept 90 days.
    sync_runs::Entity::delete_many()
        .filter(sync_runs::Column::OrgId.eq(org_id))
        .filter(sync_runs::Column::Source.eq(SOURCE))
        .filter(sync_runs::Column::StartedAt.lt(now - RUNS_KEPT_MS))
        .exec(&txn)
        .await?;
    let row = sync_runs::ActiveModel {
        org_id: Set(org_id),
        source: Set(SOURCE.to_owned()),
        trigger: Set(trigger.key().to_owned()),
        started_at: Set(now),
        status: Set("running".to_owned()),
        records_read: Set(0),
        records_written: Set(0),
        records_skipped: Set(0),
        csm_assigned: Set(0),
        csm_skipped: Set(0),
        api_calls: Set(0),
        log: Set("[]".to_owned()),
        object_counts: Set("[]".to_owned()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(row.id)
}

impl Started {
    pub async fn complete(self, retry: Retry) -> Result<RunSummary, AppError> {
        let outcome = self.read_and_record(retry).await;
        if let Err(error) =
            lease::release(&self.state.db, &self.lease_name, &self.holder, now_ms()).await
        {
            tracing::warn!(org_id = self.org_id, %error, "could not release the connector lease");
        }
        outcome
    }

    async fn read_and_record(&self, retry: Retry) -> Result<RunSummary, AppError> {
        let (state, org_id, run_id) = (&self.state, self.org_id, self.run_id);
        let tally: Shared = Arc::default();
        let mut usage = Usage::default();
        let result = read_all(
            state,
            org_id,
            run_id,
            retry,
            &tally,
            &mut usage,
            &self.lease_name,
            &self.holder,
        )
        .await;
        let error = match result {
            Ok(()) => None,
            Err(ReadError::App(error)) => {
                return Err(finish_failed(state, run_id, &tally, &usage, error).await)
            }
            Err(error) => Some(admin_message(&error)),
        };
        if error.is_none() {
            crate::connections::ssr::salesforce::stamp_success(&state.db, org_id, now_ms()).await?;
        }
        let finished = finish(state, run_id, &tally, &usage, error).await?;
        Ok(summary(&finished))
    }
}

/// API calls and the org's daily limit over the run.
#[derive(Default)]
struct Usage {
    calls: i64,
    remaining: Option<i64>,
}

impl Usage {
    fn add(&mut self, progress: &Progress) {
        self.calls += progress.pages as i64;
        if let Some((used, max)) = progress.api_usage {
            self.remaining = Some(max.saturating_sub(used) as i64);
        }
    }
}

async fn finish(
    state: &AppState,
    run_id: i32,
    tally: &Shared,
    usage: &Usage,
    error: Option<String>,
) -> Result<sync_runs::Model, AppError> {
    let (read, written, skipped, assigned, csm_skipped, log, objects) = {
        let t = tally.lock().unwrap_or_else(|e| e.into_inner());
        (
            t.read,
            t.written,
            t.skipped,
            t.csm_assigned,
            t.csm_skipped,
            serde_json::to_string(&t.notes).unwrap_or_else(|_| "[]".into()),
            serde_json::to_string(&t.objects).unwrap_or_else(|_| "[]".into()),
        )
    };
    let txn = crate::db::begin_write(&state.db).await?;
    let mut active: sync_runs::ActiveModel = sync_runs::Entity::find_by_id(run_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?
        .into();
    active.status = Set(if error.is_none() {
        "succeeded"
    } else {
        "failed"
    }
    .to_owned());
    active.finished_at = Set(Some(now_ms()));
    active.records_read = Set(read);
    active.records_written = Set(written);
    active.records_skipped = Set(skipped);
    active.csm_assigned = Set(assigned);
    active.csm_skipped = Set(csm_skipped);
    active.api_calls = Set(usage.calls);
    active.api_remaining = Set(usage.remaining);
    active.error = Set(error);
    active.log = Set(log);
    active.object_counts = Set(objects);
    let row = active.update(&txn).await?;
    txn.commit().await?;
    Ok(row)
}

/// Records an internal failure on the run (with only its reference for the admin) and
/// answers the error.
async fn finish_failed(
    state: &AppState,
    run_id: i32,
    tally: &Shared,
    usage: &Usage,
    error: AppError,
) -> AppError {
    let message =
        format!("{error} The run kept its checkpoint: run again; it continues from there.");
    if let Err(e) = finish(state, run_id, tally, usage, Some(message)).await {
        tracing::warn!(run_id, error = %e, "could not record the failed run");
    }
    error
}

/// What the admin reads when a run stops: what happened and what to do.
pub fn admin_message(error: &ReadError) -> String {
    match error {
        ReadError::ApiDisabled { code, .. } => format!(
            "Salesforce API access is disabled for this user ({code}): in Salesforce Setup, enable 'API Enabled' on the connected user's profile (Setup → Profiles → the user's profile → System Permissions) or in a permission set assigned to them (Setup → Permission Sets → System Permissions), then run again. API access comes with the Enterprise, Unlimited, Performance and Developer editions; Professional Edition needs the API add-on."
        ),
        ReadError::LimitExceeded(_) => "Salesforce's daily API request limit for your org is used up (REQUEST_LIMIT_EXCEEDED). The run stopped and kept its place; the next run continues from there once the limit resets (Salesforce counts the last 24 hours), or raise the limit with Salesforce.".to_owned(),
        ReadError::InvalidField { field, .. } => format!(
            "The Salesforce field {} is unknown or hidden from the connected user (INVALID_FIELD): make it visible to that user with field-level security, or change the mapping under Settings → IT Administration → Source Mapping (/settings/it/source-mapping), then run again.",
            field.as_deref().map(|f| format!("'{f}'")).unwrap_or_else(|| "named in the mapping".into())
        ),
        ReadError::CursorGone(_) => "Salesforce kept closing the query's cursor (INVALID_QUERY_LOCATOR). The run kept its place: run again; it continues from its checkpoint.".to_owned(),
        ReadError::Unavailable(last) => format!(
            "Salesforce did not answer after several tries (last: {last}). The run kept its place: run again later; it continues from its checkpoint."
        ),
        ReadError::NeedsReauthorization => "The Salesforce connection needs re-authorization: open Settings → IT Administration → Manage OAuth, authorize again, then run again.".to_owned(),
        ReadError::NotConnected => "Steward is not connected to Salesforce: connect under Settings → IT Administration → Manage OAuth, then run again.".to_owned(),
        ReadError::Refused { status, code, message } => format!(
            "Salesforce refused a request (HTTP {status} {code}: {message}). If it happens again, give this message to your Steward administrator."
        ),
        ReadError::App(error) => error.to_string(),
    }
}

/// The checkpoint saved for an object, and whether its last read was left unfinished.
async fn checkpoint_of(
    db: &impl ConnectionTrait,
    org_id: i32,
    object: &str,
) -> Result<(Checkpoint, bool), AppError> {
    let row = sync_checkpoints::Entity::find()
        .filter(sync_checkpoints::Column::OrgId.eq(org_id))
        .filter(sync_checkpoints::Column::Source.eq(SOURCE))
        .filter(sync_checkpoints::Column::Object.eq(object))
        .one(db)
        .await?;
    Ok(match row {
        Some(row) => (
            Checkpoint {
                stamp_ms: row.stamp_ms,
                id: row.last_id,
            },
            !row.complete,
        ),
        None => (Checkpoint::default(), false),
    })
}

/// Saves an object's checkpoint (with the run's counts so far) in one write.
async fn save_checkpoint(
    state: &AppState,
    org_id: i32,
    run_id: i32,
    object: &str,
    checkpoint: &Checkpoint,
    complete: bool,
    tally: &Shared,
) -> Result<(), AppError> {
    let (read, written, skipped) = {
        let t = tally.lock().unwrap_or_else(|e| e.into_inner());
        (t.read, t.written, t.skipped)
    };
    let now = now_ms();
    let txn = crate::db::begin_write(&state.db).await?;
    let mut insert = Query::insert();
    insert
        .into_table(sync_checkpoints::Entity)
        .columns([
            sync_checkpoints::Column::OrgId,
            sync_checkpoints::Column::Source,
            sync_checkpoints::Column::Object,
            sync_checkpoints::Column::StampMs,
            sync_checkpoints::Column::LastId,
            sync_checkpoints::Column::Complete,
            sync_checkpoints::Column::UpdatedAt,
        ])
        .values_panic([
            Expr::val(org_id),
            Expr::val(SOURCE),
            Expr::val(object),
            Expr::val(checkpoint.stamp_ms),
            Expr::val(checkpoint.id.clone()),
            Expr::val(complete),
            Expr::val(now),
        ])
        .on_conflict(
            OnConflict::columns([
                sync_checkpoints::Column::OrgId,
                sync_checkpoints::Column::Source,
                sync_checkpoints::Column::Object,
            ])
            .update_columns([
                sync_checkpoints::Column::StampMs,
                sync_checkpoints::Column::LastId,
                sync_checkpoints::Column::Complete,
                sync_checkpoints::Column::UpdatedAt,
            ])
            .to_owned(),
        );
    txn.execute(&insert).await?;
    sync_runs::Entity::update_many()
        .col_expr(sync_runs::Column::RecordsRead, Expr::value(read))
        .col_expr(sync_runs::Column::RecordsWritten, Expr::value(written))
        .col_expr(sync_runs::Column::RecordsSkipped, Expr::value(skipped))
        .filter(sync_runs::Column::Id.eq(run_id))
        .filter(sync_runs::Column::OrgId.eq(org_id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn read_all(
    state: &AppState,
    org_id: i32,
    run_id: i32,
    retry: Retry,
    tally: &Shared,
    usage: &mut Usage,
    lease_name: &str,
    holder: &str,
) -> Result<(), ReadError> {
    let csm_field = csm::setting(&state.db, org_id).await?;

    // Users: read in full (they are few) for the lookup and for telling usernames apart.
    let user_fields = vec!["Username".to_owned(), "Email".to_owned()];
    let users_read = ObjectRead {
        object: "User",
        fields: &user_fields,
        with_deleted: false,
        lookback_ms: 0,
        resume: false,
    };
    // Users changed since the last run: with a Lookup to User, their Accounts are read
    // again (a User's Email can change without any change to the Account).
    let (users_before, _) = checkpoint_of(&state.db, org_id, "User").await?;
    let users: Arc<Mutex<csm::SalesforceUsers>> = Arc::default();
    let changed_users: Arc<Mutex<Vec<String>>> = Arc::default();
    let (collected, changed) = (users.clone(), changed_users.clone());
    let since = users_before.stamp_ms;
    let result = read_object(
        state,
        org_id,
        &users_read,
        Checkpoint::default(),
        retry,
        |records, _| {
            let (collected, changed) = (collected.clone(), changed.clone());
            async move {
                if let Some(since) = since {
                    changed.lock().unwrap_or_else(|e| e.into_inner()).extend(
                        records
                            .iter()
                            .filter(|r| {
                                r["SystemModstamp"]
                                    .as_str()
                                    .and_then(super::incremental::parse_stamp)
                                    .is_some_and(|stamp| stamp > since)
                            })
                            .filter_map(|r| text(r, "Id")),
                    );
                }
                collected
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .add(&records);
                Ok(())
            }
        },
    )
    .await;
    match result {
        Ok((checkpoint, progress)) => {
            usage.add(&progress);
            save_checkpoint(state, org_id, run_id, "User", &checkpoint, true, tally).await?;
        }
        Err((error, _, progress)) => {
            usage.add(&progress);
            return Err(error);
        }
    }
    let users = Arc::new(std::mem::take(
        &mut *users.lock().unwrap_or_else(|e| e.into_inner()),
    ));
    let changed_users =
        std::mem::take(&mut *changed_users.lock().unwrap_or_else(|e| e.into_inner()));

    // Only mapped fields are selected (shared/salesforce-reference.md: a field the
    // connected user cannot see fails the whole query with INVALID_FIELD).
    let (mapping, _) = crate::source_mapping::ssr::mapping::load(&state.db, org_id).await?;
    let mapping = Arc::new(mapping);
    let selected = |object: &str, always: &[&str], extra: Option<&str>| {
        let mut fields: Vec<String> = Vec::new();
        let mapped = mapping
            .iter()
            .filter(|e| e.target.object == object)
            .filter_map(|e| e.synced());
        for name in always.iter().copied().chain(mapped).chain(extra) {
            if !fields.iter().any(|f| f.eq_ignore_ascii_case(name)) {
                fields.push(name.to_owned());
            }
        }
        fields
    };
    let account_fields = selected(
        "Account",
        &["CreatedDate", "IsDeleted"],
        csm_field.as_ref().map(|f| f.name.as_str()),
    );
    let contact_fields = selected("Contact", &["AccountId", "IsDeleted"], None);

    for (object, fields) in [("Account", &account_fields), ("Contact", &contact_fields)] {
        let (start, unfinished) = checkpoint_of(&state.db, org_id, object).await?;
        let plan = ObjectRead {
            object,
            fields,
            with_deleted: true,
            lookback_ms: LOOKBACK_MS,
            resume: unfinished,
        };
        let result = read_object(state, org_id, &plan, start, retry, |records, reached| {
            let (state, tally, users, csm_field, mapping) = (
                state.clone(),
                tally.clone(),
                users.clone(),
                csm_field.clone(),
                mapping.clone(),
            );
            let (lease_name, holder) = (lease_name.to_owned(), holder.to_owned());
            async move {
                match object {
                    "Account" => {
                        apply_accounts(
                            &state,
                            org_id,
                            records,
                            &tally,
                            csm_field.as_ref(),
                            &users,
                            &mapping,
                        )
                        .await?
                    }
                    _ => apply_contacts(&state, org_id, records, &tally, &mapping).await?,
                }
                save_checkpoint(&state, org_id, run_id, object, &reached, false, &tally).await?;
                lease::renew(&state.db, &lease_name, &holder, now_ms() + LEASE_MS).await?;
                Ok(())
            }
        })
        .await;
        match result {
            Ok((checkpoint, progress)) => {
                usage.add(&progress);
                save_checkpoint(state, org_id, run_id, object, &checkpoint, true, tally).await?;
            }
            Err((error, _, progress)) => {
                usage.add(&progress);
                return Err(error);
            }
        }
    }
    if let Some(field) = csm_field
        .as_ref()
        .filter(|f| f.kind == csm::CsmFieldKind::UserLookup)
    {
        for part in changed_users.chunks(200) {
            let ids: Vec<String> = part
                .iter()
                .map(|id| format!("'{}'", id.replace('\\', "\\\\").replace('\'', "\\'")))
                .collect();
            let soql = format!(
                "SELECT Id, SystemModstamp, {} FROM Account WHERE {} IN ({})",
                account_fields.join(", "),
                field.name,
                ids.join(", ")
            );
            let mut page = reader::query(state, org_id, &soql, false, retry).await?;
            loop {
                usage.calls += 1;
                let next = page.next.take();
                apply_accounts(
                    state,
                    org_id,
                    page.records,
                    tally,
                    Some(field),
                    &users,
                    &mapping,
                )
                .await?;
                let Some(next) = next else { break };
                page = reader::more(state, org_id, &next, retry).await?;
            }
        }
    }
    if let Some(field) = &csm_field {
        csm::retry_pending(state, org_id, field, &users, tally).await?;
    }
    Ok(())
}

fn text(record: &Value, field: &str) -> Option<String> {
    record
        .get(field)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A Salesforce Account as the Account API's JSON.
/// Steward's `account_id` of each Salesforce Account: the account already linked to it by
/// `crm_account_id` (by the Account API or an upload), else the Salesforce Id itself.
async fn linked_accounts(
    db: &impl ConnectionTrait,
    org_id: i32,
    sf_ids: &[String],
) -> Result<HashMap<String, String>, AppError> {
    let mut linked = HashMap::new();
    for part in sf_ids.chunks(1000) {
        let rows: Vec<(String, Option<String>)> = accounts::Entity::find()
            .select_only()
            .column(accounts::Column::AccountId)
            .column(accounts::Column::CrmAccountId)
            .filter(accounts::Column::OrgId.eq(org_id))
            .filter(accounts::Column::CrmAccountId.is_in(part.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        for (account_id, crm) in rows {
            let Some(crm) = crm else { continue };
            // Several accounts naming the same Salesforce Account: the one keyed by its Id.
            if account_id == crm || !linked.contains_key(&crm) {
                linked.insert(crm, account_id);
            }
        }
    }
    Ok(linked)
}

/// A Salesforce Account as the Account API's JSON, for the Steward account `account_id`,
/// with the mapped fields by their ownership (`current`: the stored account's JSON, for
/// "Steward wins"). Answers the JSON, the mapped values written, and notes.
fn account_json(
    record: &Value,
    account_id: &str,
    mapping: &[Entry],
    current: Option<&Current>,
) -> (Value, Vec<(String, Value)>, Vec<String>) {
    let id = text(record, "Id").unwrap_or_default();
    let mut out = json!({
        "account_id": account_id,
        "crm_account_id": id,
        "source": SOURCE,
        "is_deleted": record["IsDeleted"].as_bool().unwrap_or(false),
    });
    let mut written = Vec::new();
    if let Some(ms) = record["CreatedDate"]
        .as_str()
        .and_then(super::incremental::parse_stamp)
    {
        out["join_date"] = json!(ms);
        written.push(("join_date".to_owned(), json!(ms)));
    }
    let notes = mapped_values(record, "Account", mapping, current, &mut out, &mut written);
    (out, written, notes)
}

/// The stored values of a Steward record, for "Steward wins": field → JSON value.
type Current = serde_json::Map<String, Value>;

fn is_empty(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        _ => false,
    }
}

/// Puts the mapped fields of `object` into `out` by their ownership; answers notes on
/// values that could not be read.
fn mapped_values(
    record: &Value,
    object: &str,
    mapping: &[Entry],
    current: Option<&Current>,
    out: &mut Value,
    written: &mut Vec<(String, Value)>,
) -> Vec<String> {
    let mut notes = Vec::new();
    for entry in mapping.iter().filter(|e| e.target.object == object) {
        let Some(path) = entry.synced() else { continue };
        if entry.ownership == Ownership::StewardWins
            && current.is_some_and(|c| !is_empty(c.get(entry.target.field)))
        {
            continue;
        }
        // A path through an empty lookup (no Owner) reads as empty.
        let raw = mapping::value_at(record, path).unwrap_or(&Value::Null);
        if record.get(path.split('.').next().unwrap_or(path)).is_none() {
            continue;
        }
        match mapping::convert(entry.target.kind, raw) {
            Some(value) => {
                if entry.ownership == Ownership::StewardWins && Value::is_null(&value) {
                    continue;
                }
                mapping::put(out, entry.target.field, value.clone());
                written.push((entry.target.field.to_owned(), value));
            }
            None => notes.push(format!(
                "{raw} in {path} is not {} {}: {} was left unchanged.",
                if entry.target.kind.label() == "integer" {
                    "an"
                } else {
                    "a"
                },
                entry.target.kind.label(),
                entry.target.label
            )),
        }
    }
    notes
}

/// The stored accounts' values of the "Steward wins" fields, by Steward `account_id`.
async fn current_accounts(
    db: &impl ConnectionTrait,
    org_id: i32,
    ids: Vec<String>,
    mapping: &[Entry],
) -> Result<HashMap<String, Current>, AppError> {
    use crate::account_api::fields::{DimKind, ACCOUNTS};
    let wanted: Vec<&Entry> = mapping
        .iter()
        .filter(|e| e.target.object == "Account" && e.ownership == Ownership::StewardWins)
        .filter(|e| e.synced().is_some())
        .collect();
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let stored = account_repo::rows_where_in(db, &ACCOUNTS, org_id, "account_id", ids).await?;
    let pks: Vec<i32> = stored.iter().map(|s| s.id).collect();
    let dims = if wanted.iter().any(|e| e.target.field.contains('.')) {
        account_repo::dimensions_of(db, ACCOUNTS.owner_type, &pks, &[DimKind::Value]).await?
    } else {
        HashMap::new()
    };
    let mut out = HashMap::new();
    for row in &stored {
        let mut json = crate::account_api::upsert::row_json(&ACCOUNTS, row);
        for (_, values) in dims.get(&row.id).into_iter().flatten() {
            for pair in values {
                if let Some(key) = pair["key"].as_str() {
                    json.insert(
                        format!("{}.{key}", DimKind::Value.property()),
                        pair["value"].clone(),
                    );
                }
            }
        }
        if let Some(id) = json.get("account_id").and_then(Value::as_str) {
            out.insert(id.to_owned(), json.clone());
        }
    }
    Ok(out)
}

async fn apply_accounts(
    state: &AppState,
    org_id: i32,
    records: Vec<Value>,
    tally: &Shared,
    csm_field: Option<&CsmField>,
    users: &csm::SalesforceUsers,
    mapping: &[Entry],
) -> Result<(), ReadError> {
    let count = records.len() as i64;
    let sf_ids: Vec<String> = records.iter().filter_map(|r| text(r, "Id")).collect();
    let linked = linked_accounts(&state.db, org_id, &sf_ids).await?;
    let steward_id = |record: &Value| {
        let id = text(record, "Id").unwrap_or_default();
        linked.get(&id).cloned().unwrap_or(id)
    };
    let wanted: Vec<(String, String, Option<Value>)> = match csm_field {
        Some(field) => records
            .iter()
            .filter(|r| !r["IsDeleted"].as_bool().unwrap_or(false))
            .filter_map(|r| Some((text(r, "Id")?, steward_id(r), r.get(&field.name).cloned())))
            .collect(),
        None => vec![],
    };
    let ids: Vec<String> = records.iter().map(&steward_id).collect();
    let current = current_accounts(&state.db, org_id, ids.clone(), mapping).await?;
    let (mut json, mut written, mut value_notes) = (Vec::new(), Vec::new(), Vec::new());
    for (record, id) in records.iter().zip(&ids) {
        let (out, values, notes) = account_json(record, id, mapping, current.get(id));
        json.push(out);
        written.push((id.clone(), values));
        let sf_id = text(record, "Id").unwrap_or_default();
        value_notes.extend(notes.into_iter().map(|n| (sf_id.clone(), n)));
    }
    let failures = upsert(&state.db, org_id, Resource::Accounts, json).await?;
    {
        let mut t = tally.lock().unwrap_or_else(|e| e.into_inner());
        t.count("Account", count, count - failures.len() as i64);
        for failure in &failures {
            let id = failure.account_id.clone().unwrap_or_default();
            t.note("Account", &id, failure.message.clone());
        }
        for (id, note) in value_notes {
            t.note("Account", &id, note);
        }
    }
    // Provenance of what was written (not of dimensions, which the page lists apart).
    let failed: std::collections::HashSet<String> = failures
        .iter()
        .filter_map(|f| f.account_id.clone())
        .collect();
    let pks = account_repo::account_pks(&state.db, org_id, &ids)
        .await
        .map_err(AppError::from)?;
    let origins: Vec<(i32, String, Value)> = written
        .into_iter()
        .filter(|(id, _)| !failed.contains(id))
        .filter_map(|(id, values)| Some((*pks.get(&id)?, values)))
        .flat_map(|(pk, values)| {
            values
                .into_iter()
                .filter(|(field, _)| !field.contains('.'))
                .map(move |(field, value)| (pk, field, value))
        })
        .collect();
    if !origins.is_empty() {
        let txn = crate::db::begin_write(&state.db)
            .await
            .map_err(AppError::from)?;
        crate::source_mapping::ssr::origins::record(&txn, org_id, SOURCE, &origins, now_ms())
            .await?;
        txn.commit().await.map_err(AppError::from)?;
    }
    if let Some(field) = csm_field {
        csm::apply(state, org_id, field, users, &wanted, tally).await?;
    }
    Ok(())
}

async fn apply_contacts(
    state: &AppState,
    org_id: i32,
    records: Vec<Value>,
    tally: &Shared,
    mapping: &[Entry],
) -> Result<(), ReadError> {
    let count = records.len() as i64;
    let current = current_contacts(&state.db, org_id, &records, mapping).await?;
    let parents: Vec<String> = records
        .iter()
        .filter_map(|r| text(r, "AccountId"))
        .collect();
    let linked = linked_accounts(&state.db, org_id, &parents).await?;
    let mut live = Vec::new();
    let mut deleted = Vec::new();
    let mut skipped_notes = Vec::new();
    let mut value_notes = Vec::new();
    for record in &records {
        let id = text(record, "Id").unwrap_or_default();
        let Some(account) = text(record, "AccountId").map(|a| linked.get(&a).cloned().unwrap_or(a))
        else {
            skipped_notes.push((id, "The Contact has no Account in Salesforce; Steward keeps contacts of accounts only.".to_owned()));
            continue;
        };
        if record["IsDeleted"].as_bool().unwrap_or(false) {
            deleted.push((id, account));
            continue;
        }
        let mut out = json!({"user_id": id, "account_id": account, "source": SOURCE});
        let stored = current.get(&(id.clone(), account.clone()));
        let notes = mapped_values(
            record,
            "Contact",
            mapping,
            stored,
            &mut out,
            &mut Vec::new(),
        );
        value_notes.extend(notes.into_iter().map(|n| (id.clone(), n)));
        live.push(out);
    }
    let failures = upsert(&state.db, org_id, Resource::Contacts, live).await?;
    if !deleted.is_empty() {
        let txn = crate::db::begin_write(&state.db)
            .await
            .map_err(AppError::from)?;
        for (id, account) in &deleted {
            account_repo::delete_where(
                &txn,
                "account_contacts",
                sea_orm::Condition::all()
                    .add(Expr::col("org_id").eq(org_id))
                    .add(Expr::col("user_id").eq(id.clone()))
                    .add(Expr::col("account_id").eq(account.clone())),
            )
            .await
            .map_err(AppError::from)?;
        }
        txn.commit().await.map_err(AppError::from)?;
    }
    let mut t = tally.lock().unwrap_or_else(|e| e.into_inner());
    let skipped = (failures.len() + skipped_notes.len()) as i64;
    t.count("Contact", count, count - skipped);
    for failure in &failures {
        let id = failure.user_id.clone().unwrap_or_default();
        t.note("Contact", &id, failure.message.clone());
    }
    for (id, note) in skipped_notes.into_iter().chain(value_notes) {
        t.note("Contact", &id, note);
    }
    Ok(())
}

/// The stored contacts' values of the "Steward wins" fields, by (Contact Id, account_id).
async fn current_contacts(
    db: &impl ConnectionTrait,
    org_id: i32,
    records: &[Value],
    mapping: &[Entry],
) -> Result<HashMap<(String, String), Current>, AppError> {
    use crate::account_api::fields::ACCOUNT_CONTACTS;
    if !mapping.iter().any(|e| {
        e.target.object == "Contact"
            && e.ownership == Ownership::StewardWins
            && e.synced().is_some()
    }) {
        return Ok(HashMap::new());
    }
    let ids: Vec<String> = records.iter().filter_map(|r| text(r, "Id")).collect();
    let stored = account_repo::rows_where_in(db, &ACCOUNT_CONTACTS, org_id, "user_id", ids).await?;
    let mut out = HashMap::new();
    for row in &stored {
        let json = crate::account_api::upsert::row_json(&ACCOUNT_CONTACTS, row);
        let key = |k: &str| {
            json.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        out.insert((key("user_id"), key("account_id")), json.clone());
    }
    Ok(out)
}

/// The organisation's runs of `source`, newest first (at most `limit`).
pub async fn list_runs(
    db: &impl ConnectionTrait,
    org_id: i32,
    source: &str,
    limit: u64,
) -> Result<Vec<sync_runs::Model>, AppError> {
    Ok(sync_runs::Entity::find()
        .filter(sync_runs::Column::OrgId.eq(org_id))
        .filter(sync_runs::Column::Source.eq(source))
        .order_by_desc(sync_runs::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// One run of the organisation; another organisation's run is `NotFound`.
pub async fn find_run(
    db: &impl ConnectionTrait,
    org_id: i32,
    run_id: i32,
) -> Result<sync_runs::Model, AppError> {
    sync_runs::Entity::find()
        .filter(sync_runs::Column::OrgId.eq(org_id))
        .filter(sync_runs::Column::Id.eq(run_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// The run log's notes of a run.
pub fn notes(run: &sync_runs::Model) -> Vec<Note> {
    serde_json::from_str(&run.log).unwrap_or_default()
}

/// A run's counts per object.
pub fn object_counts(run: &sync_runs::Model) -> Vec<ObjectCounts> {
    serde_json::from_str(&run.object_counts).unwrap_or_default()
}

/// Resolves `--org` (the organisation's id or exact name) to its id.
pub async fn org_by_name_or_id(db: &impl ConnectionTrait, org: &str) -> Result<i32, AppError> {
    let org = org.trim();
    match crate::api_keys::ssr::repo::organisations_named(db, org)
        .await?
        .as_slice()
    {
        [only] => Ok(only.id),
        [] => Err(AppError::Invalid(format!(
            "No organisation has the id or name \"{org}\"."
        ))),
        _ => Err(AppError::Invalid(format!(
            "Several organisations are called \"{org}\"; give its id instead."
        ))),
    }
}
