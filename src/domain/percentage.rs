//! A share of an amount: a decimal from 0.00 to 1.00 with at most two decimals.

use std::fmt;

use rust_decimal::Decimal;

/// A share of an amount, 0.00 to 1.00, two decimals. Only [`Percentage::parse`] makes one
/// from text, so a value that exists is valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Percentage(Decimal);

/// Why a text is not a percentage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvalidPercentage {
    NotDecimal(String),
    TooManyDecimals,
    OutOfRange,
}

impl fmt::Display for InvalidPercentage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvalidPercentage::NotDecimal(text) => write!(f, "{text:?} is not a decimal such as \"0.50\""),
            InvalidPercentage::TooManyDecimals => f.write_str("at most two decimals"),
            InvalidPercentage::OutOfRange => f.write_str("between 0.00 and 1.00"),
        }
    }
}

impl Percentage {
    pub const ZERO: Percentage = Percentage(Decimal::ZERO);
    pub const ONE: Percentage = Percentage(Decimal::ONE);

    pub fn parse(text: &str) -> Result<Self, InvalidPercentage> {
        let value = Decimal::from_str_exact(text.trim())
            .map_err(|_| InvalidPercentage::NotDecimal(text.to_owned()))?;
        if value.normalize().scale() > 2 {
            return Err(InvalidPercentage::TooManyDecimals);
        }
        if value < Decimal::ZERO || value > Decimal::ONE {
            return Err(InvalidPercentage::OutOfRange);
        }
        Ok(Percentage(value))
    }

    pub fn value(self) -> Decimal {
        self.0
    }
}

impl fmt::Display for Percentage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut value = self.0;
        value.rescale(2);
        write!(f, "{value}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_have_two_decimals_between_zero_and_one() {
        assert_eq!(Percentage::parse("0.5").unwrap().to_string(), "0.50");
        assert_eq!(Percentage::parse("1").unwrap().to_string(), "1.00");
        assert_eq!(
            Percentage::parse("0.333"),
            Err(InvalidPercentage::TooManyDecimals)
        );
        assert_eq!(Percentage::parse("1.01"), Err(InvalidPercentage::OutOfRange));
        assert!(Percentage::parse("-0.10").is_err());
        assert_eq!(
            Percentage::parse("half").unwrap_err().to_string(),
            "\"half\" is not a decimal such as \"0.50\""
        );
    }
}
