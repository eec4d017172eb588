//! Finding the rules' words in a narrative: jieba cuts it into words, and a rule word
//! matches a run of whole words ("拖欠" + "工资") or, when it has two characters or
//! more, a part of one longer word ("打架" in "打架斗殴"). A word never matches across
//! a partial cut, so 火 does not fire inside 火车 and 人打 not in 有人打架. Parts are
//! looked for in words of four characters or more (idioms and compounds such as
//! 打架斗殴, 卖淫嫖娼), and in a word of three only as its last two characters, the
//! head of the compound (工资 in 月工资), unless the word is a rule word itself (no
//! 租车 in 出租车); elsewhere in short words a part is usually another word.

use rustc_hash::FxHashMap;

use crate::Classifier;

/// Where a vocabulary word was first found, and whether once without a negation cue
/// just before it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Found {
    pub(crate) position: usize,
    pub(crate) plain: bool,
}

/// Every vocabulary word among the narrative's `tokens` (cut by [`Classifier::cut`]),
/// by vocabulary index.
pub(crate) fn find(classifier: &Classifier, tokens: &[&str]) -> FxHashMap<usize, Found> {
    let lengths: Vec<usize> = tokens.iter().map(|t| t.chars().count()).collect();
    let mut found: FxHashMap<usize, Found> = FxHashMap::default();
    let mut record = |word: usize, position: usize, negated: bool| {
        let entry = found.entry(word).or_insert(Found {
            position,
            plain: !negated,
        });
        if !negated && !entry.plain {
            *entry = Found {
                position,
                plain: true,
            };
        }
    };
    let mut run = String::new();
    for start in 0..tokens.len() {
        if is_boundary(tokens[start]) {
            continue;
        }
        let negated = classifier.negated_before(tokens, start);
        run.clear();
        let mut chars = 0;
        for end in start..tokens.len() {
            chars += lengths[end];
            if chars > classifier.longest_word || is_boundary(tokens[end]) {
                break;
            }
            run.push_str(tokens[end]);
            if let Some(&word) = classifier.vocabulary.get(run.as_str()) {
                record(word, start, negated);
            }
        }
        let whole_is_rule_word = classifier.vocabulary.contains_key(tokens[start]);
        if lengths[start] >= 4 || (lengths[start] == 3 && !whole_is_rule_word) {
            inside(classifier, tokens[start], lengths[start], |offset, word| {
                let negated = if offset == 0 {
                    negated
                } else {
                    let before = &tokens[start][..offset];
                    classifier
                        .cues
                        .iter()
                        .any(|cue| before.ends_with(cue.as_str()))
                };
                record(word, start, negated);
            });
        }
    }
    found
}

/// Calls `each(byte offset, word)` for every vocabulary word of two or more characters
/// that is a proper part of `token` (of four characters or more).
fn inside(classifier: &Classifier, token: &str, length: usize, mut each: impl FnMut(usize, usize)) {
    let offsets: Vec<usize> = token
        .char_indices()
        .map(|(at, _)| at)
        .chain(std::iter::once(token.len()))
        .collect();
    // In a word of three characters that is no rule word itself (出租车 is one, and
    // means no 租车) only its last two are looked at: the head of a Chinese compound is
    // its end (工资 in 月工资), while its start is often another word (动车 in 电动车).
    let first = if length == 3 { 1 } else { 0 };
    for from in first..length {
        let most = classifier.longest_word.min(length - from);
        for size in 2..=most {
            if from == 0 && size == length {
                continue;
            }
            let part = &token[offsets[from]..offsets[from + size]];
            if let Some(&word) = classifier.vocabulary.get(part) {
                each(offsets[from], word);
            }
        }
    }
}

/// Punctuation and spaces end a clause: negation does not reach past them, and no
/// word is matched across them.
pub(crate) fn is_boundary(token: &str) -> bool {
    !token.chars().any(char::is_alphanumeric)
}

impl Classifier {
    /// The narrative (already normalised) cut into words by the segmenter.
    pub(crate) fn cut<'a>(&self, text: &'a str) -> Vec<&'a str> {
        self.jieba
            .cut(text, false)
            .into_iter()
            .map(|token| token.word)
            .collect()
    }

    /// Whether a negation cue stands within the window before `tokens[at]`, in the same
    /// clause.
    pub(crate) fn negated_before(&self, tokens: &[&str], at: usize) -> bool {
        tokens[..at]
            .iter()
            .rev()
            .take(self.window)
            .take_while(|token| !is_boundary(token))
            .any(|token| self.cues.contains(*token))
    }
}
