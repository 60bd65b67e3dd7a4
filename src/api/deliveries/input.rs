//! Reading progress as a reader app sends it.

use poem_openapi::Object;
use serde::Deserialize;

use crate::http::error::{ApiError, FieldError};

/// Reading progress reported by a reader app.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct UsageInput {
    /// Furthest point read, 0–100; never lower than the last value.
    #[oai(validator(minimum(value = "0"), maximum(value = "100")))]
    pub percent: i64,
}

impl UsageInput {
    /// The percent read, 0 to 100.
    pub fn percent(&self) -> Result<i32, ApiError> {
        if !(0..=100).contains(&self.percent) {
            return Err(ApiError::validation(vec![FieldError::new(
                "/percent",
                "percent is 0 to 100",
            )]));
        }
        Ok(self.percent as i32)
    }
}
