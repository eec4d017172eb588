//! The repeat reports on a million generated incidents, for `bench/duckdb/compare.sh`,
//! which runs DuckDB's SQL on the same file and compares the results.
//!
//! - `repeats generate N SEED FILE`: writes N incidents as CSV (deterministic for a seed).
//! - `repeats run FILE OUT_DIR RUNS`: reads the file, times `repeat_report` (by area and
//!   month) and `repeat_flags` (best of RUNS each, compute only, the file already read),
//!   prints the times as `name seconds` lines and writes the flagged ids per rule and the
//!   report's tables to OUT_DIR.
//! - `repeats report FILE RUNS`: times the report alone, for a profiler.
//! - without arguments: generates 1,000,000 incidents in memory and times both.
//!
//! The city is 20 km × 20 km over two years (2024–2025, local time): 5,000 standard
//! addresses with Zipf-like popularity, 30 % of the incidents without an address and
//! located only by a point (near an address, or anywhere), a few hundred thousand caller
//! phones with a heavy tail of repeat callers (some of them with two phones, an ID number
//! given now and then), follow-up calls days after an incident, 200 areas of 2 km × 1 km,
//! ten categories of unequal frequency and a few hundred week-long surges.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use fengqiao_analytics::{
    CallerKey, Date, Observation, Period, PlaceKey, RepeatSettings, repeat_flags, repeat_report,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SIDE_M: i64 = 20_000;
const ADDRESSES: usize = 5_000;
const REPEAT_PEOPLE: u64 = 60_000;
const CATEGORIES: u32 = 10;
const SURGES: usize = 400;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["generate", n, seed, file] => {
            let incidents = generate(n.parse().expect("N"), seed.parse().expect("SEED"));
            fs::write(file, to_csv(&incidents)).expect("write the incidents");
        }
        ["run", file, out, runs] => {
            let text = fs::read_to_string(file).expect("read the incidents");
            run(
                &from_csv(&text),
                Some(Path::new(out)),
                runs.parse().expect("RUNS"),
            );
        }
        ["report", file, runs] => {
            // For a profiler: the report alone, nothing written.
            let incidents = from_csv(&fs::read_to_string(file).expect("read the incidents"));
            let groups: Vec<u32> = incidents.iter().map(|i| i.area).collect();
            let (time, _) = best_of(runs.parse().expect("RUNS"), || {
                repeat_report(
                    RepeatSettings::default(),
                    &incidents,
                    &groups,
                    Period::Month,
                )
            });
            println!("report_seconds {:.6}", time.as_secs_f64());
        }
        [] => run(&generate(1_000_000, 1), None, 3),
        _ => {
            eprintln!(
                "usage: repeats [generate N SEED FILE | run FILE OUT_DIR RUNS | report FILE RUNS]"
            );
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

fn run(incidents: &[Observation], out: Option<&Path>, runs: usize) {
    let settings = RepeatSettings::default();
    let groups: Vec<u32> = incidents.iter().map(|i| i.area).collect();
    let (report_time, report) = best_of(runs, || {
        repeat_report(settings, incidents, &groups, Period::Month).expect("report")
    });
    let (flags_time, flags) = best_of(runs, || repeat_flags(settings, incidents).expect("flags"));
    println!("incidents {}", incidents.len());
    println!("report_seconds {:.6}", report_time.as_secs_f64());
    println!("flags_seconds {:.6}", flags_time.as_secs_f64());
    let Some(out) = out else { return };
    fs::create_dir_all(out).expect("output directory");

    let mut rules = [String::new(), String::new(), String::new()];
    for (incident, flag) in incidents.iter().zip(&flags) {
        for (text, fired) in rules
            .iter_mut()
            .zip([&flag.person, &flag.place, &flag.category])
        {
            if fired.is_some() {
                writeln!(text, "{}", incident.id).unwrap();
            }
        }
    }
    for (name, text) in ["person", "place", "category"].iter().zip(&rules) {
        fs::write(out.join(format!("{name}.txt")), text).expect("write flags");
    }

    let mut rows = String::new();
    for r in &report.rows {
        writeln!(
            rows,
            "{},{},{},{},{},{},{}",
            r.group,
            r.period_start,
            r.incidents,
            r.person_flagged,
            r.place_flagged,
            r.category_flagged,
            r.any_flagged
        )
        .unwrap();
    }
    let mut callers = String::new();
    for c in &report.callers {
        let (kind, key) = match c.key {
            CallerKey::Phone(key) => ("phone", key),
            CallerKey::IdNumber(key) => ("id", key),
        };
        writeln!(
            callers,
            "{kind},{key},{},{},{}",
            c.calls, c.repeat_calls, c.last_count
        )
        .unwrap();
    }
    let mut places = String::new();
    for p in &report.places {
        let key = match p.place {
            PlaceKey::Address(address) => format!("address,{address},"),
            PlaceKey::Cell(x, y) => format!("cell,{x},{y}"),
        };
        writeln!(places, "{key},{},{}", p.incidents, p.flagged).unwrap();
    }
    let mut surges = String::new();
    for s in &report.surges {
        writeln!(
            surges,
            "{},{},{},{},{:?},{}",
            s.area, s.category, s.week_start, s.count, s.trailing_mean, s.flagged
        )
        .unwrap();
    }
    for (name, text) in [
        ("rows", rows),
        ("callers", callers),
        ("places", places),
        ("surges", surges),
    ] {
        fs::write(out.join(format!("{name}.csv")), text).expect("write report");
    }
}

fn best_of<T>(runs: usize, mut work: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut result = None;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        let value = work();
        best = best.min(start.elapsed());
        result = Some(value);
    }
    (best, result.expect("at least one run"))
}

