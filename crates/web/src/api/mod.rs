//! The JSON API under `/api/v1`: everything the pages do, for integrations. Described
//! by OpenAPI 3.1 (utoipa) at `/api/v1/openapi.json`, with an offline docs page.
//!
//! Sessions (with the CSRF header) and bearer tokens of service accounts both work.
//! Wire types live here and convert explicitly from the store's rows; personal data is
//! masked in every response unless a reveal endpoint is called with a reason.

pub mod base;
pub mod incidents;
pub mod org;
pub mod system;
pub mod transfers;
pub mod users;

use askama::Template;
use axum::Json;
use axum::response::Response;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::error::{ErrorBody, ErrorEnvelope, RowProblem};

/// The OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(title = "fengqiao API", version = "1", description = "The JSON API of fengqiao (枫桥式派出所工作平台). Personal data is masked unless revealed with a reason; every call is scoped to the caller's jurisdiction."),
    paths(
        system::me,
        org::list_nodes, org::get_node, org::create_node, org::update_node,
        org::list_units, org::create_unit,
        org::list_staff, org::get_staff, org::reveal_staff_phone,
        org::list_partners, org::create_partner,
        base::list_addresses, base::get_address, base::create_address, base::put_address,
        base::freshness,
        incidents::list_incidents, incidents::get_incident, incidents::receive_incident,
        transfers::list_transfers, transfers::transfer_step,
        users::list_users, users::get_user, users::create_user, users::set_roles, users::set_active,
        system::get_code_table, system::put_code_entry,
        system::list_roles,
        system::list_tokens, system::issue_token, system::revoke_token,
        system::timeline,
        system::list_settings, system::put_setting,
    ),
    components(schemas(ErrorEnvelope, ErrorBody, RowProblem)),
    modifiers(&Security),
    security(("bearer" = []), ("session" = []))
)]
#[derive(Debug)]
pub struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("API token of a service account (fq_…)"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "fq_session",
                "Browser session; state-changing calls also need the X-CSRF-Token header",
            ))),
        );
    }
}

/// `GET /api/v1/openapi.json`.
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

#[derive(Template)]
#[template(path = "docs.html")]
struct DocsPage;

/// `GET /api/v1/docs`: Swagger UI, served from the binary.
pub async fn docs() -> Response {
    crate::pages::render(&DocsPage)
}
