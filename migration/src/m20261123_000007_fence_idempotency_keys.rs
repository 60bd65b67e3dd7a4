//! An idempotency key records its request's effect in the effect's own transaction: the
//! claim token that fences it, when the effect committed, and where its resource is read.
//! Responses stored with an order token are stripped of it: a token is never kept in clear.

use crate::{prelude::*, schema::*};

pub struct Migration;

const TABLE: &str = "idempotency_key";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            string_len("claim", 64).default("").to_owned(),
            timestamp_with_time_zone_null("committed_at").to_owned(),
            string_len_null("effect_path", 255).to_owned(),
            integer_null("effect_status").to_owned(),
        ];
        // One column per statement: SQLite alters a table one change at a time.
        for column in columns {
            manager
                .alter_table(Table::alter().table(TABLE).add_column(column).to_owned())
                .await?;
        }
        let stored_tokens = Query::update()
            .table(TABLE)
            .value("response_body", Option::<String>::None)
            .value("response_headers", Option::<String>::None)
            .and_where(Expr::col("response_headers").like("%order-token%"))
            .to_owned();
        manager.exec_stmt(stored_tokens).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["effect_status", "effect_path", "committed_at", "claim"] {
            manager
                .alter_table(Table::alter().table(TABLE).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
