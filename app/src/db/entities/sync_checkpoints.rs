use sea_orm::entity::prelude::*;

/// How far an object's incremental read has applied: the last `(SystemModstamp, Id)`.
/// `complete = false` while a read is under way (the next run resumes after it).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_checkpoints")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub org_id: i32,
    pub source: String,
    pub object: String,
    pub stamp_ms: Option<i64>,
    pub last_id: Option<String>,
    pub complete: bool,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
