//! Finding the pairs of events close in space, once.
//!
//! Events are bucketed in a uniform grid whose cells are a hair wider than the reach,
//! so every close pair lies in the same cell or in two adjacent ones. Events are
//! reordered so that each occupied cell's events are contiguous ("positions"); the
//! rest of the Knox code works on positions, which keeps the neighbours of an event
//! close to it in memory.

use std::collections::HashMap;
use std::ops::Range;

/// Events bucketed by cell.
#[derive(Debug)]
pub(crate) struct SpaceIndex {
    /// Original event index of each position.
    pub(crate) event: Vec<u32>,
    /// x by position.
    pub(crate) x: Vec<f64>,
    /// y by position.
    pub(crate) y: Vec<f64>,
    /// Occupied cell of each position.
    pub(crate) cell_of: Vec<u32>,
    /// Positions of cell `c` are `cell_start[c]..cell_start[c + 1]`.
    pub(crate) cell_start: Vec<u32>,
    /// Cells to pair cell `c` with: itself first, then its occupied neighbours east,
    /// north-west, north and north-east (each adjacent pair of cells once).
    pub(crate) forward: Vec<u32>,
    /// `forward` entries of cell `c` are `forward_start[c]..forward_start[c + 1]`.
    pub(crate) forward_start: Vec<u32>,
    /// The reach, squared: two events are close when `dx² + dy² ≤ reach²`.
    pub(crate) reach2: f64,
    /// Side of a cell (a hair more than the reach).
    pub(crate) cell_size: f64,
    /// South-west corner of each occupied cell.
    pub(crate) cell_origin: Vec<[f64; 2]>,
}

impl SpaceIndex {
    /// Buckets the events (coordinates already checked finite, at most `u32::MAX`).
    pub(crate) fn new(x: &[f64], y: &[f64], reach: f64) -> Self {
        let n = x.len();
        let (min_x, max_x) = bounds(x);
        let (min_y, max_y) = bounds(y);
        let span = (max_x - min_x).max(max_y - min_y);
        // Slightly wider than the reach so that rounding in the division can never put
        // two close events two cells apart; never so narrow that indices overflow.
        let cell = (reach * (1.0 + 1e-9))
            .max(span * 1e-12)
            .max(f64::MIN_POSITIVE);
        let keys: Vec<(i64, i64)> = x
            .iter()
            .zip(y)
            .map(|(&px, &py)| {
                (
                    ((py - min_y) / cell).floor() as i64,
                    ((px - min_x) / cell).floor() as i64,
                )
            })
            .collect();
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_unstable_by_key(|&i| (keys[i as usize], i));

        let mut cell_start = Vec::new();
        let mut cell_keys = Vec::new();
        let mut cell_of = Vec::with_capacity(n);
        for (position, &i) in order.iter().enumerate() {
            let key = keys[i as usize];
            if cell_keys.last() != Some(&key) {
                cell_keys.push(key);
                cell_start.push(position as u32);
            }
            cell_of.push((cell_keys.len() - 1) as u32);
        }
        cell_start.push(n as u32);

        let lookup: HashMap<(i64, i64), u32> = cell_keys
            .iter()
            .enumerate()
            .map(|(c, &key)| (key, c as u32))
            .collect();
        let mut forward = Vec::with_capacity(cell_keys.len() * 3);
        let mut forward_start = Vec::with_capacity(cell_keys.len() + 1);
        for (c, &(cy, cx)) in cell_keys.iter().enumerate() {
            forward_start.push(forward.len() as u32);
            forward.push(c as u32);
            for key in [
                (cy, cx + 1),
                (cy + 1, cx - 1),
                (cy + 1, cx),
                (cy + 1, cx + 1),
            ] {
                if let Some(&other) = lookup.get(&key) {
                    forward.push(other);
                }
            }
        }
        forward_start.push(forward.len() as u32);

        let cell_origin = cell_keys
            .iter()
            .map(|&(cy, cx)| [min_x + cx as f64 * cell, min_y + cy as f64 * cell])
            .collect();
        let (x, y) = order
            .iter()
            .map(|&i| (x[i as usize], y[i as usize]))
            .unzip();
        Self {
            event: order,
            x,
            y,
            cell_of,
            cell_start,
            forward,
            forward_start,
            reach2: reach * reach,
            cell_size: cell,
            cell_origin,
        }
    }

