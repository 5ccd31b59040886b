//! API Upload's services: stage a file (read as it streams, rows staged in batches), run it
//! (dry run or apply, batch by batch, through the APIs' own code), undo an apply, and the
//! error CSV.
use std::collections::HashMap;

use futures::io::AsyncRead;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Value};
use serde_json::Value as Json;

use crate::account_api::fields::{self, Table};
use crate::account_api::upsert::{upsert_with, Failure, Mode, Resource};
use crate::account_api::{interactions, metrics, repo as api_repo};
use crate::audit::dto::AuditAction;
use crate::audit::ssr::record::{self as audit, Actor, Changes, Target as AuditTarget};
use crate::db::write_turn;
use crate::error::AppError;
use crate::event_api::store::Origin;
use crate::event_api::writer::EventWriter;
use crate::time::{now_ms, DAY_MS};
use crate::upload::dto::{RowFailure, UndoConflict, UndoReport, UploadApi, UploadStatus};
use crate::upload::ssr::columns::{self, column_named_in, match_header, row_record};
use crate::upload::ssr::reader::{CsvReader, Delimiter, Refusal};
use crate::upload::ssr::repo::{self, Change, StagedRow, UploadRow, Who};

/// Rows per staged batch: one apply step (and one transaction of the API's code).
pub const BATCH_ROWS: usize = 1000;
/// How long an apply can be undone.
pub const UNDO_DAYS: i64 = 7;

/// What staging a file came to.
#[derive(Debug)]
pub enum Staged {
    /// Read; rows staged (the ones that could not be read are failures already).
    Ready { upload_id: i32 },
    /// Refused as a whole: nothing staged, nothing written; the history keeps the reason.
    Refused { upload_id: i32, refusal: Refusal },
}

fn db_err(error: DbErr) -> AppError {
    AppError::from(error)
}

/// Reads `source` as it arrives into a new upload of `api`. Nothing of a file refused as a
/// whole is kept but its history row (status failed, with the reason).
pub async fn stage<R: AsyncRead + Unpin + Send>(
    db: &DatabaseConnection,
    org_id: i32,
    api: UploadApi,
    who: &Who,
    file_name: &str,
    dry_run: bool,
    source: R,
) -> Result<Staged, AppError> {
    let upload_id = repo::create(db, org_id, api, who, file_name, dry_run)
        .await
        .map_err(db_err)?;
    match read_into(db, org_id, api, upload_id, source).await {
        Ok(()) => Ok(Staged::Ready { upload_id }),
        Err(Stop::Refused(refusal)) => {
            give_up(db, org_id, upload_id, refusal.describe())
                .await
                .map_err(db_err)?;
            Ok(Staged::Refused { upload_id, refusal })
        }
        Err(Stop::Error(error)) => {
            if let Err(also) = give_up(db, org_id, upload_id, error.to_string()).await {
                tracing::warn!(error = %also, upload_id, "upload: could not mark a failed upload");
            }
            Err(error)
        }
    }
}

/// A file that is not going anywhere: what was staged goes, the history keeps why.
async fn give_up(
    db: &DatabaseConnection,
    org_id: i32,
    upload_id: i32,
    message: String,
) -> Result<(), DbErr> {
    repo::discard_staged(db, upload_id, true).await?;
    repo::update(
        db,
        org_id,
        upload_id,
        vec![
            ("status", Value::from(UploadStatus::Failed.key())),
            ("message", Value::from(message)),
            ("finished_at", Value::from(now_ms())),
            ("rows_received", Value::from(0i64)),
            ("rows_failed", Value::from(0i64)),
        ],
    )
    .await
}

enum Stop {
    Refused(Refusal),
    Error(AppError),
}

impl From<DbErr> for Stop {
    fn from(error: DbErr) -> Self {
        Stop::Error(AppError::from(error))
    }
}

