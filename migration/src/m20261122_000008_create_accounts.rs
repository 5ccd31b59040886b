use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000001_create_organisations_and_roles::Organisations;

/// Customer accounts and everything the Account API v2 writes about them: product users,
/// CRM contacts, custom dimensions (with a registry of their names), assigned CSMs (with
/// where each assignment came from), custom metrics, stage and NPS history, interactions.
///
/// External ids (`account_id`, `user_id`, …) are case-sensitive strings, as in Natero; the
/// children point at `accounts.id` (our key), so renaming nothing ever orphans a row.
/// Every table carries `org_id` so every query can be scoped to one organisation.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Accounts::Table)
                    .if_not_exists()
                    .col(pk_auto(Accounts::Id))
                    .col(integer(Accounts::OrgId))
                    .col(text(Accounts::AccountId))
                    .col(text(Accounts::Name))
                    .col(big_integer(Accounts::JoinDate))
                    .col(big_integer_null(Accounts::RenewalDate))
                    .col(text_null(Accounts::BillingAccountId))
                    .col(text_null(Accounts::SupportAccountId))
                    .col(text_null(Accounts::CrmAccountId))
                    .col(text_null(Accounts::BillingStreet))
                    .col(text_null(Accounts::BillingCity))
                    .col(text_null(Accounts::BillingPostalCode))
                    .col(text_null(Accounts::BillingState))
                    .col(text_null(Accounts::BillingCountry))
                    .col(text_null(Accounts::Phone))
                    .col(big_integer_null(Accounts::Employees))
                    .col(text_null(Accounts::Industry))
                    .col(text_null(Accounts::Tier))
                    .col(text_null(Accounts::Source))
                    .col(integer_null(Accounts::CsmScore))
                    .col(double_null(Accounts::CurrentNpsScore))
                    .col(double_null(Accounts::CurrentMrr))
                    .col(text_null(Accounts::SalesRepName))
                    .col(text_null(Accounts::SalesRepEmail))
                    .col(text_null(Accounts::CurrentStage))
                    .col(text_null(Accounts::Website))
                    .col(text_null(Accounts::Description))
                    .col(text_null(Accounts::State))
                    .col(text_null(Accounts::Region))
                    .col(boolean(Accounts::IsDeleted).default(false))
                    .col(boolean(Accounts::IsChurned).default(false))
                    .col(big_integer_null(Accounts::InactiveTime))
                    .col(text_null(Accounts::InactiveReason))
                    .col(text_null(Accounts::ParentAccountId))
                    .col(text_null(Accounts::HierarchyLabel))
                    .col(text_null(Accounts::LatestStatusTitle))
                    .col(text_null(Accounts::LatestStatusDetails))
                    .col(big_integer_null(Accounts::LatestStatusDate))
                    // JSON array of {name, url, description}.
                    .col(text_null(Accounts::Documents))
                    // false once deactivated (DELETE /accounts/{id}); reactivated by an upsert.
                    .col(boolean(Accounts::IsActive).default(true))
                    .col(big_integer(Accounts::CreatedAt))
                    .col(big_integer(Accounts::UpdatedAt))
                    .foreign_key(&mut org_fk(Accounts::Table, Accounts::OrgId))
                    .to_owned(),
            )
            .await?;
        unique(
            manager,
            "ux_accounts_org_account_id",
            Accounts::Table,
            &[Accounts::OrgId, Accounts::AccountId],
        )
        .await?;
        index(
            manager,
            "ix_accounts_org_name",
            Accounts::Table,
            &[Accounts::OrgId, Accounts::Name],
        )
        .await?;

        // Product users (`/account_users`) and CRM contacts (`/account_contacts`) share one
        // shape; a user belongs to exactly one account, keyed by (user_id, account_id).
        for people in [People::AccountUsers, People::AccountContacts] {
            manager
                .create_table(
                    Table::create()
                        .table(people)
                        .if_not_exists()
                        .col(pk_auto(People::Id))
                        .col(integer(People::OrgId))
                        .col(integer(People::AccountPk))
                        .col(text(People::AccountId))
                        .col(text(People::UserId))
                        .col(text_null(People::FirstName))
                        .col(text_null(People::LastName))
                        .col(text_null(People::Email))
                        .col(text_null(People::Phone))
                        .col(text_null(People::MobilePhone))
                        .col(text_null(People::Salutation))
                        .col(text_null(People::Title))
                        .col(text_null(People::Role))
                        .col(text_null(People::Department))
                        .col(text_null(People::Source))
                        .col(text_null(People::LeadSource))
                        .col(text_null(People::MailingStreet))
                        .col(text_null(People::MailingCity))
                        .col(text_null(People::MailingState))
                        .col(text_null(People::MailingPostalCode))
                        .col(text_null(People::MailingCountry))
                        // product users: link to a contact and the first day in the product
                        .col(text_null(People::ContactUserId))
                        .col(big_integer_null(People::ProductJoinDate))
                        // contacts: CRM-side fields
                        .col(boolean_null(People::IsPrimary))
                        .col(boolean_null(People::EmailOptOut))
                        .col(text_null(People::CrmAccountUserId))
                        .col(boolean(People::IsActive).default(true))
                        .col(big_integer(People::CreatedAt))
                        .col(big_integer(People::UpdatedAt))
                        .foreign_key(&mut org_fk(people, People::OrgId))
                        .foreign_key(&mut account_fk(people, People::AccountPk))
                        .to_owned(),
                )
                .await?;
        }
        unique(
            manager,
            "ux_account_users_key",
            People::AccountUsers,
            &[People::OrgId, People::UserId, People::AccountId],
        )
        .await?;
        index(
            manager,
            "ix_account_users_account",
            People::AccountUsers,
            &[People::AccountPk],
        )
        .await?;
        unique(
            manager,
            "ux_account_contacts_key",
            People::AccountContacts,
            &[People::OrgId, People::UserId, People::AccountId],
        )
        .await?;
        index(
            manager,
            "ix_account_contacts_account",
            People::AccountContacts,
            &[People::AccountPk],
        )
        .await?;
        index(
            manager,
            "ix_account_contacts_email",
            People::AccountContacts,
            &[People::OrgId, People::Email],
        )
        .await?;

        // Custom dimensions: only the latest value is kept (no history), one row per owner,
        // kind and key. owner_type: account | account_user | account_contact;
        // kind: label (text) | value (number) | event (epoch ms).
        manager
            .create_table(
                Table::create()
                    .table(DimensionValues::Table)
                    .if_not_exists()
                    .col(pk_auto(DimensionValues::Id))
                    .col(integer(DimensionValues::OrgId))
                    .col(string(DimensionValues::OwnerType))
                    .col(integer(DimensionValues::OwnerId))
                    .col(string(DimensionValues::Kind))
                    .col(text(DimensionValues::Key))
                    .col(text_null(DimensionValues::TextValue))
                    .col(double_null(DimensionValues::NumberValue))
                    .col(big_integer_null(DimensionValues::TimeValue))
                    .col(big_integer(DimensionValues::UpdatedAt))
                    .foreign_key(&mut org_fk(DimensionValues::Table, DimensionValues::OrgId))
                    .to_owned(),
            )
            .await?;
        unique(
            manager,
            "ux_dimension_values_owner_key",
            DimensionValues::Table,
            &[
                DimensionValues::OwnerType,
                DimensionValues::OwnerId,
                DimensionValues::Kind,
                DimensionValues::Key,
            ],
        )
        .await?;
        index(
            manager,
            "ix_dimension_values_org",
            DimensionValues::Table,
            &[DimensionValues::OrgId, DimensionValues::Kind],
        )
        .await?;

        // Dimension names are registered the first time the API sends them (Management
        // Center → Dimensions will describe them later).
        manager
            .create_table(
                Table::create()
                    .table(DimensionDefinitions::Table)
                    .if_not_exists()
                    .col(pk_auto(DimensionDefinitions::Id))
                    .col(integer(DimensionDefinitions::OrgId))
                    .col(string(DimensionDefinitions::OwnerType))
                    .col(string(DimensionDefinitions::Kind))
                    .col(text(DimensionDefinitions::Key))
                    .col(text_null(DimensionDefinitions::Description))
                    .col(big_integer(DimensionDefinitions::CreatedAt))
                    .foreign_key(&mut org_fk(
                        DimensionDefinitions::Table,
                        DimensionDefinitions::OrgId,
                    ))
                    .to_owned(),
            )
            .await?;
        unique(
            manager,
            "ux_dimension_definitions_key",
            DimensionDefinitions::Table,
            &[
                DimensionDefinitions::OrgId,
                DimensionDefinitions::OwnerType,
                DimensionDefinitions::Kind,
                DimensionDefinitions::Key,
            ],
        )
        .await?;

        // Assigned CSMs. source: api | manual. A manual row wins over the API: the API neither
        // removes a manual assignment nor re-adds a CSM someone unassigned by hand
        // (is_assigned = false keeps that decision).
        manager
            .create_table(
                Table::create()
                    .table(CsmAssignments::Table)
                    .if_not_exists()
                    .col(pk_auto(CsmAssignments::Id))
                    .col(integer(CsmAssignments::OrgId))
                    .col(integer(CsmAssignments::AccountPk))
                    .col(integer(CsmAssignments::UserId))
                    .col(string(CsmAssignments::Source))
                    .col(boolean(CsmAssignments::IsAssigned).default(true))
                    .col(integer_null(CsmAssignments::ChangedBy))
                    .col(big_integer(CsmAssignments::ChangedAt))
                    .foreign_key(&mut org_fk(CsmAssignments::Table, CsmAssignments::OrgId))
                    .foreign_key(&mut account_fk(
                        CsmAssignments::Table,
                        CsmAssignments::AccountPk,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CsmAssignments::Table, CsmAssignments::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CsmAssignments::Table, CsmAssignments::ChangedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        unique(
            manager,
            "ux_csm_assignments_account_user",
            CsmAssignments::Table,
            &[CsmAssignments::AccountPk, CsmAssignments::UserId],
        )
        .await?;
        index(
            manager,
            "ix_csm_assignments_user",
            CsmAssignments::Table,
            &[CsmAssignments::OrgId, CsmAssignments::UserId],
        )
        .await?;

        // Custom metrics: daily numeric time series, one value per account, name and day.
        manager
            .create_table(
                Table::create()
                    .table(CustomMetrics::Table)
                    .if_not_exists()
                    .col(pk_auto(CustomMetrics::Id))
                    .col(integer(CustomMetrics::OrgId))
                    .col(integer(CustomMetrics::AccountPk))
                    .col(text(CustomMetrics::Name))
                    // the UTC day's first millisecond
                    .col(big_integer(CustomMetrics::Day))
                    .col(double(CustomMetrics::Value))
                    .col(big_integer(CustomMetrics::UpdatedAt))
                    .foreign_key(&mut org_fk(CustomMetrics::Table, CustomMetrics::OrgId))
                    .foreign_key(&mut account_fk(
                        CustomMetrics::Table,
                        CustomMetrics::AccountPk,
                    ))
                    .to_owned(),
            )
            .await?;
        unique(
            manager,
            "ux_custom_metrics_point",
            CustomMetrics::Table,
            &[
                CustomMetrics::AccountPk,
                CustomMetrics::Name,
                CustomMetrics::Day,
            ],
        )
        .await?;
        index(
            manager,
            "ix_custom_metrics_org_name",
            CustomMetrics::Table,
            &[CustomMetrics::OrgId, CustomMetrics::Name],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(StageHistory::Table)
                    .if_not_exists()
                    .col(pk_auto(StageHistory::Id))
                    .col(integer(StageHistory::OrgId))
                    .col(integer(StageHistory::AccountPk))
                    .col(text(StageHistory::Name))
                    .col(big_integer(StageHistory::StartDate))
                    .col(big_integer_null(StageHistory::EndDate))
                    .foreign_key(&mut org_fk(StageHistory::Table, StageHistory::OrgId))
                    .foreign_key(&mut account_fk(
                        StageHistory::Table,
                        StageHistory::AccountPk,
                    ))
                    .to_owned(),
            )
            .await?;
        unique(
            manager,
            "ux_stage_history_entry",
            StageHistory::Table,
            &[
                StageHistory::AccountPk,
                StageHistory::Name,
                StageHistory::StartDate,
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(NpsHistory::Table)
                    .if_not_exists()
                    .col(pk_auto(NpsHistory::Id))
                    .col(integer(NpsHistory::OrgId))
                    .col(integer(NpsHistory::AccountPk))
                    .col(double(NpsHistory::NpsScore))
                    .col(big_integer(NpsHistory::Date))
                    .col(text_null(NpsHistory::Username))
                    .col(text_null(NpsHistory::SurveyName))
                    .col(text_null(NpsHistory::Comments))
                    .foreign_key(&mut org_fk(NpsHistory::Table, NpsHistory::OrgId))
                    .foreign_key(&mut account_fk(NpsHistory::Table, NpsHistory::AccountPk))
                    .to_owned(),
            )
            .await?;
        unique(
            manager,
            "ux_nps_history_entry",
            NpsHistory::Table,
            &[NpsHistory::AccountPk, NpsHistory::Date],
        )
        .await?;

        // Interactions: emails, calls, meetings. source: api | ui | bcc | salesforce …; only
        // interactions from the UI or a system with a write API are editable.
        manager
            .create_table(
                Table::create()
                    .table(Interactions::Table)
                    .if_not_exists()
                    .col(pk_auto(Interactions::Id))
                    .col(integer(Interactions::OrgId))
                    .col(integer(Interactions::AccountPk))
                    // the client's id for upserts (`interaction_id`); null for UI entries
                    .col(text_null(Interactions::InteractionId))
                    .col(big_integer(Interactions::Date))
                    .col(text(Interactions::Kind))
                    .col(text_null(Interactions::ContactEmail))
                    .col(text_null(Interactions::Subject))
                    .col(text(Interactions::Description))
                    .col(string(Interactions::Source))
                    .col(text_null(Interactions::AddedBy))
                    .col(integer_null(Interactions::AddedByUserId))
                    .col(big_integer(Interactions::CreatedAt))
                    .col(big_integer(Interactions::UpdatedAt))
                    .foreign_key(&mut org_fk(Interactions::Table, Interactions::OrgId))
                    .foreign_key(&mut account_fk(
                        Interactions::Table,
                        Interactions::AccountPk,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Interactions::Table, Interactions::AddedByUserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        unique(
            manager,
            "ux_interactions_external_id",
            Interactions::Table,
            &[Interactions::OrgId, Interactions::InteractionId],
        )
        .await?;
        index(
            manager,
            "ix_interactions_account_date",
            Interactions::Table,
            &[Interactions::AccountPk, Interactions::Date],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Interactions::Table.into_iden(),
            NpsHistory::Table.into_iden(),
            StageHistory::Table.into_iden(),
            CustomMetrics::Table.into_iden(),
            CsmAssignments::Table.into_iden(),
            DimensionDefinitions::Table.into_iden(),
            DimensionValues::Table.into_iden(),
            People::AccountContacts.into_iden(),
            People::AccountUsers.into_iden(),
            Accounts::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

fn org_fk(table: impl IntoIden, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Organisations::Table, Organisations::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn account_fk(table: impl IntoIden, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Accounts::Table, Accounts::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

async fn unique<T: IntoIden + Copy + 'static, C: IntoIden + Copy + 'static>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: T,
    columns: &[C],
) -> Result<(), DbErr> {
    let mut statement = Index::create().name(name).table(table).unique().to_owned();
    for column in columns {
        statement.col(*column);
    }
    manager.create_index(statement).await
}

async fn index<T: IntoIden + Copy + 'static, C: IntoIden + Copy + 'static>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: T,
    columns: &[C],
) -> Result<(), DbErr> {
    let mut statement = Index::create().name(name).table(table).to_owned();
    for column in columns {
        statement.col(*column);
    }
    manager.create_index(statement).await
}

#[derive(DeriveIden, Clone, Copy)]
pub enum Accounts {
    Table,
    Id,
    OrgId,
    AccountId,
    Name,
    JoinDate,
    RenewalDate,
    BillingAccountId,
    SupportAccountId,
    CrmAccountId,
    BillingStreet,
    BillingCity,
    BillingPostalCode,
    BillingState,
    BillingCountry,
    Phone,
    Employees,
    Industry,
    Tier,
    Source,
    CsmScore,
    CurrentNpsScore,
    CurrentMrr,
    SalesRepName,
    SalesRepEmail,
    CurrentStage,
    Website,
    Description,
    State,
    Region,
    IsDeleted,
    IsChurned,
    InactiveTime,
    InactiveReason,
    ParentAccountId,
    HierarchyLabel,
    LatestStatusTitle,
    LatestStatusDetails,
    LatestStatusDate,
    Documents,
    IsActive,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum People {
    AccountUsers,
    AccountContacts,
    Id,
    OrgId,
    AccountPk,
    AccountId,
    UserId,
    FirstName,
    LastName,
    Email,
    Phone,
    MobilePhone,
    Salutation,
    Title,
    Role,
    Department,
    Source,
    LeadSource,
    MailingStreet,
    MailingCity,
    MailingState,
    MailingPostalCode,
    MailingCountry,
    ContactUserId,
    ProductJoinDate,
    IsPrimary,
    EmailOptOut,
    CrmAccountUserId,
    IsActive,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum DimensionValues {
    Table,
    Id,
    OrgId,
    OwnerType,
    OwnerId,
    Kind,
    Key,
    TextValue,
    NumberValue,
    TimeValue,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum DimensionDefinitions {
    Table,
    Id,
    OrgId,
    OwnerType,
    Kind,
    Key,
    Description,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CsmAssignments {
    Table,
    Id,
    OrgId,
    AccountPk,
    UserId,
    Source,
    IsAssigned,
    ChangedBy,
    ChangedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CustomMetrics {
    Table,
    Id,
    OrgId,
    AccountPk,
    Name,
    Day,
    Value,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum StageHistory {
    Table,
    Id,
    OrgId,
    AccountPk,
    Name,
    StartDate,
    EndDate,
}

#[derive(DeriveIden, Clone, Copy)]
enum NpsHistory {
    Table,
    Id,
    OrgId,
    AccountPk,
    NpsScore,
    Date,
    Username,
    SurveyName,
    Comments,
}

#[derive(DeriveIden, Clone, Copy)]
enum Interactions {
    Table,
    Id,
    OrgId,
    AccountPk,
    InteractionId,
    Date,
    Kind,
    ContactEmail,
    Subject,
    Description,
    Source,
    AddedBy,
    AddedByUserId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Id,
}
