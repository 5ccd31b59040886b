use sea_orm::entity::prelude::*;

/// One call to the Account, Event or Upload API (API Status). `path` has keys redacted;
/// `failures` is a JSON array of `{record, id, message}`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_calls")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub org_id: i32,
    /// account | event | upload
    pub api: String,
    pub method: String,
    pub path: String,
    pub endpoint: String,
    /// success | partial | failure
    pub status: String,
    pub http_status: i32,
    pub records_received: i32,
    pub records_failed: i32,
    pub duration_ms: i32,
    pub key_id: Option<i32>,
    pub key_name: Option<String>,
    pub message: Option<String>,
    pub failures: Option<String>,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
