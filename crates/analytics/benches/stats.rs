//! Benchmarks of the goals in the analytics issue, on realistic clustered space-time
//! data generated deterministically: a city of 20 km × 20 km, a year of days, hot
//! spots, near-repeat bursts and a uniform background.
//!
//! `cargo bench -p fengqiao-analytics --bench stats` runs every goal, each in a child
//! process of its own so that its peak memory (VmHWM of /proc/self/status) is its own;
//! `… -- knox-50k` (or any goal name) runs one. Every line printed is a figure.
//! `FENGQIAO_BENCH_PERMUTATIONS=N` overrides the number of permutations of every goal,
//! for quick estimates while working on the code; the goals are judged without it.

use std::process::{Command, ExitCode};
use std::time::Instant;

use fengqiao_analytics::{
    Extent, GiStarOptions, KnoxBands, KnoxParams, SquareGrid, gi_star_points, knox, knox_bands,
    knox_local,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// The goals: name, what it runs, and the target it is judged by.
const GOALS: [(&str, &str); 5] = [
    (
        "knox-50k",
        "Knox global, 50,000 events, 99 permutations (target: ≥200× pointpats, < 1 GiB)",
    ),
    (
        "knox-1m",
        "Knox global, 1,000,000 events, 999 permutations (target: < 60 s)",
    ),
    (
        "knox-local-100k",
        "Knox local, 100,000 events, 99 permutations (target: < 10 s)",
    ),
    (
        "gistar-1m",
        "Gi*, 1,000,000 events on 200 × 200 cells of 100 m, 999 permutations (target: ≥10× esda)",
    ),
    (
        "knox-bands-50k",
        "Knox 5 × 5 bands of 100 m × 7 days, 50,000 events, 99 permutations",
    ),
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if let Some(goal) = args.first() {
        return run_goal(goal);
    }
    println!(
        "machine: {} logical cores (rayon threads: {})",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        rayon::current_num_threads()
    );
    let exe = std::env::current_exe().expect("own executable");
    let mut status = ExitCode::SUCCESS;
    for (name, _) in GOALS {
        let ok = Command::new(&exe)
            .arg(name)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("goal {name} failed");
            status = ExitCode::FAILURE;
        }
    }
    status
}

