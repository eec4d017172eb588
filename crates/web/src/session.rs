//! Who is asking: the request context (language, htmx, session, principal), the CSRF
//! check on every state-changing request, and the extractors handlers use.
//!
//! Browsers authenticate with a session cookie (`__Host-fq_session` when served over
//! TLS, HttpOnly, SameSite=Lax); integrations with `Authorization: Bearer <token>`,
//! which carries no ambient authority and so needs no CSRF token.

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use fengqiao_app::auth::{SessionState, stage};
use fengqiao_app::policy::Principal;
use subtle::ConstantTimeEq;

use crate::AppState;
use crate::error::{ApiError, WebError};
use crate::i18n::Lang;

/// The language cookie (a preference, not a secret).
pub const LANG_COOKIE: &str = "fq_lang";
/// The form field that carries the CSRF token in plain HTML forms.
pub const CSRF_FIELD: &str = "_csrf";
/// The header that carries it for htmx and scripts.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Largest form body read for the CSRF check (uploads go through htmx with the header).
const FORM_LIMIT: usize = 2 * 1024 * 1024;

/// What the middleware learned about a request.
#[derive(Debug, Clone, Default)]
pub struct RequestCtx {
    /// Interface language.
    pub lang: Lang,
    /// Whether htmx sent it (answer with the fragment only).
    pub htmx: bool,
    /// The session token from the cookie and its state, if the session is live.
    pub session: Option<(String, SessionState)>,
    /// The signed-in user, or the service account of a bearer token.
    pub principal: Option<Principal>,
    /// Whether the principal came with a bearer token.
    pub via_token: bool,
    /// The request path (for sign-in redirects).
    pub path: String,
}

impl RequestCtx {
    /// The CSRF token to put into forms (empty without a session).
    pub fn csrf(&self) -> &str {
        self.session
            .as_ref()
            .map_or("", |(_, s)| s.csrf_token.as_str())
    }
}

/// The session cookie's name: the `__Host-` prefix needs the Secure flag, which
/// browsers accept only over TLS.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-fq_session"
    } else {
        "fq_session"
    }
}

/// A session cookie with the platform's flags.
pub fn session_cookie(secure: bool, token: String) -> Cookie<'static> {
    Cookie::build((cookie_name(secure), token))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .build()
}

/// A cookie that removes the session cookie.
pub fn clear_session_cookie(secure: bool) -> Cookie<'static> {
    let mut cookie = session_cookie(secure, String::new());
    cookie.make_removal();
    cookie
}

/// Resolves the context, enforces CSRF, and renders page failures; runs on every request.
pub async fn context_layer(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let jar = CookieJar::from_headers(&parts.headers);
    let mut ctx = RequestCtx {
        lang: jar
            .get(LANG_COOKIE)
            .map(|c| Lang::from_code(c.value()))
            .unwrap_or_default(),
        htmx: parts.headers.contains_key("hx-request"),
        path: parts.uri.path().to_owned(),
        ..RequestCtx::default()
    };
    match resolve(&state, &parts.headers, &jar, &mut ctx).await {
        Ok(()) => {}
        Err(error) => return ApiError(error).into_response(),
    }
    let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    let body = if unsafe_method && !ctx.via_token {
        match check_csrf(&state, &parts.headers, body, &ctx).await {
            Ok(body) => body,
            Err(response) => return response,
        }
    } else {
        body
    };
    parts.extensions.insert(ctx.clone());
    let response = next.run(Request::from_parts(parts, body)).await;
    crate::pages::render_failure(&ctx, response)
}

async fn resolve(
    state: &AppState,
    headers: &HeaderMap,
    jar: &CookieJar,
    ctx: &mut RequestCtx,
) -> Result<(), WebError> {
    let app = &state.app;
    if let Some(bearer) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        let principal = app
            .principal_for_token(bearer.trim())
            .await?
            .ok_or(WebError::Unauthenticated)?;
        ctx.principal = Some(principal);
        ctx.via_token = true;
        return Ok(());
    }
    let Some(token) = jar
        .get(cookie_name(state.secure_cookies))
        .map(|c| c.value().to_owned())
    else {
        return Ok(());
    };
    let Some(session) = app.session(&token).await? else {
        return Ok(());
    };
    if session.stage == stage::ACTIVE
        && let Some(user_id) = &session.user_id
    {
        ctx.principal = app.principal(user_id).await?;
    }
    ctx.session = Some((token, session));
    Ok(())
}

