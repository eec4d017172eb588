//! Speed of parsing and matching, on one core, printed as figures.
//!
//! Run with `cargo bench -p fengqiao-address --bench speed` (add `taskset -c 0` to pin
//! it to one core). It builds a synthetic registry of 100,000 standard addresses from
//! real divisions of the embedded table — villages with groups and doors, roads with
//! doors, compounds with buildings, units and rooms — then messy query variants of
//! them (no province or city, Chinese numerals, full-width digits, 栋 for 幢, 8-2-301,
//! filler words, extra detail) and near misses whose door or building is in no entry.
//! Everything comes from a fixed seed, so runs are comparable.

use std::collections::HashSet;
use std::hint::black_box;
use std::time::Instant;

use fengqiao_address::divisions::{Level, table};
use fengqiao_address::{Entry, Registry, parse};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const REGISTRY_SIZE: usize = 100_000;
const QUERIES: usize = 100_000;
const SEED: u64 = 20_260_101;

/// Characters that make plausible village, road and compound names.
const NAME_CHARS: &str = "金银华新和平安康福寿春秋东西南北山水林石桥河湖江海云天龙凤兴隆永胜利建设光明红星朝阳幸福长青翠竹梅兰松柏桃李杏槐柳杨高低前后上下大小中文武德仁义礼智信忠孝勤俭荣昌盛通达顺宁泰丰茂源泉溪岭岗坡湾";

/// One synthetic entry and what its parts were.
struct Made {
    entry: Entry,
    prefix: Vec<String>,
    body: Body,
}

enum Body {
    Village {
        village: String,
        group: u32,
        door: u32,
    },
    Road {
        road: String,
        door: u32,
    },
    Building {
        road: String,
        door: u32,
        compound: String,
        building: u32,
        unit_room: Option<(u32, u32)>,
    },
}

fn main() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let started = Instant::now();
    let made = make_registry(&mut rng);
    let generated = started.elapsed();

    let started = Instant::now();
    let registry = Registry::new(made.iter().map(|m| m.entry.clone()));
    let loaded = started.elapsed();

    let queries = make_queries(&mut rng, &made);
    println!(
        "synthetic registry: {} entries from {} townships (generated in {:.2}s), {} queries ({} near misses)",
        registry.len(),
        made.iter()
            .map(|m| m.prefix.join(""))
            .collect::<HashSet<_>>()
            .len(),
        generated.as_secs_f64(),
        queries.len(),
        queries.iter().filter(|q| q.1.is_none()).count()
    );
    println!(
        "registry load and index: {:.2}s ({:.0} entries/s, parsing included)",
        loaded.as_secs_f64(),
        registry.len() as f64 / loaded.as_secs_f64()
    );

    // For benches/compare_cpca.py: the same queries, one per line.
    if let Ok(path) = std::env::var("SPEED_WRITE_QUERIES") {
        let text: String = queries.iter().map(|(q, _)| format!("{q}\n")).collect();
        if let Err(error) = std::fs::write(&path, text) {
            eprintln!("cannot write the queries to {path}: {error}");
        }
    }

    // Warm up the division table and the caches before timing.
    for (query, _) in queries.iter().take(1_000) {
        black_box(parse(query));
    }
    let started = Instant::now();
    let mut parsed_parts = 0usize;
    for (query, _) in &queries {
        let parts = parse(black_box(query));
        parsed_parts += usize::from(parts.door_number.is_some() || parts.building.is_some());
    }
    let parse_time = started.elapsed();
    println!(
        "parse: {:.0} addresses/s ({} queries in {:.3}s; {} with a door or building)",
        queries.len() as f64 / parse_time.as_secs_f64(),
        queries.len(),
        parse_time.as_secs_f64(),
        parsed_parts
    );

    let started = Instant::now();
    let mut outcomes = Outcomes::default();
    for (query, expected) in &queries {
        let found = registry.match_query(black_box(query));
        outcomes.count(found.id.as_deref(), expected.as_deref());
    }
    let match_time = started.elapsed();
    show_failures(&registry, &queries);
    println!(
        "match: {:.0} queries/s against {} entries ({} queries in {:.3}s)",
        queries.len() as f64 / match_time.as_secs_f64(),
        registry.len(),
        queries.len(),
        match_time.as_secs_f64()
    );
    outcomes.print();
}

