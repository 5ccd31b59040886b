use sea_orm::entity::prelude::*;

/// A customer account. `account_id` is the client's case-sensitive id; `id` is ours.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "accounts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub org_id: i32,
    pub account_id: String,
    pub name: String,
    pub join_date: i64,
    pub renewal_date: Option<i64>,
    pub billing_account_id: Option<String>,
    pub support_account_id: Option<String>,
    pub crm_account_id: Option<String>,
    pub billing_street: Option<String>,
    pub billing_city: Option<String>,
    pub billing_postal_code: Option<String>,
    pub billing_state: Option<String>,
    pub billing_country: Option<String>,
    pub phone: Option<String>,
    pub employees: Option<i64>,
    pub industry: Option<String>,
    pub tier: Option<String>,
    pub source: Option<String>,
    pub csm_score: Option<i32>,
    pub current_nps_score: Option<f64>,
    pub current_mrr: Option<f64>,
    pub sales_rep_name: Option<String>,
    pub sales_rep_email: Option<String>,
    pub current_stage: Option<String>,
    pub website: Option<String>,
    pub description: Option<String>,
    pub state: Option<String>,
    pub region: Option<String>,
    pub is_deleted: bool,
    pub is_churned: bool,
    pub inactive_time: Option<i64>,
    pub inactive_reason: Option<String>,
    pub parent_account_id: Option<String>,
    pub hierarchy_label: Option<String>,
    pub latest_status_title: Option<String>,
    pub latest_status_details: Option<String>,
    pub latest_status_date: Option<i64>,
    /// JSON array of `{name, url, description}`.
    pub documents: Option<String>,
    pub is_active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
