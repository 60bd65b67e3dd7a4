//! The product catalogue: what can be sold, at what price, under which refund policy.

use crate::db::FindUnique;
use chrono::Utc;
use entity::product;
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, Func, LikeExpr},
};
use serde::{Deserialize, Serialize};

use super::{
    ids,
    isbn::Isbn,
    money::{Money, MoneyError},
};
use crate::{
    db::{self, ConstraintError, OnConstraint},
    effect::{self, Effect},
};

/// What kind of good a product is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// An electronic book (EPUB, PDF) or audiobook (MP3); one copy per order.
    Ebook,
    /// An event ticket; several per order, up to the product's `max_per_order`.
    Ticket,
}

/// File format of what is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Epub,
    Pdf,
    Mp3,
    Ticket,
}

/// How a delivered file is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Protection {
    /// Delivered as is.
    None,
    /// The buyer's name is written into the delivered file.
    Watermark,
    /// Delivered through a DRM licence.
    Drm,
}

macro_rules! string_enum {
    ($ty:ty { $($variant:ident => $text:literal),* }) => {
        impl $ty {
            pub fn as_str(self) -> &'static str {
                match self { $(<$ty>::$variant => $text),* }
            }

            /// Reads the stored form back; unknown text means a corrupted row.
            pub fn from_stored(text: &str) -> Result<Self, DbErr> {
                match text {
                    $($text => Ok(<$ty>::$variant),)*
                    other => Err(DbErr::Type(format!("unknown {} {other:?}", stringify!($ty)))),
                }
            }
        }
    };
}

string_enum!(Kind { Ebook => "ebook", Ticket => "ticket" });
string_enum!(Format { Epub => "epub", Pdf => "pdf", Mp3 => "mp3", Ticket => "ticket" });
string_enum!(Protection { None => "none", Watermark => "watermark", Drm => "drm" });

/// Default refund window, in days after the sale.
pub const DEFAULT_REFUND_DAYS: i32 = 14;
/// Default share of an ebook that may have been read and still be refunded.
pub const DEFAULT_USAGE_LIMIT_PERCENT: i32 = 10;
/// Default most tickets of one product in one order.
pub const DEFAULT_TICKETS_PER_ORDER: i32 = 10;
pub const MAX_TICKETS_PER_ORDER: i32 = 100;
pub const MAX_REFUND_DAYS: i32 = 365;

/// A product as a merchant describes it, every value already valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductDraft {
    pub sku: String,
    pub kind: Kind,
    pub title: String,
    pub isbn: Option<Isbn>,
    pub format: Format,
    pub protection: Protection,
    pub price: Money,
    pub price_includes_tax: bool,
    pub available: bool,
    pub max_per_order: i32,
    pub refund_days: i32,
    pub usage_limit_percent: i32,
    /// The uid of the event a ticket belongs to.
    pub event_uid: Option<String>,
    /// Places of this product alone.
    pub capacity: Option<i32>,
}

/// A product as a merchant sends it, before the catalogue's rules are checked.
#[derive(Debug, Clone, Copy)]
pub struct NewProduct<'a> {
    pub sku: &'a str,
    pub kind: Kind,
    pub title: &'a str,
    pub isbn: Option<&'a str>,
    pub format: Option<Format>,
    pub protection: Option<Protection>,
    pub price_amount: &'a str,
    pub price_currency: &'a str,
    pub price_includes_tax: Option<bool>,
    pub available: Option<bool>,
    pub max_per_order: Option<i64>,
    /// Refund days and usage limit in percent; the defaults when absent.
    pub refund_policy: Option<(i64, i64)>,
    /// The uid of the event a ticket belongs to.
    pub event_uid: Option<&'a str>,
    pub capacity: Option<i64>,
}

/// A field of a product that a rule can refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductField {
    Sku,
    Title,
    Format,
    Isbn,
    PriceAmount,
    PriceCurrency,
    MaxPerOrder,
    RefundDays,
    UsageLimitPercent,
    Event,
    Capacity,
}