async fn read_into<R: AsyncRead + Unpin + Send>(
    db: &DatabaseConnection,
    org_id: i32,
    api: UploadApi,
    upload_id: i32,
    source: R,
) -> Result<(), Stop> {
    let mut reader = CsvReader::open(source).await.map_err(Stop::Refused)?;
    let chosen = repo::mapping(db, org_id, api).await?;
    let headers = reader.headers().to_vec();
    let targets = match_header(api, &headers, &chosen).map_err(|message| {
        Stop::Refused(Refusal {
            line: Some(1),
            column: None,
            message,
        })
    })?;
    let columns = columns::columns(api);
    let fed: Vec<(String, String)> = headers
        .iter()
        .zip(&targets)
        .map(|(h, t)| (h.clone(), columns::target_field(&columns, t)))
        .collect();
    let decimal_comma = reader.delimiter() == Delimiter::Semicolon;
    let mut batch: Vec<StagedRow> = Vec::with_capacity(BATCH_ROWS);
    let mut failures: Vec<(RowFailure, Vec<String>)> = Vec::new();
    let (mut seq, mut received, mut failed) = (0i32, 0u64, 0u64);
    while let Some(row) = reader.next_row().await.map_err(Stop::Refused)? {
        match row {
            Err(bad) => {
                received += 1;
                failed += 1;
                failures.push((bad.failure, bad.cells));
            }
            Ok(row) => match row_record(
                &columns,
                &headers,
                &targets,
                &row.cells,
                row.line,
                decimal_comma,
            ) {
                Ok(None) => {}
                Ok(Some(record)) => {
                    received += 1;
                    batch.push((row.line, record, row.cells));
                }
                Err(failure) => {
                    received += 1;
                    failed += 1;
                    failures.push((failure, row.cells));
                }
            },
        }
        if batch.len() >= BATCH_ROWS {
            repo::insert_batch(db, upload_id, seq, &batch).await?;
            seq += 1;
            batch.clear();
            // Still reading: keep the upload from being taken for an abandoned one.
            repo::claim(db, upload_id, now_ms()).await?;
        }
        if failures.len() >= BATCH_ROWS {
            repo::insert_failures(db, org_id, upload_id, &failures).await?;
            failures.clear();
        }
    }
    if received == 0 {
        return Err(Stop::Refused(Refusal {
            line: Some(1),
            column: None,
            message: "The file has no data rows besides the template's example row.".into(),
        }));
    }
    if !batch.is_empty() {
        repo::insert_batch(db, upload_id, seq, &batch).await?;
        seq += 1;
    }
    repo::insert_failures(db, org_id, upload_id, &failures).await?;
    repo::update(
        db,
        org_id,
        upload_id,
        vec![
            ("delimiter", Value::from(reader.delimiter().key())),
            ("encoding", Value::from(reader.encoding().key())),
            (
                "headers",
                Value::from(serde_json::to_string(&fed).unwrap_or_default()),
            ),
            ("rows_received", Value::from(received as i64)),
            ("rows_failed", Value::from(failed as i64)),
            ("batches", Value::from(seq)),
            ("staged_at", Value::from(now_ms())),
        ],
    )
    .await?;
    Ok(())
}

fn resource(api: UploadApi) -> Option<Resource> {
    match api {
        UploadApi::Accounts => Some(Resource::Accounts),
        UploadApi::AccountUsers => Some(Resource::Users),
        UploadApi::AccountContacts => Some(Resource::Contacts),
        _ => None,
    }
}

/// Runs a staged upload if this instance holds it or can take it (see `repo::claim`), and
/// gives the lease back when done. None when another instance holds it.
pub async fn run_held(
    db: &DatabaseConnection,
    events: &EventWriter,
    org_id: i32,
    upload_id: i32,
) -> Result<Option<UploadRow>, AppError> {
    if !repo::claim(db, upload_id, now_ms()).await? {
        return Ok(None);
    }
    let result = run(db, events, org_id, upload_id).await;
    if let Err(error) = repo::release(db, upload_id).await {
        tracing::warn!(upload_id, error = %error, "upload: could not give back its lease");
    }
    result.map(Some)
}

/// An upload whose instance stopped while it was still reading the file: nothing of it was
/// applied (rows are applied only once the whole file is read), so it ends as failed with
/// that said.
pub async fn abandon_unread(
    db: &DatabaseConnection,
    org_id: i32,
    upload_id: i32,
) -> Result<(), AppError> {
    give_up(
        db,
        org_id,
        upload_id,
        "Steward stopped while this file was being received; nothing of it was applied. Upload it again.".into(),
    )
    .await?;
    repo::release(db, upload_id).await?;
    Ok(())
}

