//! What every page shares: the shell (layout data, navigation by role) and the
//! masking of personal data on its way out.

use fengqiao_app::policy::Principal;
use fengqiao_domain::identity::{IdCardNumber, PhoneNumber, mask_name};
use fengqiao_domain::policy::Permission;

use crate::i18n::{Lang, Tr};
use crate::session::RequestCtx;

/// One link of the navigation.
#[derive(Debug, Clone)]
pub struct NavLink {
    /// Target path.
    pub href: &'static str,
    /// Message key of its label.
    pub label: &'static str,
    /// Whether it is the current section.
    pub active: bool,
}

/// The navigation: each entry with the permission it needs (`None`: every signed-in
/// user). The menu shows only what the role may open.
const NAV: &[(&str, &str, Option<Permission>)] = &[
    ("/", "nav.home", None),
    ("/admin/org", "nav.org", Some(Permission::OrgView)),
    ("/admin/staff", "nav.staff", Some(Permission::OrgView)),
    ("/admin/units", "nav.units", Some(Permission::OrgView)),
    ("/admin/partners", "nav.partners", Some(Permission::OrgView)),
    ("/admin/users", "nav.users", Some(Permission::UsersView)),
    ("/admin/codes", "nav.codes", Some(Permission::CodesView)),
    ("/admin/roles", "nav.roles", Some(Permission::RolesView)),
    ("/admin/audit", "nav.audit", Some(Permission::AuditView)),
    (
        "/admin/settings",
        "nav.settings",
        Some(Permission::SettingsManage),
    ),
    (
        "/admin/tokens",
        "nav.tokens",
        Some(Permission::TokensManage),
    ),
    ("/api/v1/docs", "nav.api", None),
];

/// The signed-in user as the shell shows them.
#[derive(Debug, Clone)]
pub struct ShellUser {
    /// Name shown.
    pub display_name: String,
    /// Role names in the interface language.
    pub roles: String,
}

/// Layout data for every page.
#[derive(Debug, Clone)]
pub struct Shell {
    /// Translator.
    pub t: Tr,
    /// Whether to render the whole page (false for htmx requests: the fragment only).
    pub chrome: bool,
    /// The CSRF token for forms.
    pub csrf: String,
    /// The page title's message key.
    pub title: String,
    /// The signed-in user.
    pub user: Option<ShellUser>,
    /// Navigation for the user's roles.
    pub nav: Vec<NavLink>,
    /// The other language, for the switch.
    pub other_lang: &'static str,
}

impl Shell {
    /// The shell for a request; `section` is the nav path to highlight.
    pub fn new(
        ctx: &RequestCtx,
        principal: Option<&Principal>,
        title: &str,
        section: &str,
    ) -> Self {
        let t = Tr::new(ctx.lang);
        let nav = principal
            .map(|p| {
                NAV.iter()
                    .filter(|(_, _, need)| need.is_none_or(|perm| p.has(perm)))
                    .map(|(href, label, _)| NavLink {
                        href,
                        label,
                        active: *href == section,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let user = principal.map(|p| ShellUser {
            display_name: p.display_name.clone(),
            roles: p
                .roles
                .iter()
                .map(|r| t.role(r.as_str()))
                .collect::<Vec<_>>()
                .join("、"),
        });
        Self {
            t,
            chrome: !ctx.htmx,
            csrf: ctx.csrf().to_owned(),
            title: t.s(title).to_owned(),
            user,
            nav,
            other_lang: match ctx.lang {
                Lang::Zh => "en",
                Lang::En => "zh",
            },
        }
    }
}

/// A phone number as the viewer may see it: masked (`138****5678`) always, unless
/// the caller reveals one record on purpose. Unparseable text is masked wholesale.
pub fn masked_phone(phone: Option<&str>) -> String {
    match phone {
        None => String::new(),
        Some(text) => PhoneNumber::parse(text)
            .map_or_else(|_| "*".repeat(text.chars().count().min(11)), |p| p.masked()),
    }
}

/// An ID number, masked (`110101********1234`).
pub fn masked_id_number(id: Option<&str>) -> String {
    match id {
        None => String::new(),
        Some(text) => IdCardNumber::parse(text).map_or_else(|_| "*".repeat(18), |n| n.masked()),
    }
}

/// A personal name as the viewer may see it: `张*` for partner and volunteer roles.
pub fn shown_name(principal: &Principal, name: &str) -> String {
    if principal.sees_masked_names() {
        mask_name(name)
    } else {
        name.to_owned()
    }
}
