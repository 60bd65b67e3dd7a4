//! One error type for the whole API: RFC 9457 `application/problem+json`.
//!
//! Each problem has a stable snake_case `code` documented at `/problems/{code}`. Domain
//! errors convert into [`ApiError`] with `?`; framework errors (unknown route, bad query
//! parameter, wrong media type, …) are converted by [`from_poem_error`].

use std::{fmt, marker::PhantomData};

pub use super::problems;
pub use super::problems::ProblemType;

use poem::{
    IntoResponse, Response,
    error::{MethodNotAllowedError, NotFoundError, ReadBodyError, ResponseError},
    http::{HeaderName, HeaderValue, StatusCode, header},
};
use poem_openapi::{
    ApiResponse, Object,
    error::{
        AuthorizationError, ContentTypeError, ParseParamError, ParsePathError, ParseRequestPayloadError,
    },
    registry::{MetaMediaType, MetaResponse, MetaResponses, Registry},
    types::Type,
};

/// Media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";
/// `WWW-Authenticate` challenge for merchant credentials.
pub const MERCHANT_CHALLENGE: &str = "Basic realm=\"halshop merchant\"";
/// `WWW-Authenticate` challenge for customer tokens.
pub const CUSTOMER_CHALLENGE: &str = "Bearer realm=\"halshop\"";

/// One bad field or parameter.
#[derive(Debug, Clone, PartialEq, Eq, Object, serde::Serialize)]
pub struct FieldError {
    /// JSON pointer into the request body (`/products/0/quantity`), or the name of the
    /// query, path or header parameter prefixed with its location (`query/page`).
    pub path: String,
    /// What is wrong, in plain words.
    pub message: String,
}

impl FieldError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// The problem+json body (RFC 9457) with halshop's extensions.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct Problem {
    /// URI of the page documenting this kind of problem.
    #[oai(rename = "type")]
    pub problem_type: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// HTTP status code.
    pub status: u16,
    /// Explanation of this occurrence, in plain words.
    pub detail: String,
    /// URI of the request that caused the problem.
    pub instance: String,
    /// Stable, machine-readable code.
    pub code: String,
    /// The bad fields, for validation problems.
    #[oai(skip_serializing_if_is_none)]
    pub errors: Option<Vec<FieldError>>,
    /// Reference to the server log entry, for internal errors.
    #[oai(skip_serializing_if_is_none)]
    pub logref: Option<String>,
}

impl poem_openapi::types::Example for Problem {
    fn example() -> Self {
        Problem {
            problem_type: "https://shop.example.com/problems/validation_failed".into(),
            title: VALIDATION_FAILED_TITLE.into(),
            status: 422,
            detail: "1 field is invalid.".into(),
            instance: "https://shop.example.com/products".into(),
            code: "validation_failed".into(),
            errors: Some(vec![FieldError::new("/isbn", "check digit is 3, expected 7")]),
            logref: None,
        }
    }
}

const VALIDATION_FAILED_TITLE: &str = problems::VALIDATION_FAILED.title;

/// An error answered to the client as problem+json.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub kind: &'static ProblemType,
    pub detail: String,
    pub errors: Vec<FieldError>,
    pub logref: Option<String>,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl ApiError {
    pub fn new(kind: &'static ProblemType, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
            errors: Vec::new(),
            logref: None,
            headers: Vec::new(),
        }
    }

    /// 422 listing each bad field.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.len() {
            1 => format!("{}: {}", errors[0].path, errors[0].message),
            n => format!("{n} fields are invalid; see `errors`."),
        };
        Self::new(&problems::VALIDATION_FAILED, detail).with_errors(errors)
    }

    /// A 401 that tells the client how to authenticate as a merchant.
    pub fn merchant_unauthorized(detail: &str) -> Self {
        Self::new(&problems::UNAUTHORIZED, detail).with_header(header::WWW_AUTHENTICATE, MERCHANT_CHALLENGE)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(&problems::NOT_FOUND, detail)
    }

    /// A 500: the cause is logged with a fresh `logref`, the client sees only the logref.
    pub fn internal(cause: impl fmt::Display) -> Self {
        let logref = super::random_hex(6);
        tracing::error!(%logref, error = %cause, "internal error");
        let mut error = Self::new(
            &problems::INTERNAL_ERROR,
            format!("An unexpected error occurred. Quote logref {logref} when contacting support."),
        );
        error.logref = Some(logref);
        error
    }

    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    pub fn with_header(mut self, name: HeaderName, value: &str) -> Self {
        if let Ok(value) = HeaderValue::from_str(value) {
            self.headers.push((name, value));
        }
        self
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.kind.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The problem body, with absolute `type` and `instance` taken from the current request.
    pub fn to_problem(&self) -> Problem {
        let context = super::middleware::RequestContext::current();
        let (problem_type, instance) = match &context {
            Some(context) => (
                context.hal.href(&format!("/problems/{}", self.kind.code)),
                context.instance.clone(),
            ),
            None => (format!("/problems/{}", self.kind.code), String::new()),
        };
        Problem {
            problem_type,
            title: self.kind.title.into(),
            status: self.kind.status,
            detail: self.detail.clone(),
            instance,
            code: self.kind.code.into(),
            errors: (!self.errors.is_empty()).then(|| self.errors.clone()),
            logref: self.logref.clone(),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.code, self.detail)
    }
}

