//! Taxes: an effective-dated table keyed by (country, region, product kind), and the
//! arithmetic of one order line. Each tax is rounded per line, half away from zero.

use std::sync::Arc;

use chrono::NaiveDate;
use entity::tax_rate;
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use super::{catalogue::Kind, money::Money};

/// One tax that applies, e.g. QST at 9.975 %.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxRate {
    pub name: String,
    /// As a fraction: 0.09975 for 9.975 %.
    pub rate: Decimal,
}

/// A tax charged on a line (or summed over an order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxAmount {
    pub name: String,
    pub rate: Decimal,
    pub amount: Money,
}

/// A priced line: what is net of tax, each tax, and what the buyer pays for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedLine {
    pub net: Money,
    pub taxes: Vec<TaxAmount>,
    pub total: Money,
}

impl PricedLine {
    pub fn tax_total(&self) -> Money {
        let currency = self.net.currency();
        Money::from_minor(self.taxes.iter().map(|t| t.amount.minor()).sum(), currency)
    }
}

/// Prices `quantity` units at `unit`. A price without tax gets each tax added; a price
/// that includes tax has it extracted, and the net is what remains once the rounded
/// taxes are taken out, so that net + taxes is exactly the price.
pub fn price_line(unit: Money, quantity: u32, includes_tax: bool, rates: &[TaxRate]) -> PricedLine {
    let currency = unit.currency();
    let amount = unit.amount() * Decimal::from(quantity);
    if includes_tax {
        let total = Money::rounded(amount, currency);
        let divisor = Decimal::ONE + rates.iter().map(|r| r.rate).sum::<Decimal>();
        let exact_net = amount / divisor;
        let taxes: Vec<TaxAmount> = rates
            .iter()
            .map(|r| TaxAmount {
                name: r.name.clone(),
                rate: r.rate,
                amount: Money::rounded(exact_net * r.rate, currency),
            })
            .collect();
        let tax_minor: i64 = taxes.iter().map(|t| t.amount.minor()).sum();
        PricedLine {
            net: Money::from_minor(total.minor() - tax_minor, currency),
            taxes,
            total,
        }
    } else {
        let net = Money::rounded(amount, currency);
        let taxes: Vec<TaxAmount> = rates
            .iter()
            .map(|r| TaxAmount {
                name: r.name.clone(),
                rate: r.rate,
                amount: Money::rounded(net.amount() * r.rate, currency),
            })
            .collect();
        let tax_minor: i64 = taxes.iter().map(|t| t.amount.minor()).sum();
        PricedLine {
            total: Money::from_minor(net.minor() + tax_minor, currency),
            net,
            taxes,
        }
    }
}

/// Sums the taxes of several lines by (name, rate), in first-seen order.
pub fn sum_taxes<'a>(lines: impl IntoIterator<Item = &'a [TaxAmount]>) -> Vec<TaxAmount> {
    let mut summed: Vec<TaxAmount> = Vec::new();
    for taxes in lines {
        for tax in taxes {
            match summed
                .iter_mut()
                .find(|s| s.name == tax.name && s.rate == tax.rate)
            {
                Some(existing) => {
                    existing.amount = Money::from_minor(
                        existing.amount.minor() + tax.amount.minor(),
                        tax.amount.currency(),
                    )
                }
                None => summed.push(tax.clone()),
            }
        }
    }
    summed
}

/// A rate as a percentage string: 0.09975 → "9.975".
pub fn percent(rate: Decimal) -> String {
    (rate * Decimal::from(100)).normalize().to_string()
}

/// The tax rows of one country, read in one query and then asked for its regions and for
/// the rates of each line, so that pricing a cart reads the table once. A clone shares the
/// rows: checkout keeps a copy per country and hands it to every cart.
#[derive(Debug, Clone, Default)]
pub struct CountryTaxes {
    /// Every row of the country, whatever its dates, in id order.
    rows: Arc<[tax_rate::Model]>,
    /// The regions that have their own taxes, sorted and distinct.
    regions: Arc<[String]>,
}

impl CountryTaxes {
    pub async fn load(db: &impl ConnectionTrait, country: &str) -> Result<Self, DbErr> {
        let rows = tax_rate::Entity::find()
            .filter(tax_rate::Column::Country.eq(country))
            .order_by_asc(tax_rate::Column::Id)
            .all(db)
            .await?;
        Ok(Self::of(rows))
    }

