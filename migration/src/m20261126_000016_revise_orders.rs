//! `shop_order.revision`: raised whenever a row an order's representation shows changes (a
//! delivery, a refund request, a refund, a voucher, a line), so that a kept copy of the
//! representation is served only while the order row read with it is unchanged.
//!
//! The triggers are created on SQLite only. There writers are serialised, so raising the
//! order's revision from a child row never makes two writers wait on each other; on
//! PostgreSQL it would take the order's row lock after the child's, against the order in
//! which other writers take them, and halshop keeps no copies there.

use crate::{prelude::*, schema::*};
use sea_orm::DbBackend;

pub struct Migration;

/// The tables whose rows an order's representation shows, by their `order_id`, and whether
/// an insert changes a representation that may have been kept (lines are written with their
/// order, before anyone can read it).
const CHILDREN: [(&str, bool); 5] = [
    ("delivery", true),
    ("refund_request", true),
    ("refund", true),
    ("voucher", true),
    ("order_line", false),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("shop_order")
                    .add_column(big_integer("revision").default(0))
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        let db = manager.get_connection();
        for (table, on_insert) in CHILDREN {
            let raise =
                |ids: &str| format!("UPDATE shop_order SET revision = revision + 1 WHERE id IN ({ids});");
            let mut triggers = vec![
                ("update", "UPDATE", raise("OLD.order_id, NEW.order_id")),
                ("delete", "DELETE", raise("OLD.order_id")),
            ];
            if on_insert {
                triggers.push(("insert", "INSERT", raise("NEW.order_id")));
            }
            for (name, event, body) in triggers {
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER revise_order_on_{table}_{name} AFTER {event} ON {table} \
                     FOR EACH ROW BEGIN {body} END"
                ))
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Sqlite {
            for (table, _) in CHILDREN {
                for name in ["insert", "update", "delete"] {
                    manager
                        .get_connection()
                        .execute_unprepared(&format!("DROP TRIGGER IF EXISTS revise_order_on_{table}_{name}"))
                        .await?;
                }
            }
        }
        manager
            .alter_table(
                Table::alter()
                    .table("shop_order")
                    .drop_column("revision")
                    .to_owned(),
            )
            .await
    }
}
