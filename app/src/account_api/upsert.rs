//! Bulk upsert of accounts, product users and contacts: fast and atomic per record.
//!
//! 1. Every record is parsed and checked on its own (types, unknown properties, CSM
//!    emails); a bad record is reported and never reaches the database.
//! 2. The rest is cut into chunks (one multi-row statement each; a chunk also ends before a
//!    key seen earlier in it, so a repeated record is applied after the first).
//! 3. Per chunk: one query loads the rows that already exist, the changes are merged in
//!    memory (absent property = unchanged, `null` = cleared), required fields are checked,
//!    then one transaction writes the rows with one `INSERT … ON CONFLICT DO UPDATE` plus
//!    a few multi-row statements for the children.
//! 4. Should the database refuse a chunk, it is retried record by record, each in its own
//!    savepoint, so a failing record writes nothing and the others are stored.
use std::collections::{HashMap, HashSet};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait, Value};
use serde_json::Value as Json;

use crate::account_api::fields::{
    self, missing_required, parse_record, Extras, ParsedRecord, Table, ACCOUNTS, ACCOUNT_CONTACTS,
    ACCOUNT_USERS,
};
use crate::account_api::repo;
use crate::api_status::dto::RecordFailure;
use crate::error::AppError;
use crate::time::now_ms;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    Accounts,
    Users,
    Contacts,
}

impl Resource {
    pub fn table(self) -> &'static Table {
        match self {
            Resource::Accounts => &ACCOUNTS,
            Resource::Users => &ACCOUNT_USERS,
            Resource::Contacts => &ACCOUNT_CONTACTS,
        }
    }

    fn extras(self) -> Extras {
        match self {
            Resource::Accounts => Extras::Account,
            Resource::Users | Resource::Contacts => Extras::Person,
        }
    }

    /// The properties that identify a record, in the table's key order.
    pub fn id_properties(self) -> &'static [&'static str] {
        match self {
            Resource::Accounts => &["account_id"],
            Resource::Users | Resource::Contacts => &["user_id", "account_id"],
        }
    }

    /// "Account not found", "Account user not found"…
    pub fn not_found(self) -> &'static str {
        match self {
            Resource::Accounts => "Account not found",
            Resource::Users => "Account user not found",
            Resource::Contacts => "Account contact not found",
        }
    }
}

/// One failed record, echoed as Natero does: `{record, account_id, user_id?, message}`.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    pub record: usize,
    pub account_id: Option<String>,
    pub user_id: Option<String>,
    pub message: String,
}

impl Failure {
    pub fn of(record: usize, json: &Json, message: impl Into<String>) -> Self {
        Self {
            record,
            account_id: fields::key_string(json, "account_id"),
            user_id: fields::key_string(json, "user_id"),
            message: message.into(),
        }
    }

    pub fn to_json(&self, with_user: bool) -> Json {
        let mut out = serde_json::json!({
            "record": self.record,
            "account_id": self.account_id,
            "message": self.message,
        });
        if with_user {
            out["user_id"] = Json::from(self.user_id.clone());
        }
        out
    }

    pub fn to_record_failure(&self) -> RecordFailure {
        let id = match (&self.user_id, &self.account_id) {
            (Some(user), Some(account)) => Some(format!("{user} / {account}")),
            (Some(user), None) => Some(user.clone()),
            (None, account) => account.clone(),
        };
        RecordFailure {
            record: self.record as u32,
            id,
            message: self.message.clone(),
        }
    }
}

/// A record that passed its own checks.
pub struct Prepared {
    pub index: usize,
    pub key: Vec<String>,
    pub parsed: ParsedRecord,
    /// `users.id` of the CSMs named, when `assigned_csms` was sent.
    pub csm_ids: Option<Vec<i32>>,
}

/// Parses one record and checks what can be checked without the database.
pub fn prepare(
    resource: Resource,
    index: usize,
    json: &Json,
    csm_users: &HashMap<String, i32>,
) -> Result<Prepared, String> {
    let table = resource.table();
    let missing: Vec<&str> = resource
        .id_properties()
        .iter()
        .copied()
        .filter(|p| fields::key_string(json, p).is_none())
        .collect();
    if json.is_object() && !missing.is_empty() {
        return Err(missing_required(table, "insert", &missing));
    }
    let parsed = parse_record(table, resource.extras(), json)?;
    let key = resource
        .id_properties()
        .iter()
        .map(|p| fields::key_string(json, p).unwrap_or_default())
        .collect();
    let csm_ids = match &parsed.csms {
        None => None,
        Some(emails) => Some(
            emails
                .iter()
                .map(|email| {
                    csm_users.get(email).copied().ok_or_else(|| {
                        format!(
                            "Unknown CSM: '{email}' is not an active Steward user with a CSM seat"
                        )
                    })
                })
                .collect::<Result<Vec<i32>, String>>()?,
        ),
    };
    Ok(Prepared {
        index,
        key,
        parsed,
        csm_ids,
    })
}

