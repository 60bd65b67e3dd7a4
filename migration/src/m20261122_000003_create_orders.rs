//! Orders and their lines, vouchers, the effective-dated tax table (seeded) and server
//! secrets.

use crate::{prelude::*, schema::*};

pub struct Migration;

/// (country, region, kind, name, rate, valid_from, valid_to). `*` matches any region/kind.
type TaxRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
);

const TAX_RATES: &[TaxRow] = &[
    ("CA", "QC", "*", "GST", "0.05", "2008-01-01", None),
    ("CA", "QC", "*", "QST", "0.09975", "2013-01-01", None),
    ("CA", "ON", "*", "HST", "0.13", "2010-07-01", None),
    ("CA", "NB", "*", "HST", "0.15", "2016-07-01", None),
    ("CA", "NL", "*", "HST", "0.15", "2016-07-01", None),
    ("CA", "PE", "*", "HST", "0.15", "2016-10-01", None),
    ("CA", "NS", "*", "HST", "0.15", "2010-07-01", Some("2025-04-01")),
    ("CA", "NS", "*", "HST", "0.14", "2025-04-01", None),
    ("CA", "AB", "*", "GST", "0.05", "2008-01-01", None),
    ("CA", "BC", "*", "GST", "0.05", "2013-04-01", None),
    ("CA", "MB", "*", "GST", "0.05", "2008-01-01", None),
    ("CA", "SK", "*", "GST", "0.05", "2008-01-01", None),
    ("CA", "NT", "*", "GST", "0.05", "2008-01-01", None),
    ("CA", "NU", "*", "GST", "0.05", "2008-01-01", None),
    ("CA", "YT", "*", "GST", "0.05", "2008-01-01", None),
    (
        "FR",
        "*",
        "ebook",
        "TVA",
        "0.07",
        "2012-01-01",
        Some("2013-01-01"),
    ),
    ("FR", "*", "ebook", "TVA", "0.055", "2013-01-01", None),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_shop_order(manager).await?;
        create_order_line(manager).await?;
        create_voucher(manager).await?;
        create_tax_rate(manager).await?;
        create_server_secret(manager).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["server_secret", "tax_rate", "voucher", "order_line", "shop_order"] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

async fn create_shop_order(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("shop_order")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("uid", 32))
                .col(string_len_uniq("reference", 16))
                .col(big_integer("merchant_id"))
                .col(string_len("status", 24))
                .col(string_len("channel", 16))
                .col(string_len("token_hash", 64))
                .col(string_len_uniq("transaction_id", 64))
                .col(string_len("customer_id", 128))
                .col(string_len_null("customer_sub", 128))
                .col(string_len("email", 254))
                .col(string_len("first_name", 100))
                .col(string_len("last_name", 100))
                .col(string_len("country", 2))
                .col(string_len_null("region", 3))
                .col(string_len_null("external_reference", 100))
                .col(string_len("currency", 3))
                .col(big_integer("product_total_minor"))
                .col(big_integer("tax_total_minor"))
                .col(big_integer("voucher_total_minor"))
                .col(big_integer("grand_total_minor"))
                .col(big_integer("refunded_total_minor"))
                .col(text("taxes"))
                .col(string_len("sale_state", 8))
                .col(text_null("redirect_url"))
                .col(text_null("cancel_reason"))
                .col(timestamp_with_time_zone_null("cancelled_at"))
                .col(timestamp_with_time_zone_null("paid_at"))
                .col(timestamp_with_time_zone_null("completed_at"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(integer("version"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_order_merchant")
                        .from("shop_order", "merchant_id")
                        .to("merchant", "id"),
                )
                .to_owned(),
        )
        .await?;

    for (name, columns) in [
        ("ix_order_customer", &["customer_id", "id"][..]),
        ("ix_order_merchant", &["merchant_id", "id"][..]),
        ("ix_order_created", &["created_at"][..]),
    ] {
        let mut index = Index::create();
        index.name(name).table("shop_order");
        for column in columns {
            index.col(*column);
        }
        manager.create_index(index.to_owned()).await?;
    }
    Ok(())
}

async fn create_order_line(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("order_line")
                .col(big_pk_auto("id"))
                .col(big_integer("order_id"))
                .col(integer("position"))
                .col(big_integer("product_id"))
                .col(string_len("product_uid", 32))
                .col(string("sku"))
                .col(string("title"))
                .col(string_len("kind", 16))
                .col(string_len_null("isbn", 13))
                .col(string_len("format", 16))
                .col(string_len("protection", 16))
                .col(big_integer("unit_price_minor"))
                .col(boolean("price_includes_tax"))
                .col(integer("quantity"))
                .col(big_integer("net_minor"))
                .col(big_integer("tax_minor"))
                .col(big_integer("total_minor"))
                .col(text("taxes"))
                .col(integer("refund_days"))
                .col(integer("usage_limit_percent"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_order_line_order")
                        .from("order_line", "order_id")
                        .to("shop_order", "id"),
                )
                .to_owned(),
        )
        .await?;

    manager
        .create_index(
            Index::create()
                .name("ux_order_line_position")
                .table("order_line")
                .col("order_id")
                .col("position")
                .unique()
                .to_owned(),
        )
        .await?;
    Ok(())
}

async fn create_voucher(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("voucher")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("code", 32))
                .col(big_integer("merchant_id"))
                .col(big_integer("amount_minor"))
                .col(string_len("currency", 3))
                .col(string_len("status", 16))
                .col(string_len("source", 16))
                .col(big_integer_null("order_id"))
                .col(big_integer_null("applied_minor"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("redeemed_at"))
                .to_owned(),
        )
        .await?;
    Ok(())
}

async fn create_tax_rate(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("tax_rate")
                .col(big_pk_auto("id"))
                .col(string_len("country", 2))
                .col(string_len("region", 3))
                .col(string_len("kind", 16))
                .col(string_len("name", 32))
                .col(string_len("rate", 16))
                .col(string_len("valid_from", 10))
                .col(string_len_null("valid_to", 10))
                .to_owned(),
        )
        .await?;

    let mut insert = Query::insert();
    insert.into_table("tax_rate").columns([
        "country",
        "region",
        "kind",
        "name",
        "rate",
        "valid_from",
        "valid_to",
    ]);
    for (country, region, kind, name, rate, from, to) in TAX_RATES {
        insert.values_panic([
            (*country).into(),
            (*region).into(),
            (*kind).into(),
            (*name).into(),
            (*rate).into(),
            (*from).into(),
            to.map(str::to_owned).into(),
        ]);
    }

    manager.exec_stmt(insert.to_owned()).await?;
    Ok(())
}

async fn create_server_secret(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("server_secret")
                .col(string_len("name", 64).primary_key())
                .col(text("value"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
    Ok(())
}
