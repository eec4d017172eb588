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
    (
        "/incidents",
        "nav.incidents",
        Some(Permission::IncidentView),
    ),
    (
        "/incidents/mine",
        "nav.my_incidents",
        Some(Permission::IncidentHandle),
    ),
    (
        "/incidents/figures",
        "nav.figures",
        Some(Permission::IncidentView),
    ),
    (
        "/secondary",
        "nav.secondary",
        Some(Permission::IncidentView),
    ),
    (
        "/transfers",
        "nav.transfers",
        Some(Permission::IncidentView),
    ),
    ("/transfers", "nav.inbox", Some(Permission::TransferAnswer)),
    ("/base", "nav.base", Some(Permission::BaseView)),
    (
        "/base/addresses",
        "nav.addresses",
        Some(Permission::BaseView),
    ),
    ("/base/people", "nav.people", Some(Permission::BaseView)),
    ("/admin/org", "nav.org", Some(Permission::OrgView)),
    ("/admin/staff", "nav.staff", Some(Permission::OrgView)),
    ("/duty", "nav.duty", Some(Permission::OrgView)),
    ("/admin/units", "nav.units", Some(Permission::OrgView)),
    ("/admin/partners", "nav.partners", Some(Permission::OrgView)),
    (
        "/admin/transfer-rules",
        "nav.transfer_rules",
        Some(Permission::OrgView),
    ),
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

impl Shell {
    /// The calendar day of a canonical timestamp (`2026-11-30T…` → `2026-11-30`).
    pub fn day(&self, at: &str) -> String {
        at.chars().take(10).collect()
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

/// An event payload (canonical JSON) with personal data masked: fields named like a
/// phone or ID number, and any string that looks like a mobile or ID number, wherever
/// it sits. Auditors see the history; they still reveal personal data only on purpose.
pub fn masked_payload(payload: &str) -> serde_json::Value {
    fn walk(value: &mut serde_json::Value, key: &str) {
        match value {
            serde_json::Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    walk(v, k);
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| walk(v, key)),
            serde_json::Value::String(text) => {
                let sensitive_key = key.contains("phone") || key.contains("id_number");
                if let Ok(phone) = PhoneNumber::parse(text)
                    && (sensitive_key || phone.reveal().len() == 11)
                {
                    *text = phone.masked();
                } else if let Ok(id) = IdCardNumber::parse(text) {
                    *text = id.masked();
                } else if sensitive_key && !text.is_empty() {
                    *text = "*".repeat(text.chars().count().min(18));
                }
            }
            _ => {}
        }
    }
    let mut value: serde_json::Value =
        serde_json::from_str(payload).unwrap_or(serde_json::Value::Null);
    walk(&mut value, "");
    value
}

/// Free text with every run of 11 or more digits masked but its first three and last
/// four: a typed reason may quote the very number it was about.
pub fn masked_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= 11 {
            out.push_str(&run[..3]);
            out.push_str(&"*".repeat(run.len() - 7));
            out.push_str(&run[run.len() - 4..]);
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() || (!run.is_empty() && matches!(c, 'X' | 'x')) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}