/// Columns whose NOT NULL default is false: an explicit null sets them back to false.
const FALSE_WHEN_NULL: &[&str] = &["is_deleted", "is_churned"];

/// Upserts `records` of the organisation; answers the failed ones in record order.
pub async fn upsert(
    db: &DatabaseConnection,
    org_id: i32,
    resource: Resource,
    records: &[Json],
) -> Result<Vec<Failure>, AppError> {
    let table = resource.table();
    let now = now_ms();
    let wants_csms = resource == Resource::Accounts
        && records
            .iter()
            .any(|r| r.get("assigned_csms").is_some_and(|v| !v.is_null()));
    let csm_users = if wants_csms {
        repo::csm_users(db, org_id).await?
    } else {
        HashMap::new()
    };
    let mut failures = Vec::new();
    let mut prepared = Vec::with_capacity(records.len());
    for (index, json) in records.iter().enumerate() {
        match prepare(resource, index, json, &csm_users) {
            Ok(p) => prepared.push(p),
            Err(message) => failures.push(Failure::of(index, json, message)),
        }
    }
    let chunk_size = repo::rows_per_statement(table.fields.len());
    let mut chunk: Vec<Prepared> = Vec::with_capacity(chunk_size);
    let mut keys_in_chunk: HashSet<Vec<String>> = HashSet::new();
    for p in prepared {
        if chunk.len() >= chunk_size || keys_in_chunk.contains(&p.key) {
            let full = std::mem::take(&mut chunk);
            keys_in_chunk.clear();
            store_chunk(db, org_id, resource, full, records, now, &mut failures).await?;
        }
        keys_in_chunk.insert(p.key.clone());
        chunk.push(p);
    }
    if !chunk.is_empty() {
        store_chunk(db, org_id, resource, chunk, records, now, &mut failures).await?;
    }
    failures.sort_by_key(|f| f.record);
    Ok(failures)
}

/// A record merged with what was stored: the full row to write.
struct Ready {
    prepared: Prepared,
    row: Vec<Value>,
}

async fn store_chunk(
    db: &DatabaseConnection,
    org_id: i32,
    resource: Resource,
    chunk: Vec<Prepared>,
    records: &[Json],
    now: i64,
    failures: &mut Vec<Failure>,
) -> Result<(), AppError> {
    let table = resource.table();
    let key_columns: Vec<usize> = resource
        .id_properties()
        .iter()
        .map(|p| table.col(p))
        .collect();
    let firsts: HashSet<String> = chunk.iter().map(|p| p.key[0].clone()).collect();
    let existing: HashMap<Vec<String>, repo::Stored> = repo::rows_where_in(
        db,
        table,
        org_id,
        resource.id_properties()[0],
        firsts.into_iter().collect(),
    )
    .await?
    .into_iter()
    .map(|s| {
        let key = key_columns
            .iter()
            .map(|c| fields::text(&s.row[*c]).unwrap_or_default())
            .collect();
        (key, s)
    })
    .collect();
    let account_pks = if resource == Resource::Accounts {
        HashMap::new()
    } else {
        let ids: HashSet<String> = chunk.iter().map(|p| p.key[1].clone()).collect();
        repo::account_pks(db, org_id, &ids.into_iter().collect::<Vec<_>>()).await?
    };
    let mut ready = Vec::with_capacity(chunk.len());
    for prepared in chunk {
        let index = prepared.index;
        match merge(
            resource,
            org_id,
            existing.get(&prepared.key),
            &account_pks,
            prepared,
            now,
        ) {
            Ok(r) => ready.push(r),
            Err(message) => failures.push(Failure::of(index, &records[index], message)),
        }
    }
    if ready.is_empty() {
        return Ok(());
    }
    let txn = db.begin().await?;
    let savepoint = txn.begin().await?;
    match write(&savepoint, org_id, resource, &ready, now).await {
        Ok(()) => savepoint.commit().await?,
        Err(error) => {
            savepoint.rollback().await?;
            tracing::warn!(error = %error, "bulk write refused; retrying record by record");
            for one in &ready {
                let savepoint = txn.begin().await?;
                match write(&savepoint, org_id, resource, std::slice::from_ref(one), now).await {
                    Ok(()) => savepoint.commit().await?,
                    Err(error) => {
                        savepoint.rollback().await?;
                        let AppError::Internal(reference) =
                            AppError::internal("account api record", &error)
                        else {
                            unreachable!()
                        };
                        let index = one.prepared.index;
                        failures.push(Failure::of(
                            index,
                            &records[index],
                            format!("This record could not be stored (ref {reference})"),
                        ));
                    }
                }
            }
        }
    }
    txn.commit().await?;
    Ok(())
}

