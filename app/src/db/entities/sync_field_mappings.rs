use sea_orm::entity::prelude::*;

/// One Steward field of an organisation's Salesforce mapping: the Salesforce field (or
/// relationship path) it is read from, and who owns the value (`salesforce_wins`,
/// `steward_wins`, `dont_sync`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_field_mappings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub org_id: i32,
    pub source: String,
    pub object: String,
    pub steward_field: String,
    pub remote_field: Option<String>,
    pub ownership: String,
    pub updated_by: Option<i32>,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