/// Deterministic incidents, ids 1…n in the order generated (not time order).
fn generate(n: usize, seed: u64) -> Vec<Observation> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let start = Date::new(2024, 1, 1).unwrap().days() * 86_400 - 8 * 3600;
    let span = 731 * 86_400;
    let addresses: Vec<(i64, i64)> = (0..ADDRESSES)
        .map(|_| (rng.random_range(0..SIDE_M), rng.random_range(0..SIDE_M)))
        .collect();
    // Popularity ∝ 1 / (rank + 10): the busiest address has about 1.6 % of the calls.
    let address_weights = cumulative((0..ADDRESSES).map(|rank| 1.0 / (rank as f64 + 10.0)));
    let category_weights = cumulative((0..CATEGORIES).map(|c| 1.0 / f64::from(c + 1)));
    let surges: Vec<(usize, u32, i64)> = (0..SURGES)
        .map(|_| {
            (
                rng.random_range(0..ADDRESSES),
                rng.random_range(0..CATEGORIES),
                start + rng.random_range(0..span - 7 * 86_400),
            )
        })
        .collect();

    let mut incidents: Vec<Observation> = Vec::with_capacity(n);
    let mut fresh_key = 1u64 << 40;
    while incidents.len() < n {
        let id = incidents.len() as u64 + 1;
        let roll: f64 = rng.random();
        // One incident in ten follows up an earlier one: same caller and place, days later.
        if roll < 0.10 && !incidents.is_empty() {
            let parent = incidents[rng.random_range(0..incidents.len())];
            let time = (parent.time + rng.random_range(0..5 * 86_400)).min(start + span - 1);
            incidents.push(Observation {
                id,
                time,
                category: if rng.random_bool(0.7) {
                    parent.category
                } else {
                    pick(&category_weights, &mut rng) as u32
                },
                ..parent
            });
            continue;
        }
        let (address, time, category) = if roll < 0.12 {
            // A week-long surge of one category around one address.
            let (address, category, from) = surges[rng.random_range(0..SURGES)];
            (address, from + rng.random_range(0..7 * 86_400), category)
        } else {
            (
                pick(&address_weights, &mut rng),
                start + rng.random_range(0..span),
                pick(&category_weights, &mut rng) as u32,
            )
        };
        let (ax, ay) = addresses[address];
        let matched = rng.random_bool(0.7);
        let point = if matched {
            Some((ax, ay))
        } else if rng.random_bool(0.05) {
            None
        } else if rng.random_bool(0.6) {
            Some((
                (ax + rng.random_range(-150..=150)).clamp(0, SIDE_M - 1),
                (ay + rng.random_range(-150..=150)).clamp(0, SIDE_M - 1),
            ))
        } else {
            Some((rng.random_range(0..SIDE_M), rng.random_range(0..SIDE_M)))
        };
        let (phone, id_number) = caller(&mut rng, &mut fresh_key);
        let (x, y) = point.unwrap_or((ax, ay));
        incidents.push(Observation {
            id,
            time,
            phone,
            id_number,
            address: matched.then_some(address as u32),
            point: point.map(|(x, y)| (x as f64, y as f64)),
            category,
            area: (x / 2_000 * 20 + y / 1_000) as u32,
        });
    }
    incidents
}

