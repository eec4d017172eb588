//! The Knox test for near repeats (近重复): are events that are close in space also
//! close in time more often than chance would have it?
//!
//! Definitions follow pointpats (`pointpats.spacetime`, 2.5) so that counts are
//! identical on the same planar input:
//! - a pair is *close in space* when `dx² + dy² ≤ distance²` and *close in time* when
//!   `dt² ≤ time²` — both limits inclusive, compared squared as scipy's KDTree does;
//! - `ns` is the number of unordered pairs close in space (whether or not also close
//!   in time), `nt` those close in time, `nst` those close in both, `pairs = n(n−1)/2`;
//!   the 2×2 table is `[[nst, ns − nst], [nt − nst, pairs − ns − nt + nst]]`;
//! - `expected_nst = ns · nt / pairs`; `p_poisson = 1 − F(nst)` for `F` the Poisson
//!   distribution function with mean `expected_nst`, i.e. `P(X > nst)` (pointpats
//!   writes `1 - poisson.cdf(NST, ENST)`; a mean of 0 gives 0, as scipy does);
//! - `p_sim = (exceedances + 1) / (permutations + 1)` where an exceedance is a random
//!   permutation of the times over the events whose `nst` is ≥ the observed one.
//!
//! Submodules: [`bands`] for the Near Repeat Calculator's distance × time table and
//! [`local`] for the per-event version.

mod bands;
mod local;
mod space;
mod sweep;
mod times;

use rayon::prelude::*;
use serde::Serialize;
use statrs::function::gamma::gamma_lr;

pub use bands::{BandTable, KnoxBands, knox_bands};
pub use local::{KnoxLocal, knox_local};

use crate::error::{AnalyticsError, check_finite, check_non_negative, check_same_len};
use crate::rng;
use space::SpaceIndex;
use sweep::{Scratch, Sweep};
use times::TimeOrder;

/// Limits and inference settings of a Knox test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct KnoxParams {
    /// Pairs at most this far apart (inclusive) are close in space, in the
    /// coordinates' unit.
    pub distance: f64,
    /// Pairs at most this far apart in time (inclusive) are close in time, in the
    /// times' unit.
    pub time: f64,
    /// Random permutations of the times for the Monte Carlo p-value; 0 for none.
    pub permutations: usize,
    /// Seed of the permutations.
    pub seed: u64,
}

/// The global Knox test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KnoxResult {
    /// Number of events.
    pub events: usize,
    /// Pairs close in space and in time.
    pub nst: u64,
    /// Pairs close in space (including those also close in time).
    pub ns: u64,
    /// Pairs close in time (including those also close in space).
    pub nt: u64,
    /// All unordered pairs, `n(n − 1)/2`.
    pub pairs: u64,
    /// `ns · nt / pairs`, the expected `nst` without space-time interaction.
    pub expected_nst: f64,
    /// Observed 2×2 table `[[nst, ns − nst], [nt − nst, neither]]`.
    pub observed: [[u64; 2]; 2],
    /// Expected 2×2 table under independence.
    pub expected: [[f64; 2]; 2],
    /// `P(X > nst)` for `X` Poisson with mean `expected_nst`.
    pub p_poisson: f64,
    /// Number of permutations run.
    pub permutations: usize,
    /// Monte Carlo p-value, when permutations were run.
    pub p_sim: Option<f64>,
    /// Permutations whose `nst` was ≥ the observed one.
    pub exceedances: Option<usize>,
    /// Mean `nst` over the permutations.
    pub permuted_mean: Option<f64>,
}

/// Runs the global Knox test on events at `(x, y)` and times `t`.
pub fn knox(
    x: &[f64],
    y: &[f64],
    t: &[f64],
    params: KnoxParams,
) -> Result<KnoxResult, AnalyticsError> {
    check_events(x, y, t)?;
    check_limits(params.distance, params.time)?;
    let n = x.len();
    let index = SpaceIndex::new(x, y, params.distance);
    let order = TimeOrder::new(t);
    let ns = count_space_pairs(&index);
    let nt = order.close_pairs(params.time);
    let sweep = Sweep::new(&index, &order.sorted, params.time);
    let mut scratch = Scratch::default();
    sweep.observed(&position_of_rank(&index, &order), &mut scratch);
    let nst = sweep.count_close(&mut scratch);
    let permuted = permutations(&sweep, params.permutations, params.seed, |scratch| {
        sweep.count_close(scratch)
    });
    Ok(summarise(n, nst, ns, nt, &permuted))
}

