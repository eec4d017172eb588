//! The application layer's one error type.

use std::fmt;

use fengqiao_domain::DomainError;
use fengqiao_store::StoreError;

/// A problem with one row of an imported file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    /// The file (and sheet, for workbooks).
    pub place: String,
    /// 1-based row number as a spreadsheet shows it (the header is row 1).
    pub row: usize,
    /// The column, when one is to blame.
    pub column: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, row {}", self.place, self.row)?;
        if let Some(column) = &self.column {
            write!(f, ", column {column}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A file with more problems than this is reported by its first ones.
const MAX_REPORTED: usize = 500;

/// The refusal of an import with these problems, the report cut to its first 500 and a
/// last line saying how many more there were.
pub(crate) fn import_refused(mut problems: Vec<RowError>, place: &str) -> AppError {
    if problems.len() > MAX_REPORTED {
        let more = problems.len() - MAX_REPORTED;
        problems.truncate(MAX_REPORTED);
        problems.push(RowError {
            place: place.to_owned(),
            row: problems.last().map_or(1, |p| p.row),
            column: None,
            message: format!("and {more} more problems"),
        });
    }
    AppError::Import(problems)
}

/// Everything a use case can refuse or fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A domain rule was broken by the request.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// Storage failed or refused.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The named record does not exist (or is outside the actor's reach).
    #[error("{0} not found")]
    NotFound(String),
    /// An import was refused; nothing was written.
    #[error("{} problem(s) in the file, nothing was imported; first: {}", .0.len(), .0.first().map(ToString::to_string).unwrap_or_default())]
    Import(Vec<RowError>),
    /// A file could not be read or written.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The actor's roles do not include the named permission.
    #[error("not allowed: this needs the permission {0}")]
    Forbidden(String),
    /// The operation does not fit the database's current state.
    #[error("{0}")]
    Refused(String),
}
