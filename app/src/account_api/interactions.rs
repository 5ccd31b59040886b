//! Interactions (our addition; Natero's public docs name the feature without detail):
//! `POST /interactions` upserts `{interaction_id?, account_id, date, type, description,
//! subject?, contact_email?, added_by?}` records. `interaction_id` is the client's own id
//! and the upsert key; records without one are always added. Stored with source `api`.
use std::collections::{HashMap, HashSet};

use axum::extract::{Path, Request, State};
use axum::response::Response;
use sea_orm::sea_query::{Alias, Cond, Expr, ExprTrait, OnConflict, Order, Query};
use sea_orm::{ConnectionTrait, DbErr, TransactionTrait, Value};
use serde_json::{json, Value as Json};

use crate::account_api::accounts::endpoint;
use crate::account_api::fields::{self, invalid_type, unknown_property, FieldType};
use crate::account_api::http::{bulk_outcome, serve, Ctx, ListParams, Outcome};
use crate::account_api::repo;
use crate::account_api::upsert::{Failure, Mode};
use crate::public_api::limits::MAX_PAGE_SIZE;
use crate::state::AppState;
use crate::time::now_ms;

/// Writable properties: (JSON name, column, type, required).
const PROPERTIES: &[(&str, &str, FieldType, bool)] = &[
    ("date", "date", FieldType::Ms, true),
    ("type", "kind", FieldType::Text, true),
    ("description", "description", FieldType::Text, true),
    ("subject", "subject", FieldType::Text, false),
    ("contact_email", "contact_email", FieldType::Text, false),
    ("added_by", "added_by", FieldType::Text, false),
];

/// The stored columns, in insert order.
const COLUMNS: &[&str] = &[
    "org_id",
    "account_pk",
    "interaction_id",
    "date",
    "kind",
    "description",
    "subject",
    "contact_email",
    "added_by",
    "source",
    "created_at",
    "updated_at",
];

