//! Bulk upsert of accounts, product users and contacts: fast and atomic per record.
//!
//! 1. Every record is parsed and checked on its own (types, unknown properties, CSM
//!    emails); a bad record is reported and never reaches the database.
//! 2. The rest is cut into chunks of up to 5,000 records, one transaction each (a chunk
//!    also ends before a key seen earlier in it, so a repeated record is applied after the
//!    first).
//! 3. Per chunk: records that leave out a required field are looked up (they can only
//!    update a stored row, and keep its value); then records are grouped by the columns
//!    they send and each group is one multi-row `INSERT … ON CONFLICT DO UPDATE` of only
//!    those columns (absent property = unchanged, `null` = cleared), plus a few multi-row
//!    statements for the children.
//! 4. Should the database refuse a chunk, it is retried record by record, each in its own
//!    savepoint, so a failing record writes nothing and the others are stored.
use std::collections::{BTreeMap, HashMap, HashSet};

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

/// An id echoed in a failure as sent, unless it is itself the problem (over the limit or
/// holding NUL): then shortened, so the answer and API Status stay small and storable.
fn echo_id(id: String) -> String {
    if id.len() > crate::limits::MAX_API_TEXT_BYTES || id.contains('\0') {
        crate::limits::quoted(&id)
    } else {
        id
    }
}

impl Failure {
    pub fn of(record: usize, json: &Json, message: impl Into<String>) -> Self {
        Self {
            record,
            account_id: fields::key_string(json, "account_id").map(echo_id),
            user_id: fields::key_string(json, "user_id").map(echo_id),
            message: message.into(),
        }
    }

