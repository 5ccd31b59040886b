use sea_orm::entity::prelude::*;

/// A Salesforce CSM value a run could not apply yet (unknown email, no seat…), tried again
/// at every run. `value` is the field's JSON value.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_csm_pending")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub org_id: i32,
    pub account_id: String,
    pub sf_account_id: String,
    pub value: String,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
