//! Category suggestion for incident narratives (警情分类建议): from what the caller said,
//! the top-level category of the incident code table and, for a dispute, its class and
//! subclass, with a confidence and the words that decided it. The dispatcher confirms
//! or changes the suggestion; both are kept elsewhere (initial vs final category).
//!
//! ```
//! use fengqiao_classify::Classifier;
//!
//! let classifier = Classifier::default();
//! let answer = classifier.classify("报警人称楼上邻居装修噪音太大，上门理论后双方吵了起来");
//! assert_eq!(answer.names, ["纠纷", "邻里类", "邻里纠纷"]);
//! assert_eq!(answer.codes, ["dispute", "neighbour", "neighbour_dispute"]);
//! assert!(answer.evidence.iter().any(|word| word == "邻居"));
//!
//! let fraud = classifier.classify("报警人称接到自称客服的电话，被骗三万元");
//! assert_eq!(fraud.names, ["刑事"]);
//! ```
//!
//! The narrative is cut into words by jieba (its embedded dictionary, plus every word of
//! the rules so that 宅基地 or 拖欠工资 stay whole); keyword rules held as data
//! ([`rules`], embedded default in `rules/default.toml`, extensible at run time) add
//! weights to categories; a logistic regression over words and character pairs, trained
//! on the embedded labelled narratives ([`TRAINING_DATA`]) when the classifier is built,
//! gives each category a probability; at each level the rules' weight and the model's
//! log-probability are added and the best wins, so the model decides where the rules find
//! nothing or only a weak word, and an administrator's rules, where they match, decide
//! alone. The crate is pure: no I/O, no global state.

#![forbid(unsafe_code)]

mod combine;
mod matcher;
mod model;
pub mod rules;
mod score;
mod training;

use jieba_rs::Jieba;
use rustc_hash::{FxHashMap, FxHashSet};

pub use rules::{DEFAULT_RULES, RuleError, RuleSet};
pub use training::TRAINING_DATA;

/// A suggested category.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// Codes from the top level down: `["dispute", "neighbour", "neighbour_dispute"]`.
    pub codes: Vec<String>,
    /// The same categories by their Chinese names, exactly as in the code table:
    /// `["纠纷", "邻里类", "邻里纠纷"]`.
    pub names: Vec<String>,
    /// From 0 (nothing matched, a guess) to 1: high when many words point one way and
    /// none elsewhere, lower when little matched or another category came close.
    pub confidence: f64,
    /// The words of the narrative that decided the answer, in the order they appear.
    pub evidence: Vec<String>,
}

/// The classifier: a segmenter, compiled rules and the trained model. Building one loads
/// jieba's dictionary and trains the model (about 0.2 s in a release build); build it once
/// and share it.
pub struct Classifier {
    jieba: Jieba,
    categories: Vec<Category>,
    fallback: usize,
    /// Every word of a rule or a combination, by its normalised text.
    vocabulary: FxHashMap<String, usize>,
    /// The vocabulary's words by index.
    words: Vec<String>,
    /// For each vocabulary word, the rules it belongs to.
    uses: Vec<Vec<usize>>,
    rules: Vec<Rule>,
    combos: Vec<Combo>,
    cues: FxHashSet<String>,
    window: usize,
    longest_word: usize,
    /// The statistical model, absent in a rules-only classifier.
    model: Option<model::Model>,
}

impl std::fmt::Debug for Classifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Classifier")
            .field("categories", &self.categories.len())
            .field("words", &self.vocabulary.len())
            .field("rules", &self.rules.len())
            .field("combos", &self.combos.len())
            .field("model", &self.model.is_some())
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
struct Category {
    code: String,
    name: String,
    parent: Option<usize>,
}

#[derive(Debug)]
struct Rule {
    category: usize,
    weight: f64,
    hint: bool,
    negatable: bool,
    extension: bool,
}

#[derive(Debug)]
struct Combo {
    category: usize,
    weight: f64,
    hint: bool,
    negatable: bool,
    extension: bool,
    /// Vocabulary indices: one alternative of every group must be found.
    all: Vec<Vec<usize>>,
}

