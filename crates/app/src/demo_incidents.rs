//! The demo's year of incidents (警情): calls drawn over the days before the seeding
//! time with a daily rhythm (quiet from 3 to 6 am, busiest in the evening), a weekly one
//! (Friday and Saturday nights), a seasonal drift (summer busier), hotspots (a night
//! market, a station square, an entertainment street), repeat callers and repeat places,
//! the address said messily; received through the bulk intake (`incident_bulk.rs`: the
//! real matcher, classifier, repeat engine and numbering) and lived through the domain's
//! decisions (`demo_life.rs`), then committed in large chunks.
//!
//! A separate step after [`App::seed_demo`], sized by [`DemoIncidentPlan`], so tests can
//! seed a small year. The same seed, plan and bureau give the same incidents.

use std::collections::HashMap;
use std::time::Instant;

use fengqiao_domain::codes::CodeTable;
use fengqiao_domain::incident::{IncidentSource, IntakeFields};
use fengqiao_domain::org::RecordId;
use fengqiao_domain::{Actor, Timestamp};
use fengqiao_store::{AddressFilter, AddressRow, Scope};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::demo_base::messy_variant;
use crate::demo_life::{Actors, World};
use crate::demo_narratives::{KINDS, Kind, kind, narrative};
use crate::incident::{place_chain, station_of, top_category};
use crate::incident_bulk::BulkIntake;
use crate::{App, AppError};

/// How many incidents, over how long, up to when.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DemoIncidentPlan {
    /// Days before `until` covered.
    pub days: u32,
    /// Ordinary calls on an average day (repeat callers and places come on top).
    pub per_day: u32,
    /// The seeding time: the last call is before it and no step happens after it.
    pub until: Timestamp,
}

impl DemoIncidentPlan {
    /// The full demo: a year of about 85 calls a day, over 30,000 incidents.
    pub fn year(until: Timestamp) -> Self {
        Self {
            days: 365,
            per_day: 85,
            until,
        }
    }
}

/// What the year holds.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct DemoIncidentSummary {
    /// Incidents received.
    pub incidents: usize,
    /// Events written.
    pub events: usize,
    /// Incidents whose address matched a standard address.
    pub matched: usize,
    /// Incidents flagged as repeats at intake.
    pub repeat_flagged: usize,
    /// Non-police matters transferred to an agency.
    pub transfers: usize,
    /// Incidents not yet closed at the seeding time.
    pub open: usize,
    /// The hotspots: (name, address id).
    pub hotspots: Vec<(String, String)>,
    /// Wall-clock seconds the seeding took.
    pub seconds: f64,
}

/// A hotspot: its name, the categories that happen there, and its hours.
struct Spot {
    name: &'static str,
    kinds: &'static [&'static str],
    /// Its share of all calls.
    share: f64,
    hours: std::ops::Range<u32>,
}

const SPOTS: [Spot; 3] = [
    Spot {
        name: "夜市",
        kinds: &[
            "consumer_contract",
            "public_order",
            "quarrel_fight",
            "criminal",
        ],
        share: 0.025,
        hours: 18..24,
    },
    Spot {
        name: "车站广场",
        kinds: &["assistance", "criminal", "public_order", "traffic"],
        share: 0.02,
        hours: 6..23,
    },
    Spot {
        name: "酒吧一条街",
        kinds: &["quarrel_fight", "public_order", "criminal", "assistance"],
        share: 0.025,
        hours: 21..27,
    },
];

/// Calls per hour of the day (local time), relative.
const HOURLY: [f64; 24] = [
    3.0, 2.2, 1.5, 0.9, 0.7, 0.8, 1.5, 2.6, 3.6, 4.2, 4.5, 4.6, 4.3, 4.2, 4.4, 4.6, 4.8, 5.2, 5.8,
    6.4, 6.8, 6.6, 5.6, 4.2,
];
/// Calls per weekday, Monday first, relative.
const WEEKLY: [f64; 7] = [0.95, 0.92, 0.93, 0.97, 1.1, 1.15, 1.0];

const LOCAL: i64 = 8 * 3600;

/// One call before intake.
struct Call {
    at: i64,
    kind: &'static Kind,
    address: usize,
    spot: Option<usize>,
    phone: Option<String>,
    name: String,
    source: IncidentSource,
}

/// The seeded draw of the calls.
struct Caller {
    rng: ChaCha8Rng,
    /// Grid weights, cumulative, with the address indices of each grid.
    grids: Vec<(f64, Vec<usize>)>,
}