/// One broken rule of a product description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub field: ProductField,
    pub message: String,
}

impl Refusal {
    fn new(field: ProductField, message: impl Into<String>) -> Self {
        Refusal {
            field,
            message: message.into(),
        }
    }
}

impl NewProduct<'_> {
    /// Checks every rule and collects every broken one, in the order of the fields.
    pub fn draft(&self) -> Result<ProductDraft, Vec<Refusal>> {
        let mut refusals = Vec::new();
        let sku = self.sku.trim();
        if !valid_sku(sku) {
            refusals.push(Refusal::new(
                ProductField::Sku,
                "a SKU is 1 to 64 letters, digits, '.', '_' or '-'",
            ));
        }
        let title = self.title.trim();
        if title.is_empty() || title.chars().count() > 300 {
            refusals.push(Refusal::new(
                ProductField::Title,
                "a title is 1 to 300 characters",
            ));
        }
        let format = collect(
            &mut refusals,
            ProductField::Format,
            format_of(self.kind, self.format),
        );
        let isbn = collect(&mut refusals, ProductField::Isbn, isbn_of(self.kind, self.isbn)).flatten();
        let price = match Money::parse(self.price_amount, self.price_currency) {
            Ok(price) => Some(price),
            Err(err) => {
                let field = match err {
                    MoneyError::UnknownCurrency(_) => ProductField::PriceCurrency,
                    _ => ProductField::PriceAmount,
                };
                refusals.push(Refusal::new(field, err.to_string()));
                None
            }
        };
        let max_per_order = collect(
            &mut refusals,
            ProductField::MaxPerOrder,
            max_per_order_of(self.kind, self.max_per_order),
        )
        .unwrap_or(1);
        let (refund_days, usage_limit_percent) = refund_policy_of(self.refund_policy, &mut refusals);
        self.check_places(&mut refusals);
        match (format, price) {
            (Some(format), Some(price)) if refusals.is_empty() => Ok(ProductDraft {
                sku: sku.to_owned(),
                kind: self.kind,
                title: title.to_owned(),
                isbn,
                format,
                protection: self.protection.unwrap_or(Protection::None),
                price,
                price_includes_tax: self.price_includes_tax.unwrap_or(false),
                available: self.available.unwrap_or(true),
                max_per_order,
                refund_days,
                usage_limit_percent,
                event_uid: self.event_uid.map(str::to_owned),
                capacity: self.capacity.map(|c| c as i32),
            }),
            _ => Err(refusals),
        }
    }

    /// Only a ticket has an event and places of its own.
    fn check_places(&self, refusals: &mut Vec<Refusal>) {
        if self.kind == Kind::Ebook && self.event_uid.is_some() {
            refusals.push(Refusal::new(ProductField::Event, "an ebook belongs to no event"));
        }
        match self.capacity {
            Some(_) if self.kind == Kind::Ebook => {
                refusals.push(Refusal::new(ProductField::Capacity, "an ebook has no places"))
            }
            Some(capacity) if !(1..=super::events::MAX_CAPACITY).contains(&capacity) => refusals.push(
                Refusal::new(ProductField::Capacity, "capacity is between 1 and 1000000"),
            ),
            _ => {}
        }
    }
}