/// A caller: most call once; the others are drawn from a pool of people with a heavy
/// tail (index `pool × u³`), who use a second phone now and then and sometimes give
/// their ID number.
fn caller(rng: &mut ChaCha8Rng, fresh_key: &mut u64) -> (Option<u64>, Option<u64>) {
    if rng.random_bool(0.08) {
        return (None, None);
    }
    if rng.random_bool(0.55) {
        *fresh_key += 1;
        let id_number = rng.random_bool(0.3).then_some(*fresh_key ^ 0x5555);
        return (Some(*fresh_key), id_number);
    }
    let u: f64 = rng.random();
    let person = (REPEAT_PEOPLE as f64 * u * u * u) as u64;
    let phone = if rng.random_bool(0.2) {
        person + REPEAT_PEOPLE
    } else {
        person
    };
    (Some(phone), rng.random_bool(0.35).then_some(person))
}

fn cumulative(weights: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut total = 0.0;
    weights
        .map(|w| {
            total += w;
            total
        })
        .collect()
}

fn pick(cumulative: &[f64], rng: &mut ChaCha8Rng) -> usize {
    let target = rng.random::<f64>() * cumulative[cumulative.len() - 1];
    cumulative
        .partition_point(|&c| c <= target)
        .min(cumulative.len() - 1)
}

fn to_csv(incidents: &[Observation]) -> String {
    let mut text = String::from("id,t,phone,id_number,address,x,y,category,area\n");
    let opt = |value: Option<u64>| value.map_or(String::new(), |v| v.to_string());
    for i in incidents {
        let (x, y) = i.point.map_or((String::new(), String::new()), |(x, y)| {
            (x.to_string(), y.to_string())
        });
        writeln!(
            text,
            "{},{},{},{},{},{x},{y},{},{}",
            i.id,
            i.time,
            opt(i.phone),
            opt(i.id_number),
            opt(i.address.map(u64::from)),
            i.category,
            i.area
        )
        .unwrap();
    }
    text
}

fn from_csv(text: &str) -> Vec<Observation> {
    text.lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let opt = |s: &str| (!s.is_empty()).then(|| s.parse::<u64>().expect("number"));
            let num = |s: &str| s.parse::<f64>().expect("number");
            Observation {
                id: f[0].parse().expect("id"),
                time: f[1].parse().expect("t"),
                phone: opt(f[2]),
                id_number: opt(f[3]),
                address: opt(f[4]).map(|a| a as u32),
                point: (!f[5].is_empty()).then(|| (num(f[5]), num(f[6]))),
                category: f[7].parse().expect("category"),
                area: f[8].parse().expect("area"),
            }
        })
        .collect()
}
