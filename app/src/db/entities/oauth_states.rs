use sea_orm::entity::prelude::*;

/// An authorization in flight: the `state` (hashed), bound to the session that started it,
/// single use; the PKCE verifier sealed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_states")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub org_id: i32,
    pub user_id: i32,
    pub session_hash: String,
    pub state_hash: String,
    pub sealed_verifier: String,
    pub environment: String,
    pub login_url: String,
    pub credential_source: String,
    pub created_at: i64,
    pub used_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
