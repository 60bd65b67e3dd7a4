//! Demo data for an empty database: a merchant, a store and a small catalogue, so that a
//! newcomer can try every flow right after `cargo run --release`.

pub mod orders;

use sea_orm::{DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, TransactionTrait};

use crate::domain::{
    catalogue::{self, CatalogueError, Format, Kind, ProductDraft, Protection},
    events::{self, EventDraft},
    isbn::Isbn,
    merchants::{self, CreatedMerchant, NewMerchant, SaleState},
    money::Money,
    san::San,
    stores::{self, CreatedStore},
};

/// What was seeded, with the one-time credentials to print.
#[derive(Debug)]
pub struct Seeded {
    pub merchant: CreatedMerchant,
    pub store: CreatedStore,
    pub products: usize,
}

/// The uid of the demo product with `sku`: the same in every demo database, so that the
/// OpenAPI document's examples name products that exist (`AUSTEN-PRIDE-EPUB` is
/// [`DEMO_EBOOK_UID`]).
pub fn demo_uid(sku: &str) -> String {
    crate::domain::ids::sha256_hex(&format!("halshop demo product {sku}"))[..32].to_owned()
}

/// The uid of the demo ebook `AUSTEN-PRIDE-EPUB`, used by the documented examples.
pub const DEMO_EBOOK_UID: &str = "a225514ee4b0d46dffb187eb826a1367";

/// The uid of the demo library offer on `AUSTEN-PRIDE-EPUB`, used by the documented examples.
pub const DEMO_OFFER_UID: &str = "6d656d6f6c656e64696e676f66666572";

/// Offers the demo ebook to libraries: 55 loans, one patron at a time, 21 days at most.
async fn seed_library_offer(db: &impl sea_orm::ConnectionTrait) -> Result<(), DbErr> {
    use crate::domain::lending::{Terms, offers};
    use sea_orm::{ColumnTrait, QueryFilter, sea_query::Expr};
    let product = crate::domain::catalogue::find(db, DEMO_EBOOK_UID)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the demo ebook".into()))?;
    let terms = Terms {
        max_concurrent_loans: 1,
        max_total_loans: Some(55),
        valid_months: None,
        max_loan_days: 21,
    };
    let price = Money::parse("24.00", &product.currency).map_err(|err| DbErr::Custom(err.to_string()))?;
    let offer = offers::insert(db, &product, price, terms)
        .await
        .map_err(|err| DbErr::Custom(format!("demo library offer: {err:?}")))?;
    entity::library_offer::Entity::update_many()
        .col_expr(entity::library_offer::Column::Uid, Expr::value(DEMO_OFFER_UID))
        .filter(entity::library_offer::Column::Id.eq(offer.id))
        .exec(db)
        .await?;
    Ok(())
}

