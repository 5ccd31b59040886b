use sea_orm::entity::prelude::*;

/// A product user (`/account_users`): one per (user_id, account_id).
/// Product users and contacts share one table shape; the fields one of them does not use
/// stay null.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account_users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub org_id: i32,
    /// `accounts.id` of the account this person belongs to.
    pub account_pk: i32,
    pub account_id: String,
    pub user_id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub mobile_phone: Option<String>,
    pub salutation: Option<String>,
    pub title: Option<String>,
    pub role: Option<String>,
    pub department: Option<String>,
    pub source: Option<String>,
    pub lead_source: Option<String>,
    pub mailing_street: Option<String>,
    pub mailing_city: Option<String>,
    pub mailing_state: Option<String>,
    pub mailing_postal_code: Option<String>,
    pub mailing_country: Option<String>,
    pub contact_user_id: Option<String>,
    pub product_join_date: Option<i64>,
    pub is_primary: Option<bool>,
    pub email_opt_out: Option<bool>,
    pub crm_account_user_id: Option<String>,
    pub is_active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
