//! Reports of the shop: the daily sales summary, in HAL or CSV.

pub mod date;
pub mod view;

use chrono::{NaiveDate, Utc};
use poem::{IntoResponse, Request, Response, http::header, web::Data};
use poem_openapi::{
    ApiResponse, Enum, OpenApi,
    param::Query,
    registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry},
    types::Type,
};

use super::ApiTags;
use crate::{
    auth::MerchantAuth,
    domain::{
        money::Currency,
        reports::{self, MerchantZone},
    },
    http::{
        browse::prefers_csv,
        error::{ApiError, FieldError, Problems},
        hal::{HAL_JSON, HalJson},
    },
    problem_set,
    state::SharedState,
};
use view::{DailySalesRepr, TEXT_CSV};

/// A representation asked for by name, whatever `Accept` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum ReportFormat {
    /// `text/csv`.
    Csv,
    /// `application/hal+json`.
    Hal,
}

/// The daily sales summary: HAL by default, CSV when `Accept` prefers `text/csv` or
/// `format=csv` is given.
pub enum DailySalesResponse {
    Hal(DailySalesRepr),
    Csv { body: String, date: NaiveDate },
}

impl IntoResponse for DailySalesResponse {
    fn into_response(self) -> Response {
        let mut response = match self {
            DailySalesResponse::Hal(repr) => HalJson(repr).into_response(),
            DailySalesResponse::Csv { body, date } => Response::builder()
                .content_type(TEXT_CSV)
                .header(
                    header::CONTENT_DISPOSITION,
                    format!("inline; filename=\"daily-sales-{date}.csv\""),
                )
                .body(body),
        };
        if let Ok(accept) = header::HeaderValue::from_str("Accept") {
            response.headers_mut().append(header::VARY, accept);
        }
        response
    }
}

impl ApiResponse for DailySalesResponse {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![
                MetaResponse {
                    description: "The day's summary: `application/hal+json` (default), or `text/csv` \
                                  (a header row, one row per product, one `total` row per currency) \
                                  when `Accept` prefers `text/csv` or `format=csv` is given.",
                    status: Some(200),
                    status_range: None,
                    content: vec![
                        MetaMediaType {
                            content_type: HAL_JSON,
                            schema: DailySalesRepr::schema_ref(),
                        },
                        MetaMediaType {
                            content_type: "text/csv",
                            schema: String::schema_ref(),
                        },
                    ],
                    headers: vec![],
                },
                MetaResponse {
                    description: "Not modified: the `If-None-Match` ETag is still current.",
                    status: Some(304),
                    status_range: None,
                    content: vec![],
                    headers: vec![],
                },
            ],
        }
    }

    fn register(registry: &mut Registry) {
        DailySalesRepr::register(registry);
        let _: MetaSchemaRef = String::schema_ref();
    }
}

problem_set!(
    /// Errors of reading the daily sales summary.
    DailySalesProblems:
    400 => "`malformed_request`: `date` is not a date (`YYYY-MM-DD`) or `format` is not `csv` or `hal`.",
    401 => "`unauthorized`: merchant credentials missing or wrong.",
    405 => "`method_not_allowed`.",
    422 => "`validation_failed`: `currency` is not one halshop prices in, or `date` is after today in the shop's time zone."
);

#[derive(Default)]
pub struct ReportsApi;

#[OpenApi(tag = "ApiTags::Reports")]
impl ReportsApi {
    /// Daily sales summary (merchant)
    ///
    /// What the shop sold, taxed and gave back on one day of its time zone
    /// (`merchant.time_zone`, UTC by default), per currency and product: units sold, gross
    /// (taxes included), taxes by name, refunds, voucher refunds and net, with totals. Sales
    /// count on the day their payment was taken; refunds, voucher refunds and till voids on
    /// the day they were made. Without `date`, the last closed day (yesterday in the shop's
    /// time zone); today's report grows until the day closes. Send `Accept: text/csv` (or
    /// `format=csv`) for the CSV.
    #[oai(
        path = "/reports/daily_sales",
        method = "get",
        operation_id = "get_daily_sales"
    )]
    async fn daily_sales(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        merchant: MerchantAuth,
        /// The shop's local day, `YYYY-MM-DD` (default: yesterday in the shop's time zone).
        date: Query<Option<date::LocalDate>>,
        /// Only this currency (ISO 4217: EUR, CAD, USD, GBP, JPY).
        #[oai(validator(max_length = 3))]
        currency: Query<Option<String>>,
        /// `csv` or `hal`: this representation whatever `Accept` says.
        format: Query<Option<ReportFormat>>,
    ) -> Result<DailySalesResponse, Problems<DailySalesProblems>> {
        let merchant = merchant.0;
        let zone = MerchantZone::of_stored(&merchant.time_zone);
        let now = Utc::now();
        let today = zone.date_at(now);
        let date = date
            .0
            .map_or_else(|| today.pred_opt().unwrap_or(today), |day| day.0);
        let wanted = match currency.0.as_deref() {
            Some(code) => Some(code.parse::<Currency>().map_err(|_| {
                ApiError::validation(vec![FieldError::new(
                    "currency",
                    "not one of EUR, CAD, USD, GBP, JPY",
                )])
            })?),
            None => None,
        };
        if date > today {
            let message = format!("is after today in the shop's time zone ({})", zone.name());
            return Err(ApiError::validation(vec![FieldError::new("date", message)]).into());
        }
        let day = zone.day(date);
        let sales = reports::daily_sales(&state.db, &merchant, &day, wanted).await?;
        let csv = match format.0 {
            Some(format) => format == ReportFormat::Csv,
            None => prefers_csv(req.headers()),
        };
        if csv {
            let body = view::daily_sales_csv(&state.hal, &sales).map_err(ApiError::internal)?;
            return Ok(DailySalesResponse::Csv { body, date });
        }
        let self_link = state.hal.self_link(req);
        let code = wanted.map(Currency::code);
        let repr = view::daily_sales_repr(&state.hal, self_link, &sales, code, today, day.is_closed(now));
        Ok(DailySalesResponse::Hal(repr))
    }
}
