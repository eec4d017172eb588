//! The domain's one error type: a rule of the station's world was broken.

/// A rule of the domain was broken by a value or a command.
///
/// Each variant names the field or rule so that the edge (CLI, web) can point the user
/// at what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// A field's value is not acceptable.
    #[error("{field}: {message}")]
    Invalid {
        /// The field that holds the bad value.
        field: &'static str,
        /// What is wrong, in plain words.
        message: String,
    },
    /// A command conflicts with the current state of a record.
    #[error("{0}")]
    Conflict(String),
}

impl DomainError {
    /// Shorthand for [`DomainError::Invalid`].
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            message: message.into(),
        }
    }
}
