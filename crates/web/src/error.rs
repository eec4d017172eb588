//! One error type for the web layer, rendered as the JSON envelope for the API and as
//! an error page (or an htmx fragment) for the pages. Only this module turns errors into
//! responses; 5xx answers never carry internals, the cause is logged once here.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use fengqiao_app::AppError;
use fengqiao_store::StoreError;
use serde::Serialize;

/// What went wrong, with the status it answers with.
#[derive(Debug)]
pub enum WebError {
    /// 401: not signed in (pages redirect to the sign-in page instead).
    Unauthenticated,
    /// 403: the role lacks a permission, or the CSRF token is missing or wrong.
    Forbidden(String),
    /// 404: missing, or outside the jurisdiction (indistinguishable on purpose).
    NotFound,
    /// 400: the request itself is malformed.
    BadRequest(String),
    /// 409: conflicts with the current state (concurrent change, duplicate).
    Conflict(String),
    /// 422: a field's value is not acceptable, or an import has bad rows.
    Invalid {
        /// The field, when one is to blame.
        field: Option<String>,
        /// What is wrong.
        message: String,
        /// Row-level problems of an import.
        rows: Vec<fengqiao_app::RowError>,
    },
    /// 500: logged, not shown.
    Internal(String),
}

/// The JSON error envelope of the API.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorEnvelope {
    /// The error.
    pub error: ErrorBody,
}

/// The body of the error envelope.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable code: `unauthenticated`, `forbidden`, `not_found`, `bad_request`,
    /// `conflict`, `invalid`, `internal`.
    pub code: &'static str,
    /// A sentence for people.
    pub message: String,
    /// The field at fault, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Import problems by row.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<RowProblem>,
}

/// One bad row of an import.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RowProblem {
    /// File and sheet.
    pub place: String,
    /// Row number as a spreadsheet shows it.
    pub row: usize,
    /// The column, if one is to blame.
    pub column: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl WebError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The envelope body.
    pub fn body(&self) -> ErrorBody {
        let (code, message, field, rows) = match self {
            Self::Unauthenticated => (
                "unauthenticated",
                "sign in first".to_owned(),
                None,
                Vec::new(),
            ),
            Self::Forbidden(what) => (
                "forbidden",
                format!("not allowed: {what}"),
                None,
                Vec::new(),
            ),
            Self::NotFound => ("not_found", "not found".to_owned(), None, Vec::new()),
            Self::BadRequest(m) => ("bad_request", m.clone(), None, Vec::new()),
            Self::Conflict(m) => ("conflict", m.clone(), None, Vec::new()),
            Self::Invalid {
                field,
                message,
                rows,
            } => (
                "invalid",
                message.clone(),
                field.clone(),
                rows.iter()
                    .map(|r| RowProblem {
                        place: r.place.clone(),
                        row: r.row,
                        column: r.column.clone(),
                        message: r.message.clone(),
                    })
                    .collect(),
            ),
            Self::Internal(_) => (
                "internal",
                "internal error; the cause was logged".to_owned(),
                None,
                Vec::new(),
            ),
        };
        ErrorBody {
            code,
            message,
            field,
            rows,
        }
    }
}

impl From<AppError> for WebError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Domain(fengqiao_domain::DomainError::Invalid { field, message }) => {
                Self::Invalid {
                    field: Some(field.to_owned()),
                    message,
                    rows: Vec::new(),
                }
            }
            AppError::Domain(fengqiao_domain::DomainError::Conflict(m)) => Self::Conflict(m),
            AppError::NotFound(_) => Self::NotFound,
            AppError::Forbidden(permission) => Self::Forbidden(permission),
            AppError::Import(rows) => Self::Invalid {
                field: None,
                message: format!(
                    "{} problem(s) in the file; nothing was imported",
                    rows.len()
                ),
                rows,
            },
            AppError::File { path, message } => Self::Invalid {
                field: Some("file".into()),
                message: format!("{path}: {message}"),
                rows: Vec::new(),
            },
            AppError::Refused(m) => Self::Conflict(m),
            AppError::Store(StoreError::Domain(fengqiao_domain::DomainError::Invalid {
                field,
                message,
            })) => Self::Invalid {
                field: Some(field.to_owned()),
                message,
                rows: Vec::new(),
            },
            AppError::Store(
                e @ (StoreError::VersionConflict { .. } | StoreError::Constraint(_)),
            ) => Self::Conflict(e.to_string()),
            AppError::Store(other) => Self::Internal(other.to_string()),
        }
    }
}

impl From<fengqiao_domain::DomainError> for WebError {
    fn from(error: fengqiao_domain::DomainError) -> Self {
        AppError::Domain(error).into()
    }
}

/// Marks a page response as an error for the error-page layer to render in the
/// request's language.
#[derive(Debug, Clone)]
pub struct PageFailure {
    /// The envelope body (code and message).
    pub code: &'static str,
    /// The message.
    pub message: String,
    /// Import rows, shown as a list.
    pub rows: Vec<String>,
}

/// An error from an API handler: the JSON envelope.
#[derive(Debug)]
pub struct ApiError(pub WebError);

impl<E: Into<WebError>> From<E> for ApiError {
    fn from(error: E) -> Self {
        Self(error.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        log_internal(&self.0);
        (
            self.0.status(),
            Json(ErrorEnvelope {
                error: self.0.body(),
            }),
        )
            .into_response()
    }
}

/// An error from a page handler: an empty response carrying a [`PageFailure`], which
/// the page layer renders with the layout, language and htmx awareness of the request.
#[derive(Debug)]
pub struct PageError(pub WebError);

impl<E: Into<WebError>> From<E> for PageError {
    fn from(error: E) -> Self {
        Self(error.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        log_internal(&self.0);
        let body = self.0.body();
        let rows = match &self.0 {
            WebError::Invalid { rows, .. } => rows.iter().map(ToString::to_string).collect(),
            _ => Vec::new(),
        };
        // A page has no field to point at, so the message names it.
        let message = match &body.field {
            Some(field) if !body.message.starts_with(field.as_str()) => {
                format!("{field}: {}", body.message)
            }
            _ => body.message,
        };
        let mut response = self.0.status().into_response();
        response.extensions_mut().insert(PageFailure {
            code: body.code,
            message,
            rows,
        });
        response
    }
}

fn log_internal(error: &WebError) {
    if let WebError::Internal(cause) = error {
        tracing::error!(%cause, "request failed");
    }
}
