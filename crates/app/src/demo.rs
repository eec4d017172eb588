//! The demo bureau: a realistic, entirely fictional 分局 with three stations, fourteen
//! communities and villages, forty-two grids with boundary polygons, more than a
//! hundred staff in the "1+2+3" pairing, six partner agencies and one sign-in per role.
//!
//! Everything is drawn from a seeded generator, so the same seed gives the same bureau
//! (ids included).

use fengqiao_domain::org::{NodeLevel, PairingDuty, RecordId, Residency, Role};
use fengqiao_domain::{Actor, Timestamp};
use rand::{Rng, SeedableRng, seq::IndexedRandom};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use fengqiao_domain::DomainEvent;
use fengqiao_store::SideWrite;
use rand::RngCore;

use crate::demo_base::{DemoBaseSummary, DemoGrid};
use crate::org::{NewNode, NewPartner, NewStaff};
use crate::settings::Settings;
use crate::users::{NewUser, hash_password};
use crate::{App, AppError};

/// The shared password of the demo accounts. Demo accounts are exempt from the
/// first-login password change; `fengqiao serve --demo` says so when it prints them.
pub const DEMO_PASSWORD: &str = "Fengqiao-Demo-2026";

/// A demo sign-in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DemoAccount {
    /// Login name.
    pub username: String,
    /// The role it demonstrates.
    pub role: Role,
    /// Whose account it is.
    pub display_name: String,
    /// Where they work.
    pub jurisdiction: String,
    /// The enrolled TOTP secret (base32), for roles that require a second factor.
    pub totp_secret: Option<String>,
}

/// What the demo created.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DemoSummary {
    /// Stations.
    pub stations: usize,
    /// Communities and villages.
    pub communities: usize,
    /// Grids.
    pub grids: usize,
    /// Staff records.
    pub staff: usize,
    /// Partner agencies.
    pub partners: usize,
    /// Sign-ins, one per role.
    pub accounts: Vec<DemoAccount>,
    /// The base (一标三实) at the grids.
    pub base: DemoBaseSummary,
}

const COLUMNS: usize = 7;
const ROWS: usize = 6;
const ORIGIN: (f64, f64) = (120.205, 29.612);
const CELL: (f64, f64) = (0.0125, 0.0095);
const STATIONS: [(&str, std::ops::Range<usize>); 3] = [
    ("城关派出所", 0..2),
    ("枫溪派出所", 2..5),
    ("石桥派出所", 5..7),
];
const COMMUNITIES: [&str; 14] = [
    "东门社区",
    "西街社区",
    "南湖社区",
    "北山社区",
    "枫源村",
    "溪口村",
    "上岙村",
    "下宅村",
    "新桥社区",
    "和平社区",
    "石桥村",
    "凤凰村",
    "桃园社区",
    "金沙村",
];
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "朱", "马", "胡", "郭",
    "林", "何", "高", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "潘", "袁", "蒋", "蔡", "余",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超",
    "秀英", "华", "丽", "平", "刚", "桂英", "建华", "文", "辉", "玲", "鹏", "晨", "宇", "浩", "婷",
    "斌", "波", "红", "建国", "志强", "海燕", "国庆", "春梅", "晓东", "永刚", "丹", "琳", "雪",
    "瑞", "凯", "亮", "梅", "俊", "飞", "欣",
];

/// Seeded generator of everything random in the demo.
struct Draw(ChaCha8Rng);

impl Draw {
    fn id(&mut self) -> RecordId {
        uuid::Builder::from_random_bytes(self.0.random()).into_uuid()
    }

    fn name(&mut self) -> String {
        let surname = SURNAMES.choose(&mut self.0).copied().unwrap_or("王");
        let given = GIVEN.choose(&mut self.0).copied().unwrap_or("伟");
        format!("{surname}{given}")
    }

