//! Server-rendered pages (askama + htmx): a full page for a normal request, only the
//! content fragment for an htmx request. Page errors are rendered here, once, in the
//! request's language.

pub mod account;
pub mod admin;
pub mod audit;
pub mod base;
pub mod board;
pub mod codes;
pub mod duty;
pub mod home;
pub mod incidents;
pub mod org;
pub mod secondary;
pub mod system;
pub mod transfers;
pub mod users;

use askama::Template;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use crate::error::PageFailure;
use crate::session::{Ctx, RequestCtx};
use crate::view::Shell;

/// Renders a template into an HTML response.
pub fn render<T: Template>(template: &T) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(error) => {
            tracing::error!(%error, "template failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The error page (or fragment).
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    shell: Shell,
    status: u16,
    message: String,
    rows: Vec<String>,
}

/// Turns a response marked with [`PageFailure`] into the error page for this request.
pub fn render_failure(ctx: &RequestCtx, response: Response) -> Response {
    let Some(failure) = response.extensions().get::<PageFailure>().cloned() else {
        return response;
    };
    let status = response.status();
    let shell = Shell::new(
        ctx,
        ctx.principal.as_ref(),
        &format!("error.{}", failure.code),
        "",
    );
    let message = match failure.code {
        "invalid" | "conflict" | "bad_request" => failure.message,
        other => shell.t.s(&format!("error.{other}.detail")).to_owned(),
    };
    let mut page = render(&ErrorPage {
        shell,
        status: status.as_u16(),
        message,
        rows: failure.rows,
    });
    *page.status_mut() = status;
    if ctx.htmx {
        // Show form errors in the page's message area instead of replacing the form.
        page.headers_mut()
            .insert("hx-retarget", HeaderValue::from_static("#flash"));
        page.headers_mut()
            .insert("hx-reswap", HeaderValue::from_static("innerHTML"));
    }
    page
}

/// The fallback for unknown paths: JSON under `/api/`, the error page elsewhere.
pub async fn not_found(Ctx(ctx): Ctx) -> Response {
    if ctx.path.starts_with("/api/") {
        crate::error::ApiError(crate::error::WebError::NotFound).into_response()
    } else {
        crate::error::PageError(crate::error::WebError::NotFound).into_response()
    }
}

/// A short confirmation for htmx forms: replaces the message area.
#[derive(Debug, Template)]
#[template(path = "flash.html")]
pub struct Flash {
    /// The text.
    pub message: String,
}

/// Redirect after a successful form post: htmx follows `HX-Redirect`, plain forms 303.
pub fn after_post(ctx: &RequestCtx, to: &str) -> Response {
    if ctx.htmx {
        let mut response = StatusCode::NO_CONTENT.into_response();
        if let Ok(value) = HeaderValue::from_str(to) {
            response.headers_mut().insert("hx-redirect", value);
        }
        response
    } else {
        axum::response::Redirect::to(to).into_response()
    }
}
