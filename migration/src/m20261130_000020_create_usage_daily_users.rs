use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000001_create_organisations_and_roles::Organisations;

/// The distinct users of each account-day, kept by the usage rollup beside `usage_daily`,
/// so "distinct active users over 30 days" is counted from at most 30 days of rollup rows
/// instead of from the raw events. Days rolled up before this table existed are queued
/// again, so the job fills it.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(UsageDailyUsers::Table)
                    .if_not_exists()
                    .col(big_pk_auto(UsageDailyUsers::Id))
                    .col(integer(UsageDailyUsers::OrgId))
                    .col(text(UsageDailyUsers::AccountId))
                    .col(big_integer(UsageDailyUsers::Day))
                    .col(text(UsageDailyUsers::UserId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(UsageDailyUsers::Table, UsageDailyUsers::OrgId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Serves both the day's replacement and the period's count (index only).
        manager
            .create_index(
                Index::create()
                    .name("ux_usage_daily_users_key")
                    .table(UsageDailyUsers::Table)
                    .col(UsageDailyUsers::OrgId)
                    .col(UsageDailyUsers::AccountId)
                    .col(UsageDailyUsers::Day)
                    .col(UsageDailyUsers::UserId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // Recompute every day already rolled up, so its users are recorded too.
        let requeue = Query::insert()
            .into_table(UsageRollupQueue::Table)
            .columns([
                UsageRollupQueue::OrgId,
                UsageRollupQueue::AccountId,
                UsageRollupQueue::Day,
                UsageRollupQueue::QueuedAt,
            ])
            .select_from(
                Query::select()
                    .columns([UsageDaily::OrgId, UsageDaily::AccountId, UsageDaily::Day])
                    .expr(Expr::val(0i64))
                    .from(UsageDaily::Table)
                    // A WHERE keeps SQLite from reading ON CONFLICT as a join's ON.
                    .and_where(Expr::col(UsageDaily::Day).gte(0i64))
                    .to_owned(),
            )
            .map_err(|e| DbErr::Migration(e.to_string()))?
            .on_conflict(
                OnConflict::columns([
                    UsageRollupQueue::OrgId,
                    UsageRollupQueue::AccountId,
                    UsageRollupQueue::Day,
                ])
                .do_nothing()
                .to_owned(),
            )
            .to_owned();
        manager.exec_stmt(requeue).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(UsageDailyUsers::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum UsageDailyUsers {
    Table,
    Id,
    OrgId,
    AccountId,
    Day,
    UserId,
}

#[derive(DeriveIden, Clone, Copy)]
enum UsageDaily {
    Table,
    OrgId,
    AccountId,
    Day,
}

#[derive(DeriveIden, Clone, Copy)]
enum UsageRollupQueue {
    Table,
    OrgId,
    AccountId,
    Day,
    QueuedAt,
}
