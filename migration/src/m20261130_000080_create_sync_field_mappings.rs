use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000001_create_organisations_and_roles::Organisations;

/// Source Mapping (issue 14 §4-5): the organisation's Salesforce mapping, one row per
/// Steward field (object `Account` or `Contact`, the Steward field, the Salesforce field or
/// relationship path such as `Owner.Email`, and who owns the value: `salesforce_wins`,
/// `steward_wins` or `dont_sync`). An organisation without rows uses the defaults.
///
/// `field_origins`: where a synced account field's value came from and when (the
/// connector records the value it wrote; the account page compares it with the stored
/// value, so a value written since by the Account API is not credited to Salesforce).
#[derive(DeriveMigrationName)]
pub struct Migration;

fn org_fk(table: impl IntoIden + Copy, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Organisations::Table, Organisations::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SyncFieldMappings::Table)
                    .if_not_exists()
                    .col(pk_auto(SyncFieldMappings::Id))
                    .col(integer(SyncFieldMappings::OrgId))
                    .col(string(SyncFieldMappings::Source))
                    // Account | Contact
                    .col(string(SyncFieldMappings::Object))
                    .col(string(SyncFieldMappings::StewardField))
                    // Null: not mapped.
                    .col(string_null(SyncFieldMappings::RemoteField))
                    // salesforce_wins | steward_wins | dont_sync
                    .col(string(SyncFieldMappings::Ownership))
                    .col(integer_null(SyncFieldMappings::UpdatedBy))
                    .col(big_integer(SyncFieldMappings::UpdatedAt))
                    .foreign_key(&mut org_fk(
                        SyncFieldMappings::Table,
                        SyncFieldMappings::OrgId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_sync_field_mappings_field")
                    .table(SyncFieldMappings::Table)
                    .col(SyncFieldMappings::OrgId)
                    .col(SyncFieldMappings::Source)
                    .col(SyncFieldMappings::Object)
                    .col(SyncFieldMappings::StewardField)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FieldOrigins::Table)
                    .if_not_exists()
                    .col(pk_auto(FieldOrigins::Id))
                    .col(integer(FieldOrigins::OrgId))
                    .col(integer(FieldOrigins::AccountPk))
                    .col(string(FieldOrigins::Field))
                    // salesforce
                    .col(string(FieldOrigins::Source))
                    // The value as written (JSON), to tell whether it is still the stored one.
                    .col(text_null(FieldOrigins::Value))
                    .col(big_integer(FieldOrigins::ChangedAt))
                    .foreign_key(&mut org_fk(FieldOrigins::Table, FieldOrigins::OrgId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_field_origins_account_field")
                    .table(FieldOrigins::Table)
                    .col(FieldOrigins::OrgId)
                    .col(FieldOrigins::AccountPk)
                    .col(FieldOrigins::Field)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            FieldOrigins::Table.into_iden(),
            SyncFieldMappings::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum SyncFieldMappings {
    Table,
    Id,
    OrgId,
    Source,
    Object,
    StewardField,
    RemoteField,
    Ownership,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum FieldOrigins {
    Table,
    Id,
    OrgId,
    AccountPk,
    Field,
    Source,
    Value,
    ChangedAt,
}
