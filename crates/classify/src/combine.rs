//! Weighing the rules against the model. At each level of the tree (top level, then the
//! dispute class, then the subclass) every candidate gets its rule weight plus
//! [`BALANCE`] times the log of the model's probability for it (given the level above),
//! and the best wins. So a strong rule word (5–6) still beats a model that leans
//! elsewhere, while one weak word (1–2) gives way to a model that is sure, and a
//! narrative with no rule word at all gets the model's answer. Read as probabilities,
//! the combined score is the model's probability times `exp(rules / BALANCE)`,
//! normalised; the confidence is that share of the winner (top level times class).

use crate::model::{Model, Prediction};
use crate::score::{Tally, best_of};
use crate::{Classifier, Suggestion};

/// Points of rule weight worth one unit of the model's log-probability. Chosen on the
/// labelled sets with the rules as they stood before each set was written (see
/// ARCHITECTURE.md), so that the rules are judged as they do on unseen narratives.
pub(crate) const BALANCE: f64 = 2.0;

/// With no rule word at all, a model's answer less probable than this is no answer:
/// the fallback with confidence 0, as for the rules alone.
pub(crate) const FLOOR: f64 = 0.3;

/// With no rule word, the model must also be this many times surer of its answer than
/// the answer's share of the training data: for a text it knows nothing of, it answers
/// about its priors, and 纠纷 is a third of them.
pub(crate) const LIFT: f64 = 1.5;

/// The model's probability is never taken as less than this, so a category the model
/// never saw (an administrator's subclass) can still be chosen by its rules.
const SMALLEST: f64 = 1e-4;

/// At most this many of the model's words are added to the evidence.
const MODEL_WORDS: usize = 3;

pub(crate) fn decide(
    classifier: &Classifier,
    tally: &Tally,
    tokens: &[&str],
    prediction: &Prediction,
    model: &Model,
) -> Suggestion {
    let labels = &model.labels;
    let up_the_tree = |shares: &[f64]| {
        let mut sums = vec![0.0; classifier.categories.len()];
        for (column, &label) in labels.iter().enumerate() {
            for category in classifier.ancestors(label) {
                sums[category] += shares[column];
            }
        }
        sums
    };
    let probability = up_the_tree(&prediction.probabilities);

    let roots = classifier.roots();
    if roots.iter().all(|&root| tally.signal[root] <= 0.0) {
        let prior = up_the_tree(&model.prior);
        let (guess, best, _) = best_of(&roots, &probability);
        let sure = guess.is_some_and(|g| best >= FLOOR && best >= LIFT * prior[g]);
        if !sure {
            return classifier.suggestion(&[classifier.fallback], 0.0, Vec::new());
        }
    }
    let (top, mut confidence) = pick(&roots, &tally.signal, &probability, 1.0);
    let mut path = vec![top];
    loop {
        let here = path[path.len() - 1];
        let children = classifier.children(here);
        let open = children
            .iter()
            .any(|&c| tally.total[c] > 0.0 || probability[c] > 0.0);
        if !open {
            break;
        }
        let (child, share) = pick(&children, &tally.total, &probability, probability[here]);
        if path.len() == 1 {
            confidence *= share;
        }
        path.push(child);
    }

    let mut evidence = classifier.rule_evidence(&tally.fired, &path);
    let deepest = path[path.len() - 1];
    let targets = targets(classifier, labels, deepest);
    for (position, word) in model_words(tokens, prediction, &targets) {
        if !evidence.iter().any(|(_, known)| *known == word) {
            evidence.push((position, word));
        }
    }
    evidence.sort();
    let words = evidence.into_iter().map(|(_, word)| word).collect();
    classifier.suggestion(&path, confidence.clamp(0.0, 1.0), words)
}

/// The model's labels (columns) at or beneath `category`.
fn targets(classifier: &Classifier, labels: &[usize], category: usize) -> Vec<usize> {
    labels
        .iter()
        .enumerate()
        .filter(|&(_, &label)| classifier.ancestors(label).any(|c| c == category))
        .map(|(column, _)| column)
        .collect()
}

/// The candidate with the best combined score, and its share of them all.
fn pick(candidates: &[usize], rules: &[f64], probability: &[f64], parent: f64) -> (usize, f64) {
    let scores: Vec<f64> = candidates
        .iter()
        .map(|&c| {
            let given_parent = probability[c] / parent.max(SMALLEST);
            rules[c] / BALANCE + given_parent.max(SMALLEST).ln()
        })
        .collect();
    let best = (0..scores.len())
        .max_by(|&a, &b| scores[a].total_cmp(&scores[b]).then(b.cmp(&a)))
        .unwrap_or(0);
    let sum: f64 = scores.iter().map(|s| (s - scores[best]).exp()).sum();
    (candidates[best], 1.0 / sum)
}

/// The tokens that pushed the model most towards the target labels rather than the
/// others, strongest first, each with its position.
fn model_words(
    tokens: &[&str],
    prediction: &Prediction,
    targets: &[usize],
) -> Vec<(usize, String)> {
    if targets.is_empty() {
        return Vec::new();
    }
    let mut scored: Vec<(f64, usize)> = prediction
        .pushes
        .iter()
        .enumerate()
        .map(|(position, push)| {
            let toward = targets.iter().map(|&t| push[t]).sum::<f64>() / targets.len() as f64;
            let overall = push.iter().sum::<f64>() / push.len().max(1) as f64;
            (toward - overall, position)
        })
        .filter(|(lift, _)| *lift > 0.0)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let strongest = scored.first().map_or(0.0, |s| s.0);
    let mut words: Vec<(usize, String)> = Vec::new();
    for (lift, position) in scored {
        if words.len() == MODEL_WORDS || lift < strongest / 3.0 {
            break;
        }
        let word = tokens[position].to_string();
        if !words.iter().any(|(_, known)| *known == word) {
            words.push((position, word));
        }
    }
    words
}
