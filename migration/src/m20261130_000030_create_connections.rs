use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000001_create_organisations_and_roles::Organisations;

/// Connections: Manage Credentials (one row per organisation and system, every value sealed
/// together; only fingerprints in clear), Manage OAuth (one connection per organisation and
/// provider, tokens sealed) and the single-use `state` of authorizations in flight.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Credentials::Table)
                    .if_not_exists()
                    .col(pk_auto(Credentials::Id))
                    .col(integer(Credentials::OrgId))
                    .col(string(Credentials::System))
                    .col(text(Credentials::SealedValues))
                    // JSON: field name → fingerprint shown on the page (last four characters).
                    .col(text(Credentials::Fingerprints))
                    .col(integer_null(Credentials::SetBy))
                    .col(string(Credentials::SetByLabel))
                    .col(big_integer(Credentials::SetAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Credentials::Table, Credentials::OrgId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_credentials_org_system")
                    .table(Credentials::Table)
                    .col(Credentials::OrgId)
                    .col(Credentials::System)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OauthConnections::Table)
                    .if_not_exists()
                    .col(pk_auto(OauthConnections::Id))
                    .col(integer(OauthConnections::OrgId))
                    .col(string(OauthConnections::Provider))
                    // production | sandbox | my_domain
                    .col(string(OauthConnections::Environment))
                    .col(string(OauthConnections::LoginUrl))
                    .col(string(OauthConnections::InstanceUrl))
                    .col(string(OauthConnections::IdentityUrl))
                    .col(string(OauthConnections::Username))
                    .col(string(OauthConnections::RemoteOrgId))
                    .col(string(OauthConnections::RemoteUserId))
                    .col(string(OauthConnections::Scopes))
                    .col(text(OauthConnections::SealedAccessToken))
                    .col(text_null(OauthConnections::SealedRefreshToken))
                    // Bumped by every token change: refreshes are conditional on it.
                    .col(integer(OauthConnections::TokenVersion))
                    // connected | needs_reauthorization | revoked
                    .col(string(OauthConnections::Status))
                    .col(string(OauthConnections::ConnectedByLabel))
                    .col(big_integer(OauthConnections::ConnectedAt))
                    .col(big_integer_null(OauthConnections::LastSuccessAt))
                    .col(big_integer_null(OauthConnections::ReauthNotifiedAt))
                    .col(string_null(OauthConnections::LastError))
                    // A refresh in progress holds this claim (ms); see app/src/connections.
                    .col(big_integer_null(OauthConnections::RefreshClaimedUntil))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OauthConnections::Table, OauthConnections::OrgId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_oauth_connections_org_provider")
                    .table(OauthConnections::Table)
                    .col(OauthConnections::OrgId)
                    .col(OauthConnections::Provider)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OauthStates::Table)
                    .if_not_exists()
                    .col(pk_auto(OauthStates::Id))
                    .col(integer(OauthStates::OrgId))
                    .col(integer(OauthStates::UserId))
                    // SHA-256 of the session token that started the authorization.
                    .col(string(OauthStates::SessionHash))
                    .col(string(OauthStates::StateHash))
                    .col(text(OauthStates::SealedVerifier))
                    .col(string(OauthStates::Environment))
                    .col(string(OauthStates::LoginUrl))
                    .col(string(OauthStates::CredentialSource))
                    .col(big_integer(OauthStates::CreatedAt))
                    .col(big_integer_null(OauthStates::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OauthStates::Table, OauthStates::OrgId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_oauth_states_state_hash")
                    .table(OauthStates::Table)
                    .col(OauthStates::StateHash)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            OauthStates::Table.into_iden(),
            OauthConnections::Table.into_iden(),
            Credentials::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Credentials {
    Table,
    Id,
    OrgId,
    System,
    SealedValues,
    Fingerprints,
    SetBy,
    SetByLabel,
    SetAt,
}

#[derive(DeriveIden)]
enum OauthConnections {
    Table,
    Id,
    OrgId,
    Provider,
    Environment,
    LoginUrl,
    InstanceUrl,
    IdentityUrl,
    Username,
    RemoteOrgId,
    RemoteUserId,
    Scopes,
    SealedAccessToken,
    SealedRefreshToken,
    TokenVersion,
    Status,
    ConnectedByLabel,
    ConnectedAt,
    LastSuccessAt,
    ReauthNotifiedAt,
    LastError,
    RefreshClaimedUntil,
}

#[derive(DeriveIden)]
enum OauthStates {
    Table,
    Id,
    OrgId,
    UserId,
    SessionHash,
    StateHash,
    SealedVerifier,
    Environment,
    LoginUrl,
    CredentialSource,
    CreatedAt,
    UsedAt,
}