#[derive(Clone, Debug, PartialEq)]
pub struct InteractionRecord {
    pub interaction_id: Option<String>,
    pub account_id: Option<String>,
    /// Column → value for the properties sent.
    pub sets: Vec<(&'static str, Value)>,
}

fn missing(fields: &[&str]) -> String {
    let names: Vec<String> = fields.iter().map(|f| format!("'{f}'")).collect();
    format!(
        "Missing/invalid required field(s) for Interactions insert: {}",
        names.join(", ")
    )
}

pub fn parse_interaction(json: &Json) -> Result<InteractionRecord, String> {
    let object = json.as_object().ok_or_else(|| {
        format!(
            "Each record must be a JSON object, not {}",
            fields::kind_of(json)
        )
    })?;
    crate::limits::check_api_record(json)?;
    let mut record = InteractionRecord {
        interaction_id: None,
        account_id: None,
        sets: vec![],
    };
    for (name, value) in object {
        match name.as_str() {
            "interaction_id" | "account_id" => {
                let text = match value {
                    Json::Null => None,
                    Json::String(s) if !s.is_empty() => Some(s.clone()),
                    _ => return Err(invalid_type(name, "string")),
                };
                if name == "interaction_id" {
                    record.interaction_id = text;
                } else {
                    record.account_id = text;
                }
            }
            "id" | "source" => {}
            other => {
                let Some((_, column, ty, required)) = PROPERTIES.iter().find(|(p, ..)| *p == other)
                else {
                    return Err(unknown_property(other));
                };
                let value = if value.is_null() {
                    if *required {
                        return Err(missing(&[other]));
                    }
                    ty.null()
                } else {
                    ty.parse(value)
                        .ok_or_else(|| invalid_type(other, ty.expecting()))?
                };
                record.sets.push((column, value));
            }
        }
    }
    Ok(record)
}

struct Row {
    index: usize,
    values: HashMap<&'static str, Value>,
}

async fn write(db: &impl ConnectionTrait, rows: &[&Row]) -> Result<(), DbErr> {
    let (keyed, unkeyed): (Vec<&&Row>, Vec<&&Row>) = rows.iter().partition(|r| {
        r.values
            .get("interaction_id")
            .is_some_and(|v| *v != Value::String(None))
    });
    for (part, keyed) in [(keyed, true), (unkeyed, false)] {
        for chunk in part.chunks(repo::rows_per_statement(COLUMNS.len())) {
            let mut insert = Query::insert();
            insert
                .into_table("interactions")
                .columns(COLUMNS.iter().copied());
            if keyed {
                insert.on_conflict(
                    OnConflict::columns(["org_id", "interaction_id"])
                        .update_columns(
                            COLUMNS.iter().copied().filter(|c| {
                                !["org_id", "interaction_id", "created_at"].contains(c)
                            }),
                        )
                        .to_owned(),
                );
            }
            for row in chunk {
                insert.values_panic(COLUMNS.iter().map(|c| Expr::val(row.values[c].clone())));
            }
            db.execute(&insert).await?;
        }
    }
    Ok(())
}

fn column_type(column: &str) -> FieldType {
    match column {
        "org_id" | "account_pk" => FieldType::Int,
        "date" | "created_at" | "updated_at" => FieldType::Ms,
        _ => FieldType::Text,
    }
}

/// Stores interaction records; answers the failed ones.
pub async fn store(
    db: &sea_orm::DatabaseConnection,
    org_id: i32,
    records: &[Json],
) -> Result<Vec<Failure>, DbErr> {
    store_with(db, org_id, records, Mode::Write).await
}

/// `store`, or with `Mode::Check` every check before the write without writing.
pub async fn store_with(
    db: &sea_orm::DatabaseConnection,
    org_id: i32,
    records: &[Json],
    mode: Mode,
) -> Result<Vec<Failure>, DbErr> {
    store_as(db, org_id, records, mode, "api").await
}

/// `store_with` for another writer than the Account API (BCC email stores `bcc`): the
/// same checks and write, with `source` recorded on each row.
pub async fn store_as(
    db: &sea_orm::DatabaseConnection,
    org_id: i32,
    records: &[Json],
    mode: Mode,
    source: &'static str,
) -> Result<Vec<Failure>, DbErr> {
    let now = now_ms();
    let mut failures = Vec::new();
    let mut parsed = Vec::new();
    for (i, json) in records.iter().enumerate() {
        match parse_interaction(json) {
            Ok(r) => parsed.push((i, r)),
            Err(message) => failures.push(Failure::of(i, json, message)),
        }
    }
    let account_ids: HashSet<String> = parsed
        .iter()
        .filter_map(|(_, r)| r.account_id.clone())
        .collect();
    let pks = repo::account_pks(db, org_id, &account_ids.into_iter().collect::<Vec<_>>()).await?;
    let ids: Vec<String> = parsed
        .iter()
        .filter_map(|(_, r)| r.interaction_id.clone())
        .collect();
    let existing = existing_rows(db, org_id, &ids).await?;
    let mut rows: Vec<Row> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for (i, record) in parsed {
        let earlier = record
            .interaction_id
            .as_ref()
            .and_then(|id| by_id.get(id).copied());
        let mut values: HashMap<&'static str, Value> = match earlier {
            Some(at) => rows[at].values.clone(),
            None => match record
                .interaction_id
                .as_ref()
                .and_then(|id| existing.get(id))
            {
                Some(stored) => stored.clone(),
                None => COLUMNS
                    .iter()
                    .map(|c| (*c, column_type(c).null()))
                    .collect(),
            },
        };
        if let Some(account_id) = &record.account_id {
            match pks.get(account_id) {
                Some(pk) => {
                    values.insert("account_pk", Value::Int(Some(*pk)));
                }
                None => {
                    failures.push(Failure::of(i, &records[i], "Account not found"));
                    continue;
                }
            }
        }
        for (column, value) in &record.sets {
            values.insert(column, value.clone());
        }
        let absent: Vec<&str> = [
            ("account_pk", "account_id"),
            ("date", "date"),
            ("kind", "type"),
            ("description", "description"),
        ]
        .into_iter()
        .filter(|(c, _)| {
            matches!(
                values[c],
                Value::Int(None) | Value::BigInt(None) | Value::String(None)
            )
        })
        .map(|(_, p)| p)
        .collect();
        if !absent.is_empty() {
            failures.push(Failure::of(i, &records[i], missing(&absent)));
            continue;
        }
        values.insert("org_id", Value::Int(Some(org_id)));
        values.insert(
            "interaction_id",
            Value::String(record.interaction_id.clone()),
        );
        values.insert("source", Value::String(Some(source.into())));
        if values["created_at"] == Value::BigInt(None) {
            values.insert("created_at", Value::BigInt(Some(now)));
        }
        values.insert("updated_at", Value::BigInt(Some(now)));
        match earlier {
            Some(at) => {
                rows[at].values = values;
                rows[at].index = i;
            }
            None => {
                if let Some(id) = &record.interaction_id {
                    by_id.insert(id.clone(), rows.len());
                }
                rows.push(Row { index: i, values });
            }
        }
    }
    if mode == Mode::Check {
        failures.sort_by_key(|f| f.record);
        return Ok(failures);
    }
    let txn = crate::db::begin_write(db).await?;
    let savepoint = txn.begin().await?;
    let all: Vec<&Row> = rows.iter().collect();
    match write(&savepoint, &all).await {
        Ok(()) => savepoint.commit().await?,
        Err(error) => {
            savepoint.rollback().await?;
            if crate::error::is_busy(&error) {
                return Err(error);
            }
            for row in &rows {
                let savepoint = txn.begin().await?;
                match write(&savepoint, &[row]).await {
                    Ok(()) => savepoint.commit().await?,
                    Err(error) => {
                        savepoint.rollback().await?;
                        if crate::error::is_busy(&error) {
                            return Err(error);
                        }
                        let reference =
                            match crate::error::AppError::internal("interaction", &error) {
                                crate::error::AppError::Internal(r) => r,
                                _ => String::new(),
                            };
                        failures.push(Failure::of(
                            row.index,
                            &records[row.index],
                            format!("This record could not be stored (ref {reference})"),
                        ));
                    }
                }
            }
        }
    }
    txn.commit().await?;
    failures.sort_by_key(|f| f.record);
    Ok(failures)
}