/// Builds the result from the counts (shared with the local version).
pub(crate) fn summarise(n: usize, nst: u64, ns: u64, nt: u64, permuted: &[u64]) -> KnoxResult {
    let pairs = (n as u64) * (n as u64).saturating_sub(1) / 2;
    // In pointpats' order of operations: NS * NT / pairs, all floating point.
    let expected_nst = if pairs == 0 {
        0.0
    } else {
        ns as f64 * nt as f64 / pairs as f64
    };
    let expected_space_only = ns as f64 - expected_nst;
    let expected_time_only = nt as f64 - expected_nst;
    let expected = [
        [expected_nst, expected_space_only],
        [
            expected_time_only,
            pairs as f64 - (expected_nst + expected_space_only + expected_time_only),
        ],
    ];
    // Added before subtracting: with every pair close in time, ns + nt exceeds pairs.
    let observed = [[nst, ns - nst], [nt - nst, pairs + nst - ns - nt]];
    let permutations = permuted.len();
    let exceedances = (permutations > 0).then(|| permuted.iter().filter(|&&c| c >= nst).count());
    KnoxResult {
        events: n,
        nst,
        ns,
        nt,
        pairs,
        expected_nst,
        observed,
        expected,
        p_poisson: poisson_above(nst, expected_nst),
        permutations,
        p_sim: exceedances.map(|e| (e as f64 + 1.0) / (permutations as f64 + 1.0)),
        exceedances,
        permuted_mean: (permutations > 0)
            .then(|| permuted.iter().map(|&c| c as f64).sum::<f64>() / permutations as f64),
    }
}

/// `P(X > k)` for `X` Poisson with mean `mean`: the regularised lower incomplete
/// gamma function `P(k + 1, mean)`, which is `1 − F(k)` without the cancellation.
pub(crate) fn poisson_above(k: u64, mean: f64) -> f64 {
    if mean <= 0.0 {
        return 0.0;
    }
    gamma_lr(k as f64 + 1.0, mean)
}

/// Checks the event columns.
pub(crate) fn check_events(x: &[f64], y: &[f64], t: &[f64]) -> Result<(), AnalyticsError> {
    check_same_len(&[("x", x.len()), ("y", y.len()), ("t", t.len())])?;
    check_finite("x", x)?;
    check_finite("y", y)?;
    check_finite("t", t)?;
    // Positions are u32 and time ranks i32 in the permutation sweep.
    if x.len() > i32::MAX as usize {
        return Err(AnalyticsError::InvalidParameter {
            name: "events",
            reason: format!("at most {} events, got {}", i32::MAX, x.len()),
        });
    }
    Ok(())
}

/// Checks a distance and a time limit.
pub(crate) fn check_limits(distance: f64, time: f64) -> Result<(), AnalyticsError> {
    check_non_negative("distance", distance)?;
    check_non_negative("time", time)
}

/// Pairs close in space, counted in parallel over cells.
fn count_space_pairs(index: &SpaceIndex) -> u64 {
    cell_chunks(index)
        .into_par_iter()
        .map(|cells| index.count_close_pairs(cells))
        .sum()
}

/// Ranges of cells of roughly equal numbers of events, for parallel loops.
pub(crate) fn cell_chunks(index: &SpaceIndex) -> Vec<std::ops::Range<usize>> {
    let target = (index.len() / 256).max(1024);
    let mut chunks = Vec::new();
    let mut start = 0;
    for c in 0..index.cells() {
        if index.cell_start[c + 1] as usize - index.cell_start[start] as usize >= target {
            chunks.push(start..c + 1);
            start = c + 1;
        }
    }
    if start < index.cells() {
        chunks.push(start..index.cells());
    }
    chunks
}

/// The position of the event of each time rank.
pub(crate) fn position_of_rank(index: &SpaceIndex, order: &TimeOrder) -> Vec<u32> {
    let mut position_of_event = vec![0u32; index.len()];
    for (p, &e) in index.event.iter().enumerate() {
        position_of_event[e as usize] = p as u32;
    }
    order
        .event
        .iter()
        .map(|&e| position_of_event[e as usize])
        .collect()
}

/// `measure` of each of `permutations` random permutations of the times (the
/// carriers in a scratch), permutation `k` drawn from stream `k` of the seed; in
/// parallel over permutations, results in permutation order.
pub(crate) fn permutations<T: Send>(
    sweep: &Sweep<'_>,
    permutations: usize,
    seed: u64,
    measure: impl Fn(&mut Scratch) -> T + Sync,
) -> Vec<T> {
    // A few chunks per thread: enough to balance the load, few enough that the
    // scratch buffers (tens of MiB for a million events) are allocated rarely.
    let chunk = permutations
        .div_ceil(4 * rayon::current_num_threads())
        .max(1);
    (0..permutations.div_ceil(chunk))
        .into_par_iter()
        .flat_map_iter(|c| {
            let mut scratch = Scratch::default();
            (c * chunk..((c + 1) * chunk).min(permutations))
                .map(|k| {
                    sweep.shuffled(&mut rng::stream(seed, k as u64), &mut scratch);
                    measure(&mut scratch)
                })
                .collect::<Vec<_>>()
        })
        .collect()
}
