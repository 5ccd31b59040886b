use sea_orm::entity::prelude::*;

/// An API key. Only hashes of the key (and, for event keys, of the auth key) are stored.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_keys")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub org_id: i32,
    /// `account` or `event`.
    pub kind: String,
    pub name: String,
    pub key_prefix: String,
    pub last_four: String,
    pub secret_hash: String,
    pub auth_key_hash: Option<String>,
    pub created_by: Option<i32>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub expires_at: Option<i64>,
    pub replaced_by: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
