use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000001_create_organisations_and_roles::Organisations;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OutboundMail::Table)
                    .if_not_exists()
                    .col(pk_auto(OutboundMail::Id))
                    .col(integer(OutboundMail::OrgId))
                    // invitation | password_reset | notice
                    .col(string(OutboundMail::Kind))
                    .col(string(OutboundMail::ToAddress))
                    .col(string(OutboundMail::Subject))
                    // Bodies carry one-time links: sealed with the secret key like other secrets.
                    .col(text(OutboundMail::SealedBody))
                    // queued | sent | failed | outbox (no relay configured)
                    .col(string(OutboundMail::Status))
                    .col(integer(OutboundMail::Attempts))
                    .col(big_integer(OutboundMail::NextAttemptAt))
                    .col(string_null(OutboundMail::LastError))
                    .col(big_integer(OutboundMail::CreatedAt))
                    .col(big_integer_null(OutboundMail::SentAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OutboundMail::Table, OutboundMail::OrgId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_outbound_mail_due")
                    .table(OutboundMail::Table)
                    .col(OutboundMail::Status)
                    .col(OutboundMail::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OutboundMail::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum OutboundMail {
    Table,
    Id,
    OrgId,
    Kind,
    ToAddress,
    Subject,
    SealedBody,
    Status,
    Attempts,
    NextAttemptAt,
    LastError,
    CreatedAt,
    SentAt,
}
