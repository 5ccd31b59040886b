//! CSM assignment sync (issue 14 §6, seed 001): the admin picks the Salesforce Account
//! field that holds the CSM (an Email field, or a Lookup to User whose Email is used). The
//! value must be the email of an active Steward user with the CSM seat; anything else
//! (a username, an unknown email, a user without the seat) changes nothing and is listed
//! in the run log with the reason. One-way: Salesforce replaces only the assignment it made
//! itself (`csm_assignments.source = 'salesforce'`); once someone assigned or unassigned a
//! CSM of an account by hand in Steward, Salesforce leaves that account's CSMs alone.
use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::Value;

use super::run::{Shared, SOURCE};
use crate::account_api::repo as account_repo;
use crate::accounts::ssr::detail::SOURCE_MANUAL;
use crate::db::entities::{
    csm_assignments, sync_checkpoints, sync_csm_pending, sync_settings, users,
};
use crate::error::AppError;
use crate::state::AppState;
use crate::time::now_ms;

/// `csm_assignments.source` of the assignments Salesforce made.
pub const SOURCE_SALESFORCE: &str = "salesforce";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsmFieldKind {
    /// The field holds the CSM's email.
    Email,
    /// The field is a Lookup to User: the User's Email is used.
    UserLookup,
}

impl CsmFieldKind {
    pub fn key(self) -> &'static str {
        match self {
            CsmFieldKind::Email => "email",
            CsmFieldKind::UserLookup => "user_lookup",
        }
    }

    fn from_key(key: &str) -> Option<Self> {
        match key {
            "email" => Some(CsmFieldKind::Email),
            "user_lookup" => Some(CsmFieldKind::UserLookup),
            _ => None,
        }
    }
}

/// The Account field holding the CSM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsmField {
    pub name: String,
    pub kind: CsmFieldKind,
}

/// The organisation's CSM field, if the admin chose one.
pub async fn setting(db: &impl ConnectionTrait, org_id: i32) -> Result<Option<CsmField>, AppError> {
    let row = sync_settings::Entity::find()
        .filter(sync_settings::Column::OrgId.eq(org_id))
        .filter(sync_settings::Column::Source.eq(SOURCE))
        .one(db)
        .await?;
    Ok(row.and_then(|r| {
        Some(CsmField {
            name: r.csm_field?,
            kind: CsmFieldKind::from_key(r.csm_field_kind.as_deref()?)?,
        })
    }))
}

/// Chooses the Account field holding the CSM (`None`: no CSM sync), checked against the
/// org's describe of Account: it must exist, be visible to the connected user, and be an
/// Email field or a Lookup to User.
pub async fn configure(
    state: &AppState,
    org_id: i32,
    field: Option<&str>,
) -> Result<Option<CsmField>, AppError> {
    let chosen = match field.map(str::trim).filter(|f| !f.is_empty()) {
        None => None,
        Some(name) => {
            let account = describe(state, org_id, "Account").await?;
            Some(check_field(&account, name)?)
        }
    };
    let txn = crate::db::begin_write(&state.db).await?;
    store(&txn, org_id, chosen.as_ref(), now_ms()).await?;
    txn.commit().await?;
    Ok(chosen)
}

/// Stores the CSM field (in the caller's transaction). Another field than before: every
/// Account is read again at the next run, and values waiting under the old field are
/// dropped.
pub async fn store(
    txn: &impl ConnectionTrait,
    org_id: i32,
    chosen: Option<&CsmField>,
    now: i64,
) -> Result<(), AppError> {
    ensure_settings(txn, org_id, now).await?;
    if setting(txn, org_id).await?.as_ref() != chosen {
        sync_checkpoints::Entity::delete_many()
            .filter(sync_checkpoints::Column::OrgId.eq(org_id))
            .filter(sync_checkpoints::Column::Source.eq(SOURCE))
            .filter(sync_checkpoints::Column::Object.eq("Account"))
            .exec(txn)
            .await?;
        sync_csm_pending::Entity::delete_many()
            .filter(sync_csm_pending::Column::OrgId.eq(org_id))
            .exec(txn)
            .await?;
    }
    sync_settings::Entity::update_many()
        .col_expr(
            sync_settings::Column::CsmField,
            Expr::value(chosen.map(|c| c.name.clone())),
        )
        .col_expr(
            sync_settings::Column::CsmFieldKind,
            Expr::value(chosen.map(|c| c.kind.key().to_owned())),
        )
        .col_expr(sync_settings::Column::UpdatedAt, Expr::value(now))
        .filter(sync_settings::Column::OrgId.eq(org_id))
        .filter(sync_settings::Column::Source.eq(SOURCE))
        .exec(txn)
        .await?;
    Ok(())
}

