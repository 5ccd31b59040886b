use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000001_create_organisations_and_roles::Organisations;

/// Connector runs (issue 14): one row per run of a source for an organisation (trigger,
/// times, status, counts, the admin-facing error and a log of per-record notes), the
/// checkpoint each object's incremental read has reached, and the connector's settings
/// (the Account field holding the CSM, the daily time, and the day the schedule last fired,
/// which is how several instances agree to fire it once).
///
/// CSM values a run could not apply (an unknown email, no seat) wait in
/// `sync_csm_pending` and are tried again at every run, so granting the seat later is enough.
///
/// An index on `accounts (org_id, crm_account_id)`: the connector links Salesforce Accounts
/// to Steward's by it.
///
/// CSM provenance needs no new table: `csm_assignments` already records `source`
/// (`api`, `manual`, and now `salesforce`), `changed_by` and `changed_at`.
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
                    .table(SyncRuns::Table)
                    .if_not_exists()
                    .col(pk_auto(SyncRuns::Id))
                    .col(integer(SyncRuns::OrgId))
                    // salesforce
                    .col(string(SyncRuns::Source))
                    // manual | schedule | cli
                    .col(string(SyncRuns::Trigger))
                    .col(big_integer(SyncRuns::StartedAt))
                    .col(big_integer_null(SyncRuns::FinishedAt))
                    // running | succeeded | failed
                    .col(string(SyncRuns::Status))
                    .col(big_integer(SyncRuns::RecordsRead).default(0))
                    .col(big_integer(SyncRuns::RecordsWritten).default(0))
                    .col(big_integer(SyncRuns::RecordsSkipped).default(0))
                    .col(big_integer(SyncRuns::CsmAssigned).default(0))
                    .col(big_integer(SyncRuns::CsmSkipped).default(0))
                    .col(big_integer(SyncRuns::ApiCalls).default(0))
                    // The org's remaining daily API requests, from Sforce-Limit-Info.
                    .col(big_integer_null(SyncRuns::ApiRemaining))
                    // What the admin reads and what to do about it.
                    .col(text_null(SyncRuns::Error))
                    // JSON: [{"object", "id", "note"}, …], per-record notes (capped).
                    .col(text(SyncRuns::Log))
                    // JSON: [{"object", "read", "written", "skipped"}, …].
                    .col(text(SyncRuns::ObjectCounts))
                    .foreign_key(&mut org_fk(SyncRuns::Table, SyncRuns::OrgId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_sync_runs_org_source_started")
                    .table(SyncRuns::Table)
                    .col(SyncRuns::OrgId)
                    .col(SyncRuns::Source)
                    .col(SyncRuns::StartedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SyncCheckpoints::Table)
                    .if_not_exists()
                    .col(pk_auto(SyncCheckpoints::Id))
                    .col(integer(SyncCheckpoints::OrgId))
                    .col(string(SyncCheckpoints::Source))
                    // Account | Contact | User
                    .col(string(SyncCheckpoints::Object))
                    // SystemModstamp of the last applied record, epoch ms.
                    .col(big_integer_null(SyncCheckpoints::StampMs))
                    .col(string_null(SyncCheckpoints::LastId))
                    // False while a read is under way: the next run resumes strictly after
                    // the checkpoint instead of starting the lookback window.
                    .col(boolean(SyncCheckpoints::Complete).default(true))
                    .col(big_integer(SyncCheckpoints::UpdatedAt))
                    .foreign_key(&mut org_fk(SyncCheckpoints::Table, SyncCheckpoints::OrgId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_sync_checkpoints_org_source_object")
                    .table(SyncCheckpoints::Table)
                    .col(SyncCheckpoints::OrgId)
                    .col(SyncCheckpoints::Source)
                    .col(SyncCheckpoints::Object)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SyncSettings::Table)
                    .if_not_exists()
                    .col(pk_auto(SyncSettings::Id))
                    .col(integer(SyncSettings::OrgId))
                    .col(string(SyncSettings::Source))
                    // The Account field holding the CSM (e.g. CSM__c or CSM_User__c).
                    .col(string_null(SyncSettings::CsmField))
                    // email | user_lookup
                    .col(string_null(SyncSettings::CsmFieldKind))
                    // HH:MM in `time_zone`.
                    .col(string(SyncSettings::DailyAt).default("03:00"))
                    // UTC or a fixed offset such as +02:00.
                    .col(string(SyncSettings::TimeZone).default("UTC"))
                    // The local day (YYYY-MM-DD) the schedule last fired.
                    .col(string_null(SyncSettings::LastScheduledDay))
                    .col(big_integer(SyncSettings::UpdatedAt))
                    .foreign_key(&mut org_fk(SyncSettings::Table, SyncSettings::OrgId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_sync_settings_org_source")
                    .table(SyncSettings::Table)
                    .col(SyncSettings::OrgId)
                    .col(SyncSettings::Source)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SyncCsmPending::Table)
                    .if_not_exists()
                    .col(pk_auto(SyncCsmPending::Id))
                    .col(integer(SyncCsmPending::OrgId))
                    // Steward's account_id, and the Salesforce Account it came from.
                    .col(string(SyncCsmPending::AccountId))
                    .col(string(SyncCsmPending::SfAccountId))
                    // The CSM field's value as JSON (an email, or a User Id).
                    .col(text(SyncCsmPending::Value))
                    .col(big_integer(SyncCsmPending::UpdatedAt))
                    .foreign_key(&mut org_fk(SyncCsmPending::Table, SyncCsmPending::OrgId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_sync_csm_pending_org_account")
                    .table(SyncCsmPending::Table)
                    .col(SyncCsmPending::OrgId)
                    .col(SyncCsmPending::AccountId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // The connector links Salesforce Accounts to Steward's by crm_account_id.
        manager
            .create_index(
                Index::create()
                    .name("ix_accounts_org_crm_account_id")
                    .table(Accounts::Table)
                    .col(Accounts::OrgId)
                    .col(Accounts::CrmAccountId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_accounts_org_crm_account_id")
                    .table(Accounts::Table)
                    .to_owned(),
            )
            .await?;
        for table in [
            SyncCsmPending::Table.into_iden(),
            SyncSettings::Table.into_iden(),
            SyncCheckpoints::Table.into_iden(),
            SyncRuns::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum SyncRuns {
    Table,
    Id,
    OrgId,
    Source,
    Trigger,
    StartedAt,
    FinishedAt,
    Status,
    RecordsRead,
    RecordsWritten,
    RecordsSkipped,
    CsmAssigned,
    CsmSkipped,
    ApiCalls,
    ApiRemaining,
    Error,
    Log,
    ObjectCounts,
}

#[derive(DeriveIden, Clone, Copy)]
enum SyncCheckpoints {
    Table,
    Id,
    OrgId,
    Source,
    Object,
    StampMs,
    LastId,
    Complete,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum SyncSettings {
    Table,
    Id,
    OrgId,
    Source,
    CsmField,
    CsmFieldKind,
    DailyAt,
    TimeZone,
    LastScheduledDay,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Accounts {
    Table,
    OrgId,
    CrmAccountId,
}

#[derive(DeriveIden, Clone, Copy)]
enum SyncCsmPending {
    Table,
    Id,
    OrgId,
    AccountId,
    SfAccountId,
    Value,
    UpdatedAt,
}
