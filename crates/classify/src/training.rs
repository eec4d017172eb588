//! The labelled narratives the model learns from, read from TSV and cut by the
//! classifier's own segmenter, so that training and classification see the same words.

use crate::model::{self, Example, Feature, Model};
use crate::rules::Origin;
use crate::{Classifier, RuleError, normalize};

/// The embedded training data: the crate's labelled sets (`tests/data`, all but the
/// blind `fresh7.tsv`), assembled by `data/assemble.sh`. Columns: text, top level,
/// dispute class, dispute subclass (Chinese names), and the set it came from.
pub const TRAINING_DATA: &str = include_str!("../data/train.tsv");

/// Reads labelled TSV (after a header line) into examples labelled with their deepest
/// category. With `strict`, a name the rules do not define is an error; without, the
/// row is left out.
pub(crate) fn examples(
    classifier: &Classifier,
    source_name: &str,
    text: &str,
    strict: bool,
) -> Result<Vec<Example>, RuleError> {
    let mut examples = Vec::new();
    for (index, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let origin = Origin {
            source_name: source_name.to_string(),
            line: index + 1,
        };
        let mut columns = line.split('\t').map(str::trim);
        let narrative = columns.next().unwrap_or_default();
        let names: Vec<&str> = columns
            .take(3)
            .take_while(|name| !name.is_empty())
            .collect();
        if narrative.is_empty() || names.is_empty() {
            return Err(origin.error("a labelled line needs a narrative and its top level"));
        }
        match classifier.category_by_names(&names) {
            Some(label) => {
                let normalized = normalize(narrative);
                let tokens = classifier.cut(&normalized);
                examples.push(Example {
                    tokens: tokens.into_iter().map(str::to_string).collect(),
                    label,
                });
            }
            None if strict => {
                return Err(origin.error(format!(
                    "the category {} is not in the rules' category tree",
                    names.join(" / ")
                )));
            }
            None => {}
        }
    }
    Ok(examples)
}

impl Classifier {
    /// The category reached from the top level down by these names.
    fn category_by_names(&self, names: &[&str]) -> Option<usize> {
        let mut at: Option<usize> = None;
        for name in names {
            let next = (0..self.categories.len())
                .find(|&c| self.categories[c].parent == at && self.categories[c].name == *name)?;
            at = Some(next);
        }
        at
    }

    pub(crate) fn train(&self, examples: &[Example]) -> Model {
        Model::train(examples, |tokens| self.features(tokens))
    }

    pub(crate) fn features(&self, tokens: &[&str]) -> Vec<Feature> {
        model::features(tokens, |at| self.negated_before(tokens, at))
    }
}