    fn phone(&mut self) -> String {
        let prefix = ["138", "139", "150", "158", "187", "189", "135", "177"]
            .choose(&mut self.0)
            .copied()
            .unwrap_or("138");
        format!("{prefix}{:08}", self.0.random_range(0..100_000_000u32))
    }
}

/// The jittered lattice whose cells are the grids. Interior points move a little so the
/// polygons look like real boundaries while still tiling the bureau exactly.
struct Lattice(Vec<Vec<(f64, f64)>>);

impl Lattice {
    fn new(draw: &mut Draw) -> Self {
        let points = (0..=COLUMNS)
            .map(|i| {
                (0..=ROWS)
                    .map(|j| {
                        let interior = (1..COLUMNS).contains(&i) && (1..ROWS).contains(&j);
                        let (jx, jy) = if interior {
                            (
                                draw.0.random_range(-0.25..0.25),
                                draw.0.random_range(-0.25..0.25),
                            )
                        } else {
                            (0.0, 0.0)
                        };
                        let x = ORIGIN.0 + (i as f64 + jx) * CELL.0;
                        let y = ORIGIN.1 + (j as f64 + jy) * CELL.1;
                        ((x * 1e6).round() / 1e6, (y * 1e6).round() / 1e6)
                    })
                    .collect()
            })
            .collect();
        Self(points)
    }

    /// The GeoJSON polygon of the block of cells `columns` × `rows`, walking its border
    /// through every lattice point so that neighbouring blocks share edges exactly.
    fn block(
        &self,
        columns: std::ops::Range<usize>,
        rows: std::ops::Range<usize>,
    ) -> serde_json::Value {
        let (c0, c1, r0, r1) = (columns.start, columns.end, rows.start, rows.end);
        let mut ring = Vec::new();
        ring.extend((c0..=c1).map(|i| self.0[i][r0]));
        ring.extend((r0 + 1..=r1).map(|j| self.0[c1][j]));
        ring.extend((c0..c1).rev().map(|i| self.0[i][r1]));
        ring.extend((r0..r1).rev().map(|j| self.0[c0][j]));
        let coordinates: Vec<[f64; 2]> = ring.into_iter().map(|(x, y)| [x, y]).collect();
        json!({ "type": "Polygon", "coordinates": [coordinates] })
    }

    fn centre(&self, columns: std::ops::Range<usize>, rows: std::ops::Range<usize>) -> (f64, f64) {
        let corners = [
            self.0[columns.start][rows.start],
            self.0[columns.end][rows.start],
            self.0[columns.end][rows.end],
            self.0[columns.start][rows.end],
        ];
        let x = corners.iter().map(|c| c.0).sum::<f64>() / 4.0;
        let y = corners.iter().map(|c| c.1).sum::<f64>() / 4.0;
        ((x * 1e6).round() / 1e6, (y * 1e6).round() / 1e6)
    }
}

/// Ids and names the demo needs again after creating them.
#[derive(Default)]
struct Made {
    bureau: Option<(RecordId, String)>,
    stations: Vec<(RecordId, String, String)>,
    communities: Vec<(RecordId, String, String, usize)>,
    grids: Vec<(RecordId, String, String, usize)>,
    staff_by_role: Vec<(Role, RecordId, String, usize)>,
    partners: Vec<RecordId>,
    /// The grids with their cells, for the base.
    cells: Vec<DemoGrid>,
}

