//! Each event carries the HAL representation of its subject as it was committed: the
//! representation is written in the transaction that writes the event, just before it
//! commits. `rendered` is false only for an event whose representation is still to be
//! written, which no committed row ever is (a partial index keeps the lookup free).

use crate::{prelude::*, schema::*};

pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("outbox_event")
                    .add_column(text_null("representation"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("outbox_event")
                    .add_column(boolean("rendered").default(true))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_outbox_event_unrendered ON outbox_event (id) WHERE rendered = false",
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_outbox_event_unrendered")
                    .table("outbox_event")
                    .to_owned(),
            )
            .await?;
        for column in ["rendered", "representation"] {
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
