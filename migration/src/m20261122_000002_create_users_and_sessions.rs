use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000001_create_organisations_and_roles::{Organisations, Roles};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .if_not_exists()
                    .col(pk_auto(Users::Id))
                    .col(integer(Users::OrgId))
                    .col(string(Users::Email))
                    .col(string(Users::Name))
                    .col(string_null(Users::Title))
                    .col(string_null(Users::Phone))
                    .col(integer(Users::RoleId))
                    // active | inactive | pending
                    .col(string(Users::Status))
                    // argon2id PHC string; null until the user finishes setup
                    .col(string_null(Users::PasswordHash))
                    // AES-GCM sealed TOTP seeds ("v1:<key id>:<nonce>:<ciphertext>")
                    .col(string_null(Users::TotpSecret))
                    .col(string_null(Users::TotpPendingSecret))
                    // last accepted TOTP time step: a code is accepted once only
                    .col(big_integer_null(Users::TotpLastStep))
                    .col(integer_null(Users::InvitedBy))
                    .col(big_integer(Users::CreatedAt))
                    .col(big_integer(Users::UpdatedAt))
                    .col(big_integer_null(Users::LastSignInAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Users::Table, Users::OrgId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Users::Table, Users::RoleId)
                            .to(Roles::Table, Roles::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_users_org_email")
                    .table(Users::Table)
                    .col(Users::OrgId)
                    .col(Users::Email)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_users_email")
                    .table(Users::Table)
                    .col(Users::Email)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RecoveryCodes::Table)
                    .if_not_exists()
                    .col(pk_auto(RecoveryCodes::Id))
                    .col(integer(RecoveryCodes::OrgId))
                    .col(integer(RecoveryCodes::UserId))
                    .col(string(RecoveryCodes::CodeHash))
                    .col(big_integer_null(RecoveryCodes::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RecoveryCodes::Table, RecoveryCodes::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_recovery_codes_user")
                    .table(RecoveryCodes::Table)
                    .col(RecoveryCodes::UserId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .if_not_exists()
                    .col(pk_auto(Sessions::Id))
                    .col(integer(Sessions::OrgId))
                    .col(integer(Sessions::UserId))
                    // SHA-256 of the cookie token; the token itself is never stored
                    .col(string_uniq(Sessions::TokenHash))
                    // "second_factor" after the password step, "complete" when signed in
                    .col(string(Sessions::Stage))
                    .col(big_integer(Sessions::CreatedAt))
                    .col(big_integer(Sessions::LastSeenAt))
                    .col(big_integer(Sessions::ExpiresAt))
                    .col(string_null(Sessions::ClientAddress))
                    .col(string_null(Sessions::UserAgent))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Sessions::Table, Sessions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OneTimeTokens::Table)
                    .if_not_exists()
                    .col(pk_auto(OneTimeTokens::Id))
                    // null only for the bootstrap link that creates the first organisation
                    .col(integer_null(OneTimeTokens::OrgId))
                    .col(integer_null(OneTimeTokens::UserId))
                    // bootstrap | invitation | password_reset
                    .col(string(OneTimeTokens::Purpose))
                    .col(string_uniq(OneTimeTokens::TokenHash))
                    .col(integer_null(OneTimeTokens::CreatedBy))
                    .col(big_integer(OneTimeTokens::CreatedAt))
                    .col(big_integer(OneTimeTokens::ExpiresAt))
                    .col(big_integer_null(OneTimeTokens::UsedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OneTimeTokens::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Sessions::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(RecoveryCodes::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Users::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    OrgId,
    Email,
    Name,
    Title,
    Phone,
    RoleId,
    Status,
    PasswordHash,
    TotpSecret,
    TotpPendingSecret,
    TotpLastStep,
    InvitedBy,
    CreatedAt,
    UpdatedAt,
    LastSignInAt,
}

#[derive(DeriveIden)]
enum RecoveryCodes {
    Table,
    Id,
    OrgId,
    UserId,
    CodeHash,
    UsedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    OrgId,
    UserId,
    TokenHash,
    Stage,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    ClientAddress,
    UserAgent,
}

#[derive(DeriveIden)]
enum OneTimeTokens {
    Table,
    Id,
    OrgId,
    UserId,
    Purpose,
    TokenHash,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}
