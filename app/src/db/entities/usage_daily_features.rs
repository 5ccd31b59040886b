use sea_orm::entity::prelude::*;

/// One account's use of a feature (`kind` = feature: `uses`) or time in a module
/// (`kind` = module: `time_ms`, `feature` empty) on one UTC day.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "usage_daily_features")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub org_id: i32,
    pub account_id: String,
    pub day: i64,
    pub kind: String,
    pub module: String,
    pub feature: String,
    pub uses: f64,
    pub time_ms: f64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
