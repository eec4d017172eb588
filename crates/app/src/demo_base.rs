//! The demo's base (一标三实): about 5,000 standard addresses across the 42 demo grids
//! — village doors by group in the villages, numbered buildings in compounds along
//! roads in the urban communities — with the houses, residents, key people and units
//! at them, and the visits that make part of it fresh.
//!
//! [`messy_variant`] writes an address the way a caller says it on the phone (no
//! county, Chinese numerals, full-width digits, `3#楼`, `门口`), so that later parts of
//! the demo (incidents) and the tests can draw realistic free text whose standard
//! address is known.

use fengqiao_domain::base::{
    AddressFields, BaseKind, EstablishmentFields, HouseFields, HouseUsage, KeyPerson, PersonFields,
    Registration,
};
use fengqiao_domain::identity::IdCardNumber;
use fengqiao_domain::org::RecordId;
use fengqiao_domain::{Actor, DomainEvent, Timestamp};
use fengqiao_store::{Commit, ExpectedVersion};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{App, AppError};

/// Addresses per demo grid: 42 grids × 120 = 5,040.
pub const ADDRESSES_PER_GRID: usize = 120;

/// One demo grid as the base needs it.
#[derive(Debug, Clone)]
pub struct DemoGrid {
    /// The grid's id.
    pub id: RecordId,
    /// Its code (`CG-01-1`).
    pub code: String,
    /// Its community's name (`东门社区`, `枫源村`).
    pub community: String,
    /// The township of its station (`城关镇`).
    pub township: String,
    /// Which of the community's grids it is, from 0.
    pub index: usize,
    /// The four corners of its cell (lng, lat), counter-clockwise from south-west.
    pub corners: [(f64, f64); 4],
}

/// What the demo base holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DemoBaseSummary {
    /// Standard addresses.
    pub addresses: usize,
    /// Houses.
    pub houses: usize,
    /// Residents.
    pub people: usize,
    /// Key people among them.
    pub key_people: usize,
    /// Units.
    pub establishments: usize,
    /// Checks on the spot.
    pub verifications: usize,
}

/// The demo's addresses lie in real divisions (the statistics bureau's table), so the
/// parser reads them as it reads real ones; the communities and roads are invented.
const COUNTY: &str = "浙江省绍兴市诸暨市";
/// The township of each demo station, in station order.
pub const TOWNSHIPS: [&str; 3] = ["暨阳街道", "枫桥镇", "店口镇"];
const ROADS: &[&str] = &[
    "解放路",
    "人民路",
    "中山路",
    "建设路",
    "和平路",
    "新华路",
    "文化路",
    "胜利路",
    "朝阳路",
    "长安路",
    "环城东路",
    "环城西路",
    "滨江路",
    "学府路",
    "兴业路",
];
const COMPOUNDS: &[&str] = &[
    "阳光花园",
    "锦绣家园",
    "金色家园",
    "和平小区",
    "翠苑小区",
    "碧水苑",
    "幸福里",
    "供电局家属院",
    "教师新村",
    "东方名苑",
    "丽景公寓",
    "桂花园",
    "春晖小区",
    "水岸名邸",
    "枫林雅苑",
    "粮站宿舍",
];
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "朱", "马", "胡", "郭",
    "林", "何", "高", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超",
    "秀英", "华", "丽", "平", "刚", "桂英", "建华", "文", "辉", "玲", "鹏", "晨", "宇", "浩", "婷",
    "建国", "志强", "海燕", "国庆", "春梅", "晓东", "永刚", "欣怡", "子涵", "梓轩",
];
const KEY_REASONS: &[(&str, u32)] = &[
    ("社区矫正对象", 30),
    ("严重精神障碍患者", 30),
    ("涉访重点人员", 60),
    ("刑满释放人员", 90),
    ("社区戒毒康复人员", 30),
    ("矛盾纠纷当事人", 60),
];
/// (kind, name pattern): `{}` is replaced by a place word.
const UNIT_KINDS: &[(&str, &str)] = &[
    ("small_store", "{}便利店"),
    ("small_restaurant", "{}小吃店"),
    ("small_restaurant", "{}面馆"),
    ("small_hotel", "{}旅社"),
    ("small_beauty_bath", "{}美发店"),
    ("small_workshop", "{}五金加工厂"),
    ("small_internet", "{}网吧"),
    ("small_entertainment", "{}棋牌室"),
    ("hotel", "{}宾馆"),
    ("ktv", "{}KTV"),
    ("bar", "{}酒吧"),
    ("internet_cafe", "{}网咖"),
    ("recycling", "{}废品回收站"),
    ("shop", "{}超市"),
    ("company", "{}贸易有限公司"),
    ("factory", "{}纺织厂"),
    ("kindergarten", "{}幼儿园"),
    ("primary_school", "{}小学"),
    ("clinic", "{}卫生室"),
];

