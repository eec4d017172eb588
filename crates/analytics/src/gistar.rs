//! Getis–Ord Gi* hotspots (热点) on a square grid.
//!
//! Weights are binary queen contiguity on the grid with the cell itself included
//! (weight 1 on the diagonal): the 3×3 block around a cell, cut at the grid's edges.
//! The statistic, its moments and the z-score follow esda's `G_Local(y, w,
//! transform="B", star=True)` term by term (esda 2.9, `getisord.py`, `calc`), so the
//! z-scores agree to rounding:
//!
//! ```text
//! N      = number of cells (star: the cell itself is not removed)
//! G_i    = Σ_{j ∈ block(i)} y_j / Σ_j y_j
//! E[G_i] = c_i / N,  c_i = |block(i)| (self included)
//! ȳ      = Σ y / N,  s² = Σ y² / N − ȳ²
//! V[G_i] = c_i (N − c_i) / (N − 1) · 1/N² · s² / ȳ²
//! z_i    = (G_i − E[G_i]) / √V[G_i]
//! ```
//!
//! `p_norm` is esda's: the one-sided normal tail beyond |z| (`norm.sf(|z|)`); double it
//! for a two-sided test.
//!
//! Permutation inference is esda's conditional randomisation (`crand`): for each
//! permutation a set of `max_card` distinct indices is drawn from the `N − 1` other
//! cells and shared by all cells; cell `i` keeps its own value and takes the values
//! of the first `c_i − 1` drawn cells in place of its neighbours. The pseudo p-value
//! is esda's default ("directed", one-sided): `larger` = permutations whose statistic
//! is ≥ the observed one, folded to `min(larger, P − larger)`, then
//! `(larger + 1) / (P + 1)`. The random numbers differ from numpy's, so p-values
//! agree with esda's in distribution, not bit for bit.

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{AnalyticsError, check_finite};
use crate::grid::SquareGrid;
use crate::rng;

/// Options of the Gi* computation.
#[derive(Debug, Clone, Copy, Default)]
pub struct GiStarOptions {
    /// Conditional permutations for pseudo p-values; 0 for none.
    pub permutations: usize,
    /// Seed of the permutations.
    pub seed: u64,
}

/// Gi* per cell, in cell order (`iy × columns + ix`).
#[derive(Debug, Clone, Serialize)]
pub struct GiStar {
    /// Number of columns of the grid.
    pub columns: usize,
    /// Number of rows of the grid.
    pub rows: usize,
    /// The value of each cell (the count of points for a point grid).
    pub values: Vec<f64>,
    /// G*_i: the block sum over the total.
    pub g: Vec<f64>,
    /// E[G*_i] under the null.
    pub expected: Vec<f64>,
    /// V[G*_i] under the null.
    pub variance: Vec<f64>,
    /// z-scores; NaN, as in esda, where there is no variance: every cell has the same
    /// value, or the cell's block is the whole grid.
    pub z: Vec<f64>,
    /// One-sided normal p-values, `P(Z > |z|)` as esda's `p_norm`.
    pub p_norm: Vec<f64>,
    /// Pseudo p-values from conditional permutations, when asked for.
    pub p_sim: Option<Vec<f64>>,
}

/// Gi* of values laid out on a `columns × rows` grid in cell order.
pub fn gi_star(
    values: &[f64],
    columns: usize,
    rows: usize,
    options: GiStarOptions,
) -> Result<GiStar, AnalyticsError> {
    check_finite("value", values)?;
    let n = columns.saturating_mul(rows);
    if values.len() != n {
        return Err(AnalyticsError::LengthMismatch {
            what: format!("{} values for a {columns} × {rows} grid", values.len()),
        });
    }
    if n < 2 {
        return Err(AnalyticsError::NotEnoughData(
            "Gi* needs at least two cells".to_owned(),
        ));
    }
    let total: f64 = values.iter().sum();
    if total <= 0.0 {
        return Err(AnalyticsError::NotEnoughData(
            "Gi* needs a positive total (no points on the grid?)".to_owned(),
        ));
    }
    let blocks = Blocks { columns, rows };
    let block_sums: Vec<f64> = (0..n)
        .into_par_iter()
        .map(|i| blocks.sum(i, values))
        .collect();

    // The moments, in esda's order of operations.
    let n_f = n as f64;
    let mean = total / n_f;
    let mean_of_squares = values.iter().map(|v| v * v).sum::<f64>() / n_f;
    let empirical_variance = mean_of_squares - mean * mean;
    let ratio = empirical_variance / (mean * mean);
    let mut g = Vec::with_capacity(n);
    let mut expected = Vec::with_capacity(n);
    let mut variance = Vec::with_capacity(n);
    let mut z = Vec::with_capacity(n);
    let mut p_norm = Vec::with_capacity(n);
    for (i, &sum) in block_sums.iter().enumerate() {
        let cardinality = blocks.cardinality(i) as f64;
        let g_i = sum / total;
        let e_i = cardinality / n_f;
        let mut v_i = cardinality * (n_f - cardinality);
        v_i /= n_f - 1.0;
        v_i *= 1.0 / (n_f * n_f);
        v_i *= ratio;
        let z_i = (g_i - e_i) / v_i.sqrt();
        g.push(g_i);
        expected.push(e_i);
        variance.push(v_i);
        z.push(z_i);
        p_norm.push(normal_upper_tail(z_i.abs()));
    }
    let p_sim = (options.permutations > 0)
        .then(|| conditional_p_values(values, &block_sums, blocks, options));
    Ok(GiStar {
        columns,
        rows,
        values: values.to_vec(),
        g,
        expected,
        variance,
        z,
        p_norm,
        p_sim,
    })
}

