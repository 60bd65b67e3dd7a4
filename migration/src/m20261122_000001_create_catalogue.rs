//! Merchants, their stores, the product catalogue and the shared idempotency-key store.

use crate::{prelude::*, schema::*};

pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_merchant(manager).await?;
        create_store(manager).await?;
        create_product(manager).await?;
        create_idempotency_key(manager).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["idempotency_key", "product", "store", "merchant"] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

async fn create_merchant(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("merchant")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("uid", 32))
                .col(string("name"))
                .col(string_uniq("app_key"))
                .col(string("secret_hash"))
                .col(boolean("can_refund"))
                .col(string_len("sale_state", 8))
                .col(string("support_email"))
                .col(string("support_phone"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
    Ok(())
}

async fn create_store(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("store")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("uid", 32))
                .col(big_integer("merchant_id"))
                .col(string("name"))
                .col(string_len_uniq("san", 7))
                .col(string("token_hash"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_store_merchant")
                        .from("store", "merchant_id")
                        .to("merchant", "id"),
                )
                .to_owned(),
        )
        .await?;
    Ok(())
}

async fn create_product(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("product")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("uid", 32))
                .col(big_integer("merchant_id"))
                .col(string("sku"))
                .col(string_len("kind", 16))
                .col(string("title"))
                .col(string_len_null("isbn", 13))
                .col(string_len("format", 16))
                .col(string_len("protection", 16))
                .col(big_integer("price_minor"))
                .col(string_len("currency", 3))
                .col(boolean("price_includes_tax"))
                .col(boolean("available"))
                .col(integer("max_per_order"))
                .col(integer("refund_days"))
                .col(integer("usage_limit_percent"))
                .col(integer("version"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_product_merchant")
                        .from("product", "merchant_id")
                        .to("merchant", "id"),
                )
                .to_owned(),
        )
        .await?;

    manager
        .create_index(
            Index::create()
                .name("ux_product_merchant_sku")
                .table("product")
                .col("merchant_id")
                .col("sku")
                .unique()
                .to_owned(),
        )
        .await?;

    manager
        .create_index(
            Index::create()
                .name("ux_product_isbn_format")
                .table("product")
                .col("isbn")
                .col("format")
                .unique()
                .to_owned(),
        )
        .await?;
    Ok(())
}

async fn create_idempotency_key(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("idempotency_key")
                .col(big_pk_auto("id"))
                .col(string_len("scope", 64))
                .col(string_len("key", 255))
                .col(string_len("request_hash", 64))
                .col(integer_null("response_status"))
                .col(text_null("response_headers"))
                .col(text_null("response_body"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;

    manager
        .create_index(
            Index::create()
                .name("ux_idempotency_scope_key")
                .table("idempotency_key")
                .col("scope")
                .col("key")
                .unique()
                .to_owned(),
        )
        .await?;

    manager
        .create_index(
            Index::create()
                .name("ix_idempotency_created_at")
                .table("idempotency_key")
                .col("created_at")
                .to_owned(),
        )
        .await?;
    Ok(())
}
