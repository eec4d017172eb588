//! Counting pairs close in space and time under a permutation of the times, without a
//! list of pairs.
//!
//! Locations never move; a permutation only changes which time each location carries.
//! A permutation is drawn as a shuffled copy of the locations ("carriers", one per
//! time rank), and the times are then dealt to the grid cells in ascending order (one
//! sequential pass, a counting sort), which leaves every cell's slots sorted by time,
//! with the coordinates and the time window of each slot copied alongside. For each
//! cell and each cell it pairs with, two pointers that only move forward delimit the
//! slots within the time limit, compared as integer ranks, and the distance test runs
//! over that window's contiguous coordinates, a loop the compiler vectorises. The work
//! per permutation is a few passes over the events plus the pairs close in time in
//! neighbouring cells — a small fraction of the pairs close in space — and the memory
//! a few arrays of the events' length.

use std::ops::Range;

use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::space::{SpaceIndex, count_within};
use super::times::close_in_time;

/// Where a pair close in space and time falls: a flat bin index, or none.
pub(crate) trait PairBins: Sync {
    /// Number of bins.
    fn len(&self) -> usize;
    /// Bin of a pair at squared distance `d2` (within the reach) and time difference
    /// `dt` (either sign, within the sweep's time limit); `None` when not counted.
    fn bin(&self, d2: f64, dt: f64) -> Option<usize>;
}

/// A location as the sweep carries it: coordinates and grid cell, in one cache line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Site {
    x: f64,
    y: f64,
    cell: u32,
}

/// Buffers reused from one permutation to the next: the carriers, and per slot (cells
/// contiguous, each sorted by time) the rank and coordinates of the time it holds and
/// the rank window of times close to it.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    carrier: Vec<Site>,
    cursor: Vec<u32>,
    rank: Vec<u32>,
    lo: Vec<u32>,
    hi: Vec<u32>,
    x: Vec<f64>,
    y: Vec<f64>,
}

/// The sweep over one index with one time limit.
#[derive(Debug)]
pub(crate) struct Sweep<'a> {
    index: &'a SpaceIndex,
    /// Times in ascending order (rank order).
    sorted_times: &'a [f64],
    /// Sites by position.
    sites: Vec<Site>,
    /// For each rank, the first and last rank whose times are within the limit.
    window_lo: Vec<u32>,
    window_hi: Vec<u32>,
}

impl<'a> Sweep<'a> {
    /// Prepares the sweep of `index` for times `sorted_times` (ascending) and a time
    /// limit (inclusive).
    pub(crate) fn new(index: &'a SpaceIndex, sorted_times: &'a [f64], time_limit: f64) -> Self {
        let limit2 = time_limit * time_limit;
        let n = sorted_times.len();
        let (mut window_lo, mut window_hi) = (Vec::with_capacity(n), Vec::with_capacity(n));
        let (mut lo, mut hi) = (0usize, 0usize);
        for (r, &tr) in sorted_times.iter().enumerate() {
            while !close_in_time(sorted_times[lo], tr, limit2) {
                lo += 1;
            }
            hi = hi.max(r);
            while hi + 1 < n && close_in_time(tr, sorted_times[hi + 1], limit2) {
                hi += 1;
            }
            window_lo.push(lo as u32);
            window_hi.push(hi as u32);
        }
        let sites = (0..index.len())
            .map(|p| Site {
                x: index.x[p],
                y: index.y[p],
                cell: index.cell_of[p],
            })
            .collect();
        Self {
            index,
            sorted_times,
            sites,
            window_lo,
            window_hi,
        }
    }

    /// The carriers when every event keeps its own time: position of each time rank.
    pub(crate) fn observed(&self, position_of_rank: &[u32], scratch: &mut Scratch) {
        scratch.carrier.clear();
        scratch
            .carrier
            .extend(position_of_rank.iter().map(|&p| self.sites[p as usize]));
    }

