//! The Outbox tells a live invitation or reset link from one that no longer works: each
//! retired link records why (replaced by a newer one, or revoked), and each message records
//! the hash of the link it carries (the same SHA-256 `one_time_tokens` stores, never the
//! link itself).
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
                    .table(OneTimeTokens::Table)
                    // replaced | revoked; NULL while usable, or when spent by its owner
                    .add_column(string_null(OneTimeTokens::RetiredReason))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(OutboundMail::Table)
                    .add_column(string_null(OutboundMail::LinkHash))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(OutboundMail::Table)
                    .drop_column(OutboundMail::LinkHash)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(OneTimeTokens::Table)
                    .drop_column(OneTimeTokens::RetiredReason)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum OneTimeTokens {
    Table,
    RetiredReason,
}

#[derive(DeriveIden)]
enum OutboundMail {
    Table,
    LinkHash,
}
