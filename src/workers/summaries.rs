//! Closes the merchants' days: the `sales_summary.daily` event of each closed day, with
//! the day's report (its HAL representation, and `merchant_uid`) as data.

use chrono::{DateTime, Utc};
use entity::merchant;
use poem_openapi::types::ToJSON;
use sea_orm::{DatabaseConnection, DbErr};

use crate::{
    api::reports::view,
    domain::reports::{DailySales, MerchantZone, summaries},
    http::hal::Hal,
    state::SharedState,
};

/// Summarises until the task is aborted.
pub async fn run(state: SharedState) {
    let mut ticks = tokio::time::interval(state.settings.workers.summary_interval());
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match close_days(&state.db, &state.hal, Utc::now()).await {
            Ok(0) => {}
            Ok(written) => tracing::info!(written, "daily sales summaries written"),
            Err(err) => tracing::warn!(error = %err, "cannot write the daily sales summaries"),
        }
    }
}

/// Writes the event of every closed day not yet summarised; returns how many this call wrote.
pub async fn close_days(db: &DatabaseConnection, hal: &Hal, now: DateTime<Utc>) -> Result<usize, DbErr> {
    let render = |merchant: &merchant::Model, sales: &DailySales| event_data(hal, merchant, sales, now);
    summaries::close_days(db, now, &render).await
}

/// The event's data: the day's report as `GET /reports/daily_sales?date=…` shows it.
pub fn event_data(
    hal: &Hal,
    merchant: &merchant::Model,
    sales: &DailySales,
    now: DateTime<Utc>,
) -> serde_json::Value {
    let zone = MerchantZone::of_stored(&merchant.time_zone);
    let self_link = view::day_link(hal, sales.day.date, None, false);
    let repr = view::daily_sales_repr(
        hal,
        self_link,
        sales,
        None,
        zone.date_at(now),
        sales.day.is_closed(now),
    );
    let mut data = repr.to_json().unwrap_or_default();
    if let Some(object) = data.as_object_mut() {
        object.insert("merchant_uid".into(), merchant.uid.clone().into());
    }
    data
}