async fn existing_rows(
    db: &impl ConnectionTrait,
    org_id: i32,
    ids: &[String],
) -> Result<HashMap<String, HashMap<&'static str, Value>>, DbErr> {
    let mut out = HashMap::new();
    for part in ids.chunks(5000) {
        let select = Query::select()
            .from("interactions")
            .columns(COLUMNS.iter().copied())
            .and_where(Expr::col("org_id").eq(org_id))
            .and_where(Expr::col("interaction_id").is_in(part.iter().cloned()))
            .to_owned();
        for row in db.query_all(&select).await? {
            let mut values = HashMap::new();
            for (i, column) in COLUMNS.iter().enumerate() {
                let value = match column_type(column) {
                    FieldType::Int => Value::Int(row.try_get_by_index(i)?),
                    FieldType::Ms => Value::BigInt(row.try_get_by_index(i)?),
                    _ => Value::String(row.try_get_by_index(i)?),
                };
                values.insert(*column, value);
            }
            if let Some(id) = fields::text(&values["interaction_id"]) {
                out.insert(id, values);
            }
        }
    }
    Ok(out)
}

/// Interactions as GET answers them.
async fn read(
    db: &impl ConnectionTrait,
    org_id: i32,
    filter: Cond,
    order_by: &str,
    descending: bool,
    offset: u64,
) -> Result<Vec<Json>, DbErr> {
    let order = if descending { Order::Desc } else { Order::Asc };
    let mut select = Query::select()
        .from_as("interactions", "i")
        .column(("i", "id"))
        .column(("i", "interaction_id"))
        .column(("accounts", "account_id"))
        .column(("i", "date"))
        .column(("i", "kind"))
        .column(("i", "subject"))
        .column(("i", "description"))
        .column(("i", "contact_email"))
        .column(("i", "added_by"))
        .column(("i", "source"))
        .inner_join(
            "accounts",
            Expr::col(("accounts", "id")).equals(("i", "account_pk")),
        )
        .and_where(Expr::col(("i", "org_id")).eq(org_id))
        .cond_where(filter)
        .to_owned();
    if order_by != "id" {
        select.order_by((Alias::new("i"), Alias::new(order_by)), order.clone());
    }
    select
        .order_by(("i", "id"), order)
        .limit(MAX_PAGE_SIZE)
        .offset(offset);
    let mut out = Vec::new();
    for row in db.query_all(&select).await? {
        out.push(json!({
            "id": row.try_get_by_index::<i32>(0)?,
            "interaction_id": row.try_get_by_index::<Option<String>>(1)?,
            "account_id": row.try_get_by_index::<String>(2)?,
            "date": row.try_get_by_index::<i64>(3)?,
            "type": row.try_get_by_index::<String>(4)?,
            "subject": row.try_get_by_index::<Option<String>>(5)?,
            "description": row.try_get_by_index::<String>(6)?,
            "contact_email": row.try_get_by_index::<Option<String>>(7)?,
            "added_by": row.try_get_by_index::<Option<String>>(8)?,
            "source": row.try_get_by_index::<String>(9)?,
        }));
    }
    Ok(out)
}

