//! Signing in and out, the second factor, changing one's password, the language switch.
//!
//! The session id changes at every step up (anonymous → second factor → signed in) and
//! at a password change; signing out deletes the session on the server.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use fengqiao_app::auth::{SignIn, new_totp_secret, stage, totp};
use serde::Deserialize;

use super::render;
use crate::AppState;
use crate::error::PageError;
use crate::session::{Ctx, LANG_COOKIE, RequestCtx, Viewer, clear_session_cookie, session_cookie};
use crate::view::Shell;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    shell: Shell,
    error: Option<String>,
    username: String,
}

#[derive(Template)]
#[template(path = "totp.html")]
struct TotpPage {
    shell: Shell,
    error: Option<String>,
    /// Enrolment: the new secret, its QR code (SVG) and otpauth URL.
    enrol: Option<Enrolment>,
    action: &'static str,
}

struct Enrolment {
    secret: String,
    qr_svg: String,
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    shell: Shell,
    error: Option<String>,
    forced: bool,
}

/// The sign-in form's fields.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
}

/// A TOTP code (and, for enrolment, the secret it was made from).
#[derive(Debug, Deserialize)]
pub struct CodeForm {
    code: String,
    #[serde(default)]
    secret: String,
}

/// The password form.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    repeat: String,
}

/// The language switch.
#[derive(Debug, Deserialize)]
pub struct LangForm {
    lang: String,
    #[serde(default)]
    back: String,
}

/// Starts an anonymous session when there is none, so the form has a CSRF token.
async fn ensure_session(
    state: &AppState,
    ctx: &mut RequestCtx,
    jar: CookieJar,
) -> Result<CookieJar, PageError> {
    if ctx.session.is_some() {
        return Ok(jar);
    }
    let (token, csrf) = state.app.start_session(None, stage::ANONYMOUS).await?;
    ctx.session = Some((
        token.clone(),
        fengqiao_app::auth::SessionState {
            user_id: None,
            stage: stage::ANONYMOUS.into(),
            csrf_token: csrf,
        },
    ));
    Ok(jar.add(session_cookie(state.secure_cookies, token)))
}

/// `GET /login`.
pub async fn login_page(
    State(state): State<AppState>,
    Ctx(mut ctx): Ctx,
    jar: CookieJar,
) -> Result<Response, PageError> {
    if ctx.principal.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    let jar = ensure_session(&state, &mut ctx, jar).await?;
    let page = LoginPage {
        shell: Shell::new(&ctx, None, "login.title", ""),
        error: None,
        username: String::new(),
    };
    Ok((jar, render(&page)).into_response())
}

/// Replaces the current session with a new one at `stage`.
async fn step_up(
    state: &AppState,
    ctx: &RequestCtx,
    jar: CookieJar,
    user_id: &str,
    stage: &str,
) -> Result<CookieJar, PageError> {
    if let Some((old, _)) = &ctx.session {
        state.app.discard_session(old).await?;
    }
    let (token, _) = state.app.start_session(Some(user_id), stage).await?;
    Ok(jar.add(session_cookie(state.secure_cookies, token)))
}

/// `POST /login`.
pub async fn login(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    let outcome = state.app.sign_in(&form.username, &form.password).await?;
    let (user_id, next_stage, to) = match outcome {
        SignIn::Done { user_id } => (user_id, stage::ACTIVE, "/"),
        SignIn::SecondFactor { user_id } => (user_id, stage::SECOND_FACTOR, "/login/totp"),
        SignIn::EnrolSecondFactor { user_id } => (user_id, stage::SECOND_FACTOR, "/login/enrol"),
        SignIn::Refused => {
            let shell = Shell::new(&ctx, None, "login.title", "");
            let error = Some(shell.t.s("login.refused").to_owned());
            let page = LoginPage {
                shell,
                error,
                username: form.username.chars().take(32).collect(),
            };
            return Ok((StatusCode::UNAUTHORIZED, render(&page)).into_response());
        }
    };
    let jar = step_up(&state, &ctx, jar, &user_id.to_string(), next_stage).await?;
    Ok((jar, Redirect::to(to)).into_response())
}

/// The account whose password was checked, if this session is at the second-factor step.
fn pending_user(ctx: &RequestCtx) -> Option<String> {
    ctx.session
        .as_ref()
        .filter(|(_, s)| s.stage == stage::SECOND_FACTOR)
        .and_then(|(_, s)| s.user_id.clone())
}

/// `GET /login/totp`.
pub async fn totp_page(Ctx(ctx): Ctx) -> Response {
    if pending_user(&ctx).is_none() {
        return Redirect::to("/login").into_response();
    }
    render(&TotpPage {
        shell: Shell::new(&ctx, None, "totp.title", ""),
        error: None,
        enrol: None,
        action: "/login/totp",
    })
}

/// `POST /login/totp`.
pub async fn totp_submit(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    jar: CookieJar,
    Form(form): Form<CodeForm>,
) -> Result<Response, PageError> {
    let Some(user_id) = pending_user(&ctx) else {
        return Ok(Redirect::to("/login").into_response());
    };
    if state.app.verify_second_factor(&user_id, &form.code).await? {
        let jar = step_up(&state, &ctx, jar, &user_id, stage::ACTIVE).await?;
        return Ok((jar, Redirect::to("/")).into_response());
    }
    let shell = Shell::new(&ctx, None, "totp.title", "");
    let error = Some(shell.t.s("totp.wrong").to_owned());
    let page = TotpPage {
        shell,
        error,
        enrol: None,
        action: "/login/totp",
    };
    Ok((StatusCode::UNAUTHORIZED, render(&page)).into_response())
}

