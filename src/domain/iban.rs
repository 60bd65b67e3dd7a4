//! International bank account numbers (ISO 13616).

use std::fmt;

/// An IBAN whose check digits are right: upper case, without spaces. Only
/// [`Iban::parse`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Iban(String);

/// The text is not an IBAN (length, characters or check digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidIban;

impl fmt::Display for InvalidIban {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a valid IBAN (check digits)")
    }
}

impl Iban {
    /// Reads an IBAN as people write it: spaces allowed, any case.
    pub fn parse(text: &str) -> Result<Self, InvalidIban> {
        let iban = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        if check_digits_hold(&iban) {
            Ok(Iban(iban))
        } else {
            Err(InvalidIban)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// ISO 13616 check: the first four characters moved to the end, letters as numbers,
/// mod 97 = 1.
fn check_digits_hold(iban: &str) -> bool {
    if !(15..=34).contains(&iban.len()) || !iban.chars().all(|c| c.is_ascii_alphanumeric()) {
        return false;
    }
    let (head, tail) = iban.split_at(4);
    let mut remainder: u32 = 0;
    for c in tail.chars().chain(head.chars()) {
        let Some(value) = c.to_digit(36) else {
            return false;
        };
        remainder = if value >= 10 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        };
    }
    remainder == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ibans_are_checked() {
        assert!(Iban::parse("FR1420041010050500013M02606").is_ok());
        assert_eq!(
            Iban::parse("de89 3704 0044 0532 0130 00").unwrap().as_str(),
            "DE89370400440532013000"
        );
        assert!(Iban::parse("DE89370400440532013001").is_err());
        assert!(Iban::parse("XX").is_err());
    }
}