fn valid_sku(sku: &str) -> bool {
    !sku.is_empty()
        && sku.len() <= 64
        && sku
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

fn collect<T>(refusals: &mut Vec<Refusal>, field: ProductField, checked: Result<T, String>) -> Option<T> {
    checked
        .map_err(|message| refusals.push(Refusal::new(field, message)))
        .ok()
}

/// An ebook is a file (epub, pdf, mp3); a ticket has the format ticket, its default.
fn format_of(kind: Kind, format: Option<Format>) -> Result<Format, String> {
    match (kind, format) {
        (Kind::Ebook, Some(format @ (Format::Epub | Format::Pdf | Format::Mp3))) => Ok(format),
        (Kind::Ebook, Some(Format::Ticket)) => Err("an ebook is delivered as epub, pdf or mp3".into()),
        (Kind::Ebook, None) => Err("an ebook needs a format: epub, pdf or mp3".into()),
        (Kind::Ticket, None | Some(Format::Ticket)) => Ok(Format::Ticket),
        (Kind::Ticket, Some(_)) => Err("a ticket has the format ticket".into()),
    }
}

/// An ebook needs a valid ISBN; a ticket has none.
fn isbn_of(kind: Kind, isbn: Option<&str>) -> Result<Option<Isbn>, String> {
    match (kind, isbn) {
        (Kind::Ebook, Some(text)) => Isbn::parse(text).map(Some).map_err(|err| err.to_string()),
        (Kind::Ebook, None) => Err("an ebook needs an ISBN".into()),
        (Kind::Ticket, Some(_)) => Err("a ticket has no ISBN".into()),
        (Kind::Ticket, None) => Ok(None),
    }
}

/// An ebook is sold one copy per order; tickets up to [`MAX_TICKETS_PER_ORDER`].
fn max_per_order_of(kind: Kind, max: Option<i64>) -> Result<i32, String> {
    match (kind, max) {
        (Kind::Ebook, None | Some(1)) => Ok(1),
        (Kind::Ebook, Some(_)) => Err("an ebook is sold one copy per order: max_per_order must be 1".into()),
        (Kind::Ticket, None) => Ok(DEFAULT_TICKETS_PER_ORDER),
        (Kind::Ticket, Some(n)) if (1..=i64::from(MAX_TICKETS_PER_ORDER)).contains(&n) => Ok(n as i32),
        (Kind::Ticket, Some(_)) => Err("max_per_order is between 1 and 100".into()),
    }
}

fn refund_policy_of(policy: Option<(i64, i64)>, refusals: &mut Vec<Refusal>) -> (i32, i32) {
    let Some((refund_days, usage_limit_percent)) = policy else {
        return (DEFAULT_REFUND_DAYS, DEFAULT_USAGE_LIMIT_PERCENT);
    };
    if !(0..=i64::from(MAX_REFUND_DAYS)).contains(&refund_days) {
        refusals.push(Refusal::new(
            ProductField::RefundDays,
            "refund_days is between 0 and 365",
        ));
    }
    if !(0..=100).contains(&usage_limit_percent) {
        refusals.push(Refusal::new(
            ProductField::UsageLimitPercent,
            "usage_limit_percent is between 0 and 100",
        ));
    }
    (
        refund_days.clamp(0, 365) as i32,
        usage_limit_percent.clamp(0, 100) as i32,
    )
}

/// Filters of the catalogue listing.
#[derive(Debug, Clone, Default)]
pub struct ProductFilter {
    /// Case-insensitive text searched in title, SKU and ISBN.
    pub q: Option<String>,
    pub isbn: Option<Isbn>,
    pub format: Option<Format>,
    pub kind: Option<Kind>,
    pub available: Option<bool>,
}

#[derive(Debug)]
pub enum CatalogueError {
    NotFound,
    SkuTaken(String),
    IsbnTaken(String),
    /// The product changed since the version the caller read.
    VersionMismatch,
    /// No event of this merchant has this uid.
    UnknownEvent,
    /// Orders hold places of the product: it stays with its event.
    EventLocked,
    /// The new capacity is below the places already held.
    CapacityBelowHeld {
        held: i32,
    },
    Db(DbErr),
}

impl From<DbErr> for CatalogueError {
    fn from(err: DbErr) -> Self {
        CatalogueError::Db(err)
    }
}

/// A page of the catalogue, in creation order, and the number of matching products.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &ProductFilter,
    offset: u64,
    limit: u64,
) -> Result<(Vec<product::Model>, u64), DbErr> {
    let mut condition = Condition::all();
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = format!("%{}%", escape_like(&q.to_lowercase()));
        let like = |column: product::Column| {
            Expr::expr(Func::lower(Expr::col(column))).like(LikeExpr::new(pattern.clone()).escape('\\'))
        };
        condition = condition.add(
            Condition::any()
                .add(like(product::Column::Title))
                .add(like(product::Column::Sku))
                .add(like(product::Column::Isbn)),
        );
    }
    if let Some(isbn) = &filter.isbn {
        condition = condition.add(product::Column::Isbn.eq(isbn.as_str()));
    }
    if let Some(format) = filter.format {
        condition = condition.add(product::Column::Format.eq(format.as_str()));
    }
    if let Some(kind) = filter.kind {
        condition = condition.add(product::Column::Kind.eq(kind.as_str()));
    }
    if let Some(available) = filter.available {
        condition = condition.add(product::Column::Available.eq(available));
    }
    let query = product::Entity::find().filter(condition);
    let total = query.clone().count(db).await?;
    let items = query
        .order_by_asc(product::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok((items, total))
}