impl Caller {
    fn phone(&mut self) -> String {
        let prefix = [
            "138", "139", "150", "158", "187", "189", "135", "177", "133",
        ]
        .choose(&mut self.rng)
        .copied()
        .unwrap_or("138");
        format!("{prefix}{:08}", self.rng.random_range(0..100_000_000u32))
    }

    fn name(&mut self) -> String {
        let surname = [
            "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "朱", "何",
            "郭",
        ]
        .choose(&mut self.rng)
        .copied()
        .unwrap_or("王");
        let title = if self.rng.random_bool(0.5) {
            "先生"
        } else {
            "女士"
        };
        format!("{surname}{title}")
    }

    fn kind(&mut self, hour: u32) -> &'static Kind {
        let night = !(6..22).contains(&hour);
        let weight = |k: &Kind| -> f64 {
            let w = f64::from(k.weight);
            match k.code {
                "public_order" | "quarrel_fight" if night => w * 2.2,
                "non_police" | "report_complaint" | "other" | "wages" if night => w * 0.3,
                _ => w,
            }
        };
        let total: f64 = KINDS.iter().map(weight).sum();
        let mut roll = self.rng.random_range(0.0..total);
        for k in KINDS {
            roll -= weight(k);
            if roll <= 0.0 {
                return k;
            }
        }
        &KINDS[0]
    }

    fn address(&mut self) -> usize {
        let total = self.grids.last().map_or(1.0, |g| g.0);
        let roll = self.rng.random_range(0.0..total);
        let grid = self
            .grids
            .iter()
            .find(|g| g.0 >= roll)
            .or(self.grids.last())
            .map(|g| g.1.clone())
            .unwrap_or_default();
        grid.choose(&mut self.rng).copied().unwrap_or(0)
    }

    fn source(&mut self, kind: &Kind) -> IncidentSource {
        let roll: f64 = self.rng.random();
        let civic = matches!(kind.code, "non_police" | "report_complaint");
        match roll {
            r if r < (if civic { 0.55 } else { 0.8 }) => IncidentSource::Call110,
            r if r < (if civic { 0.65 } else { 0.88 }) => IncidentSource::WalkIn,
            r if r < (if civic { 0.82 } else { 0.93 }) => IncidentSource::GridReport,
            r if r < 0.97 => IncidentSource::Online,
            _ => IncidentSource::Patrol,
        }
    }

    /// A moment of the local day starting at `day_start` (UTC seconds of local
    /// midnight), by the hourly rhythm, Friday and Saturday nights busier.
    fn moment(&mut self, day_start: i64, weekday: usize) -> i64 {
        let weekend_night = |h: usize| -> f64 {
            let friday_or_saturday = weekday == 4 || weekday == 5;
            let after_midnight = weekday == 5 || weekday == 6;
            if (h >= 19 && friday_or_saturday) || (h < 3 && after_midnight) {
                1.6
            } else {
                1.0
            }
        };
        let total: f64 = (0..24).map(|h| HOURLY[h] * weekend_night(h)).sum();
        let mut roll = self.rng.random_range(0.0..total);
        let mut hour = 23;
        for (h, weight) in HOURLY.iter().enumerate() {
            roll -= weight * weekend_night(h);
            if roll <= 0.0 {
                hour = h;
                break;
            }
        }
        day_start + hour as i64 * 3600 + self.rng.random_range(0..3600)
    }

    fn call(&mut self, at: i64, kind: &'static Kind, address: usize, spot: Option<usize>) -> Call {
        let source = self.source(kind);
        let phone = (source != IncidentSource::Patrol).then(|| self.phone());
        let name = self.name();
        Call {
            at,
            kind,
            address,
            spot,
            phone,
            name,
            source,
        }
    }
}

