use sea_orm::entity::prelude::*;

/// One usage event from the Event API. `session_id` is null when the client sent none.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "usage_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i32,
    pub key_id: Option<i32>,
    pub account_id: String,
    pub user_id: String,
    pub session_id: Option<String>,
    pub action: String,
    pub created_at: i64,
    pub product: Option<String>,
    pub module: Option<String>,
    pub feature: Option<String>,
    pub total: Option<f64>,
    pub time_spent: Option<f64>,
    pub active_duration: Option<f64>,
    /// The `details` object of identify events, as JSON text.
    pub details: Option<String>,
    pub received_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
