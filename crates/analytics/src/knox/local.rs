//! The local Knox statistic: for each event, how many of its neighbours in space are
//! also its neighbours in time (pointpats' `KnoxLocal`, field by field).
//!
//! - `nst[i]` counts the events close to `i` in space and time, `ns[i]` those close in
//!   space, `nt[i]` those close in time (the event itself never counts).
//! - `p_hypergeom[i]` is pointpats' analytical p-value, reproduced as written there:
//!   `1 − mean_j H(nst[i] − 1; n − 1, nt[j], ns[i])`, the mean over *every* event `j`
//!   of a hypergeometric distribution function with `nt[j]` successes among `n − 1`
//!   and `ns[i]` draws.
//! - `p_sim[i]` is the conditional permutation p-value: event `i` keeps its time while
//!   the other times are permuted, and `(count of permutations with a statistic ≥
//!   nst[i], + 1) / (permutations + 1)`. Under that permutation the labels landing on
//!   `i`'s `ns[i]` spatial neighbours are a uniform draw without replacement from the
//!   `n − 1` other times, `nt[i]` of which are close to `i`'s: the statistic is exactly
//!   Hypergeometric(`n − 1`, `nt[i]`, `ns[i]`). We draw it from that distribution
//!   directly — the same procedure as pointpats' (which permutes label arrays), at a
//!   fraction of the cost; the random numbers differ, so p-values agree in
//!   distribution, not bit for bit.

use std::collections::HashMap;

use rand_distr::{Distribution, Hypergeometric};
use rayon::prelude::*;
use serde::Serialize;
use statrs::function::factorial::ln_factorial;

use super::space::SpaceIndex;
use super::times::{TimeOrder, close_in_time};
use super::{KnoxParams, cell_chunks, check_events, check_limits};
use crate::error::AnalyticsError;
use crate::rng;

/// The local Knox statistic, one entry per event in input order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KnoxLocal {
    /// Events close to each event in space and time (pointpats' `nsti`).
    pub nst: Vec<u32>,
    /// Events close to each event in space.
    pub ns: Vec<u32>,
    /// Events close to each event in time.
    pub nt: Vec<u32>,
    /// pointpats' analytical p-value (see the module documentation).
    pub p_hypergeom: Vec<f64>,
    /// Conditional permutation p-values, when permutations were run.
    pub p_sim: Option<Vec<f64>>,
    /// Number of permutations run.
    pub permutations: usize,
}

/// Stream labels of the local permutations start here, away from the global ones.
const LOCAL_STREAMS: u64 = 1 << 40;
/// Events per random stream: fixed, so results do not depend on the thread count.
const EVENTS_PER_STREAM: usize = 1024;

/// Runs the local Knox test.
pub fn knox_local(
    x: &[f64],
    y: &[f64],
    t: &[f64],
    params: KnoxParams,
) -> Result<KnoxLocal, AnalyticsError> {
    check_events(x, y, t)?;
    check_limits(params.distance, params.time)?;
    let n = x.len();
    let index = SpaceIndex::new(x, y, params.distance);
    let order = TimeOrder::new(t);
    let nt = order.close_counts(params.time);
    let (ns, nst) = space_counts(&index, t, params.time);
    let p_hypergeom = hypergeometric_p_values(&ns, &nt, &nst);
    let p_sim = (params.permutations > 0).then(|| conditional_p_values(&ns, &nt, &nst, params));
    debug_assert_eq!(ns.len(), n);
    Ok(KnoxLocal {
        nst,
        ns,
        nt,
        p_hypergeom,
        p_sim,
        permutations: params.permutations,
    })
}

/// Per event: neighbours in space, and those of them also close in time.
fn space_counts(index: &SpaceIndex, t: &[f64], time: f64) -> (Vec<u32>, Vec<u32>) {
    let n = index.len();
    let limit2 = time * time;
    let (ns_by_position, nst_by_position) = cell_chunks(index)
        .into_par_iter()
        .fold(
            || (vec![0u32; n], vec![0u32; n]),
            |(mut ns, mut nst), cells| {
                index.for_each_close_pair(cells, |a, b, _| {
                    ns[a] += 1;
                    ns[b] += 1;
                    let ta = t[index.event[a] as usize];
                    let tb = t[index.event[b] as usize];
                    if close_in_time(ta, tb, limit2) {
                        nst[a] += 1;
                        nst[b] += 1;
                    }
                });
                (ns, nst)
            },
        )
        .reduce(
            || (vec![0u32; n], vec![0u32; n]),
            |(mut ns, mut nst), (ns2, nst2)| {
                ns.iter_mut().zip(ns2).for_each(|(a, b)| *a += b);
                nst.iter_mut().zip(nst2).for_each(|(a, b)| *a += b);
                (ns, nst)
            },
        );
    let mut ns = vec![0u32; n];
    let mut nst = vec![0u32; n];
    for (p, &e) in index.event.iter().enumerate() {
        ns[e as usize] = ns_by_position[p];
        nst[e as usize] = nst_by_position[p];
    }
    (ns, nst)
}

