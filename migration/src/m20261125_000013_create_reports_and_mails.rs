//! The merchant's time zone (the days of its sales reports), the closed days whose
//! `sales_summary.daily` event was written (unique per merchant and day: the database
//! decides which instance writes it), and the mails sent from the outbox (unique per
//! event and kind, claimed with a lease).

use crate::{prelude::*, schema::*};

pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("merchant")
                    .add_column(string_len("time_zone", 64).default("UTC"))
                    .to_owned(),
            )
            .await?;
        create_summaries(manager).await?;
        create_mails(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["mail", "daily_sales_summary"] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("merchant")
                    .drop_column("time_zone")
                    .to_owned(),
            )
            .await
    }
}

async fn create_summaries(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("daily_sales_summary")
                .col(big_pk_auto("id"))
                .col(big_integer("merchant_id"))
                // The merchant's local day, `YYYY-MM-DD`.
                .col(string_len("day", 10))
                .col(string_len("time_zone", 64))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_daily_sales_summary_merchant")
                        .from("daily_sales_summary", "merchant_id")
                        .to("merchant", "id"),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("ux_daily_sales_summary_merchant_day")
                .table("daily_sales_summary")
                .col("merchant_id")
                .col("day")
                .unique()
                .to_owned(),
        )
        .await
}

async fn create_mails(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("mail")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("uid", 32))
                .col(string_len("event_uid", 32))
                .col(string_len("kind", 32))
                .col(string_len("status", 16))
                .col(string("recipient"))
                .col(string("reply_to"))
                .col(string("subject"))
                .col(text("text_body"))
                .col(text("html_body"))
                .col(integer("attempts").default(0))
                .col(timestamp_with_time_zone("next_attempt_at"))
                .col(timestamp_with_time_zone_null("locked_until"))
                .col(text_null("last_error"))
                .col(timestamp_with_time_zone_null("sent_at"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
    for (name, columns, unique) in [
        ("ux_mail_event_kind", &["event_uid", "kind"][..], true),
        ("ix_mail_due", &["status", "next_attempt_at"][..], false),
    ] {
        let mut index = Index::create();
        index.name(name).table("mail");
        for column in columns {
            index.col(*column);
        }
        if unique {
            index.unique();
        }
        manager.create_index(index.to_owned()).await?;
    }
    Ok(())
}
