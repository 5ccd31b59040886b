use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The six permissions of natero-reference.md §5.2, in display order.
const PERMISSIONS: [(&str, &str, &str); 6] = [
    (
        "csm_seat",
        "Customer Success Manager Seat",
        "Can be assigned accounts; takes a paid CSM seat.",
    ),
    (
        "configure_users",
        "Configure Users",
        "Add, edit, deactivate and reactivate users; edit roles.",
    ),
    (
        "configure_data_connectors",
        "Configure Data Connectors",
        "IT Administration: API keys, OAuth, credentials, uploads.",
    ),
    (
        "update_accounts",
        "Update Accounts",
        "Edit accounts and run bulk account edits.",
    ),
    (
        "view_all_accounts",
        "View All Accounts",
        "See every account, not only assigned ones.",
    ),
    (
        "configure_product_settings",
        "Configure Product Settings",
        "Alert rules and other Management Center settings.",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organisations::Table)
                    .if_not_exists()
                    .col(pk_auto(Organisations::Id))
                    .col(string(Organisations::Name))
                    .col(big_integer(Organisations::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Permissions::Table)
                    .if_not_exists()
                    .col(string(Permissions::Key).primary_key())
                    .col(string(Permissions::Name))
                    .col(string(Permissions::Description))
                    .col(integer(Permissions::Position))
                    .to_owned(),
            )
            .await?;
        let mut insert = Query::insert()
            .into_table(Permissions::Table)
            .columns([
                Permissions::Key,
                Permissions::Name,
                Permissions::Description,
                Permissions::Position,
            ])
            .to_owned();
        for (position, (key, name, description)) in PERMISSIONS.iter().enumerate() {
            insert.values_panic([
                (*key).into(),
                (*name).into(),
                (*description).into(),
                (position as i32).into(),
            ]);
        }
        manager.exec_stmt(insert).await?;

        manager
            .create_table(
                Table::create()
                    .table(Roles::Table)
                    .if_not_exists()
                    .col(pk_auto(Roles::Id))
                    .col(integer(Roles::OrgId))
                    .col(string(Roles::Name))
                    .col(string(Roles::LandingPage))
                    .col(big_integer(Roles::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Roles::Table, Roles::OrgId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_roles_org_name")
                    .table(Roles::Table)
                    .col(Roles::OrgId)
                    .col(Roles::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RolePermissions::Table)
                    .if_not_exists()
                    .col(integer(RolePermissions::OrgId))
                    .col(integer(RolePermissions::RoleId))
                    .col(string(RolePermissions::PermissionKey))
                    .primary_key(
                        Index::create()
                            .col(RolePermissions::RoleId)
                            .col(RolePermissions::PermissionKey),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RolePermissions::Table, RolePermissions::RoleId)
                            .to(Roles::Table, Roles::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RolePermissions::Table, RolePermissions::PermissionKey)
                            .to(Permissions::Table, Permissions::Key),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RolePermissions::Table, RolePermissions::OrgId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RolePermissions::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Roles::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Permissions::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Organisations::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Organisations {
    Table,
    Id,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Permissions {
    Table,
    Key,
    Name,
    Description,
    Position,
}

#[derive(DeriveIden)]
pub enum Roles {
    Table,
    Id,
    OrgId,
    Name,
    LandingPage,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RolePermissions {
    Table,
    OrgId,
    RoleId,
    PermissionKey,
}
