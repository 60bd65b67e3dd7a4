//! Payments received from the provider, deliveries issued by a sale, one-time download
//! links, and the outbox of events.

use crate::{prelude::*, schema::*};

pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_payment(manager).await?;
        create_delivery(manager).await?;
        create_download_link(manager).await?;
        create_outbox_event(manager).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["outbox_event", "download_link", "delivery", "payment"] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

async fn create_payment(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("payment")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("provider_reference", 128))
                .col(big_integer_null("order_id"))
                .col(string_len("order_uri", 2048))
                .col(string_len("status", 24))
                .col(string_len("outcome", 24))
                .col(big_integer("amount_minor"))
                .col(string_len("currency", 3))
                .col(string_len("request_hash", 64))
                .col(timestamp_with_time_zone("received_at"))
                .to_owned(),
        )
        .await?;
    Ok(())
}

async fn create_delivery(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("delivery")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("uid", 32))
                .col(big_integer("order_id"))
                .col(big_integer("order_line_id"))
                .col(big_integer("product_id"))
                .col(integer("unit"))
                .col(string_len_uniq("access_code", 16))
                .col(string_len("status", 16))
                .col(timestamp_with_time_zone_null("downloaded_at"))
                .col(integer("usage_percent"))
                .col(string_len_null("owner_sub", 128))
                .col(timestamp_with_time_zone_null("redeemed_at"))
                .col(timestamp_with_time_zone_null("voided_at"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_delivery_order")
                        .from("delivery", "order_id")
                        .to("shop_order", "id"),
                )
                .to_owned(),
        )
        .await?;

    manager
        .create_index(
            Index::create()
                .name("ux_delivery_line_unit")
                .table("delivery")
                .col("order_line_id")
                .col("unit")
                .unique()
                .to_owned(),
        )
        .await?;
    Ok(())
}

async fn create_download_link(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("download_link")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("token_hash", 64))
                .col(big_integer("delivery_id"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(timestamp_with_time_zone_null("used_at"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
    Ok(())
}

async fn create_outbox_event(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("outbox_event")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("uid", 32))
                .col(string_len("event_type", 64))
                .col(string_len("subject_uid", 32))
                .col(text("payload"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("published_at"))
                .to_owned(),
        )
        .await?;
    Ok(())
}
