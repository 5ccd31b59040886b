use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000001_create_organisations_and_roles::Organisations;

/// The audit log: every change to users, roles, invitations, resets and 2FA, and sign-ins.
/// Actor and target are kept by id and by the label they had at the time, so an entry still
/// reads correctly after the user is renamed.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .if_not_exists()
                    .col(pk_auto(AuditEvents::Id))
                    .col(integer(AuditEvents::OrgId))
                    .col(big_integer(AuditEvents::OccurredAt))
                    .col(integer_null(AuditEvents::ActorUserId))
                    .col(string(AuditEvents::ActorLabel))
                    .col(string(AuditEvents::Action))
                    // user | role | invitation | mail
                    .col(string(AuditEvents::TargetType))
                    .col(integer_null(AuditEvents::TargetId))
                    .col(string(AuditEvents::TargetLabel))
                    // JSON objects of the fields that changed, before and after.
                    .col(text_null(AuditEvents::BeforeJson))
                    .col(text_null(AuditEvents::AfterJson))
                    .col(string_null(AuditEvents::ClientAddress))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AuditEvents::Table, AuditEvents::OrgId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("ix_audit_events_org_time", None),
            ("ix_audit_events_org_action_time", Some(AuditEvents::Action)),
            (
                "ix_audit_events_org_actor_time",
                Some(AuditEvents::ActorUserId),
            ),
            (
                "ix_audit_events_org_target_time",
                Some(AuditEvents::TargetId),
            ),
        ] {
            let mut index = Index::create();
            index
                .name(name)
                .table(AuditEvents::Table)
                .col(AuditEvents::OrgId);
            if let Some(column) = column {
                index.col(column);
            }
            index.col(AuditEvents::OccurredAt);
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditEvents::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum AuditEvents {
    Table,
    Id,
    OrgId,
    OccurredAt,
    ActorUserId,
    ActorLabel,
    Action,
    TargetType,
    TargetId,
    TargetLabel,
    BeforeJson,
    AfterJson,
    ClientAddress,
}
