//! API Upload runs its applies in the background (issue 12): an upload is worked on by one
//! instance at a time, which holds it by a lease it renews batch by batch. A lease that
//! runs out (the instance stopped) lets any instance resume the upload from its next batch.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Uploads::Table)
                    // The instance working on the upload (reading or applying it).
                    .add_column(string_null(Uploads::LeaseHolder))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Uploads::Table)
                    // Epoch ms; past (or NULL) means nobody is working on it.
                    .add_column(big_integer_null(Uploads::LeaseUntil))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Uploads::Table)
                    // Set once the file is read and staged: from then on any instance can
                    // run it; before, only the one reading it.
                    .add_column(big_integer_null(Uploads::StagedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Uploads::StagedAt, Uploads::LeaseUntil, Uploads::LeaseHolder] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Uploads::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Uploads {
    Table,
    LeaseHolder,
    LeaseUntil,
    StagedAt,
}
