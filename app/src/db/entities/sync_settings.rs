use sea_orm::entity::prelude::*;

/// A connector's settings for an organisation: the Account field holding the CSM
/// (`csm_field_kind`: email | user_lookup), the daily run time (`daily_at` HH:MM in
/// `time_zone`) and the local day the schedule last fired.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_settings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub org_id: i32,
    pub source: String,
    pub csm_field: Option<String>,
    pub csm_field_kind: Option<String>,
    pub daily_at: String,
    pub time_zone: String,
    pub last_scheduled_day: Option<String>,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