impl App {
    /// Seeds the demo bureau into an empty database. `progress` is called with
    /// (done, total) after each step.
    pub async fn seed_demo(
        &self,
        actor: &Actor,
        seed: u64,
        progress: &dyn Fn(u64, u64),
    ) -> Result<DemoSummary, AppError> {
        if !self
            .store
            .nodes(&fengqiao_store::Scope::All)
            .await?
            .is_empty()
        {
            return Err(AppError::Refused(
                "the database already holds an organisation; the demo only seeds an empty database (use a new --db)".into(),
            ));
        }
        self.seed_code_tables(actor).await?;
        let mut draw = Draw(ChaCha8Rng::seed_from_u64(seed));
        let lattice = Lattice::new(&mut draw);
        let mut made = Made::default();
        let total = 4 + 14 * 9 + 42 + 3 * 12 + 6 + 10;
        let step = std::sync::atomic::AtomicU64::new(0);
        let tick = || {
            progress(
                step.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1,
                total,
            );
        };

        let bureau_id = draw.id();
        self.create_node_with_id(
            actor,
            bureau_id,
            NewNode {
                parent_id: None,
                level: NodeLevel::Bureau,
                code: "QX".into(),
                name: "青溪县公安局".into(),
                boundary: Some(lattice.block(0..COLUMNS, 0..ROWS)),
            },
        )
        .await?;
        made.bureau = Some((bureau_id, "青溪县公安局".into()));
        tick();
        self.demo_stations(actor, &mut draw, &lattice, &mut made, &tick)
            .await?;
        self.demo_partners(actor, &mut draw, &mut made, &tick)
            .await?;
        let accounts = self.demo_accounts(actor, &mut draw, &made, &tick).await?;
        let (base, _) = self
            .seed_demo_base(actor, seed, &made.cells, Timestamp::now(), &|done, all| {
                progress(total + done, total + all);
            })
            .await?;
        Ok(DemoSummary {
            base,
            stations: made.stations.len(),
            communities: made.communities.len(),
            grids: made.grids.len(),
            staff: made.staff_by_role.len(),
            partners: made.partners.len(),
            accounts,
        })
    }

