//! What the buyer asks for, and why it may be refused.

use sea_orm::DbErr;

use crate::domain::{catalogue::Kind, holds::Limited, money::Currency};

/// The buyer as the order names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consumer {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: String,
    /// ISO 3166-2 subdivision code without the country (`QC`), upper case.
    pub region: Option<String>,
}

/// One requested line: the product's uid (`None` when the URI names no product) and a
/// quantity already known to be positive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartLine {
    pub product_uid: Option<String>,
    pub quantity: u32,
}

/// What the buyer asks for: the body of both the bill and the order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cart {
    pub lines: Vec<CartLine>,
    pub consumer: Consumer,
    pub currency: Option<Currency>,
    pub vouchers: Vec<String>,
    pub external_reference: Option<String>,
    pub redirect_url: Option<String>,
}

/// The part of a cart a refusal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The product of the line at this index.
    Product(usize),
    /// The quantity of the line at this index.
    Quantity(usize),
    /// The consumer's region.
    Region,
    /// The voucher code at this index.
    Voucher(usize),
}

/// Why a cart cannot be sold, for one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    UnknownProduct,
    DuplicateProduct,
    CannotSell,
    QuantityLimit {
        max: i32,
        kind: Kind,
    },
    CurrencyMismatch {
        expected: Currency,
        found: String,
    },
    OtherMerchant,
    RegionRequired {
        regions: Vec<String>,
    },
    UnknownVoucher,
    VoucherUsed,
    VoucherCurrency {
        expected: Currency,
        found: String,
    },
    DuplicateVoucher,
    /// Fewer places are left than asked for.
    SoldOut {
        limited: Limited,
        left: i64,
    },
}

/// A refused field of the cart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub field: Field,
    pub reason: Reason,
}

#[derive(Debug)]
pub enum CheckoutError {
    Refused(Vec<Refusal>),
    Db(DbErr),
}

impl From<DbErr> for CheckoutError {
    fn from(err: DbErr) -> Self {
        CheckoutError::Db(err)
    }
}

/// The refusals found so far while checking a cart.
#[derive(Debug, Default)]
pub(super) struct Refusals(pub(super) Vec<Refusal>);

impl Refusals {
    pub(super) fn add(&mut self, field: Field, reason: Reason) {
        self.0.push(Refusal { field, reason });
    }
}
