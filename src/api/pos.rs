//! The point-of-sale store API for bookstore tills: purchases with access codes, voids,
//! code redemption and the customer's library. Tills send forms; JSON works too.

use poem::Request;
use poem_openapi::{ApiRequest, ApiResponse, Object, OpenApi, param::Path, payload::Form};
use serde::Deserialize;
use serde_json::Value;

use super::{
    ApiTags,
    deliveries::{DeliveryRepr, delivery_repr},
    types::{MoneyRepr, valid_email},
};
use crate::http::json::JsonBody;
use crate::{
    auth::{
        Customer, MaybeCustomer, StoreBearer,
        store::{authenticate_store, valid_transact_id},
    },
    domain::pos::{self, PosError, Purchase, RedeemError},
    http::error::{ApiError, Problems, problems},
    http::hal::{Curie, HalJson, Link},
    problem_set,
    state::SharedState,
};

/// A till's purchase (form or JSON). Every field is checked with the reference's messages.
#[derive(Debug, Clone, Default, Object, Deserialize)]
#[oai(example)]
pub struct PurchaseInput {
    /// The store's token (or send it as `Authorization: Bearer`).
    pub token: Option<String>,
    /// The store's SAN; when sent, it must be the one in the path.
    pub san: Option<String>,
    /// The till's transaction id, unique within the store (1–64 characters).
    pub partner_transact_id: Option<Value>,
    /// The product's SKU.
    pub book_id: Option<Value>,
    /// Put the book straight into this buyer's library: no access code is returned.
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// Whether to e-mail the buyer (`true`/`false`, `True`/`False`).
    pub send_email: Option<Value>,
}

impl poem_openapi::types::Example for PurchaseInput {
    fn example() -> Self {
        PurchaseInput {
            token: Some("st_3ft49ki3awf7…".into()),
            san: None,
            partner_transact_id: Some(Value::String("878341937616".into())),
            book_id: Some(Value::String("HUGO-MISERABLES-EPUB".into())),
            ..Default::default()
        }
    }
}

/// A till's void of an earlier purchase.
#[derive(Debug, Clone, Default, Object, Deserialize)]
pub struct StoreRefundInput {
    pub token: Option<String>,
    pub san: Option<String>,
    /// The till's id of this void, unique within the store.
    pub partner_transact_id: Option<Value>,
    /// The `partner_transact_id` of the purchase to void.
    pub purchase_transact_id: Option<Value>,
}

#[derive(ApiRequest)]
pub enum PurchaseBody {
    Form(Form<PurchaseInput>),
    Json(JsonBody<PurchaseInput>),
}

#[derive(ApiRequest)]
pub enum StoreRefundBody {
    Form(Form<StoreRefundInput>),
    Json(JsonBody<StoreRefundInput>),
}

/// Redeem an access code.
#[derive(Debug, Clone, Object, Deserialize)]
pub struct RedemptionInput {
    /// The account's e-mail; not needed with a customer token.
    pub email: Option<String>,
    /// The access code (hyphens and case are ignored).
    pub code: Option<String>,
}

#[derive(ApiRequest)]
pub enum RedemptionBody {
    Form(Form<RedemptionInput>),
    Json(JsonBody<RedemptionInput>),
}

#[derive(Debug, Clone, Object)]
pub struct CuriesLinks {
    pub curies: Vec<Curie>,
}

/// The result of a purchase.
#[derive(Debug, Clone, Object)]
pub struct PurchaseRepr {
    #[oai(rename = "_links")]
    pub links: CuriesLinks,
    pub partner_transact_id: String,
    /// halshop's id of the transaction, for the till's audit.
    pub vendor_transact_id: String,
    /// The code to print on the receipt; absent when the book went into the buyer's library.
    #[oai(skip_serializing_if_is_none)]
    pub access_code: Option<String>,
    /// Where the buyer enters the code.
    #[oai(skip_serializing_if_is_none)]
    pub access_url: Option<String>,
}