/// The organisation's settings row with its defaults, if it has none yet.
pub async fn ensure_settings(
    db: &impl ConnectionTrait,
    org_id: i32,
    now: i64,
) -> Result<(), AppError> {
    let insert = Query::insert()
        .into_table(sync_settings::Entity)
        .columns([
            sync_settings::Column::OrgId,
            sync_settings::Column::Source,
            sync_settings::Column::DailyAt,
            sync_settings::Column::TimeZone,
            sync_settings::Column::UpdatedAt,
        ])
        .values_panic([
            Expr::val(org_id),
            Expr::val(SOURCE),
            Expr::val("03:00"),
            Expr::val("UTC"),
            Expr::val(now),
        ])
        .on_conflict(
            OnConflict::columns([sync_settings::Column::OrgId, sync_settings::Column::Source])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    db.execute(&insert).await?;
    Ok(())
}

/// Salesforce's describe of `object` as the connected user sees it (fields hidden by
/// field-level security are absent), or a sentence saying what to do.
pub async fn describe(state: &AppState, org_id: i32, object: &str) -> Result<Value, AppError> {
    use crate::connections::ssr::salesforce::{self, CallError};
    let path = format!(
        "/services/data/v{}/sobjects/{object}/describe",
        super::reader::API_VERSION
    );
    match salesforce::get(state, org_id, &path).await {
        Ok(answer) => Ok(answer.body),
        Err(CallError::App(error)) => Err(error),
        Err(CallError::NotConnected) => Err(AppError::invalid(
            "Connect Salesforce first (Settings → IT Administration → Manage OAuth), then choose the fields.",
        )),
        Err(CallError::NeedsReauthorization) => Err(AppError::invalid(
            "The Salesforce connection needs re-authorization (Settings → IT Administration → Manage OAuth); then choose the fields.",
        )),
        Err(other) => {
            tracing::warn!(org_id, object, error = %other, "describe failed");
            Err(AppError::invalid(format!(
                "Salesforce did not describe its {object} object just now: try again in a minute."
            )))
        }
    }
}

/// The describe's field named `name` (case-insensitive), if the connected user sees it.
pub fn described_field<'a>(describe: &'a Value, name: &str) -> Option<&'a Value> {
    describe["fields"].as_array()?.iter().find(|f| {
        f["name"]
            .as_str()
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
    })
}

/// Checks the CSM field against the Account describe: it must exist, be visible to the
/// connected user, and be an Email field or a Lookup to User.
pub fn check_field(account: &Value, name: &str) -> Result<CsmField, AppError> {
    let Some(found) = described_field(account, name) else {
        return Err(AppError::field(
            "csm_field",
            format!("Salesforce's Account has no field '{name}' that the connected user can see: check the API name (custom fields end in __c) and the field's field-level security."),
        ));
    };
    let canonical = found["name"].as_str().unwrap_or(name).to_owned();
    let kind = match found["type"].as_str().unwrap_or_default() {
        "email" => CsmFieldKind::Email,
        "reference"
            if found["referenceTo"]
                .as_array()
                .is_some_and(|to| to.iter().any(|t| t == "User")) =>
        {
            CsmFieldKind::UserLookup
        }
        other => {
            return Err(AppError::field(
                "csm_field",
                format!(
                    "'{canonical}' is a {other} field: choose an Email field, or a Lookup to User."
                ),
            ))
        }
    };
    Ok(CsmField {
        name: canonical,
        kind,
    })
}

