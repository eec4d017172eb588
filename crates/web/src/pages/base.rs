//! The base (一标三实) pages: the overview with freshness and campaigns, address search
//! (through the matcher) and import, one address with everything at it, houses,
//! people (masked, reveal with a reason) and units.

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::Response;
use fengqiao_app::base::{AddressDetail, AddressQuery};
use fengqiao_app::campaign::{Freshness, NewCampaign};
use fengqiao_domain::base::{
    AddressFields, BaseKind, EstablishmentFields, HouseFields, KeyPerson, PersonFields,
};
use fengqiao_domain::codes::CodeTable;
use fengqiao_domain::org::RecordId;
use fengqiao_domain::policy::Permission;
use fengqiao_store::{
    AddressRow, CampaignItemRow, CampaignRow, EstablishmentRow, HouseRow, PersonRow,
};
use serde::Deserialize;

use super::admin::{Choice, code_choices};
use super::{Flash, after_post, render};
use crate::AppState;
use crate::error::{PageError, WebError};
use crate::jobs::JobState;
use crate::session::Viewer;
use crate::view::{Shell, masked_id_number, masked_phone, shown_name};

/// Rows per page of the address list.
const PAGE: i64 = 50;

fn bad_id(field: &str) -> PageError {
    PageError(WebError::Invalid {
        field: Some(field.into()),
        message: format!("{field} is not a record id"),
        rows: Vec::new(),
    })
}

fn record_id(field: &str, text: &str) -> Result<RecordId, PageError> {
    text.trim().parse().map_err(|_| bad_id(field))
}

fn optional_id(field: &str, text: &Option<String>) -> Result<Option<RecordId>, PageError> {
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => record_id(field, t).map(Some),
    }
}

fn number(field: &str, text: &Option<String>) -> Result<Option<f64>, PageError> {
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => t.parse().map(Some).map_err(|_| {
            PageError(WebError::Invalid {
                field: Some(field.into()),
                message: format!("{t:?} is not a number"),
                rows: Vec::new(),
            })
        }),
    }
}

/// A percentage for display, or a dash when there is nothing to count.
fn percent(figure: &Freshness) -> String {
    figure
        .percent()
        .map_or_else(|| "—".into(), |p| format!("{p:.1}%"))
}

/// The user name inside a log actor text (`user:<id>:<name>` → `<name>`).
pub fn actor_name(actor: &str) -> String {
    actor.rsplit(':').next().unwrap_or(actor).to_owned()
}

/// Grids and communities in scope: where an address may lie.
async fn leaf_choices(
    state: &AppState,
    principal: &fengqiao_app::policy::Principal,
) -> Result<Vec<Choice>, PageError> {
    Ok(state
        .app
        .nodes_for(principal)
        .await?
        .into_iter()
        .filter(|n| n.level == "grid" || n.level == "community")
        .map(|n| Choice {
            value: n.id,
            label: format!("{} ({})", n.name, n.code),
        })
        .collect())
}

// ---------------------------------------------------------------------------------
// Overview: freshness and campaigns.

#[derive(Template)]
#[template(path = "base.html")]
struct BasePage {
    shell: Shell,
    lines: Vec<(Freshness, usize, String)>,
    campaigns: Vec<CampaignRow>,
    nodes: Vec<Choice>,
    can_manage: bool,
}

/// `GET /base`: the freshness figure per node and the campaigns.
pub async fn base_page(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
) -> Result<Response, PageError> {
    let figures = state.app.freshness_as(&principal).await?;
    let nodes = state.app.nodes_for(&principal).await?;
    // The tree order and depth come with the nodes; the figures are looked up by id.
    let lines: Vec<(Freshness, usize, String)> = super::org::tree_lines(&nodes)
        .into_iter()
        .filter_map(|line| {
            let figure = figures.iter().find(|f| f.node_id == line.node.id)?;
            Some((figure.clone(), line.depth, percent(figure)))
        })
        .collect();
    let page = BasePage {
        shell: Shell::new(&ctx, Some(&principal), "base.title", "/base"),
        campaigns: state.app.campaigns_as(&principal).await?,
        nodes: nodes
            .iter()
            .map(|n| Choice {
                value: n.id.clone(),
                label: n.name.clone(),
            })
            .collect(),
        lines,
        can_manage: principal.has(Permission::BaseManage),
    };
    Ok(render(&page))
}