/// The row to store: the stored one (or a new one) with the record's changes applied.
fn merge(
    resource: Resource,
    org_id: i32,
    existing: Option<&repo::Stored>,
    account_pks: &HashMap<String, i32>,
    prepared: Prepared,
    now: i64,
) -> Result<Ready, String> {
    let table = resource.table();
    let mut row: Vec<Value> = match existing {
        Some(stored) => stored.row.clone(),
        None => table
            .fields
            .iter()
            .map(|f| match f.name {
                "created_at" => Value::BigInt(Some(now)),
                _ if FALSE_WHEN_NULL.contains(&f.name) => Value::Bool(Some(false)),
                _ => f.ty.null(),
            })
            .collect(),
    };
    for (column, value) in &prepared.parsed.sets {
        row[*column] = if FALSE_WHEN_NULL.contains(&table.fields[*column].name)
            && *value == Value::Bool(None)
        {
            Value::Bool(Some(false))
        } else {
            value.clone()
        };
    }
    for (property, value) in resource.id_properties().iter().zip(&prepared.key) {
        row[table.col(property)] = Value::String(Some(value.clone()));
    }
    if resource != Resource::Accounts {
        let pk = account_pks
            .get(&prepared.key[1])
            .ok_or_else(|| "Account not found".to_owned())?;
        row[table.col("account_pk")] = Value::Int(Some(*pk));
    }
    if let Some(documents) = &prepared.parsed.documents {
        row[table.col("documents")] = Value::String(documents.clone());
    }
    let missing: Vec<&str> = table
        .fields
        .iter()
        .zip(&row)
        .filter(|(f, v)| f.required && is_null(v))
        .map(|(f, _)| f.name)
        .collect();
    if !missing.is_empty() {
        let action = if existing.is_some() {
            "update"
        } else {
            "insert"
        };
        return Err(missing_required(table, action, &missing));
    }
    row[table.col("org_id")] = Value::Int(Some(org_id));
    row[table.col("is_active")] = Value::Bool(Some(true));
    row[table.col("updated_at")] = Value::BigInt(Some(now));
    Ok(Ready { prepared, row })
}

fn is_null(value: &Value) -> bool {
    matches!(
        value,
        Value::String(None)
            | Value::BigInt(None)
            | Value::Int(None)
            | Value::Double(None)
            | Value::Bool(None)
    )
}

async fn write(
    db: &impl ConnectionTrait,
    org_id: i32,
    resource: Resource,
    ready: &[Ready],
    now: i64,
) -> Result<(), DbErr> {
    let table = resource.table();
    let rows: Vec<Vec<Value>> = ready.iter().map(|r| r.row.clone()).collect();
    let ids = repo::upsert_rows(db, table, &rows).await?;
    let dimensions: Vec<_> = ready
        .iter()
        .zip(&ids)
        .flat_map(|(r, id)| r.prepared.parsed.dimensions.iter().map(move |d| (*id, d)))
        .collect();
    repo::write_dimensions(db, org_id, table.owner_type, &dimensions, now).await?;
    if resource != Resource::Accounts {
        return Ok(());
    }
    let csms: Vec<(i32, Vec<i32>)> = ready
        .iter()
        .zip(&ids)
        .filter_map(|(r, id)| r.prepared.csm_ids.clone().map(|c| (*id, c)))
        .collect();
    repo::replace_api_csms(db, org_id, &csms, now).await?;
    let stages: Vec<_> = ready
        .iter()
        .zip(&ids)
        .flat_map(|(r, id)| r.prepared.parsed.stages.iter().map(move |s| (*id, s)))
        .collect();
    repo::upsert_stages(db, org_id, &stages).await?;
    let nps: Vec<_> = ready
        .iter()
        .zip(&ids)
        .flat_map(|(r, id)| r.prepared.parsed.nps.iter().map(move |n| (*id, n)))
        .collect();
    repo::upsert_nps(db, org_id, &nps).await?;
    Ok(())
}

/// The JSON of a stored row as a GET answers it (without children).
pub fn row_json(table: &Table, stored: &repo::Stored) -> serde_json::Map<String, Json> {
    let mut out = serde_json::Map::new();
    out.insert("id".into(), Json::from(stored.id));
    for (field, value) in table.fields.iter().zip(&stored.row) {
        match field.name {
            "org_id" | "account_pk" | "created_at" | "updated_at" => {}
            "documents" => {
                let docs = fields::text(value)
                    .and_then(|t| serde_json::from_str::<Json>(&t).ok())
                    .unwrap_or(Json::Array(vec![]));
                out.insert("documents".into(), docs);
            }
            name => {
                out.insert(name.into(), fields::to_json(value));
            }
        }
    }
    out
}
