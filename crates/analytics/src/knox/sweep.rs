//! Counting pairs close in space and time under a permutation of the times, without a
//! list of pairs.
//!
//! Locations never move; a permutation only changes which time each location carries.
//! A permutation is drawn as a shuffled copy of the locations ("carriers", one per
//! time rank), and the times are then dealt to the grid cells in ascending order (one
//! sequential pass, a counting sort), which leaves every cell's slots sorted by time,
//! with the rank of the time, its window of close ranks and the carrier's coordinates
//! alongside. For each cell and each cell it pairs with, a few consecutive slots at a
//! time, two pointers that only move forward delimit the slots whose times can be
//! within the limit, and one branch-free loop over that window tests distance and
//! time rank together, which the compiler vectorises. (Blocks of slots rather than
//! single slots keep the pointer work, whose branches are hard to predict, small where
//! cells hold few events; where they hold many, a block's windows barely differ.)
//!
//! The vectorised distance test is done in `f32`, on coordinates relative to a cell
//! corner, which doubles the lanes and halves the memory traffic. It is exact all the
//! same: its error is bounded (see [`Margins`]), pairs clearly inside or outside the
//! reach are decided by it, and a slot whose window holds a pair within the error of
//! the limit is recounted in `f64` on the original coordinates — the same test as
//! everywhere else, `dx² + dy² ≤ reach²`.
//!
//! The work per permutation is a few passes over the events plus the pairs close in
//! time in neighbouring cells — a small fraction of the pairs close in space — and
//! the memory a few arrays of the events' length.

use std::ops::Range;

use rand::RngCore;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::space::SpaceIndex;
use super::times::close_in_time;

/// Where a pair close in space and time falls: a flat bin index, or none.
pub(crate) trait PairBins: Sync {
    /// Number of bins.
    fn len(&self) -> usize;
    /// Bin of a pair at squared distance `d2` (within the reach) and time difference
    /// `dt` (either sign, within the sweep's time limit); `None` when not counted.
    fn bin(&self, d2: f64, dt: f64) -> Option<usize>;
}

/// A location as the sweep carries it: its coordinates relative to its cell's corner
/// in `f32`, its cell and its position.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Site {
    x: f32,
    y: f32,
    cell: u32,
    position: u32,
}

/// A time dealt to a cell: the carrier's relative coordinates and position, the rank
/// of the time and the first and last rank close to it. One record rather than
/// separate arrays, so that dealing writes one place per event.
#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    x: f32,
    y: f32,
    rank: i32,
    lo: i32,
    hi: i32,
    position: u32,
}

/// Buffers reused from one permutation to the next: the carriers and the slots (cells
/// contiguous, each sorted by time).
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    carrier: Vec<Site>,
    cursor: Vec<u32>,
    slots: Vec<Slot>,
    bucket: Vec<u8>,
}

/// Slots handled together against one window.
const BLOCK: usize = 16;

/// A cell pairs with itself and at most four neighbours.
const MAX_FORWARD: usize = 5;

/// The `f32` thresholds on squared distance: at or below `sure` a pair is within the
/// reach, above `maybe` it is not, in between it is decided in `f64`.
///
/// Coordinates are stored relative to their own cell's corner (within one cell of
/// it) and moved to a neighbouring cell's corner by adding the whole-cell shift, so
/// with `D = 2 × cell` a coordinate errs by at most `2D·2⁻²⁴` (rounding to `f32`, then
/// the shift and its sum), a difference by `3.5D·2⁻²⁴`, a square by `8D²·2⁻²⁴` and the
/// sum of two squares by `18D²·2⁻²⁴` < `1.2 D²·2⁻²⁰`. The margin, `D²·2⁻¹⁸`, is more
/// than three times that.
#[derive(Debug, Clone, Copy)]
struct Margins {
    sure: f32,
    maybe: f32,
}

