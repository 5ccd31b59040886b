//! Tables that belong to the installation rather than to one organisation: sign-in
//! throttling (keyed before anyone is known to belong anywhere) and background job leases.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SignInThrottle::Table)
                    .if_not_exists()
                    .col(string(SignInThrottle::Key).primary_key())
                    .col(integer(SignInThrottle::Failures))
                    .col(big_integer(SignInThrottle::WindowStartedAt))
                    .col(big_integer(SignInThrottle::BlockedUntil))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(JobLeases::Table)
                    .if_not_exists()
                    .col(string(JobLeases::Name).primary_key())
                    .col(string(JobLeases::Holder))
                    .col(big_integer(JobLeases::LeaseUntil))
                    .col(big_integer(JobLeases::LastRunAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(JobLeases::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(SignInThrottle::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum SignInThrottle {
    Table,
    Key,
    Failures,
    WindowStartedAt,
    BlockedUntil,
}

#[derive(DeriveIden)]
enum JobLeases {
    Table,
    Name,
    Holder,
    LeaseUntil,
    LastRunAt,
}
