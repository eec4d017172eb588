//! Every route, once. The router is built from [`table`], and the authorization-matrix
//! test iterates the same table, so a route cannot be served without being tested.

use std::collections::BTreeMap;

use axum::routing::{MethodRouter, delete, get, patch, post, put};

use crate::{AppState, api, assets, pages};

/// Who may call a route before the use case's own policy check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (sign-in, health, static files, the API description).
    Public,
    /// A signed-in user; the page's use cases check permission and jurisdiction.
    Page,
    /// The JSON API: a session or a bearer token; use cases check the rest.
    Api,
}

/// One route of the table.
#[derive(Debug, Clone, Copy)]
pub struct RouteSpec {
    /// HTTP method.
    pub method: &'static str,
    /// Path pattern as axum writes it.
    pub path: &'static str,
    /// Who may call it.
    pub access: Access,
}

/// The routes with their handlers.
pub fn table() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    use Access::{Api, Page, Public};
    let r = |method: &'static str,
             path: &'static str,
             access: Access,
             handler: MethodRouter<AppState>| {
        (
            RouteSpec {
                method,
                path,
                access,
            },
            handler,
        )
    };
    vec![
        r("GET", "/healthz", Public, get(pages::system::healthz)),
        r("GET", "/readyz", Public, get(pages::system::readyz)),
        r("GET", "/metrics", Public, get(pages::system::metrics_text)),
        r("GET", "/static/{*path}", Public, get(assets::static_file)),
        r("GET", "/login", Public, get(pages::account::login_page)),
        r("POST", "/login", Public, post(pages::account::login)),
        r("GET", "/login/totp", Public, get(pages::account::totp_page)),
        r(
            "POST",
            "/login/totp",
            Public,
            post(pages::account::totp_submit),
        ),
        r(
            "GET",
            "/login/enrol",
            Public,
            get(pages::account::enrol_page),
        ),
        r(
            "POST",
            "/login/enrol",
            Public,
            post(pages::account::enrol_submit),
        ),
        r(
            "POST",
            "/lang",
            Public,
            post(pages::account::switch_language),
        ),
        r("POST", "/logout", Public, post(pages::account::logout)),
        r(
            "GET",
            "/api/v1/openapi.json",
            Public,
            get(api::openapi_json),
        ),
        r("GET", "/api/v1/docs", Public, get(api::docs)),
        r(
            "GET",
            "/api/v1/addresses",
            Api,
            get(api::base::list_addresses),
        ),
        r(
            "POST",
            "/api/v1/addresses",
            Api,
            post(api::base::create_address),
        ),
        r(
            "GET",
            "/api/v1/addresses/{id}",
            Api,
            get(api::base::get_address),
        ),
        r(
            "PUT",
            "/api/v1/addresses/{id}",
            Api,
            put(api::base::put_address),
        ),
        r(
            "GET",
            "/api/v1/base/freshness",
            Api,
            get(api::base::freshness),
        ),
        r(
            "GET",
            "/api/v1/incidents",
            Api,
            get(api::incidents::list_incidents),
        ),
        r(
            "POST",
            "/api/v1/incidents",
            Api,
            post(api::incidents::receive_incident),
        ),
        r(
            "GET",
            "/api/v1/incidents/{id}",
            Api,
            get(api::incidents::get_incident),
        ),
        r(
            "GET",
            "/api/v1/transfers",
            Api,
            get(api::transfers::list_transfers),
        ),
        r(
            "POST",
            "/api/v1/transfers/{id}/steps",
            Api,
            post(api::transfers::transfer_step),
        ),
        r("GET", "/", Page, get(pages::home::home)),
        r(
            "GET",
            "/account/password",
            Page,
            get(pages::account::password_page),
        ),
        r(
            "POST",
            "/account/password",
            Page,
            post(pages::account::change_password),
        ),
        r("GET", "/incidents", Page, get(pages::board::board)),
        r("GET", "/incidents/events", Page, get(pages::board::events)),
        r("POST", "/incidents", Page, post(pages::incidents::receive)),
        r("GET", "/incidents/mine", Page, get(pages::incidents::mine)),
        r(
            "GET",
            "/incidents/figures",
            Page,
            get(pages::incidents::figures),
        ),
        r(
            "POST",
            "/incidents/import",
            Page,
            post(pages::incidents::import),
        ),
        r(
            "GET",
            "/incidents/{id}",
            Page,
            get(pages::incidents::incident_page),
        ),
        r(
            "POST",
            "/incidents/{id}/triage",
            Page,
            post(pages::incidents::triage),
        ),
        r(
            "POST",
            "/incidents/{id}/dispatch",
            Page,
            post(pages::incidents::dispatch),
        ),
        r(
            "POST",
            "/incidents/{id}/step",
            Page,
            // Feedback carries photos: room for the most photos at the largest size.
            post(pages::incidents::step).layer(axum::extract::DefaultBodyLimit::max(
                fengqiao_domain::photo::MAX_PHOTOS * fengqiao_domain::photo::MAX_PHOTO_BYTES
                    + 64 * 1024,
            )),
        ),
        r(
            "POST",
            "/incidents/{id}/close",
            Page,
            post(pages::incidents::close),
        ),
        r("GET", "/secondary", Page, get(pages::secondary::list)),
        r(
            "POST",
            "/incidents/{id}/secondary",
            Page,
            post(pages::secondary::step),
        ),
        r(
            "GET",
            "/incidents/{id}/photos/{photo_id}",
            Page,
            get(pages::incidents::photo),
        ),
        r("GET", "/duty", Page, get(pages::duty::roster)),
        r("POST", "/duty/shifts", Page, post(pages::duty::save)),
        r(
            "POST",
            "/duty/shifts/{id}/remove",
            Page,
            post(pages::duty::remove),
        ),
        r("GET", "/transfers", Page, get(pages::transfers::list)),
        r(
            "GET",
            "/transfers/{id}",
            Page,
            get(pages::transfers::matter),
        ),
        r(
            "POST",
            "/transfers/{id}/step",
            Page,
            post(pages::transfers::step),
        ),
        r(
            "GET",
            "/admin/transfer-rules",
            Page,
            get(pages::transfers::rules),
        ),
        r(
            "POST",
            "/admin/transfer-rules",
            Page,
            post(pages::transfers::add_rule),
        ),
        r(
            "POST",
            "/admin/transfer-rules/{id}/remove",
            Page,
            post(pages::transfers::remove_rule),
        ),
        r("GET", "/base", Page, get(pages::base::base_page)),
        r(
            "POST",
            "/base/campaigns",
            Page,
            post(pages::base::create_campaign),
        ),
        r(
            "GET",
            "/base/campaigns/{id}",
            Page,
            get(pages::base::campaign_page),
        ),
        r("POST", "/base/verify", Page, post(pages::base::verify)),
        r(
            "GET",
            "/base/addresses",
            Page,
            get(pages::base::addresses_page),
        ),
        r(
            "POST",
            "/base/addresses",
            Page,
            post(pages::base::create_address),
        ),
        r(
            "POST",
            "/base/addresses/import",
            Page,
            post(pages::base::import_addresses),
        ),
        r("GET", "/imports/{id}", Page, get(pages::base::import_job)),
        r(
            "GET",
            "/base/addresses/{id}",
            Page,
            get(pages::base::address_page),
        ),
        r(
            "POST",
            "/base/addresses/{id}",
            Page,
            post(pages::base::save_address),
        ),
        r(
            "POST",
            "/base/addresses/{id}/houses",
            Page,
            post(pages::base::add_house),
        ),
        r(
            "POST",
            "/base/addresses/{id}/people",
            Page,
            post(pages::base::add_person),
        ),
        r(
            "POST",
            "/base/addresses/{id}/establishments",
            Page,
            post(pages::base::add_establishment),
        ),
        r(
            "GET",
            "/base/houses/{id}",
            Page,
            get(pages::base::house_page),
        ),
        r("GET", "/base/people", Page, get(pages::base::people_page)),
        r(
            "GET",
            "/base/people/{id}",
            Page,
            get(pages::base::person_page),
        ),
        r(
            "POST",
            "/base/people/{id}/key",
            Page,
            post(pages::base::set_key_person),
        ),
        r(
            "POST",
            "/base/people/{id}/reveal",
            Page,
            post(pages::base::reveal_person),
        ),
        r(
            "GET",
            "/base/establishments",
            Page,
            get(pages::base::establishments_page),
        ),
        r("GET", "/admin/org", Page, get(pages::org::org_page)),
        r(
            "GET",
            "/admin/org/map.geojson",
            Page,
            get(pages::org::org_geojson),
        ),
        r(
            "POST",
            "/admin/org/nodes",
            Page,
            post(pages::org::create_node),
        ),
        r(
            "GET",
            "/admin/org/nodes/{id}",
            Page,
            get(pages::org::node_page),
        ),
        r(
            "POST",
            "/admin/org/nodes/{id}/rename",
            Page,
            post(pages::org::rename_node),
        ),
        r(
            "POST",
            "/admin/org/nodes/{id}/boundary",
            Page,
            post(pages::org::set_boundary),
        ),
        r("GET", "/admin/units", Page, get(pages::admin::units_page)),
        r(
            "POST",
            "/admin/units",
            Page,
            post(pages::admin::create_unit),
        ),
        r("GET", "/admin/staff", Page, get(pages::admin::staff_page)),
        r(
            "GET",
            "/admin/staff/{id}",
            Page,
            get(pages::admin::staff_detail),
        ),
        r(
            "POST",
            "/admin/staff/{id}/reveal",
            Page,
            post(pages::admin::reveal_staff_phone),
        ),
        r(
            "GET",
            "/admin/partners",
            Page,
            get(pages::admin::partners_page),
        ),
        r(
            "POST",
            "/admin/partners",
            Page,
            post(pages::admin::create_partner),
        ),
        r("GET", "/admin/users", Page, get(pages::users::users_page)),
        r(
            "POST",
            "/admin/users",
            Page,
            post(pages::users::create_user),
        ),
        r(
            "GET",
            "/admin/users/{id}",
            Page,
            get(pages::users::user_page),
        ),
        r(
            "POST",
            "/admin/users/{id}/roles",
            Page,
            post(pages::users::set_roles),
        ),
        r(
            "POST",
            "/admin/users/{id}/active",
            Page,
            post(pages::users::set_active),
        ),
        r(
            "POST",
            "/admin/users/{id}/password",
            Page,
            post(pages::users::reset_password),
        ),
        r(
            "POST",
            "/admin/users/{id}/unlock",
            Page,
            post(pages::users::unlock),
        ),
        r(
            "POST",
            "/admin/users/{id}/totp-reset",
            Page,
            post(pages::users::reset_totp),
        ),
        r("GET", "/admin/codes", Page, get(pages::codes::codes_page)),
        r(
            "GET",
            "/admin/codes/export",
            Page,
            get(pages::codes::export),
        ),
        r(
            "POST",
            "/admin/codes/import",
            Page,
            post(pages::codes::import),
        ),
        r(
            "GET",
            "/admin/codes/{table}",
            Page,
            get(pages::codes::code_table_page),
        ),
        r(
            "POST",
            "/admin/codes/{table}",
            Page,
            post(pages::codes::save_entry),
        ),
        r("GET", "/admin/roles", Page, get(pages::audit::roles_page)),
        r(
            "POST",
            "/admin/roles/{role}",
            Page,
            post(pages::audit::set_role),
        ),
        r(
            "GET",
            "/admin/settings",
            Page,
            get(pages::audit::settings_page),
        ),
        r(
            "POST",
            "/admin/settings",
            Page,
            post(pages::audit::change_setting),
        ),
        r("GET", "/admin/tokens", Page, get(pages::audit::tokens_page)),
        r(
            "POST",
            "/admin/tokens",
            Page,
            post(pages::audit::issue_token),
        ),
        r(
            "POST",
            "/admin/tokens/{id}/revoke",
            Page,
            post(pages::audit::revoke_token),
        ),
        r("GET", "/admin/audit", Page, get(pages::audit::audit_page)),
        r(
            "GET",
            "/admin/timeline/{kind}/{id}",
            Page,
            get(pages::audit::timeline_page),
        ),
        r("GET", "/api/v1/me", Api, get(api::system::me)),
        r("GET", "/api/v1/nodes", Api, get(api::org::list_nodes)),
        r("POST", "/api/v1/nodes", Api, post(api::org::create_node)),
        r("GET", "/api/v1/nodes/{id}", Api, get(api::org::get_node)),
        r(
            "PATCH",
            "/api/v1/nodes/{id}",
            Api,
            patch(api::org::update_node),
        ),
        r("GET", "/api/v1/units", Api, get(api::org::list_units)),
        r("POST", "/api/v1/units", Api, post(api::org::create_unit)),
        r("GET", "/api/v1/staff", Api, get(api::org::list_staff)),
        r("GET", "/api/v1/staff/{id}", Api, get(api::org::get_staff)),
        r(
            "POST",
            "/api/v1/staff/{id}/reveal",
            Api,
            post(api::org::reveal_staff_phone),
        ),
        r("GET", "/api/v1/partners", Api, get(api::org::list_partners)),
        r(
            "POST",
            "/api/v1/partners",
            Api,
            post(api::org::create_partner),
        ),
        r("GET", "/api/v1/users", Api, get(api::users::list_users)),
        r("POST", "/api/v1/users", Api, post(api::users::create_user)),
        r("GET", "/api/v1/users/{id}", Api, get(api::users::get_user)),
        r(
            "PUT",
            "/api/v1/users/{id}/roles",
            Api,
            put(api::users::set_roles),
        ),
        r(
            "PUT",
            "/api/v1/users/{id}/active",
            Api,
            put(api::users::set_active),
        ),
        r(
            "GET",
            "/api/v1/codes/{table}",
            Api,
            get(api::system::get_code_table),
        ),
        r(
            "PUT",
            "/api/v1/codes/{table}/{code}",
            Api,
            put(api::system::put_code_entry),
        ),
        r("GET", "/api/v1/roles", Api, get(api::system::list_roles)),
        r("GET", "/api/v1/tokens", Api, get(api::system::list_tokens)),
        r(
            "POST",
            "/api/v1/tokens",
            Api,
            post(api::system::issue_token),
        ),
        r(
            "DELETE",
            "/api/v1/tokens/{id}",
            Api,
            delete(api::system::revoke_token),
        ),
        r(
            "GET",
            "/api/v1/records/{kind}/{id}/timeline",
            Api,
            get(api::system::timeline),
        ),
        r(
            "GET",
            "/api/v1/settings",
            Api,
            get(api::system::list_settings),
        ),
        r(
            "PUT",
            "/api/v1/settings/{key}",
            Api,
            put(api::system::put_setting),
        ),
    ]
}

/// The route specs alone.
pub fn specs() -> Vec<RouteSpec> {
    table().into_iter().map(|(spec, _)| spec).collect()
}

/// Handlers merged per path, ready for `Router::route`.
pub fn merged() -> BTreeMap<&'static str, MethodRouter<AppState>> {
    let mut by_path: BTreeMap<&'static str, MethodRouter<AppState>> = BTreeMap::new();
    for (spec, handler) in table() {
        let merged = match by_path.remove(spec.path) {
            Some(existing) => existing.merge(handler),
            None => handler,
        };
        by_path.insert(spec.path, merged);
    }
    by_path
}
