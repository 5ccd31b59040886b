use sea_orm_migration::{prelude::*, schema::*};

/// "Forgot password" requests waiting for the background job. The request itself only
/// inserts a row here, the same for an email that belongs to somebody and one that does
/// not, so neither its own time nor the load it leaves behind tells the two apart.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PasswordResetRequests::Table)
                    .if_not_exists()
                    .col(big_pk_auto(PasswordResetRequests::Id))
                    .col(text(PasswordResetRequests::Email))
                    .col(text_null(PasswordResetRequests::Address))
                    .col(big_integer(PasswordResetRequests::RequestedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PasswordResetRequests::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum PasswordResetRequests {
    Table,
    Id,
    Email,
    Address,
    RequestedAt,
}
