//! The time side of Knox: events sorted by time, and pairs close in time counted
//! without listing them (a two-pointer pass over the sorted times).

/// Whether two times are within the limit: `(b − a)² ≤ limit²`, the comparison scipy's
/// KDTree makes for one coordinate. Monotone in |b − a|, so windows over sorted times
/// are contiguous.
#[inline]
pub(crate) fn close_in_time(a: f64, b: f64, limit2: f64) -> bool {
    let d = b - a;
    d * d <= limit2
}

/// Times sorted ascending, and which event has each rank.
#[derive(Debug)]
pub(crate) struct TimeOrder {
    /// Times in ascending order.
    pub(crate) sorted: Vec<f64>,
    /// Original event index of each rank.
    pub(crate) event: Vec<u32>,
}

impl TimeOrder {
    pub(crate) fn new(t: &[f64]) -> Self {
        let mut event: Vec<u32> = (0..t.len() as u32).collect();
        event.sort_unstable_by(|&a, &b| t[a as usize].total_cmp(&t[b as usize]).then(a.cmp(&b)));
        let sorted = event.iter().map(|&i| t[i as usize]).collect();
        Self { sorted, event }
    }

    /// Unordered pairs whose times are within `limit` (inclusive).
    pub(crate) fn close_pairs(&self, limit: f64) -> u64 {
        let limit2 = limit * limit;
        let mut end = 0usize;
        let mut pairs = 0u64;
        for (r, &tr) in self.sorted.iter().enumerate() {
            end = end.max(r + 1);
            while end < self.sorted.len() && close_in_time(tr, self.sorted[end], limit2) {
                end += 1;
            }
            pairs += (end - r - 1) as u64;
        }
        pairs
    }

    /// For each event (original order), how many other events are within `limit`.
    pub(crate) fn close_counts(&self, limit: f64) -> Vec<u32> {
        let limit2 = limit * limit;
        let n = self.sorted.len();
        let mut counts = vec![0u32; n];
        let (mut lo, mut hi) = (0usize, 0usize);
        for (r, &tr) in self.sorted.iter().enumerate() {
            while !close_in_time(self.sorted[lo], tr, limit2) {
                lo += 1;
            }
            hi = hi.max(r + 1);
            while hi < n && close_in_time(tr, self.sorted[hi], limit2) {
                hi += 1;
            }
            counts[self.event[r] as usize] = (hi - lo - 1) as u32;
        }
        counts
    }
}
