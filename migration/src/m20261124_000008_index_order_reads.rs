//! Indexes for the reads of an order and of a customer's order list, so that they take
//! the same time with a thousand orders in the database as with a million: a customer's
//! orders by `customer_sub`, and the deliveries, refund requests and vouchers of an order.

use crate::prelude::*;

pub struct Migration;

const INDEXES: [(&str, &str, &[&str]); 4] = [
    ("ix_order_customer_sub", "shop_order", &["customer_sub", "id"]),
    ("ix_delivery_order", "delivery", &["order_id", "id"]),
    ("ix_refund_request_order", "refund_request", &["order_id", "id"]),
    ("ix_voucher_order", "voucher", &["order_id"]),
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
