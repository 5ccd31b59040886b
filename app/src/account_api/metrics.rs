//! Custom metrics: daily numeric time series per account, written only through the API.
//! A record is `{"account_id", "name", "metrics": [{"timestamp", "value"}]}` or the flat
//! `{"account_id", "name", "timestamp", "value"}`; one value per UTC day (the last wins).
use std::collections::{BTreeMap, HashSet};

use axum::extract::{Path, Request, State};
use axum::response::Response;
use sea_orm::sea_query::{Cond, Expr, ExprTrait, OnConflict, Order, Query};
use sea_orm::{ConnectionTrait, DbErr, TransactionTrait};
use serde_json::{json, Value as Json};

use crate::account_api::accounts::endpoint;
use crate::account_api::fields::{self, invalid_type, unknown_property, whole};
use crate::account_api::http::{bulk_outcome, serve, Ctx, ListParams, Outcome};
use crate::account_api::repo;
use crate::account_api::upsert::{Failure, Mode};
use crate::public_api::limits::MAX_PAGE_SIZE;
use crate::state::AppState;
use crate::time::{now_ms, DAY_MS};

/// One record's points: (account_id, name, [(day, value)]).
#[derive(Clone, Debug, PartialEq)]
pub struct MetricRecord {
    pub account_id: String,
    pub name: String,
    pub points: Vec<(i64, f64)>,
}

fn missing(field: &str) -> String {
    format!("Missing/invalid required field(s) for Metrics insert: '{field}'")
}

fn point(json: &Json, at: &str) -> Result<(i64, f64), String> {
    let object = json.as_object().ok_or_else(|| invalid_type(at, "object"))?;
    if let Some(other) = object.keys().find(|k| *k != "timestamp" && *k != "value") {
        return Err(unknown_property(&format!("{at}.{other}")));
    }
    let timestamp = match object.get("timestamp") {
        None | Some(Json::Null) => return Err(missing(&format!("{at}.timestamp"))),
        Some(t) => whole(t).ok_or_else(|| invalid_type(&format!("{at}.timestamp"), "timestamp"))?,
    };
    let value = match object.get("value") {
        None | Some(Json::Null) => return Err(missing(&format!("{at}.value"))),
        Some(v) => v
            .as_f64()
            .filter(|v| v.is_finite())
            .ok_or_else(|| invalid_type(&format!("{at}.value"), "number"))?,
    };
    Ok((timestamp.div_euclid(DAY_MS) * DAY_MS, value))
}

/// Parses one metric record; `name` comes from the path for PUT.
pub fn parse_metric(json: &Json, name: Option<&str>) -> Result<MetricRecord, String> {
    let object = json.as_object().ok_or_else(|| {
        format!(
            "Each record must be a JSON object, not {}",
            fields::kind_of(json)
        )
    })?;
    crate::limits::check_api_record(json)?;
    if let Some(name) = name {
        crate::limits::check_api_record(&serde_json::json!({ "name": name }))?;
    }
    const KNOWN: &[&str] = &["account_id", "name", "metrics", "timestamp", "value"];
    if let Some(other) = object.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(unknown_property(other));
    }
    let account_id = fields::key_string(json, "account_id").ok_or_else(|| missing("account_id"))?;
    let name = match name {
        Some(n) => n.to_owned(),
        None => fields::key_string(json, "name").ok_or_else(|| missing("name"))?,
    };
    let points = match object.get("metrics") {
        Some(Json::Array(_))
            if object.contains_key("timestamp") || object.contains_key("value") =>
        {
            return Err(
                "Give either \"metrics\" or the flat \"timestamp\" and \"value\", not both"
                    .to_owned(),
            )
        }
        Some(Json::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| point(item, &format!("metrics[{i}]")))
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => return Err(invalid_type("metrics", "an array of {timestamp, value}")),
        None => {
            let mut flat = serde_json::Map::new();
            for key in ["timestamp", "value"] {
                if let Some(v) = object.get(key) {
                    flat.insert(key.into(), v.clone());
                }
            }
            vec![point(&Json::Object(flat), "record").map_err(|e| e.replace("record.", ""))?]
        }
    };
    Ok(MetricRecord {
        account_id,
        name,
        points,
    })
}

async fn write_points(
    db: &impl ConnectionTrait,
    org_id: i32,
    records: &[(i32, &MetricRecord)],
    now: i64,
) -> Result<(), DbErr> {
    let mut latest: BTreeMap<(i32, &str, i64), f64> = BTreeMap::new();
    for (pk, record) in records {
        for (day, value) in &record.points {
            latest.insert((*pk, record.name.as_str(), *day), *value);
        }
    }
    let rows: Vec<_> = latest.into_iter().collect();
    for part in rows.chunks(repo::rows_per_statement(6)) {
        let mut insert = Query::insert();
        insert
            .into_table("custom_metrics")
            .columns(["org_id", "account_pk", "name", "day", "value", "updated_at"])
            .on_conflict(
                OnConflict::columns(["account_pk", "name", "day"])
                    .update_columns(["value", "updated_at"])
                    .to_owned(),
            );
        for ((pk, name, day), value) in part {
            insert.values_panic([
                Expr::val(org_id),
                Expr::val(*pk),
                Expr::val(*name),
                Expr::val(*day),
                Expr::val(*value),
                Expr::val(now),
            ]);
        }
        db.execute(&insert).await?;
    }
    Ok(())
}

