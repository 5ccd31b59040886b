use sea_orm::entity::prelude::*;

/// One connector run. `trigger`: manual | schedule | cli; `status`: running | succeeded |
/// failed; `error` is written for the admin (what happened and what to do); `log` is JSON,
/// the per-record notes `[{"object", "id", "note"}]`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_runs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub org_id: i32,
    pub source: String,
    pub trigger: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub status: String,
    pub records_read: i64,
    pub records_written: i64,
    pub records_skipped: i64,
    pub csm_assigned: i64,
    pub csm_skipped: i64,
    pub api_calls: i64,
    pub api_remaining: Option<i64>,
    pub error: Option<String>,
    pub log: String,
    /// JSON: `[{"object", "read", "written", "skipped"}]`.
    pub object_counts: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
