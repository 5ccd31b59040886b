use sea_orm::entity::prelude::*;

/// One account's usage on one UTC day (`day` = the day's first ms).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "usage_daily")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub org_id: i32,
    pub account_id: String,
    pub day: i64,
    pub active_users: i32,
    pub sessions: i32,
    pub session_ms: i64,
    pub events: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
