use sea_orm::entity::prelude::*;

/// Manage OAuth: an organisation's connection to a provider. Tokens are sealed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_connections")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub org_id: i32,
    pub provider: String,
    pub environment: String,
    pub login_url: String,
    pub instance_url: String,
    pub identity_url: String,
    pub username: String,
    pub remote_org_id: String,
    pub remote_user_id: String,
    pub scopes: String,
    pub sealed_access_token: String,
    pub sealed_refresh_token: Option<String>,
    pub token_version: i32,
    pub status: String,
    pub connected_by_label: String,
    pub connected_at: i64,
    pub last_success_at: Option<i64>,
    pub reauth_notified_at: Option<i64>,
    pub last_error: Option<String>,
    pub refresh_claimed_until: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