/// With `SPEED_SHOW_FAILURES=N` in the environment, prints up to N queries whose
/// answer differs from the expected one, to see what the matcher gets wrong.
fn show_failures(registry: &Registry, queries: &[(String, Option<String>)]) {
    let limit: usize = std::env::var("SPEED_SHOW_FAILURES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let entries = registry.entries();
    for (query, expected) in queries
        .iter()
        .filter(|(q, e)| registry.match_query(q).id != *e)
        .take(limit)
    {
        let found = registry.match_query(query);
        let text = |id: &Option<String>| {
            id.as_ref()
                .and_then(|id| entries.iter().find(|e| e.id == *id))
                .map_or("-".to_string(), |e| e.address.clone())
        };
        println!(
            "  {query}\n    expected {}\n    found    {} ({:.2}: {})",
            text(expected),
            text(&found.id),
            found.score,
            found.reason
        );
    }
}

#[derive(Default)]
struct Outcomes {
    right: usize,
    wrong: usize,
    missed: usize,
    rejected: usize,
    false_positive: usize,
}

impl Outcomes {
    fn count(&mut self, found: Option<&str>, expected: Option<&str>) {
        match (found, expected) {
            (Some(f), Some(e)) if f == e => self.right += 1,
            (Some(_), Some(_)) => self.wrong += 1,
            (None, Some(_)) => self.missed += 1,
            (None, None) => self.rejected += 1,
            (Some(_), None) => self.false_positive += 1,
        }
    }

    fn print(&self) {
        let positives = self.right + self.wrong + self.missed;
        let negatives = self.rejected + self.false_positive;
        println!(
            "accuracy on variants: {:.2}% right ({} right, {} wrong entry, {} no answer); near misses: {:.2}% rejected ({} matched by mistake)",
            100.0 * self.right as f64 / positives.max(1) as f64,
            self.right,
            self.wrong,
            self.missed,
            100.0 * self.rejected as f64 / negatives.max(1) as f64,
            self.false_positive
        );
    }
}

/// Picks real townships and fills each with villages, roads and compounds.
fn make_registry(rng: &mut ChaCha8Rng) -> Vec<Made> {
    let divisions = table();
    let townships: Vec<Vec<String>> = {
        let all: Vec<_> = divisions
            .iter()
            .filter(|d| d.level == Level::Township && d.name.ends_with(['镇', '乡', '道']))
            .collect();
        let mut picked = Vec::new();
        while picked.len() < 400 {
            let Some(town) = all.choose(rng) else { break };
            let code = town.code();
            let chain: Vec<String> = [2usize, 4, 6]
                .iter()
                .filter_map(|&len| divisions.by_code(&code[..len]).map(|d| d.name.to_string()))
                .chain(std::iter::once(town.name.to_string()))
                .collect();
            if chain.len() >= 3 {
                picked.push(chain);
            }
        }
        picked
    };
    let mut seen = HashSet::new();
    let mut made = Vec::with_capacity(REGISTRY_SIZE);
    let per_town = REGISTRY_SIZE / townships.len();
    for prefix in &townships {
        let villages: Vec<String> = (0..12).map(|_| name(rng, "村")).collect();
        let roads: Vec<String> = (0..8)
            .map(|_| {
                let suffix = ["路", "街", "大道", "巷"].choose(rng).copied();
                name(rng, suffix.unwrap_or("路"))
            })
            .collect();
        // Each compound stands at one door of one road, as in a real town.
        let compounds: Vec<(String, String, u32)> = (0..6u32)
            .map(|i| {
                let suffix = ["小区", "花园", "苑", "家园", "公寓"].choose(rng).copied();
                let compound = name(rng, suffix.unwrap_or("小区"));
                (compound, pick(rng, &roads[..3]), (i + 1) * 20)
            })
            .collect();
        let mut count = 0;
        while count < per_town {
            let body = match rng.random_range(0..4) {
                0 => Body::Village {
                    village: pick(rng, &villages),
                    group: rng.random_range(1..=12),
                    door: rng.random_range(1..=200),
                },
                1 => Body::Road {
                    road: pick(rng, &roads),
                    // Doors of compounds are multiples of 20; plain doors never are,
                    // so a near miss inside a compound has no coarser entry to fall
                    // back to.
                    door: rng.random_range(1..=400u32) | 1,
                },
                kind => {
                    let (compound, road, door) = compounds
                        .choose(rng)
                        .cloned()
                        .unwrap_or_else(|| (String::new(), String::new(), 20));
                    Body::Building {
                        road,
                        door,
                        compound,
                        building: rng.random_range(1..=40),
                        unit_room: (kind == 3).then(|| {
                            (
                                rng.random_range(1..=4),
                                rng.random_range(1..=18) * 100 + rng.random_range(1..=4),
                            )
                        }),
                    }
                }
            };
            let address = format!("{}{}", prefix.join(""), write_body(&body));
            if !seen.insert(address.clone()) {
                continue;
            }
            count += 1;
            made.push(Made {
                entry: Entry {
                    id: format!("S{:06}", made.len() + 1),
                    address,
                    location: None,
                },
                prefix: prefix.clone(),
                body,
            });
        }
    }
    made
}

fn name(rng: &mut ChaCha8Rng, suffix: &str) -> String {
    let chars: Vec<char> = NAME_CHARS.chars().collect();
    let mut out: String = (0..2).filter_map(|_| chars.choose(rng)).collect();
    out.push_str(suffix);
    out
}

fn pick(rng: &mut ChaCha8Rng, list: &[String]) -> String {
    list.choose(rng).cloned().unwrap_or_default()
}

fn write_body(body: &Body) -> String {
    match body {
        Body::Village {
            village,
            group,
            door,
        } => format!("{village}{group}组{door}号"),
        Body::Road { road, door } => format!("{road}{door}号"),
        Body::Building {
            road,
            door,
            compound,
            building,
            unit_room,
        } => {
            let mut text = format!("{road}{door}号{compound}{building}幢");
            if let Some((unit, room)) = unit_room {
                text.push_str(&format!("{unit}单元{room}室"));
            }
            text
        }
    }
}

/// Messy variants of random entries, with the id each should match, and near misses.
fn make_queries(rng: &mut ChaCha8Rng, made: &[Made]) -> Vec<(String, Option<String>)> {
    let mut queries = Vec::with_capacity(QUERIES);
    while queries.len() < QUERIES {
        let Some(source) = made.choose(rng) else {
            break;
        };
        let near_miss = rng.random_bool(0.15);
        // Keep the township at least: without it, a village name may repeat elsewhere.
        let skip = rng.random_range(0..=2);
        let mut text: String = source.prefix[skip.min(source.prefix.len() - 1)..].concat();
        let number = |rng: &mut ChaCha8Rng, n: u32| -> String {
            match rng.random_range(0..4) {
                0 => chinese(n),
                1 => full_width(n),
                _ => n.to_string(),
            }
        };
        let miss = |n: u32| n + 1000;
        match &source.body {
            Body::Village {
                village,
                group,
                door,
            } => {
                let door = if near_miss { miss(*door) } else { *door };
                let unit = ["组", "社"].choose(rng).copied().unwrap_or("组");
                let village = if rng.random_bool(0.3) {
                    village.trim_end_matches('村').to_string()
                } else {
                    village.clone()
                };
                text.push_str(&format!(
                    "{village}{}{unit}{}号",
                    number(rng, *group),
                    number(rng, door)
                ));
            }
            Body::Road { road, door } => {
                let door = if near_miss { miss(*door) } else { *door };
                text.push_str(&format!("{road}{}号", number(rng, door)));
            }
            Body::Building {
                road,
                door,
                compound,
                building,
                unit_room,
            } => {
                let building = if near_miss {
                    miss(*building)
                } else {
                    *building
                };
                if rng.random_bool(0.4) {
                    text.push_str(&format!("{road}{door}号"));
                }
                text.push_str(compound);
                match (unit_room, rng.random_range(0..3)) {
                    (Some((unit, room)), 0) => {
                        text.push_str(&format!("{building}-{unit}-{room}"));
                    }
                    (Some((unit, room)), _) => {
                        let word = ["栋", "幢", "号楼"].choose(rng).copied().unwrap_or("栋");
                        text.push_str(&format!(
                            "{}{word}{}单元{room}室",
                            number(rng, building),
                            number(rng, *unit)
                        ));
                    }
                    (None, 0) => text.push_str(&format!("{building}#楼")),
                    (None, _) => {
                        let word = ["栋", "幢", "号楼"].choose(rng).copied().unwrap_or("栋");
                        text.push_str(&format!("{}{word}", number(rng, building)));
                        if rng.random_bool(0.3) {
                            // More detail than the entry: still the building.
                            text.push_str(&format!("{}单元1999室", rng.random_range(1..=3)));
                        }
                    }
                }
            }
        }
        if rng.random_bool(0.3) {
            let filler = ["门口", "对面", "附近", "旁边", "往东50米"].choose(rng);
            text.push_str(filler.copied().unwrap_or("门口"));
        }
        let expected = (!near_miss).then(|| source.entry.id.clone());
        queries.push((text, expected));
    }
    queries
}

fn chinese(n: u32) -> String {
    const DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    let digit = |d: u32| DIGITS[d as usize % 10];
    match n {
        0..=9 => digit(n).to_string(),
        10..=19 => format!(
            "十{}",
            if n > 10 {
                digit(n % 10).to_string()
            } else {
                String::new()
            }
        ),
        20..=99 => format!(
            "{}十{}",
            digit(n / 10),
            if !n.is_multiple_of(10) {
                digit(n % 10).to_string()
            } else {
                String::new()
            }
        ),
        _ => n
            .to_string()
            .chars()
            .map(|c| digit(c.to_digit(10).unwrap_or(0)))
            .collect(),
    }
}

fn full_width(n: u32) -> String {
    n.to_string()
        .chars()
        .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap_or(c))
        .collect()
}
