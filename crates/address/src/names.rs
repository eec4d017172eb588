//! Name keys and fuzzy name similarity.
//!
//! A key is the name with numerals as digits and, for communities, compounds and
//! townships, without the generic suffix: 供电局家属院 → 供电局, 枫源村 → 枫源,
//! 望京西园三区 → 望京西园3区. Similarity is the longest common subsequence over the
//! total length (so 供电家属院 ~ 供电局家属院 survives the inserted 局), lifted when
//! one name is contained in the other, and capped when the names differ in a
//! direction (中山路 ≠ 中山北路) or in their numbers (中山一路 ≠ 中山二路), because
//! those differences name another place rather than misspell the same one.

use crate::keywords::{NameKind, keyword_at, keyword_ending};
use crate::numerals::convert_all;
use crate::parse::Name;

/// Longest key kept; longer names are cut (a 10 kB line must not cost quadratic time).
const MAX_KEY: usize = 48;

/// A name ready for comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NameKey {
    pub kind: NameKind,
    pub chars: Box<[char]>,
    /// The generic suffix taken off (`小区`), to prefer the exact compound on a tie.
    pub suffix: Option<&'static str>,
    /// The directions that qualify the name (see [`direction_marks`]), read before the
    /// suffix is taken off.
    directions: [bool; 5],
}

impl NameKey {
    pub fn new(name: &Name) -> NameKey {
        let mut chars = convert_all(&name.text);
        let directions = direction_marks(&chars);
        let mut suffix = None;
        if name.kind.strips_suffix()
            && let Some((len, found)) = keyword_ending(&chars)
            && len + 2 <= chars.len()
        {
            // 阳湾 keeps its 湾: a one-character key says too little to compare.
            chars.truncate(chars.len() - len);
            suffix = Some(found.text);
        }
        chars.truncate(MAX_KEY);
        NameKey {
            kind: name.kind,
            chars: chars.into_boxed_slice(),
            suffix,
            directions,
        }
    }

    /// The bigrams of the key (one unigram for a one-char key), for the index.
    pub fn grams(&self, out: &mut Vec<u64>) {
        match &*self.chars {
            [] => {}
            [only] => out.push(gram(*only, '\0')),
            chars => out.extend(chars.windows(2).map(|w| gram(w[0], w[1]))),
        }
    }

    /// The bigrams of characters one apart, indexed for entries only: a query's
    /// abbreviation 武大 then finds 武汉大学 through 武_大.
    pub fn skip_grams(&self, out: &mut Vec<u64>) {
        out.extend(self.chars.windows(3).map(|w| gram(w[0], w[2])));
    }
}

fn gram(a: char, b: char) -> u64 {
    u64::from(u32::from(a)) << 32 | u64::from(u32::from(b))
}

/// Similarity of two keys in [0, 1].
pub(crate) fn similarity(a: &NameKey, b: &NameKey) -> f32 {
    let (x, y) = (&*a.chars, &*b.chars);
    if x.is_empty() || y.is_empty() {
        return 0.0;
    }
    let mut score = if x == y {
        1.0
    } else {
        let common = lcs_len(x, y);
        let (short, long) = if x.len() <= y.len() {
            (x.len(), y.len())
        } else {
            (y.len(), x.len())
        };
        let ratio = 2.0 * common as f32 / (x.len() + y.len()) as f32;
        if common == short && short >= 2 {
            ratio.max(0.7 + 0.3 * short as f32 / long as f32)
        } else {
            ratio
        }
    };
    if a.directions != b.directions || differs_in_numbers(x, y) {
        score = score.min(0.4);
    }
    // 和平小区 and 和平花园 share the key 和平; the one spelt the same ranks first.
    if a.suffix.is_some() && b.suffix.is_some() && a.suffix != b.suffix {
        score *= 0.85;
    }
    score
}