    fn of(rows: Vec<tax_rate::Model>) -> Self {
        let mut regions: Vec<String> = rows
            .iter()
            .filter(|row| row.region != "*")
            .map(|row| row.region.clone())
            .collect();
        regions.sort();
        regions.dedup();
        Self {
            rows: rows.into(),
            regions: regions.into(),
        }
    }

    /// The taxes of a product kind sold to a buyer in `region` on `date`. No row means no
    /// tax (the zero-rate default).
    pub fn rates(&self, region: Option<&str>, kind: Kind, date: NaiveDate) -> Result<Vec<TaxRate>, DbErr> {
        let day = date.format("%Y-%m-%d").to_string();
        self.rows
            .iter()
            .filter(|row| row.region == "*" || Some(row.region.as_str()) == region)
            .filter(|row| row.kind == "*" || row.kind == kind.as_str())
            .filter(|row| row.valid_from.as_str() <= day.as_str())
            .filter(|row| row.valid_to.as_deref().is_none_or(|to| to > day.as_str()))
            .map(|row| {
                let rate = Decimal::from_str_exact(&row.rate)
                    .map_err(|err| DbErr::Type(format!("tax rate {}: {err}", row.id)))?;
                Ok(TaxRate {
                    name: row.name.clone(),
                    rate,
                })
            })
            .collect()
    }

    /// The regions that have their own taxes (at any date), sorted; when there are any, a
    /// buyer in that country must say which region they are in.
    pub fn regions(&self) -> &[String] {
        &self.regions
    }

    /// The regions a buyer in `region` must choose from, when the country has regions with
    /// their own taxes and `region` is none of them.
    pub fn region_missing(&self, region: Option<&str>) -> Option<Vec<String>> {
        let known = region.is_some_and(|region| self.regions.iter().any(|r| r == region));
        (!self.regions.is_empty() && !known).then(|| self.regions.to_vec())
    }
}

/// The taxes of a product kind sold to a buyer in (country, region) on `date`.
pub async fn rates_for(
    db: &impl ConnectionTrait,
    country: &str,
    region: Option<&str>,
    kind: Kind,
    date: NaiveDate,
) -> Result<Vec<TaxRate>, DbErr> {
    CountryTaxes::load(db, country).await?.rates(region, kind, date)
}