/// The proof of a void.
#[derive(Debug, Clone, Object)]
pub struct StoreRefundRepr {
    #[oai(rename = "_links")]
    pub links: CuriesLinks,
    pub partner_transact_id: String,
    pub vendor_transact_id: String,
    /// When the access code was voided.
    pub timestamp: super::types::Timestamp,
}

/// What a redeemed code gave.
#[derive(Debug, Clone, Object)]
pub struct RedemptionRepr {
    #[oai(rename = "_links")]
    pub links: RedemptionLinks,
    pub email: String,
    /// Id of the product.
    pub hash: String,
    /// The SKU when the code was bought.
    pub purchased_sku: String,
    /// The product's SKU now.
    pub current_sku: String,
    pub isbn: String,
    /// What was paid.
    pub price: MoneyRepr,
    /// `LIFETIME`: halshop ebooks do not expire.
    pub expiration_date: String,
}

#[derive(Debug, Clone, Object)]
pub struct RedemptionLinks {
    pub curies: Vec<Curie>,
    /// The delivery now in the library.
    #[oai(rename = "shop:delivery")]
    pub delivery: Link,
}

#[derive(Debug, Clone, Object)]
pub struct LibraryLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
}

#[derive(Debug, Clone, Object)]
pub struct LibraryEmbedded {
    #[oai(rename = "shop:deliveries")]
    pub deliveries: Vec<DeliveryRepr>,
}

/// What the customer owns.
#[derive(Debug, Clone, Object)]
pub struct LibraryRepr {
    #[oai(rename = "_links")]
    pub links: LibraryLinks,
    pub item_count: u64,
    #[oai(rename = "_embedded")]
    pub embedded: LibraryEmbedded,
}

#[derive(ApiResponse)]
pub enum PurchaseResponse {
    /// The purchase was made.
    #[oai(status = 201)]
    Created(HalJson<PurchaseRepr>),
    /// The same purchase was made before: the same result.
    #[oai(status = 200)]
    Replayed(HalJson<PurchaseRepr>),
}

#[derive(ApiResponse)]
pub enum StoreRefundResponse {
    /// The access code is voided (or was, by this same void).
    #[oai(status = 200)]
    Ok(HalJson<StoreRefundRepr>),
}

#[derive(ApiResponse)]
pub enum RedemptionResponse {
    /// The code is redeemed into the library.
    #[oai(status = 200)]
    Ok(HalJson<RedemptionRepr>),
}

#[derive(ApiResponse)]
pub enum LibraryResponse {
    /// The customer's library.
    #[oai(status = 200)]
    Ok(HalJson<LibraryRepr>),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
}

problem_set!(
    /// Errors of a till purchase.
    PurchaseProblems:
    400 => "`san_malformed`, `token_malformed`, `partner_transact_id_malformed`, `book_id_malformed`, `san_nonconforming`, `email_malformed` or `malformed_request`.",
    403 => "`store_token_invalid`: Invalid Authorization Token.",
    404 => "`store_not_registered` or `book_id_unknown`.",
    405 => "`method_not_allowed`.",
    409 => "`partner_transact_id_reused` or `book_id_unavailable`.",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send a form or JSON.",
    422 => "`validation_failed`: a field of the wrong JSON type."
);

problem_set!(
    /// Errors of a till void.
    StoreRefundProblems:
    400 => "`san_malformed`, `token_malformed`, `partner_transact_id_malformed`, `purchase_transact_id_malformed`, `san_nonconforming` or `malformed_request`.",
    403 => "`store_token_invalid`, `store_refund_time_limit` or `store_refund_usage_limit`.",
    404 => "`store_not_registered` or `purchase_not_found`.",
    405 => "`method_not_allowed`.",
    409 => "`partner_transact_id_reused`, `code_redeemed` or `already_voided`.",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send a form or JSON.",
    422 => "`validation_failed`: a field of the wrong JSON type."
);

