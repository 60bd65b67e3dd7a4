use sea_orm::entity::prelude::*;

/// One tax of a (country, region, product kind) over a period. `*` matches any region or
/// kind; `valid_to` is exclusive; dates are `YYYY-MM-DD`; `rate` is a decimal string.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tax_rate")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub country: String,
    pub region: String,
    pub kind: String,
    pub name: String,
    pub rate: String,
    pub valid_from: String,
    pub valid_to: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