impl App {
    /// Seeds the demo's incidents into the demo bureau (after [`App::seed_demo`]), on
    /// an empty incident table. `progress` is called with (done, total) commits.
    pub async fn seed_demo_incidents(
        &self,
        actor: &Actor,
        seed: u64,
        plan: DemoIncidentPlan,
        progress: &dyn Fn(u64, u64),
    ) -> Result<DemoIncidentSummary, AppError> {
        let started = Instant::now();
        if !self
            .store
            .incidents(&Scope::All, &[], None, 1)
            .await?
            .is_empty()
        {
            return Err(AppError::Refused(
                "the database already holds incidents; the demo's year is seeded only once".into(),
            ));
        }
        let addresses = self.all_addresses().await?;
        if addresses.is_empty() {
            return Err(AppError::Refused(
                "the demo's incidents need the demo bureau and its addresses (seed the demo first)"
                    .into(),
            ));
        }
        let world = self.demo_world(actor, &addresses, plan.until).await?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        // A stream of its own, so the bureau's draw is not disturbed.
        rng.set_stream(0x1_1C1D);
        let calls = draw_calls(&mut rng, &addresses, &plan);
        let mut spots = Vec::new();
        let hot = hotspots(&addresses);
        for (spot, index) in SPOTS.iter().zip(&hot) {
            spots.push((spot.name.to_owned(), addresses[*index].id.clone()));
        }
        let mut intakes = Vec::with_capacity(calls.len());
        let mut kinds = Vec::with_capacity(calls.len());
        for call in &calls {
            let id: RecordId = uuid::Builder::from_random_bytes(rng.random()).into_uuid();
            let address = &addresses[call.address];
            let said = messy_variant(&address.text, &mut rng);
            let who = match call.source {
                IncidentSource::Call110 => format!("报警人{}", call.name),
                IncidentSource::WalkIn => format!("{}来所", call.name),
                IncidentSource::GridReport => format!("网格员上报：群众{}", call.name),
                IncidentSource::Online => format!("群众{}在线", call.name),
                _ => format!("巡逻时群众{}", call.name),
            };
            let spot = call.spot.map(|s| SPOTS[s].name);
            let text = narrative(call.kind, &who, spot, &mut rng);
            let fallback = world
                .places
                .get(&address.node_id)
                .and_then(|p| p.1.clone())
                .unwrap_or_else(|| address.node_id.clone());
            intakes.push(BulkIntake {
                id,
                intake: IntakeFields {
                    external_number: None,
                    source: call.source,
                    called_at: Timestamp::from_unix_seconds(call.at)?.to_string(),
                    caller_name: Some(call.name.clone()),
                    caller_phone: call.phone.clone(),
                    caller_id_number: None,
                    address_text: said,
                    narrative: text,
                    category: None,
                },
                fallback_node: fallback,
            });
            kinds.push(call.kind);
        }
        let received = self.receive_in_bulk(intakes).await?;
        let mut summary = DemoIncidentSummary {
            incidents: received.len(),
            hotspots: spots,
            ..DemoIncidentSummary::default()
        };
        let mut load = HashMap::new();
        let mut lives = Vec::with_capacity(received.len());
        for (incident, kind) in received.into_iter().zip(kinds) {
            summary.matched += usize::from(incident.matched);
            if let fengqiao_domain::DomainEvent::IncidentReceived { repeats, .. } = &incident.event
            {
                summary.repeat_flagged += usize::from(repeats.any());
            }
            let station = world
                .places
                .get(&incident.node_id)
                .and_then(|p| p.1.clone());
            let receiver = station
                .as_ref()
                .and_then(|s| world.actors.dispatchers.get(s))
                .unwrap_or(&world.actors.system)
                .clone();
            let life = world.live(incident, kind, &receiver, &mut load, &mut rng)?;
            let events = life.iter().flat_map(|(_, c)| c.events.iter());
            let mut closed = false;
            for event in events {
                match event {
                    fengqiao_domain::DomainEvent::TransferAssigned { .. } => {
                        summary.transfers += 1;
                    }
                    fengqiao_domain::DomainEvent::IncidentClosed { .. } => closed = true,
                    _ => {}
                }
            }
            summary.open += usize::from(!closed);
            lives.push(life);
        }
        // Reassignments count once per matter.
        summary.transfers = lives
            .iter()
            .filter(|life| {
                life.iter().any(|(_, c)| {
                    c.events
                        .iter()
                        .any(|e| matches!(e, fengqiao_domain::DomainEvent::TransferAssigned { .. }))
                })
            })
            .count();
        let total: usize = lives.iter().map(Vec::len).sum();
        let mut done = 0;
        // Chunks of incidents in call order; within a chunk each incident's first
        // step, then each one's second, …, so a stream's commits keep their order and
        // runs of one actor stay long.
        for chunk in lives.chunks_mut(2_000) {
            let steps = chunk.iter().map(Vec::len).max().unwrap_or(0);
            let mut ordered = Vec::new();
            let mut iters: Vec<_> = chunk
                .iter_mut()
                .map(|l| std::mem::take(l).into_iter())
                .collect();
            for _ in 0..steps {
                let mut phase: Vec<(Actor, fengqiao_store::Commit)> =
                    iters.iter_mut().filter_map(Iterator::next).collect();
                phase.sort_by_key(|a| a.0.to_string());
                ordered.extend(phase);
            }
            let n = ordered.len();
            summary.events += self
                .commit_in_chunks(ordered, 5_000, &|written| {
                    progress((done + written) as u64, total as u64);
                })
                .await?;
            done += n;
        }
        summary.seconds = started.elapsed().as_secs_f64();
        Ok(summary)
    }