/// pointpats' `p_hypergeom`. Events with the same number of spatial neighbours share
/// their hypergeometric distributions, and equal `nt` values share a term of the mean,
/// so the work is (distinct `ns`) × (distinct `nt`) × (largest `nst` for that `ns`)
/// rather than n² distribution functions.
fn hypergeometric_p_values(ns: &[u32], nt: &[u32], nst: &[u32]) -> Vec<f64> {
    let n = ns.len();
    if n < 2 {
        return vec![1.0; n];
    }
    let population = (n - 1) as u64;
    let mut multiplicity: HashMap<u32, u64> = HashMap::new();
    for &k in nt {
        *multiplicity.entry(k).or_default() += 1;
    }
    let successes: Vec<(u64, f64)> = multiplicity
        .into_iter()
        .map(|(k, m)| (u64::from(k), m as f64))
        .collect();
    // For each number of draws (ns), the largest count (nst) asked about.
    let mut largest: HashMap<u32, u32> = HashMap::new();
    for (&draws, &k) in ns.iter().zip(nst) {
        let entry = largest.entry(draws).or_default();
        *entry = (*entry).max(k);
    }
    let largest: Vec<(u32, u32)> = largest.into_iter().filter(|&(_, k)| k > 0).collect();
    let ln_fact = LnFactorials::new(population);
    // For each draws value: below[k] = Σ_j P(X < k | nt[j]) for k = 0..=largest.
    let below: HashMap<u32, Vec<f64>> = largest
        .par_iter()
        .map(|&(draws, top)| {
            let mut below = vec![0.0; top as usize + 1];
            let mut pmf = Vec::with_capacity(top as usize);
            for &(success, weight) in &successes {
                ln_fact.hypergeometric_pmf_below(
                    u64::from(top),
                    population,
                    success,
                    u64::from(draws),
                    &mut pmf,
                );
                let mut cumulative = 0.0;
                for (k, &p) in pmf.iter().enumerate() {
                    cumulative += p;
                    below[k + 1] += weight * cumulative.min(1.0);
                }
            }
            (draws, below)
        })
        .collect();
    ns.iter()
        .zip(nst)
        .map(|(&draws, &k)| {
            if k == 0 {
                1.0
            } else {
                1.0 - below[&draws][k as usize] / n as f64
            }
        })
        .collect()
}

/// `ln k!` for `k ≤ max`, tabulated.
struct LnFactorials(Vec<f64>);

impl LnFactorials {
    fn new(max: u64) -> Self {
        Self((0..=max).map(ln_factorial).collect())
    }

    fn ln_choose(&self, n: u64, k: u64) -> f64 {
        self.0[n as usize] - self.0[k as usize] - self.0[(n - k) as usize]
    }

    /// Fills `out[x]` with `P(X = x)` for `x < top`, `X` hypergeometric: `draws` from
    /// `population` with `successes`. Computed outwards from the term nearest the mode
    /// by the ratio of consecutive terms, so that the only terms too small to represent
    /// are negligible ones.
    fn hypergeometric_pmf_below(
        &self,
        top: u64,
        population: u64,
        successes: u64,
        draws: u64,
        out: &mut Vec<f64>,
    ) {
        out.clear();
        out.resize(top as usize, 0.0);
        let low = (draws + successes).saturating_sub(population);
        let high = draws.min(successes);
        if top <= low {
            return;
        }
        let last = (top - 1).min(high);
        let mode = ((draws + 1) * (successes + 1) / (population + 2)).clamp(low, high);
        let start = last.min(mode);
        // p(x + 1) / p(x) = (K − x)(N − x) / ((x + 1)(M − K − N + x + 1)).
        let ratio = |x: u64| {
            ((successes - x) as f64 * (draws - x) as f64)
                / ((x + 1) as f64 * (population + x + 1 - successes - draws) as f64)
        };
        let first = (self.ln_choose(successes, start)
            + self.ln_choose(population - successes, draws - start)
            - self.ln_choose(population, draws))
        .exp();
        out[start as usize] = first;
        let (mut term, mut x) = (first, start);
        while x > low && term > 0.0 {
            term /= ratio(x - 1);
            x -= 1;
            out[x as usize] = term;
        }
        let (mut term, mut x) = (first, start);
        while x < last {
            term *= ratio(x);
            x += 1;
            out[x as usize] = term;
        }
    }
}

/// Conditional permutation p-values, drawn from each event's exact null distribution.
fn conditional_p_values(ns: &[u32], nt: &[u32], nst: &[u32], params: KnoxParams) -> Vec<f64> {
    let n = ns.len();
    let population = n.saturating_sub(1) as u64;
    let denominator = params.permutations as f64 + 1.0;
    (0..n.div_ceil(EVENTS_PER_STREAM))
        .into_par_iter()
        .flat_map_iter(|chunk| {
            let mut rng = rng::stream(params.seed, LOCAL_STREAMS + chunk as u64);
            let events = chunk * EVENTS_PER_STREAM..((chunk + 1) * EVENTS_PER_STREAM).min(n);
            events
                .map(|i| {
                    let observed = u64::from(nst[i]);
                    if observed == 0 {
                        // Every permutation reaches 0: the p-value is 1.
                        return 1.0;
                    }
                    let larger =
                        match Hypergeometric::new(population, u64::from(nt[i]), u64::from(ns[i])) {
                            Ok(null) => (0..params.permutations)
                                .filter(|_| null.sample(&mut rng) >= observed)
                                .count(),
                            Err(_) => 0,
                        };
                    (larger as f64 + 1.0) / denominator
                })
                .collect::<Vec<_>>()
        })
        .collect()
}