problem_set!(
    /// Errors of redeeming a code.
    RedemptionProblems, customer:
    400 => "`malformed_request` (no code) or `email_malformed`.",
    401 => "A customer token was sent but refused.",
    404 => "`account_unknown` or `code_unknown`.",
    405 => "`method_not_allowed`.",
    409 => "`code_inactive`: redeemed already, or voided.",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send a form or JSON.",
    422 => "`validation_failed`: a field of the wrong JSON type."
);

problem_set!(
    /// Errors of the library.
    LibraryProblems, customer:
    401 => "No customer token, or a refused one.",
    405 => "`method_not_allowed`."
);

fn text(value: &Option<Value>) -> Option<String> {
    match value {
        Some(Value::String(s)) => Some(s.trim().to_owned()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
    .filter(|s| !s.is_empty())
}

fn send_email(value: &Option<Value>) -> Result<bool, ApiError> {
    match value {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") || s == "1" => Ok(true),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") || s == "0" || s.is_empty() => Ok(false),
        _ => Err(ApiError::new(
            &problems::MALFORMED_REQUEST,
            "send_email is true or false.",
        )),
    }
}

pub struct PosApi {
    pub state: SharedState,
}

#[OpenApi(tag = "ApiTags::PointOfSale")]
impl PosApi {
    /// Sell a book at the till
    ///
    /// Creates a paid, completed order (channel `store`) with one delivery and returns its
    /// access code to print on the receipt — or, with `email`, puts the book straight into
    /// that buyer's library. Idempotent: the same parameters return the same result (200);
    /// the same `partner_transact_id` with other parameters is refused. Form or JSON.
    #[oai(
        path = "/stores/:san/purchases",
        method = "post",
        operation_id = "store_purchase"
    )]
    async fn purchase(
        &self,
        bearer: StoreBearer,
        /// The store's SAN (hyphens allowed).
        #[oai(validator(max_length = 32))]
        san: Path<String>,
        body: PurchaseBody,
    ) -> Result<PurchaseResponse, Problems<PurchaseProblems>> {
        let input = match body {
            PurchaseBody::Form(form) => form.0,
            PurchaseBody::Json(json) => json.0,
        };
        let partner = text(&input.partner_transact_id);
        let book = text(&input.book_id);
        let store = authenticate_store(
            &self.state.db,
            &san.0,
            input.san.as_deref(),
            input.token.as_deref(),
            bearer.0,
            partner.as_deref(),
            || {
                if book.as_deref().is_none_or(|b| b.len() > 64) {
                    return Err(ApiError::new(
                        &problems::BOOK_ID_MALFORMED,
                        "The book_id parameter has not been provided or is malformed",
                    ));
                }
                Ok(())
            },
        )
        .await?;
        let email = input
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(str::to_owned);
        if email.as_deref().is_some_and(|e| !valid_email(e)) {
            return Err(ApiError::new(
                &problems::EMAIL_MALFORMED,
                "The submitted email is incorrectly formatted",
            )
            .into());
        }
        let request = Purchase {
            partner_transact_id: partner.unwrap_or_default(),
            book_id: book.unwrap_or_default(),
            email,
            first_name: input
                .first_name
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty()),
            last_name: input
                .last_name
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty()),
            send_email: send_email(&input.send_email)?,
        };
        let result = pos::purchase(&self.state.db, &store, &request)
            .await?
            .map_err(|err| match err {
                PosError::DuplicateTransaction => ApiError::new(
                    &problems::PARTNER_TRANSACT_ID_REUSED,
                    "The submitted partner_transact_id has already been submitted for this store",
                ),
                PosError::BookUnknown => ApiError::new(
                    &problems::BOOK_ID_UNKNOWN,
                    "The submitted book_id cannot be found in system",
                ),
                _ => ApiError::new(
                    &problems::BOOK_ID_UNAVAILABLE,
                    "The submitted book_id is not available for fulfillment at this time",
                ),
            })?;
        let hal = &self.state.hal;
        let repr = PurchaseRepr {
            links: CuriesLinks { curies: hal.curies() },
            partner_transact_id: result.partner_transact_id,
            vendor_transact_id: result.vendor_transact_id,
            access_url: result.access_code.as_ref().map(|_| hal.href("/code_redemptions")),
            access_code: result.access_code,
        };
        Ok(if result.replayed {
            PurchaseResponse::Replayed(HalJson(repr))
        } else {
            PurchaseResponse::Created(HalJson(repr))
        })
    }

    /// Void a till purchase
    ///
    /// Cancels a purchase of this store and voids its access code. Refused when the code
    /// was redeemed, over the refund time or usage limit, or voided already.
    #[oai(path = "/stores/:san/refunds", method = "post", operation_id = "store_refund")]
    async fn refund(
        &self,
        bearer: StoreBearer,
        /// The store's SAN (hyphens allowed).
        #[oai(validator(max_length = 32))]
        san: Path<String>,
        body: StoreRefundBody,
    ) -> Result<StoreRefundResponse, Problems<StoreRefundProblems>> {
        let input = match body {
            StoreRefundBody::Form(form) => form.0,
            StoreRefundBody::Json(json) => json.0,
        };
        let partner = text(&input.partner_transact_id);
        let purchase = text(&input.purchase_transact_id);
        let store = authenticate_store(
            &self.state.db,
            &san.0,
            input.san.as_deref(),
            input.token.as_deref(),
            bearer.0,
            partner.as_deref(),
            || {
                if !purchase.as_deref().is_some_and(valid_transact_id) {
                    return Err(ApiError::new(
                        &problems::PURCHASE_TRANSACT_ID_MALFORMED,
                        "The purchase_transact_id parameter has not been provided or is malformed",
                    ));
                }
                Ok(())
            },
        )
        .await?;
        let result = pos::void(&self.state.db, &store, &partner.unwrap_or_default(), &purchase.unwrap_or_default())
            .await?
            .map_err(|err| match err {
                PosError::DuplicateTransaction => ApiError::new(
                    &problems::PARTNER_TRANSACT_ID_REUSED,
                    "The submitted partner_transact_id has already been submitted for this store. The partner_transact_id value needs to be unique for each store",
                ),
                PosError::PurchaseNotFound => ApiError::new(
                    &problems::PURCHASE_NOT_FOUND,
                    "The submitted purchase_transact_id cannot be found for this store",
                ),
                PosError::Redeemed => ApiError::new(
                    &problems::CODE_REDEEMED,
                    "The access code created by this purchase transaction has already been redeemed",
                ),
                PosError::TimeLimit { days } => ApiError::new(
                    &problems::STORE_REFUND_TIME_LIMIT,
                    format!("The order created by this purchase transaction is over the time limit allowed for refunds({days} days)"),
                ),
                PosError::UsageLimit { percent } => ApiError::new(
                    &problems::STORE_REFUND_USAGE_LIMIT,
                    format!("The order created by this purchase transaction is over the usage limit allowed for refunds({percent}% viewed)"),
                ),
                _ => ApiError::new(&problems::ALREADY_VOIDED, "The submitted purchase_transact_id has already been voided"),
            })?;
        Ok(StoreRefundResponse::Ok(HalJson(StoreRefundRepr {
            links: CuriesLinks {
                curies: self.state.hal.curies(),
            },
            partner_transact_id: result.partner_transact_id,
            vendor_transact_id: result.vendor_transact_id,
            timestamp: result.timestamp.into(),
        })))
    }

    /// Redeem an access code
    ///
    /// Puts the book of an access code into a library: the logged-in customer's (their
    /// token), or the account of `email`. A code is redeemed once; a voided code is refused.
    #[oai(path = "/code_redemptions", method = "post", operation_id = "redeem_code")]
    async fn redeem(
        &self,
        customer: MaybeCustomer,
        body: RedemptionBody,
    ) -> Result<RedemptionResponse, Problems<RedemptionProblems>> {
        let input = match body {
            RedemptionBody::Form(form) => form.0,
            RedemptionBody::Json(json) => json.0,
        };
        let db = &self.state.db;
        let code = input
            .code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty() && c.len() <= 32);
        let Some(code) = code else {
            return Err(
                ApiError::new(&problems::MALFORMED_REQUEST, "Send the access code as `code`.").into(),
            );
        };
        let email = input
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(str::to_owned);
        if email.as_deref().is_some_and(|e| !valid_email(e)) {
            return Err(ApiError::new(
                &problems::EMAIL_MALFORMED,
                "The submitted email is incorrectly formatted",
            )
            .into());
        }
        let (sub, email) = match customer.0 {
            Some(claims) => (Some(claims.sub), email.or(claims.email)),
            None => {
                let Some(email) = email else {
                    return Err(ApiError::new(
                        &problems::ACCOUNT_UNKNOWN,
                        "No halshop account exists for the provided email address",
                    )
                    .into());
                };
                if !pos::account_exists(db, &email).await? {
                    return Err(ApiError::new(
                        &problems::ACCOUNT_UNKNOWN,
                        "No halshop account exists for the provided email address",
                    )
                    .into());
                }
                (None, Some(email))
            }
        };
        let redeemed = pos::redeem(db, code, sub.as_deref(), email.as_deref())
            .await?
            .map_err(|err| match err {
                RedeemError::UnknownCode => ApiError::new(
                    &problems::CODE_UNKNOWN,
                    "No halshop code exists for the code provided to this API",
                ),
                RedeemError::UnknownAccount => ApiError::new(
                    &problems::ACCOUNT_UNKNOWN,
                    "No halshop account exists for the provided email address",
                ),
                RedeemError::Inactive => ApiError::new(
                    &problems::CODE_INACTIVE,
                    "Code has already been redeemed or has been marked inactive",
                ),
            })?;
        let hal = &self.state.hal;
        Ok(RedemptionResponse::Ok(HalJson(RedemptionRepr {
            links: RedemptionLinks {
                curies: hal.curies(),
                delivery: hal.link(&format!("/deliveries/{}", redeemed.delivery.uid)),
            },
            email: email.unwrap_or_default(),
            hash: redeemed.line.product_uid.clone(),
            purchased_sku: redeemed.line.sku.clone(),
            current_sku: redeemed.current_sku,
            isbn: redeemed.line.isbn.clone().unwrap_or_default(),
            price: redeemed.price.into(),
            expiration_date: "LIFETIME".into(),
        })))
    }

    /// My library
    ///
    /// What the logged-in customer owns: codes they redeemed and books bought at a till for
    /// their e-mail, with download links.
    #[oai(path = "/me/library", method = "get", operation_id = "get_library")]
    async fn library(
        &self,
        req: &Request,
        customer: Customer,
    ) -> Result<LibraryResponse, Problems<LibraryProblems>> {
        let db = &self.state.db;
        let hal = &self.state.hal;
        let claims = customer.0;
        let owned = pos::library(db, &claims.sub, claims.email.as_deref()).await?;
        let deliveries: Vec<DeliveryRepr> = crate::domain::deliveries::complete_all(db, owned)
            .await?
            .iter()
            .map(|(delivery, line, order)| delivery_repr(hal, delivery, line, order))
            .collect();
        Ok(LibraryResponse::Ok(HalJson(LibraryRepr {
            links: LibraryLinks {
                self_link: hal.self_link(req),
                curies: hal.curies(),
            },
            item_count: deliveries.len() as u64,
            embedded: LibraryEmbedded { deliveries },
        })))
    }
}