fn run_goal(goal: &str) -> ExitCode {
    let Some((name, description)) = GOALS.iter().find(|(name, _)| *name == goal) else {
        eprintln!(
            "unknown goal {goal}; goals: {}",
            GOALS.map(|g| g.0).join(", ")
        );
        return ExitCode::FAILURE;
    };
    let override_permutations = std::env::var("FENGQIAO_BENCH_PERMUTATIONS")
        .ok()
        .and_then(|p| p.parse::<usize>().ok());
    let permutations = |goal: usize| override_permutations.unwrap_or(goal);
    let params = |goal| KnoxParams {
        distance: 200.0,
        time: 14.0,
        permutations: permutations(goal),
        seed: 1,
    };
    let events = |n| {
        let start = Instant::now();
        let city = City::generate(n, 2026);
        println!(
            "{name}: generated {n} events in {:.2} s",
            start.elapsed().as_secs_f64()
        );
        city
    };
    // Other work on a shared machine slows the wall time, not the CPU time.
    let load = std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    let started: Instant;
    let cpu_started: f64;
    let summary = match *name {
        "knox-50k" | "knox-1m" => {
            let (n, goal_permutations) = if *name == "knox-50k" {
                (50_000, 99)
            } else {
                (1_000_000, 999)
            };
            let city = events(n);
            (started, cpu_started) = (Instant::now(), cpu_seconds());
            let result = knox(&city.x, &city.y, &city.t, params(goal_permutations)).expect("knox");
            format!(
                "nst={} ns={} nt={} expected={:.1} p_sim={:?}",
                result.nst, result.ns, result.nt, result.expected_nst, result.p_sim
            )
        }
        "knox-local-100k" => {
            let city = events(100_000);
            (started, cpu_started) = (Instant::now(), cpu_seconds());
            let result = knox_local(&city.x, &city.y, &city.t, params(99)).expect("knox local");
            let significant = result
                .p_sim
                .as_ref()
                .map_or(0, |p| p.iter().filter(|&&p| p <= 0.01).count());
            format!(
                "events with nst>0: {}, p_sim ≤ 0.01: {significant}",
                result.nst.iter().filter(|&&k| k > 0).count()
            )
        }
        "gistar-1m" => {
            let city = events(1_000_000);
            (started, cpu_started) = (Instant::now(), cpu_seconds());
            let extent = Extent::new(0.0, 0.0, 20_000.0, 20_000.0).expect("extent");
            let grid = SquareGrid::over_extent(extent, 100.0).expect("grid");
            let options = GiStarOptions {
                permutations: permutations(999),
                seed: 1,
            };
            let (result, _) = gi_star_points(&city.x, &city.y, &grid, options).expect("gi*");
            let hot = result.z.iter().filter(|&&z| z > 2.58).count();
            format!("{} × {} cells, z > 2.58: {hot}", grid.columns, grid.rows)
        }
        _ => {
            let city = events(50_000);
            (started, cpu_started) = (Instant::now(), cpu_seconds());
            let bands = KnoxBands::equal(100.0, 7.0, 5, permutations(99), 1);
            let table = knox_bands(&city.x, &city.y, &city.t, &bands).expect("bands");
            format!("first cell ratio {:?}", table.ratio[0][0])
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    println!("{name}: {description}");
    println!("{name}: {summary}");
    println!(
        "{name}: time {seconds:.3} s wall, {:.1} s CPU (all threads; on an idle machine wall ≈ CPU / cores), peak memory {:.1} MiB, load average before: {load}",
        cpu_seconds() - cpu_started,
        peak_memory_mib()
    );
    ExitCode::SUCCESS
}

/// CPU time of this process so far, user and system, all threads (fields 14 and 15
/// of /proc/self/stat, in the kernel's fixed 100 ticks per second).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The command name may hold spaces; the fields after it are counted from ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// Peak resident memory of this process (VmHWM), in MiB.
fn peak_memory_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Events of a synthetic city: metres east and north, days since 1 January.
struct City {
    x: Vec<f64>,
    y: Vec<f64>,
    t: Vec<f64>,
}

impl City {
    /// 30 % uniform background, 45 % around 80 hot spots (Gaussian, σ 200–800 m, weights
    /// 0.3–1),
    /// 25 % in near-repeat bursts that follow an event within 300 m and 14 days.
    fn generate(n: usize, seed: u64) -> Self {
        const SIDE: f64 = 20_000.0;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let spots: Vec<(f64, f64, f64, f64)> = (0..80)
            .map(|_| {
                (
                    rng.random_range(1000.0..SIDE - 1000.0),
                    rng.random_range(1000.0..SIDE - 1000.0),
                    rng.random_range(200.0..800.0),
                    rng.random_range(0.3..1.0),
                )
            })
            .collect();
        let total_weight: f64 = spots.iter().map(|s| s.3).sum();
        let unit = Normal::new(0.0, 1.0).expect("normal");
        let mut city = City {
            x: Vec::with_capacity(n),
            y: Vec::with_capacity(n),
            t: Vec::with_capacity(n),
        };
        while city.x.len() < n {
            let day = seasonal_day(&mut rng);
            let kind = rng.random::<f64>();
            let (x, y) = if kind < 0.3 {
                (rng.random_range(0.0..SIDE), rng.random_range(0.0..SIDE))
            } else {
                let mut pick = rng.random::<f64>() * total_weight;
                let spot = spots
                    .iter()
                    .find(|s| {
                        pick -= s.3;
                        pick <= 0.0
                    })
                    .unwrap_or(&spots[0]);
                (
                    (spot.0 + spot.2 * unit.sample(&mut rng)).clamp(0.0, SIDE),
                    (spot.1 + spot.2 * unit.sample(&mut rng)).clamp(0.0, SIDE),
                )
            };
            city.push(x, y, day);
            // A quarter of all events are follow-ups of a burst started by an event.
            if rng.random_bool(0.2) {
                for _ in 0..rng.random_range(1..=3) {
                    let angle = rng.random_range(0.0..std::f64::consts::TAU);
                    let radius = 300.0 * rng.random::<f64>().sqrt();
                    city.push(
                        (x + radius * angle.cos()).clamp(0.0, SIDE),
                        (y + radius * angle.sin()).clamp(0.0, SIDE),
                        (day + rng.random_range(0.0..14.0)).min(364.99),
                    );
                }
            }
        }
        city.x.truncate(n);
        city.y.truncate(n);
        city.t.truncate(n);
        city
    }

    fn push(&mut self, x: f64, y: f64, t: f64) {
        // Coordinates to the decimetre and times to the minute, as records have them.
        self.x.push((x * 10.0).round() / 10.0);
        self.y.push((y * 10.0).round() / 10.0);
        self.t.push((t * 1440.0).round() / 1440.0);
    }
}

/// A day of the year (with a time of day) with more events in summer and at weekends.
fn seasonal_day(rng: &mut ChaCha8Rng) -> f64 {
    loop {
        let day = rng.random_range(0.0..365.0f64);
        let season = 1.0 + 0.3 * (2.0 * std::f64::consts::PI * (day - 100.0) / 365.0).sin();
        let weekend = if (day as i64 + 3) % 7 >= 5 { 1.2 } else { 1.0 };
        if rng.random::<f64>() * 1.6 < season * weekend {
            return day;
        }
    }
}
