//! Refund requests (at most one open per order, enforced by a unique index), refunds, and
//! the merchant's option to offer a change of order.

use crate::{prelude::*, schema::*};

pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("merchant")
                    .add_column(boolean("offers_change_order").default(false))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("refund_request")
                    .col(big_pk_auto("id"))
                    .col(string_len_uniq("uid", 32))
                    .col(big_integer("order_id"))
                    // The order id while the request is open (new or approved), NULL after:
                    // the unique index below allows one open request per order.
                    .col(big_integer_null("open_order_id"))
                    .col(string_len("status", 16))
                    .col(string_len("source", 24))
                    .col(string_len_null("refund_percentage", 4))
                    .col(string_len_null("change_order_percentage", 4))
                    .col(string_len_null("voucher_percentage", 4))
                    .col(string_len_null("donation_percentage", 4))
                    .col(text_null("bank_details"))
                    .col(boolean("keep_tickets"))
                    .col(text_null("reason"))
                    .col(text_null("decision_reason"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("decided_at"))
                    .col(timestamp_with_time_zone_null("processed_at"))
                    .col(integer("version"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_refund_request_order")
                            .from("refund_request", "order_id")
                            .to("shop_order", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_refund_request_open")
                    .table("refund_request")
                    .col("open_order_id")
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("refund")
                    .col(big_pk_auto("id"))
                    .col(string_len_uniq("uid", 32))
                    .col(big_integer("order_id"))
                    .col(big_integer("refund_request_id"))
                    .col(string_len("kind", 16))
                    .col(string_len("status", 16))
                    .col(big_integer("amount_minor"))
                    .col(string_len("currency", 3))
                    .col(big_integer_null("voucher_id"))
                    .col(text("by_tickets"))
                    .col(string_len("receipt", 80))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["refund", "refund_request"] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("merchant")
                    .drop_column("offers_change_order")
                    .to_owned(),
            )
            .await
    }
}
