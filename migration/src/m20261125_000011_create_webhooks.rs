//! Events out: the outbox's commit-order sequence and merchant, the merchants' webhook
//! endpoints, one delivery per (endpoint, event) and the log of its attempts.
//!
//! `outbox_event.seq` is assigned after commit, serialised, in id order (see
//! `domain::webhooks::sequencer`): ids from a sequence can commit out of order, a `seq`
//! cannot, so it is what the feed pages by and what the fan-out follows.

use crate::{prelude::*, schema::*};

pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [big_integer_null("seq"), big_integer_null("merchant_id")] {
            manager
                .alter_table(Table::alter().table("outbox_event").add_column(column).to_owned())
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("ux_outbox_event_seq")
                    .table("outbox_event")
                    .col("seq")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_outbox_event_merchant_seq")
                    .table("outbox_event")
                    .col("merchant_id")
                    .col("seq")
                    .to_owned(),
            )
            .await?;
        create_endpoints(manager).await?;
        create_deliveries(manager).await?;
        create_attempts(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["webhook_attempt", "webhook_delivery", "webhook_endpoint"] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        for index in ["ix_outbox_event_merchant_seq", "ux_outbox_event_seq"] {
            manager
                .drop_index(Index::drop().name(index).table("outbox_event").to_owned())
                .await?;
        }
        for column in ["merchant_id", "seq"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("outbox_event")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

async fn create_endpoints(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("webhook_endpoint")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("uid", 32))
                .col(big_integer("merchant_id"))
                .col(string_len("url", 2048))
                .col(string_len("description", 500))
                .col(text("event_types"))
                .col(boolean("enabled"))
                .col(string_len_null("disabled_reason", 500))
                .col(text("secret"))
                .col(text_null("previous_secret"))
                .col(timestamp_with_time_zone_null("previous_secret_until"))
                .col(timestamp_with_time_zone_null("failing_since"))
                .col(integer("version"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_webhook_endpoint_merchant")
                        .from("webhook_endpoint", "merchant_id")
                        .to("merchant", "id"),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("ix_webhook_endpoint_merchant")
                .table("webhook_endpoint")
                .col("merchant_id")
                .to_owned(),
        )
        .await
}

async fn create_deliveries(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("webhook_delivery")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("uid", 32))
                .col(big_integer("endpoint_id"))
                .col(big_integer("event_id"))
                .col(big_integer("event_seq"))
                .col(string_len("status", 16))
                .col(integer("attempts").default(0))
                .col(timestamp_with_time_zone_null("next_attempt_at"))
                .col(timestamp_with_time_zone("give_up_at"))
                .col(timestamp_with_time_zone_null("locked_until"))
                .col(string_len_null("lock_token", 32))
                .col(integer_null("last_status_code"))
                .col(big_integer_null("last_latency_ms"))
                .col(string_len_null("last_error", 500))
                .col(timestamp_with_time_zone_null("delivered_at"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_webhook_delivery_endpoint")
                        .from("webhook_delivery", "endpoint_id")
                        .to("webhook_endpoint", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_webhook_delivery_event")
                        .from("webhook_delivery", "event_id")
                        .to("outbox_event", "id"),
                )
                .to_owned(),
        )
        .await?;
    let indexes = [
        (
            "ux_webhook_delivery_endpoint_event",
            vec!["endpoint_id", "event_id"],
            true,
        ),
        (
            "ix_webhook_delivery_due",
            vec!["status", "next_attempt_at"],
            false,
        ),
        (
            "ix_webhook_delivery_endpoint_seq",
            vec!["endpoint_id", "status", "event_seq"],
            false,
        ),
        ("ix_webhook_delivery_event", vec!["event_id"], false),
    ];
    for (name, columns, unique) in indexes {
        let mut index = Index::create();
        index.name(name).table("webhook_delivery");
        for column in columns {
            index.col(column);
        }
        if unique {
            index.unique();
        }
        manager.create_index(index.to_owned()).await?;
    }
    Ok(())
}

async fn create_attempts(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("webhook_attempt")
                .col(big_pk_auto("id"))
                .col(big_integer("delivery_id"))
                .col(integer("number"))
                .col(timestamp_with_time_zone("attempted_at"))
                .col(integer_null("status_code"))
                .col(big_integer("latency_ms"))
                .col(string_len_null("error", 500))
                .col(timestamp_with_time_zone_null("next_attempt_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_webhook_attempt_delivery")
                        .from("webhook_attempt", "delivery_id")
                        .to("webhook_delivery", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("ix_webhook_attempt_delivery")
                .table("webhook_attempt")
                .col("delivery_id")
                .to_owned(),
        )
        .await
}