    /// Every standard address, in code order.
    async fn all_addresses(&self) -> Result<Vec<AddressRow>, AppError> {
        let mut all = Vec::new();
        loop {
            let (page, _) = self
                .store
                .addresses(
                    &Scope::All,
                    &AddressFilter {
                        limit: 1000,
                        offset: all.len() as i64,
                        ..AddressFilter::default()
                    },
                )
                .await?;
            if page.is_empty() {
                return Ok(all);
            }
            all.extend(page);
        }
    }

    /// The bureau as the lives need it: nodes, field staff per station, the transfer
    /// list's proposals, the demo's accounts.
    async fn demo_world(
        &self,
        actor: &Actor,
        addresses: &[AddressRow],
        until: Timestamp,
    ) -> Result<World, AppError> {
        let nodes = self.store.nodes(&Scope::All).await?;
        let entries = self.store.code_entries(CodeTable::IncidentCategory).await?;
        let mut places = HashMap::new();
        for node in &nodes {
            let chain = place_chain(&nodes, &node.id);
            let station = station_of(&nodes, &chain);
            places.insert(node.id.clone(), (chain, station));
        }
        let mut staff = HashMap::new();
        for station in nodes.iter().filter(|n| n.level == "station") {
            let scope = Scope::Under(vec![station.id.clone()]);
            staff.insert(station.id.clone(), self.store.staff(&scope).await?);
        }
        let tops = KINDS
            .iter()
            .map(|k| (k.code.to_owned(), top_category(&entries, k.code)))
            .collect();
        let mut proposals = HashMap::new();
        let mut grids: Vec<&String> = addresses.iter().map(|a| &a.node_id).collect();
        grids.sort();
        grids.dedup();
        for kind in KINDS {
            for grid in &grids {
                let proposal = self.proposed_transfer(kind.code, grid).await?;
                proposals.insert((kind.code.to_owned(), (*grid).clone()), proposal);
            }
        }
        let partners = self
            .store
            .partners(&Scope::All)
            .await?
            .iter()
            .filter_map(|p| p.id.parse().ok())
            .collect();
        let mut actors = Actors {
            system: actor.clone(),
            sweep: Actor::system("escalation"),
            dispatchers: HashMap::new(),
            staff: HashMap::new(),
            partners: HashMap::new(),
        };
        for username in [
            "dispatcher",
            "community_officer",
            "auxiliary",
            "case_officer",
            "partner",
        ] {
            let Some(account) = self.store.account_by_username(username).await? else {
                continue;
            };
            let user = Actor::User {
                id: account.id.clone(),
                username: account.username.clone(),
            };
            if let Some(staff_id) = &account.staff_id {
                actors.staff.insert(staff_id.clone(), user.clone());
            }
            if let Some(partner) = account.partner_id.as_deref().and_then(|p| p.parse().ok()) {
                actors.partners.insert(partner, user.clone());
            }
            if username == "dispatcher" {
                for node in &account.jurisdiction {
                    let station = nodes
                        .iter()
                        .find(|n| &n.id == node || &n.code == node)
                        .map(|n| n.id.clone());
                    if let Some(station) = station {
                        actors.dispatchers.insert(station, user.clone());
                    }
                }
            }
        }
        Ok(World {
            nodes,
            staff,
            places,
            tops,
            proposals,
            partners,
            hours: self.settings().await?.transfer_hours,
            actors,
            now: until.unix_seconds(),
            stuck: std::cell::Cell::new(0),
        })
    }
}

/// The hotspots' addresses: buildings spread over the bureau (the same every time).
fn hotspots(addresses: &[AddressRow]) -> Vec<usize> {
    let n = addresses.len().max(1);
    [n / 9, n / 2 + 7, n * 5 / 6 + 3]
        .into_iter()
        .map(|i| i.min(n - 1))
        .collect()
}