    /// The same failure named by the ids of a prepared record (its JSON is gone by then).
    fn of_key(
        resource: Resource,
        record: usize,
        key: &[String],
        message: impl Into<String>,
    ) -> Self {
        let id = |property: &str| {
            resource
                .id_properties()
                .iter()
                .position(|p| *p == property)
                .map(|i| echo_id(key[i].clone()))
        };
        Self {
            record,
            account_id: id("account_id"),
            user_id: id("user_id"),
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
/// Takes the records by value: each JSON tree is dropped as soon as it is parsed, so a
/// 10,000-record body is not held twice (as JSON and as prepared rows) while it is written.
pub async fn upsert(
    db: &DatabaseConnection,
    org_id: i32,
    resource: Resource,
    records: Vec<Json>,
) -> Result<Vec<Failure>, AppError> {
    upsert_with(db, org_id, resource, records, Mode::Write).await
}

/// Whether the records are written, or only put through every check that comes before the
/// write (API Upload's dry run: the same code, stopping short of the transaction).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Write,
    Check,
}

/// `upsert`, or with `Mode::Check` the same checks without writing anything.
pub async fn upsert_with(
    db: &DatabaseConnection,
    org_id: i32,
    resource: Resource,
    records: Vec<Json>,
    mode: Mode,
) -> Result<Vec<Failure>, AppError> {
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
    for (index, json) in records.into_iter().enumerate() {
        match prepare(resource, index, &json, &csm_users) {
            Ok(p) => prepared.push(p),
            Err(message) => failures.push(Failure::of(index, &json, message)),
        }
    }
    let mut chunk: Vec<Prepared> = Vec::with_capacity(RECORDS_PER_TRANSACTION.min(prepared.len()));
    let mut keys_in_chunk: HashSet<Vec<String>> = HashSet::new();
    for p in prepared {
        if chunk.len() >= RECORDS_PER_TRANSACTION || keys_in_chunk.contains(&p.key) {
            let full = std::mem::take(&mut chunk);
            keys_in_chunk.clear();
            store_chunk(db, org_id, resource, full, now, mode, &mut failures).await?;
        }
        keys_in_chunk.insert(p.key.clone());
        chunk.push(p);
    }
    if !chunk.is_empty() {
        store_chunk(db, org_id, resource, chunk, now, mode, &mut failures).await?;
    }
    failures.sort_by_key(|f| f.record);
    Ok(failures)
}

/// Records written in one transaction (each statement within it stays under the bind
/// parameter limits through `repo::rows_per_statement`).
const RECORDS_PER_TRANSACTION: usize = 5000;

/// A record ready to write: the columns it writes (a bit per `Table::fields` index) and
/// their values in column order.
struct Ready {
    prepared: Prepared,
    columns: u64,
    values: Vec<Value>,
}

impl Ready {
    fn has_children(&self) -> bool {
        let parsed = &self.prepared.parsed;
        !parsed.dimensions.is_empty()
            || self.prepared.csm_ids.is_some()
            || !parsed.stages.is_empty()
            || !parsed.nps.is_empty()
    }
}

/// Required columns a record leaves out or sets to null: such a record can only update a
/// stored row (whose values it keeps), so it is looked up first.
fn lacking_required(table: &Table, prepared: &Prepared) -> bool {
    table.fields.iter().enumerate().any(|(column, field)| {
        field.required
            && !table.key.contains(&field.name)
            && prepared.parsed.get(column).is_none_or(is_null)
    })
}

// The chunk, where it comes from, and how it is written (`now`, `mode`): kept as plain
// arguments like the rest of this module.
#[allow(clippy::too_many_arguments)]
async fn store_chunk(
    db: &DatabaseConnection,
    org_id: i32,
    resource: Resource,
    chunk: Vec<Prepared>,
    now: i64,
    mode: Mode,
    failures: &mut Vec<Failure>,
) -> Result<(), AppError> {
    let table = resource.table();
    let key_columns: Vec<usize> = resource
        .id_properties()
        .iter()
        .map(|p| table.col(p))
        .collect();
    let lookups: HashSet<String> = chunk
        .iter()
        .filter(|p| lacking_required(table, p))
        .map(|p| p.key[0].clone())
        .collect();
    let stored: HashMap<Vec<String>, repo::Stored> = if lookups.is_empty() {
        HashMap::new()
    } else {
        repo::rows_where_in(
            db,
            table,
            org_id,
            resource.id_properties()[0],
            lookups.into_iter().collect(),
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
        .collect()
    };
    let account_pks = if resource == Resource::Accounts {
        HashMap::new()
    } else {
        let ids: HashSet<String> = chunk.iter().map(|p| p.key[1].clone()).collect();
        repo::account_pks(db, org_id, &ids.into_iter().collect::<Vec<_>>()).await?
    };
    let mut ready = Vec::with_capacity(chunk.len());
    for mut prepared in chunk {
        let existing = stored.get(&prepared.key);
        match build(resource, org_id, existing, &account_pks, &mut prepared, now) {
            Ok((columns, values)) => ready.push(Ready {
                prepared,
                columns,
                values,
            }),
            Err(message) => failures.push(Failure::of_key(
                resource,
                prepared.index,
                &prepared.key,
                message,
            )),
        }
    }
    if ready.is_empty() || mode == Mode::Check {
        return Ok(());
    }
    let txn = crate::db::begin_write(db).await?;
    let savepoint = txn.begin().await?;
    match write(&savepoint, org_id, resource, &ready, now).await {
        Ok(()) => savepoint.commit().await?,
        Err(error) => {
            savepoint.rollback().await?;
            crate::error::when_busy(&error)?;
            tracing::warn!(error = %error, "bulk write refused; retrying record by record");
            for one in &ready {
                let savepoint = txn.begin().await?;
                match write(&savepoint, org_id, resource, std::slice::from_ref(one), now).await {
                    Ok(()) => savepoint.commit().await?,
                    Err(error) => {
                        savepoint.rollback().await?;
                        crate::error::when_busy(&error)?;
                        let AppError::Internal(reference) =
                            AppError::internal("account api record", &error)
                        else {
                            unreachable!()
                        };
                        failures.push(Failure::of_key(
                            resource,
                            one.prepared.index,
                            &one.prepared.key,
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

/// The columns a record writes: its key, what it sent (absent property = unchanged,
/// `null` = cleared), and the server's own columns. A record that leaves out a required
/// column takes it from `existing`; without a stored row it is refused.
fn build(
    resource: Resource,
    org_id: i32,
    existing: Option<&repo::Stored>,
    account_pks: &HashMap<String, i32>,
    prepared: &mut Prepared,
    now: i64,
) -> Result<(u64, Vec<Value>), String> {
    let table = resource.table();
    debug_assert!(table.fields.len() <= 64, "one bit per column");
    let mut row: Vec<Option<Value>> = vec![None; table.fields.len()];
    // Moved, not cloned: 5,000 records of a dozen columns are worth it.
    for (column, value) in std::mem::take(&mut prepared.parsed.sets) {
        row[column] = Some(
            if FALSE_WHEN_NULL.contains(&table.fields[column].name) && value == Value::Bool(None) {
                Value::Bool(Some(false))
            } else {
                value
            },
        );
    }
    for (property, value) in resource.id_properties().iter().zip(&prepared.key) {
        row[table.col(property)] = Some(Value::String(Some(value.clone())));
    }
    if resource != Resource::Accounts {
        let pk = account_pks
            .get(&prepared.key[1])
            .ok_or_else(|| "Account not found".to_owned())?;
        row[table.col("account_pk")] = Some(Value::Int(Some(*pk)));
    }
    if let Some(documents) = &prepared.parsed.documents {
        row[table.col("documents")] = Some(Value::String(documents.clone()));
    }
    let missing: Vec<&str> = table
        .fields
        .iter()
        .zip(&row)
        .filter(|(f, v)| f.required && v.as_ref().is_none_or(is_null))
        .map(|(f, _)| f.name)
        .collect();
    if !missing.is_empty() {
        let Some(stored) = existing else {
            return Err(missing_required(table, "insert", &missing));
        };
        // Sent as null: a required field cannot be cleared.
        let cleared: Vec<&str> = missing
            .iter()
            .copied()
            .filter(|name| row[table.col(name)].is_some())
            .collect();
        if !cleared.is_empty() {
            return Err(missing_required(table, "update", &cleared));
        }
        for name in missing {
            let column = table.col(name);
            row[column] = Some(stored.row[column].clone());
        }
    }
    row[table.col("org_id")] = Some(Value::Int(Some(org_id)));
    row[table.col("is_active")] = Some(Value::Bool(Some(true)));
    row[table.col("created_at")] = Some(Value::BigInt(Some(now)));
    row[table.col("updated_at")] = Some(Value::BigInt(Some(now)));
    let mut columns = 0u64;
    let mut values = Vec::with_capacity(row.len());
    for (column, value) in row.into_iter().enumerate() {
        if let Some(value) = value {
            columns |= 1 << column;
            values.push(value);
        }
    }
    Ok((columns, values))
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

/// Writes the records (no key twice): one upsert per set of columns sent, then the
/// children of those that have any.
async fn write(
    db: &impl ConnectionTrait,
    org_id: i32,
    resource: Resource,
    ready: &[Ready],
    now: i64,
) -> Result<(), DbErr> {
    let table = resource.table();
    let with_children: Vec<&Ready> = ready.iter().filter(|r| r.has_children()).collect();
    let mut groups: BTreeMap<u64, Vec<&Ready>> = BTreeMap::new();
    for r in ready {
        groups.entry(r.columns).or_default().push(r);
    }
    // Our ids of the records with children, by position in `with_children`.
    let mut ids: HashMap<usize, i32> = HashMap::with_capacity(with_children.len());
    for (mask, group) in groups {
        let columns: Vec<usize> = (0..table.fields.len())
            .filter(|c| mask & (1 << c) != 0)
            .collect();
        let want_ids = group.iter().any(|r| r.has_children());
        let rows: Vec<&[Value]> = group.iter().map(|r| r.values.as_slice()).collect();
        let group_ids = repo::upsert_columns(db, table, &columns, &rows, want_ids).await?;
        for (r, id) in group.iter().zip(group_ids) {
            ids.insert(r.prepared.index, id);
        }
    }
    let owned: Vec<(i32, &Prepared)> = with_children
        .iter()
        .map(|r| (ids[&r.prepared.index], &r.prepared))
        .collect();
    let dimensions: Vec<_> = owned
        .iter()
        .flat_map(|(id, p)| p.parsed.dimensions.iter().map(move |d| (*id, d)))
        .collect();
    repo::write_dimensions(db, org_id, table.owner_type, &dimensions, now).await?;
    if resource != Resource::Accounts {
        return Ok(());
    }
    let csms: Vec<(i32, Vec<i32>)> = owned
        .iter()
        .filter_map(|(id, p)| p.csm_ids.clone().map(|c| (*id, c)))
        .collect();
    repo::replace_api_csms(db, org_id, &csms, now).await?;
    let stages: Vec<_> = owned
        .iter()
        .flat_map(|(id, p)| p.parsed.stages.iter().map(move |s| (*id, s)))
        .collect();
    repo::upsert_stages(db, org_id, &stages).await?;
    let nps: Vec<_> = owned
        .iter()
        .flat_map(|(id, p)| p.parsed.nps.iter().map(move |n| (*id, n)))
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
