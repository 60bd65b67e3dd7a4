//! Point-of-sale transactions (purchases and their voids), unique per store, and the
//! e-mail library owner of a delivery.

use crate::{prelude::*, schema::*};

pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("delivery")
                    .add_column(string_len_null("owner_email", 254))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("store_transaction")
                    .col(big_pk_auto("id"))
                    .col(big_integer("store_id"))
                    .col(string_len("partner_transact_id", 64))
                    .col(string_len("kind", 16))
                    .col(string_len("request_hash", 64))
                    .col(string_len_uniq("vendor_transact_id", 32))
                    .col(big_integer_null("order_id"))
                    .col(big_integer_null("delivery_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_store_transaction_store")
                            .from("store_transaction", "store_id")
                            .to("store", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_store_transaction_partner")
                    .table("store_transaction")
                    .col("store_id")
                    .col("partner_transact_id")
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("store_transaction").to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("delivery")
                    .drop_column("owner_email")
                    .to_owned(),
            )
            .await
    }
}
