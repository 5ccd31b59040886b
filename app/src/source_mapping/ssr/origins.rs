//! Provenance of account fields: the connector records, per account and field, the value
//! it wrote and when. The account page credits a value to Salesforce while the stored
//! value is still the one Salesforce wrote; any other value came through the Account API
//! (the CSV upload goes through it too), the only other writer of account fields.
use std::collections::HashMap;

use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::Value;

use crate::db::entities::field_origins;
use crate::error::AppError;

/// Records that `source` wrote these values: `(account_pk, field, value)`.
pub async fn record(
    db: &impl ConnectionTrait,
    org_id: i32,
    source: &str,
    written: &[(i32, String, Value)],
    at: i64,
) -> Result<(), AppError> {
    for part in written.chunks(1000) {
        let mut insert = Query::insert();
        insert
            .into_table(field_origins::Entity)
            .columns([
                field_origins::Column::OrgId,
                field_origins::Column::AccountPk,
                field_origins::Column::Field,
                field_origins::Column::Source,
                field_origins::Column::Value,
                field_origins::Column::ChangedAt,
            ])
            .on_conflict(
                OnConflict::columns([
                    field_origins::Column::OrgId,
                    field_origins::Column::AccountPk,
                    field_origins::Column::Field,
                ])
                .update_columns([
                    field_origins::Column::Source,
                    field_origins::Column::Value,
                    field_origins::Column::ChangedAt,
                ])
                .to_owned(),
            );
        for (pk, field, value) in part {
            insert.values_panic([
                Expr::val(org_id),
                Expr::val(*pk),
                Expr::val(field.clone()),
                Expr::val(source),
                Expr::val(value.to_string()),
                Expr::val(at),
            ]);
        }
        db.execute(&insert).await?;
    }
    Ok(())
}

/// The account's recorded origins: field → (source, value written, when).
pub async fn of_account(
    db: &impl ConnectionTrait,
    org_id: i32,
    account_pk: i32,
) -> Result<HashMap<String, (String, Value, i64)>, AppError> {
    Ok(field_origins::Entity::find()
        .filter(field_origins::Column::OrgId.eq(org_id))
        .filter(field_origins::Column::AccountPk.eq(account_pk))
        .all(db)
        .await?
        .into_iter()
        .map(|o| {
            let value = o
                .value
                .as_deref()
                .and_then(|v| serde_json::from_str(v).ok())
                .unwrap_or(Value::Null);
            (o.field, (o.source, value, o.changed_at))
        })
        .collect())
}

/// Whether a stored JSON value is the one written (numbers compared as numbers).
pub fn same(stored: &Value, written: &Value) -> bool {
    match (stored.as_f64(), written.as_f64()) {
        (Some(a), Some(b)) => a == b,
        _ => stored == written,
    }
}
