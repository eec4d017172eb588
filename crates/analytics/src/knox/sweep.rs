//! Counting pairs close in space and time under a permutation of the times, without a
//! list of pairs.
//!
//! Locations never move; a permutation only changes which time each location carries.
//! So for each permutation the times are dealt to the grid cells in ascending order
//! (one pass, a counting sort), which leaves every cell's events sorted by time. Then,
//! for each cell and each cell it pairs with, a two-pointer sweep visits only the
//! events whose times are within the time limit, and checks their distance. The work
//! per permutation is one pass over the events plus the pairs that are close in time
//! and in neighbouring cells — a small fraction of the pairs close in space — and the
//! memory is a few arrays of the events' length.

use super::space::SpaceIndex;
use super::times::close_in_time;

/// Where a pair close in space and time falls: a flat bin index, or none.
pub(crate) trait PairBins: Sync {
    /// Number of bins.
    fn len(&self) -> usize;
    /// Bin of a pair at squared distance `d2` and time difference `dt` (either sign),
    /// already known to be within the reach and the sweep's time limit; `None` when the
    /// pair is not counted.
    fn bin(&self, d2: f64, dt: f64) -> Option<usize>;
}

/// Buffers reused from one permutation to the next.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    cursor: Vec<u32>,
    time: Vec<f64>,
    position: Vec<u32>,
}

/// The sweep over one index with one time limit.
#[derive(Debug)]
pub(crate) struct Sweep<'a> {
    pub(crate) index: &'a SpaceIndex,
    /// Times in ascending order (rank order).
    pub(crate) sorted_times: &'a [f64],
    /// Time limit of the sweep, squared.
    pub(crate) time_limit2: f64,
}

impl Sweep<'_> {
    /// Adds to `counts` (one per bin) the pairs close in space and time when the time
    /// of rank `r` is carried by position `carrier[r]`.
    pub(crate) fn count<B: PairBins>(
        &self,
        carrier: &[u32],
        bins: &B,
        scratch: &mut Scratch,
        counts: &mut [u64],
    ) {
        let index = self.index;
        let n = index.len();
        scratch.cursor.clear();
        scratch
            .cursor
            .extend_from_slice(&index.cell_start[..index.cells()]);
        scratch.time.resize(n, 0.0);
        scratch.position.resize(n, 0);
        // Deal the times to the cells in ascending order.
        for (r, &p) in carrier.iter().enumerate() {
            let cell = index.cell_of[p as usize] as usize;
            let slot = scratch.cursor[cell] as usize;
            scratch.cursor[cell] += 1;
            scratch.time[slot] = self.sorted_times[r];
            scratch.position[slot] = p;
        }
        let times = &scratch.time;
        let positions = &scratch.position;
        let limit2 = self.time_limit2;
        let mut visit = |a: usize, b: usize| {
            let d2 = index.distance2(positions[a] as usize, positions[b] as usize);
            if d2 <= index.reach2
                && let Some(bin) = bins.bin(d2, times[b] - times[a])
            {
                counts[bin] += 1;
            }
        };
        for c in 0..index.cells() {
            let own = index.positions(c);
            for (k, &other) in index.forward(c).iter().enumerate() {
                if k == 0 {
                    // Within the cell: each later event while it is close in time.
                    for a in own.clone() {
                        let ta = times[a];
                        for (offset, &tb) in times[a + 1..own.end].iter().enumerate() {
                            if !close_in_time(ta, tb, limit2) {
                                break;
                            }
                            visit(a, a + 1 + offset);
                        }
                    }
                } else {
                    // Across two cells: a window over the other cell that only moves on.
                    let theirs = index.positions(other as usize);
                    let mut lo = theirs.start;
                    for a in own.clone() {
                        let ta = times[a];
                        while lo < theirs.end
                            && times[lo] < ta
                            && !close_in_time(times[lo], ta, limit2)
                        {
                            lo += 1;
                        }
                        let mut b = lo;
                        while b < theirs.end
                            && (times[b] <= ta || close_in_time(ta, times[b], limit2))
                        {
                            visit(a, b);
                            b += 1;
                        }
                    }
                }
            }
        }
    }
}