/// Salesforce Users seen in the run: id → email, and lower-cased username → email.
#[derive(Default, Debug)]
pub struct SalesforceUsers {
    email_by_id: HashMap<String, String>,
    email_by_username: HashMap<String, String>,
}

impl SalesforceUsers {
    pub fn add(&mut self, records: &[Value]) {
        for record in records {
            let email = record["Email"]
                .as_str()
                .unwrap_or_default()
                .trim()
                .to_owned();
            if let Some(id) = record["Id"].as_str() {
                self.email_by_id.insert(id.to_owned(), email.clone());
                // 15- and 18-character ids name the same User.
                if id.len() == 18 {
                    self.email_by_id.insert(id[..15].to_owned(), email.clone());
                }
            }
            if let Some(username) = record["Username"].as_str() {
                self.email_by_username
                    .insert(username.trim().to_lowercase(), email);
            }
        }
    }
}

/// What the Salesforce value means for an account's CSM.
#[derive(Debug, PartialEq, Eq)]
enum Wanted {
    Assign(i32),
    Clear,
    Skip(String),
}

struct Steward {
    /// Active users with the CSM seat: lower-cased email → id.
    seats: HashMap<String, i32>,
    /// Every user of the organisation: lower-cased email → status.
    everyone: HashMap<String, String>,
}

fn resolve(
    field: &CsmField,
    users: &SalesforceUsers,
    steward: &Steward,
    value: Option<&Value>,
) -> Wanted {
    let raw = match value {
        None | Some(Value::Null) => return Wanted::Clear,
        Some(Value::String(s)) if s.trim().is_empty() => return Wanted::Clear,
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(other) => other.to_string(),
    };
    let email = match field.kind {
        CsmFieldKind::UserLookup => match users.email_by_id.get(&raw) {
            Some(email) if !email.is_empty() => email.clone(),
            Some(_) => {
                return Wanted::Skip(format!(
                    "The Salesforce User {raw} in {} has no email.",
                    field.name
                ))
            }
            None => {
                return Wanted::Skip(format!(
                    "The Salesforce User {raw} in {} was not found.",
                    field.name
                ))
            }
        },
        CsmFieldKind::Email => {
            if !raw.contains('@') {
                return Wanted::Skip(format!(
                    "'{raw}' in {} is a username, not an email: put the CSM's email there.",
                    field.name
                ));
            }
            if let Some(real) = users.email_by_username.get(&raw.to_lowercase()) {
                if !real.eq_ignore_ascii_case(&raw) {
                    return Wanted::Skip(format!(
                        "'{raw}' in {} is a Salesforce username, not an email: put the CSM's email ({real}) there.",
                        field.name
                    ));
                }
            }
            raw
        }
    };
    let key = email.to_lowercase();
    if let Some(id) = steward.seats.get(&key) {
        return Wanted::Assign(*id);
    }
    Wanted::Skip(match steward.everyone.get(&key).map(String::as_str) {
        Some("active") => format!(
            "{email} has no CSM seat in Steward: give their role the CSM seat, then run again."
        ),
        Some(_) => format!("{email} is not an active Steward user: reactivate them, then run again."),
        None => format!(
            "No Steward user has the email {email}: invite them with a role that has the CSM seat, then run again."
        ),
    })
}

