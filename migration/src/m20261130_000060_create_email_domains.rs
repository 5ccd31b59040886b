use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000001_create_organisations_and_roles::Organisations;

/// Email Configuration (issue 15): one sending domain per organisation with its default From
/// address, the DKIM key Steward signs with (a dated selector, the private key sealed under
/// the secret key with purpose `dkim-key`, the public key as published), the verification
/// status and the result of the last DNS check (JSON, per record).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EmailDomains::Table)
                    .if_not_exists()
                    .col(pk_auto(EmailDomains::Id))
                    .col(integer(EmailDomains::OrgId))
                    .col(string(EmailDomains::Domain))
                    .col(string(EmailDomains::FromAddress))
                    .col(string(EmailDomains::DkimSelector))
                    .col(text(EmailDomains::SealedPrivateKey))
                    // base64 SubjectPublicKeyInfo, the `p=` of the DKIM record.
                    .col(text(EmailDomains::PublicKey))
                    // pending | verified | failed
                    .col(string(EmailDomains::Status))
                    .col(big_integer_null(EmailDomains::VerifiedAt))
                    .col(big_integer_null(EmailDomains::LastCheckedAt))
                    // JSON: one entry per record (expected, found, outcome).
                    .col(text_null(EmailDomains::LastCheck))
                    .col(string(EmailDomains::SetByLabel))
                    .col(big_integer(EmailDomains::CreatedAt))
                    .col(big_integer(EmailDomains::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(EmailDomains::Table, EmailDomains::OrgId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_email_domains_org")
                    .table(EmailDomains::Table)
                    .col(EmailDomains::OrgId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(EmailDomains::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum EmailDomains {
    Table,
    Id,
    OrgId,
    Domain,
    FromAddress,
    DkimSelector,
    SealedPrivateKey,
    PublicKey,
    Status,
    VerifiedAt,
    LastCheckedAt,
    LastCheck,
    SetByLabel,
    CreatedAt,
    UpdatedAt,
}