/// Gi* of point counts on a grid; also returns how many points fell outside it.
pub fn gi_star_points(
    x: &[f64],
    y: &[f64],
    grid: &SquareGrid,
    options: GiStarOptions,
) -> Result<(GiStar, usize), AnalyticsError> {
    let (counts, outside) = grid.counts(x, y)?;
    let values: Vec<f64> = counts.iter().map(|&c| f64::from(c)).collect();
    Ok((gi_star(&values, grid.columns, grid.rows, options)?, outside))
}

/// `P(Z > z)` for a standard normal `Z` (scipy's `norm.sf`).
pub(crate) fn normal_upper_tail(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    0.5 * libm::erfc(z / std::f64::consts::SQRT_2)
}

/// The queen blocks of a grid: a cell and its up to eight neighbours.
#[derive(Debug, Clone, Copy)]
struct Blocks {
    columns: usize,
    rows: usize,
}

impl Blocks {
    fn ranges(
        self,
        i: usize,
    ) -> (
        std::ops::RangeInclusive<usize>,
        std::ops::RangeInclusive<usize>,
    ) {
        let (ix, iy) = (i % self.columns, i / self.columns);
        (
            ix.saturating_sub(1)..=(ix + 1).min(self.columns - 1),
            iy.saturating_sub(1)..=(iy + 1).min(self.rows - 1),
        )
    }

    fn cardinality(self, i: usize) -> usize {
        let (xs, ys) = self.ranges(i);
        xs.count() * ys.count()
    }

    fn sum(self, i: usize, values: &[f64]) -> f64 {
        let (xs, ys) = self.ranges(i);
        let mut sum = 0.0;
        for iy in ys {
            for ix in xs.clone() {
                sum += values[iy * self.columns + ix];
            }
        }
        sum
    }
}

/// esda's conditional randomisation of Gi* (see the module documentation).
fn conditional_p_values(
    values: &[f64],
    block_sums: &[f64],
    blocks: Blocks,
    options: GiStarOptions,
) -> Vec<f64> {
    let n = values.len();
    let permutations = options.permutations;
    // The largest number of neighbours other than the cell itself; at most 8.
    let max_others = (0..n).map(|i| blocks.cardinality(i) - 1).max().unwrap_or(0);
    let draws = max_others.min(n - 1);
    // One row of distinct indices into "the other N − 1 cells" per permutation, shared
    // by every cell as in esda; each row comes from its own stream.
    let table: Vec<u32> = (0..permutations)
        .into_par_iter()
        .flat_map_iter(|p| {
            let mut rng = rng::stream(options.seed, p as u64);
            rand::seq::index::sample(&mut rng, n - 1, draws)
                .into_iter()
                .map(|k| k as u32)
                .collect::<Vec<_>>()
        })
        .collect();
    let permutations_f = permutations as f64;
    (0..n)
        .into_par_iter()
        .with_min_len(256)
        .map(|i| {
            let others = blocks.cardinality(i) - 1;
            let own = values[i];
            let observed = block_sums[i];
            let mut larger = 0usize;
            for row in table.chunks_exact(draws) {
                let mut sum = own;
                for &k in &row[..others] {
                    // Index k counts the cells other than i: skip over i itself.
                    let k = k as usize;
                    sum += values[if k < i { k } else { k + 1 }];
                }
                // Comparing block sums is comparing G* values: both share the total.
                larger += usize::from(sum >= observed);
            }
            let folded = larger.min(permutations - larger);
            (folded as f64 + 1.0) / (permutations_f + 1.0)
        })
        .collect()
}