/// The campaign form.
#[derive(Debug, Deserialize)]
pub struct CampaignForm {
    node_id: String,
    name: String,
    #[serde(default)]
    due_date: Option<String>,
    #[serde(default)]
    kinds: Vec<String>,
    #[serde(default)]
    stale_only: Option<String>,
}

/// `POST /base/campaigns`.
pub async fn create_campaign(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    axum_extra::extract::Form(form): axum_extra::extract::Form<CampaignForm>,
) -> Result<Response, PageError> {
    let kinds = form
        .kinds
        .iter()
        .map(|k| k.parse::<BaseKind>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(WebError::from)?;
    let id = state
        .app
        .create_campaign_as(
            &principal,
            NewCampaign {
                node_id: record_id("node_id", &form.node_id)?,
                name: form.name,
                due_date: form.due_date,
                kinds,
                stale_only: form.stale_only.is_some_and(|v| v == "1" || v == "on"),
            },
        )
        .await?;
    Ok(after_post(&ctx, &format!("/base/campaigns/{id}")))
}

#[derive(Template)]
#[template(path = "campaign.html")]
struct CampaignPage {
    shell: Shell,
    campaign: CampaignRow,
    items: Vec<(CampaignItemRow, String, String)>,
    can_manage: bool,
}

/// `GET /base/campaigns/{id}`: the list to visit, not yet visited first.
pub async fn campaign_page(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (campaign, items) = state.app.campaign_as(&principal, &id).await?;
    let t = crate::i18n::Tr::new(ctx.lang);
    let items = items
        .into_iter()
        .map(|mut item| {
            let href = match item.kind.as_str() {
                "std_address" => format!("/base/addresses/{}", item.id),
                "house" => format!("/base/houses/{}", item.id),
                "person" => {
                    item.label = shown_name(&principal, &item.label);
                    format!("/base/people/{}", item.id)
                }
                _ => String::new(),
            };
            let kind = t.s(&format!("base.kind.{}", item.kind)).to_owned();
            (item, kind, href)
        })
        .collect();
    Ok(render(&CampaignPage {
        shell: Shell::new(&ctx, Some(&principal), "campaign.title", "/base"),
        campaign,
        items,
        can_manage: principal.has(Permission::BaseManage),
    }))
}

/// The verification form: one record, optionally within a campaign.
#[derive(Debug, Deserialize)]
pub struct VerifyForm {
    kind: String,
    id: String,
    #[serde(default)]
    campaign_id: Option<String>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    back: Option<String>,
}

/// `POST /base/verify`: a check on the spot (核查) or a key person's visit (走访).
pub async fn verify(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Form(form): Form<VerifyForm>,
) -> Result<Response, PageError> {
    let kind: BaseKind = form.kind.parse().map_err(WebError::from)?;
    let id = record_id("id", &form.id)?;
    let campaign = optional_id("campaign_id", &form.campaign_id)?;
    state
        .app
        .verify_record_as(&principal, kind, id, campaign, form.note.as_deref())
        .await?;
    // Only a path of our own is followed back.
    let back = form
        .back
        .filter(|b| b.starts_with("/base/") && !b.starts_with("//"))
        .unwrap_or_else(|| "/base".into());
    Ok(after_post(&ctx, &back))
}

// ---------------------------------------------------------------------------------
// Addresses.

#[derive(Template)]
#[template(path = "addresses.html")]
struct AddressesPage {
    shell: Shell,
    query: String,
    rows: Vec<AddressRow>,
    best: Option<(AddressRow, String, String)>,
    total: i64,
    page: i64,
    pages: i64,
    grids: Vec<Choice>,
    can_manage: bool,
}

/// The address search.
#[derive(Debug, Default, Deserialize)]
pub struct AddressSearch {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    under: Option<String>,
    #[serde(default)]
    page: Option<i64>,
}

/// `GET /base/addresses`: search by free text (matched like an incident's address)
/// or part of one.
pub async fn addresses_page(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Query(search): Query<AddressSearch>,
) -> Result<Response, PageError> {
    let page = search.page.unwrap_or(1).max(1);
    let found = state
        .app
        .addresses_as(
            &principal,
            AddressQuery {
                text: search.q.clone(),
                under: search.under.filter(|u| !u.is_empty()),
                limit: PAGE,
                offset: (page - 1) * PAGE,
            },
        )
        .await?;
    let grids = if principal.has(Permission::BaseManage) {
        leaf_choices(&state, &principal).await?
    } else {
        Vec::new()
    };
    Ok(render(&AddressesPage {
        shell: Shell::new(&ctx, Some(&principal), "addresses.title", "/base/addresses"),
        query: search.q.unwrap_or_default(),
        best: found
            .best
            .map(|b| (b.address, format!("{:.2}", b.score), b.reason)),
        pages: (found.total + PAGE - 1) / PAGE,
        total: found.total,
        rows: found.rows,
        page,
        grids,
        can_manage: principal.has(Permission::BaseManage),
    }))
}

/// The address form (create and edit).
#[derive(Debug, Deserialize)]
pub struct AddressForm {
    code: String,
    text: String,
    node_id: String,
    #[serde(default)]
    lng: Option<String>,
    #[serde(default)]
    lat: Option<String>,
}

impl AddressForm {
    fn fields(self) -> Result<AddressFields, PageError> {
        Ok(AddressFields {
            code: self.code,
            text: self.text,
            node_id: record_id("node_id", &self.node_id)?,
            lng: number("lng", &self.lng)?,
            lat: number("lat", &self.lat)?,
        })
    }
}

/// `POST /base/addresses`.
pub async fn create_address(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Form(form): Form<AddressForm>,
) -> Result<Response, PageError> {
    let id = state
        .app
        .save_address_as(&principal, None, form.fields()?)
        .await?;
    Ok(after_post(&ctx, &format!("/base/addresses/{id}")))
}

/// `POST /base/addresses/{id}`.
pub async fn save_address(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Path(id): Path<String>,
    Form(form): Form<AddressForm>,
) -> Result<Response, PageError> {
    let record = record_id("id", &id)?;
    state
        .app
        .save_address_as(&principal, Some(record), form.fields()?)
        .await?;
    Ok(after_post(&ctx, &format!("/base/addresses/{id}")))
}

/// A person as a list shows them: masked numbers, registration in words.
#[derive(Debug)]
pub struct PersonLine {
    /// The record.
    pub person: PersonRow,
    /// Name as the viewer may see it.
    pub name: String,
    /// Masked ID number.
    pub id_number: String,
    /// Masked phone.
    pub phone: String,
    /// Registration in words.
    pub registration: String,
    /// When the next visit of a key person is due, and whether it is overdue.
    pub visit_due: Option<(String, bool)>,
}

fn person_line(
    principal: &fengqiao_app::policy::Principal,
    t: &crate::i18n::Tr,
    person: PersonRow,
) -> PersonLine {
    let visit_due = person.visit_every_days.map(|every| {
        let from = person
            .verified_at
            .clone()
            .max(person.key_since.clone())
            .unwrap_or_default();
        let due = fengqiao_domain::Timestamp::parse(&from)
            .ok()
            .and_then(|at| {
                fengqiao_domain::Timestamp::from_unix_seconds(at.unix_seconds() + every * 86_400)
                    .ok()
            });
        match due {
            Some(due) => {
                let overdue = due.unix_seconds() < fengqiao_domain::Timestamp::now().unix_seconds();
                (due.to_string()[..10].to_owned(), overdue)
            }
            None => (String::new(), true),
        }
    });
    PersonLine {
        name: shown_name(principal, &person.name),
        id_number: masked_id_number(person.id_number.as_deref()),
        phone: masked_phone(person.phone.as_deref()),
        registration: t
            .s(&format!("registration.{}", person.registration))
            .to_owned(),
        visit_due,
        person,
    }
}

#[derive(Template)]
#[template(path = "address.html")]
struct AddressPage {
    shell: Shell,
    address: AddressRow,
    components: Vec<(String, String)>,
    houses: Vec<(HouseRow, String, Option<String>)>,
    people: Vec<PersonLine>,
    establishments: Vec<(EstablishmentRow, String, String)>,
    grids: Vec<Choice>,
    usages: Vec<Choice>,
    kinds: Vec<Choice>,
    verified: String,
    /// Who answers for the place (1+2+3 of its grid and community): id, name, duty.
    responsible: Vec<(String, String, String)>,
    /// The incidents at the address, for those who see incidents: id, number, time, what.
    incidents: Option<Vec<(String, String, String, String)>>,
    can_manage: bool,
    can_audit: bool,
    tile_url: String,
}

/// The pairing of a grid and of its community (1+2+3): the people a record at the
/// grid reaches, officers first.
async fn responsible_for(
    state: &AppState,
    principal: &fengqiao_app::policy::Principal,
    t: &crate::i18n::Tr,
    node_id: &str,
) -> Result<Vec<(String, String, String)>, PageError> {
    let nodes = state.app.nodes_for(principal).await?;
    let mut places = vec![node_id.to_owned()];
    if let Some(parent) = nodes
        .iter()
        .find(|n| n.id == node_id)
        .and_then(|n| n.parent_id.clone())
    {
        places.push(parent);
    }
    let mut people: Vec<(u8, String, String, String)> = state
        .app
        .staff_for(principal)
        .await?
        .into_iter()
        .flat_map(|s| {
            s.assignments
                .iter()
                .filter(|(n, _)| places.contains(n))
                .map(|(_, duty)| {
                    let rank = match duty.as_str() {
                        "officer" => 0,
                        "auxiliary" => 1,
                        _ => 2,
                    };
                    (
                        rank,
                        s.id.clone(),
                        shown_name(principal, &s.name),
                        t.s(&format!("duty.{duty}")).to_owned(),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    people.sort();
    Ok(people
        .into_iter()
        .map(|(_, id, name, duty)| (id, name, duty))
        .collect())
}

/// `GET /base/addresses/{id}`: the address, its parts, and the houses, people and
/// units at it.
pub async fn address_page(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let AddressDetail {
        address,
        components,
        houses,
        people,
        establishments,
    } = state.app.address_as(&principal, &id).await?;
    let t = crate::i18n::Tr::new(ctx.lang);
    let en = ctx.lang == crate::i18n::Lang::En;
    let kinds = code_choices(&state, CodeTable::EstablishmentKind, en).await?;
    let kind_name = |code: &str| {
        kinds
            .iter()
            .find(|k| k.value == code)
            .map_or_else(|| code.to_owned(), |k| k.label.clone())
    };
    let parts = [
        ("province", &components.province),
        ("city", &components.city),
        ("county", &components.county),
        ("township", &components.township),
        ("community", &components.community),
        ("group", &components.group),
        ("road", &components.road),
        ("door_number", &components.door_number),
        ("compound", &components.compound),
        ("building", &components.building),
        ("unit", &components.unit),
        ("floor", &components.floor),
        ("room", &components.room),
        ("poi", &components.poi),
    ];
    let components = parts
        .iter()
        .filter_map(|(key, value)| {
            value
                .as_ref()
                .map(|v| (t.s(&format!("component.{key}")).to_owned(), v.clone()))
        })
        .collect();
    let can_manage = principal.has(Permission::BaseManage);
    let responsible = responsible_for(&state, &principal, &t, &address.node_id).await?;
    let incidents = if principal.has(Permission::IncidentView) {
        Some(
            state
                .app
                .incidents_at_as(&principal, &address.id)
                .await?
                .into_iter()
                .map(|i| {
                    let day = i.called_at.chars().take(10).collect();
                    let what: String = crate::view::masked_text(&i.narrative)
                        .chars()
                        .take(40)
                        .collect();
                    (i.id, i.number, day, what)
                })
                .collect(),
        )
    } else {
        None
    };
    let page = AddressPage {
        incidents,
        responsible,
        shell: Shell::new(&ctx, Some(&principal), "address.title", "/base/addresses"),
        verified: verified_text(
            &t,
            address.verified_at.as_deref(),
            address.verified_by.as_deref(),
        ),
        components,
        houses: houses
            .into_iter()
            .map(|h| {
                let usage = t.s(&format!("usage.{}", h.usage)).to_owned();
                let landlord = h
                    .landlord_name
                    .as_deref()
                    .map(|n| shown_name(&principal, n));
                (h, usage, landlord)
            })
            .collect(),
        people: people
            .into_iter()
            .map(|p| person_line(&principal, &t, p))
            .collect(),
        establishments: establishments
            .into_iter()
            .map(|e| {
                let kind = kind_name(&e.kind);
                let phone = masked_phone(e.contact_phone.as_deref());
                (e, kind, phone)
            })
            .collect(),
        grids: if can_manage {
            leaf_choices(&state, &principal).await?
        } else {
            Vec::new()
        },
        usages: fengqiao_domain::base::HouseUsage::ALL
            .iter()
            .map(|u| Choice {
                value: u.as_str().into(),
                label: t.s(&format!("usage.{u}")).to_owned(),
            })
            .collect(),
        kinds: kinds
            .iter()
            .map(|k| Choice {
                value: k.value.clone(),
                label: k.label.clone(),
            })
            .collect(),
        can_manage,
        can_audit: principal.has(Permission::AuditView),
        tile_url: state.app.settings().await?.map_tile_url,
        address,
    };
    Ok(render(&page))
}

/// "2026-11-30 by 王伟", or "never".
fn verified_text(t: &crate::i18n::Tr, at: Option<&str>, by: Option<&str>) -> String {
    match at {
        Some(at) => t.f(
            "base.verified_at",
            &[
                &at.get(..10).unwrap_or(at),
                &actor_name(by.unwrap_or_default()),
            ],
        ),
        None => t.s("base.never_verified").to_owned(),
    }
}

/// The house form.
#[derive(Debug, Deserialize)]
pub struct HouseForm {
    usage: String,
    #[serde(default)]
    room: Option<String>,
    #[serde(default)]
    landlord_id: Option<String>,
    #[serde(default)]
    note: Option<String>,
}

/// `POST /base/addresses/{id}/houses`.
pub async fn add_house(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Path(id): Path<String>,
    Form(form): Form<HouseForm>,
) -> Result<Response, PageError> {
    let fields = HouseFields {
        address_id: record_id("address_id", &id)?,
        room: form.room,
        usage: form.usage.parse().map_err(WebError::from)?,
        landlord_id: optional_id("landlord_id", &form.landlord_id)?,
        note: form.note,
    };
    let house = state.app.save_house_as(&principal, None, fields).await?;
    Ok(after_post(&ctx, &format!("/base/houses/{house}")))
}

/// The person form.
#[derive(Debug, Deserialize)]
pub struct PersonForm {
    name: String,
    registration: String,
    #[serde(default)]
    id_number: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    house_id: Option<String>,
}

/// `POST /base/addresses/{id}/people`.
pub async fn add_person(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Path(id): Path<String>,
    Form(form): Form<PersonForm>,
) -> Result<Response, PageError> {
    let fields = PersonFields {
        name: form.name,
        id_number: form.id_number,
        phone: form.phone,
        registration: form.registration.parse().map_err(WebError::from)?,
        address_id: record_id("address_id", &id)?,
        house_id: optional_id("house_id", &form.house_id)?,
    };
    let person = state.app.save_person_as(&principal, None, fields).await?;
    Ok(after_post(&ctx, &format!("/base/people/{person}")))
}

/// The unit form.
#[derive(Debug, Deserialize)]
pub struct EstablishmentForm {
    name: String,
    kind: String,
    #[serde(default)]
    contact_name: Option<String>,
    #[serde(default)]
    contact_phone: Option<String>,
    #[serde(default)]
    licence: Option<String>,
}

/// `POST /base/addresses/{id}/establishments`.
pub async fn add_establishment(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Path(id): Path<String>,
    Form(form): Form<EstablishmentForm>,
) -> Result<Response, PageError> {
    let fields = EstablishmentFields {
        name: form.name,
        kind: form.kind,
        address_id: record_id("address_id", &id)?,
        contact_name: form.contact_name,
        contact_phone: form.contact_phone,
        licence: form.licence,
    };
    state
        .app
        .save_establishment_as(&principal, None, fields)
        .await?;
    Ok(after_post(&ctx, &format!("/base/addresses/{id}")))
}

// ---------------------------------------------------------------------------------
// Import, in the background with a progress bar.

#[derive(Template)]
#[template(path = "import_job.html")]
struct ImportJobPage {
    shell: Shell,
    id: String,
    name: String,
    running: bool,
    phase: String,
    done: usize,
    total: usize,
    summary: Option<fengqiao_app::codes::ImportSummary>,
    remark: Option<String>,
    back: String,
    failure: Option<(String, Vec<String>)>,
}

/// The uploaded file of a multipart form, saved under a private temporary directory:
/// (directory, path, the name the user chose).
pub(crate) async fn save_upload(
    multipart: &mut Multipart,
) -> Result<(tempfile::TempDir, std::path::PathBuf, String), PageError> {
    let bad = |m: String| PageError(WebError::BadRequest(m));
    let field = multipart
        .next_field()
        .await
        .map_err(|e| bad(e.to_string()))?
        .ok_or_else(|| bad("no file was sent".into()))?;
    let name: String = field
        .file_name()
        .unwrap_or("upload.csv")
        .chars()
        .filter(|c| !matches!(c, '/' | '\\'))
        .collect();
    let extension = std::path::Path::new(&name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if !matches!(extension.as_str(), "csv" | "xlsx") {
        return Err(PageError(WebError::Invalid {
            field: Some("file".into()),
            message: format!("{name}: expected a .csv or .xlsx file"),
            rows: Vec::new(),
        }));
    }
    let bytes = field.bytes().await.map_err(|e| bad(e.to_string()))?;
    let dir = tempfile::tempdir().map_err(|e| WebError::Internal(e.to_string()))?;
    let path = dir.path().join(format!("upload.{extension}"));
    std::fs::write(&path, &bytes).map_err(|e| WebError::Internal(e.to_string()))?;
    Ok((dir, path, name))
}

/// `POST /base/addresses/import`: a multipart upload of one `.csv` or `.xlsx` file;
/// the import runs in the background and the answer is its progress page.
pub async fn import_addresses(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    state
        .app
        .require(&principal, Permission::BaseManage, "import addresses")
        .await?;
    let (dir, path, name) = save_upload(&mut multipart).await?;
    let owner = principal.user_id.to_string();
    let id = state.jobs.start(&owner, &name);
    let (jobs, app, job) = (state.jobs.clone(), state.app.clone(), id.clone());
    tokio::spawn(async move {
        let report = |progress| jobs.update(&job, JobState::Running(progress));
        let result = app
            .import_addresses_as(&principal, &path, &name, &report)
            .await;
        let state = match result {
            Ok(summary) => JobState::Done(summary, None),
            Err(fengqiao_app::AppError::Import(rows)) => JobState::Failed {
                message: format!(
                    "{} problem(s) in the file; nothing was imported",
                    rows.len()
                ),
                rows: rows.iter().map(ToString::to_string).collect(),
            },
            Err(other) => JobState::Failed {
                message: other.to_string(),
                rows: Vec::new(),
            },
        };
        jobs.update(&job, state);
        drop(dir);
    });
    Ok(after_post(&ctx, &format!("/imports/{id}")))
}

/// `GET /imports/{id}`: the progress of one's own import (of addresses or incidents);
/// the page polls itself while it runs. Another user's job is not found.
pub async fn import_job(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (name, job) = state
        .jobs
        .get(&id, &principal.user_id.to_string())
        .ok_or(PageError(WebError::NotFound))?;
    let t = crate::i18n::Tr::new(ctx.lang);
    let mut page = ImportJobPage {
        shell: Shell::new(&ctx, Some(&principal), "import.title", "/base/addresses"),
        id,
        name,
        running: false,
        phase: String::new(),
        done: 0,
        total: 0,
        summary: None,
        remark: None,
        back: "/base/addresses".into(),
        failure: None,
    };
    match job {
        JobState::Running(progress) => {
            page.running = true;
            page.phase = t.s(&format!("import.phase.{}", progress.phase)).to_owned();
            page.done = progress.done;
            page.total = progress.total;
        }
        JobState::Done(summary, remark) => {
            page.summary = Some(summary);
            if let Some(remark) = remark {
                // Jobs that are not address imports return to the incident board.
                page.back = "/incidents".into();
                page.remark = Some(remark);
            }
        }
        JobState::Failed { message, rows } => page.failure = Some((message, rows)),
    }
    Ok(render(&page))
}

// ---------------------------------------------------------------------------------
// Houses, people and units.

#[derive(Template)]
#[template(path = "house.html")]
struct HousePage {
    shell: Shell,
    house: HouseRow,
    usage: String,
    landlord: Option<String>,
    residents: Vec<PersonLine>,
    verified: String,
    can_manage: bool,
}

/// `GET /base/houses/{id}`: a house with its residents (a rental's tenants).
pub async fn house_page(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (house, residents) = state.app.house_as(&principal, &id).await?;
    let t = crate::i18n::Tr::new(ctx.lang);
    Ok(render(&HousePage {
        shell: Shell::new(&ctx, Some(&principal), "house.title", "/base/addresses"),
        usage: t.s(&format!("usage.{}", house.usage)).to_owned(),
        landlord: house
            .landlord_name
            .as_deref()
            .map(|n| shown_name(&principal, n)),
        residents: residents
            .into_iter()
            .map(|p| person_line(&principal, &t, p))
            .collect(),
        verified: verified_text(&t, house.verified_at.as_deref(), None),
        can_manage: principal.has(Permission::BaseManage),
        house,
    }))
}

#[derive(Template)]
#[template(path = "people.html")]
struct PeoplePage {
    shell: Shell,
    people: Vec<PersonLine>,
    name: String,
    key_only: bool,
}

/// The people search.
#[derive(Debug, Default, Deserialize)]
pub struct PeopleSearch {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    key: Option<String>,
}

/// `GET /base/people`: residents by name, or the key people with their visits due.
pub async fn people_page(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Query(search): Query<PeopleSearch>,
) -> Result<Response, PageError> {
    let key_only = search.key.as_deref().is_some_and(|k| k == "1" || k == "on");
    let people = state
        .app
        .people_as(&principal, search.name.as_deref(), key_only)
        .await?;
    let t = crate::i18n::Tr::new(ctx.lang);
    Ok(render(&PeoplePage {
        shell: Shell::new(&ctx, Some(&principal), "people.title", "/base/people"),
        people: people
            .into_iter()
            .map(|p| person_line(&principal, &t, p))
            .collect(),
        name: search.name.unwrap_or_default(),
        key_only,
    }))
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    shell: Shell,
    line: PersonLine,
    house: Option<(HouseRow, String)>,
    verified: String,
    can_manage: bool,
    can_reveal: bool,
    can_audit: bool,
}

/// `GET /base/people/{id}`: opening the record is recorded (查询留痕).
pub async fn person_page(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (person, house) = state.app.person_as(&principal, &id).await?;
    let t = crate::i18n::Tr::new(ctx.lang);
    let verified = verified_text(
        &t,
        person.verified_at.as_deref(),
        person.verified_by.as_deref(),
    );
    let can_reveal = principal.has(Permission::PersonalReveal)
        && (person.phone.is_some() || person.id_number.is_some());
    Ok(render(&PersonPage {
        shell: Shell::new(&ctx, Some(&principal), "person.title", "/base/people"),
        house: house.map(|h| {
            let usage = t.s(&format!("usage.{}", h.usage)).to_owned();
            (h, usage)
        }),
        line: person_line(&principal, &t, person),
        verified,
        can_manage: principal.has(Permission::BaseManage),
        can_reveal,
        can_audit: principal.has(Permission::AuditView),
    }))
}

/// The key-person form: a reason and a schedule, or `clear`.
#[derive(Debug, Deserialize)]
pub struct KeyForm {
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    visit_every_days: Option<String>,
    #[serde(default)]
    clear: Option<String>,
}

/// `POST /base/people/{id}/key`.
pub async fn set_key_person(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Path(id): Path<String>,
    Form(form): Form<KeyForm>,
) -> Result<Response, PageError> {
    let person = record_id("id", &id)?;
    let key = if form.clear.is_some() {
        None
    } else {
        let every = form
            .visit_every_days
            .as_deref()
            .unwrap_or("30")
            .trim()
            .parse()
            .map_err(|_| {
                PageError(WebError::Invalid {
                    field: Some("visit_every_days".into()),
                    message: "must be a number of days".into(),
                    rows: Vec::new(),
                })
            })?;
        Some(KeyPerson {
            reason: form.reason.unwrap_or_default(),
            visit_every_days: every,
        })
    };
    state.app.set_key_person_as(&principal, person, key).await?;
    Ok(after_post(&ctx, &format!("/base/people/{id}")))
}

/// The reveal form: which number and why.
#[derive(Debug, Deserialize)]
pub struct RevealForm {
    field: String,
    reason: String,
}

/// `POST /base/people/{id}/reveal`: one whole number, once, recorded with the reason.
pub async fn reveal_person(
    State(state): State<AppState>,
    Viewer(principal, _ctx): Viewer,
    Path(id): Path<String>,
    Form(form): Form<RevealForm>,
) -> Result<Response, PageError> {
    let (person, _) = state.app.person_as(&principal, &id).await?;
    let value = match form.field.as_str() {
        "phone" => person.phone,
        "id_number" => person.id_number,
        _ => None,
    }
    .ok_or_else(|| {
        PageError(WebError::Invalid {
            field: Some("field".into()),
            message: "nothing to reveal in that field".into(),
            rows: Vec::new(),
        })
    })?;
    state
        .app
        .record_reveal(&principal, ("person", &id), &form.field, &form.reason)
        .await?;
    Ok(render(&Flash { message: value }))
}

#[derive(Template)]
#[template(path = "establishments.html")]
struct EstablishmentsPage {
    shell: Shell,
    rows: Vec<(EstablishmentRow, String, String)>,
    kinds: Vec<Choice>,
    kind: String,
}

/// The units filter.
#[derive(Debug, Default, Deserialize)]
pub struct EstablishmentSearch {
    #[serde(default)]
    kind: Option<String>,
}

/// `GET /base/establishments`: units, optionally of one kind or group (行业场所,
/// 九小场所 …).
pub async fn establishments_page(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Query(search): Query<EstablishmentSearch>,
) -> Result<Response, PageError> {
    let kind = search.kind.unwrap_or_default();
    let rows = state
        .app
        .establishments_as(&principal, Some(kind.as_str()))
        .await?;
    let en = ctx.lang == crate::i18n::Lang::En;
    let kinds = code_choices(&state, CodeTable::EstablishmentKind, en).await?;
    let name = |code: &str| {
        kinds
            .iter()
            .find(|k| k.value == code)
            .map_or_else(|| code.to_owned(), |k| k.label.clone())
    };
    let rows = rows
        .into_iter()
        .map(|e| {
            let kind = name(&e.kind);
            let phone = masked_phone(e.contact_phone.as_deref());
            (e, kind, phone)
        })
        .collect();
    Ok(render(&EstablishmentsPage {
        shell: Shell::new(
            &ctx,
            Some(&principal),
            "establishments.title",
            "/base/establishments",
        ),
        rows,
        kinds,
        kind,
    }))
}