impl Margins {
    fn new(index: &SpaceIndex) -> Self {
        let d = 2.0 * index.cell_size;
        let margin = d * d * 2f64.powi(-18);
        Self {
            sure: (index.reach2 - margin) as f32,
            maybe: (index.reach2 + margin) as f32,
        }
    }
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
    window_lo: Vec<i32>,
    window_hi: Vec<i32>,
    margins: Margins,
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
            window_lo.push(lo as i32);
            window_hi.push(hi as i32);
        }
        let sites = (0..index.len())
            .map(|p| {
                let cell = index.cell_of[p];
                let [ox, oy] = index.cell_origin[cell as usize];
                Site {
                    x: (index.x[p] - ox) as f32,
                    y: (index.y[p] - oy) as f32,
                    cell,
                    position: p as u32,
                }
            })
            .collect();
        Self {
            index,
            sorted_times,
            sites,
            window_lo,
            window_hi,
            margins: Margins::new(index),
        }
    }

    /// The carriers when every event keeps its own time (the position of each time
    /// rank), and their times dealt.
    pub(crate) fn observed(&self, position_of_rank: &[u32], scratch: &mut Scratch) {
        scratch.carrier.clear();
        scratch
            .carrier
            .extend(position_of_rank.iter().map(|&p| self.sites[p as usize]));
        self.start_deal(scratch);
        self.deal_ranks(scratch, 0..self.sites.len());
    }

    /// Random carriers: the locations shuffled, and their times dealt.
    ///
    /// Large inputs are shuffled the Rao–Sandelius way, which keeps memory access
    /// local: each location goes to one of 256 buckets uniformly at random, each
    /// bucket is shuffled (Fisher–Yates, in cache) and the buckets are laid end to
    /// end; the result is a uniformly random permutation, as a plain Fisher–Yates over
    /// the whole array would give, at a fraction of the cache misses.
    pub(crate) fn shuffled(&self, rng: &mut ChaCha8Rng, scratch: &mut Scratch) {
        const BUCKETS: usize = 256;
        let n = self.sites.len();
        scratch.carrier.clear();
        if n < 1 << 16 {
            scratch.carrier.extend_from_slice(&self.sites);
            scratch.carrier.shuffle(rng);
            self.start_deal(scratch);
            self.deal_ranks(scratch, 0..n);
            return;
        }
        scratch.bucket.resize(n, 0);
        rng.fill_bytes(&mut scratch.bucket);
        let mut start = [0usize; BUCKETS + 1];
        for &b in &scratch.bucket {
            start[b as usize + 1] += 1;
        }
        for b in 0..BUCKETS {
            start[b + 1] += start[b];
        }
        let mut next = start;
        scratch.carrier.resize(n, self.sites[0]);
        for (site, &b) in self.sites.iter().zip(&scratch.bucket) {
            scratch.carrier[next[b as usize]] = *site;
            next[b as usize] += 1;
        }
        // Each bucket is dealt as soon as it is shuffled, while it is in cache.
        self.start_deal(scratch);
        for b in 0..BUCKETS {
            scratch.carrier[start[b]..start[b + 1]].shuffle(rng);
            self.deal_ranks(scratch, start[b]..start[b + 1]);
        }
    }

    /// Pairs close in space and time for the carriers dealt in the scratch.
    ///
    /// The same walk as [`Sweep::for_each_block`], turned inside out for speed: blocks
    /// outside, the cells paired with inside, so that a block is loaded once for all of
    /// them.
    pub(crate) fn count_close(&self, scratch: &mut Scratch) -> u64 {
        let index = self.index;
        let slots = &scratch.slots;
        let mut count = 0u64;
        for c in 0..index.cells() {
            let own = index.positions(c);
            let forward = index.forward(c);
            let [cx, cy] = index.cell_origin[c];
            // Per cell paired with: the window's ends, and where this cell's corner is
            // from that cell's corner (a whole number of cells, exact in f32).
            let mut ends = [(0usize, 0usize); MAX_FORWARD];
            let mut shift = [(0f32, 0f32); MAX_FORWARD];
            for (k, &other) in forward.iter().enumerate() {
                let start = index.cell_start[other as usize] as usize;
                ends[k] = (start, start);
                let [ox, oy] = index.cell_origin[other as usize];
                shift[k] = ((cx - ox) as f32, (cy - oy) as f32);
            }
            let mut start = own.start;
            while start < own.end {
                let end = (start + BLOCK).min(own.end);
                // The block's slots; missing ones get an empty time window.
                let mut bx = [0f32; BLOCK];
                let mut by = [0f32; BLOCK];
                let mut from = [i32::MAX; BLOCK];
                let mut later = [i32::MAX; BLOCK];
                let mut to = [-1i32; BLOCK];
                for (j, slot) in slots[start..end].iter().enumerate() {
                    bx[j] = slot.x;
                    by[j] = slot.y;
                    from[j] = slot.lo;
                    // In its own cell a slot pairs only with later slots.
                    later[j] = slot.rank + 1;
                    to[j] = slot.hi;
                }
                for (k, &other) in forward.iter().enumerate() {
                    let theirs_end = index.cell_start[other as usize + 1] as usize;
                    let (lo, hi) = &mut ends[k];
                    if k == 0 {
                        *lo = start + 1;
                    } else {
                        while *lo < theirs_end && slots[*lo].rank < from[0] {
                            *lo += 1;
                        }
                    }
                    *hi = (*hi).max(*lo);
                    while *hi < theirs_end && slots[*hi].rank <= to[end - start - 1] {
                        *hi += 1;
                    }
                    if *lo == *hi {
                        continue;
                    }
                    let window = *lo..*hi;
                    let ax = bx.map(|v| v + shift[k].0);
                    let ay = by.map(|v| v + shift[k].1);
                    let lower = if k == 0 { &later } else { &from };
                    let (sure, maybe) =
                        count_in_window(&ax, &ay, lower, &to, &slots[window.clone()], self.margins);
                    for (j, a) in (start..end).enumerate() {
                        count += u64::from(if sure[j] == maybe[j] {
                            sure[j]
                        } else {
                            self.recount(slots, a, lower[j], to[j], window.clone())
                        });
                    }
                }
                start = end;
            }
        }
        count
    }

    /// The slots of `window` with a rank in `from..=to` within the reach of slot `a`,
    /// counted on the original coordinates.
    fn recount(&self, slots: &[Slot], a: usize, from: i32, to: i32, window: Range<usize>) -> u32 {
        let pa = slots[a].position as usize;
        slots[window]
            .iter()
            .filter(|b| {
                (from..=to).contains(&b.rank)
                    && self.index.distance2(pa, b.position as usize) <= self.index.reach2
            })
            .count() as u32
    }

    /// Adds to `counts` (one per bin) the pairs close in space and time, binned, for
    /// the carriers dealt in the scratch.
    pub(crate) fn count_bins<B: PairBins>(
        &self,
        bins: &B,
        scratch: &mut Scratch,
        counts: &mut [u64],
    ) {
        let index = self.index;
        let slots = &scratch.slots;
        let times = self.sorted_times;
        self.for_each_block(slots, |block, window, same_cell, _| {
            for a in &slots[block] {
                let from = if same_cell { a.rank + 1 } else { a.lo };
                let pa = a.position as usize;
                for b in &slots[window.clone()] {
                    let rank = b.rank;
                    if rank < from || rank > a.hi {
                        continue;
                    }
                    let d2 = index.distance2(pa, b.position as usize);
                    if d2 <= index.reach2
                        && let Some(bin) =
                            bins.bin(d2, times[rank as usize] - times[a.rank as usize])
                    {
                        counts[bin] += 1;
                    }
                }
            }
        });
    }

    /// Empties the cells before dealing.
    fn start_deal(&self, scratch: &mut Scratch) {
        let index = self.index;
        scratch.cursor.clear();
        scratch
            .cursor
            .extend_from_slice(&index.cell_start[..index.cells()]);
        scratch.slots.resize(index.len(), Slot::default());
    }

    /// Deals the times of the given ranks, in ascending order, to their carriers' cells.
    fn deal_ranks(&self, scratch: &mut Scratch, ranks: Range<usize>) {
        let Scratch {
            carrier,
            cursor,
            slots,
            ..
        } = scratch;
        for (r, site) in carrier[ranks.clone()].iter().enumerate() {
            let r = ranks.start + r;
            let cell = site.cell as usize;
            let slot = cursor[cell] as usize;
            cursor[cell] += 1;
            slots[slot] = Slot {
                x: site.x,
                y: site.y,
                rank: r as i32,
                lo: self.window_lo[r],
                hi: self.window_hi[r],
                position: site.position,
            };
        }
    }

    /// Calls `f(block, window, same_cell, other)` for blocks of consecutive slots of a
    /// cell and, for the cell itself and each cell `other` it pairs with, a window of
    /// `other`'s slots that holds every slot whose time can be within the limit of a
    /// block's slot's. Each pair of slots close in time is in exactly one call (within
    /// a cell, as a slot and a later one); `f` tests each slot's own time window.
    fn for_each_block(
        &self,
        slots: &[Slot],
        mut f: impl FnMut(Range<usize>, Range<usize>, bool, usize),
    ) {
        let index = self.index;
        for c in 0..index.cells() {
            let own = index.positions(c);
            for (k, &other) in index.forward(c).iter().enumerate() {
                let theirs = index.positions(other as usize);
                let (mut lo, mut hi) = (theirs.start, theirs.start);
                let mut start = own.start;
                while start < own.end {
                    let end = (start + BLOCK).min(own.end);
                    if k == 0 {
                        // Within the cell: later slots up to the last one's window.
                        lo = start + 1;
                    } else {
                        while lo < theirs.end && slots[lo].rank < slots[start].lo {
                            lo += 1;
                        }
                    }
                    hi = hi.max(lo);
                    while hi < theirs.end && slots[hi].rank <= slots[end - 1].hi {
                        hi += 1;
                    }
                    f(start..end, lo..hi, k == 0, other as usize);
                    start = end;
                }
            }
        }
    }
}

/// For each block slot, how many window slots with a rank in its `from..=to` are
/// surely within the reach (`sure`) and possibly within it (`maybe`). Written without
/// branches, each window slot loaded once for the whole block, so that it vectorises
/// across the block.
#[inline]
fn count_in_window(
    ax: &[f32; BLOCK],
    ay: &[f32; BLOCK],
    from: &[i32; BLOCK],
    to: &[i32; BLOCK],
    window: &[Slot],
    margins: Margins,
) -> ([u32; BLOCK], [u32; BLOCK]) {
    let mut sure = [0u32; BLOCK];
    let mut maybe = [0u32; BLOCK];
    for b in window {
        for j in 0..BLOCK {
            let dx = ax[j] - b.x;
            let dy = ay[j] - b.y;
            let d2 = dx * dx + dy * dy;
            let in_time = (b.rank >= from[j]) & (b.rank <= to[j]);
            sure[j] += u32::from((d2 <= margins.sure) & in_time);
            maybe[j] += u32::from((d2 <= margins.maybe) & in_time);
        }
    }
    (sure, maybe)
}