/// Applies the Salesforce CSM values of a page of accounts: `(Salesforce Id, Steward
/// account_id, value)`.
pub(crate) async fn apply(
    state: &AppState,
    org_id: i32,
    field: &CsmField,
    users: &SalesforceUsers,
    wanted: &[(String, String, Option<Value>)],
    tally: &Shared,
) -> Result<(), AppError> {
    if wanted.is_empty() {
        return Ok(());
    }
    let db = &state.db;
    let mut everyone = HashMap::new();
    for user in users::Entity::find()
        .filter(users::Column::OrgId.eq(org_id))
        .all(db)
        .await?
    {
        everyone.insert(user.email.to_lowercase(), user.status);
    }
    let steward = Steward {
        seats: account_repo::csm_users(db, org_id).await?,
        everyone,
    };
    let ids: Vec<String> = wanted.iter().map(|(_, id, _)| id.clone()).collect();
    let now = now_ms();
    let txn = crate::db::begin_write(db).await?;
    let pks = account_repo::account_pks(&txn, org_id, &ids).await?;
    let mut rows: HashMap<i32, Vec<csm_assignments::Model>> = HashMap::new();
    for part in pks.values().copied().collect::<Vec<_>>().chunks(1000) {
        for row in csm_assignments::Entity::find()
            .filter(csm_assignments::Column::OrgId.eq(org_id))
            .filter(csm_assignments::Column::AccountPk.is_in(part.iter().copied()))
            .all(&txn)
            .await?
        {
            rows.entry(row.account_pk).or_default().push(row);
        }
    }
    let (mut assigned, mut skipped, mut notes) = (0i64, 0i64, Vec::new());
    let mut clear: HashSet<i32> = HashSet::new();
    let mut add: Vec<(i32, i32)> = Vec::new();
    // Values to try again at the next run, and accounts whose value is settled.
    let (mut waiting, mut settled) = (Vec::new(), Vec::new());
    for (id, account_id, value) in wanted {
        let Some(pk) = pks.get(account_id).copied() else {
            continue;
        };
        let current = rows.get(&pk).map(Vec::as_slice).unwrap_or_default();
        let wanted = resolve(field, users, &steward, value.as_ref());
        let by_hand = current.iter().any(|r| r.source == SOURCE_MANUAL);
        let ours: Vec<&csm_assignments::Model> = current
            .iter()
            .filter(|r| r.source == SOURCE_SALESFORCE)
            .collect();
        if matches!(wanted, Wanted::Skip(_)) {
            waiting.push((id.clone(), account_id.clone(), value.clone()));
        } else {
            settled.push(account_id.clone());
        }
        match wanted {
            Wanted::Skip(reason) => {
                skipped += 1;
                notes.push((id.clone(), reason));
            }
            Wanted::Assign(user) if by_hand => {
                let already = current
                    .iter()
                    .any(|r| r.user_id == user && r.is_assigned && r.source == SOURCE_MANUAL);
                if !already {
                    skipped += 1;
                    notes.push((
                        id.clone(),
                        "The CSMs of this account were changed by hand in Steward, which wins: Salesforce's value is left alone.".to_owned(),
                    ));
                }
            }
            Wanted::Clear if by_hand => {}
            Wanted::Assign(user) => {
                if ours.len() == 1 && ours[0].user_id == user && ours[0].is_assigned {
                    continue;
                }
                clear.insert(pk);
                add.push((pk, user));
                assigned += 1;
            }
            Wanted::Clear => {
                if !ours.is_empty() {
                    clear.insert(pk);
                }
            }
        }
    }
    let clear: Vec<i32> = clear.into_iter().collect();
    for part in clear.chunks(1000) {
        let delete = Query::delete()
            .from_table(csm_assignments::Entity)
            .and_where(Expr::col(csm_assignments::Column::OrgId).eq(org_id))
            .and_where(Expr::col(csm_assignments::Column::Source).eq(SOURCE_SALESFORCE))
            .and_where(Expr::col(csm_assignments::Column::AccountPk).is_in(part.iter().copied()))
            .to_owned();
        txn.execute(&delete).await?;
    }
    account_repo::insert_csm_assignments(&txn, org_id, &add, SOURCE_SALESFORCE, now).await?;
    for part in settled.chunks(1000) {
        sync_csm_pending::Entity::delete_many()
            .filter(sync_csm_pending::Column::OrgId.eq(org_id))
            .filter(sync_csm_pending::Column::AccountId.is_in(part.iter().cloned()))
            .exec(&txn)
            .await?;
    }
    for part in waiting.chunks(1000) {
        let mut insert = Query::insert();
        insert
            .into_table(sync_csm_pending::Entity)
            .columns([
                sync_csm_pending::Column::OrgId,
                sync_csm_pending::Column::AccountId,
                sync_csm_pending::Column::SfAccountId,
                sync_csm_pending::Column::Value,
                sync_csm_pending::Column::UpdatedAt,
            ])
            .on_conflict(
                OnConflict::columns([
                    sync_csm_pending::Column::OrgId,
                    sync_csm_pending::Column::AccountId,
                ])
                .update_columns([
                    sync_csm_pending::Column::SfAccountId,
                    sync_csm_pending::Column::Value,
                    sync_csm_pending::Column::UpdatedAt,
                ])
                .to_owned(),
            );
        for (sf_id, account_id, value) in part {
            insert.values_panic([
                Expr::val(org_id),
                Expr::val(account_id.clone()),
                Expr::val(sf_id.clone()),
                Expr::val(value.clone().unwrap_or(Value::Null).to_string()),
                Expr::val(now),
            ]);
        }
        txn.execute(&insert).await?;
    }
    txn.commit().await?;
    let mut t = tally.lock().unwrap_or_else(|e| e.into_inner());
    t.csm_seen
        .extend(wanted.iter().map(|(_, account_id, _)| account_id.clone()));
    t.csm_assigned += assigned;
    t.csm_skipped += skipped;
    for (id, reason) in notes {
        t.note("Account", &id, reason);
    }
    Ok(())
}