/// Stores metric records; answers the failed ones.
pub async fn store(
    db: &sea_orm::DatabaseConnection,
    org_id: i32,
    records: &[Json],
    name: Option<&str>,
) -> Result<Vec<Failure>, DbErr> {
    store_with(db, org_id, records, name, Mode::Write).await
}

/// `store`, or with `Mode::Check` every check before the write without writing.
pub async fn store_with(
    db: &sea_orm::DatabaseConnection,
    org_id: i32,
    records: &[Json],
    name: Option<&str>,
    mode: Mode,
) -> Result<Vec<Failure>, DbErr> {
    let now = now_ms();
    let mut failures = Vec::new();
    let mut parsed = Vec::new();
    for (i, json) in records.iter().enumerate() {
        match parse_metric(json, name) {
            Ok(record) => parsed.push((i, record)),
            Err(message) => failures.push(Failure::of(i, json, message)),
        }
    }
    let ids: HashSet<String> = parsed.iter().map(|(_, r)| r.account_id.clone()).collect();
    let pks = repo::account_pks(db, org_id, &ids.into_iter().collect::<Vec<_>>()).await?;
    let mut ready = Vec::new();
    for (i, record) in &parsed {
        match pks.get(&record.account_id) {
            Some(pk) => ready.push((*i, *pk, record)),
            None => failures.push(Failure::of(*i, &records[*i], "Account not found")),
        }
    }
    if mode == Mode::Check {
        failures.sort_by_key(|f| f.record);
        return Ok(failures);
    }
    let txn = crate::db::begin_write(db).await?;
    let savepoint = txn.begin().await?;
    let all: Vec<(i32, &MetricRecord)> = ready.iter().map(|(_, pk, r)| (*pk, *r)).collect();
    match write_points(&savepoint, org_id, &all, now).await {
        Ok(()) => savepoint.commit().await?,
        Err(error) => {
            savepoint.rollback().await?;
            if crate::error::is_busy(&error) {
                return Err(error);
            }
            for (i, pk, record) in &ready {
                let savepoint = txn.begin().await?;
                match write_points(&savepoint, org_id, &[(*pk, record)], now).await {
                    Ok(()) => savepoint.commit().await?,
                    Err(error) => {
                        savepoint.rollback().await?;
                        if crate::error::is_busy(&error) {
                            return Err(error);
                        }
                        let reference = match crate::error::AppError::internal("metric", &error) {
                            crate::error::AppError::Internal(r) => r,
                            _ => String::new(),
                        };
                        failures.push(Failure::of(
                            *i,
                            &records[*i],
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

/// Series `{account_id, name, metrics}` of the organisation matching `filter`, ordered by
/// account and name.
async fn series(db: &impl ConnectionTrait, org_id: i32, filter: Cond) -> Result<Vec<Json>, DbErr> {
    let select = Query::select()
        .from_as("custom_metrics", "m")
        .column(("accounts", "account_id"))
        .column(("m", "name"))
        .column(("m", "day"))
        .column(("m", "value"))
        .inner_join(
            "accounts",
            Expr::col(("accounts", "id")).equals(("m", "account_pk")),
        )
        .and_where(Expr::col(("m", "org_id")).eq(org_id))
        .cond_where(filter)
        .order_by(("m", "account_pk"), Order::Asc)
        .order_by(("m", "name"), Order::Asc)
        .order_by(("m", "day"), Order::Asc)
        .to_owned();
    let mut out: Vec<Json> = Vec::new();
    let mut current: Option<(String, String)> = None;
    for row in db.query_all(&select).await? {
        let account_id: String = row.try_get_by_index(0)?;
        let name: String = row.try_get_by_index(1)?;
        let day: i64 = row.try_get_by_index(2)?;
        let value: f64 = row.try_get_by_index(3)?;
        let key = (account_id.clone(), name.clone());
        if current.as_ref() != Some(&key) {
            out.push(json!({"account_id": account_id, "name": name, "metrics": []}));
            current = Some(key);
        }
        if let Some(Json::Array(points)) = out.last_mut().and_then(|s| s.get_mut("metrics")) {
            points.push(json!({"timestamp": day, "value": value}));
        }
    }
    Ok(out)
}

async fn bulk(mut ctx: Ctx) -> Outcome {
    let records = match ctx.records().await {
        Ok(r) => r,
        Err(o) => return o,
    };
    match store(ctx.db(), ctx.org_id, &records, None).await {
        Ok(failures) => bulk_outcome(records.len(), &failures, false),
        Err(e) => Outcome::from(e).received(records.len()),
    }
}

async fn account_filter(ctx: &Ctx) -> Result<Option<i32>, Outcome> {
    let Some(account_id) = ctx.param("account_id").filter(|a| !a.is_empty()) else {
        return Ok(None);
    };
    let found = repo::account_pks(ctx.db(), ctx.org_id, &[account_id.to_owned()]).await?;
    found
        .get(account_id)
        .map(|pk| Some(*pk))
        .ok_or_else(|| Outcome::not_found("Account not found"))
}

async fn get_by_name(ctx: Ctx, name: String) -> Outcome {
    let params = match ListParams::parse(&ctx, &["account_id"]) {
        Ok(p) => p,
        Err(o) => return o,
    };
    let account = match account_filter(&ctx).await {
        Ok(a) => a,
        Err(o) => return o,
    };
    // One page = up to 1000 accounts' series.
    let mut select = Query::select()
        .distinct()
        .from("custom_metrics")
        .column("account_pk")
        .and_where(Expr::col("org_id").eq(ctx.org_id))
        .and_where(Expr::col("name").eq(name.clone()))
        .order_by(
            "account_pk",
            if params.descending {
                Order::Desc
            } else {
                Order::Asc
            },
        )
        .limit(MAX_PAGE_SIZE)
        .offset(params.offset())
        .to_owned();
    if let Some(pk) = account {
        select.and_where(Expr::col("account_pk").eq(pk));
    }
    let pks: Vec<i32> = match ctx.db().query_all(&select).await {
        Ok(rows) => rows
            .iter()
            .filter_map(|r| r.try_get_by_index(0).ok())
            .collect(),
        Err(e) => return e.into(),
    };
    if pks.is_empty() {
        return params.envelope(vec![]);
    }
    let filter = Cond::all()
        .add(Expr::col(("m", "name")).eq(name))
        .add(Expr::col(("m", "account_pk")).is_in(pks));
    match series(ctx.db(), ctx.org_id, filter).await {
        Ok(mut results) => {
            if params.descending {
                results.reverse();
            }
            params.envelope(results)
        }
        Err(e) => e.into(),
    }
}

async fn of_account(ctx: Ctx, account_id: String) -> Outcome {
    let params = match ListParams::parse(&ctx, &["name"]) {
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
    let filter = Cond::all().add(Expr::col(("m", "account_pk")).eq(pk));
    match series(ctx.db(), ctx.org_id, filter).await {
        Ok(mut results) => {
            if params.descending {
                results.reverse();
            }
            let page: Vec<Json> = results
                .into_iter()
                .skip(params.offset() as usize)
                .take(MAX_PAGE_SIZE as usize)
                .collect();
            params.envelope(page)
        }
        Err(e) => e.into(),
    }
}

async fn put(mut ctx: Ctx, name: String) -> Outcome {
    let record = match ctx.put_body().await {
        Ok(r) => r,
        Err(o) => return o,
    };
    let parsed = match parse_metric(&record, Some(&name)) {
        Ok(p) => p,
        Err(message) => return Outcome::refused(message).received(1),
    };
    let failures = match store(
        ctx.db(),
        ctx.org_id,
        std::slice::from_ref(&record),
        Some(&name),
    )
    .await
    {
        Ok(f) => f,
        Err(e) => return e.into(),
    };
    if let Some(failure) = failures.first() {
        return if failure.message == "Account not found" {
            Outcome::not_found("Account not found").received(1)
        } else {
            Outcome::refused(failure.message.clone()).received(1)
        };
    }
    let filter = Cond::all()
        .add(Expr::col(("m", "name")).eq(name))
        .add(Expr::col(("accounts", "account_id")).eq(parsed.account_id));
    match series(ctx.db(), ctx.org_id, filter).await {
        Ok(results) => Outcome::ok(json!({"status_is_ok": true, "results": results})).received(1),
        Err(e) => e.into(),
    }
}

async fn delete(ctx: Ctx, name: String) -> Outcome {
    let account = match account_filter(&ctx).await {
        Ok(a) => a,
        Err(o) => return o,
    };
    let mut filter = Cond::all()
        .add(Expr::col("org_id").eq(ctx.org_id))
        .add(Expr::col("name").eq(name.clone()));
    if let Some(pk) = account {
        filter = filter.add(Expr::col("account_pk").eq(pk));
    }
    match repo::delete_where(ctx.db(), "custom_metrics", filter).await {
        Ok(0) => Outcome::not_found(format!("No values of the metric '{name}'")),
        Ok(n) => Outcome::ok(json!({"status_is_ok": true, "deleted": n})),
        Err(e) => e.into(),
    }
}

endpoint!(post_metrics, "/api/v2/metrics", |ctx| bulk(ctx).await);
endpoint!(get_metric, "/api/v2/metrics/{name}", String, |ctx, name| {
    get_by_name(ctx, name).await
});
endpoint!(put_metric, "/api/v2/metrics/{name}", String, |ctx, name| {
    put(ctx, name).await
});
endpoint!(
    delete_metric,
    "/api/v2/metrics/{name}",
    String,
    |ctx, name| delete(ctx, name).await
);
endpoint!(
    metrics_of_account,
    "/api/v2/accounts/{account_id}/metrics",
    String,
    |ctx, a| of_account(ctx, a).await
);
