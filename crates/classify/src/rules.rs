//! The rule file: categories, negation cues, keyword rules and combinations, read from
//! TOML text. Files are read one by one into a [`RuleSet`] (so every error names its
//! file and line), merged, and only then checked as a whole by
//! [`Classifier::new`](crate::Classifier::new), because an administrator's extension
//! refers to categories that the default file defines.
//!
//! The format (the embedded `rules/default.toml` is the full example):
//!
//! ```toml
//! # The answer when no word matches: a top-level code.
//! fallback = "other"
//!
//! # The category tree: a code, its Chinese name as output, and its parent's code
//! # (none for the top level). Codes are those of the incident_category code table.
//! [[category]]
//! code = "dispute"
//! name = "纠纷"
//!
//! [[category]]
//! code = "neighbour"
//! name = "邻里类"
//! parent = "dispute"
//!
//! # Words that, just before a keyword of a `negatable` rule in the same clause
//! # (within `window` words), cancel it: "无人受伤" is no injury.
//! [negation]
//! cues = ["无", "没有", "未"]
//! window = 3
//!
//! # Extra words for the segmenter's dictionary, so they are cut whole.
//! [segmenter]
//! words = ["报警人"]
//!
//! # A keyword rule: any of `words` found in the narrative adds `weight` to
//! # `category` (and so to its parents). A `hint` only chooses the class and subclass
//! # once the top level is decided by other words ("邻居" alone is no dispute).
//! [[rule]]
//! category = "neighbour_dispute"
//! weight = 2.0
//! words = ["邻居", "对门", "楼上"]
//! hint = true        # optional, default false
//! negatable = false  # optional, default false
//!
//! # A combination: every element must match (alternatives separated by `|`).
//! [[combo]]
//! category = "traffic_accident"
//! weight = 5.0
//! all = ["交通事故|追尾|剐蹭", "赔偿|私了"]
//! negatable = false  # optional, default false; as for rules, per word
//! ```

use serde::Deserialize;
use toml::Spanned;

/// The rules embedded in the crate: every category of the default code table.
pub const DEFAULT_RULES: &str = include_str!("../rules/default.toml");

/// Rule text that could not be used, with the file and line it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{source_name}: line {line}: {message}")]
pub struct RuleError {
    /// The name the text was given when read (a file name, or `default`).
    pub source_name: String,
    /// The line (from 1) of the offending entry: its `[[rule]]` (or other) header, or
    /// the spot where the TOML itself is broken.
    pub line: usize,
    /// What is wrong, in a sentence.
    pub message: String,
}

/// Where an entry came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin {
    pub(crate) source_name: String,
    pub(crate) line: usize,
}

impl Origin {
    pub(crate) fn error(&self, message: impl Into<String>) -> RuleError {
        RuleError {
            source_name: self.source_name.clone(),
            line: self.line,
            message: message.into(),
        }
    }
}

/// One node of the category tree.
#[derive(Debug, Clone)]
pub(crate) struct CategoryDef {
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) parent: Option<String>,
    pub(crate) origin: Origin,
}

/// Keywords for one category.
#[derive(Debug, Clone)]
pub(crate) struct RuleDef {
    pub(crate) category: String,
    pub(crate) weight: f64,
    pub(crate) words: Vec<String>,
    pub(crate) hint: bool,
    pub(crate) negatable: bool,
    /// Merged in from an administrator's file: where it matches, the rules decide.
    pub(crate) extension: bool,
    pub(crate) origin: Origin,
}

/// Groups of alternative words that must all match.
#[derive(Debug, Clone)]
pub(crate) struct ComboDef {
    pub(crate) category: String,
    pub(crate) weight: f64,
    pub(crate) all: Vec<Vec<String>>,
    pub(crate) hint: bool,
    pub(crate) negatable: bool,
    /// Merged in from an administrator's file: where it matches, the rules decide.
    pub(crate) extension: bool,
    pub(crate) origin: Origin,
}