async fn bulk(mut ctx: Ctx) -> Outcome {
    let records = match ctx.records().await {
        Ok(r) => r,
        Err(o) => return o,
    };
    match store(ctx.db(), ctx.org_id, &records).await {
        Ok(failures) => bulk_outcome(records.len(), &failures, false),
        Err(e) => Outcome::from(e).received(records.len()),
    }
}

async fn of_account(ctx: Ctx, account_id: String) -> Outcome {
    let params = match ListParams::parse(&ctx, &["date", "id", "interaction_id"]) {
        Ok(p) => p,
        Err(o) => return o,
    };
    let pk = match repo::account_pks(ctx.db(), ctx.org_id, std::slice::from_ref(&account_id)).await
    {
        Ok(found) => match found.get(&account_id) {
            Some(pk) => *pk,
            None => return Outcome::not_found("Account not found"),
        },
        Err(e) => return e.into(),
    };
    let filter = Cond::all().add(Expr::col(("i", "account_pk")).eq(pk));
    let order_by = params.order_by.clone().unwrap_or_else(|| "date".into());
    match read(
        ctx.db(),
        ctx.org_id,
        filter,
        &order_by,
        params.descending,
        params.offset(),
    )
    .await
    {
        Ok(results) => params.envelope(results),
        Err(e) => e.into(),
    }
}

fn by_id(interaction_id: &str) -> Cond {
    Cond::all()
        .add(Expr::col(("i", "interaction_id")).eq(interaction_id))
        .add(Expr::col(("i", "source")).eq("api"))
}

async fn get_one(ctx: Ctx, interaction_id: String) -> Outcome {
    match read(ctx.db(), ctx.org_id, by_id(&interaction_id), "id", false, 0).await {
        Ok(results) if results.is_empty() => Outcome::not_found("Interaction not found"),
        Ok(results) => Outcome::ok(json!({"status_is_ok": true, "results": results})),
        Err(e) => e.into(),
    }
}

async fn put(mut ctx: Ctx, interaction_id: String) -> Outcome {
    match read(ctx.db(), ctx.org_id, by_id(&interaction_id), "id", false, 0).await {
        Ok(found) if found.is_empty() => {
            return Outcome::not_found("Interaction not found").received(1)
        }
        Ok(_) => {}
        Err(e) => return e.into(),
    }
    let mut record = match ctx.put_body().await {
        Ok(r) => r,
        Err(o) => return o,
    };
    if let Some(Json::String(given)) = record.get("interaction_id") {
        if *given != interaction_id {
            return Outcome::refused(format!(
                "interaction_id in the body ('{given}') differs from the one in the path ('{interaction_id}')."
            ))
            .received(1);
        }
    }
    record["interaction_id"] = Json::from(interaction_id.clone());
    match store(ctx.db(), ctx.org_id, std::slice::from_ref(&record)).await {
        Ok(failures) if !failures.is_empty() => {
            let mut outcome = Outcome::refused(failures[0].message.clone()).received(1);
            outcome.failures = vec![failures[0].to_record_failure()];
            outcome
        }
        Ok(_) => match read(ctx.db(), ctx.org_id, by_id(&interaction_id), "id", false, 0).await {
            Ok(results) => {
                Outcome::ok(json!({"status_is_ok": true, "results": results})).received(1)
            }
            Err(e) => e.into(),
        },
        Err(e) => e.into(),
    }
}

async fn delete(ctx: Ctx, interaction_id: String) -> Outcome {
    let filter = Cond::all()
        .add(Expr::col("org_id").eq(ctx.org_id))
        .add(Expr::col("interaction_id").eq(interaction_id))
        .add(Expr::col("source").eq("api"));
    match repo::delete_where(ctx.db(), "interactions", filter).await {
        Ok(0) => Outcome::not_found("Interaction not found"),
        Ok(_) => Outcome::done(),
        Err(e) => e.into(),
    }
}

endpoint!(post_interactions, "/api/v2/interactions", |ctx| bulk(ctx)
    .await);
endpoint!(
    get_interaction,
    "/api/v2/interactions/{interaction_id}",
    String,
    |ctx, id| get_one(ctx, id).await
);
endpoint!(
    put_interaction,
    "/api/v2/interactions/{interaction_id}",
    String,
    |ctx, id| put(ctx, id).await
);
endpoint!(
    delete_interaction,
    "/api/v2/interactions/{interaction_id}",
    String,
    |ctx, id| delete(ctx, id).await
);
endpoint!(
    interactions_of_account,
    "/api/v2/accounts/{account_id}/interactions",
    String,
    |ctx, a| of_account(ctx, a).await
);
