//! The one place an order and its lines are written, for a checkout and for a till sale
//! alike, and where the stored form of their taxes is read back.

use chrono::{DateTime, Utc};
use entity::{merchant, order, order_line, product};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr};

use super::cart::Consumer;
use crate::domain::{
    ids,
    money::{Currency, Money},
    status::OrderStatus,
    taxes::{PricedLine, TaxAmount},
    vouchers,
};

/// Where an order comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// Placed through the API (checkout).
    Web,
    /// Sold at a store's till.
    Store,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Store => "store",
        }
    }
}

/// One line to write: the product as it is sold now, and its price.
#[derive(Debug, Clone)]
pub struct NewLine<'a> {
    pub product: &'a product::Model,
    pub quantity: u32,
    pub unit_price: Money,
    pub price_includes_tax: bool,
    pub priced: PricedLine,
    /// The library offer sold, for a line of licences.
    pub library_offer_id: Option<i64>,
}

/// The order totals, in the order's currency.
#[derive(Debug, Clone, Copy)]
pub struct Totals {
    pub product_total: Money,
    pub tax_total: Money,
    pub voucher_total: Money,
    pub grand_total: Money,
}

/// Everything an order is written from.
#[derive(Debug, Clone)]
pub struct NewOrder<'a> {
    pub merchant: &'a merchant::Model,
    pub status: OrderStatus,
    pub channel: Channel,
    /// The order's secret; only its hash is stored.
    pub token: &'a str,
    pub customer_id: String,
    pub customer_sub: Option<String>,
    pub consumer: Consumer,
    pub external_reference: Option<String>,
    pub redirect_url: Option<String>,
    pub currency: Currency,
    pub totals: Totals,
    pub taxes: &'a [TaxAmount],
    /// When the order was paid and completed, for a sale settled at once (a till's).
    pub settled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Until when an unpaid order holds its ticket places.
    pub expires_at: Option<DateTime<Utc>>,
    /// The library buying licences, for a library's order.
    pub library_id: Option<i64>,
}

impl NewOrder<'_> {
    /// Writes the order and its lines (positions from 0, in the given order).
    pub async fn insert(
        self,
        db: &impl ConnectionTrait,
        lines: &[NewLine<'_>],
    ) -> Result<(order::Model, Vec<order_line::Model>), DbErr> {
        let order = self.active_model().insert(db).await?;
        let mut stored = Vec::with_capacity(lines.len());
        for (position, line) in lines.iter().enumerate() {
            stored.push(line_model(order.id, position, line).insert(db).await?);
        }
        Ok((order, stored))
    }

    /// The order row, unsaved, for writers that insert many rows at once.
    pub fn active_model(self) -> order::ActiveModel {
        let totals = self.totals;
        order::ActiveModel {
            uid: Set(ids::new_uid()),
            reference: Set(vouchers::random_code(10)),
            merchant_id: Set(self.merchant.id),
            status: Set(self.status.as_str().into()),
            channel: Set(self.channel.as_str().into()),
            token_hash: Set(ids::sha256_hex(self.token)),
            transaction_id: Set(format!("tx_{}", ids::new_uid())),
            customer_id: Set(self.customer_id),
            customer_sub: Set(self.customer_sub),
            email: Set(self.consumer.email),
            first_name: Set(self.consumer.first_name),
            last_name: Set(self.consumer.last_name),
            country: Set(self.consumer.country),
            region: Set(self.consumer.region),
            external_reference: Set(self.external_reference),
            currency: Set(self.currency.code().into()),
            product_total_minor: Set(totals.product_total.minor()),
            tax_total_minor: Set(totals.tax_total.minor()),
            voucher_total_minor: Set(totals.voucher_total.minor()),
            grand_total_minor: Set(totals.grand_total.minor()),
            refunded_total_minor: Set(0),
            taxes: Set(taxes_json(self.taxes)),
            sale_state: Set(self.merchant.sale_state.clone()),
            redirect_url: Set(self.redirect_url),
            cancel_reason: Set(None),
            cancelled_at: Set(None),
            paid_at: Set(self.settled_at),
            completed_at: Set(self.settled_at),
            created_at: Set(self.created_at),
            updated_at: Set(self.created_at),
            version: Set(1),
            expires_at: Set(self.expires_at),
            library_id: Set(self.library_id),
            ..Default::default()
        }
    }
}

/// A line row of the order `order_id`, unsaved.
pub fn line_model(order_id: i64, position: usize, line: &NewLine<'_>) -> order_line::ActiveModel {
    let product = line.product;
    order_line::ActiveModel {
        order_id: Set(order_id),
        position: Set(position as i32),
        product_id: Set(product.id),
        product_uid: Set(product.uid.clone()),
        sku: Set(product.sku.clone()),
        title: Set(product.title.clone()),
        kind: Set(product.kind.clone()),
        isbn: Set(product.isbn.clone()),
        format: Set(product.format.clone()),
        protection: Set(product.protection.clone()),
        unit_price_minor: Set(line.unit_price.minor()),
        price_includes_tax: Set(line.price_includes_tax),
        quantity: Set(line.quantity as i32),
        net_minor: Set(line.priced.net.minor()),
        tax_minor: Set(line.priced.tax_total().minor()),
        total_minor: Set(line.priced.total.minor()),
        taxes: Set(taxes_json(&line.priced.taxes)),
        refund_days: Set(product.refund_days),
        usage_limit_percent: Set(product.usage_limit_percent),
        library_offer_id: Set(line.library_offer_id),
        ..Default::default()
    }
}

fn taxes_json(taxes: &[TaxAmount]) -> String {
    let list: Vec<serde_json::Value> = taxes
        .iter()
        .map(|t| serde_json::json!({"name": t.name, "rate": t.rate.to_string(), "amount_minor": t.amount.minor()}))
        .collect();
    serde_json::Value::Array(list).to_string()
}

/// Reads taxes stored with an order or a line.
pub fn stored_taxes(json: &str, currency: Currency) -> Result<Vec<TaxAmount>, DbErr> {
    let list: Vec<serde_json::Value> =
        serde_json::from_str(json).map_err(|err| DbErr::Type(format!("stored taxes: {err}")))?;
    list.into_iter()
        .map(|tax| {
            let rate = tax["rate"]
                .as_str()
                .and_then(|r| rust_decimal::Decimal::from_str_exact(r).ok())
                .ok_or_else(|| DbErr::Type("stored tax without rate".into()))?;
            Ok(TaxAmount {
                name: tax["name"].as_str().unwrap_or_default().to_owned(),
                rate,
                amount: Money::from_minor(tax["amount_minor"].as_i64().unwrap_or_default(), currency),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taxes_read_back_as_written() {
        let currency: Currency = "CAD".parse().unwrap();
        let taxes = vec![TaxAmount {
            name: "QST".into(),
            rate: rust_decimal::Decimal::new(9975, 5),
            amount: Money::from_minor(150, currency),
        }];
        assert_eq!(stored_taxes(&taxes_json(&taxes), currency).unwrap(), taxes);
        assert_eq!(taxes_json(&[]), "[]");
    }
}