    async fn demo_stations(
        &self,
        actor: &Actor,
        draw: &mut Draw,
        lattice: &Lattice,
        made: &mut Made,
        tick: &dyn Fn(),
    ) -> Result<(), AppError> {
        let bureau_id = made.bureau.as_ref().map(|b| b.0);
        let mut community_index = 0;
        for (s, (station_name, columns)) in STATIONS.iter().enumerate() {
            let station_id = draw.id();
            let station_code = format!("QX-{:02}", s + 1);
            self.create_node_with_id(
                actor,
                station_id,
                NewNode {
                    parent_id: bureau_id,
                    level: NodeLevel::Station,
                    code: station_code.clone(),
                    name: (*station_name).into(),
                    boundary: Some(lattice.block(columns.clone(), 0..ROWS)),
                },
            )
            .await?;
            made.stations
                .push((station_id, (*station_name).into(), station_code.clone()));
            let mut units = Vec::new();
            for (kind, name) in [
                ("command_room", "综合指挥室"),
                ("case_team", "案件侦办队"),
                ("community_team", "社区警务队"),
            ] {
                units.push(
                    self.create_unit(actor, draw.id(), station_id, kind, name)
                        .await?,
                );
            }
            let (lng, lat) = lattice.centre(columns.clone(), 2..4);
            self.create_post(
                actor,
                draw.id(),
                station_id,
                "patrol_post",
                &format!(
                    "{}治安岗亭",
                    station_name.chars().take(2).collect::<String>()
                ),
                Some((lng, lat)),
            )
            .await?;
            tick();
            self.demo_station_staff(actor, draw, made, s, &units)
                .await?;
            tick();
            for column in columns.clone() {
                for rows in [0..3, 3..6] {
                    self.demo_community(
                        actor,
                        draw,
                        lattice,
                        made,
                        (s, community_index),
                        (column, rows),
                        units[2],
                    )
                    .await?;
                    community_index += 1;
                    tick();
                }
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn demo_community(
        &self,
        actor: &Actor,
        draw: &mut Draw,
        lattice: &Lattice,
        made: &mut Made,
        (station, index): (usize, usize),
        (column, rows): (usize, std::ops::Range<usize>),
        community_team: RecordId,
    ) -> Result<(), AppError> {
        let (station_id, _, station_code) = made.stations[station].clone();
        let name = COMMUNITIES[index];
        let community_id = draw.id();
        let code = format!("{station_code}-{:02}", index + 1);
        self.create_node_with_id(
            actor,
            community_id,
            NewNode {
                parent_id: Some(station_id),
                level: NodeLevel::Community,
                code: code.clone(),
                name: name.into(),
                boundary: Some(lattice.block(column..column + 1, rows.clone())),
            },
        )
        .await?;
        made.communities
            .push((community_id, name.into(), code.clone(), station));
        let post_kind = if name.ends_with('村') {
            "work_station"
        } else {
            "police_office"
        };
        let centre = lattice.centre(column..column + 1, rows.clone());
        self.create_post(
            actor,
            draw.id(),
            community_id,
            post_kind,
            &format!("{name}警务室"),
            Some(centre),
        )
        .await?;
        let mut grids = Vec::new();
        for (g, row) in rows.enumerate() {
            let grid_id = draw.id();
            let grid_code = format!("{code}-{}", g + 1);
            let grid_name = format!("{name}第{}网格", ["一", "二", "三"][g]);
            self.create_node_with_id(
                actor,
                grid_id,
                NewNode {
                    parent_id: Some(community_id),
                    level: NodeLevel::Grid,
                    code: grid_code.clone(),
                    name: grid_name.clone(),
                    boundary: Some(lattice.block(column..column + 1, row..row + 1)),
                },
            )
            .await?;
            made.grids
                .push((grid_id, grid_name, grid_code.clone(), station));
            let township = crate::demo_base::TOWNSHIPS[station].to_owned();
            made.cells.push(DemoGrid {
                id: grid_id,
                code: grid_code,
                community: name.into(),
                township,
                index: g,
                corners: [
                    lattice.0[column][row],
                    lattice.0[column + 1][row],
                    lattice.0[column + 1][row + 1],
                    lattice.0[column][row + 1],
                ],
            });
            grids.push(grid_id);
        }
        // The "1+2+3" pairing: one officer and two auxiliaries for the community, one
        // grid worker per grid (three grids, three grid workers).
        let pairing = [
            (
                Role::CommunityOfficer,
                Some(community_team),
                PairingDuty::Officer,
                community_id,
            ),
            (
                Role::Auxiliary,
                Some(community_team),
                PairingDuty::Auxiliary,
                community_id,
            ),
            (
                Role::Auxiliary,
                Some(community_team),
                PairingDuty::Auxiliary,
                community_id,
            ),
            (Role::GridWorker, None, PairingDuty::GridWorker, grids[0]),
            (Role::GridWorker, None, PairingDuty::GridWorker, grids[1]),
            (Role::GridWorker, None, PairingDuty::GridWorker, grids[2]),
        ];
        for (role, unit_id, duty, node_id) in pairing {
            let staff_id = self
                .demo_staff_member(actor, draw, made, role, unit_id, (station, node_id))
                .await?;
            self.assign_staff(actor, staff_id, node_id, duty).await?;
            if duty == PairingDuty::GridWorker {
                // Grid workers also belong to their community's pairing.
                self.assign_staff(actor, staff_id, community_id, duty)
                    .await?;
            }
        }
        Ok(())
    }

    async fn demo_station_staff(
        &self,
        actor: &Actor,
        draw: &mut Draw,
        made: &mut Made,
        station: usize,
        units: &[RecordId],
    ) -> Result<(), AppError> {
        let crew = [
            (Role::StationChief, Some(units[0])),
            (Role::Dispatcher, Some(units[0])),
            (Role::Dispatcher, Some(units[0])),
            (Role::CaseOfficer, Some(units[1])),
            (Role::CaseOfficer, Some(units[1])),
            (Role::Volunteer, None),
            (Role::Volunteer, None),
        ];
        let station_id = made.stations[station].0;
        for (role, unit_id) in crew {
            self.demo_staff_member(actor, draw, made, role, unit_id, (station, station_id))
                .await?;
        }
        Ok(())
    }

    async fn demo_staff_member(
        &self,
        actor: &Actor,
        draw: &mut Draw,
        made: &mut Made,
        role: Role,
        unit_id: Option<RecordId>,
        (station, home): (usize, RecordId),
    ) -> Result<RecordId, AppError> {
        let specialties: Vec<String> = match role {
            Role::CommunityOfficer => vec!["dispute".into(), "assistance".into()],
            Role::CaseOfficer => {
                vec![["criminal", "public_order"][made.staff_by_role.len() % 2].into()]
            }
            Role::Auxiliary => {
                vec![["dispute", "traffic", "public_order"][made.staff_by_role.len() % 3].into()]
            }
            _ => Vec::new(),
        };
        let n = made.staff_by_role.len() + 1;
        let badge_number = match role {
            Role::Auxiliary => format!("F{:05}", 30000 + n),
            Role::GridWorker => format!("G{:05}", 50000 + n),
            Role::Volunteer => format!("V{:05}", 70000 + n),
            _ => format!("{:06}", 330_100 + n),
        };
        let id = draw.id();
        let name = draw.name();
        let phone = draw.phone();
        self.create_staff(
            actor,
            id,
            NewStaff {
                name: name.clone(),
                badge_number,
                unit_id,
                roles: vec![role],
                specialties,
                phone: Some(phone),
                // People without a unit belong to the node they serve.
                node_id: unit_id.is_none().then_some(home),
            },
        )
        .await?;
        made.staff_by_role.push((role, id, name, station));
        Ok(id)
    }

    async fn demo_partners(
        &self,
        actor: &Actor,
        draw: &mut Draw,
        made: &mut Made,
        tick: &dyn Fn(),
    ) -> Result<(), AppError> {
        let station_id = made.stations[1].0;
        let bureau_id = made.bureau.as_ref().map_or(station_id, |b| b.0);
        let partners = [
            (
                "枫溪镇司法所",
                "justice_office",
                Residency::Standing,
                station_id,
            ),
            (
                "枫溪镇信访办",
                "petition_office",
                Residency::Standing,
                station_id,
            ),
            (
                "枫溪镇综治办",
                "comprehensive_governance",
                Residency::Standing,
                station_id,
            ),
            (
                "枫溪镇人民调解委员会",
                "justice_office",
                Residency::Standing,
                station_id,
            ),
            (
                "青溪县市场监管局枫溪所",
                "market_regulation",
                Residency::Rotating,
                station_id,
            ),
            (
                "青溪县妇联",
                "womens_federation",
                Residency::Rotating,
                bureau_id,
            ),
        ];
        for (name, department, residency, node_id) in partners {
            let id = draw.id();
            let contact_phone = Some(draw.phone());
            self.create_partner(
                actor,
                id,
                NewPartner {
                    name: name.into(),
                    department: Some(department.into()),
                    residency,
                    node_id,
                    contact_phone,
                },
            )
            .await?;
            made.partners.push(id);
            tick();
        }
        // The transfer list (分流转办清单): disputes the command room does not take on
        // go to people's mediation at the justice office (警调对接), marriage quarrels
        // to the women's federation, complaints about shops to market regulation, and
        // every other non-police matter to the governance office.
        let [justice, _, governance, _, market, women] = made.partners[..] else {
            return Ok(());
        };
        let rules = [
            ("dispute", justice, Some(72)),
            ("marriage", women, Some(120)),
            ("report_complaint", market, Some(48)),
            ("non_police", governance, None),
        ];
        for (category, partner_id, handle_hours) in rules {
            // Ids from the clock, not the seed's draw, so the rest of the demo stays
            // as it was before the list existed.
            let event = DomainEvent::TransferRuleSaved {
                id: fengqiao_domain::org::new_id(),
                rule: fengqiao_domain::transfer::TransferRule {
                    category: category.into(),
                    node_id: None,
                    partner_id,
                    handle_hours,
                },
            };
            self.append(actor, event, &[]).await?;
        }
        Ok(())
    }

    async fn demo_accounts(
        &self,
        actor: &Actor,
        draw: &mut Draw,
        made: &Made,
        tick: &dyn Fn(),
    ) -> Result<Vec<DemoAccount>, AppError> {
        // One hash for the shared demo password: hashing is deliberately slow.
        let hash = hash_password(DEMO_PASSWORD)?;
        let first = |role: Role| {
            made.staff_by_role
                .iter()
                .find(|s| s.0 == role && s.3 == 1)
                .cloned()
        };
        let station = &made.stations[1];
        let community = made.communities.iter().find(|c| c.3 == 1).cloned();
        let grid = made.grids.iter().find(|g| g.3 == 1).cloned();
        let bureau = made
            .bureau
            .clone()
            .unwrap_or((station.0, station.1.clone()));
        let mut accounts = Vec::new();
        for role in Role::ALL.iter().copied() {
            let (code, place) = match role {
                Role::CommunityOfficer | Role::Auxiliary => community
                    .as_ref()
                    .map(|c| (c.2.clone(), c.1.clone()))
                    .unwrap_or_default(),
                Role::GridWorker => grid
                    .as_ref()
                    .map(|g| (g.2.clone(), g.1.clone()))
                    .unwrap_or_default(),
                Role::BureauViewer | Role::Admin => ("QX".to_owned(), bureau.1.clone()),
                _ => (station.2.clone(), station.1.clone()),
            };
            let staff = first(role);
            let display_name = match (&staff, role) {
                (Some(s), _) => s.2.clone(),
                (None, Role::Partner) => format!("{}（枫溪镇司法所）", draw.name()),
                (None, _) => draw.name(),
            };
            let new = NewUser {
                username: role.as_str().to_owned(),
                display_name: display_name.clone(),
                staff_id: staff.map(|s| s.1),
                partner_id: (role == Role::Partner).then(|| made.partners[0]),
                roles: vec![role],
                jurisdiction_codes: vec![code],
                must_change_password: false,
            };
            let user_id = draw.id();
            self.add_user_with_hash(actor, user_id, new, Some(hash.clone()), false)
                .await?;
            // Roles that need a second factor get one enrolled, with a secret drawn from
            // the seed and printed with the demo sign-ins.
            let totp_secret = if Settings::defaults().totp_required_roles.contains(&role) {
                let mut bytes = [0u8; 20];
                draw.0.fill_bytes(&mut bytes);
                let secret = totp_rs::Secret::from(bytes.to_vec()).to_base32();
                let event = DomainEvent::TotpSet {
                    user_id,
                    enrolled: true,
                };
                let write = SideWrite::SetTotpSecret {
                    user_id: user_id.to_string(),
                    secret: secret.clone(),
                };
                self.append(actor, event, &[write]).await?;
                Some(secret)
            } else {
                None
            };
            accounts.push(DemoAccount {
                username: role.as_str().to_owned(),
                role,
                display_name,
                jurisdiction: place,
                totp_secret,
            });
            tick();
        }
        Ok(accounts)
    }
}

impl App {
    /// The current TOTP code of an account the demo created (for trying the demo
    /// without an authenticator app). Refused for any other account.
    pub async fn demo_totp_code(&self, username: &str) -> Result<String, AppError> {
        let account = self
            .store
            .account_by_username(username)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("user {username}")))?;
        let created_by_demo = self
            .store
            .timeline(&fengqiao_domain::StreamRef::new("user", &account.id))
            .await?
            .first()
            .is_some_and(|e| e.actor == "system:demo");
        if !created_by_demo {
            return Err(AppError::Refused(format!(
                "{username} is not a demo account"
            )));
        }
        let secret = account.totp_secret.ok_or_else(|| {
            AppError::Refused(format!("{username} has no second factor enrolled"))
        })?;
        Ok(crate::auth::totp(&secret, username)?
            .generate_current()
            .to_string())
    }
}
