//! The Account API's queries, written with sea-query builders so one code path serves every
//! table the API writes (accounts, product users, contacts) on SQLite and PostgreSQL.
//! Writes are multi-row `INSERT … ON CONFLICT … DO UPDATE` statements; every query is
//! scoped to one organisation.
use std::collections::{BTreeMap, HashMap, HashSet};

use sea_orm::sea_query::{
    Alias, Cond, Expr, ExprTrait, OnConflict, Order, Query, ReturningClause, SelectStatement,
};
use sea_orm::{ConnectionTrait, DbErr, QueryResult, Value};

use crate::account_api::fields::{
    to_json, DimKind, DimWrite, FieldType, NpsEntry, StageEntry, Table,
};

/// A stored row: our id and the table's columns in `Table::fields` order.
#[derive(Clone, Debug, PartialEq)]
pub struct Stored {
    pub id: i32,
    pub row: Vec<Value>,
}

/// Rows per multi-row statement, so that rows × columns stays under SQLite's 32,766 and
/// PostgreSQL's 65,535 bind parameters.
pub fn rows_per_statement(columns: usize) -> usize {
    (30_000 / columns.max(1)).clamp(1, 1000)
}

fn read_value(result: &QueryResult, index: usize, ty: FieldType) -> Result<Value, DbErr> {
    Ok(match ty {
        FieldType::Text => Value::String(result.try_get_by_index::<Option<String>>(index)?),
        FieldType::Ms | FieldType::BigInt => {
            Value::BigInt(result.try_get_by_index::<Option<i64>>(index)?)
        }
        FieldType::Int => Value::Int(result.try_get_by_index::<Option<i32>>(index)?),
        FieldType::Number => Value::Double(result.try_get_by_index::<Option<f64>>(index)?),
        FieldType::Bool => Value::Bool(result.try_get_by_index::<Option<bool>>(index)?),
    })
}

fn read_stored(table: &Table, result: &QueryResult) -> Result<Stored, DbErr> {
    let id: i32 = result.try_get_by_index(0)?;
    let row = table
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| read_value(result, i + 1, f.ty))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Stored { id, row })
}

/// `SELECT id, <columns> FROM table`.
pub fn select_all(table: &Table) -> SelectStatement {
    let mut select = Query::select();
    select.from(table.name).column("id");
    for field in table.fields {
        select.column(field.name);
    }
    select
}

pub async fn fetch(
    db: &impl ConnectionTrait,
    table: &Table,
    select: &SelectStatement,
) -> Result<Vec<Stored>, DbErr> {
    db.query_all(select)
        .await?
        .iter()
        .map(|r| read_stored(table, r))
        .collect()
}

/// The organisation's rows whose `column` is one of `values`.
pub async fn rows_where_in(
    db: &impl ConnectionTrait,
    table: &Table,
    org_id: i32,
    column: &'static str,
    values: Vec<String>,
) -> Result<Vec<Stored>, DbErr> {
    let mut stored = Vec::new();
    for part in values.chunks(5000) {
        let mut select = select_all(table);
        select
            .and_where(Expr::col("org_id").eq(org_id))
            .and_where(Expr::col(column).is_in(part.iter().cloned()));
        stored.extend(fetch(db, table, &select).await?);
    }
    Ok(stored)
}

