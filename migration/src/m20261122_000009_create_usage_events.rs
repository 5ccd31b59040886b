use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000001_create_organisations_and_roles::Organisations;

/// Usage events from the Event API, and the per-account per-day rollups computed from them.
///
/// Events keep the external `account_id` / `user_id` strings (events may arrive before the
/// account does), with one index for "this account's events in a time range". Ingest adds
/// (org, account, day) to `usage_rollup_queue`; a leased job recomputes those days into
/// `usage_daily` and `usage_daily_features`, so rollups run once across instances.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(UsageEvents::Table)
                    .if_not_exists()
                    .col(big_pk_auto(UsageEvents::Id))
                    .col(integer(UsageEvents::OrgId))
                    .col(integer_null(UsageEvents::KeyId))
                    .col(text(UsageEvents::AccountId))
                    .col(text(UsageEvents::UserId))
                    // null when the client sent none: sessions are then estimated (30 minutes)
                    .col(text_null(UsageEvents::SessionId))
                    .col(text(UsageEvents::Action))
                    .col(big_integer(UsageEvents::CreatedAt))
                    .col(text_null(UsageEvents::Product))
                    .col(text_null(UsageEvents::Module))
                    .col(text_null(UsageEvents::Feature))
                    .col(double_null(UsageEvents::Total))
                    .col(double_null(UsageEvents::TimeSpent))
                    .col(double_null(UsageEvents::ActiveDuration))
                    // identify events: the `details` object as JSON text
                    .col(text_null(UsageEvents::Details))
                    .col(big_integer(UsageEvents::ReceivedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(UsageEvents::Table, UsageEvents::OrgId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_usage_events_account_time")
                    .table(UsageEvents::Table)
                    .col(UsageEvents::OrgId)
                    .col(UsageEvents::AccountId)
                    .col(UsageEvents::CreatedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(UsageRollupQueue::Table)
                    .if_not_exists()
                    .col(pk_auto(UsageRollupQueue::Id))
                    .col(integer(UsageRollupQueue::OrgId))
                    .col(text(UsageRollupQueue::AccountId))
                    .col(big_integer(UsageRollupQueue::Day))
                    .col(big_integer(UsageRollupQueue::QueuedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_usage_rollup_queue_day")
                    .table(UsageRollupQueue::Table)
                    .col(UsageRollupQueue::OrgId)
                    .col(UsageRollupQueue::AccountId)
                    .col(UsageRollupQueue::Day)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(UsageDaily::Table)
                    .if_not_exists()
                    .col(pk_auto(UsageDaily::Id))
                    .col(integer(UsageDaily::OrgId))
                    .col(text(UsageDaily::AccountId))
                    // the UTC day's first millisecond
                    .col(big_integer(UsageDaily::Day))
                    .col(integer(UsageDaily::ActiveUsers))
                    .col(integer(UsageDaily::Sessions))
                    .col(big_integer(UsageDaily::SessionMs))
                    .col(big_integer(UsageDaily::Events))
                    .col(big_integer(UsageDaily::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(UsageDaily::Table, UsageDaily::OrgId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_usage_daily_day")
                    .table(UsageDaily::Table)
                    .col(UsageDaily::OrgId)
                    .col(UsageDaily::AccountId)
                    .col(UsageDaily::Day)
                    .unique()
                    .to_owned(),
            )
            .await?;

        // Per feature (kind = feature: uses) and per module (kind = module: time in ms).
        manager
            .create_table(
                Table::create()
                    .table(UsageDailyFeatures::Table)
                    .if_not_exists()
                    .col(pk_auto(UsageDailyFeatures::Id))
                    .col(integer(UsageDailyFeatures::OrgId))
                    .col(text(UsageDailyFeatures::AccountId))
                    .col(big_integer(UsageDailyFeatures::Day))
                    .col(string(UsageDailyFeatures::Kind))
                    .col(text(UsageDailyFeatures::Module))
                    .col(text(UsageDailyFeatures::Feature))
                    .col(double(UsageDailyFeatures::Uses))
                    .col(double(UsageDailyFeatures::TimeMs))
                    .foreign_key(
                        ForeignKey::create()
                            .from(UsageDailyFeatures::Table, UsageDailyFeatures::OrgId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_usage_daily_features_key")
                    .table(UsageDailyFeatures::Table)
                    .col(UsageDailyFeatures::OrgId)
                    .col(UsageDailyFeatures::AccountId)
                    .col(UsageDailyFeatures::Day)
                    .col(UsageDailyFeatures::Kind)
                    .col(UsageDailyFeatures::Module)
                    .col(UsageDailyFeatures::Feature)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(UsageDailyFeatures::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(UsageDaily::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(UsageRollupQueue::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(UsageEvents::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum UsageEvents {
    Table,
    Id,
    OrgId,
    KeyId,
    AccountId,
    UserId,
    SessionId,
    Action,
    CreatedAt,
    Product,
    Module,
    Feature,
    Total,
    TimeSpent,
    ActiveDuration,
    Details,
    ReceivedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum UsageRollupQueue {
    Table,
    Id,
    OrgId,
    AccountId,
    Day,
    QueuedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum UsageDaily {
    Table,
    Id,
    OrgId,
    AccountId,
    Day,
    ActiveUsers,
    Sessions,
    SessionMs,
    Events,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum UsageDailyFeatures {
    Table,
    Id,
    OrgId,
    AccountId,
    Day,
    Kind,
    Module,
    Feature,
    Uses,
    TimeMs,
}