/// Tries again the values earlier runs could not apply (a seat granted since, a user
/// invited since), without asking Salesforce; accounts this run already read are left out.
pub(crate) async fn retry_pending(
    state: &AppState,
    org_id: i32,
    field: &CsmField,
    users: &SalesforceUsers,
    tally: &Shared,
) -> Result<(), AppError> {
    let seen = tally
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .csm_seen
        .clone();
    let pending: Vec<(String, String, Option<Value>)> = sync_csm_pending::Entity::find()
        .filter(sync_csm_pending::Column::OrgId.eq(org_id))
        .all(&state.db)
        .await?
        .into_iter()
        .filter(|p| !seen.contains(&p.account_id))
        .map(|p| {
            (
                p.sf_account_id,
                p.account_id,
                serde_json::from_str(&p.value).ok(),
            )
        })
        .collect();
    for part in pending.chunks(1000) {
        apply(state, org_id, field, users, part, tally).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_are_resolved_to_a_seat_or_a_reason() {
        let mut users = SalesforceUsers::default();
        users.add(&[json!({"Id": "005000000000001AAA", "Username": "csm1@x.example.sandbox", "Email": "csm1@x.example"})]);
        let steward = Steward {
            seats: HashMap::from([("csm1@x.example".to_owned(), 7)]),
            everyone: HashMap::from([
                ("csm1@x.example".to_owned(), "active".to_owned()),
                ("seatless@x.example".to_owned(), "active".to_owned()),
            ]),
        };
        let email = CsmField {
            name: "CSM__c".into(),
            kind: CsmFieldKind::Email,
        };
        let lookup = CsmField {
            name: "CSM_User__c".into(),
            kind: CsmFieldKind::UserLookup,
        };
        let r = |f: &CsmField, v: Value| resolve(f, &users, &steward, Some(&v));
        assert_eq!(r(&email, json!("CSM1@x.example")), Wanted::Assign(7));
        assert_eq!(r(&email, Value::Null), Wanted::Clear);
        assert!(matches!(r(&email, json!("jdoe")), Wanted::Skip(m) if m.contains("username")));
        assert!(
            matches!(r(&email, json!("csm1@x.example.sandbox")), Wanted::Skip(m) if m.contains("Salesforce username"))
        );
        assert!(
            matches!(r(&email, json!("seatless@x.example")), Wanted::Skip(m) if m.contains("no CSM seat"))
        );
        assert!(
            matches!(r(&email, json!("who@x.example")), Wanted::Skip(m) if m.contains("No Steward user"))
        );
        assert_eq!(r(&lookup, json!("005000000000001AAA")), Wanted::Assign(7));
        assert_eq!(r(&lookup, json!("005000000000001")), Wanted::Assign(7));
        assert!(matches!(
            r(&lookup, json!("005000000000009AAA")),
            Wanted::Skip(_)
        ));
    }
}