/// The demo's seeded randomness for the base, separate from the organisation's so
/// that the two can change independently.
struct Draw(ChaCha8Rng, std::collections::HashSet<String>);

impl Draw {
    fn id(&mut self) -> RecordId {
        uuid::Builder::from_random_bytes(self.0.random()).into_uuid()
    }

    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list.choose(&mut self.0).copied().unwrap_or_default()
    }

    fn name(&mut self) -> String {
        format!("{}{}", self.pick(SURNAMES), self.pick(GIVEN))
    }

    fn phone(&mut self) -> String {
        let prefix = self.pick(&["138", "139", "150", "158", "187", "189", "135", "177"]);
        format!("{prefix}{:08}", self.0.random_range(0..100_000_000u32))
    }

    /// A valid 18-digit ID number of someone born between 1940 and 2015, never one
    /// drawn before.
    fn id_number(&mut self, serial: usize) -> String {
        loop {
            let area = self.pick(&["330681", "330683", "330602", "330621", "510623", "412722"]);
            let year = self.0.random_range(1940..=2015);
            let month = self.0.random_range(1..=12);
            let day = self.0.random_range(1..=28);
            let body = format!("{area}{year:04}{month:02}{day:02}{:03}", serial % 1000);
            let check = IdCardNumber::check_character(&body).unwrap_or('0');
            let number = format!("{body}{check}");
            if self.1.insert(number.clone()) {
                return number;
            }
        }
    }

    /// A point inside a grid's cell, away from its edges.
    fn point_in(&mut self, corners: &[(f64, f64); 4]) -> (f64, f64) {
        let u: f64 = self.0.random_range(0.12..0.88);
        let v: f64 = self.0.random_range(0.12..0.88);
        let [sw, se, ne, nw] = *corners;
        let lng = (1.0 - v) * ((1.0 - u) * sw.0 + u * se.0) + v * ((1.0 - u) * nw.0 + u * ne.0);
        let lat = (1.0 - v) * ((1.0 - u) * sw.1 + u * se.1) + v * ((1.0 - u) * nw.1 + u * ne.1);
        ((lng * 1e6).round() / 1e6, (lat * 1e6).round() / 1e6)
    }
}

/// One standard address the demo made, with what a variant needs to know.
#[derive(Debug, Clone)]
pub struct DemoAddress {
    /// Id.
    pub id: RecordId,
    /// The standard text.
    pub text: String,
    /// The grid.
    pub grid: usize,
    /// Whether it is a building in a compound (otherwise a village door).
    pub building: bool,
}