/// Runs a staged upload from its next batch: a dry run checks, an apply writes; between
/// batches a cancel is honoured. Answers the upload as it ended.
pub async fn run(
    db: &DatabaseConnection,
    events: &EventWriter,
    org_id: i32,
    upload_id: i32,
) -> Result<UploadRow, AppError> {
    let Some(mut upload) = repo::find(db, org_id, upload_id).await? else {
        return Err(AppError::NotFound);
    };
    if upload.summary.status != UploadStatus::Running {
        return Ok(upload);
    }
    let api = upload.summary.api;
    let dry_run = upload.summary.dry_run;
    let mode = if dry_run { Mode::Check } else { Mode::Write };
    let (mut applied, mut failed) = (upload.summary.applied, upload.summary.failed);
    let mut seq = upload.next_batch;
    let mut ended = if dry_run {
        UploadStatus::DryRun
    } else {
        UploadStatus::Applied
    };
    while seq < upload.batches {
        if seq > upload.next_batch || seq > 0 {
            let fresh = repo::find(db, org_id, upload_id).await?;
            if fresh.as_ref().is_some_and(|u| u.cancel_requested) {
                ended = UploadStatus::Cancelled;
                break;
            }
            // Renew the lease; lost means another instance took the upload over.
            if !repo::claim(db, upload_id, now_ms()).await? {
                return Ok(fresh.unwrap_or(upload));
            }
        }
        let rows = repo::load_batch(db, upload_id, seq).await?;
        let records: Vec<Json> = rows.iter().map(|(_, r, _)| r.clone()).collect();
        let outcome = apply_batch(db, events, org_id, upload_id, api, mode, &records).await;
        let batch_failures = match outcome {
            Ok(f) => f,
            Err(error) => {
                repo::update(
                    db,
                    org_id,
                    upload_id,
                    vec![
                        ("status", Value::from(UploadStatus::Failed.key())),
                        (
                            "message",
                            Value::from(format!(
                                "Stopped at the batch starting on line {}: {error}",
                                rows.first().map_or(0, |r| r.0)
                            )),
                        ),
                        ("finished_at", Value::from(now_ms())),
                    ],
                )
                .await?;
                return Err(error);
            }
        };
        let listed: Vec<(RowFailure, Vec<String>)> = batch_failures
            .iter()
            .filter_map(|(index, message)| {
                let (line, _, cells) = rows.get(*index)?;
                Some((
                    RowFailure {
                        line: *line,
                        column: column_named_in(message, &upload.headers),
                        message: message.clone(),
                    },
                    cells.clone(),
                ))
            })
            .collect();
        repo::insert_failures(db, org_id, upload_id, &listed).await?;
        failed += listed.len() as u64;
        applied += (rows.len() - listed.len()) as u64;
        if !repo::advance(db, org_id, upload_id, seq, applied, failed).await? {
            // Another runner of this upload moved past this batch (a sweep that found the
            // lease run out during a slow batch): its totals stand, this runner stops.
            let fresh = repo::find(db, org_id, upload_id).await?;
            return Ok(fresh.unwrap_or(upload));
        }
        seq += 1;
    }
    let message = match ended {
        UploadStatus::Cancelled => Some(format!(
            "Cancelled: {applied} row(s) were applied before the cancel; the rest were not."
        )),
        _ => None,
    };
    repo::update(
        db,
        org_id,
        upload_id,
        vec![
            ("status", Value::from(ended.key())),
            ("message", Value::from(message)),
            ("finished_at", Value::from(now_ms())),
        ],
    )
    .await?;
    repo::discard_staged(db, upload_id, false).await?;
    upload = repo::find(db, org_id, upload_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(upload)
}

/// One batch through the API's code; answers (index in batch, message) of the failures.
/// Checks records as a dry run does, without writing: (index, message) of the failures.
pub async fn check_records(
    db: &DatabaseConnection,
    events: &EventWriter,
    org_id: i32,
    api: UploadApi,
    records: &[Json],
) -> Result<Vec<(usize, String)>, AppError> {
    // In Check mode nothing is written, so no upload is named.
    apply_batch(db, events, org_id, 0, api, Mode::Check, records).await
}

async fn apply_batch(
    db: &DatabaseConnection,
    events: &EventWriter,
    org_id: i32,
    upload_id: i32,
    api: UploadApi,
    mode: Mode,
    records: &[Json],
) -> Result<Vec<(usize, String)>, AppError> {
    let plain = |failures: Vec<Failure>| -> Vec<(usize, String)> {
        failures
            .into_iter()
            .map(|f| (f.record, f.message))
            .collect()
    };
    match api {
        UploadApi::Accounts | UploadApi::AccountUsers | UploadApi::AccountContacts => {
            let resource = resource(api).expect("record api");
            if mode == Mode::Check {
                return Ok(plain(
                    upsert_with(db, org_id, resource, records.to_vec(), mode).await?,
                ));
            }
            let before = stored_rows(db, org_id, resource, records).await?;
            // A copy: the records are compared with what is stored before and after.
            let failures = upsert_with(db, org_id, resource, records.to_vec(), mode).await?;
            let after = stored_rows(db, org_id, resource, records).await?;
            let changes = diff(resource, &before, &after, records, &failures);
            let _turn = write_turn(db).await;
            repo::insert_changes(db, org_id, upload_id, &changes).await?;
            Ok(plain(failures))
        }
        // Their writes take the write turn themselves (db::begin_write).
        UploadApi::Metrics => Ok(plain(
            metrics::store_with(db, org_id, records, None, mode).await?,
        )),
        UploadApi::Interactions => Ok(plain(
            interactions::store_with(db, org_id, records, mode).await?,
        )),
        UploadApi::Events => {
            let now = now_ms();
            let mut failures = Vec::new();
            let mut good = Vec::new();
            for (i, record) in records.iter().enumerate() {
                match crate::event_api::parse::parse_line(
                    i as u32 + 1,
                    record.to_string().as_bytes(),
                    now,
                ) {
                    Ok(event) => good.push(event),
                    Err(message) => failures.push((i, message)),
                }
            }
            if mode == Mode::Write {
                let origin = Origin {
                    org_id,
                    key_id: None,
                    received_at: now,
                };
                events.store(origin, good).await?;
            }
            Ok(failures)
        }
    }
}

/// The stored rows of the records' keys, by key.
async fn stored_rows(
    db: &DatabaseConnection,
    org_id: i32,
    resource: Resource,
    records: &[Json],
) -> Result<HashMap<Vec<String>, api_repo::Stored>, DbErr> {
    let table = resource.table();
    let first = resource.id_properties()[0];
    let mut ids: Vec<String> = records
        .iter()
        .filter_map(|r| fields::key_string(r, first))
        .collect();
    ids.sort();
    ids.dedup();
    let rows = api_repo::rows_where_in(db, table, org_id, first, ids).await?;
    Ok(rows
        .into_iter()
        .map(|s| (key_of(table, resource, &s), s))
        .collect())
}

fn key_of(table: &Table, resource: Resource, stored: &api_repo::Stored) -> Vec<String> {
    resource
        .id_properties()
        .iter()
        .map(|p| fields::text(&stored.row[table.col(p)]).unwrap_or_default())
        .collect()
}

/// Columns undo puts back: what clients write, and whether the record is active.
fn undoable_column(table: &Table, column: usize) -> bool {
    let field = table.fields[column];
    (field.api || matches!(field.name, "is_active" | "documents"))
        && !table.key.contains(&field.name)
}

fn diff(
    resource: Resource,
    before: &HashMap<Vec<String>, api_repo::Stored>,
    after: &HashMap<Vec<String>, api_repo::Stored>,
    records: &[Json],
    failures: &[Failure],
) -> Vec<Change> {
    let table = resource.table();
    let failed: std::collections::HashSet<usize> = failures.iter().map(|f| f.record).collect();
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for (i, record) in records.iter().enumerate() {
        if failed.contains(&i) {
            continue;
        }
        let key: Vec<String> = resource
            .id_properties()
            .iter()
            .map(|p| fields::key_string(record, p).unwrap_or_default())
            .collect();
        if !seen.insert(key.clone()) {
            continue;
        }
        let Some(now) = after.get(&key) else {
            continue;
        };
        let record_key = key.join(" / ");
        match before.get(&key) {
            None => out.push(Change {
                target: table.name,
                record_pk: now.id,
                record_key,
                created: true,
                field: None,
                previous: None,
                written: Some(fields::to_json(&now.row[table.col("updated_at")])),
            }),
            Some(was) => {
                for column in 0..table.fields.len() {
                    if undoable_column(table, column) && was.row[column] != now.row[column] {
                        out.push(Change {
                            target: table.name,
                            record_pk: now.id,
                            record_key: record_key.clone(),
                            created: false,
                            field: Some(table.fields[column].name.to_owned()),
                            previous: Some(fields::to_json(&was.row[column])),
                            written: Some(fields::to_json(&now.row[column])),
                        });
                    }
                }
            }
        }
    }
    out
}

fn table_of(target: &str) -> &'static Table {
    match target {
        "account_users" => Resource::Users.table(),
        "account_contacts" => Resource::Contacts.table(),
        _ => Resource::Accounts.table(),
    }
}