impl std::error::Error for ApiError {}

impl ResponseError for ApiError {
    fn status(&self) -> StatusCode {
        ApiError::status(self)
    }

    fn as_response(&self) -> Response {
        let body = serde_json::to_string(&poem_openapi::types::ToJSON::to_json(&self.to_problem()))
            .unwrap_or_default();
        let mut response = Response::builder()
            .status(self.status())
            .content_type(PROBLEM_JSON)
            .body(body);
        for (name, value) in &self.headers {
            response.headers_mut().append(name.clone(), value.clone());
        }
        response
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.as_response()
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        ApiError::internal(err)
    }
}

/// Converts any error the framework produces into a problem.
pub fn from_poem_error(err: poem::Error) -> ApiError {
    if let Some(error) = err.downcast_ref::<ApiError>() {
        return error.clone();
    }
    if err.is::<NotFoundError>() {
        return ApiError::not_found("No resource exists at this URL.");
    }
    if err.is::<MethodNotAllowedError>() {
        return ApiError::new(
            &problems::METHOD_NOT_ALLOWED,
            "This resource does not accept this HTTP method.",
        );
    }
    if let Some(error) = err.downcast_ref::<ParseParamError>() {
        return ApiError::new(
            &problems::MALFORMED_REQUEST,
            format!("Parameter `{}` is invalid.", error.name),
        )
        .with_errors(vec![FieldError::new(error.name, clean_reason(&error.reason))]);
    }
    if let Some(error) = err.downcast_ref::<ParsePathError>() {
        return ApiError::new(
            &problems::MALFORMED_REQUEST,
            format!("Path parameter `{}` is invalid.", error.name),
        )
        .with_errors(vec![FieldError::new(error.name, clean_reason(&error.reason))]);
    }
    if let Some(error) = err.downcast_ref::<ParseRequestPayloadError>() {
        return ApiError::new(&problems::MALFORMED_REQUEST, clean_reason(&error.reason));
    }
    if let Some(error) = err.downcast_ref::<ContentTypeError>() {
        let detail = match error {
            ContentTypeError::NotSupported { content_type } => {
                format!("Content-Type `{content_type}` is not accepted here; send application/json.")
            }
            ContentTypeError::ExpectContentType => {
                "The request has a body but no Content-Type; send application/json.".to_owned()
            }
        };
        return ApiError::new(&problems::UNSUPPORTED_MEDIA_TYPE, detail);
    }
    if err.is::<AuthorizationError>() {
        return ApiError::merchant_unauthorized(
            "This operation needs merchant credentials (HTTP Basic app_key:secret).",
        );
    }
    if let Some(error) = err.downcast_ref::<ReadBodyError>() {
        return match error {
            ReadBodyError::PayloadTooLarge => ApiError::new(
                &problems::PAYLOAD_TOO_LARGE,
                "The request body is larger than the server accepts.",
            ),
            other => ApiError::new(
                &problems::MALFORMED_REQUEST,
                format!("The body could not be read: {other}."),
            ),
        };
    }
    match err.status() {
        StatusCode::NOT_FOUND => ApiError::not_found("No resource exists at this URL."),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::new(
            &problems::METHOD_NOT_ALLOWED,
            "This resource does not accept this HTTP method.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            &problems::PAYLOAD_TOO_LARGE,
            "The request body is larger than the server accepts.",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ApiError::new(&problems::UNSUPPORTED_MEDIA_TYPE, err.to_string())
        }
        StatusCode::UNAUTHORIZED => {
            ApiError::new(&problems::UNAUTHORIZED, "Credentials are missing or wrong.")
        }
        StatusCode::FORBIDDEN => ApiError::new(&problems::FORBIDDEN, "This operation is not allowed."),
        status if status.is_client_error() => ApiError::new(&problems::MALFORMED_REQUEST, err.to_string()),
        _ => ApiError::internal(err),
    }
}

