//! Events with a capacity, places held by products and orders, tickets with a barcode and
//! a signed QR payload, their check-ins and revocations, the keys that sign them, and the
//! tokens of the door scanners of an event.
//!
//! A place is taken by the database alone: `held` only moves through conditional updates
//! (`held + n <= capacity`), and the event's CHECK constraint refuses any row that would
//! hold more places than it has.

use crate::{prelude::*, schema::*};

pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_events(manager).await?;
        add_columns(manager).await?;
        create_tickets(manager).await?;
        manager
            .create_table(
                Table::create()
                    .table("scanner")
                    .col(big_pk_auto("id"))
                    .col(string_len_uniq("uid", 32))
                    .col(big_integer("event_id"))
                    .col(string("name"))
                    .col(string_len_uniq("token_hash", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_scanner_event")
                            .from("scanner", "event_id")
                            .to("event", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("ticket_key")
                    .col(big_pk_auto("id"))
                    .col(string_len_uniq("kid", 64))
                    .col(string_len("seed", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["ticket_key", "scanner", "ticket_revocation", "ticket"] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("ix_order_expiry")
                    .table("shop_order")
                    .to_owned(),
            )
            .await?;
        let dropped = [
            ("shop_order", "expires_at"),
            ("merchant", "resell_refunded"),
            ("product", "held"),
            ("product", "capacity"),
            ("product", "event_id"),
        ];
        for (table, column) in dropped {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        manager.drop_table(Table::drop().table("event").to_owned()).await
    }
}

async fn create_events(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("event")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("uid", 32))
                .col(big_integer("merchant_id"))
                .col(string("title"))
                .col(string("venue"))
                .col(timestamp_with_time_zone("starts_at"))
                .col(timestamp_with_time_zone("ends_at"))
                .col(string_len("time_zone", 64))
                .col(integer("capacity"))
                .col(integer("held").default(0))
                .col(big_integer("revocations").default(0))
                .col(timestamp_with_time_zone_null("cancelled_at"))
                .col(integer("version"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .check(Expr::col("held").gte(0))
                .check(Expr::col("held").lte(Expr::col("capacity")))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_event_merchant")
                        .from("event", "merchant_id")
                        .to("merchant", "id"),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("ix_event_starts_at")
                .table("event")
                .col("starts_at")
                .to_owned(),
        )
        .await
}

async fn add_columns(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let added = [
        ("product", big_integer_null("event_id").to_owned()),
        ("product", integer_null("capacity").to_owned()),
        ("product", integer("held").default(0).to_owned()),
        ("merchant", boolean("resell_refunded").default(false).to_owned()),
        (
            "shop_order",
            timestamp_with_time_zone_null("expires_at").to_owned(),
        ),
    ];
    // One column per statement: SQLite alters a table one change at a time.
    for (table, column) in added {
        manager
            .alter_table(Table::alter().table(table).add_column(column).to_owned())
            .await?;
    }
    manager
        .create_index(
            Index::create()
                .name("ix_order_expiry")
                .table("shop_order")
                .col("status")
                .col("expires_at")
                .to_owned(),
        )
        .await
}

async fn create_tickets(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("ticket")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("uid", 32))
                .col(big_integer_uniq("delivery_id"))
                .col(big_integer("order_id"))
                .col(big_integer("product_id"))
                .col(big_integer_null("event_id"))
                .col(string_len_uniq("barcode", 32))
                .col(string("holder_name"))
                .col(timestamp_with_time_zone("valid_from"))
                .col(timestamp_with_time_zone_null("valid_until"))
                .col(text("qr"))
                .col(timestamp_with_time_zone_null("checked_in_at"))
                .col(timestamp_with_time_zone_null("voided_at"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_ticket_delivery")
                        .from("ticket", "delivery_id")
                        .to("delivery", "id"),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table("ticket_revocation")
                .col(big_pk_auto("id"))
                .col(big_integer_uniq("ticket_id"))
                .col(big_integer_null("event_id"))
                .col(big_integer("seq"))
                .col(timestamp_with_time_zone("revoked_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_revocation_ticket")
                        .from("ticket_revocation", "ticket_id")
                        .to("ticket", "id"),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("ux_revocation_event_seq")
                .table("ticket_revocation")
                .col("event_id")
                .col("seq")
                .unique()
                .to_owned(),
        )
        .await
}
