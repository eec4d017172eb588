//! The multi-band Knox table of the Near Repeat Calculator (Ratcliffe): pairs counted
//! by distance band × time band, each cell compared with its mean over random
//! permutations of the times.
//!
//! Bands are given by their upper edges, inclusive: distance band 0 holds pairs with
//! `d ≤ e₀`, band k pairs with `e_{k−1} < d ≤ e_k` (compared squared, as in the global
//! test); time bands likewise. A last row and a last column hold the pairs beyond the
//! largest edge, so the table adds up to all `n(n − 1)/2` pairs.
//!
//! Only pairs within the largest distance and time edges are swept per permutation.
//! The beyond row and column follow from totals that no permutation changes: the
//! pairs of each distance band (locations never move) and of each time band (the
//! multiset of times never changes).

use rayon::prelude::*;
use serde::Serialize;

use super::space::SpaceIndex;
use super::sweep::{PairBins, Scratch, Sweep};
use super::times::TimeOrder;
use super::{cell_chunks, check_events, permutations, position_of_rank};
use crate::error::{AnalyticsError, check_non_negative};

/// Band edges and inference settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KnoxBands {
    /// Upper edges of the distance bands, strictly increasing.
    pub distance_edges: Vec<f64>,
    /// Upper edges of the time bands, strictly increasing.
    pub time_edges: Vec<f64>,
    /// Random permutations of the times; 0 for none.
    pub permutations: usize,
    /// Seed of the permutations.
    pub seed: u64,
}

impl KnoxBands {
    /// `count` bands of equal width in distance and in time: edges `w, 2w, …`.
    pub fn equal(distance: f64, time: f64, count: usize, permutations: usize, seed: u64) -> Self {
        Self {
            distance_edges: (1..=count).map(|k| distance * k as f64).collect(),
            time_edges: (1..=count).map(|k| time * k as f64).collect(),
            permutations,
            seed,
        }
    }
}

/// The table, `(distance bands + 1) × (time bands + 1)` cells, row-major by distance;
/// the last row and column are "beyond the largest edge".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BandTable {
    /// Upper edges of the distance bands.
    pub distance_edges: Vec<f64>,
    /// Upper edges of the time bands.
    pub time_edges: Vec<f64>,
    /// Observed pairs per cell.
    pub observed: Vec<Vec<u64>>,
    /// Expected pairs per cell without space-time interaction: the permutation mean
    /// when permutations were run, otherwise `row total × column total / pairs`.
    pub expected: Vec<Vec<f64>>,
    /// Observed over expected ("Knox ratio"); `None` where expected is 0.
    pub ratio: Vec<Vec<Option<f64>>>,
    /// `(permutations with a count ≥ observed + 1) / (permutations + 1)` per cell.
    pub p_values: Option<Vec<Vec<f64>>>,
    /// Number of permutations run.
    pub permutations: usize,
}

/// Runs the multi-band Knox test.
pub fn knox_bands(
    x: &[f64],
    y: &[f64],
    t: &[f64],
    bands: &KnoxBands,
) -> Result<BandTable, AnalyticsError> {
    check_events(x, y, t)?;
    check_edges("distance_edges", &bands.distance_edges)?;
    check_edges("time_edges", &bands.time_edges)?;
    let rows = bands.distance_edges.len() + 1;
    let columns = bands.time_edges.len() + 1;
    let max_distance = *bands.distance_edges.last().unwrap_or(&0.0);
    let max_time = *bands.time_edges.last().unwrap_or(&0.0);

    let index = SpaceIndex::new(x, y, max_distance);
    let order = TimeOrder::new(t);
    let n = x.len() as u64;
    let pairs = n * n.saturating_sub(1) / 2;
    let bins = Bins::new(&bands.distance_edges, &bands.time_edges);

    // Totals no permutation changes.
    let space_totals = space_band_totals(&index, &bins);
    let mut time_totals = Vec::with_capacity(columns - 1);
    let mut below = 0;
    for &edge in &bands.time_edges {
        let within = order.close_pairs(edge);
        time_totals.push(within - below);
        below = within;
    }

    let sweep = Sweep::new(&index, &order.sorted, max_time);
    let mut scratch = Scratch::default();
    sweep.observed(&position_of_rank(&index, &order), &mut scratch);
    let mut inner = vec![0u64; bins.len()];
    sweep.count_bins(&bins, &mut scratch, &mut inner);
    let complete = |inner: &[u64]| complete_table(inner, &space_totals, &time_totals, pairs);
    let observed = complete(&inner);
    let permuted: Vec<Vec<Vec<u64>>> =
        permutations(&sweep, bands.permutations, bands.seed, |scratch| {
            let mut counts = vec![0u64; bins.len()];
            sweep.count_bins(&bins, scratch, &mut counts);
            complete(&counts)
        });

    let expected = if permuted.is_empty() {
        independent_expectation(&observed, pairs)
    } else {
        let p = permuted.len() as f64;
        (0..rows)
            .map(|r| {
                (0..columns)
                    .map(|c| permuted.iter().map(|table| table[r][c] as f64).sum::<f64>() / p)
                    .collect()
            })
            .collect()
    };
    let ratio = observed
        .iter()
        .zip(&expected)
        .map(|(o, e)| {
            o.iter()
                .zip(e)
                .map(|(&o, &e): (&u64, &f64)| (e > 0.0).then(|| o as f64 / e))
                .collect()
        })
        .collect();
    let p_values = (!permuted.is_empty()).then(|| {
        let p = permuted.len() as f64;
        (0..rows)
            .map(|r| {
                (0..columns)
                    .map(|c| {
                        let larger = permuted
                            .iter()
                            .filter(|table| table[r][c] >= observed[r][c])
                            .count();
                        (larger as f64 + 1.0) / (p + 1.0)
                    })
                    .collect()
            })
            .collect()
    });
    Ok(BandTable {
        distance_edges: bands.distance_edges.clone(),
        time_edges: bands.time_edges.clone(),
        observed,
        expected,
        ratio,
        p_values,
        permutations: permuted.len(),
    })
}