/// The regions of `country` that have their own taxes.
pub async fn regions_of(db: &impl ConnectionTrait, country: &str) -> Result<Vec<String>, DbErr> {
    Ok(CountryTaxes::load(db, country).await?.regions().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::Currency;

    fn rate(name: &str, rate: &str) -> TaxRate {
        TaxRate {
            name: name.into(),
            rate: Decimal::from_str_exact(rate).unwrap(),
        }
    }

    fn cad(amount: &str) -> Money {
        Money::parse(amount, "CAD").unwrap()
    }

    #[test]
    fn a_quebec_ebook_gets_gst_and_qst_added() {
        let line = price_line(
            cad("19.99"),
            1,
            false,
            &[rate("GST", "0.05"), rate("QST", "0.09975")],
        );
        assert_eq!(line.net, cad("19.99"));
        assert_eq!(line.taxes[0].amount, cad("1.00"));
        assert_eq!(line.taxes[1].amount, cad("1.99"));
        assert_eq!(line.total, cad("22.98"));
    }

    #[test]
    fn an_ontario_ticket_pair_gets_hst_added_on_the_line() {
        let line = price_line(cad("25.00"), 2, false, &[rate("HST", "0.13")]);
        assert_eq!(line.net, cad("50.00"));
        assert_eq!(line.taxes[0].amount, cad("6.50"));
        assert_eq!(line.total, cad("56.50"));
    }

    #[test]
    fn a_french_ebook_price_has_its_vat_extracted() {
        let eur = |a: &str| Money::parse(a, "EUR").unwrap();
        let line = price_line(eur("4.99"), 1, true, &[rate("TVA", "0.055")]);
        assert_eq!(line.total, eur("4.99"));
        assert_eq!(line.taxes[0].amount, eur("0.26"));
        assert_eq!(line.net, eur("4.73"));
        let line = price_line(eur("9.99"), 1, true, &[rate("TVA", "0.055")]);
        assert_eq!((line.net, line.taxes[0].amount), (eur("9.47"), eur("0.52")));
    }

    #[test]
    fn an_extracted_quebec_price_still_adds_up() {
        let line = price_line(
            cad("22.98"),
            1,
            true,
            &[rate("GST", "0.05"), rate("QST", "0.09975")],
        );
        assert_eq!(line.taxes[0].amount, cad("1.00"));
        assert_eq!(line.taxes[1].amount, cad("1.99"));
        assert_eq!(line.net, cad("19.99"));
    }

    #[test]
    fn no_rate_means_no_tax() {
        let line = price_line(cad("7.50"), 1, false, &[]);
        assert_eq!((line.net, line.total), (cad("7.50"), cad("7.50")));
        assert!(line.taxes.is_empty());
    }

    #[test]
    fn half_a_cent_rounds_up() {
        // 0.10 × 5 % = 0.005 → 0.01
        let line = price_line(cad("0.10"), 1, false, &[rate("GST", "0.05")]);
        assert_eq!(line.taxes[0].amount, cad("0.01"));
        let yen = Money::parse("1000", "JPY").unwrap();
        let line = price_line(yen, 1, false, &[rate("JCT", "0.1")]);
        assert_eq!(line.total.amount_string(), "1100");
        assert_eq!(line.total.currency(), Currency::Jpy);
    }

    #[test]
    fn taxes_are_summed_by_name_and_rate() {
        let a = price_line(cad("10.00"), 1, false, &[rate("GST", "0.05")]);
        let b = price_line(cad("20.00"), 1, false, &[rate("GST", "0.05")]);
        let summed = sum_taxes([a.taxes.as_slice(), b.taxes.as_slice()]);
        assert_eq!(summed.len(), 1);
        assert_eq!(summed[0].amount, cad("1.50"));
        assert_eq!(percent(Decimal::from_str_exact("0.09975").unwrap()), "9.975");
    }

    fn row(id: i64, region: &str, kind: &str, name: &str, from: &str, to: Option<&str>) -> tax_rate::Model {
        tax_rate::Model {
            id,
            country: "CA".into(),
            region: region.into(),
            kind: kind.into(),
            name: name.into(),
            rate: "0.05".into(),
            valid_from: from.into(),
            valid_to: to.map(Into::into),
        }
    }

    #[test]
    fn country_taxes_pick_rows_by_region_kind_and_date() {
        let table = CountryTaxes::of(vec![
            row(1, "*", "*", "GST", "2008-01-01", None),
            row(2, "QC", "*", "QST", "2013-01-01", None),
            row(3, "ON", "ebook", "HST-old", "2010-07-01", Some("2020-01-01")),
            row(4, "ON", "ticket", "HST", "2010-07-01", None),
        ]);
        let names = |region, kind, day: &str| -> Vec<String> {
            let date = NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
            let rates = table.rates(region, kind, date).unwrap();
            rates.into_iter().map(|r| r.name).collect()
        };
        assert_eq!(names(Some("QC"), Kind::Ebook, "2026-01-01"), ["GST", "QST"]);
        assert_eq!(names(Some("ON"), Kind::Ebook, "2019-12-31"), ["GST", "HST-old"]);
        assert_eq!(names(Some("ON"), Kind::Ebook, "2020-01-01"), ["GST"]);
        assert_eq!(names(Some("ON"), Kind::Ticket, "2026-01-01"), ["GST", "HST"]);
        assert_eq!(names(None, Kind::Ticket, "2026-01-01"), ["GST"]);
        assert!(names(None, Kind::Ebook, "2007-12-31").is_empty());
        assert_eq!(table.regions(), ["ON", "QC"]);
    }

    #[test]
    fn a_buyer_outside_the_regions_with_their_own_taxes_is_asked_to_choose_one() {
        let table = CountryTaxes::of(vec![
            row(1, "*", "*", "GST", "2008-01-01", None),
            row(2, "QC", "*", "QST", "2013-01-01", None),
        ]);
        assert_eq!(table.region_missing(None), Some(vec!["QC".to_owned()]));
        assert_eq!(table.region_missing(Some("ON")), Some(vec!["QC".to_owned()]));
        assert_eq!(table.region_missing(Some("QC")), None);
        let federal = CountryTaxes::of(vec![row(1, "*", "*", "GST", "2008-01-01", None)]);
        assert_eq!(federal.region_missing(None), None);
    }
}