/// Undoes an applied upload of the organisation: records it created are removed, fields
/// it changed get their previous values back, unless changed again since (conflicts, left
/// alone). Audited.
pub async fn undo(
    db: &DatabaseConnection,
    org_id: i32,
    upload_id: i32,
    actor: &Actor,
) -> Result<UndoReport, AppError> {
    let Some(upload) = repo::find(db, org_id, upload_id).await? else {
        return Err(AppError::NotFound);
    };
    let summary = &upload.summary;
    match summary.status {
        UploadStatus::Applied | UploadStatus::Cancelled => {}
        UploadStatus::Undone => return Err(AppError::invalid("This upload was undone already.")),
        UploadStatus::DryRun => {
            return Err(AppError::invalid(
                "A dry run wrote nothing, so there is nothing to undo.",
            ))
        }
        UploadStatus::Running => {
            return Err(AppError::invalid(
                "This upload is still running: cancel it first, then undo it.",
            ))
        }
        UploadStatus::Failed => {
            return Err(AppError::invalid(
                "This upload failed before it wrote anything to undo.",
            ))
        }
    }
    if !summary.api.undoable() {
        return Err(AppError::invalid(format!(
            "Uploads of {} cannot be undone; undo covers accounts, account users and account contacts.",
            summary.api.label()
        )));
    }
    let ended = summary.finished_at.unwrap_or(summary.created_at);
    if now_ms() - ended > UNDO_DAYS * DAY_MS {
        return Err(AppError::invalid(format!(
            "Uploads can be undone for {UNDO_DAYS} days; this one is older."
        )));
    }
    let changes = repo::changes(db, org_id, upload_id).await?;
    let now = now_ms();
    let mut report = UndoReport {
        removed: 0,
        restored: 0,
        conflicts: vec![],
    };
    let txn = crate::db::begin_write(db).await?;
    // Field changes first, newest last written value compared with what is stored now.
    let mut current: HashMap<(&'static str, i32), Option<api_repo::Stored>> = HashMap::new();
    // A record the upload created goes as a whole; its later changes in the same upload
    // need no putting back.
    let created: std::collections::HashSet<(&'static str, i32)> = changes
        .iter()
        .filter(|c| c.created)
        .map(|c| (c.target, c.record_pk))
        .collect();
    for change in &changes {
        if !change.created && created.contains(&(change.target, change.record_pk)) {
            continue;
        }
        let table = table_of(change.target);
        if let std::collections::hash_map::Entry::Vacant(slot) =
            current.entry((change.target, change.record_pk))
        {
            let mut select = api_repo::select_all(table);
            select
                .and_where(Expr::col("org_id").eq(org_id))
                .and_where(Expr::col("id").eq(change.record_pk));
            let row = api_repo::fetch(&txn, table, &select)
                .await?
                .into_iter()
                .next();
            slot.insert(row);
        }
        let Some(Some(row)) = current.get(&(change.target, change.record_pk)) else {
            report.conflicts.push(UndoConflict {
                record: change.record_key.clone(),
                field: change.field.clone(),
                message: "The record is gone (deleted since the upload).".into(),
            });
            continue;
        };
        if change.created {
            let updated = fields::to_json(&row.row[table.col("updated_at")]);
            let children = if table.name == "accounts" {
                has_people(&txn, org_id, row.id).await?
            } else {
                false
            };
            if Some(&updated) != change.written.as_ref() {
                report.conflicts.push(UndoConflict {
                    record: change.record_key.clone(),
                    field: None,
                    message: "Created by this upload but changed since: kept.".into(),
                });
            } else if children {
                report.conflicts.push(UndoConflict {
                    record: change.record_key.clone(),
                    field: None,
                    message: "Created by this upload, but product users or contacts were added to it since: kept.".into(),
                });
            } else {
                let delete = Query::delete()
                    .from_table(table.name)
                    .and_where(Expr::col("org_id").eq(org_id))
                    .and_where(Expr::col("id").eq(row.id))
                    .to_owned();
                txn.execute(&delete).await?;
                report.removed += 1;
            }
            continue;
        }
        let Some(field) = change.field.as_deref() else {
            continue;
        };
        let Some(column) = table.index(field) else {
            continue;
        };
        let stored_now = fields::to_json(&row.row[column]);
        if Some(&stored_now) != change.written.as_ref() {
            report.conflicts.push(UndoConflict {
                record: change.record_key.clone(),
                field: Some(field.to_owned()),
                message: format!(
                    "{field} was changed again since the upload (now {stored_now}): left alone."
                ),
            });
            continue;
        }
        let ty = table.fields[column].ty;
        let previous = match &change.previous {
            None | Some(Json::Null) => ty.null(),
            Some(value) => ty.parse(value).unwrap_or_else(|| ty.null()),
        };
        let update = Query::update()
            .table(table.name)
            .value(sea_orm::sea_query::Alias::new(field), Expr::val(previous))
            .value("updated_at", Expr::val(now))
            .and_where(Expr::col("org_id").eq(org_id))
            .and_where(Expr::col("id").eq(row.id))
            .to_owned();
        txn.execute(&update).await?;
        report.restored += 1;
    }
    let mark = Query::update()
        .table("uploads")
        .value("status", Expr::val(UploadStatus::Undone.key()))
        .value("undone_at", Expr::val(now))
        .value("undone_by_label", Expr::val(actor.label.clone()))
        .and_where(Expr::col("org_id").eq(org_id))
        .and_where(Expr::col("id").eq(upload_id))
        .to_owned();
    txn.execute(&mark).await?;
    audit::record(
        &txn,
        org_id,
        actor,
        AuditAction::UploadUndone,
        &AuditTarget {
            kind: "upload",
            id: Some(upload_id),
            label: format!("{} upload '{}'", summary.api.label(), summary.file_name),
        },
        Changes::new()
            .set("removed", report.removed)
            .set("restored", report.restored)
            .set("conflicts", report.conflicts.len()),
    )
    .await?;
    txn.commit().await?;
    Ok(report)
}

async fn has_people(
    db: &impl ConnectionTrait,
    org_id: i32,
    account_pk: i32,
) -> Result<bool, DbErr> {
    for table in ["account_users", "account_contacts"] {
        let select = Query::select()
            .from(table)
            .column("id")
            .and_where(Expr::col("org_id").eq(org_id))
            .and_where(Expr::col("account_pk").eq(account_pk))
            .limit(1)
            .to_owned();
        if db.query_one(&select).await?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The error CSV of the organisation's upload: the header as uploaded plus `error`, then
/// each failed row's cells and its message (every cell neutralised by `csv_out`).
pub async fn error_csv(
    db: &DatabaseConnection,
    org_id: i32,
    upload_id: i32,
) -> Result<String, AppError> {
    let Some(upload) = repo::find(db, org_id, upload_id).await? else {
        return Err(AppError::NotFound);
    };
    let mut header: Vec<String> = upload.headers.iter().map(|(h, _)| h.clone()).collect();
    header.push("line".into());
    header.push("error".into());
    let mut out = crate::csv_out::row(&header);
    for (failure, mut cells) in repo::failures(db, org_id, upload_id, u64::MAX >> 1).await? {
        cells.resize(upload.headers.len().max(cells.len()), String::new());
        cells.truncate(upload.headers.len().max(1));
        cells.push(failure.line.to_string());
        cells.push(match &failure.column {
            Some(c) => format!("{c}: {}", failure.message),
            None => failure.message.clone(),
        });
        out.push_str(&crate::csv_out::row(&cells));
    }
    Ok(out)
}
