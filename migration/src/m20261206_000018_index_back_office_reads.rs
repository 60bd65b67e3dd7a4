//! Indexes for what the back office reads: a merchant's vouchers, newest first, and the
//! payment notifications of an order, so that both take the same time with a million rows
//! in the database as with ten.

use crate::prelude::*;

pub struct Migration;

const INDEXES: [(&str, &str, &[&str]); 2] = [
    ("ix_voucher_merchant", "voucher", &["merchant_id", "id"]),
    ("ix_payment_order", "payment", &["order_id", "id"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, columns) in INDEXES {
            let mut index = Index::create();
            index.name(name).table(table).if_not_exists();
            for column in columns {
                index.col(*column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in INDEXES {
            manager
                .drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
