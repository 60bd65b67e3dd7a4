//! What tills and customers send (form or JSON), and its shape checks: trimmed texts,
//! transaction ids, the book id, the e-mail and `send_email`.

use poem_openapi::{ApiRequest, Object, payload::Form};
use serde::Deserialize;
use serde_json::Value;

use crate::{
    auth::store::{TillCredentials, valid_transact_id},
    domain::{email::Email, pos::Purchase},
    http::{
        error::{ApiError, problems},
        json::JsonBody,
    },
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

macro_rules! form_or_json {
    ($($body:ident => $input:ident),* $(,)?) => {$(
        impl $body {
            /// The fields, whichever way they were sent.
            pub fn into_inner(self) -> $input {
                match self {
                    $body::Form(form) => form.0,
                    $body::Json(json) => json.0,
                }
            }
        }
    )*};
}

form_or_json!(
    PurchaseBody => PurchaseInput,
    StoreRefundBody => StoreRefundInput,
    RedemptionBody => RedemptionInput,
);

/// A till's request with its ids read as trimmed texts: the transaction id and the other
/// id it needs (the book of a purchase, the purchase of a void).
pub struct TillRequest<T> {
    pub input: T,
    pub partner: Option<String>,
    pub subject: Option<String>,
}

impl<T> TillRequest<T> {
    fn credentials<'a>(
        &'a self,
        path_san: &'a str,
        body_san: &'a Option<String>,
        body_token: &'a Option<String>,
        bearer: Option<&'a str>,
    ) -> TillCredentials<'a> {
        TillCredentials {
            path_san,
            body_san: body_san.as_deref(),
            body_token: body_token.as_deref(),
            bearer,
            partner_transact_id: self.partner.as_deref(),
        }
    }

    /// The till's transaction id and the other id, once checked.
    pub fn ids(self) -> (String, String) {
        (self.partner.unwrap_or_default(), self.subject.unwrap_or_default())
    }
}

impl PurchaseInput {
    pub fn into_request(self) -> TillRequest<Self> {
        TillRequest {
            partner: text(&self.partner_transact_id),
            subject: text(&self.book_id),
            input: self,
        }
    }
}

impl StoreRefundInput {
    pub fn into_request(self) -> TillRequest<Self> {
        TillRequest {
            partner: text(&self.partner_transact_id),
            subject: text(&self.purchase_transact_id),
            input: self,
        }
    }
}

impl TillRequest<PurchaseInput> {
    pub fn till<'a>(&'a self, path_san: &'a str, bearer: Option<&'a str>) -> TillCredentials<'a> {
        self.credentials(path_san, &self.input.san, &self.input.token, bearer)
    }

    /// The book id: 1 to 64 characters.
    pub fn check_book(&self) -> Result<(), ApiError> {
        if self.subject.as_deref().is_none_or(|b| b.len() > 64) {
            return Err(ApiError::new(
                &problems::BOOK_ID_MALFORMED,
                "The book_id parameter has not been provided or is malformed",
            ));
        }
        Ok(())
    }

    /// The purchase to make, once the till is authenticated: the e-mail, then `send_email`.
    pub fn into_purchase(self) -> Result<Purchase, ApiError> {
        let email = optional_email(self.input.email.as_deref())?;
        Ok(Purchase {
            email: email.map(Email::into_string),
            first_name: name(self.input.first_name),
            last_name: name(self.input.last_name),
            send_email: send_email(&self.input.send_email)?,
            partner_transact_id: self.partner.unwrap_or_default(),
            book_id: self.subject.unwrap_or_default(),
        })
    }
}

impl TillRequest<StoreRefundInput> {
    pub fn till<'a>(&'a self, path_san: &'a str, bearer: Option<&'a str>) -> TillCredentials<'a> {
        self.credentials(path_san, &self.input.san, &self.input.token, bearer)
    }

    /// The id of the purchase to void: a till transaction id.
    pub fn check_purchase(&self) -> Result<(), ApiError> {
        if !self.subject.as_deref().is_some_and(valid_transact_id) {
            return Err(ApiError::new(
                &problems::PURCHASE_TRANSACT_ID_MALFORMED,
                "The purchase_transact_id parameter has not been provided or is malformed",
            ));
        }
        Ok(())
    }
}

impl RedemptionInput {
    /// The access code: 1 to 32 characters once trimmed.
    pub fn code(&self) -> Result<&str, ApiError> {
        self.code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty() && c.len() <= 32)
            .ok_or_else(|| ApiError::new(&problems::MALFORMED_REQUEST, "Send the access code as `code`."))
    }

    /// The e-mail, when one was sent.
    pub fn email(&self) -> Result<Option<Email>, ApiError> {
        optional_email(self.email.as_deref())
    }
}

/// A blank e-mail counts as none; another one must be well formed.
fn optional_email(raw: Option<&str>) -> Result<Option<Email>, ApiError> {
    match raw.map(Email::parse) {
        None | Some(Err(crate::domain::email::EmailError::Empty)) => Ok(None),
        Some(parsed) => Ok(Some(parsed?)),
    }
}

fn name(value: Option<String>) -> Option<String> {
    value.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// A till id sent as a string or a number, trimmed; blank counts as absent.
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
