//! Seeded random streams. Every random procedure draws from ChaCha8 streams derived
//! from the user's seed and a fixed label (the permutation number, the chunk number),
//! so results are reproducible and independent of how rayon splits the work.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The stream numbered `stream` of the generator seeded with `seed`.
pub(crate) fn stream(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}