/// Checks the synchronizer token of a state-changing request: from the header, or from
/// the `_csrf` field of a URL-encoded form. Also refuses a cross-site `Origin`.
async fn check_csrf(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
    ctx: &RequestCtx,
) -> Result<Body, Response> {
    let refuse = |why: &str| {
        let error = ApiError(WebError::Forbidden(format!("CSRF check failed: {why}")));
        let mut response = error.into_response();
        *response.status_mut() = StatusCode::FORBIDDEN;
        response
    };
    if let (Some(origin), Some(host)) = (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        let origin_host = origin.split("://").nth(1).unwrap_or(origin);
        if origin != "null" && origin_host != host {
            record_csrf_denial(state, ctx).await;
            return Err(refuse("cross-site origin"));
        }
    }
    let Some((_, session)) = &ctx.session else {
        return Err(refuse("no session; reload the page"));
    };
    let (body, sent) = match headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        Some(value) => (body, Some(value.to_owned())),
        None => {
            let urlencoded = headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
            if !urlencoded {
                (body, None)
            } else {
                let bytes = to_bytes(body, FORM_LIMIT)
                    .await
                    .map_err(|_| refuse("form too large"))?;
                let sent = form_urlencoded_field(&bytes, CSRF_FIELD);
                (Body::from(bytes), sent)
            }
        }
    };
    match sent {
        Some(token) if bool::from(token.as_bytes().ct_eq(session.csrf_token.as_bytes())) => {
            Ok(body)
        }
        _ => {
            record_csrf_denial(state, ctx).await;
            Err(refuse("missing or wrong token; reload the page"))
        }
    }
}

async fn record_csrf_denial(state: &AppState, ctx: &RequestCtx) {
    if let Some(principal) = &ctx.principal
        && let Err(error) = state
            .app
            .record_denial(principal, &format!("POST {}", ctx.path), "csrf")
            .await
    {
        tracing::warn!(%error, "could not record a CSRF refusal");
    }
}

/// One field of an `application/x-www-form-urlencoded` body.
fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// A signed-in user (pages redirect to the sign-in page, the API answers 401). A user
/// who must change their password reaches only the password page.
#[derive(Debug, Clone)]
pub struct Viewer(pub Principal, pub RequestCtx);

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ctx = parts
            .extensions
            .get::<RequestCtx>()
            .cloned()
            .unwrap_or_default();
        let api = ctx.path.starts_with("/api/");
        let Some(principal) = ctx.principal.clone() else {
            return Err(if api {
                ApiError(WebError::Unauthenticated).into_response()
            } else {
                sign_in_redirect(&ctx)
            });
        };
        let password_pages = ["/account/password", "/logout", "/lang"];
        if principal.must_change_password && !password_pages.contains(&ctx.path.as_str()) {
            return Err(if api {
                ApiError(WebError::Forbidden("change your password first".into())).into_response()
            } else {
                Redirect::to("/account/password").into_response()
            });
        }
        Ok(Self(principal, ctx))
    }
}

/// The context without requiring a signed-in user.
#[derive(Debug, Clone)]
pub struct Ctx(pub RequestCtx);

impl FromRequestParts<AppState> for Ctx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<RequestCtx>()
                .cloned()
                .unwrap_or_default(),
        ))
    }
}

/// To the sign-in page; htmx requests get a full-page redirect header instead.
pub fn sign_in_redirect(ctx: &RequestCtx) -> Response {
    if ctx.htmx {
        return ([("hx-redirect", "/login")], StatusCode::UNAUTHORIZED).into_response();
    }
    Redirect::to("/login").into_response()
}
