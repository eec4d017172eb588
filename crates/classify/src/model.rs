//! The statistical half of the classifier: a multinomial logistic regression over the
//! narrative's words, word bigrams and character bigrams, trained on labelled
//! narratives when the classifier is built. It answers the leaves of the category tree
//! that the training data holds (a top level, or a dispute's subclass) with
//! probabilities, which `combine.rs` weighs against the rules.
//!
//! Training is deterministic: features are numbered in order of first appearance, the
//! examples are visited in an order drawn from a fixed seed, and the arithmetic is plain
//! `f64`, so the same training text and rules give the same weights on every run.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::matcher::is_boundary;

/// One labelled narrative: its tokens (cut by the classifier's segmenter) and the
/// category index of its deepest label.
#[derive(Debug)]
pub(crate) struct Example {
    pub(crate) tokens: Vec<String>,
    pub(crate) label: usize,
}

/// A feature of one narrative: its text key and the tokens it covers, first to last.
#[derive(Debug)]
pub(crate) struct Feature {
    pub(crate) key: String,
    pub(crate) first: usize,
    pub(crate) last: usize,
}

/// The trained weights.
#[derive(Debug)]
pub(crate) struct Model {
    /// Feature key → row.
    features: FxHashMap<String, usize>,
    /// The category index of each label (column).
    pub(crate) labels: Vec<usize>,
    /// Row-major, one row per feature, one column per label.
    weights: Vec<f64>,
    bias: Vec<f64>,
    /// The share of each label among the training narratives.
    pub(crate) prior: Vec<f64>,
    /// Words found in more than [`COMMON`] of the training narratives (报警人称, 的, 在):
    /// they carry little meaning of their own, so they are never shown as evidence, nor
    /// is a word of one character (到, 还), whose weight is mostly its neighbours'.
    common: FxHashSet<String>,
}

/// A prediction: the probability of each label and, for each token, how much it
/// pushed towards each label.
#[derive(Debug)]
pub(crate) struct Prediction {
    pub(crate) probabilities: Vec<f64>,
    /// Per token, per label: the summed contribution of the features covering it (none
    /// for a common or negated word, which is no evidence).
    pub(crate) pushes: Vec<Vec<f64>>,
}

/// Passes over the training data, learning rate and L2 penalty. Checked on the blind
/// comparison of ARCHITECTURE.md: half or twice the passes, a rate of 0.2 or 1, or a
/// penalty ten times larger do no better.
const EPOCHS: usize = 40;
const RATE: f64 = 0.5;
const PENALTY: f64 = 1e-5;
const SEED: u64 = 0x5eed_f00d_cafe_d00d;

/// The feature count of a short narrative (十来个字): see [`scale`].
const SHORT: usize = 24;

/// The share of training narratives above which a word is too common to be evidence.
const COMMON: f64 = 0.03;

/// The features of a narrative: every word, every pair of adjacent words and every
/// pair of adjacent characters within a clause, those of a word marked when a negation
/// cue stands just before it (so 未起火 does not count as 起火). Each key appears once.
pub(crate) fn features(tokens: &[&str], negated: impl Fn(usize) -> bool) -> Vec<Feature> {
    let mut out: Vec<Feature> = Vec::new();
    let mut seen: FxHashMap<String, ()> = FxHashMap::default();
    let mut push = |key: String, first: usize, last: usize| {
        if seen.insert(key.clone(), ()).is_none() {
            out.push(Feature { key, first, last });
        }
    };
    let mut previous_char: Option<(char, usize)> = None;
    for (at, token) in tokens.iter().enumerate() {
        if is_boundary(token) {
            previous_char = None;
            continue;
        }
        let mark = if negated(at) { "!" } else { "" };
        push(format!("w:{mark}{token}"), at, at);
        if let Some(next) = tokens.get(at + 1).filter(|next| !is_boundary(next)) {
            push(format!("b:{mark}{token}|{next}"), at, at + 1);
        }
        for c in token.chars() {
            if let Some((before, from)) = previous_char {
                push(format!("c:{mark}{before}{c}"), from, at);
            }
            previous_char = Some((c, at));
        }
    }
    out
}

