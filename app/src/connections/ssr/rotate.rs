//! `steward secret rotate`: re-seals every sealed value (TOTP seeds, mail bodies,
//! credentials, OAuth tokens and verifiers, DKIM keys, BCC address tokens) under the current key, in batches of 200 rows,
//! each value written with a conditional UPDATE (only if it still holds what was read, so a
//! value changed meanwhile is left to its writer). Values already under the current key are
//! skipped, so an interrupted run is resumed by running it again. It refuses to start when
//! any stored value names a key that is not configured (current or `previous_secret_keys`).
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection};

use crate::crypto::SecretBox;
use crate::error::AppError;

/// A sealed column: table, column, and its seal purpose (fixed, or `credential:<system>`).
struct SealedColumn {
    table: &'static str,
    column: &'static str,
    purpose: Purpose,
}

enum Purpose {
    Fixed(&'static str),
    /// `credential:` + the row's `system`.
    Credential,
}

fn columns() -> Vec<SealedColumn> {
    use crate::connections::ssr::salesforce::{access_purpose, refresh_purpose, verifier_purpose};
    vec![
        SealedColumn {
            table: "users",
            column: "totp_secret",
            purpose: Purpose::Fixed("totp-seed"),
        },
        SealedColumn {
            table: "users",
            column: "totp_pending_secret",
            purpose: Purpose::Fixed("totp-seed"),
        },
        SealedColumn {
            table: "outbound_mail",
            column: "sealed_body",
            purpose: Purpose::Fixed("mail-body"),
        },
        SealedColumn {
            table: "credentials",
            column: "sealed_values",
            purpose: Purpose::Credential,
        },
        SealedColumn {
            table: "oauth_connections",
            column: "sealed_access_token",
            purpose: Purpose::Fixed(access_purpose()),
        },
        SealedColumn {
            table: "oauth_connections",
            column: "sealed_refresh_token",
            purpose: Purpose::Fixed(refresh_purpose()),
        },
        SealedColumn {
            table: "oauth_states",
            column: "sealed_verifier",
            purpose: Purpose::Fixed(verifier_purpose()),
        },
        SealedColumn {
            table: "email_domains",
            column: "sealed_private_key",
            purpose: Purpose::Fixed(crate::email_config::ssr::dkim::SEAL_PURPOSE),
        },
        SealedColumn {
            table: "inbound_addresses",
            column: "sealed_token",
            purpose: Purpose::Fixed(crate::bcc_email::ssr::address::SEAL_PURPOSE),
        },
    ]
}

const BATCH: u64 = 200;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RotateReport {
    pub resealed: u64,
    pub already_current: u64,
    /// Changed by someone else between read and write (left as they are).
    pub skipped_changed: u64,
}

struct Row {
    id: i32,
    sealed: String,
    system: Option<String>,
}

async fn batch(
    db: &DatabaseConnection,
    col: &SealedColumn,
    after: i32,
) -> Result<Vec<Row>, AppError> {
    let mut select = Query::select();
    select
        .column(Alias::new("id"))
        .column(Alias::new(col.column))
        .from(Alias::new(col.table))
        .and_where(Expr::col(Alias::new("id")).gt(after))
        .and_where(Expr::col(Alias::new(col.column)).is_not_null())
        .order_by(Alias::new("id"), sea_orm::sea_query::Order::Asc)
        .limit(BATCH);
    if matches!(col.purpose, Purpose::Credential) {
        select.column(Alias::new("system"));
    }
    let rows = db.query_all(&select).await?;
    rows.into_iter()
        .map(|r| {
            Ok(Row {
                id: r.try_get("", "id")?,
                sealed: r.try_get("", col.column)?,
                system: if matches!(col.purpose, Purpose::Credential) {
                    Some(r.try_get("", "system")?)
                } else {
                    None
                },
            })
        })
        .collect::<Result<_, sea_orm::DbErr>>()
        .map_err(AppError::from)
}

fn purpose_of(col: &SealedColumn, row: &Row) -> String {
    match col.purpose {
        Purpose::Fixed(p) => p.to_owned(),
        Purpose::Credential => format!("credential:{}", row.system.as_deref().unwrap_or("")),
    }
}

/// Every key id stored that is not configured, as "table.column: id" lines.
pub async fn unknown_keys(
    db: &DatabaseConnection,
    secrets: &SecretBox,
) -> Result<Vec<String>, AppError> {
    let mut unknown = Vec::new();
    for col in columns() {
        let mut after = 0;
        loop {
            let rows = batch(db, &col, after).await?;
            let Some(last) = rows.last() else { break };
            after = last.id;
            for row in &rows {
                if row.sealed.is_empty() {
                    continue;
                }
                match SecretBox::key_id_of(&row.sealed) {
                    Some(id) if secrets.knows_key(id) => {}
                    Some(id) => unknown.push(format!(
                        "{}.{} row {}: key {id}",
                        col.table, col.column, row.id
                    )),
                    None => unknown.push(format!(
                        "{}.{} row {}: not a sealed value",
                        col.table, col.column, row.id
                    )),
                }
            }
        }
    }
    Ok(unknown)
}

/// Re-seals everything under the current key. `progress` is called after each batch.
pub async fn rotate(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    mut progress: impl FnMut(&str, &RotateReport),
) -> Result<RotateReport, AppError> {
    let unknown = unknown_keys(db, secrets).await?;
    if !unknown.is_empty() {
        return Err(AppError::Invalid(format!(
            "Not rotating: {} stored value(s) were sealed under a key that is not configured. Add that key to previous_secret_keys and run again. First: {}",
            unknown.len(),
            unknown[0]
        )));
    }
    let mut report = RotateReport::default();
    for col in columns() {
        let mut after = 0;
        loop {
            let rows = batch(db, &col, after).await?;
            let Some(last) = rows.last() else { break };
            after = last.id;
            for row in rows {
                if row.sealed.is_empty()
                    || SecretBox::key_id_of(&row.sealed) == Some(secrets.current_key_id())
                {
                    report.already_current += 1;
                    continue;
                }
                let purpose = purpose_of(&col, &row);
                let plain = secrets.open(&purpose, &row.sealed).map_err(|e| {
                    AppError::Invalid(format!(
                        "Not rotating further: {}.{} row {} could not be opened ({e}).",
                        col.table, col.column, row.id
                    ))
                })?;
                let resealed = secrets.seal(&purpose, &plain);
                let mut update = Query::update();
                update
                    .table(Alias::new(col.table))
                    .value(Alias::new(col.column), resealed)
                    .and_where(ExprTrait::eq(Expr::col(Alias::new("id")), row.id))
                    .and_where(ExprTrait::eq(
                        Expr::col(Alias::new(col.column)),
                        row.sealed.clone(),
                    ));
                let done = db.execute(&update).await?;
                if done.rows_affected() == 1 {
                    report.resealed += 1;
                } else {
                    report.skipped_changed += 1;
                }
            }
            progress(&format!("{}.{}", col.table, col.column), &report);
        }
    }
    Ok(report)
}