fn lcs_len(x: &[char], y: &[char]) -> usize {
    let mut previous = [0u8; MAX_KEY + 1];
    let mut current = [0u8; MAX_KEY + 1];
    for &cx in x.iter().take(MAX_KEY) {
        for (j, &cy) in y.iter().take(MAX_KEY).enumerate() {
            current[j + 1] = if cx == cy {
                previous[j] + 1
            } else {
                previous[j + 1].max(current[j])
            };
        }
        std::mem::swap(&mut previous, &mut current);
    }
    usize::from(previous[y.len().min(MAX_KEY)])
}

/// The directions that qualify a name: 西 in 北京西路 or 艮塔西路, 北 in 建设北大街,
/// 南 in 龙湖花园南苑, 西 in 望京西园三区: a direction right before a road suffix or a
/// one-character compound part. Elsewhere a direction is part of a proper name
/// (山西大学, 北京路, 南新村, 河西村) and spelling it out or not changes nothing.
fn direction_marks(s: &[char]) -> [bool; 5] {
    let mut marks = [false; 5];
    for (i, c) in s.iter().enumerate() {
        let Some(slot) = ['东', '西', '南', '北', '中'].iter().position(|d| d == c) else {
            continue;
        };
        let tail = &s[i + 1..];
        let qualifies = matches!(tail.first(), Some('苑' | '园' | '院' | '区' | '里'))
            || keyword_at(tail, 0).is_some_and(|(_, suffix)| suffix.kind == NameKind::Road);
        marks[slot] |= qualifies;
    }
    marks
}

/// Whether both names carry numbers or letters and they differ (中山1路 / 中山2路,
/// 宿舍B区 / 宿舍C区): those name sub-areas, not spellings.
fn differs_in_numbers(x: &[char], y: &[char]) -> bool {
    fn marks(s: &[char]) -> impl Iterator<Item = char> + '_ {
        s.iter().filter(|c| c.is_ascii_alphanumeric()).copied()
    }
    if marks(x).next().is_none() || marks(y).next().is_none() {
        return false;
    }
    !marks(x).eq(marks(y))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(kind: NameKind, text: &str) -> NameKey {
        NameKey::new(&Name {
            kind,
            text: text.chars().collect(),
        })
    }

    fn sim(kind: NameKind, a: &str, b: &str) -> f32 {
        similarity(&key(kind, a), &key(kind, b))
    }

    #[test]
    fn keys_drop_generic_suffixes_and_read_numerals() {
        let compound = key(NameKind::Compound, "望京西园三区");
        assert_eq!(compound.chars.iter().collect::<String>(), "望京西园3区");
        let village = key(NameKind::Community, "枫源村");
        assert_eq!(village.chars.iter().collect::<String>(), "枫源");
    }

    #[test]
    fn a_name_with_a_word_left_out_still_matches() {
        assert!(sim(NameKind::Compound, "供电局家属院", "供电家属院") >= 0.8);
        assert!(sim(NameKind::Community, "枫源村", "枫源") >= 0.9);
    }

    #[test]
    fn other_directions_and_other_numbers_are_other_places() {
        assert!(sim(NameKind::Road, "中山路", "中山北路") < 0.5);
        assert!(sim(NameKind::Road, "艮塔西路", "艮塔东路") < 0.5);
        assert!(sim(NameKind::Road, "中山一路", "中山二路") < 0.5);
        assert!(sim(NameKind::Compound, "农科院宿舍B区", "农科院宿舍C区") < 0.5);
        assert!(sim(NameKind::Compound, "龙湖花园南苑", "龙湖花园北苑") < 0.5);
        assert!(sim(NameKind::Road, "淮海中路", "淮海路") < 0.5);
    }

    #[test]
    fn a_direction_inside_a_proper_name_is_not_a_qualifier() {
        assert!(sim(NameKind::Compound, "山大家属区", "山西大学家属区") >= 0.8);
        assert!(sim(NameKind::Poi, "北京大学附属医院", "北京大学医院") >= 0.7);
        assert!(sim(NameKind::Compound, "望京西园", "望京西园三区") >= 0.7);
        assert!(sim(NameKind::Rest, "河中", "河中村") >= 0.7);
        assert!(sim(NameKind::Rest, "南新", "南新村") >= 0.7);
        assert!(sim(NameKind::Road, "和平路", "和平街") < 0.7);
    }
}