/// Writes `text` the way a caller might say it: without the county and township,
/// numbers in Chinese or full width, `#` for 幢, a landmark word after it. The variant
/// still denotes the same standard address (same group, door, building).
pub fn messy_variant(text: &str, rng: &mut impl Rng) -> String {
    let mut out = text.to_owned();
    // Callers rarely say the province, city or county, and often not the township.
    for prefix in ["浙江省", "绍兴市", "诸暨市"] {
        if rng.random_bool(0.85) {
            out = out.replacen(prefix, "", 1);
        }
    }
    if rng.random_bool(0.4) {
        for township in TOWNSHIPS {
            out = out.replacen(township, "", 1);
        }
    }
    match rng.random_range(0..4) {
        0 => out = chinese_numbers(&out),
        1 => out = full_width(&out),
        _ => {}
    }
    if rng.random_bool(0.3) {
        out = out.replacen('幢', "#楼", 1);
    }
    if rng.random_bool(0.35) {
        let tail = ["门口", "对面", "楼下", "附近", "这边", "里面"];
        out.push_str(tail.choose(rng).copied().unwrap_or("门口"));
    }
    out
}

/// Arabic numbers up to 99 written in Chinese (`12` → `十二`); longer ones digit by
/// digit (`128` → `一二八`), as people read door numbers aloud.
fn chinese_numbers(text: &str) -> String {
    const DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    let mut out = String::new();
    let mut number = String::new();
    let flush = |number: &mut String, out: &mut String| {
        if number.is_empty() {
            return;
        }
        let n: usize = number.parse().unwrap_or(0);
        let digit = |d: usize| DIGITS[d % 10];
        match (number.len(), n) {
            (1, _) => out.push(digit(n)),
            (2, 10..=19) => {
                out.push('十');
                if !n.is_multiple_of(10) {
                    out.push(digit(n % 10));
                }
            }
            (2, _) => {
                out.push(digit(n / 10));
                out.push('十');
                if !n.is_multiple_of(10) {
                    out.push(digit(n % 10));
                }
            }
            _ => out.extend(number.bytes().map(|b| DIGITS[usize::from(b - b'0')])),
        }
        number.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
        } else {
            flush(&mut number, &mut out);
            out.push(c);
        }
    }
    flush(&mut number, &mut out);
    out
}

fn full_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Events to write, each with when it happened.
struct Batch {
    commits: Vec<Commit>,
}

impl Batch {
    fn push(&mut self, event: DomainEvent, occurred_at: Timestamp) {
        let expected = match event {
            DomainEvent::BaseRecordVerified { .. } | DomainEvent::KeyPersonSet { .. } => {
                ExpectedVersion::Any
            }
            _ => ExpectedVersion::NoStream,
        };
        self.commits.push(Commit {
            stream: event.stream(),
            expected,
            events: vec![event],
            occurred_at,
        });
    }
}

