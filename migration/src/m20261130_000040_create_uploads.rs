use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000001_create_organisations_and_roles::Organisations;

/// API Upload (issue 12): the uploads of an organisation (its history), the rows of a file
/// staged between reading and applying (so that a file refused as a whole writes nothing and
/// the apply can run as a background job on any instance), the per-row failures with the
/// row's cells (the error CSV), what undo needs (records created; previous and written
/// values of fields changed), and the column mapping remembered per organisation and API.
#[derive(DeriveMigrationName)]
pub struct Migration;

fn org_fk(table: impl IntoIden + Copy, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Organisations::Table, Organisations::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn upload_fk(table: impl IntoIden + Copy, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Uploads::Table, Uploads::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Uploads::Table)
                    .if_not_exists()
                    .col(pk_auto(Uploads::Id))
                    .col(integer(Uploads::OrgId))
                    // accounts | account_users | account_contacts | metrics | interactions | events
                    .col(string(Uploads::Api))
                    .col(string(Uploads::FileName))
                    .col(integer_null(Uploads::UserId))
                    .col(integer_null(Uploads::KeyId))
                    // Who, as shown in the history: a user's email or "API key 'name'".
                    .col(string(Uploads::ByLabel))
                    .col(big_integer(Uploads::CreatedAt))
                    .col(big_integer_null(Uploads::FinishedAt))
                    // running | dry_run | applied | cancelled | undone | failed
                    .col(string(Uploads::Status))
                    .col(boolean(Uploads::DryRun))
                    // comma | semicolon | tab
                    .col(string_null(Uploads::Delimiter))
                    // utf-8 | windows-1252
                    .col(string_null(Uploads::Encoding))
                    // JSON: [[header as written, field it feeds or ""], …].
                    .col(text_null(Uploads::Headers))
                    .col(big_integer(Uploads::RowsReceived))
                    .col(big_integer(Uploads::RowsApplied))
                    .col(big_integer(Uploads::RowsFailed))
                    .col(integer(Uploads::Batches))
                    // The next staged batch to apply (progress; where a resumed job goes on).
                    .col(integer(Uploads::NextBatch))
                    .col(boolean(Uploads::CancelRequested))
                    .col(text_null(Uploads::Message))
                    .col(big_integer_null(Uploads::UndoneAt))
                    .col(string_null(Uploads::UndoneByLabel))
                    .foreign_key(&mut org_fk(Uploads::Table, Uploads::OrgId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_uploads_org_created")
                    .table(Uploads::Table)
                    .col(Uploads::OrgId)
                    .col(Uploads::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UploadBatches::Table)
                    .if_not_exists()
                    .col(pk_auto(UploadBatches::Id))
                    .col(integer(UploadBatches::UploadId))
                    .col(integer(UploadBatches::Seq))
                    // JSON: [[line, record, cells], …] of the rows that read well.
                    .col(text(UploadBatches::Rows))
                    .foreign_key(&mut upload_fk(
                        UploadBatches::Table,
                        UploadBatches::UploadId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_upload_batches_upload_seq")
                    .table(UploadBatches::Table)
                    .col(UploadBatches::UploadId)
                    .col(UploadBatches::Seq)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UploadFailures::Table)
                    .if_not_exists()
                    .col(pk_auto(UploadFailures::Id))
                    .col(integer(UploadFailures::UploadId))
                    .col(integer(UploadFailures::OrgId))
                    .col(big_integer(UploadFailures::Line))
                    .col(string_null(UploadFailures::Column))
                    .col(text(UploadFailures::Message))
                    // JSON array of the row's cells as read (for the error CSV).
                    .col(text(UploadFailures::Cells))
                    .foreign_key(&mut upload_fk(
                        UploadFailures::Table,
                        UploadFailures::UploadId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_upload_failures_upload_line")
                    .table(UploadFailures::Table)
                    .col(UploadFailures::UploadId)
                    .col(UploadFailures::Line)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UploadChanges::Table)
                    .if_not_exists()
                    .col(pk_auto(UploadChanges::Id))
                    .col(integer(UploadChanges::UploadId))
                    .col(integer(UploadChanges::OrgId))
                    // accounts | account_users | account_contacts
                    .col(string(UploadChanges::Target))
                    .col(integer(UploadChanges::RecordPk))
                    // The record's key as shown in conflicts ("a1", "u1 / a1").
                    .col(string(UploadChanges::RecordKey))
                    // A created record (undo deletes it) or one changed field.
                    .col(boolean(UploadChanges::Created))
                    .col(string_null(UploadChanges::Field))
                    // JSON values: before the upload, and what the upload wrote.
                    .col(text_null(UploadChanges::Previous))
                    .col(text_null(UploadChanges::Written))
                    .foreign_key(&mut upload_fk(
                        UploadChanges::Table,
                        UploadChanges::UploadId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_upload_changes_upload")
                    .table(UploadChanges::Table)
                    .col(UploadChanges::UploadId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UploadMappings::Table)
                    .if_not_exists()
                    .col(pk_auto(UploadMappings::Id))
                    .col(integer(UploadMappings::OrgId))
                    .col(string(UploadMappings::Api))
                    // JSON: normalised column name → field name.
                    .col(text(UploadMappings::Mapping))
                    .col(big_integer(UploadMappings::UpdatedAt))
                    .foreign_key(&mut org_fk(UploadMappings::Table, UploadMappings::OrgId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_upload_mappings_org_api")
                    .table(UploadMappings::Table)
                    .col(UploadMappings::OrgId)
                    .col(UploadMappings::Api)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            UploadMappings::Table.into_iden(),
            UploadChanges::Table.into_iden(),
            UploadFailures::Table.into_iden(),
            UploadBatches::Table.into_iden(),
            Uploads::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
pub enum Uploads {
    Table,
    Id,
    OrgId,
    Api,
    FileName,
    UserId,
    KeyId,
    ByLabel,
    CreatedAt,
    FinishedAt,
    Status,
    DryRun,
    Delimiter,
    Encoding,
    Headers,
    RowsReceived,
    RowsApplied,
    RowsFailed,
    Batches,
    NextBatch,
    CancelRequested,
    Message,
    UndoneAt,
    UndoneByLabel,
}

#[derive(DeriveIden, Clone, Copy)]
enum UploadBatches {
    Table,
    Id,
    UploadId,
    Seq,
    Rows,
}

#[derive(DeriveIden, Clone, Copy)]
enum UploadFailures {
    Table,
    Id,
    UploadId,
    OrgId,
    Line,
    Column,
    Message,
    Cells,
}

#[derive(DeriveIden, Clone, Copy)]
enum UploadChanges {
    Table,
    Id,
    UploadId,
    OrgId,
    Target,
    RecordPk,
    RecordKey,
    Created,
    Field,
    Previous,
    Written,
}

#[derive(DeriveIden, Clone, Copy)]
enum UploadMappings {
    Table,
    Id,
    OrgId,
    Api,
    Mapping,
    UpdatedAt,
}