impl Model {
    /// Trains on `examples`, whose features are given by `featurize`.
    pub(crate) fn train(examples: &[Example], featurize: impl Fn(&[&str]) -> Vec<Feature>) -> Self {
        let mut labels: Vec<usize> = Vec::new();
        let mut features: FxHashMap<String, usize> = FxHashMap::default();
        let mut rows: Vec<(Vec<usize>, usize)> = Vec::with_capacity(examples.len());
        for example in examples {
            let tokens: Vec<&str> = example.tokens.iter().map(String::as_str).collect();
            let mut indices = Vec::new();
            for feature in featurize(&tokens) {
                let next = features.len();
                indices.push(*features.entry(feature.key).or_insert(next));
            }
            let column = match labels.iter().position(|&l| l == example.label) {
                Some(column) => column,
                None => {
                    labels.push(example.label);
                    labels.len() - 1
                }
            };
            rows.push((indices, column));
        }
        let mut counts: FxHashMap<&str, usize> = FxHashMap::default();
        for example in examples {
            let unique: FxHashSet<&str> = example.tokens.iter().map(String::as_str).collect();
            for token in unique {
                *counts.entry(token).or_default() += 1;
            }
        }
        let common = counts
            .into_iter()
            .filter(|&(_, count)| count as f64 > COMMON * examples.len() as f64)
            .map(|(token, _)| token.to_string())
            .collect();
        let width = labels.len();
        let mut weights = vec![0.0; features.len() * width];
        let mut bias = vec![0.0; width];
        // AdaGrad: each weight's step shrinks with the gradients it has seen, so rare
        // features (most of them, in a few hundred narratives) still learn quickly.
        let mut squares = vec![1e-8; weights.len()];
        let mut bias_squares = vec![1e-8; width];
        let mut order: Vec<usize> = (0..rows.len()).collect();
        let mut state = SEED;
        let mut scores = vec![0.0; width];
        for _ in 0..EPOCHS {
            shuffle(&mut order, &mut state);
            for &row in &order {
                let (indices, column) = &rows[row];
                let value = scale(indices.len());
                scores.copy_from_slice(&bias);
                for &feature in indices {
                    let weights = &weights[feature * width..(feature + 1) * width];
                    for (score, weight) in scores.iter_mut().zip(weights) {
                        *score += weight * value;
                    }
                }
                softmax(&mut scores);
                for label in 0..width {
                    let error = scores[label] - f64::from(u8::from(label == *column));
                    bias_squares[label] += error * error;
                    bias[label] -= RATE * error / bias_squares[label].sqrt();
                    for &feature in indices {
                        let at = feature * width + label;
                        let gradient = error * value + PENALTY * weights[at];
                        squares[at] += gradient * gradient;
                        weights[at] -= RATE * gradient / squares[at].sqrt();
                    }
                }
            }
        }
        let mut prior = vec![0.0; width];
        for (_, column) in &rows {
            prior[*column] += 1.0 / rows.len() as f64;
        }
        Self {
            features,
            labels,
            weights,
            bias,
            prior,
            common,
        }
    }

    /// The probability of each label for a narrative with these features, and each
    /// token's push towards each label.
    pub(crate) fn predict(
        &self,
        tokens: &[&str],
        features: &[Feature],
        negated: impl Fn(usize) -> bool,
    ) -> Prediction {
        let token_count = tokens.len();
        let width = self.labels.len();
        let known: Vec<(&Feature, usize)> = features
            .iter()
            .filter_map(|f| self.features.get(&f.key).map(|&row| (f, row)))
            .collect();
        // The same scaling as in training, by the narrative's own feature count, so
        // unknown features dilute the known ones as they would have in training.
        let value = scale(features.len());
        let mut scores = self.bias.clone();
        let mut pushes = vec![vec![0.0; width]; token_count];
        for (feature, row) in known {
            let weights = &self.weights[row * width..(row + 1) * width];
            let span = (feature.last - feature.first + 1) as f64;
            for (label, weight) in weights.iter().enumerate() {
                let contribution = weight * value;
                scores[label] += contribution;
                for push in &mut pushes[feature.first..=feature.last] {
                    push[label] += contribution / span;
                }
            }
        }
        softmax(&mut scores);
        for (at, (push, token)) in pushes.iter_mut().zip(tokens).enumerate() {
            if self.common.contains(*token) || token.chars().nth(1).is_none() || negated(at) {
                push.fill(0.0);
            }
        }
        Prediction {
            probabilities: scores,
            pushes,
        }
    }
}

/// Each feature's value in a narrative with `count` features: the vector has unit
/// length, except that a text shorter than a short narrative is not scaled up, so
/// one or two known words (今天) cannot speak as loud as a whole narrative.
fn scale(count: usize) -> f64 {
    1.0 / (count.max(SHORT) as f64).sqrt()
}

fn softmax(scores: &mut [f64]) {
    let top = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for score in scores.iter_mut() {
        *score = (*score - top).exp();
        sum += *score;
    }
    for score in scores.iter_mut() {
        *score /= sum;
    }
}

/// Fisher–Yates with xorshift64*, so the order depends only on the seed.
fn shuffle(order: &mut [usize], state: &mut u64) {
    for i in (1..order.len()).rev() {
        *state ^= *state >> 12;
        *state ^= *state << 25;
        *state ^= *state >> 27;
        let random = state.wrapping_mul(0x2545_f491_4f6c_dd1d);
        let j = (random % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
}