/// Writes `rows` into `columns` (indices into `Table::fields`; the key columns among them)
/// with one `INSERT … ON CONFLICT (key) DO UPDATE` per `rows_per_statement`. Only the
/// given columns are written: on conflict every one of them but the key and `created_at`
/// is updated, and the others keep what is stored (or their default on insert).
/// With `want_ids`, answers each row's id in order; otherwise an empty list.
pub async fn upsert_columns(
    db: &impl ConnectionTrait,
    table: &Table,
    columns: &[usize],
    rows: &[&[Value]],
    want_ids: bool,
) -> Result<Vec<i32>, DbErr> {
    let names: Vec<&'static str> = columns.iter().map(|c| table.fields[*c].name).collect();
    // Where each key column sits in a row.
    let key_positions: Vec<usize> = table
        .key
        .iter()
        .map(|k| {
            names.iter().position(|n| n == k).ok_or_else(|| {
                DbErr::Custom(format!("upsert into {} without key column {k}", table.name))
            })
        })
        .collect::<Result<_, _>>()?;
    let updated: Vec<&'static str> = names
        .iter()
        .copied()
        .filter(|name| !table.key.contains(name) && *name != "created_at")
        .collect();
    if updated.is_empty() {
        return Err(DbErr::Custom(format!(
            "upsert into {} with nothing to update",
            table.name
        )));
    }
    let on_conflict = OnConflict::columns(table.key.iter().copied())
        .update_columns(updated.iter().copied())
        .to_owned();
    let mut ids = Vec::with_capacity(if want_ids { rows.len() } else { 0 });
    for part in rows.chunks(rows_per_statement(columns.len())) {
        let mut insert = Query::insert();
        insert
            .into_table(table.name)
            .columns(names.iter().copied())
            .on_conflict(on_conflict.clone());
        if want_ids {
            insert.returning(ReturningClause::Columns(
                std::iter::once("id")
                    .chain(table.key.iter().copied())
                    .map(Into::into)
                    .collect(),
            ));
        }
        for row in part {
            insert.values_panic(row.iter().cloned().map(Expr::val));
        }
        if !want_ids {
            db.execute(&insert).await?;
            continue;
        }
        let returned = db.query_all(&insert).await?;
        let mut by_key: HashMap<Vec<String>, i32> = HashMap::with_capacity(returned.len());
        for result in &returned {
            let id: i32 = result.try_get_by_index(0)?;
            let mut key = Vec::with_capacity(table.key.len());
            for (i, name) in table.key.iter().enumerate() {
                key.push(key_text(&read_value(
                    result,
                    i + 1,
                    table.fields[table.col(name)].ty,
                )?));
            }
            by_key.insert(key, id);
        }
        for row in part {
            let key: Vec<String> = key_positions.iter().map(|p| key_text(&row[*p])).collect();
            ids.push(by_key.get(&key).copied().ok_or_else(|| {
                DbErr::Custom(format!("upsert into {} returned no id", table.name))
            })?);
        }
    }
    Ok(ids)
}

