//! The development identity provider's signing key.

use crate::{prelude::*, schema::*};

pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("dev_idp_key")
                    .col(big_pk_auto("id"))
                    .col(string_len("kid", 64))
                    .col(text("private_key_pkcs8"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("dev_idp_key").to_owned())
            .await
    }
}
