//! API Upload's queries (sea-query builders, SQLite and PostgreSQL alike). Every query
//! names the organisation; writes take the shared write turn on SQLite.
use std::collections::HashMap;

use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, QueryResult, Value};
use serde_json::Value as Json;

use crate::db::write_turn;
use crate::time::{now_ms, DAY_MS};
use crate::upload::dto::{RowFailure, UploadApi, UploadStatus, UploadSummary};

/// How long an instance holds an upload it reads or applies without renewing the lease
/// (it renews after every batch). When it stops, another instance resumes after this.
pub const LEASE_MS: i64 = 120_000;

/// Who started an upload.
#[derive(Clone, Debug)]
pub struct Who {
    pub user_id: Option<i32>,
    pub key_id: Option<i32>,
    pub label: String,
}

/// An upload's row, with what the apply needs beside the summary.
#[derive(Clone, Debug)]
pub struct UploadRow {
    pub summary: UploadSummary,
    pub org_id: i32,
    pub batches: i32,
    pub next_batch: i32,
    pub cancel_requested: bool,
    /// [(header as written, field name or "")].
    pub headers: Vec<(String, String)>,
}

const COLUMNS: &[&str] = &[
    "id",
    "org_id",
    "api",
    "file_name",
    "by_label",
    "created_at",
    "finished_at",
    "status",
    "dry_run",
    "delimiter",
    "encoding",
    "rows_received",
    "rows_applied",
    "rows_failed",
    "message",
    "undone_at",
    "batches",
    "next_batch",
    "cancel_requested",
    "headers",
];

fn read_upload(r: &QueryResult) -> Result<UploadRow, DbErr> {
    let api: String = r.try_get_by_index(2)?;
    let status: String = r.try_get_by_index(7)?;
    let headers: Option<String> = r.try_get_by_index(19)?;
    let mut row = UploadRow {
        summary: UploadSummary {
            id: r.try_get_by_index(0)?,
            api: UploadApi::from_key(&api)
                .ok_or_else(|| DbErr::Custom(format!("unknown upload api {api}")))?,
            file_name: r.try_get_by_index(3)?,
            by: r.try_get_by_index(4)?,
            created_at: r.try_get_by_index(5)?,
            finished_at: r.try_get_by_index(6)?,
            status: UploadStatus::from_key(&status).unwrap_or(UploadStatus::Failed),
            dry_run: r.try_get_by_index(8)?,
            delimiter: r.try_get_by_index(9)?,
            encoding: r.try_get_by_index(10)?,
            rows: r.try_get_by_index::<i64>(11)? as u64,
            applied: r.try_get_by_index::<i64>(12)? as u64,
            failed: r.try_get_by_index::<i64>(13)? as u64,
            message: r.try_get_by_index(14)?,
            undone_at: r.try_get_by_index(15)?,
            undo_until: None,
        },
        org_id: r.try_get_by_index(1)?,
        batches: r.try_get_by_index(16)?,
        next_batch: r.try_get_by_index(17)?,
        cancel_requested: r.try_get_by_index(18)?,
        headers: headers
            .and_then(|h| serde_json::from_str(&h).ok())
            .unwrap_or_default(),
    };
    let summary = &mut row.summary;
    if matches!(
        summary.status,
        UploadStatus::Applied | UploadStatus::Cancelled
    ) && summary.api.undoable()
    {
        let ended = summary.finished_at.unwrap_or(summary.created_at);
        summary.undo_until = Some(ended + crate::upload::ssr::service::UNDO_DAYS * DAY_MS);
    }
    Ok(row)
}

pub async fn create(
    db: &DatabaseConnection,
    org_id: i32,
    api: UploadApi,
    who: &Who,
    file_name: &str,
    dry_run: bool,
) -> Result<i32, DbErr> {
    let insert = Query::insert()
        .into_table("uploads")
        .columns([
            "org_id",
            "api",
            "file_name",
            "user_id",
            "key_id",
            "by_label",
            "created_at",
            "status",
            "dry_run",
            "rows_received",
            "rows_applied",
            "rows_failed",
            "batches",
            "next_batch",
            "cancel_requested",
            "lease_holder",
            "lease_until",
        ])
        .values_panic([
            Expr::val(org_id),
            Expr::val(api.key()),
            Expr::val(file_name),
            Expr::val(who.user_id),
            Expr::val(who.key_id),
            Expr::val(who.label.as_str()),
            Expr::val(now_ms()),
            Expr::val(UploadStatus::Running.key()),
            Expr::val(dry_run),
            Expr::val(0i64),
            Expr::val(0i64),
            Expr::val(0i64),
            Expr::val(0i32),
            Expr::val(0i32),
            Expr::val(false),
            // The creating instance holds it while it reads the file.
            Expr::val(crate::jobs::instance_name()),
            Expr::val(now_ms() + LEASE_MS),
        ])
        .returning_col("id")
        .to_owned();
    let _turn = write_turn(db).await;
    let row = db
        .query_one(&insert)
        .await?
        .ok_or_else(|| DbErr::Custom("insert returned nothing".into()))?;
    row.try_get_by_index(0)
}

