use sea_orm::entity::prelude::*;

/// A CSM's assignment to an account. `source`: api | manual. A manual row wins over the
/// API; `is_assigned = false` with source manual records a manual unassignment, which the
/// API does not undo.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "csm_assignments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub org_id: i32,
    pub account_pk: i32,
    /// `users.id` of the CSM.
    pub user_id: i32,
    pub source: String,
    pub is_assigned: bool,
    /// Who made the last manual change (null for the API).
    pub changed_by: Option<i32>,
    pub changed_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