impl Default for Classifier {
    /// The classifier with the embedded default rules.
    fn default() -> Self {
        match Self::new(RuleSet::embedded()) {
            Ok(classifier) => classifier,
            // Checked by the crate's tests, as for `RuleSet::embedded`.
            Err(error) => panic!("the embedded rules are broken: {error}"),
        }
    }
}

impl Classifier {
    /// Compiles rules (every category code must be defined once, parents before use
    /// and no deeper than three levels, every rule's category known) and trains the
    /// statistical model on the embedded labelled narratives ([`TRAINING_DATA`]; those
    /// whose category names the rules do not define are left out).
    pub fn new(set: RuleSet) -> Result<Self, RuleError> {
        let mut classifier = Self::rules_only(set)?;
        let examples = training::examples(&classifier, "training", TRAINING_DATA, false)?;
        classifier.model = Some(classifier.train(&examples));
        Ok(classifier)
    }

    /// Compiles rules and trains the model on other labelled narratives: TSV text with
    /// a header line and the columns text, top level, dispute class and subclass (by
    /// their Chinese names; the last two may be empty, further columns are ignored), as
    /// in [`TRAINING_DATA`]. Used for cross-validation, and by a station that has
    /// labelled its own narratives. A category name the rules do not define is an error
    /// naming `source_name` and the line.
    pub fn with_training(
        set: RuleSet,
        source_name: &str,
        labelled: &str,
    ) -> Result<Self, RuleError> {
        let mut classifier = Self::rules_only(set)?;
        let examples = training::examples(&classifier, source_name, labelled, true)?;
        classifier.model = Some(classifier.train(&examples));
        Ok(classifier)
    }

    /// Compiles rules with no statistical model: the rules alone decide, and a
    /// narrative with no rule word gets the fallback with confidence 0.
    pub fn rules_only(set: RuleSet) -> Result<Self, RuleError> {
        let mut categories: Vec<Category> = Vec::new();
        let mut by_code: FxHashMap<String, usize> = FxHashMap::default();
        for def in &set.categories {
            if by_code.contains_key(&def.code) {
                return Err(def
                    .origin
                    .error(format!("category {:?} is defined twice", def.code)));
            }
            let parent = match &def.parent {
                None => None,
                Some(code) => match by_code.get(code) {
                    Some(&index) => Some(index),
                    None => {
                        return Err(def.origin.error(format!(
                            "parent {code:?} of {:?} is not defined before it",
                            def.code
                        )));
                    }
                },
            };
            let depth = std::iter::successors(parent, |&p| categories[p].parent).count();
            if depth >= 3 {
                return Err(def.origin.error(format!(
                    "category {:?} is deeper than top level, class and subclass",
                    def.code
                )));
            }
            by_code.insert(def.code.clone(), categories.len());
            categories.push(Category {
                code: def.code.clone(),
                name: def.name.clone(),
                parent,
            });
        }
        let fallback = match &set.fallback {
            None => {
                return Err(RuleError {
                    source_name: "rules".to_string(),
                    line: 1,
                    message: "no `fallback` category is given".to_string(),
                });
            }
            Some((code, origin)) => match by_code.get(code) {
                Some(&index) if categories[index].parent.is_none() => index,
                _ => {
                    return Err(
                        origin.error(format!("the fallback {code:?} is not a top-level category"))
                    );
                }
            },
        };
        let lookup = |code: &str, hint: bool, origin: &rules::Origin| {
            let index = *by_code
                .get(code)
                .ok_or_else(|| origin.error(format!("unknown category {code:?}")))?;
            if hint && categories[index].parent.is_none() {
                return Err(origin.error(format!(
                    "a hint chooses a class or subclass, not the top-level {code:?}"
                )));
            }
            Ok(index)
        };

        let mut vocabulary: FxHashMap<String, usize> = FxHashMap::default();
        let mut uses: Vec<Vec<usize>> = Vec::new();
        let mut intern = |word: &str, uses: &mut Vec<Vec<usize>>| {
            let next = vocabulary.len();
            let index = *vocabulary.entry(word.to_string()).or_insert(next);
            if index == uses.len() {
                uses.push(Vec::new());
            }
            index
        };
        let mut rules = Vec::with_capacity(set.rules.len());
        for def in &set.rules {
            let category = lookup(&def.category, def.hint, &def.origin)?;
            for word in &def.words {
                let index = intern(word, &mut uses);
                uses[index].push(rules.len());
            }
            rules.push(Rule {
                category,
                weight: def.weight,
                hint: def.hint,
                negatable: def.negatable,
                extension: def.extension,
            });
        }
        let mut combos = Vec::with_capacity(set.combos.len());
        for def in &set.combos {
            let category = lookup(&def.category, def.hint, &def.origin)?;
            let all = def
                .all
                .iter()
                .map(|group| group.iter().map(|word| intern(word, &mut uses)).collect())
                .collect();
            combos.push(Combo {
                category,
                weight: def.weight,
                hint: def.hint,
                negatable: def.negatable,
                extension: def.extension,
                all,
            });
        }

        let mut jieba = Jieba::new();
        let extra = vocabulary
            .keys()
            .chain(&set.dictionary)
            .chain(&set.cues)
            .filter(|word| word.chars().count() > 1);
        for word in extra {
            jieba.add_word(word, None, None);
        }
        let mut words = vec![String::new(); vocabulary.len()];
        for (word, &index) in &vocabulary {
            words[index].clone_from(word);
        }
        let longest_word = vocabulary
            .keys()
            .map(|w| w.chars().count())
            .max()
            .unwrap_or(0);
        Ok(Self {
            jieba,
            categories,
            fallback,
            vocabulary,
            words,
            uses,
            rules,
            combos,
            cues: set.cues.into_iter().collect(),
            window: set.window.unwrap_or(3),
            longest_word,
            model: None,
        })
    }

