//! Instants in one canonical textual form.
//!
//! Times are stored and hashed as RFC 3339 UTC strings with exactly six fractional digits
//! (`2026-11-22T10:55:13.000000Z`). One fixed width means the text sorts like the
//! instant, on SQLite and PostgreSQL alike, and the hash chain sees the same bytes that
//! the database holds.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::{
    OffsetDateTime, UtcOffset, format_description::BorrowedFormatItem, macros::format_description,
};

use crate::DomainError;

const FORMAT: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

/// A UTC instant with microsecond precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// The current instant, truncated to microseconds.
    pub fn now() -> Self {
        Self::from_datetime(OffsetDateTime::now_utc())
    }

    /// Wraps a date-time, converting it to UTC and dropping sub-microsecond digits.
    pub fn from_datetime(at: OffsetDateTime) -> Self {
        let utc = at.to_offset(UtcOffset::UTC);
        let micros = utc.microsecond();
        Self(utc.replace_microsecond(micros).unwrap_or(utc))
    }

    /// Builds an instant from Unix seconds.
    pub fn from_unix_seconds(seconds: i64) -> Result<Self, DomainError> {
        OffsetDateTime::from_unix_timestamp(seconds)
            .map(Self)
            .map_err(|e| DomainError::invalid("timestamp", e.to_string()))
    }

    /// Parses the canonical form, or any RFC 3339 string (converted to UTC).
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        if let Ok(at) = time::PrimitiveDateTime::parse(text, FORMAT) {
            return Ok(Self(at.assume_utc()));
        }
        OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            .map(Self::from_datetime)
            .map_err(|e| {
                DomainError::invalid(
                    "timestamp",
                    format!("{text:?} is not an RFC 3339 time: {e}"),
                )
            })
    }

    /// The instant as a `time` value in UTC.
    pub fn datetime(self) -> OffsetDateTime {
        self.0
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(self) -> i64 {
        self.0.unix_timestamp()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Formatting a UTC date-time with this description cannot fail for years 0..=9999.
        match self.0.format(FORMAT) {
            Ok(text) => f.write_str(&text),
            Err(_) => Err(fmt::Error),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_form_round_trips_and_has_fixed_width() {
        let at = Timestamp::parse("2026-11-22T18:55:13.5+08:00").unwrap();
        assert_eq!(at.to_string(), "2026-11-22T10:55:13.500000Z");
        assert_eq!(Timestamp::parse(&at.to_string()).unwrap(), at);
    }

    #[test]
    fn garbage_is_refused_with_the_text_quoted() {
        let err = Timestamp::parse("yesterday").unwrap_err();
        assert!(err.to_string().contains("\"yesterday\""));
    }
}