/// Rules read from one or more texts, not yet checked as a whole.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    pub(crate) categories: Vec<CategoryDef>,
    pub(crate) cues: Vec<String>,
    pub(crate) window: Option<usize>,
    pub(crate) dictionary: Vec<String>,
    pub(crate) rules: Vec<RuleDef>,
    pub(crate) combos: Vec<ComboDef>,
    pub(crate) fallback: Option<(String, Origin)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    category: Vec<Spanned<RawCategory>>,
    negation: Option<RawNegation>,
    segmenter: Option<RawSegmenter>,
    #[serde(default)]
    rule: Vec<Spanned<RawRule>>,
    #[serde(default)]
    combo: Vec<Spanned<RawCombo>>,
    fallback: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    code: String,
    name: String,
    parent: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNegation {
    #[serde(default)]
    cues: Vec<String>,
    window: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSegmenter {
    #[serde(default)]
    words: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    category: String,
    weight: f64,
    words: Vec<String>,
    #[serde(default)]
    hint: bool,
    #[serde(default)]
    negatable: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCombo {
    category: String,
    weight: f64,
    all: Vec<String>,
    #[serde(default)]
    hint: bool,
    #[serde(default)]
    negatable: bool,
}

impl RuleSet {
    /// The embedded default rules.
    pub fn embedded() -> Self {
        match Self::parse("default", DEFAULT_RULES) {
            Ok(rules) => rules,
            // The embedded file is checked by the crate's tests; an edit that breaks it
            // cannot pass them, so this arm is never taken in a released binary.
            Err(error) => panic!("the embedded rules are broken: {error}"),
        }
    }

    /// Reads rule text; `source_name` (a file name, say) is used in error messages.
    /// Words are checked here; category codes only when the rules are compiled.
    pub fn parse(source_name: &str, text: &str) -> Result<Self, RuleError> {
        let line_of = |offset: usize| line_at(text, offset);
        let origin = |offset: usize| Origin {
            source_name: source_name.to_string(),
            line: line_of(offset),
        };
        let raw: RawFile = toml::from_str(text).map_err(|error| RuleError {
            source_name: source_name.to_string(),
            line: error.span().map_or(1, |span| line_of(span.start)),
            message: error.message().trim().to_string(),
        })?;
        let mut set = Self::default();
        if let Some(fallback) = raw.fallback {
            let at = origin(fallback.span().start);
            set.fallback = Some((fallback.into_inner(), at));
        }
        for entry in raw.category {
            let at = origin(entry.span().start);
            let category = entry.into_inner();
            check_code(&category.code, &at)?;
            if category.name.trim().is_empty() {
                return Err(at.error(format!("category {:?} has an empty name", category.code)));
            }
            set.categories.push(CategoryDef {
                code: category.code,
                name: category.name.trim().to_string(),
                parent: category.parent.filter(|p| !p.is_empty()),
                origin: at,
            });
        }
        if let Some(negation) = raw.negation {
            let at = origin(0);
            for cue in &negation.cues {
                check_word(cue, &at)?;
            }
            set.cues = negation.cues.iter().map(|c| crate::normalize(c)).collect();
            set.window = negation.window;
        }
        if let Some(segmenter) = raw.segmenter {
            let at = origin(0);
            for word in &segmenter.words {
                check_word(word, &at)?;
            }
            set.dictionary = segmenter
                .words
                .iter()
                .map(|w| crate::normalize(w))
                .collect();
        }
        for entry in raw.rule {
            let at = origin(entry.span().start);
            let rule = entry.into_inner();
            check_weight(rule.weight, &at)?;
            if rule.words.is_empty() {
                return Err(at.error("a rule needs at least one word"));
            }
            for word in &rule.words {
                check_word(word, &at)?;
            }
            set.rules.push(RuleDef {
                category: rule.category,
                weight: rule.weight,
                words: rule.words.iter().map(|w| crate::normalize(w)).collect(),
                hint: rule.hint,
                negatable: rule.negatable,
                extension: false,
                origin: at,
            });
        }
        for entry in raw.combo {
            let at = origin(entry.span().start);
            let combo = entry.into_inner();
            check_weight(combo.weight, &at)?;
            if combo.all.len() < 2 {
                return Err(at.error("a combination needs at least two elements in `all`"));
            }
            let mut all = Vec::with_capacity(combo.all.len());
            for element in &combo.all {
                let mut alternatives = Vec::new();
                for word in element.split('|') {
                    check_word(word, &at)?;
                    alternatives.push(crate::normalize(word));
                }
                all.push(alternatives);
            }
            set.combos.push(ComboDef {
                category: combo.category,
                weight: combo.weight,
                all,
                hint: combo.hint,
                negatable: combo.negatable,
                extension: false,
                origin: at,
            });
        }
        Ok(set)
    }

    /// Adds `other`'s entries after this set's: an extension adds categories, cues,
    /// words, rules and combinations; its negation window and fallback, if given, win.
    /// Its rules and combinations are marked as the administrator's: where one of them
    /// matches a narrative, the rules' answer is taken over the statistical model's.
    pub fn merge(&mut self, mut other: Self) {
        for rule in &mut other.rules {
            rule.extension = true;
        }
        for combo in &mut other.combos {
            combo.extension = true;
        }
        self.categories.extend(other.categories);
        self.cues.extend(other.cues);
        if other.window.is_some() {
            self.window = other.window;
        }
        self.dictionary.extend(other.dictionary);
        self.rules.extend(other.rules);
        self.combos.extend(other.combos);
        if other.fallback.is_some() {
            self.fallback = other.fallback;
        }
    }
}

fn line_at(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    1 + text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

fn check_code(code: &str, at: &Origin) -> Result<(), RuleError> {
    let ok = !code.is_empty()
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(at.error(format!(
            "category code {code:?} must be lower-case letters, digits and _"
        )))
    }
}

fn check_word(word: &str, at: &Origin) -> Result<(), RuleError> {
    if word.is_empty() {
        return Err(at.error("a word is empty"));
    }
    if word.chars().any(|c| c.is_whitespace() || c == '|') {
        return Err(at.error(format!(
            "the word {word:?} contains a space or `|`; list alternatives as separate words"
        )));
    }
    Ok(())
}

fn check_weight(weight: f64, at: &Origin) -> Result<(), RuleError> {
    if weight.is_finite() && weight > 0.0 && weight <= 100.0 {
        Ok(())
    } else {
        Err(at.error(format!(
            "weight {weight} must be a number above 0 and at most 100"
        )))
    }
}
