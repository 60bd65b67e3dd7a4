//! The daily sales summary as HAL and as CSV, built from figures already computed.

use chrono::NaiveDate;
use poem_openapi::Object;

use super::super::types::Timestamp;
use crate::{
    domain::reports::{CurrencySales, DailySales, ProductSales},
    http::hal::{Curie, Hal, Link},
};

/// The path of the report.
pub const PATH: &str = "/reports/daily_sales";

/// The media type of the CSV variant.
pub const TEXT_CSV: &str = "text/csv; charset=utf-8";

/// An amount of a report: a decimal string that may be negative (a day whose refunds
/// exceed its sales has a negative `net`), and an ISO 4217 code.
#[derive(Debug, Clone, PartialEq, Eq, Object)]
pub struct ReportMoney {
    /// Decimal amount as a string, e.g. `"12.50"` or `"-4.99"`.
    #[oai(validator(pattern = r"^-?[0-9]{1,15}(\.[0-9]{1,2})?$"))]
    pub amount: String,
    /// ISO 4217 code: EUR, CAD, USD, GBP or JPY.
    pub currency: String,
}

/// One tax, summed by name.
#[derive(Debug, Clone, Object)]
pub struct TaxTotal {
    /// The tax's name, e.g. `GST`.
    pub name: String,
    pub amount: ReportMoney,
}

/// The figures of one product on the day.
#[derive(Debug, Clone, Object)]
pub struct ProductSalesRepr {
    /// URI of the product.
    pub product: String,
    /// The merchant's identifier of the title (the till's `book_id`).
    pub sku: String,
    pub title: String,
    #[oai(flatten)]
    pub figures: SalesFigures,
}

/// What was sold and given back: `net` is `gross − refunds − voucher_refunds`.
#[derive(Debug, Clone, Object)]
pub struct SalesFigures {
    /// Units of the sales paid in the day.
    pub units_sold: i64,
    /// What the buyers were charged for them, taxes included.
    pub gross: ReportMoney,
    /// The taxes of those sales, by name.
    pub taxes: Vec<TaxTotal>,
    /// Provider refunds and till voids made in the day.
    pub refunds: ReportMoney,
    /// Refunds paid as vouchers in the day.
    pub voucher_refunds: ReportMoney,
    pub net: ReportMoney,
}

/// The day's figures in one currency.
#[derive(Debug, Clone, Object)]
pub struct CurrencySalesRepr {
    /// ISO 4217 code.
    pub currency: String,
    /// One entry per product sold or refunded in the day, by SKU.
    pub products: Vec<ProductSalesRepr>,
    /// The sums of the products.
    pub totals: SalesFigures,
}

#[derive(Debug, Clone, Object)]
pub struct DailySalesLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
    /// The same report as CSV (`type: text/csv`).
    pub alternate: Link,
    /// The day before.
    pub prev: Link,
    /// The day after, while that day has begun.
    #[oai(skip_serializing_if_is_none)]
    pub next: Option<Link>,
    /// Any day's report: `date` (`YYYY-MM-DD`), `currency`, `format` (`csv`).
    pub search: Link,
}

/// The daily sales summary of the shop: what was sold, taxed and given back on one day of
/// the shop's time zone, per currency and product.
#[derive(Debug, Clone, Object)]
pub struct DailySalesRepr {
    #[oai(rename = "_links")]
    pub links: DailySalesLinks,
    /// The shop's local day, `YYYY-MM-DD`.
    pub date: super::date::LocalDate,
    /// The shop's IANA time zone.
    pub time_zone: String,
    /// The first instant of the day (UTC).
    pub starts_at: Timestamp,
    /// The first instant of the next day (UTC).
    pub ends_at: Timestamp,
    /// Whether the day has ended (its figures no longer grow with new sales).
    pub closed: bool,
    /// One entry per currency with sales or refunds in the day (only `currency` when asked for).
    pub currencies: Vec<CurrencySalesRepr>,
}

/// Where the report of `date` is, keeping the currency asked for.
pub fn day_link(hal: &Hal, date: NaiveDate, currency: Option<&str>, csv: bool) -> Link {
    let query = [
        ("date", Some(date.to_string())),
        ("currency", currency.map(str::to_owned)),
        ("format", csv.then(|| "csv".to_owned())),
    ];
    Hal::link_to(hal.url_with_query(PATH, query))
}