pub(crate) fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

pub async fn find(db: &impl ConnectionTrait, uid: &str) -> Result<Option<product::Model>, DbErr> {
    if !ids::is_uid(uid) {
        return Ok(None);
    }
    product::Entity::find()
        .filter(product::Column::Uid.eq(uid))
        .unique(db)
        .await
}

/// The product with this row id.
pub async fn find_by_id(db: &impl ConnectionTrait, id: i64) -> Result<Option<product::Model>, DbErr> {
    product::Entity::find_by_id(id).unique(db).await
}

/// The events of these products, in one query.
pub async fn events_of(
    db: &impl ConnectionTrait,
    products: &[product::Model],
) -> Result<Vec<entity::event::Model>, DbErr> {
    super::events::by_ids(db, products.iter().filter_map(|p| p.event_id).collect()).await
}

fn unique_violation(draft: &ProductDraft) -> impl FnOnce(&str) -> Option<CatalogueError> + '_ {
    move |message: &str| {
        if message.contains("sku") {
            Some(CatalogueError::SkuTaken(draft.sku.clone()))
        } else if message.contains("isbn") {
            Some(CatalogueError::IsbnTaken(
                draft.isbn.as_ref().map(|i| i.to_string()).unwrap_or_default(),
            ))
        } else {
            None
        }
    }
}

fn flatten<T>(result: Result<T, ConstraintError<CatalogueError>>) -> Result<T, CatalogueError> {
    result.map_err(|err| match err {
        ConstraintError::Mapped(mapped) => mapped,
        ConstraintError::Db(db) => CatalogueError::Db(db),
    })
}

/// The id of the draft's event, which must be one of the merchant's.
async fn event_of(
    db: &impl ConnectionTrait,
    merchant_id: i64,
    draft: &ProductDraft,
) -> Result<Option<i64>, CatalogueError> {
    let Some(uid) = &draft.event_uid else {
        return Ok(None);
    };
    super::events::find(db, uid)
        .await?
        .filter(|event| event.merchant_id == merchant_id)
        .map(|event| Some(event.id))
        .ok_or(CatalogueError::UnknownEvent)
}

fn apply(draft: &ProductDraft, model: &mut product::ActiveModel, event_id: Option<i64>) {
    model.event_id = Set(event_id);
    model.capacity = Set(draft.capacity);
    model.sku = Set(draft.sku.clone());
    model.kind = Set(draft.kind.as_str().to_owned());
    model.title = Set(draft.title.clone());
    model.isbn = Set(draft.isbn.as_ref().map(|isbn| isbn.to_string()));
    model.format = Set(draft.format.as_str().to_owned());
    model.protection = Set(draft.protection.as_str().to_owned());
    model.price_minor = Set(draft.price.minor());
    model.currency = Set(draft.price.currency().code().to_owned());
    model.price_includes_tax = Set(draft.price_includes_tax);
    model.available = Set(draft.available);
    model.max_per_order = Set(draft.max_per_order);
    model.refund_days = Set(draft.refund_days);
    model.usage_limit_percent = Set(draft.usage_limit_percent);
}

