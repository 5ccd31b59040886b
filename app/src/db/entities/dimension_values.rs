use sea_orm::entity::prelude::*;

/// The latest value of one custom dimension of an account, product user or contact.
/// `owner_type`: account | account_user | account_contact; `kind`: label | value | event
/// (text, number, epoch ms in `text_value`, `number_value`, `time_value`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "dimension_values")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub org_id: i32,
    pub owner_type: String,
    pub owner_id: i32,
    pub kind: String,
    pub key: String,
    pub text_value: Option<String>,
    pub number_value: Option<f64>,
    pub time_value: Option<i64>,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