async fn give_demo_uid(db: &impl sea_orm::ConnectionTrait, id: i64, sku: &str) -> Result<(), DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter, sea_query::Expr};
    entity::product::Entity::update_many()
        .col_expr(entity::product::Column::Uid, Expr::value(demo_uid(sku)))
        .filter(entity::product::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// SAN of the demo store.
pub const DEMO_SAN: &str = "123-4560";

struct DemoProduct {
    sku: &'static str,
    kind: Kind,
    title: &'static str,
    isbn: Option<&'static str>,
    format: Format,
    protection: Protection,
    price: (&'static str, &'static str),
    price_includes_tax: bool,
    max_per_order: i32,
    refund_days: i32,
    /// Tickets: whether it lets its holder into the demo event, and its own places.
    event: bool,
    capacity: Option<i32>,
}

const DEMO_PRODUCTS: &[DemoProduct] = &[
    DemoProduct {
        sku: "AUSTEN-PRIDE-EPUB",
        kind: Kind::Ebook,
        title: "Pride and Prejudice",
        isbn: Some("978-0-14-143951-8"),
        format: Format::Epub,
        protection: Protection::Watermark,
        price: ("4.99", "EUR"),
        price_includes_tax: true,
        max_per_order: 1,
        refund_days: 14,
        event: false,
        capacity: None,
    },
    DemoProduct {
        sku: "AUSTEN-PRIDE-PDF",
        kind: Kind::Ebook,
        title: "Pride and Prejudice",
        isbn: Some("978-0-14-143951-8"),
        format: Format::Pdf,
        protection: Protection::Watermark,
        price: ("5.99", "EUR"),
        price_includes_tax: true,
        max_per_order: 1,
        refund_days: 14,
        event: false,
        capacity: None,
    },
    DemoProduct {
        sku: "HUGO-MISERABLES-EPUB",
        kind: Kind::Ebook,
        title: "Les Misérables",
        isbn: Some("978-2-07-036822-8"),
        format: Format::Epub,
        protection: Protection::Watermark,
        price: ("9.99", "EUR"),
        price_includes_tax: true,
        max_per_order: 1,
        refund_days: 14,
        event: false,
        capacity: None,
    },
    DemoProduct {
        sku: "DOSTOEVSKY-CRIME-EPUB",
        kind: Kind::Ebook,
        title: "Crime and Punishment",
        isbn: Some("978-0-14-044913-6"),
        format: Format::Epub,
        protection: Protection::None,
        price: ("19.99", "CAD"),
        price_includes_tax: false,
        max_per_order: 1,
        refund_days: 14,
        event: false,
        capacity: None,
    },
    DemoProduct {
        sku: "SHELLEY-FRANKENSTEIN-PDF",
        kind: Kind::Ebook,
        title: "Frankenstein",
        isbn: Some("978-0-19-953556-9"),
        format: Format::Pdf,
        protection: Protection::Watermark,
        price: ("7.50", "CAD"),
        price_includes_tax: false,
        max_per_order: 1,
        refund_days: 7,
        event: false,
        capacity: None,
    },
    DemoProduct {
        sku: "MELVILLE-MOBYDICK-EPUB",
        kind: Kind::Ebook,
        title: "Moby-Dick",
        isbn: Some("978-1-5032-8078-6"),
        format: Format::Epub,
        protection: Protection::None,
        price: ("6.49", "USD"),
        price_includes_tax: false,
        max_per_order: 1,
        refund_days: 14,
        event: false,
        capacity: None,
    },
    DemoProduct {
        sku: "BOOKFAIR-2027-DAYPASS",
        kind: Kind::Ticket,
        title: "Montréal Book Fair 2027 — day pass",
        isbn: None,
        format: Format::Ticket,
        protection: Protection::None,
        price: ("25.00", "CAD"),
        price_includes_tax: false,
        max_per_order: 6,
        refund_days: 30,
        event: true,
        capacity: None,
    },
    DemoProduct {
        sku: "BOOKFAIR-2027-VIP",
        kind: Kind::Ticket,
        title: "Montréal Book Fair 2027 — VIP pass",
        isbn: None,
        format: Format::Ticket,
        protection: Protection::None,
        price: ("90.00", "CAD"),
        price_includes_tax: false,
        max_per_order: 2,
        refund_days: 30,
        event: true,
        capacity: Some(100),
    },
];

/// The demo event the demo tickets let their holders into.
fn demo_event() -> EventDraft {
    let at = |text: &str| {
        chrono::DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap_or_default()
    };
    EventDraft {
        title: "Montréal Book Fair 2027".into(),
        venue: "Palais des congrès de Montréal".into(),
        starts_at: at("2027-11-17T14:00:00Z"),
        ends_at: at("2027-11-21T23:00:00Z"),
        time_zone: "America/Toronto".into(),
        capacity: 2000,
    }
}

fn draft(demo: &DemoProduct, event_uid: &str) -> Result<ProductDraft, DbErr> {
    let invalid = |what: String| DbErr::Custom(format!("demo product {}: {what}", demo.sku));
    Ok(ProductDraft {
        sku: demo.sku.to_owned(),
        kind: demo.kind,
        title: demo.title.to_owned(),
        isbn: demo
            .isbn
            .map(Isbn::parse)
            .transpose()
            .map_err(|err| invalid(err.to_string()))?,
        format: demo.format,
        protection: demo.protection,
        price: Money::parse(demo.price.0, demo.price.1).map_err(|err| invalid(err.to_string()))?,
        price_includes_tax: demo.price_includes_tax,
        available: true,
        max_per_order: demo.max_per_order,
        refund_days: demo.refund_days,
        usage_limit_percent: catalogue::DEFAULT_USAGE_LIMIT_PERCENT,
        event_uid: demo.event.then(|| event_uid.to_owned()),
        capacity: demo.capacity,
    })
}

/// Seeds the demo data when there is no merchant yet; returns what it created. Runs in one
/// transaction: another instance seeding at the same moment makes this one a no-op.
pub async fn seed_if_empty(db: &DatabaseConnection) -> Result<Option<Seeded>, DbErr> {
    if entity::merchant::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    let txn = db.begin().await?;
    let merchant = merchants::create(
        &txn,
        NewMerchant {
            name: "halshop demo bookstore".into(),
            can_refund: true,
            sale_state: SaleState::Test,
            support_email: "support@halshop.example".into(),
            support_phone: "+1 514 555 0142".into(),
        },
    )
    .await?;
    let san = San::parse(DEMO_SAN).map_err(|err| DbErr::Custom(err.to_string()))?;
    let store = match stores::create(&txn, merchant.merchant.id, "halshop demo store, Montréal", &san).await
    {
        Ok(store) => store,
        Err(err) if crate::db::is_unique_violation(&err) => return Ok(None),
        Err(err) => return Err(err),
    };
    let event = events::create(&txn, merchant.merchant.id, &demo_event()).await?;
    for demo in DEMO_PRODUCTS {
        match catalogue::create(&txn, merchant.merchant.id, &draft(demo, &event.uid)?).await {
            Ok(created) => give_demo_uid(&txn, created.id, demo.sku).await?,
            Err(CatalogueError::SkuTaken(_) | CatalogueError::IsbnTaken(_)) => return Ok(None),
            Err(CatalogueError::Db(err)) => return Err(err),
            Err(other) => return Err(DbErr::Custom(format!("{other:?}"))),
        }
    }
    seed_library_offer(&txn).await?;
    txn.commit().await?;
    tracing::info!(
        products = DEMO_PRODUCTS.len(),
        "seeded the demo merchant, store and catalogue"
    );
    Ok(Some(Seeded {
        merchant,
        store,
        products: DEMO_PRODUCTS.len(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_product_is_valid() {
        for demo in DEMO_PRODUCTS {
            draft(demo, "00000000000000000000000000000000").unwrap();
        }
        assert!(demo_event().ends_at > demo_event().starts_at);
        assert!(DEMO_PRODUCTS.len() >= 6);
        assert!(DEMO_PRODUCTS.iter().any(|p| p.price_includes_tax));
        assert!(DEMO_PRODUCTS.iter().any(|p| p.kind == Kind::Ticket));
    }

    #[test]
    fn demo_store_san_is_valid() {
        San::parse(DEMO_SAN).unwrap();
    }

    #[test]
    fn the_documented_demo_ebook_uid_is_the_seeded_one() {
        assert_eq!(demo_uid("AUSTEN-PRIDE-EPUB"), DEMO_EBOOK_UID);
        assert!(DEMO_PRODUCTS.iter().any(|demo| demo.sku == "AUSTEN-PRIDE-EPUB"));
    }
}
