use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000001_create_organisations_and_roles::Organisations;

/// BCC email (issue 15): each organisation's BCC addresses (the token stored as a SHA-256
/// hash for lookups and sealed under the secret key, purpose `bcc-token`, for display; one
/// active, retired ones kept so they are refused by name), and every message that arrived
/// through either door (SMTP listener, `POST /api/inbound-mail/{token}`): the raw bytes,
/// stored before the message is acknowledged, then what parsing and matching decided.
///
/// `state`: received (stored, not yet processed) | matched | unmatched | refused |
/// duplicate | assigned | discarded. `dedupe_key` (normalised Message-ID, or a hash of the
/// message) is set only on the first copy that passed the sender checks, and is unique per
/// organisation.
#[derive(DeriveMigrationName)]
pub struct Migration;

fn org_fk(table: impl IntoIden, column: impl IntoIden) -> ForeignKeyCreateStatement {
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
                    .table(InboundAddresses::Table)
                    .if_not_exists()
                    .col(pk_auto(InboundAddresses::Id))
                    .col(integer(InboundAddresses::OrgId))
                    .col(string(InboundAddresses::TokenHash))
                    .col(text(InboundAddresses::SealedToken))
                    // active | retired
                    .col(string(InboundAddresses::Status))
                    .col(big_integer(InboundAddresses::CreatedAt))
                    .col(big_integer_null(InboundAddresses::RetiredAt))
                    .foreign_key(&mut org_fk(
                        InboundAddresses::Table,
                        InboundAddresses::OrgId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_inbound_addresses_token")
                    .table(InboundAddresses::Table)
                    .col(InboundAddresses::TokenHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_inbound_addresses_org")
                    .table(InboundAddresses::Table)
                    .col(InboundAddresses::OrgId)
                    .col(InboundAddresses::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(InboundMessages::Table)
                    .if_not_exists()
                    .col(pk_auto(InboundMessages::Id))
                    .col(integer(InboundMessages::OrgId))
                    // smtp | http
                    .col(string(InboundMessages::Door))
                    .col(big_integer(InboundMessages::ReceivedAt))
                    .col(text_null(InboundMessages::EnvelopeFrom))
                    .col(text_null(InboundMessages::Peer))
                    .col(text_null(InboundMessages::Helo))
                    .col(blob(InboundMessages::Raw))
                    .col(big_integer(InboundMessages::Size))
                    .col(string(InboundMessages::State))
                    .col(text_null(InboundMessages::Reason))
                    .col(text_null(InboundMessages::MessageId))
                    .col(string_null(InboundMessages::DedupeKey))
                    .col(text_null(InboundMessages::FromAddress))
                    .col(text_null(InboundMessages::Subject))
                    .col(big_integer_null(InboundMessages::SentAt))
                    // JSON: To and Cc addresses; attachments (name, size); matched account ids.
                    .col(text_null(InboundMessages::Recipients))
                    .col(text_null(InboundMessages::Attachments))
                    .col(text_null(InboundMessages::Matched))
                    .col(big_integer_null(InboundMessages::ProcessedAt))
                    .col(text_null(InboundMessages::ResolvedBy))
                    .foreign_key(&mut org_fk(InboundMessages::Table, InboundMessages::OrgId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_inbound_messages_dedupe")
                    .table(InboundMessages::Table)
                    .col(InboundMessages::OrgId)
                    .col(InboundMessages::DedupeKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_inbound_messages_org_received")
                    .table(InboundMessages::Table)
                    .col(InboundMessages::OrgId)
                    .col(InboundMessages::ReceivedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_inbound_messages_state")
                    .table(InboundMessages::Table)
                    .col(InboundMessages::State)
                    .col(InboundMessages::ReceivedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(InboundMessages::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(InboundAddresses::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
pub enum InboundAddresses {
    Table,
    Id,
    OrgId,
    TokenHash,
    SealedToken,
    Status,
    CreatedAt,
    RetiredAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum InboundMessages {
    Table,
    Id,
    OrgId,
    Door,
    ReceivedAt,
    EnvelopeFrom,
    Peer,
    Helo,
    Raw,
    Size,
    State,
    Reason,
    MessageId,
    DedupeKey,
    FromAddress,
    Subject,
    SentAt,
    Recipients,
    Attachments,
    Matched,
    ProcessedAt,
    ResolvedBy,
}