fn key_text(value: &Value) -> String {
    match value {
        Value::String(Some(s)) => s.clone(),
        Value::Int(Some(n)) => n.to_string(),
        Value::BigInt(Some(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// Account ids → our ids, for the organisation.
pub async fn account_pks(
    db: &impl ConnectionTrait,
    org_id: i32,
    account_ids: &[String],
) -> Result<HashMap<String, i32>, DbErr> {
    let mut found = HashMap::new();
    for part in account_ids.chunks(5000) {
        let select = Query::select()
            .from("accounts")
            .columns(["id", "account_id"])
            .and_where(Expr::col("org_id").eq(org_id))
            .and_where(Expr::col("account_id").is_in(part.iter().cloned()))
            .to_owned();
        for row in db.query_all(&select).await? {
            found.insert(row.try_get_by_index(1)?, row.try_get_by_index(0)?);
        }
    }
    Ok(found)
}

/// The organisation's active users whose role holds the CSM seat: lower-cased email → id.
pub async fn csm_users(
    db: &impl ConnectionTrait,
    org_id: i32,
) -> Result<HashMap<String, i32>, DbErr> {
    let select = Query::select()
        .from_as("users", "u")
        .column(("u", "id"))
        .column(("u", "email"))
        .inner_join(
            "role_permissions",
            Expr::col(("role_permissions", "role_id")).equals(("u", "role_id")),
        )
        .and_where(Expr::col(("u", "org_id")).eq(org_id))
        .and_where(Expr::col(("u", "status")).eq("active"))
        .and_where(Expr::col(("role_permissions", "permission_key")).eq("csm_seat"))
        .to_owned();
    let mut users = HashMap::new();
    for row in db.query_all(&select).await? {
        let email: String = row.try_get_by_index(1)?;
        users.insert(email.to_lowercase(), row.try_get_by_index(0)?);
    }
    Ok(users)
}

/// Upserts dimension values (and registers their names); a `None` value removes the key.
pub async fn write_dimensions(
    db: &impl ConnectionTrait,
    org_id: i32,
    owner_type: &str,
    writes: &[(i32, &DimWrite)],
    now: i64,
) -> Result<(), DbErr> {
    if writes.is_empty() {
        return Ok(());
    }
    // The last write of a key wins; one statement may not touch a row twice.
    let mut latest: BTreeMap<(i32, DimKind, &str), &DimWrite> = BTreeMap::new();
    for (owner, write) in writes {
        latest.insert((*owner, write.kind, write.key.as_str()), write);
    }
    let mut upserts = Vec::new();
    for ((owner, kind, key), write) in &latest {
        match &write.value {
            None => {
                let delete = Query::delete()
                    .from_table("dimension_values")
                    .and_where(Expr::col("owner_type").eq(owner_type))
                    .and_where(Expr::col("owner_id").eq(*owner))
                    .and_where(Expr::col("kind").eq(kind.key()))
                    .and_where(Expr::col("key").eq(*key))
                    .to_owned();
                db.execute(&delete).await?;
            }
            Some(value) => upserts.push((*owner, *kind, *key, value.clone())),
        }
    }
    for part in upserts.chunks(rows_per_statement(9)) {
        let mut insert = Query::insert();
        insert
            .into_table("dimension_values")
            .columns([
                "org_id",
                "owner_type",
                "owner_id",
                "kind",
                "key",
                "text_value",
                "number_value",
                "time_value",
                "updated_at",
            ])
            .on_conflict(
                OnConflict::columns(["owner_type", "owner_id", "kind", "key"])
                    .update_columns(["text_value", "number_value", "time_value", "updated_at"])
                    .to_owned(),
            );
        for (owner, kind, key, value) in part {
            let (text, number, time) = match kind {
                DimKind::Label => (value.clone(), Value::Double(None), Value::BigInt(None)),
                DimKind::Value => (Value::String(None), value.clone(), Value::BigInt(None)),
                DimKind::Event => (Value::String(None), Value::Double(None), value.clone()),
            };
            insert.values_panic([
                Expr::val(org_id),
                Expr::val(owner_type),
                Expr::val(*owner),
                Expr::val(kind.key()),
                Expr::val(*key),
                Expr::val(text),
                Expr::val(number),
                Expr::val(time),
                Expr::val(now),
            ]);
        }
        db.execute(&insert).await?;
    }
    let names: HashSet<(DimKind, &str)> = upserts.iter().map(|(_, k, key, _)| (*k, *key)).collect();
    let names: Vec<_> = names.into_iter().collect();
    for part in names.chunks(rows_per_statement(5)) {
        let mut insert = Query::insert();
        insert
            .into_table("dimension_definitions")
            .columns(["org_id", "owner_type", "kind", "key", "created_at"])
            .on_conflict(
                OnConflict::columns(["org_id", "owner_type", "kind", "key"])
                    .do_nothing()
                    .to_owned(),
            );
        for (kind, key) in part {
            insert.values_panic([
                Expr::val(org_id),
                Expr::val(owner_type),
                Expr::val(kind.key()),
                Expr::val(*key),
                Expr::val(now),
            ]);
        }
        db.execute(&insert).await?;
    }
    Ok(())
}

/// Replaces the API's CSM assignments of `accounts` with the given users. Manual rows
/// (assigned or unassigned by hand) are left as they are: manual wins.
pub async fn replace_api_csms(
    db: &impl ConnectionTrait,
    org_id: i32,
    accounts: &[(i32, Vec<i32>)],
    now: i64,
) -> Result<(), DbErr> {
    if accounts.is_empty() {
        return Ok(());
    }
    for part in accounts.chunks(5000) {
        let delete = Query::delete()
            .from_table("csm_assignments")
            .and_where(Expr::col("org_id").eq(org_id))
            .and_where(Expr::col("source").eq("api"))
            .and_where(Expr::col("account_pk").is_in(part.iter().map(|(pk, _)| *pk)))
            .to_owned();
        db.execute(&delete).await?;
    }
    let mut rows: Vec<(i32, i32)> = accounts
        .iter()
        .flat_map(|(pk, users)| users.iter().map(move |u| (*pk, *u)))
        .collect();
    rows.sort_unstable();
    rows.dedup();
    insert_csm_assignments(db, org_id, &rows, "api", now).await
}

/// Inserts assigned `(account_pk, user_id)` rows with `source`; a pair that already has a
/// row (from any source) keeps it.
pub async fn insert_csm_assignments(
    db: &impl ConnectionTrait,
    org_id: i32,
    rows: &[(i32, i32)],
    source: &str,
    now: i64,
) -> Result<(), DbErr> {
    for part in rows.chunks(rows_per_statement(6)) {
        let mut insert = Query::insert();
        insert
            .into_table("csm_assignments")
            .columns([
                "org_id",
                "account_pk",
                "user_id",
                "source",
                "is_assigned",
                "changed_at",
            ])
            .on_conflict(
                OnConflict::columns(["account_pk", "user_id"])
                    .do_nothing()
                    .to_owned(),
            );
        for (pk, user) in part {
            insert.values_panic([
                Expr::val(org_id),
                Expr::val(*pk),
                Expr::val(*user),
                Expr::val(source),
                Expr::val(true),
                Expr::val(now),
            ]);
        }
        db.execute(&insert).await?;
    }
    Ok(())
}

pub async fn upsert_stages(
    db: &impl ConnectionTrait,
    org_id: i32,
    entries: &[(i32, &StageEntry)],
) -> Result<(), DbErr> {
    let mut latest: BTreeMap<(i32, &str, i64), &StageEntry> = BTreeMap::new();
    for (pk, entry) in entries {
        latest.insert((*pk, entry.name.as_str(), entry.start_date), entry);
    }
    let latest: Vec<_> = latest.into_iter().collect();
    for part in latest.chunks(rows_per_statement(5)) {
        let mut insert = Query::insert();
        insert
            .into_table("stage_history")
            .columns(["org_id", "account_pk", "name", "start_date", "end_date"])
            .on_conflict(
                OnConflict::columns(["account_pk", "name", "start_date"])
                    .update_column("end_date")
                    .to_owned(),
            );
        for ((pk, name, start), entry) in part {
            insert.values_panic([
                Expr::val(org_id),
                Expr::val(*pk),
                Expr::val(*name),
                Expr::val(*start),
                Expr::val(entry.end_date),
            ]);
        }
        db.execute(&insert).await?;
    }
    Ok(())
}

pub async fn upsert_nps(
    db: &impl ConnectionTrait,
    org_id: i32,
    entries: &[(i32, &NpsEntry)],
) -> Result<(), DbErr> {
    let mut latest: BTreeMap<(i32, i64), &NpsEntry> = BTreeMap::new();
    for (pk, entry) in entries {
        latest.insert((*pk, entry.date), entry);
    }
    let latest: Vec<_> = latest.into_iter().collect();
    for part in latest.chunks(rows_per_statement(7)) {
        let mut insert = Query::insert();
        insert
            .into_table("nps_history")
            .columns([
                "org_id",
                "account_pk",
                "nps_score",
                "date",
                "username",
                "survey_name",
                "comments",
            ])
            .on_conflict(
                OnConflict::columns(["account_pk", "date"])
                    .update_columns(["nps_score", "username", "survey_name", "comments"])
                    .to_owned(),
            );
        for ((pk, date), entry) in part {
            insert.values_panic([
                Expr::val(org_id),
                Expr::val(*pk),
                Expr::val(entry.nps_score),
                Expr::val(*date),
                Expr::val(entry.username.clone()),
                Expr::val(entry.survey_name.clone()),
                Expr::val(entry.comments.clone()),
            ]);
        }
        db.execute(&insert).await?;
    }
    Ok(())
}

/// Dimensions of the given owners, as `{property: [{key, value}]}` per owner, keys sorted.
pub async fn dimensions_of(
    db: &impl ConnectionTrait,
    owner_type: &str,
    owners: &[i32],
    kinds: &[DimKind],
) -> Result<HashMap<i32, BTreeMap<DimKind, Vec<serde_json::Value>>>, DbErr> {
    let mut out: HashMap<i32, BTreeMap<DimKind, Vec<serde_json::Value>>> = HashMap::new();
    if kinds.is_empty() {
        return Ok(out);
    }
    for part in owners.chunks(5000) {
        let select = Query::select()
            .from("dimension_values")
            .columns([
                "owner_id",
                "kind",
                "key",
                "text_value",
                "number_value",
                "time_value",
            ])
            .and_where(Expr::col("owner_type").eq(owner_type))
            .and_where(Expr::col("owner_id").is_in(part.iter().copied()))
            .and_where(Expr::col("kind").is_in(kinds.iter().map(|k| k.key())))
            .order_by("owner_id", Order::Asc)
            .order_by("kind", Order::Asc)
            .order_by("key", Order::Asc)
            .to_owned();
        for row in db.query_all(&select).await? {
            let owner: i32 = row.try_get_by_index(0)?;
            let kind: String = row.try_get_by_index(1)?;
            let Some(kind) = DimKind::from_key(&kind) else {
                continue;
            };
            let key: String = row.try_get_by_index(2)?;
            let value = match kind {
                DimKind::Label => read_value(&row, 3, FieldType::Text)?,
                DimKind::Value => read_value(&row, 4, FieldType::Number)?,
                DimKind::Event => read_value(&row, 5, FieldType::Ms)?,
            };
            out.entry(owner)
                .or_default()
                .entry(kind)
                .or_default()
                .push(serde_json::json!({"key": key, "value": to_json(&value)}));
        }
    }
    Ok(out)
}

/// Assigned CSMs per account: `[{email, source}]`, by email.
pub async fn csms_of(
    db: &impl ConnectionTrait,
    accounts: &[i32],
) -> Result<HashMap<i32, Vec<serde_json::Value>>, DbErr> {
    let mut out: HashMap<i32, Vec<serde_json::Value>> = HashMap::new();
    for part in accounts.chunks(5000) {
        let select = Query::select()
            .from_as("csm_assignments", "c")
            .column(("c", "account_pk"))
            .column(("users", "email"))
            .column(("c", "source"))
            .inner_join("users", Expr::col(("users", "id")).equals(("c", "user_id")))
            .and_where(Expr::col(("c", "account_pk")).is_in(part.iter().copied()))
            .and_where(Expr::col(("c", "is_assigned")).eq(true))
            .order_by(("c", "account_pk"), Order::Asc)
            .order_by(("users", "email"), Order::Asc)
            .to_owned();
        for row in db.query_all(&select).await? {
            let pk: i32 = row.try_get_by_index(0)?;
            let email: String = row.try_get_by_index(1)?;
            let source: String = row.try_get_by_index(2)?;
            out.entry(pk)
                .or_default()
                .push(serde_json::json!({"email": email, "source": source}));
        }
    }
    Ok(out)
}

pub async fn stages_of(
    db: &impl ConnectionTrait,
    accounts: &[i32],
) -> Result<HashMap<i32, Vec<serde_json::Value>>, DbErr> {
    let mut out: HashMap<i32, Vec<serde_json::Value>> = HashMap::new();
    for part in accounts.chunks(5000) {
        let select = Query::select()
            .from("stage_history")
            .columns(["account_pk", "name", "start_date", "end_date"])
            .and_where(Expr::col("account_pk").is_in(part.iter().copied()))
            .order_by("account_pk", Order::Asc)
            .order_by("start_date", Order::Asc)
            .order_by("name", Order::Asc)
            .to_owned();
        for row in db.query_all(&select).await? {
            let pk: i32 = row.try_get_by_index(0)?;
            let name: String = row.try_get_by_index(1)?;
            let start: i64 = row.try_get_by_index(2)?;
            let end: Option<i64> = row.try_get_by_index(3)?;
            out.entry(pk)
                .or_default()
                .push(serde_json::json!({"name": name, "start_date": start, "end_date": end}));
        }
    }
    Ok(out)
}

pub async fn nps_of(
    db: &impl ConnectionTrait,
    accounts: &[i32],
) -> Result<HashMap<i32, Vec<serde_json::Value>>, DbErr> {
    let mut out: HashMap<i32, Vec<serde_json::Value>> = HashMap::new();
    for part in accounts.chunks(5000) {
        let select = Query::select()
            .from("nps_history")
            .columns([
                "account_pk",
                "nps_score",
                "date",
                "username",
                "survey_name",
                "comments",
            ])
            .and_where(Expr::col("account_pk").is_in(part.iter().copied()))
            .order_by("account_pk", Order::Asc)
            .order_by("date", Order::Asc)
            .to_owned();
        for row in db.query_all(&select).await? {
            let pk: i32 = row.try_get_by_index(0)?;
            let score = read_value(&row, 1, FieldType::Number)?;
            let date: i64 = row.try_get_by_index(2)?;
            let username: Option<String> = row.try_get_by_index(3)?;
            let survey: Option<String> = row.try_get_by_index(4)?;
            let comments: Option<String> = row.try_get_by_index(5)?;
            out.entry(pk).or_default().push(serde_json::json!({
                "nps_score": to_json(&score),
                "date": date,
                "username": username,
                "survey_name": survey,
                "comments": comments,
            }));
        }
    }
    Ok(out)
}

/// Which of `account_ids` are the parent of some account of the organisation.
pub async fn parents_among(
    db: &impl ConnectionTrait,
    org_id: i32,
    account_ids: &[String],
) -> Result<HashSet<String>, DbErr> {
    let mut out = HashSet::new();
    for part in account_ids.chunks(5000) {
        let select = Query::select()
            .distinct()
            .from("accounts")
            .column("parent_account_id")
            .and_where(Expr::col("org_id").eq(org_id))
            .and_where(Expr::col("parent_account_id").is_in(part.iter().cloned()))
            .to_owned();
        for row in db.query_all(&select).await? {
            if let Some(parent) = row.try_get_by_index::<Option<String>>(0)? {
                out.insert(parent);
            }
        }
    }
    Ok(out)
}

/// One page of the organisation's rows of `table`, ordered by `order_by` (then our id, in
/// the same direction), active ones only unless `include_inactive`.
#[allow(clippy::too_many_arguments)]
pub async fn page(
    db: &impl ConnectionTrait,
    table: &Table,
    org_id: i32,
    filters: Cond,
    order_by: Option<&str>,
    descending: bool,
    include_inactive: bool,
    offset: u64,
    limit: u64,
) -> Result<Vec<Stored>, DbErr> {
    let order = if descending { Order::Desc } else { Order::Asc };
    let mut select = select_all(table);
    select
        .and_where(Expr::col("org_id").eq(org_id))
        .cond_where(filters);
    if !include_inactive && table.index("is_active").is_some() {
        select.and_where(Expr::col("is_active").eq(true));
    }
    if let Some(column) = order_by.filter(|c| *c != "id") {
        select.order_by(Alias::new(column), order.clone());
    }
    select.order_by("id", order).limit(limit).offset(offset);
    fetch(db, table, &select).await
}

/// Sets `is_active = false` on the organisation's rows matching `filters`; answers how many.
pub async fn deactivate(
    db: &impl ConnectionTrait,
    table: &Table,
    org_id: i32,
    filters: Cond,
    now: i64,
) -> Result<u64, DbErr> {
    let update = Query::update()
        .table(table.name)
        .value("is_active", false)
        .value("updated_at", now)
        .and_where(Expr::col("org_id").eq(org_id))
        .cond_where(filters)
        .to_owned();
    Ok(db.execute(&update).await?.rows_affected())
}

/// Deletes rows of a child table of one account matching `filters`; answers how many.
pub async fn delete_where(
    db: &impl ConnectionTrait,
    from: &'static str,
    filters: Cond,
) -> Result<u64, DbErr> {
    let delete = Query::delete()
        .from_table(from)
        .cond_where(filters)
        .to_owned();
    Ok(db.execute(&delete).await?.rows_affected())
}

/// The CSM assignment of the user with this email to the account: (id, source, assigned).
pub async fn csm_assignment(
    db: &impl ConnectionTrait,
    account_pk: i32,
    email: &str,
) -> Result<Option<(i32, String, bool)>, DbErr> {
    let select = Query::select()
        .from_as("csm_assignments", "c")
        .column(("c", "id"))
        .column(("c", "source"))
        .column(("c", "is_assigned"))
        .column(("users", "email"))
        .inner_join("users", Expr::col(("users", "id")).equals(("c", "user_id")))
        .and_where(Expr::col(("c", "account_pk")).eq(account_pk))
        .to_owned();
    for row in db.query_all(&select).await? {
        let user_email: String = row.try_get_by_index(3)?;
        if user_email.to_lowercase() == email {
            return Ok(Some((
                row.try_get_by_index(0)?,
                row.try_get_by_index(1)?,
                row.try_get_by_index(2)?,
            )));
        }
    }
    Ok(None)
}
