use sea_orm::entity::prelude::*;

/// An interaction with a customer (email, call, meeting…). `interaction_id` is the API
/// client's id (null for entries made in the UI); `source`: api | ui | bcc | salesforce.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "interactions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub org_id: i32,
    pub account_pk: i32,
    pub interaction_id: Option<String>,
    pub date: i64,
    /// The interaction type (email, phone, in person, …).
    pub kind: String,
    pub contact_email: Option<String>,
    pub subject: Option<String>,
    pub description: String,
    pub source: String,
    pub added_by: Option<String>,
    pub added_by_user_id: Option<i32>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