    /// Random carriers: the locations shuffled.
    pub(crate) fn shuffled(&self, rng: &mut ChaCha8Rng, scratch: &mut Scratch) {
        scratch.carrier.clear();
        scratch.carrier.extend_from_slice(&self.sites);
        scratch.carrier.shuffle(rng);
    }

    /// Pairs close in space and time for the carriers in the scratch.
    pub(crate) fn count_close(&self, scratch: &mut Scratch) -> u64 {
        self.deal(scratch);
        let reach2 = self.index.reach2;
        let (x, y) = (&scratch.x, &scratch.y);
        let mut count = 0u64;
        self.for_each_window(scratch, |a, window| {
            count += count_within(x[a], y[a], &x[window.clone()], &y[window], reach2);
        });
        count
    }

    /// Adds to `counts` (one per bin) the pairs close in space and time, binned, for
    /// the carriers in the scratch.
    pub(crate) fn count_bins<B: PairBins>(
        &self,
        bins: &B,
        scratch: &mut Scratch,
        counts: &mut [u64],
    ) {
        self.deal(scratch);
        let reach2 = self.index.reach2;
        let (rank, x, y) = (&scratch.rank, &scratch.x, &scratch.y);
        let times = self.sorted_times;
        self.for_each_window(scratch, |a, window| {
            for b in window {
                let dx = x[a] - x[b];
                let dy = y[a] - y[b];
                let d2 = dx * dx + dy * dy;
                if d2 <= reach2
                    && let Some(bin) =
                        bins.bin(d2, times[rank[b] as usize] - times[rank[a] as usize])
                {
                    counts[bin] += 1;
                }
            }
        });
    }

    /// Deals the times to the cells in ascending order.
    fn deal(&self, scratch: &mut Scratch) {
        let index = self.index;
        let n = index.len();
        scratch.cursor.clear();
        scratch
            .cursor
            .extend_from_slice(&index.cell_start[..index.cells()]);
        scratch.rank.resize(n, 0);
        scratch.lo.resize(n, 0);
        scratch.hi.resize(n, 0);
        scratch.x.resize(n, 0.0);
        scratch.y.resize(n, 0.0);
        for (r, site) in scratch.carrier.iter().enumerate() {
            let cell = site.cell as usize;
            let slot = scratch.cursor[cell] as usize;
            scratch.cursor[cell] += 1;
            scratch.rank[slot] = r as u32;
            scratch.lo[slot] = self.window_lo[r];
            scratch.hi[slot] = self.window_hi[r];
            scratch.x[slot] = site.x;
            scratch.y[slot] = site.y;
        }
    }

    /// Calls `f(a, window)` for every slot `a` and every window of slots, in `a`'s cell
    /// or a cell it pairs with, whose times are within the limit of `a`'s; each pair of
    /// slots falls in exactly one window.
    fn for_each_window(&self, scratch: &Scratch, mut f: impl FnMut(usize, Range<usize>)) {
        let index = self.index;
        let (rank, lo_of, hi_of) = (&scratch.rank, &scratch.lo, &scratch.hi);
        for c in 0..index.cells() {
            let own = index.positions(c);
            for (k, &other) in index.forward(c).iter().enumerate() {
                if k == 0 {
                    // Within the cell: the later slots while they are close in time.
                    let mut hi = own.start;
                    for a in own.clone() {
                        hi = hi.max(a + 1);
                        while hi < own.end && rank[hi] <= hi_of[a] {
                            hi += 1;
                        }
                        f(a, a + 1..hi);
                    }
                } else {
                    // Across two cells: both ends of the window only move on.
                    let theirs = index.positions(other as usize);
                    let (mut lo, mut hi) = (theirs.start, theirs.start);
                    for a in own.clone() {
                        while lo < theirs.end && rank[lo] < lo_of[a] {
                            lo += 1;
                        }
                        hi = hi.max(lo);
                        while hi < theirs.end && rank[hi] <= hi_of[a] {
                            hi += 1;
                        }
                        f(a, lo..hi);
                    }
                }
            }
        }
    }
}
