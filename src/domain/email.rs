//! An e-mail address as halshop accepts it: parsed once at the edge, so that an invalid
//! address cannot travel further.

use std::fmt;

/// A well-formed e-mail address (`name@example.com`), trimmed; its case is kept as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

/// Why a text is not an e-mail address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailError {
    /// Nothing but whitespace was sent.
    Empty,
    /// Not `name@domain.tld`: one `@`, a dotted domain, no spaces.
    Malformed,
}

impl Email {
    /// Trims the text and checks it: one `@`, a local part of 1 to 64 characters, a dotted
    /// domain of at least 3 characters, no spaces or control characters.
    pub fn parse(input: &str) -> Result<Email, EmailError> {
        let email = input.trim();
        if email.is_empty() {
            return Err(EmailError::Empty);
        }
        if !well_formed(email) {
            return Err(EmailError::Malformed);
        }
        Ok(Email(email.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn well_formed(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && domain.len() >= 3
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && email
            .chars()
            .all(|c| c.is_ascii_graphic() || (!c.is_ascii() && !c.is_whitespace()))
        && !domain.contains('@')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_addresses_are_accepted_trimmed_with_their_case() {
        for (input, kept) in [
            ("lea@example.com", "lea@example.com"),
            ("  Lea.Roy@Example.COM \n", "Lea.Roy@Example.COM"),
            ("a+tag@sub.example.ca", "a+tag@sub.example.ca"),
            ("élodie@exemple.fr", "élodie@exemple.fr"),
        ] {
            assert_eq!(
                Email::parse(input).map(Email::into_string),
                Ok(kept.to_owned()),
                "{input}"
            );
        }
    }

    #[test]
    fn blank_text_is_empty_not_malformed() {
        assert_eq!(Email::parse(""), Err(EmailError::Empty));
        assert_eq!(Email::parse("  \t"), Err(EmailError::Empty));
    }

    #[test]
    fn bad_addresses_are_refused() {
        let long_local = format!("{}@example.com", "a".repeat(65));
        for input in [
            "no-at-sign",
            "@example.com",
            "lea@",
            "lea@com",
            "lea@.example.com",
            "lea@example.com.",
            "lea@example..com",
            "le a@example.com",
            "lea@ex",
            long_local.as_str(),
        ] {
            assert_eq!(Email::parse(input), Err(EmailError::Malformed), "{input:?}");
        }
    }
}