fn select_uploads(org_id: i32) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .from("uploads")
        .columns(COLUMNS.iter().copied())
        .and_where(Expr::col("org_id").eq(org_id))
        .to_owned()
}

/// The organisation's upload.
pub async fn find(
    db: &impl ConnectionTrait,
    org_id: i32,
    id: i32,
) -> Result<Option<UploadRow>, DbErr> {
    let select = select_uploads(org_id)
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    db.query_one(&select)
        .await?
        .map(|r| read_upload(&r))
        .transpose()
}

/// The organisation's uploads, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    org_id: i32,
    limit: u64,
) -> Result<Vec<UploadSummary>, DbErr> {
    let select = select_uploads(org_id)
        .order_by("id", Order::Desc)
        .limit(limit)
        .to_owned();
    db.query_all(&select)
        .await?
        .iter()
        .map(|r| read_upload(r).map(|u| u.summary))
        .collect()
}

/// Sets columns of the organisation's upload.
pub async fn update(
    db: &DatabaseConnection,
    org_id: i32,
    id: i32,
    values: Vec<(&'static str, Value)>,
) -> Result<(), DbErr> {
    let mut update = Query::update();
    update
        .table("uploads")
        .and_where(Expr::col("org_id").eq(org_id))
        .and_where(Expr::col("id").eq(id));
    for (column, value) in values {
        update.value(column, Expr::val(value));
    }
    let _turn = write_turn(db).await;
    db.execute(&update).await?;
    Ok(())
}

/// Records that batch `from` was applied: the upload moves on to the next batch with these
/// totals, only if it still stood at `from` and is still running. False when another
/// runner of the same upload got there first (or finished it and dropped the staged rows),
/// so the caller stops instead of writing older totals over newer ones.
pub async fn advance(
    db: &DatabaseConnection,
    org_id: i32,
    id: i32,
    from: i32,
    applied: u64,
    failed: u64,
) -> Result<bool, DbErr> {
    let update = Query::update()
        .table("uploads")
        .value("next_batch", Expr::val(from + 1))
        .value("rows_applied", Expr::val(applied as i64))
        .value("rows_failed", Expr::val(failed as i64))
        .and_where(Expr::col("org_id").eq(org_id))
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("next_batch").eq(from))
        .and_where(Expr::col("status").eq(UploadStatus::Running.key()))
        .to_owned();
    let _turn = write_turn(db).await;
    Ok(db.execute(&update).await?.rows_affected() == 1)
}

/// A staged row: its line, the API record, and its cells as read.
pub type StagedRow = (u64, Json, Vec<String>);

pub async fn insert_batch(
    db: &DatabaseConnection,
    upload_id: i32,
    seq: i32,
    rows: &[StagedRow],
) -> Result<(), DbErr> {
    let text = serde_json::to_string(rows).map_err(|e| DbErr::Custom(e.to_string()))?;
    let insert = Query::insert()
        .into_table("upload_batches")
        .columns(["upload_id", "seq", "rows"])
        .values_panic([Expr::val(upload_id), Expr::val(seq), Expr::val(text)])
        .to_owned();
    let _turn = write_turn(db).await;
    db.execute(&insert).await?;
    Ok(())
}

pub async fn load_batch(
    db: &impl ConnectionTrait,
    upload_id: i32,
    seq: i32,
) -> Result<Vec<StagedRow>, DbErr> {
    let select = Query::select()
        .from("upload_batches")
        .column("rows")
        .and_where(Expr::col("upload_id").eq(upload_id))
        .and_where(Expr::col("seq").eq(seq))
        .to_owned();
    match db.query_one(&select).await? {
        Some(row) => {
            let text: String = row.try_get_by_index(0)?;
            serde_json::from_str(&text).map_err(|e| DbErr::Custom(e.to_string()))
        }
        None => Ok(vec![]),
    }
}