fn enrolment(account: &str) -> Result<Enrolment, PageError> {
    let secret = new_totp_secret();
    let url = totp(&secret, account)?
        .to_url()
        .map_err(|e| crate::error::WebError::Internal(e.to_string()))?;
    let qr_svg = qrcode::QrCode::new(url.as_bytes())
        .map(|code| {
            code.render::<qrcode::render::svg::Color>()
                .min_dimensions(180, 180)
                .build()
        })
        .map_err(|e| crate::error::WebError::Internal(e.to_string()))?;
    Ok(Enrolment { secret, qr_svg })
}

/// `GET /login/enrol`: the role requires a second factor and none is enrolled yet.
pub async fn enrol_page(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
) -> Result<Response, PageError> {
    let Some(user_id) = pending_user(&ctx) else {
        return Ok(Redirect::to("/login").into_response());
    };
    let account = state
        .app
        .store()
        .account(&user_id)
        .await
        .map_err(fengqiao_app::AppError::from)?;
    let name = account.map(|a| a.username).unwrap_or_default();
    let page = TotpPage {
        shell: Shell::new(&ctx, None, "totp.enrol_title", ""),
        error: None,
        enrol: Some(enrolment(&name)?),
        action: "/login/enrol",
    };
    Ok(render(&page))
}

/// `POST /login/enrol`.
pub async fn enrol_submit(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    jar: CookieJar,
    Form(form): Form<CodeForm>,
) -> Result<Response, PageError> {
    let Some(user_id) = pending_user(&ctx) else {
        return Ok(Redirect::to("/login").into_response());
    };
    if state
        .app
        .enrol_second_factor(&user_id, &form.secret, &form.code, true)
        .await?
    {
        let jar = step_up(&state, &ctx, jar, &user_id, stage::ACTIVE).await?;
        return Ok((jar, Redirect::to("/")).into_response());
    }
    let shell = Shell::new(&ctx, None, "totp.enrol_title", "");
    let error = Some(shell.t.s("totp.wrong").to_owned());
    let account = state
        .app
        .store()
        .account(&user_id)
        .await
        .map_err(fengqiao_app::AppError::from)?;
    let enrol = Some(enrolment(&account.map(|a| a.username).unwrap_or_default())?);
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        render(&TotpPage {
            shell,
            error,
            enrol,
            action: "/login/enrol",
        }),
    )
        .into_response())
}

/// `POST /logout`: the session is deleted on the server, the cookie cleared.
pub async fn logout(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    jar: CookieJar,
) -> Result<Response, PageError> {
    if let Some((token, session)) = &ctx.session {
        state
            .app
            .end_session(token, session.user_id.as_deref())
            .await?;
    }
    let jar = jar.add(clear_session_cookie(state.secure_cookies));
    Ok((jar, Redirect::to("/login")).into_response())
}

/// `GET /account/password`.
pub async fn password_page(Viewer(principal, ctx): Viewer) -> Response {
    let shell = Shell::new(&ctx, Some(&principal), "password.title", "");
    render(&PasswordPage {
        shell,
        error: None,
        forced: principal.must_change_password,
    })
}

/// `POST /account/password`: on success all sessions end and a new one starts.
pub async fn change_password(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    jar: CookieJar,
    Form(form): Form<PasswordForm>,
) -> Result<Response, PageError> {
    let shell = Shell::new(&ctx, Some(&principal), "password.title", "");
    let failure = |shell: Shell, error: String| {
        let page = PasswordPage {
            shell,
            error: Some(error),
            forced: principal.must_change_password,
        };
        Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
    };
    if form.new != form.repeat {
        let message = shell.t.s("password.mismatch").to_owned();
        return failure(shell, message);
    }
    match state
        .app
        .change_own_password(&principal, &form.current, &form.new)
        .await
    {
        Ok(()) => {
            let (token, _) = state
                .app
                .start_session(Some(&principal.user_id.to_string()), stage::ACTIVE)
                .await?;
            let jar = jar.add(session_cookie(state.secure_cookies, token));
            Ok((jar, Redirect::to("/")).into_response())
        }
        Err(fengqiao_app::AppError::Domain(error)) => {
            let message = format!("{}：{error}", shell.t.s("password.refused"));
            failure(shell, message)
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /lang`: remembers the interface language in a cookie.
pub async fn switch_language(jar: CookieJar, Form(form): Form<LangForm>) -> Response {
    let lang = crate::i18n::Lang::from_code(&form.lang);
    let cookie = Cookie::build((LANG_COOKIE, lang.short()))
        .path("/")
        .same_site(SameSite::Lax)
        .max_age(time_years(1))
        .build();
    // Only a path on this site: never an open redirect.
    let back = if form.back.starts_with('/') && !form.back.starts_with("//") {
        form.back
    } else {
        "/".to_owned()
    };
    (jar.add(cookie), Redirect::to(&back)).into_response()
}

fn time_years(years: i64) -> time::Duration {
    time::Duration::days(365 * years)
}
