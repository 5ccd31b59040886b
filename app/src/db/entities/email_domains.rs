use sea_orm::entity::prelude::*;

/// Email Configuration: an organisation's sending domain, default From and DKIM key (the
/// private key sealed, purpose `dkim-key`; never sent to the browser), with its status.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "email_domains")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub org_id: i32,
    pub domain: String,
    pub from_address: String,
    pub dkim_selector: String,
    pub sealed_private_key: String,
    pub public_key: String,
    pub status: String,
    pub verified_at: Option<i64>,
    pub last_checked_at: Option<i64>,
    pub last_check: Option<String>,
    pub set_by_label: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