/// The HAL representation. `today` is the shop's current local date.
pub fn daily_sales_repr(
    hal: &Hal,
    self_link: Link,
    sales: &DailySales,
    currency: Option<&str>,
    today: NaiveDate,
    closed: bool,
) -> DailySalesRepr {
    let date = sales.day.date;
    let next = date.succ_opt().filter(|next| *next <= today);
    DailySalesRepr {
        links: DailySalesLinks {
            self_link,
            curies: hal.curies(),
            alternate: day_link(hal, date, currency, true)
                .with_type("text/csv")
                .with_title("CSV"),
            prev: day_link(hal, date.pred_opt().unwrap_or(date), currency, false),
            next: next.map(|next| day_link(hal, next, currency, false)),
            search: hal.templated("/reports/daily_sales{?date,currency,format}"),
        },
        date: super::date::LocalDate(date),
        time_zone: sales.day.zone.name().to_owned(),
        starts_at: sales.day.starts_at.into(),
        ends_at: sales.day.ends_at.into(),
        closed,
        currencies: sales.currencies.iter().map(|c| currency_repr(hal, c)).collect(),
    }
}

fn currency_repr(hal: &Hal, sales: &CurrencySales) -> CurrencySalesRepr {
    CurrencySalesRepr {
        currency: sales.currency.code().to_owned(),
        products: sales
            .products
            .iter()
            .map(|product| ProductSalesRepr {
                product: hal.href(&format!("/products/{}", product.product_uid)),
                sku: product.sku.clone(),
                title: product.title.clone(),
                figures: figures(sales, product),
            })
            .collect(),
        totals: figures(sales, &sales.totals),
    }
}

fn money(sales: &CurrencySales, minor: i64) -> ReportMoney {
    ReportMoney {
        amount: sales.money(minor).amount_string(),
        currency: sales.currency.code().to_owned(),
    }
}

fn figures(sales: &CurrencySales, product: &ProductSales) -> SalesFigures {
    SalesFigures {
        units_sold: product.units_sold,
        gross: money(sales, product.gross),
        taxes: product
            .taxes
            .iter()
            .map(|(name, amount)| TaxTotal {
                name: name.clone(),
                amount: money(sales, *amount),
            })
            .collect(),
        refunds: money(sales, product.refunds),
        voucher_refunds: money(sales, product.voucher_refunds),
        net: money(sales, product.net()),
    }
}

/// The report as CSV: a header row, one row per product and one `total` row per currency
/// (an empty day has a `total` row of zeros). Columns: `row` (`product` or `total`), `date`,
/// `currency`, `product` (URI), `sku`, `title`, `units_sold`, `gross`, one `tax:<name>`
/// per tax of the day, `refunds`, `voucher_refunds`, `net`; amounts are decimal strings.
pub fn daily_sales_csv(hal: &Hal, sales: &DailySales) -> Result<String, csv::Error> {
    let taxes = sales.tax_names();
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = [
        "row",
        "date",
        "currency",
        "product",
        "sku",
        "title",
        "units_sold",
        "gross",
    ]
    .map(String::from)
    .to_vec();
    header.extend(taxes.iter().map(|name| format!("tax:{name}")));
    header.extend(["refunds", "voucher_refunds", "net"].map(String::from));
    out.write_record(&header)?;
    let date = sales.day.date.to_string();
    for currency in &sales.currencies {
        for product in &currency.products {
            let uri = hal.href(&format!("/products/{}", product.product_uid));
            let first = [
                "product",
                &date,
                currency.currency.code(),
                &uri,
                &cell(&product.sku),
                &cell(&product.title),
            ];
            out.write_record(row(&first, currency, product, &taxes))?;
        }
        let first = ["total", &date, currency.currency.code(), "", "", ""];
        out.write_record(row(&first, currency, &currency.totals, &taxes))?;
    }
    if sales.currencies.is_empty() {
        let zero = ["total", &date, "", "", "", "", "0", "0"].map(String::from);
        let rest = taxes
            .iter()
            .map(|_| "0".to_owned())
            .chain(["0", "0", "0"].map(String::from));
        out.write_record(zero.into_iter().chain(rest))?;
    }
    let bytes = out.into_inner().map_err(|err| err.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn row(first: &[&str; 6], sales: &CurrencySales, figures: &ProductSales, taxes: &[String]) -> Vec<String> {
    let amount = |minor: i64| sales.money(minor).amount_string();
    let mut row: Vec<String> = first.iter().map(|s| (*s).to_owned()).collect();
    row.push(figures.units_sold.to_string());
    row.push(amount(figures.gross));
    row.extend(
        taxes
            .iter()
            .map(|name| amount(figures.taxes.get(name).copied().unwrap_or(0))),
    );
    row.push(amount(figures.refunds));
    row.push(amount(figures.voucher_refunds));
    row.push(amount(figures.net()));
    row
}

/// Text a merchant wrote, made inert for spreadsheets: a cell that begins like a formula
/// (`=`, `+`, `-`, `@`) is prefixed with an apostrophe.
fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}