impl App {
    /// Seeds the base of the demo grids. `now` anchors the visit dates, so a seed gives
    /// the same records whenever it runs (only the freshness moves with time).
    pub async fn seed_demo_base(
        &self,
        actor: &Actor,
        seed: u64,
        grids: &[DemoGrid],
        now: Timestamp,
        progress: &dyn Fn(u64, u64),
    ) -> Result<(DemoBaseSummary, Vec<DemoAddress>), AppError> {
        let mut draw = Draw(
            ChaCha8Rng::seed_from_u64(seed ^ 0x0BA5_E000),
            std::collections::HashSet::new(),
        );
        let mut batch = Batch {
            commits: Vec::new(),
        };
        let mut summary = DemoBaseSummary::default();
        let mut addresses = Vec::new();
        let day = 86_400;
        let ago = |draw: &mut Draw, max_days: i64| -> Result<Timestamp, AppError> {
            let seconds = draw.0.random_range(0..max_days * day);
            Ok(Timestamp::from_unix_seconds(now.unix_seconds() - seconds)?)
        };
        let registered_at = Timestamp::from_unix_seconds(now.unix_seconds() - 400 * day)?;
        for (g, grid) in grids.iter().enumerate() {
            let village = grid.community.ends_with('村');
            for n in 0..ADDRESSES_PER_GRID {
                let (text, building) = if village {
                    // Groups 1–4 in the first grid, 5–8 in the second …
                    let group = grid.index * 4 + n / 30 + 1;
                    let door = n % 30 + 1 + draw.0.random_range(0..3) * 30;
                    (
                        format!(
                            "{COUNTY}{}{}{group}组{door}号",
                            grid.township, grid.community
                        ),
                        false,
                    )
                } else {
                    let road = ROADS[(g * 3 + n / 40) % ROADS.len()];
                    let compound = COMPOUNDS[(g * 5 + n / 20) % COMPOUNDS.len()];
                    let door = (g % 7) * 40 + (n / 20) * 2 + 8;
                    let building = n % 20 + 1;
                    (
                        format!(
                            "{COUNTY}{}{}{road}{door}号{compound}{building}幢",
                            grid.township, grid.community
                        ),
                        true,
                    )
                };
                let id = draw.id();
                let (lng, lat) = draw.point_in(&grid.corners);
                let fields = AddressFields {
                    code: format!("{}-{:04}", grid.code, n + 1),
                    text: text.clone(),
                    node_id: grid.id,
                    lng: Some(lng),
                    lat: Some(lat),
                }
                .checked()?;
                batch.push(
                    DomainEvent::AddressSaved {
                        id,
                        address: fields,
                    },
                    registered_at,
                );
                addresses.push(DemoAddress {
                    id,
                    text,
                    grid: g,
                    building,
                });
                summary.addresses += 1;
                if draw.0.random_bool(0.8) {
                    batch.push(verified(BaseKind::Address, id), ago(&mut draw, 150)?);
                    summary.verifications += 1;
                }
                self.demo_households(
                    &mut draw,
                    &mut batch,
                    &mut summary,
                    (id, building),
                    (now, registered_at),
                )?;
            }
            progress(g as u64 + 1, grids.len() as u64 + 1);
        }
        self.demo_units(
            &mut draw,
            &mut batch,
            &mut summary,
            &addresses,
            registered_at,
        )?;
        for chunk in batch.commits.chunks(1_000) {
            self.store.commit(actor, chunk, &[]).await?;
        }
        progress(grids.len() as u64 + 1, grids.len() as u64 + 1);
        Ok((summary, addresses))
    }

    /// The houses at one address and the people in them.
    fn demo_households(
        &self,
        draw: &mut Draw,
        batch: &mut Batch,
        summary: &mut DemoBaseSummary,
        (address_id, building): (RecordId, bool),
        (now, registered_at): (Timestamp, Timestamp),
    ) -> Result<(), AppError> {
        let rooms: Vec<Option<String>> = if building {
            let units = draw.0.random_range(1..=2);
            let floors = draw.0.random_range(2..=3);
            (1..=units)
                .flat_map(|u| (1..=floors).map(move |f| Some(format!("{u}单元{f}01"))))
                .collect()
        } else {
            vec![None]
        };
        for room in rooms {
            let usage = match draw.0.random_range(0..100) {
                0..=64 => HouseUsage::OwnerOccupied,
                65..=89 => HouseUsage::Rental,
                90..=95 => HouseUsage::Vacant,
                _ => HouseUsage::Commercial,
            };
            let house_id = draw.id();
            let owner_id = draw.id();
            let residents = match usage {
                HouseUsage::Vacant => 0,
                _ => draw.0.random_range(1..=3),
            };
            // A rental's landlord lives elsewhere; the demo registers them at the same
            // address's record only as landlord, without a house.
            let landlord = (usage == HouseUsage::Rental).then_some(owner_id);
            if let Some(landlord) = landlord {
                let person = self.demo_person(
                    draw,
                    summary.people,
                    address_id,
                    None,
                    Registration::Registered,
                )?;
                batch.push(
                    DomainEvent::PersonSaved {
                        id: landlord,
                        person,
                    },
                    registered_at,
                );
                summary.people += 1;
            }
            let house = HouseFields {
                address_id,
                room,
                usage,
                landlord_id: landlord,
                note: None,
            }
            .checked()?;
            batch.push(
                DomainEvent::HouseSaved {
                    id: house_id,
                    house,
                },
                registered_at,
            );
            summary.houses += 1;
            if draw.0.random_bool(0.5) {
                let at = Timestamp::from_unix_seconds(
                    now.unix_seconds() - draw.0.random_range(0..200 * 86_400),
                )?;
                batch.push(verified(BaseKind::House, house_id), at);
                summary.verifications += 1;
            }
            for r in 0..residents {
                let id = if r == 0 && landlord.is_none() {
                    owner_id
                } else {
                    draw.id()
                };
                let registration = match usage {
                    HouseUsage::Rental => {
                        if draw.0.random_bool(0.1) {
                            Registration::Foreign
                        } else {
                            Registration::Floating
                        }
                    }
                    _ => Registration::Registered,
                };
                let person = self.demo_person(
                    draw,
                    summary.people,
                    address_id,
                    Some(house_id),
                    registration,
                )?;
                batch.push(DomainEvent::PersonSaved { id, person }, registered_at);
                summary.people += 1;
                if draw.0.random_bool(0.012) {
                    let (reason, every) = KEY_REASONS[draw.0.random_range(0..KEY_REASONS.len())];
                    let key = KeyPerson {
                        reason: reason.into(),
                        visit_every_days: every,
                    };
                    batch.push(
                        DomainEvent::KeyPersonSet {
                            person_id: id,
                            key: Some(key),
                        },
                        registered_at,
                    );
                    summary.key_people += 1;
                }
                if draw.0.random_bool(0.45) {
                    let at = Timestamp::from_unix_seconds(
                        now.unix_seconds() - draw.0.random_range(0..200 * 86_400),
                    )?;
                    batch.push(verified(BaseKind::Person, id), at);
                    summary.verifications += 1;
                }
            }
        }
        Ok(())
    }