    /// Reads rule text (the full set, with categories) and compiles it.
    pub fn from_rules(text: &str) -> Result<Self, RuleError> {
        Self::new(RuleSet::parse("rules", text)?)
    }

    /// The default rules extended by an administrator's file (`source_name` is used
    /// in error messages, e.g. the file's path).
    pub fn with_extension(source_name: &str, text: &str) -> Result<Self, RuleError> {
        let mut set = RuleSet::embedded();
        set.merge(RuleSet::parse(source_name, text)?);
        Self::new(set)
    }

    /// Suggests a category for one narrative. Never panics; an empty or meaningless
    /// text gets the fallback category with confidence 0. Where a rule of an
    /// administrator's extension matches, the rules alone decide.
    pub fn classify(&self, text: &str) -> Suggestion {
        let normalized = normalize(text);
        let tokens = self.cut(&normalized);
        let found = matcher::find(self, &tokens);
        let tally = score::tally(self, &found);
        let administrators = tally.fired.iter().any(|(fired, _)| fired.extension);
        match &self.model {
            Some(model) if !administrators => {
                let negated = |at: usize| self.negated_before(&tokens, at);
                let prediction = model.predict(&tokens, &self.features(&tokens), negated);
                combine::decide(self, &tally, &tokens, &prediction, model)
            }
            _ => score::decide(self, &tally),
        }
    }

    /// The Chinese name of a category code, if the rules define it.
    pub fn name_of(&self, code: &str) -> Option<&str> {
        self.categories
            .iter()
            .find(|c| c.code == code)
            .map(|c| c.name.as_str())
    }
}

/// Folds full-width ASCII to half-width and upper to lower case, so rules and
/// narratives meet in one form.
pub(crate) fn normalize(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => {
                char::from_u32(c as u32 - 0xFEE0).map_or(c, |c| c.to_ascii_lowercase())
            }
            _ => c.to_ascii_lowercase(),
        })
        .collect()
}
