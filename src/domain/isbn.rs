//! ISBN-13, the identifier of an ebook edition. ISBN-10 input is converted.

use std::fmt;

/// A valid ISBN-13 (prefix 978 or 979, correct check digit), stored bare: 13 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Isbn(String);

/// Why a text is not an ISBN; the message is meant for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IsbnError {
    Empty,
    BadCharacter(char),
    WrongLength(usize),
    BadPrefix(String),
    CheckDigit { found: char, expected: char },
}

impl fmt::Display for IsbnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IsbnError::Empty => write!(f, "an ISBN is required"),
            IsbnError::BadCharacter(c) => write!(
                f,
                "an ISBN holds only digits (and X as the last character of an ISBN-10), hyphens and spaces; found {c:?}"
            ),
            IsbnError::WrongLength(n) => {
                write!(f, "an ISBN has 13 digits (or 10 for an ISBN-10); found {n}")
            }
            IsbnError::BadPrefix(prefix) => {
                write!(f, "an ISBN-13 starts with 978 or 979; found {prefix}")
            }
            IsbnError::CheckDigit { found, expected } => {
                write!(f, "check digit is {found}, expected {expected}")
            }
        }
    }
}

impl std::error::Error for IsbnError {}

impl Isbn {
    /// Parses an ISBN-13 or ISBN-10, with or without hyphens and spaces.
    pub fn parse(input: &str) -> Result<Self, IsbnError> {
        let mut chars = Vec::with_capacity(13);
        for c in input.chars() {
            match c {
                '-' | ' ' => {}
                '0'..='9' => chars.push(c),
                'x' | 'X' => chars.push('X'),
                other => return Err(IsbnError::BadCharacter(other)),
            }
        }
        match chars.len() {
            0 => Err(IsbnError::Empty),
            13 => Self::from_isbn13(&chars),
            10 => Self::from_isbn10(&chars),
            n => Err(IsbnError::WrongLength(n)),
        }
    }

    fn from_isbn13(chars: &[char]) -> Result<Self, IsbnError> {
        if let Some(&c) = chars.iter().find(|c| **c == 'X') {
            return Err(IsbnError::BadCharacter(c));
        }
        let prefix: String = chars[..3].iter().collect();
        if prefix != "978" && prefix != "979" {
            return Err(IsbnError::BadPrefix(prefix));
        }
        let expected = isbn13_check_digit(&chars[..12]);
        if chars[12] != expected {
            return Err(IsbnError::CheckDigit {
                found: chars[12],
                expected,
            });
        }
        Ok(Isbn(chars.iter().collect()))
    }

    fn from_isbn10(chars: &[char]) -> Result<Self, IsbnError> {
        if let Some(&c) = chars[..9].iter().find(|c| **c == 'X') {
            return Err(IsbnError::BadCharacter(c));
        }
        let expected = mod11_check_character(&chars[..9]);
        if chars[9] != expected {
            return Err(IsbnError::CheckDigit {
                found: chars[9],
                expected,
            });
        }
        let mut digits: Vec<char> = "978".chars().chain(chars[..9].iter().copied()).collect();
        digits.push(isbn13_check_digit(&digits));
        Ok(Isbn(digits.into_iter().collect()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

fn isbn13_check_digit(first_twelve: &[char]) -> char {
    let sum: u32 = first_twelve
        .iter()
        .enumerate()
        .map(|(i, c)| c.to_digit(10).unwrap_or(0) * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    char::from_digit((10 - sum % 10) % 10, 10).unwrap_or('0')
}

impl fmt::Display for Isbn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The mod-11 check character of ISBN-10 and SAN: the digits weighted from `n + 1` down
/// to 2; a remainder of 10 is written `X`.
pub(crate) fn mod11_check_character(digits: &[char]) -> char {
    let sum: u32 = digits
        .iter()
        .rev()
        .zip(2..)
        .map(|(c, weight)| c.to_digit(10).unwrap_or(0) * weight)
        .sum();
    match (11 - sum % 11) % 11 {
        10 => 'X',
        digit => char::from_digit(digit, 10).unwrap_or('0'),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_isbns_are_accepted_and_stored_bare() {
        let cases = [
            ("9780306406157", "9780306406157"),
            ("978-0-306-40615-7", "9780306406157"),
            ("978 0 306 40615 7", "9780306406157"),
            ("0-306-40615-2", "9780306406157"),
            ("0306406152", "9780306406157"),
            ("080442957X", "9780804429573"),
            ("0-8044-2957-x", "9780804429573"),
            ("979-10-90636-07-1", "9791090636071"),
            ("9782070368228", "9782070368228"),
        ];
        for (input, stored) in cases {
            assert_eq!(
                Isbn::parse(input).map(Isbn::into_string),
                Ok(stored.to_owned()),
                "{input}"
            );
        }
    }

    #[test]
    fn bad_isbns_are_refused_with_the_reason() {
        let cases = [
            ("", IsbnError::Empty),
            ("  - ", IsbnError::Empty),
            (
                "9780306406158",
                IsbnError::CheckDigit {
                    found: '8',
                    expected: '7',
                },
            ),
            (
                "0306406153",
                IsbnError::CheckDigit {
                    found: '3',
                    expected: '2',
                },
            ),
            ("978030640615", IsbnError::WrongLength(12)),
            ("97803064061570", IsbnError::WrongLength(14)),
            ("1234567890128", IsbnError::BadPrefix("123".into())),
            ("978030640615X", IsbnError::BadCharacter('X')),
            ("03064X6152", IsbnError::BadCharacter('X')),
            ("978-0-306-4061a-7", IsbnError::BadCharacter('a')),
        ];
        for (input, error) in cases {
            assert_eq!(Isbn::parse(input), Err(error), "{input:?}");
        }
    }

    #[test]
    fn check_digit_error_names_the_expected_digit() {
        let message = Isbn::parse("9780306406158").unwrap_err().to_string();
        assert_eq!(message, "check digit is 8, expected 7");
    }
}