    fn demo_person(
        &self,
        draw: &mut Draw,
        serial: usize,
        address_id: RecordId,
        house_id: Option<RecordId>,
        registration: Registration,
    ) -> Result<PersonFields, AppError> {
        let id_number = (registration != Registration::Foreign).then(|| draw.id_number(serial));
        Ok(PersonFields {
            name: draw.name(),
            id_number,
            phone: draw.0.random_bool(0.85).then(|| draw.phone()),
            registration,
            address_id,
            house_id,
        }
        .checked()?)
    }

    fn demo_units(
        &self,
        draw: &mut Draw,
        batch: &mut Batch,
        summary: &mut DemoBaseSummary,
        addresses: &[DemoAddress],
        registered_at: Timestamp,
    ) -> Result<(), AppError> {
        let places = [
            "东门", "枫溪", "石桥", "桃园", "新桥", "金沙", "凤凰", "南湖", "和平", "溪口",
        ];
        for (i, address) in addresses.iter().enumerate().filter(|(i, _)| i % 16 == 7) {
            let (kind, pattern) = UNIT_KINDS[(i / 16) % UNIT_KINDS.len()];
            let name = pattern.replace(
                "{}",
                places[(i / 16 / UNIT_KINDS.len() + address.grid) % places.len()],
            );
            let id = draw.id();
            let establishment = EstablishmentFields {
                name: format!("{name}{}", if i % 3 == 0 { "" } else { "（分店）" }),
                kind: kind.into(),
                address_id: address.id,
                contact_name: Some(draw.name()),
                contact_phone: Some(draw.phone()),
                licence: Some(format!(
                    "91330681MA2{:07}",
                    draw.0.random_range(0..10_000_000u32)
                )),
            }
            .checked()?;
            batch.push(
                DomainEvent::EstablishmentSaved { id, establishment },
                registered_at,
            );
            summary.establishments += 1;
        }
        Ok(())
    }
}

fn verified(kind: BaseKind, id: RecordId) -> DomainEvent {
    DomainEvent::BaseRecordVerified {
        kind,
        id,
        campaign_id: None,
        note: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_aloud_the_way_callers_say_them() {
        assert_eq!(chinese_numbers("3组15号"), "三组十五号");
        assert_eq!(chinese_numbers("解放路128号20幢"), "解放路一二八号二十幢");
        assert_eq!(full_width("12幢"), "１２幢");
    }
}