/// Drops what was staged of an upload (a file refused as a whole; a finished apply).
pub async fn discard_staged(
    db: &DatabaseConnection,
    upload_id: i32,
    with_failures: bool,
) -> Result<(), DbErr> {
    let _turn = write_turn(db).await;
    let delete = Query::delete()
        .from_table("upload_batches")
        .and_where(Expr::col("upload_id").eq(upload_id))
        .to_owned();
    db.execute(&delete).await?;
    if with_failures {
        let delete = Query::delete()
            .from_table("upload_failures")
            .and_where(Expr::col("upload_id").eq(upload_id))
            .to_owned();
        db.execute(&delete).await?;
    }
    Ok(())
}

pub async fn insert_failures(
    db: &DatabaseConnection,
    org_id: i32,
    upload_id: i32,
    failures: &[(RowFailure, Vec<String>)],
) -> Result<(), DbErr> {
    if failures.is_empty() {
        return Ok(());
    }
    let _turn = write_turn(db).await;
    for part in failures.chunks(crate::account_api::repo::rows_per_statement(6)) {
        let mut insert = Query::insert();
        insert.into_table("upload_failures").columns([
            "upload_id",
            "org_id",
            "line",
            "column",
            "message",
            "cells",
        ]);
        for (failure, cells) in part {
            insert.values_panic([
                Expr::val(upload_id),
                Expr::val(org_id),
                Expr::val(failure.line as i64),
                Expr::val(failure.column.clone()),
                Expr::val(failure.message.clone()),
                Expr::val(serde_json::to_string(cells).unwrap_or_else(|_| "[]".into())),
            ]);
        }
        db.execute(&insert).await?;
    }
    Ok(())
}

/// The failures of the organisation's upload in line order (at most `limit`), with cells.
pub async fn failures(
    db: &impl ConnectionTrait,
    org_id: i32,
    upload_id: i32,
    limit: u64,
) -> Result<Vec<(RowFailure, Vec<String>)>, DbErr> {
    let select = Query::select()
        .from("upload_failures")
        .columns(["line", "column", "message", "cells"])
        .and_where(Expr::col("org_id").eq(org_id))
        .and_where(Expr::col("upload_id").eq(upload_id))
        .order_by("line", Order::Asc)
        .order_by("id", Order::Asc)
        .limit(limit)
        .to_owned();
    db.query_all(&select)
        .await?
        .iter()
        .map(|r| {
            let cells: String = r.try_get_by_index(3)?;
            Ok((
                RowFailure {
                    line: r.try_get_by_index::<i64>(0)? as u64,
                    column: r.try_get_by_index(1)?,
                    message: r.try_get_by_index(2)?,
                },
                serde_json::from_str(&cells).unwrap_or_default(),
            ))
        })
        .collect()
}

/// One thing undo puts back.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub target: &'static str,
    pub record_pk: i32,
    pub record_key: String,
    pub created: bool,
    pub field: Option<String>,
    pub previous: Option<Json>,
    pub written: Option<Json>,
}

pub async fn insert_changes(
    db: &impl ConnectionTrait,
    org_id: i32,
    upload_id: i32,
    changes: &[Change],
) -> Result<(), DbErr> {
    for part in changes.chunks(crate::account_api::repo::rows_per_statement(9)) {
        let mut insert = Query::insert();
        insert.into_table("upload_changes").columns([
            "upload_id",
            "org_id",
            "target",
            "record_pk",
            "record_key",
            "created",
            "field",
            "previous",
            "written",
        ]);
        for c in part {
            insert.values_panic([
                Expr::val(upload_id),
                Expr::val(org_id),
                Expr::val(c.target),
                Expr::val(c.record_pk),
                Expr::val(c.record_key.clone()),
                Expr::val(c.created),
                Expr::val(c.field.clone()),
                Expr::val(c.previous.as_ref().map(Json::to_string)),
                Expr::val(c.written.as_ref().map(Json::to_string)),
            ]);
        }
        db.execute(&insert).await?;
    }
    Ok(())
}

