//! `order_change`: on PostgreSQL, a row is added whenever a row an order's representation
//! shows changes (a delivery, a refund request, a refund, a voucher, a line), so that a kept
//! copy of the representation is served only while the order's newest change is the one it
//! was drawn after.
//!
//! SQLite raises `shop_order.revision` instead (m20261126_000016): its writers are
//! serialised. On PostgreSQL, raising a column of the order row from a child's trigger would
//! take the order's row lock after the child's, against the order other writers take them
//! in. Adding a row to a table of its own takes no lock another writer waits for, so the
//! triggers can never make two writers wait on each other. Superseded rows (all but the
//! newest of an order) are deleted by a worker; the newest is never deleted.

use crate::prelude::*;
use sea_orm::DbBackend;

pub struct Migration;

/// The tables whose rows an order's representation shows, by their `order_id`, and the
/// changes that matter (lines are written with their order, before anyone can read it).
const CHILDREN: [(&str, &str); 5] = [
    ("delivery", "INSERT OR UPDATE OR DELETE"),
    ("refund_request", "INSERT OR UPDATE OR DELETE"),
    ("refund", "INSERT OR UPDATE OR DELETE"),
    ("voucher", "INSERT OR UPDATE OR DELETE"),
    ("order_line", "UPDATE OR DELETE"),
];

const NOTE: &str = "CREATE FUNCTION note_order_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.order_id IS NOT NULL THEN
    INSERT INTO order_change (order_id) VALUES (OLD.order_id);
  END IF;
  IF TG_OP = 'INSERT' AND NEW.order_id IS NOT NULL
     OR TG_OP = 'UPDATE' AND NEW.order_id IS DISTINCT FROM OLD.order_id AND NEW.order_id IS NOT NULL THEN
    INSERT INTO order_change (order_id) VALUES (NEW.order_id);
  END IF;
  RETURN NULL;
END
$$";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE TABLE order_change (id BIGSERIAL PRIMARY KEY, order_id BIGINT NOT NULL)",
        )
        .await?;
        db.execute_unprepared("CREATE INDEX ix_order_change_order ON order_change (order_id, id)")
            .await?;
        db.execute_unprepared(NOTE).await?;
        for (table, events) in CHILDREN {
            db.execute_unprepared(&format!(
                "CREATE TRIGGER note_order_change_on_{table} AFTER {events} ON {table} \
                 FOR EACH ROW EXECUTE FUNCTION note_order_change()"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for (table, _) in CHILDREN {
            db.execute_unprepared(&format!(
                "DROP TRIGGER IF EXISTS note_order_change_on_{table} ON {table}"
            ))
            .await?;
        }
        db.execute_unprepared("DROP FUNCTION IF EXISTS note_order_change()")
            .await?;
        db.execute_unprepared("DROP TABLE IF EXISTS order_change").await?;
        Ok(())
    }
}
