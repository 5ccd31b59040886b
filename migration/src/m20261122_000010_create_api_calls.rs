use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000001_create_organisations_and_roles::Organisations;

/// The API Status log: one row per call to the Account, Event or Upload API, the last 1000
/// per organisation kept. `path` has keys redacted; `failures` holds the per-record
/// failures as JSON (capped), shown when a row is expanded.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiCalls::Table)
                    .if_not_exists()
                    .col(pk_auto(ApiCalls::Id))
                    .col(integer(ApiCalls::OrgId))
                    // account | event | upload
                    .col(string(ApiCalls::Api))
                    .col(string(ApiCalls::Method))
                    .col(text(ApiCalls::Path))
                    // the endpoint pattern, e.g. "/api/v2/accounts/{account_id}", for the filter
                    .col(text(ApiCalls::Endpoint))
                    // success | partial | failure
                    .col(string(ApiCalls::Status))
                    .col(integer(ApiCalls::HttpStatus))
                    .col(integer(ApiCalls::RecordsReceived))
                    .col(integer(ApiCalls::RecordsFailed))
                    .col(integer(ApiCalls::DurationMs))
                    .col(integer_null(ApiCalls::KeyId))
                    .col(text_null(ApiCalls::KeyName))
                    .col(text_null(ApiCalls::Message))
                    .col(text_null(ApiCalls::Failures))
                    .col(big_integer(ApiCalls::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ApiCalls::Table, ApiCalls::OrgId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_api_calls_org_id")
                    .table(ApiCalls::Table)
                    .col(ApiCalls::OrgId)
                    .col(ApiCalls::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ApiCalls::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum ApiCalls {
    Table,
    Id,
    OrgId,
    Api,
    Method,
    Path,
    Endpoint,
    Status,
    HttpStatus,
    RecordsReceived,
    RecordsFailed,
    DurationMs,
    KeyId,
    KeyName,
    Message,
    Failures,
    CreatedAt,
}
