use sea_orm::entity::prelude::*;

/// One day's value of a custom metric of an account (`day` = the UTC day's first ms).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "custom_metrics")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub org_id: i32,
    pub account_pk: i32,
    pub name: String,
    pub day: i64,
    pub value: f64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
