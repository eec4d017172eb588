//! Small deterministic data sets and brute-force recounts for the tests.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Clustered events on integer metres and days: some uniform background, some tight
/// space-time clusters (near repeats), some exact duplicates of location.
pub fn clustered_events(n: usize, seed: u64) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut x, mut y, mut t) = (Vec::new(), Vec::new(), Vec::new());
    while x.len() < n {
        let (cx, cy, ct) = (
            rng.random_range(0..3000) as f64,
            rng.random_range(0..3000) as f64,
            rng.random_range(0..365) as f64,
        );
        x.push(cx);
        y.push(cy);
        t.push(ct);
        // Now and then a burst of near repeats around the event just placed.
        if rng.random_bool(0.3) {
            for _ in 0..rng.random_range(1..6) {
                if x.len() == n {
                    break;
                }
                x.push(cx + rng.random_range(-250..=250) as f64);
                y.push(cy + rng.random_range(-250..=250) as f64);
                t.push(ct + rng.random_range(0..=20) as f64);
            }
        }
    }
    (x, y, t)
}

/// `(nst, ns, nt)` by looking at every pair.
pub fn brute_force_knox(
    x: &[f64],
    y: &[f64],
    t: &[f64],
    distance: f64,
    time: f64,
) -> (u64, u64, u64) {
    let (mut nst, mut ns, mut nt) = (0, 0, 0);
    for i in 0..x.len() {
        for j in i + 1..x.len() {
            let (dx, dy, dt) = (x[i] - x[j], y[i] - y[j], t[i] - t[j]);
            let close_s = dx * dx + dy * dy <= distance * distance;
            let close_t = dt * dt <= time * time;
            ns += u64::from(close_s);
            nt += u64::from(close_t);
            nst += u64::from(close_s && close_t);
        }
    }
    (nst, ns, nt)
}

/// Asserts two floating-point slices agree to an absolute tolerance.
pub fn assert_close(actual: &[f64], expected: &[f64], tolerance: f64) {
    assert_eq!(actual.len(), expected.len(), "lengths differ");
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!((a - e).abs() <= tolerance, "index {i}: {a} vs {e}");
    }
}
