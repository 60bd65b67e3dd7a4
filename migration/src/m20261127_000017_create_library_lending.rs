//! Library lending: the licence offers a merchant attaches to an ebook, the libraries that
//! buy them, each licence bought (one per copy), the loans made on them, their one-time
//! download links, and the holds queue of patrons waiting for a copy.
//!
//! The licence terms are kept by the database itself: a CHECK keeps the loans running plus
//! the copies set aside for a hold within `max_concurrent_loans`, and the loans made within
//! `max_total_loans`, so no interleaving of writers, on one instance or several, can lend a
//! copy twice. A patron has at most one open hold and one running loan per title (partial
//! unique indexes).

use crate::{prelude::*, schema::*};

pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_libraries(manager).await?;
        create_offers(manager).await?;
        for (table, column) in [("shop_order", "library_id"), ("order_line", "library_offer_id")] {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(big_integer_null(column))
                        .to_owned(),
                )
                .await?;
        }
        create_licences(manager).await?;
        create_loans(manager).await?;
        create_holds(manager).await?;
        let db = manager.get_connection();
        for sql in [
            "CREATE UNIQUE INDEX ux_loan_running ON loan (library_id, product_id, patron_id) WHERE status = 'active'",
            "CREATE UNIQUE INDEX ux_library_hold_open ON library_hold (library_id, product_id, patron_id) \
             WHERE status IN ('waiting', 'ready')",
            "CREATE INDEX ix_loan_due ON loan (due_at) WHERE status = 'active'",
            "CREATE INDEX ix_library_hold_queue ON library_hold (library_id, product_id, id) \
             WHERE status IN ('waiting', 'ready')",
        ] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["library_hold", "loan_link", "loan", "licence"] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        for (table, column) in [("shop_order", "library_id"), ("order_line", "library_offer_id")] {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        for table in ["library_offer", "library"] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

fn fk(name: &str, from: (&'static str, &'static str), to: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to, "id")
        .to_owned()
}

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: &'static str,
    cols: &[&'static str],
) -> Result<(), DbErr> {
    let mut index = Index::create().name(name).table(table).to_owned();
    for col in cols {
        index.col(*col);
    }
    manager.create_index(index).await
}

async fn create_libraries(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("library")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("uid", 32))
                .col(big_integer("merchant_id"))
                .col(string_len("name", 200))
                .col(string_len_uniq("api_key", 64))
                .col(string_len("secret_hash", 128))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(
                    "fk_library_merchant",
                    ("library", "merchant_id"),
                    "merchant",
                ))
                .to_owned(),
        )
        .await
}

async fn create_offers(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("library_offer")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("uid", 32))
                .col(big_integer("merchant_id"))
                .col(big_integer("product_id"))
                .col(big_integer("price_minor"))
                .col(string_len("currency", 3))
                .col(integer("max_concurrent_loans"))
                .col(integer_null("max_total_loans"))
                .col(integer_null("valid_months"))
                .col(integer("max_loan_days"))
                .col(timestamp_with_time_zone("created_at"))
                .check(Expr::cust("max_concurrent_loans >= 1 AND max_loan_days >= 1"))
                .foreign_key(&mut fk(
                    "fk_library_offer_product",
                    ("library_offer", "product_id"),
                    "product",
                ))
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "ix_library_offer_product",
        "library_offer",
        &["product_id"],
    )
    .await
}

async fn create_licences(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("licence")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("uid", 32))
                .col(big_integer("library_id"))
                .col(big_integer("merchant_id"))
                .col(big_integer("product_id"))
                .col(big_integer("offer_id"))
                .col(big_integer("order_id"))
                .col(big_integer("order_line_id"))
                .col(integer("unit"))
                .col(big_integer("price_minor"))
                .col(string_len("currency", 3))
                .col(integer("max_concurrent_loans"))
                .col(integer_null("max_total_loans"))
                .col(integer_null("valid_months"))
                .col(integer("max_loan_days"))
                .col(integer("loans_used").default(0))
                .col(integer("active_loans").default(0))
                .col(integer("held_copies").default(0))
                .col(timestamp_with_time_zone_null("expires_at"))
                .col(timestamp_with_time_zone("created_at"))
                .check(Expr::cust(
                    "active_loans >= 0 AND held_copies >= 0 \
                     AND active_loans + held_copies <= max_concurrent_loans \
                     AND (max_total_loans IS NULL OR loans_used + held_copies <= max_total_loans)",
                ))
                .foreign_key(&mut fk(
                    "fk_licence_library",
                    ("licence", "library_id"),
                    "library",
                ))
                .foreign_key(&mut fk(
                    "fk_licence_order_line",
                    ("licence", "order_line_id"),
                    "order_line",
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("ux_licence_order_line_unit")
                .table("licence")
                .col("order_line_id")
                .col("unit")
                .unique()
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "ix_licence_library_product",
        "licence",
        &["library_id", "product_id"],
    )
    .await
}

async fn create_loans(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("loan")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("uid", 32))
                .col(big_integer("library_id"))
                .col(big_integer("merchant_id"))
                .col(big_integer("licence_id"))
                .col(big_integer("product_id"))
                .col(string_len("patron_id", 100))
                .col(string_len("status", 16))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("due_at"))
                .col(timestamp_with_time_zone_null("ended_at"))
                .col(timestamp_with_time_zone_null("downloaded_at"))
                .foreign_key(&mut fk("fk_loan_licence", ("loan", "licence_id"), "licence"))
                .to_owned(),
        )
        .await?;
    index(manager, "ix_loan_library", "loan", &["library_id", "id"]).await?;
    index(manager, "ix_loan_licence", "loan", &["licence_id"]).await?;
    manager
        .create_table(
            Table::create()
                .table("loan_link")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("token_hash", 64))
                .col(big_integer("loan_id"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(timestamp_with_time_zone_null("used_at"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("fk_loan_link_loan", ("loan_link", "loan_id"), "loan"))
                .to_owned(),
        )
        .await
}

async fn create_holds(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("library_hold")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("uid", 32))
                .col(big_integer("library_id"))
                .col(big_integer("merchant_id"))
                .col(big_integer("product_id"))
                .col(string_len("patron_id", 100))
                .col(string_len("status", 16))
                .col(big_integer_null("licence_id"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("ready_at"))
                .col(timestamp_with_time_zone_null("offer_expires_at"))
                .col(timestamp_with_time_zone_null("closed_at"))
                .foreign_key(&mut fk(
                    "fk_library_hold_library",
                    ("library_hold", "library_id"),
                    "library",
                ))
                .to_owned(),
        )
        .await
}
