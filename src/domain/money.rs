//! Money: a decimal amount in a currency with that currency's minor units. Never floats.

use std::{fmt, str::FromStr};

use rust_decimal::{Decimal, RoundingStrategy};

/// The currencies halshop prices in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Currency {
    Eur,
    Cad,
    Usd,
    Gbp,
    Jpy,
}

impl Currency {
    pub const ALL: [Currency; 5] = [
        Currency::Eur,
        Currency::Cad,
        Currency::Usd,
        Currency::Gbp,
        Currency::Jpy,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Currency::Eur => "EUR",
            Currency::Cad => "CAD",
            Currency::Usd => "USD",
            Currency::Gbp => "GBP",
            Currency::Jpy => "JPY",
        }
    }

    /// Digits after the decimal point (ISO 4217 minor units).
    pub fn minor_units(self) -> u32 {
        match self {
            Currency::Jpy => 0,
            _ => 2,
        }
    }
}

impl FromStr for Currency {
    type Err = MoneyError;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Currency::ALL
            .into_iter()
            .find(|currency| currency.code() == code)
            .ok_or_else(|| MoneyError::UnknownCurrency(code.to_owned()))
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Why a text is not an amount of money.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoneyError {
    UnknownCurrency(String),
    NotANumber(String),
    Negative,
    TooManyDecimals { currency: Currency },
    TooLarge,
}

impl fmt::Display for MoneyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MoneyError::UnknownCurrency(code) => {
                let known: Vec<&str> = Currency::ALL.iter().map(|c| c.code()).collect();
                write!(
                    f,
                    "currency {code:?} is not supported; use one of {}",
                    known.join(", ")
                )
            }
            MoneyError::NotANumber(text) => write!(f, "{text:?} is not a decimal amount such as \"12.50\""),
            MoneyError::Negative => write!(f, "an amount cannot be negative"),
            MoneyError::TooManyDecimals { currency } => write!(
                f,
                "{currency} amounts have at most {} decimals",
                currency.minor_units()
            ),
            MoneyError::TooLarge => write!(f, "the amount is too large"),
        }
    }
}

impl std::error::Error for MoneyError {}

/// An amount of money. Arithmetic keeps the currency; amounts are exact decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

/// Largest amount accepted, in major units: far above any real price, far below overflow.
const MAX_AMOUNT: i64 = 1_000_000_000;

impl Money {
    /// Parses a price as a client sends it: a decimal string and an ISO currency code.
    pub fn parse(amount: &str, currency: &str) -> Result<Self, MoneyError> {
        let currency: Currency = currency.parse()?;
        let text = amount.trim();
        let valid_shape = !text.is_empty()
            && text.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
            && !text.ends_with('.')
            && !text.starts_with('.');
        let value = Decimal::from_str_exact(text)
            .ok()
            .filter(|_| valid_shape)
            .ok_or_else(|| MoneyError::NotANumber(amount.to_owned()))?;
        if value.is_sign_negative() && !value.is_zero() {
            return Err(MoneyError::Negative);
        }
        if value.normalize().scale() > currency.minor_units() {
            return Err(MoneyError::TooManyDecimals { currency });
        }
        if value > Decimal::from(MAX_AMOUNT) {
            return Err(MoneyError::TooLarge);
        }
        Ok(Self::new(value.abs(), currency))
    }

    fn new(amount: Decimal, currency: Currency) -> Self {
        let mut amount = amount;
        amount.rescale(currency.minor_units());
        Self { amount, currency }
    }

    pub fn zero(currency: Currency) -> Self {
        Self::new(Decimal::ZERO, currency)
    }

    /// From an integer count of minor units (cents), as stored in the database.
    pub fn from_minor(minor: i64, currency: Currency) -> Self {
        Self::new(Decimal::new(minor, currency.minor_units()), currency)
    }

    /// The amount in minor units, as stored in the database.
    pub fn minor(&self) -> i64 {
        let mut scaled = self.amount;
        scaled.rescale(self.currency.minor_units());
        i64::try_from(scaled.mantissa()).unwrap_or(i64::MAX)
    }

    pub fn amount(&self) -> Decimal {
        self.amount
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Rounds `value` to this currency's minor unit, half away from zero.
    pub fn rounded(value: Decimal, currency: Currency) -> Self {
        Self::new(
            value.round_dp_with_strategy(currency.minor_units(), RoundingStrategy::MidpointAwayFromZero),
            currency,
        )
    }

    /// The amount as a decimal string with exactly the currency's minor units (`"12.50"`).
    pub fn amount_string(&self) -> String {
        self.amount.to_string()
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_shown_with_the_currency_minor_units() {
        assert_eq!(Money::parse("12.5", "EUR").unwrap().amount_string(), "12.50");
        assert_eq!(Money::parse("12", "CAD").unwrap().amount_string(), "12.00");
        assert_eq!(Money::parse("1500", "JPY").unwrap().amount_string(), "1500");
        assert_eq!(Money::parse("0", "USD").unwrap().amount_string(), "0.00");
    }

    #[test]
    fn minor_units_round_trip() {
        let money = Money::parse("19.99", "CAD").unwrap();
        assert_eq!(money.minor(), 1999);
        assert_eq!(Money::from_minor(1999, Currency::Cad), money);
        assert_eq!(Money::from_minor(1500, Currency::Jpy).amount_string(), "1500");
    }

    #[test]
    fn bad_amounts_are_refused() {
        assert_eq!(
            Money::parse("1.999", "EUR"),
            Err(MoneyError::TooManyDecimals {
                currency: Currency::Eur
            })
        );
        assert_eq!(
            Money::parse("10.5", "JPY"),
            Err(MoneyError::TooManyDecimals {
                currency: Currency::Jpy
            })
        );
        assert_eq!(Money::parse("-1.00", "EUR"), Err(MoneyError::Negative));
        assert!(matches!(
            Money::parse("abc", "EUR"),
            Err(MoneyError::NotANumber(_))
        ));
        assert!(matches!(
            Money::parse("1e3", "EUR"),
            Err(MoneyError::NotANumber(_))
        ));
        assert!(matches!(Money::parse("", "EUR"), Err(MoneyError::NotANumber(_))));
        assert!(matches!(
            Money::parse("5.", "EUR"),
            Err(MoneyError::NotANumber(_))
        ));
        assert!(matches!(
            Money::parse("1.00", "eur"),
            Err(MoneyError::UnknownCurrency(_))
        ));
        assert_eq!(Money::parse("2000000000", "EUR"), Err(MoneyError::TooLarge));
    }

    #[test]
    fn trailing_zeros_beyond_minor_units_are_accepted() {
        assert_eq!(Money::parse("12.500", "EUR").unwrap().amount_string(), "12.50");
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        let value = Decimal::from_str_exact("0.995").unwrap();
        assert_eq!(Money::rounded(value, Currency::Eur).amount_string(), "1.00");
        let value = Decimal::from_str_exact("0.994").unwrap();
        assert_eq!(Money::rounded(value, Currency::Eur).amount_string(), "0.99");
    }
}