fn clean_reason(reason: &str) -> String {
    reason.replace("\"", "'")
}

/// A set of documented error statuses for one operation.
pub trait ProblemSet: Send + Sync + 'static {
    /// `(status, description)` for each problem the operation can answer with.
    const RESPONSES: &'static [(u16, &'static str)];
}

/// The error side of an operation's result: any [`ApiError`], documented in OpenAPI as
/// the statuses of `S`.
pub struct Problems<S: ProblemSet>(pub ApiError, PhantomData<S>);

impl<S: ProblemSet> fmt::Debug for Problems<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<S: ProblemSet, E: Into<ApiError>> From<E> for Problems<S> {
    fn from(err: E) -> Self {
        Problems(err.into(), PhantomData)
    }
}

impl<S: ProblemSet> From<Problems<S>> for poem::Error {
    fn from(problems: Problems<S>) -> Self {
        poem::Error::from(problems.0)
    }
}

impl<S: ProblemSet> IntoResponse for Problems<S> {
    fn into_response(self) -> Response {
        self.0.as_response()
    }
}

impl<S: ProblemSet> ApiResponse for Problems<S> {
    fn meta() -> MetaResponses {
        // Any operation may get a parameter refused at the edge; the ones that document a 400
        // of their own say so there.
        let edge = (!S::RESPONSES.iter().any(|(status, _)| *status == 400)).then_some(&EDGE_RESPONSE);
        MetaResponses {
            responses: edge
                .into_iter()
                .chain(S::RESPONSES)
                .map(|(status, description)| MetaResponse {
                    description,
                    status: Some(*status),
                    status_range: None,
                    content: vec![MetaMediaType {
                        content_type: PROBLEM_JSON,
                        schema: Problem::schema_ref(),
                    }],
                    headers: vec![],
                })
                .collect(),
        }
    }

    fn register(registry: &mut Registry) {
        Problem::register(registry);
    }
}

/// What an operation documents for a 400 when it has no 400 of its own: the edge refuses a
/// parameter with a control character whatever the operation.
static EDGE_RESPONSE: (u16, &str) = (
    400,
    "`malformed_request`: a query or path parameter holds a control character or is not UTF-8.",
);

/// What every operation documents for a 500.
pub const INTERNAL_ERROR_RESPONSE: &str = "`internal_error`: quote the `logref`.";
/// What every operation that verifies customer tokens documents for a 503.
pub const IDENTITY_PROVIDER_RESPONSE: &str = "`identity_provider_unavailable`.";

/// Declares a [`ProblemSet`]: `problem_set!(Name: 404 => "text", 422 => "text");`. The 500
/// every operation can answer is added; `problem_set!(Name, customer: …)` also adds the 503
/// of an operation that verifies customer tokens.
#[macro_export]
macro_rules! problem_set {
    ($(#[$meta:meta])* $name:ident, customer: $($status:literal => $description:literal),* $(,)?) => {
        $crate::problem_set!(@declare $(#[$meta])* $name: $(($status, $description),)*
            (500, $crate::http::error::INTERNAL_ERROR_RESPONSE),
            (503, $crate::http::error::IDENTITY_PROVIDER_RESPONSE));
    };
    ($(#[$meta:meta])* $name:ident: $($status:literal => $description:literal),* $(,)?) => {
        $crate::problem_set!(@declare $(#[$meta])* $name: $(($status, $description),)*
            (500, $crate::http::error::INTERNAL_ERROR_RESPONSE));
    };
    (@declare $(#[$meta:meta])* $name:ident: $(($status:expr, $description:expr)),*) => {
        $(#[$meta])*
        pub struct $name;
        impl $crate::http::error::ProblemSet for $name {
            const RESPONSES: &'static [(u16, &'static str)] = &[$(($status, $description)),*];
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_codes_are_unique_snake_case() {
        let mut codes: Vec<&str> = problems::ALL.iter().map(|p| p.code).collect();
        assert!(
            codes
                .iter()
                .all(|c| c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'))
        );
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), problems::ALL.len());
    }

    #[test]
    fn validation_error_names_the_single_bad_field_in_its_detail() {
        let error = ApiError::validation(vec![FieldError::new("/isbn", "bad check digit")]);
        assert_eq!(error.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error.detail, "/isbn: bad check digit");
    }
}
