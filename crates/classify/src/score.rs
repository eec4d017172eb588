//! Turning found words into an answer: weights add up to each category and its parents;
//! the best top level wins on the words that are not hints, then the best child at each
//! level on all words beneath it.

use rustc_hash::FxHashMap;

use crate::matcher::Found;
use crate::{Classifier, Suggestion};

/// One rule or combination that fired, with the words that made it fire.
pub(crate) struct Fired {
    pub(crate) category: usize,
    pub(crate) hint: bool,
    /// Whether it comes from an administrator's extension, not the default rules.
    pub(crate) extension: bool,
    /// (token position, vocabulary word) of each word that made it fire.
    pub(crate) words: Vec<(usize, usize)>,
}

/// What the rules found: what fired, and the weights summed up the tree, once without
/// hints (`signal`, which decides the top level) and once with them (`total`).
pub(crate) struct Tally {
    pub(crate) fired: Vec<(Fired, f64)>,
    pub(crate) signal: Vec<f64>,
    pub(crate) total: Vec<f64>,
}

pub(crate) fn tally(classifier: &Classifier, found: &FxHashMap<usize, Found>) -> Tally {
    let fired = fire(classifier, found);
    let count = classifier.categories.len();
    let mut signal = vec![0.0; count];
    let mut total = vec![0.0; count];
    for (fire, weight) in &fired {
        let mut at = Some(fire.category);
        while let Some(category) = at {
            total[category] += weight;
            if !fire.hint {
                signal[category] += weight;
            }
            at = classifier.categories[category].parent;
        }
    }
    Tally {
        fired,
        signal,
        total,
    }
}

/// The rules' own answer, used alone when there is no model or an administrator's
/// rule has matched.
pub(crate) fn decide(classifier: &Classifier, tally: &Tally) -> Suggestion {
    let Tally {
        fired,
        signal,
        total,
    } = tally;
    let roots = classifier.roots();
    let (top, best, second) = best_of(&roots, signal);
    let Some(top) = top.filter(|_| best > 0.0) else {
        return classifier.suggestion(&[classifier.fallback], 0.0, Vec::new());
    };

    let mut path = vec![top];
    let mut margin_below = 1.0;
    loop {
        let here = path[path.len() - 1];
        let children = classifier.children(here);
        let (child, best, second) = best_of(&children, total);
        match child.filter(|_| best > 0.0) {
            Some(child) => {
                if path.len() == 1 {
                    margin_below = (best - second) / best;
                }
                path.push(child);
            }
            None => break,
        }
    }

    let strength = 1.0 - (-best / 4.0_f64).exp();
    let margin = (best - second) / best;
    let mut confidence = strength * (0.4 + 0.6 * margin);
    if path.len() > 1 {
        confidence *= 0.7 + 0.3 * margin_below;
    }

    let words = classifier
        .rule_evidence(fired, &path)
        .into_iter()
        .map(|(_, word)| word)
        .collect();
    classifier.suggestion(&path, confidence.clamp(0.0, 1.0), words)
}

/// The rules and combinations that fired, each with its weight.
fn fire(classifier: &Classifier, found: &FxHashMap<usize, Found>) -> Vec<(Fired, f64)> {
    let mut words: Vec<(&usize, &Found)> = found.iter().collect();
    words.sort_unstable_by_key(|(word, at)| (at.position, **word));
    let mut fired = Vec::new();
    // A rule's first word counts in full, every further one by half: many synonyms
    // of one rule in a long narrative should not outweigh a decisive word elsewhere.
    let mut times = vec![0_u32; classifier.rules.len()];
    for (&word, at) in words {
        for &rule in &classifier.uses[word] {
            let rule_def = &classifier.rules[rule];
            if rule_def.negatable && !at.plain {
                continue;
            }
            let weight = if times[rule] == 0 {
                rule_def.weight
            } else {
                rule_def.weight / 2.0
            };
            times[rule] += 1;
            let fire = Fired {
                category: rule_def.category,
                hint: rule_def.hint,
                extension: rule_def.extension,
                words: vec![(at.position, word)],
            };
            fired.push((fire, weight));
        }
    }
    for combo in &classifier.combos {
        let mut words = Vec::with_capacity(combo.all.len());
        for group in &combo.all {
            let hit = group.iter().find_map(|word| {
                found
                    .get(word)
                    .filter(|at| at.plain || !combo.negatable)
                    .map(|at| (at.position, *word))
            });
            match hit {
                Some(hit) => words.push(hit),
                None => break,
            }
        }
        if words.len() == combo.all.len() {
            let fire = Fired {
                category: combo.category,
                hint: combo.hint,
                extension: combo.extension,
                words,
            };
            fired.push((fire, combo.weight));
        }
    }
    fired
}

/// The candidate with the highest score (the first on a tie), its score and the
/// runner-up's score.
pub(crate) fn best_of(candidates: &[usize], scores: &[f64]) -> (Option<usize>, f64, f64) {
    let mut best: Option<usize> = None;
    let mut second = 0.0;
    for &candidate in candidates {
        match best {
            Some(b) if scores[candidate] <= scores[b] => {
                second = f64::max(second, scores[candidate]);
            }
            Some(b) => {
                second = f64::max(second, scores[b]);
                best = Some(candidate);
            }
            None => best = Some(candidate),
        }
    }
    let top = best.map_or(0.0, |b| scores[b]);
    (best, top, second)
}

impl Classifier {
    pub(crate) fn ancestors(&self, category: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(Some(category), |&c| self.categories[c].parent)
    }

    pub(crate) fn roots(&self) -> Vec<usize> {
        (0..self.categories.len())
            .filter(|&c| self.categories[c].parent.is_none())
            .collect()
    }

    pub(crate) fn children(&self, of: usize) -> Vec<usize> {
        (0..self.categories.len())
            .filter(|&c| self.categories[c].parent == Some(of))
            .collect()
    }

    /// The words of the rules that fired for the answer `path` (within its top level;
    /// hints only when they point at a category on the path), by position, each once.
    pub(crate) fn rule_evidence(
        &self,
        fired: &[(Fired, f64)],
        path: &[usize],
    ) -> Vec<(usize, String)> {
        let top = path[0];
        let within = |category: usize| self.ancestors(category).any(|c| c == top);
        let on_path = |category: usize| path.contains(&category);
        let mut evidence: Vec<(usize, usize)> = fired
            .iter()
            .filter(|(fire, _)| within(fire.category) && (!fire.hint || on_path(fire.category)))
            .flat_map(|(fire, _)| fire.words.iter().copied())
            .collect();
        evidence.sort_unstable();
        let mut seen = Vec::new();
        evidence.retain(|(_, word)| {
            let new = !seen.contains(word);
            seen.push(*word);
            new
        });
        evidence
            .into_iter()
            .map(|(position, word)| (position, self.words[word].clone()))
            .collect()
    }

    pub(crate) fn suggestion(
        &self,
        path: &[usize],
        confidence: f64,
        evidence: Vec<String>,
    ) -> Suggestion {
        Suggestion {
            codes: path
                .iter()
                .map(|&c| self.categories[c].code.clone())
                .collect(),
            names: path
                .iter()
                .map(|&c| self.categories[c].name.clone())
                .collect(),
            confidence,
            evidence,
        }
    }
}