/// Every call of the plan, in call order.
fn draw_calls(
    rng: &mut ChaCha8Rng,
    addresses: &[AddressRow],
    plan: &DemoIncidentPlan,
) -> Vec<Call> {
    let mut by_grid: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, a) in addresses.iter().enumerate() {
        match by_grid.iter_mut().find(|g| g.0 == a.node_id) {
            Some(g) => g.1.push(i),
            None => by_grid.push((a.node_id.clone(), vec![i])),
        }
    }
    let mut cumulative = 0.0;
    let grids = by_grid
        .into_iter()
        .map(|(_, members)| {
            // Some grids are busier than others (a market town, a quiet hamlet).
            cumulative += rng.random_range(0.4..2.0);
            (cumulative, members)
        })
        .collect();
    let mut caller = Caller {
        rng: rng.clone(),
        grids,
    };
    let until = plan.until.unix_seconds();
    // Local midnight of the first day.
    let today = (until + LOCAL).div_euclid(86_400) * 86_400 - LOCAL;
    let first = today - i64::from(plan.days.saturating_sub(1)) * 86_400;
    let hot = hotspots(addresses);
    let mut calls = Vec::new();
    for d in 0..i64::from(plan.days) {
        let day_start = first + d * 86_400;
        let days_since_epoch = (day_start + LOCAL).div_euclid(86_400);
        // 1970-01-01 was a Thursday.
        let weekday = ((days_since_epoch + 3).rem_euclid(7)) as usize;
        let day_of_year = (days_since_epoch % 365) as f64;
        let season = 1.0 + 0.15 * (std::f64::consts::TAU * (day_of_year - 110.0) / 365.0).sin();
        let noise = caller.rng.random_range(0.9..1.1);
        let count = (f64::from(plan.per_day) * WEEKLY[weekday] * season * noise).round() as usize;
        for _ in 0..count {
            let at = caller.moment(day_start, weekday);
            let hour = ((at - day_start) / 3600) as u32;
            let spot = SPOTS.iter().position(|s| {
                let h = if hour < 3 { hour + 24 } else { hour };
                s.hours.contains(&h)
            });
            // A hotspot takes its share of the calls in its hours (scaled up to the
            // whole day), the rest fall on the grids by their weight.
            let spot = spot.filter(|s| {
                let spot = &SPOTS[*s];
                let hours = (spot.hours.end - spot.hours.start) as f64;
                caller.rng.random_bool((spot.share * 24.0 / hours).min(0.9))
            });
            let (kind, address) = match spot {
                Some(s) => {
                    let code = SPOTS[s]
                        .kinds
                        .choose(&mut caller.rng)
                        .copied()
                        .unwrap_or("public_order");
                    (kind(code), hot[s])
                }
                None => {
                    let hour = ((at - day_start) / 3600) as u32;
                    (caller.kind(hour), caller.address())
                }
            };
            // The rest of today has not happened yet.
            if at < until {
                calls.push(caller.call(at, kind, address, spot));
            }
        }
    }
    repeat_callers(&mut caller, &mut calls, first, until);
    calls.sort_by_key(|c| c.at);
    *rng = caller.rng;
    calls
}

/// A few callers who ring again and again about the same trouble at home (一人多次),
/// and a few doors where neighbours keep calling (一地多起), in bursts of weeks.
fn repeat_callers(caller: &mut Caller, calls: &mut Vec<Call>, first: i64, until: i64) {
    let span = (until - first).max(86_400);
    let personal = [
        "marriage",
        "family_member",
        "neighbour_dispute",
        "support_inheritance",
        "wages",
        "debt",
        "assistance",
    ];
    for n in 0..14 {
        let kind = kind(personal[n % personal.len()]);
        let home = caller.address();
        let phone = caller.phone();
        let name = caller.name();
        let times = caller.rng.random_range(5..=20);
        let start = first + caller.rng.random_range(0..span);
        for _ in 0..times {
            let at = start + caller.rng.random_range(0..25 * 86_400);
            if at >= until {
                continue;
            }
            let mut call = caller.call(at, kind, home, None);
            call.source = IncidentSource::Call110;
            call.phone = Some(phone.clone());
            call.name.clone_from(&name);
            calls.push(call);
        }
    }
    let places = [
        "neighbour_dispute",
        "property_management",
        "public_order",
        "land_homestead",
    ];
    for n in 0..20 {
        let kind = kind(places[n % places.len()]);
        let door = caller.address();
        let times = caller.rng.random_range(4..=9);
        let start = first + caller.rng.random_range(0..span);
        for _ in 0..times {
            let at = start + caller.rng.random_range(0..30 * 86_400);
            if at < until {
                calls.push(caller.call(at, kind, door, None));
            }
        }
    }
}