fn check_edges(name: &'static str, edges: &[f64]) -> Result<(), AnalyticsError> {
    if edges.is_empty() {
        return Err(AnalyticsError::InvalidParameter {
            name,
            reason: "at least one band is needed".to_owned(),
        });
    }
    for &edge in edges {
        check_non_negative(name, edge)?;
    }
    if edges.windows(2).any(|w| w[0] >= w[1]) {
        return Err(AnalyticsError::InvalidParameter {
            name,
            reason: "edges must be strictly increasing".to_owned(),
        });
    }
    Ok(())
}

/// Pairs per distance band (all times), counted in parallel over cells.
fn space_band_totals(index: &SpaceIndex, bins: &Bins) -> Vec<u64> {
    cell_chunks(index)
        .into_par_iter()
        .map(|cells| {
            let mut totals = vec![0u64; bins.distance2.len()];
            index.for_each_close_pair(cells, |_, _, d2| {
                if let Some(band) = band_of(&bins.distance2, d2) {
                    totals[band] += 1;
                }
            });
            totals
        })
        .reduce(
            || vec![0u64; bins.distance2.len()],
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
                a
            },
        )
}

/// The full table from the swept cells and the fixed totals.
fn complete_table(
    inner: &[u64],
    space_totals: &[u64],
    time_totals: &[u64],
    pairs: u64,
) -> Vec<Vec<u64>> {
    let (d, t) = (space_totals.len(), time_totals.len());
    let mut table = vec![vec![0u64; t + 1]; d + 1];
    for r in 0..d {
        table[r][..t].copy_from_slice(&inner[r * t..(r + 1) * t]);
        table[r][t] = space_totals[r] - inner[r * t..(r + 1) * t].iter().sum::<u64>();
    }
    for c in 0..t {
        table[d][c] = time_totals[c] - (0..d).map(|r| inner[r * t + c]).sum::<u64>();
    }
    let rest: u64 = table.iter().flatten().sum();
    table[d][t] = pairs - rest;
    table
}

/// `row total × column total / pairs` per cell.
fn independent_expectation(observed: &[Vec<u64>], pairs: u64) -> Vec<Vec<f64>> {
    let rows: Vec<u64> = observed.iter().map(|r| r.iter().sum()).collect();
    let columns: Vec<u64> = (0..observed[0].len())
        .map(|c| observed.iter().map(|r| r[c]).sum())
        .collect();
    rows.iter()
        .map(|&r| {
            columns
                .iter()
                .map(|&c| {
                    if pairs == 0 {
                        0.0
                    } else {
                        r as f64 * c as f64 / pairs as f64
                    }
                })
                .collect()
        })
        .collect()
}

/// Band of a squared value among squared upper edges.
#[inline]
fn band_of(edges2: &[f64], value2: f64) -> Option<usize> {
    edges2.iter().position(|&e| value2 <= e)
}

/// Distance × time bins inside the largest edges.
struct Bins {
    distance2: Vec<f64>,
    time2: Vec<f64>,
}

impl Bins {
    fn new(distance_edges: &[f64], time_edges: &[f64]) -> Self {
        Self {
            distance2: distance_edges.iter().map(|e| e * e).collect(),
            time2: time_edges.iter().map(|e| e * e).collect(),
        }
    }
}

impl PairBins for Bins {
    fn len(&self) -> usize {
        self.distance2.len() * self.time2.len()
    }

    #[inline]
    fn bin(&self, d2: f64, dt: f64) -> Option<usize> {
        let d = band_of(&self.distance2, d2)?;
        let t = band_of(&self.time2, dt * dt)?;
        Some(d * self.time2.len() + t)
    }
}
