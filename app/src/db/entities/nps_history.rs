use sea_orm::entity::prelude::*;

/// One NPS answer for an account, keyed by (account, date).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "nps_history")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub org_id: i32,
    pub account_pk: i32,
    pub nps_score: f64,
    pub date: i64,
    pub username: Option<String>,
    pub survey_name: Option<String>,
    pub comments: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
