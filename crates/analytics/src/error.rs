//! The one error type of the crate: bad input, named precisely enough for a user.

use thiserror::Error;

/// What can be wrong with the input of a statistic.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum AnalyticsError {
    /// Columns that must describe the same events have different lengths.
    #[error("the columns have different lengths: {what}")]
    LengthMismatch {
        /// Which columns, with their lengths.
        what: String,
    },
    /// A value is NaN or infinite.
    #[error("{column} value at index {index} is not a finite number")]
    NotFinite {
        /// Column name (`x`, `y`, `t` …).
        column: &'static str,
        /// Position in the column.
        index: usize,
    },
    /// A parameter is out of its domain (negative distance, zero cell size …).
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter {
        /// Parameter name.
        name: &'static str,
        /// Why it is rejected.
        reason: String,
    },
    /// The statistic needs more data than was given.
    #[error("not enough data: {0}")]
    NotEnoughData(String),
    /// An incident arrived with a time before the latest one already observed.
    #[error(
        "incident {id} at {time} arrives after one at {latest}; incidents must arrive in time order"
    )]
    OutOfOrder {
        /// The incident's id.
        id: u64,
        /// Its time.
        time: i64,
        /// The latest time observed before it.
        latest: i64,
    },
    /// The grid would have more cells than a raster can reasonably hold.
    #[error("the grid would have {cells} cells; enlarge the cell size or narrow the extent")]
    GridTooLarge {
        /// Requested number of cells.
        cells: u128,
    },
}

/// Checks that every value of a column is finite.
pub(crate) fn check_finite(column: &'static str, values: &[f64]) -> Result<(), AnalyticsError> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(AnalyticsError::NotFinite { column, index }),
        None => Ok(()),
    }
}

/// Checks that two columns have the same length.
pub(crate) fn check_same_len(columns: &[(&str, usize)]) -> Result<(), AnalyticsError> {
    let first = columns.first().map_or(0, |c| c.1);
    if columns.iter().all(|c| c.1 == first) {
        return Ok(());
    }
    let what = columns
        .iter()
        .map(|(name, len)| format!("{name}={len}"))
        .collect::<Vec<_>>()
        .join(", ");
    Err(AnalyticsError::LengthMismatch { what })
}

/// Checks that a parameter is finite and not negative.
pub(crate) fn check_non_negative(name: &'static str, value: f64) -> Result<(), AnalyticsError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(AnalyticsError::InvalidParameter {
            name,
            reason: format!("must be a finite number ≥ 0, got {value}"),
        })
    }
}

/// Checks that a parameter is finite and strictly positive.
pub(crate) fn check_positive(name: &'static str, value: f64) -> Result<(), AnalyticsError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(AnalyticsError::InvalidParameter {
            name,
            reason: format!("must be a finite number > 0, got {value}"),
        })
    }
}
