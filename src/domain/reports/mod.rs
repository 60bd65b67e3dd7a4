//! Reports: the daily sales summary of a merchant in its own time zone, and the
//! `sales_summary.daily` event written once for each closed day.

pub mod daily_sales;
pub mod summaries;
pub mod zone;

pub use daily_sales::{CurrencySales, DailySales, ProductSales, daily_sales};
pub use zone::{Day, MerchantZone};
