use sea_orm::entity::prelude::*;

/// Manage Credentials: one system's values for one organisation, sealed together (purpose
/// `credential:<system>`); `fingerprints` holds only what the page may show.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "credentials")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub org_id: i32,
    pub system: String,
    pub sealed_values: String,
    pub fingerprints: String,
    pub set_by: Option<i32>,
    pub set_by_label: String,
    pub set_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
