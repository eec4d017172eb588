//! Personal identifiers: resident ID card numbers (居民身份证号码) and phone numbers.
//!
//! Both are sensitive personal information under PIPL. The types validate on parse and
//! offer the masked form that every page, export and log shows to roles without the
//! reveal permission.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// A checked 18-character resident ID card number (GB 11643-1999).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdCardNumber(String);

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [u8; 11] = *b"10X98765432";

impl IdCardNumber {
    /// Parses an ID number, accepting a lowercase `x` and surrounding spaces.
    ///
    /// The first 17 characters must be digits, the birth date (characters 7–14) a real
    /// date, and the last character the ISO 7064 MOD 11-2 check character.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let text = text.trim().to_ascii_uppercase();
        let bytes = text.as_bytes();
        if bytes.len() != 18 {
            return Err(DomainError::invalid("id_number", "must have 18 characters"));
        }
        if !bytes[..17].iter().all(u8::is_ascii_digit) {
            return Err(DomainError::invalid(
                "id_number",
                "the first 17 characters must be digits",
            ));
        }
        let year: i32 = text[6..10].parse().unwrap_or(0);
        let month: u8 = text[10..12].parse().unwrap_or(0);
        let day: u8 = text[12..14].parse().unwrap_or(0);
        let valid_date = time::Month::try_from(month)
            .ok()
            .and_then(|m| time::Date::from_calendar_date(year, m, day).ok())
            .is_some_and(|_| (1900..=2100).contains(&year));
        if !valid_date {
            return Err(DomainError::invalid(
                "id_number",
                "the birth date is not a real date",
            ));
        }
        let sum: u32 = bytes[..17]
            .iter()
            .zip(WEIGHTS)
            .map(|(digit, weight)| u32::from(digit - b'0') * weight)
            .sum();
        let expected = CHECK_CHARS[(sum % 11) as usize];
        if bytes[17] != expected {
            return Err(DomainError::invalid(
                "id_number",
                "the check digit does not match",
            ));
        }
        Ok(Self(text))
    }

    /// The check character (GB 11643) of the first 17 digits, `None` if they are not 17
    /// digits. For generating test and demo numbers.
    pub fn check_character(body: &str) -> Option<char> {
        let bytes = body.as_bytes();
        if bytes.len() != 17 || !bytes.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let sum: u32 = bytes
            .iter()
            .zip(WEIGHTS)
            .map(|(digit, weight)| u32::from(digit - b'0') * weight)
            .sum();
        Some(char::from(CHECK_CHARS[(sum % 11) as usize]))
    }

    /// The number as written, for roles with the reveal permission.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    /// The masked form: region code, eight stars, last four (`110101********1234`).
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }
}

impl fmt::Debug for IdCardNumber {
    // Debug output ends up in logs, so it never shows the whole number.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdCardNumber({})", self.masked())
    }
}

impl TryFrom<String> for IdCardNumber {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<IdCardNumber> for String {
    fn from(value: IdCardNumber) -> Self {
        value.0
    }
}

/// A mainland mobile number (11 digits, `1[3-9]…`) or a landline with area code.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Parses a phone number, dropping spaces, dashes and a leading `+86`/`86`.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let digits: String = text
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '+'))
            .collect();
        let digits = match digits.strip_prefix("86") {
            Some(rest) if rest.len() == 11 && rest.starts_with('1') => rest.to_owned(),
            _ => digits,
        };
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DomainError::invalid(
                "phone",
                "may contain only digits, spaces and dashes",
            ));
        }
        let mobile = digits.len() == 11
            && digits.starts_with('1')
            && matches!(digits.as_bytes()[1], b'3'..=b'9');
        let landline = digits.starts_with('0') && (10..=12).contains(&digits.len());
        let short_service = (3..=8).contains(&digits.len()) && !digits.starts_with('0');
        if mobile || landline || short_service {
            Ok(Self(digits))
        } else {
            Err(DomainError::invalid(
                "phone",
                "must be an 11-digit mobile number, a landline with area code or a service number",
            ))
        }
    }

    /// The number as written, for roles with the reveal permission.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    /// The masked form: `138****5678` for mobiles, the area code and last four otherwise.
    pub fn masked(&self) -> String {
        let n = self.0.len();
        if n == 11 && self.0.starts_with('1') {
            format!("{}****{}", &self.0[..3], &self.0[7..])
        } else if n > 6 {
            format!(
                "{}{}{}",
                &self.0[..n - 8.min(n - 3)],
                "*".repeat(4),
                &self.0[n - 4..]
            )
        } else {
            // Short service numbers (110, 12345) are public and need no mask.
            self.0.clone()
        }
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", self.masked())
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PhoneNumber> for String {
    fn from(value: PhoneNumber) -> Self {
        value.0
    }
}

/// Masks a personal name for roles that may not see it whole: `张三` → `张*`.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_id_number_is_accepted_and_masked() {
        let id = IdCardNumber::parse("11010519491231002x").unwrap();
        assert_eq!(id.reveal(), "11010519491231002X");
        assert_eq!(id.masked(), "110105********002X");
        assert_eq!(format!("{id:?}"), "IdCardNumber(110105********002X)");
    }

    #[test]
    fn a_wrong_check_digit_is_refused() {
        let err = IdCardNumber::parse("110105194912310021").unwrap_err();
        assert!(err.to_string().contains("check digit"), "{err}");
    }

    #[test]
    fn an_impossible_birth_date_is_refused() {
        assert!(IdCardNumber::parse("110105194902310020").is_err());
    }

    #[test]
    fn mobile_numbers_are_normalised_and_masked() {
        let phone = PhoneNumber::parse("+86 138-1234-5678").unwrap();
        assert_eq!(phone.reveal(), "13812345678");
        assert_eq!(phone.masked(), "138****5678");
    }

    #[test]
    fn landlines_keep_area_code_and_last_four() {
        let phone = PhoneNumber::parse("0575-87654321").unwrap();
        assert_eq!(phone.masked(), "0575****4321");
    }

    #[test]
    fn letters_in_a_phone_number_are_refused() {
        assert!(PhoneNumber::parse("138abc45678").is_err());
        assert!(PhoneNumber::parse("12812345678").is_err());
    }

    #[test]
    fn names_keep_only_the_surname() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_name(""), "");
    }
}
