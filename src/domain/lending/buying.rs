//! A library's order for licence offers: priced like any order (the offer's price, the
//! taxes of the library's country), written by the same builder and paid through the same
//! payment flow. Its sale issues licences instead of deliveries ([`super::licences`]).

use chrono::Utc;
use entity::{library, library_offer, merchant, product};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

use crate::db::{FindUnique, begin_write};
use crate::domain::{
    catalogue::Kind,
    ids,
    money::{Currency, Money},
    orders::{
        Consumer, PlacedOrder,
        builder::{Channel, NewLine, NewOrder, Totals},
    },
    status::OrderStatus,
    taxes::{self, CountryTaxes},
};
use crate::effect::{self, Effect};

/// One requested line: the offer's uid (`None` when the URI names no offer) and a
/// number of copies, already known to be at least 1.
#[derive(Debug, Clone)]
pub struct OfferLine {
    pub offer_uid: Option<String>,
    pub copies: u32,
}

/// Why a line, or the order, is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuyRefusal {
    /// The line's offer does not exist (or is another shop's).
    UnknownOffer(usize),
    /// The same offer twice.
    DuplicateOffer(usize),
    /// The offer's ebook is not for sale now.
    Unavailable(usize),
    /// Lines in different currencies.
    CurrencyMismatch(usize),
    /// The country's taxes differ by region: name one of these.
    RegionRequired(Vec<String>),
}

#[derive(Debug)]
pub enum BuyError {
    Refused(Vec<BuyRefusal>),
    Db(DbErr),
}

impl From<DbErr> for BuyError {
    fn from(err: DbErr) -> Self {
        BuyError::Db(err)
    }
}

/// The library's order for its buyer's details, as sent.
#[derive(Debug, Clone)]
pub struct LicenceCart {
    pub lines: Vec<OfferLine>,
    pub buyer: Consumer,
    pub external_reference: Option<String>,
}

/// A line found and checked.
struct Found {
    offer: library_offer::Model,
    product: product::Model,
    copies: u32,
}

/// Places the library's order: it awaits payment like any order, and its token is shown
/// once.
pub async fn place(
    db: &DatabaseConnection,
    library: &library::Model,
    cart: &LicenceCart,
) -> Result<PlacedOrder, BuyError> {
    let txn = begin_write(db).await?;
    let found = find_lines(&txn, library, cart).await?;
    let currency: Currency = found[0]
        .offer
        .currency
        .parse()
        .map_err(|_| DbErr::Type("offer currency".into()))?;
    let country = CountryTaxes::load(&txn, &cart.buyer.country).await?;
    if let Some(regions) = country.region_missing(cart.buyer.region.as_deref()) {
        return Err(BuyError::Refused(vec![BuyRefusal::RegionRequired(regions)]));
    }
    let rates = country.rates(cart.buyer.region.as_deref(), Kind::Ebook, Utc::now().date_naive())?;
    let lines: Vec<NewLine<'_>> = found
        .iter()
        .map(|line| {
            let unit = Money::from_minor(line.offer.price_minor, currency);
            NewLine {
                product: &line.product,
                quantity: line.copies,
                unit_price: unit,
                price_includes_tax: line.product.price_includes_tax,
                priced: taxes::price_line(unit, line.copies, line.product.price_includes_tax, &rates),
                library_offer_id: Some(line.offer.id),
            }
        })
        .collect();
    let merchant = merchant::Entity::find_by_id(library.merchant_id)
        .unique(&txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("merchant of a library".into()))?;
    let order_taxes = taxes::sum_taxes(lines.iter().map(|l| l.priced.taxes.as_slice()));
    let sum = |f: &dyn Fn(&NewLine<'_>) -> i64| Money::from_minor(lines.iter().map(f).sum(), currency);
    let product_total = sum(&|l| l.priced.net.minor());
    let tax_total = sum(&|l| l.priced.tax_total().minor());
    let grand_total = sum(&|l| l.priced.total.minor());
    let token = ids::new_secret("ot_");
    let now = Utc::now();
    let (order, stored) = NewOrder {
        merchant: &merchant,
        status: OrderStatus::AwaitingPayment,
        channel: Channel::Web,
        token: &token,
        customer_id: format!("library_{}", library.uid),
        customer_sub: None,
        consumer: cart.buyer.clone(),
        external_reference: cart.external_reference.clone(),
        redirect_url: None,
        currency,
        totals: Totals {
            product_total,
            tax_total,
            voucher_total: Money::zero(currency),
            grand_total,
        },
        taxes: &order_taxes,
        settled_at: None,
        created_at: now,
        expires_at: None,
        library_id: Some(library.id),
    }
    .insert(&txn, &lines)
    .await?;
    effect::commit(txn, Effect::created("orders", &order.uid)).await?;
    Ok(PlacedOrder {
        order,
        lines: stored,
        token,
        merchant,
        used_vouchers: false,
        holds_places: false,
    })
}

/// Finds each line's offer and ebook, refusing unknown, repeated, unavailable and
/// mixed-currency lines (all of them at once).
async fn find_lines(
    db: &impl sea_orm::ConnectionTrait,
    library: &library::Model,
    cart: &LicenceCart,
) -> Result<Vec<Found>, BuyError> {
    let uids: Vec<&str> = cart.lines.iter().filter_map(|l| l.offer_uid.as_deref()).collect();
    let offers = library_offer::Entity::find()
        .filter(library_offer::Column::Uid.is_in(uids))
        .filter(library_offer::Column::MerchantId.eq(library.merchant_id))
        .all(db)
        .await?;
    let products = product::Entity::find()
        .filter(product::Column::Id.is_in(offers.iter().map(|o| o.product_id)))
        .all(db)
        .await?;
    let mut refusals = Vec::new();
    let mut found: Vec<Found> = Vec::new();
    for (index, line) in cart.lines.iter().enumerate() {
        let offer = line
            .offer_uid
            .as_deref()
            .and_then(|uid| offers.iter().find(|o| o.uid == uid));
        let product = offer.and_then(|o| products.iter().find(|p| p.id == o.product_id));
        let (Some(offer), Some(product)) = (offer, product) else {
            refusals.push(BuyRefusal::UnknownOffer(index));
            continue;
        };
        if found.iter().any(|f| f.offer.id == offer.id) {
            refusals.push(BuyRefusal::DuplicateOffer(index));
        } else if !product.available {
            refusals.push(BuyRefusal::Unavailable(index));
        } else if found.first().is_some_and(|f| f.offer.currency != offer.currency) {
            refusals.push(BuyRefusal::CurrencyMismatch(index));
        }
        found.push(Found {
            offer: offer.clone(),
            product: product.clone(),
            copies: line.copies,
        });
    }
    if !refusals.is_empty() || found.is_empty() {
        return Err(BuyError::Refused(refusals));
    }
    Ok(found)
}
