use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000001_create_organisations_and_roles::Organisations;

/// API keys for the Account API and the Event API. Only SHA-256 hashes of the keys are
/// stored; the visible prefix and last four characters let people tell keys apart.
/// An event key is a pair (`/v1/{authKey}/{apiKey}`): `secret_hash` holds the api key's
/// hash and `auth_key_hash` the auth key's.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiKeys::Table)
                    .if_not_exists()
                    .col(pk_auto(ApiKeys::Id))
                    .col(integer(ApiKeys::OrgId))
                    // account | event
                    .col(string(ApiKeys::Kind))
                    .col(string(ApiKeys::Name))
                    .col(string(ApiKeys::KeyPrefix))
                    .col(string(ApiKeys::LastFour))
                    .col(string(ApiKeys::SecretHash))
                    .col(string_null(ApiKeys::AuthKeyHash))
                    .col(integer_null(ApiKeys::CreatedBy))
                    .col(big_integer(ApiKeys::CreatedAt))
                    .col(big_integer_null(ApiKeys::LastUsedAt))
                    .col(big_integer_null(ApiKeys::RevokedAt))
                    .col(big_integer_null(ApiKeys::ExpiresAt))
                    .col(integer_null(ApiKeys::ReplacedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ApiKeys::Table, ApiKeys::OrgId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ApiKeys::Table, ApiKeys::CreatedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_api_keys_secret_hash")
                    .table(ApiKeys::Table)
                    .col(ApiKeys::SecretHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_api_keys_org_kind")
                    .table(ApiKeys::Table)
                    .col(ApiKeys::OrgId)
                    .col(ApiKeys::Kind)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ApiKeys::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum ApiKeys {
    Table,
    Id,
    OrgId,
    Kind,
    Name,
    KeyPrefix,
    LastFour,
    SecretHash,
    AuthKeyHash,
    CreatedBy,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
    ExpiresAt,
    ReplacedBy,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