pub async fn changes(
    db: &impl ConnectionTrait,
    org_id: i32,
    upload_id: i32,
) -> Result<Vec<Change>, DbErr> {
    let select = Query::select()
        .from("upload_changes")
        .columns([
            "target",
            "record_pk",
            "record_key",
            "created",
            "field",
            "previous",
            "written",
        ])
        .and_where(Expr::col("org_id").eq(org_id))
        .and_where(Expr::col("upload_id").eq(upload_id))
        .order_by("id", Order::Asc)
        .to_owned();
    let json = |t: Option<String>| t.and_then(|t| serde_json::from_str::<Json>(&t).ok());
    db.query_all(&select)
        .await?
        .iter()
        .map(|r| {
            let target: String = r.try_get_by_index(0)?;
            Ok(Change {
                target: match target.as_str() {
                    "accounts" => "accounts",
                    "account_users" => "account_users",
                    "account_contacts" => "account_contacts",
                    other => return Err(DbErr::Custom(format!("unknown target {other}"))),
                },
                record_pk: r.try_get_by_index(1)?,
                record_key: r.try_get_by_index(2)?,
                created: r.try_get_by_index(3)?,
                field: r.try_get_by_index(4)?,
                previous: json(r.try_get_by_index(5)?),
                written: json(r.try_get_by_index(6)?),
            })
        })
        .collect()
}

/// The column mapping remembered for the organisation and API: normalised header → field.
pub async fn mapping(
    db: &impl ConnectionTrait,
    org_id: i32,
    api: UploadApi,
) -> Result<HashMap<String, String>, DbErr> {
    let select = Query::select()
        .from("upload_mappings")
        .column("mapping")
        .and_where(Expr::col("org_id").eq(org_id))
        .and_where(Expr::col("api").eq(api.key()))
        .to_owned();
    Ok(match db.query_one(&select).await? {
        Some(r) => {
            let text: String = r.try_get_by_index(0)?;
            serde_json::from_str(&text).unwrap_or_default()
        }
        None => HashMap::new(),
    })
}

pub async fn save_mapping(
    db: &DatabaseConnection,
    org_id: i32,
    api: UploadApi,
    mapping: &HashMap<String, String>,
) -> Result<(), DbErr> {
    let text = serde_json::to_string(mapping).map_err(|e| DbErr::Custom(e.to_string()))?;
    let insert = Query::insert()
        .into_table("upload_mappings")
        .columns(["org_id", "api", "mapping", "updated_at"])
        .values_panic([
            Expr::val(org_id),
            Expr::val(api.key()),
            Expr::val(text),
            Expr::val(now_ms()),
        ])
        .on_conflict(
            OnConflict::columns(["org_id", "api"])
                .update_columns(["mapping", "updated_at"])
                .to_owned(),
        )
        .to_owned();
    let _turn = write_turn(db).await;
    db.execute(&insert).await?;
    Ok(())
}

/// Takes (or renews) the lease on a running upload for this instance. True when this
/// instance now holds it: nobody else held a live lease.
pub async fn claim(db: &DatabaseConnection, id: i32, now: i64) -> Result<bool, DbErr> {
    let me = crate::jobs::instance_name();
    let update = Query::update()
        .table("uploads")
        .value("lease_holder", Expr::val(me))
        .value("lease_until", Expr::val(now + LEASE_MS))
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("status").eq(UploadStatus::Running.key()))
        .and_where(
            Expr::col("lease_until")
                .is_null()
                .or(Expr::col("lease_until").lt(now))
                .or(Expr::col("lease_holder").eq(me)),
        )
        .to_owned();
    let _turn = write_turn(db).await;
    Ok(db.execute(&update).await?.rows_affected() == 1)
}

/// Gives the lease back (the upload ended, or this instance stops working on it).
pub async fn release(db: &DatabaseConnection, id: i32) -> Result<(), DbErr> {
    let update = Query::update()
        .table("uploads")
        .value("lease_until", Expr::val(Option::<i64>::None))
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("lease_holder").eq(crate::jobs::instance_name()))
        .to_owned();
    let _turn = write_turn(db).await;
    db.execute(&update).await?;
    Ok(())
}

/// Running uploads nobody holds (their instance stopped): (org, id, staged). Any
/// organisation: this is the background sweep's question.
pub async fn orphaned(db: &DatabaseConnection, now: i64) -> Result<Vec<(i32, i32, bool)>, DbErr> {
    let select = Query::select()
        .from("uploads")
        .columns(["org_id", "id", "staged_at"])
        .and_where(Expr::col("status").eq(UploadStatus::Running.key()))
        .and_where(
            Expr::col("lease_until")
                .is_null()
                .or(Expr::col("lease_until").lt(now)),
        )
        .order_by("id", Order::Asc)
        .limit(100)
        .to_owned();
    db.query_all(&select)
        .await?
        .iter()
        .map(|r| {
            let staged: Option<i64> = r.try_get_by_index(2)?;
            Ok((
                r.try_get_by_index(0)?,
                r.try_get_by_index(1)?,
                staged.is_some(),
            ))
        })
        .collect()
}