/// Adds a product to a merchant's catalogue on a client's request, recording the effect
/// for its idempotency key in the same transaction.
pub async fn add(
    db: &DatabaseConnection,
    merchant_id: i64,
    draft: &ProductDraft,
) -> Result<product::Model, CatalogueError> {
    let txn = db::begin_write(db).await?;
    let product = create(&txn, merchant_id, draft).await?;
    effect::commit(txn, Effect::created("products", &product.uid)).await?;
    Ok(product)
}

/// Adds a product to a merchant's catalogue. SKU (per merchant) and ISBN+format uniqueness
/// are decided by the database's unique indexes.
pub async fn create(
    db: &impl ConnectionTrait,
    merchant_id: i64,
    draft: &ProductDraft,
) -> Result<product::Model, CatalogueError> {
    let now = Utc::now();
    let mut model = product::ActiveModel {
        id: NotSet,
        uid: Set(ids::new_uid()),
        merchant_id: Set(merchant_id),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        held: Set(0),
        ..Default::default()
    };
    apply(draft, &mut model, event_of(db, merchant_id, draft).await?);
    flatten(
        model
            .insert(db)
            .await
            .on_unique_violation(unique_violation(draft)),
    )
}

/// Replaces a product's description, if `expected_version` is still the current one. The
/// version check is part of the UPDATE, so two concurrent writers cannot both win.
pub async fn update(
    db: &impl ConnectionTrait,
    merchant_id: i64,
    uid: &str,
    expected_version: i32,
    draft: &ProductDraft,
) -> Result<product::Model, CatalogueError> {
    let current = find(db, uid)
        .await?
        .filter(|product| product.merchant_id == merchant_id)
        .ok_or(CatalogueError::NotFound)?;
    if current.version != expected_version {
        return Err(CatalogueError::VersionMismatch);
    }
    let event_id = event_of(db, merchant_id, draft).await?;
    if event_id != current.event_id && current.held > 0 {
        return Err(CatalogueError::EventLocked);
    }
    if draft.capacity.is_some_and(|capacity| capacity < current.held) {
        return Err(CatalogueError::CapacityBelowHeld { held: current.held });
    }
    let mut model = product::ActiveModel {
        version: Set(expected_version + 1),
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    apply(draft, &mut model, event_id);
    // Places taken since the read above must not slip under the new capacity, nor leave
    // their event: both are conditions of the UPDATE.
    let places_hold = match (draft.capacity, event_id == current.event_id) {
        (Some(capacity), true) => Condition::all().add(product::Column::Held.lte(capacity)),
        (None, true) => Condition::all(),
        (Some(_), false) | (None, false) => Condition::all().add(product::Column::Held.eq(0)),
    };
    let result = product::Entity::update_many()
        .set(model)
        .filter(product::Column::Id.eq(current.id))
        .filter(product::Column::Version.eq(expected_version))
        .filter(places_hold)
        .exec(db)
        .await
        .on_unique_violation(unique_violation(draft));
    if flatten(result)?.rows_affected == 0 {
        return Err(CatalogueError::VersionMismatch);
    }
    find(db, uid).await?.ok_or(CatalogueError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_in_search_text_are_escaped() {
        assert_eq!(escape_like("50%_off\\"), "50\\%\\_off\\\\");
    }

    #[test]
    fn stored_enum_values_round_trip() {
        for format in [Format::Epub, Format::Pdf, Format::Mp3, Format::Ticket] {
            assert_eq!(Format::from_stored(format.as_str()).unwrap(), format);
        }
        assert!(Kind::from_stored("vinyl").is_err());
    }
}
