//! SAN, the Standard Address Number of a bookstore: six digits and a mod-11 check character.

use std::fmt;

/// A valid SAN, stored bare (7 characters, the last may be `X`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct San(String);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SanError {
    Malformed,
    CheckCharacter { found: char, expected: char },
}

impl fmt::Display for SanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SanError::Malformed => write!(f, "a SAN is six digits and a check character, e.g. 123-4560"),
            SanError::CheckCharacter { found, expected } => {
                write!(f, "check character is {found}, expected {expected}")
            }
        }
    }
}

impl std::error::Error for SanError {}

impl San {
    /// Parses a SAN, hyphens and spaces allowed (`123-4560`).
    pub fn parse(input: &str) -> Result<Self, SanError> {
        let chars: Vec<char> = input
            .chars()
            .filter(|c| *c != '-' && *c != ' ')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if chars.len() != 7
            || !chars[..6].iter().all(char::is_ascii_digit)
            || !(chars[6].is_ascii_digit() || chars[6] == 'X')
        {
            return Err(SanError::Malformed);
        }
        let expected = super::isbn::mod11_check_character(&chars[..6]);
        if chars[6] != expected {
            return Err(SanError::CheckCharacter {
                found: chars[6],
                expected,
            });
        }
        Ok(San(chars.into_iter().collect()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for San {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_sans_are_accepted_and_stored_bare() {
        for (input, stored) in [
            ("1234560", "1234560"),
            ("123-4560", "1234560"),
            ("123 4560", "1234560"),
            ("000006X", "000006X"),
            ("000-006x", "000006X"),
            ("999999X", "999999X"),
        ] {
            assert_eq!(San::parse(input).map(|s| s.0), Ok(stored.to_owned()), "{input}");
        }
    }

    #[test]
    fn bad_sans_are_refused() {
        for (input, error) in [
            (
                "1234567",
                SanError::CheckCharacter {
                    found: '7',
                    expected: '0',
                },
            ),
            ("123456", SanError::Malformed),
            ("12345601", SanError::Malformed),
            ("12X4560", SanError::Malformed),
            ("abcdefg", SanError::Malformed),
            ("", SanError::Malformed),
        ] {
            assert_eq!(San::parse(input), Err(error), "{input:?}");
        }
    }
}