    /// Number of events.
    pub(crate) fn len(&self) -> usize {
        self.event.len()
    }

    /// Number of occupied cells.
    pub(crate) fn cells(&self) -> usize {
        self.cell_start.len() - 1
    }

    /// Positions of a cell.
    pub(crate) fn positions(&self, cell: usize) -> Range<usize> {
        self.cell_start[cell] as usize..self.cell_start[cell + 1] as usize
    }

    /// Cells to pair a cell with (itself first).
    pub(crate) fn forward(&self, cell: usize) -> &[u32] {
        &self.forward[self.forward_start[cell] as usize..self.forward_start[cell + 1] as usize]
    }

    /// Squared distance between two positions.
    #[inline]
    pub(crate) fn distance2(&self, a: usize, b: usize) -> f64 {
        squared_distance([self.x[a], self.y[a]], [self.x[b], self.y[b]])
    }

    /// Number of close pairs owned by the given cells (see `for_each_close_pair`),
    /// counted with the vectorised distance test.
    pub(crate) fn count_close_pairs(&self, cells: Range<usize>) -> u64 {
        let mut count = 0;
        for c in cells {
            let own = self.positions(c);
            for (k, &other) in self.forward(c).iter().enumerate() {
                let theirs = self.positions(other as usize);
                for a in own.clone() {
                    let window = if k == 0 {
                        a + 1..own.end
                    } else {
                        theirs.clone()
                    };
                    count += count_within(
                        self.x[a],
                        self.y[a],
                        &self.x[window.clone()],
                        &self.y[window],
                        self.reach2,
                    );
                }
            }
        }
        count
    }

    /// Calls `f(a, b, d²)` for every pair of positions with `d² ≤ reach²` owned by the
    /// given cells; over all cells, each close pair is seen exactly once.
    pub(crate) fn for_each_close_pair(
        &self,
        cells: Range<usize>,
        mut f: impl FnMut(usize, usize, f64),
    ) {
        for c in cells {
            let own = self.positions(c);
            for (k, &other) in self.forward(c).iter().enumerate() {
                if k == 0 {
                    for a in own.clone() {
                        for b in a + 1..own.end {
                            let d2 = self.distance2(a, b);
                            if d2 <= self.reach2 {
                                f(a, b, d2);
                            }
                        }
                    }
                } else {
                    let theirs = self.positions(other as usize);
                    for a in own.clone() {
                        for b in theirs.clone() {
                            let d2 = self.distance2(a, b);
                            if d2 <= self.reach2 {
                                f(a, b, d2);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `dx² + dy²`, summed in this order like scipy's KDTree (`sqeuclidean`), so that a pair
/// at exactly the limit is classified the same way.
#[inline]
pub(crate) fn squared_distance(a: [f64; 2], b: [f64; 2]) -> f64 {
    let dx = a[0] - b[0];
    let dy = a[1] - b[1];
    dx * dx + dy * dy
}

/// How many of the points `(xs, ys)` are within `sqrt(reach2)` of `(xa, ya)`, by the
/// same test as [`squared_distance`]; written without branches so that it vectorises.
#[inline]
pub(crate) fn count_within(xa: f64, ya: f64, xs: &[f64], ys: &[f64], reach2: f64) -> u64 {
    xs.iter()
        .zip(ys)
        .map(|(&x, &y)| {
            let dx = xa - x;
            let dy = ya - y;
            u64::from(dx * dx + dy * dy <= reach2)
        })
        .sum()
}

fn bounds(values: &[f64]) -> (f64, f64) {
    values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        })
}
