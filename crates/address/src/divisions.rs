//! Administrative divisions (行政区划): province → city → county → township, from the
//! National Bureau of Statistics codes (2023 edition, see `data/README.md`).
//!
//! The table is embedded in the binary and indexed once, on first use, into an
//! Aho–Corasick automaton over every full name and every safe short form (浙江省/浙江,
//! 诸暨市/诸暨, 广西壮族自治区/广西, 宿迁经济技术开发区/宿迁经开区, 东华门街道/东华门
//! 街道办事处). Recognition (see [`DivisionTable::recognize`]) reads divisions only at
//! the start of an address, one level after another, and keeps every candidate a name
//! may denote until context decides: 朝阳区 is in Beijing and in Changchun.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind, Anchored, Input, MatchKind, StartKind};
use rustc_hash::FxHashMap;

static DATA: &str = include_str!("../data/divisions.tsv");

/// The four levels of the table, coarse to fine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// 省级: province, municipality, autonomous region.
    Province = 0,
    /// 地级: prefecture-level city, prefecture, league, autonomous prefecture.
    City = 1,
    /// 县级: county, district, county-level city, banner, development zone.
    County = 2,
    /// 乡级: town 镇, township 乡, street office 街道, sumu 苏木 and the like.
    Township = 3,
}

impl Level {
    /// All levels, coarse to fine.
    pub const ALL: [Level; 4] = [Level::Province, Level::City, Level::County, Level::Township];

    fn from_code_len(len: usize) -> Option<Level> {
        match len {
            2 => Some(Level::Province),
            4 => Some(Level::City),
            6 => Some(Level::County),
            9 => Some(Level::Township),
            _ => None,
        }
    }

    fn code_len(self) -> usize {
        match self {
            Level::Province => 2,
            Level::City => 4,
            Level::County => 6,
            Level::Township => 9,
        }
    }
}

/// One division of the table.
#[derive(Debug, Clone)]
pub struct Division {
    /// The code as the statistics bureau prints it at this level (2, 4, 6 or 9 digits).
    pub short_code: u64,
    /// The full official name, e.g. `诸暨市`.
    pub name: &'static str,
    /// Its level.
    pub level: Level,
    /// Index of the division at each coarser level, where the table has one (counties
    /// of a municipality have no city, for instance).
    ancestors: [Option<u32>; 3],
}

impl Division {
    /// The 12-digit statistics code, e.g. `330681000000` for 诸暨市.
    pub fn code(&self) -> String {
        let digits = self.short_code.to_string();
        format!("{digits:0<12}")
    }
}

/// The candidates recognised at each level, as indexes into the table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LevelSets {
    /// Candidates per level; empty when the level is unknown.
    pub sets: [Vec<u32>; 4],
    /// True when a level was read from a short name that nothing else confirmed (a
    /// higher level, or a lower level inside it). Such a reading is a guess: `中山`
    /// alone may be the city or the start of a landmark's name.
    pub unconfirmed: bool,
}

impl LevelSets {
    /// The candidates at `level`.
    pub fn at(&self, level: Level) -> &[u32] {
        &self.sets[level as usize]
    }

    /// Whether no level was recognised.
    pub fn is_empty(&self) -> bool {
        self.sets.iter().all(Vec::is_empty)
    }
}

/// What recognition found at the start of an address.
#[derive(Debug, Clone, Default)]
pub struct Recognized {
    /// Candidates per level.
    pub levels: LevelSets,
    /// How many bytes of the text the division names took.
    pub consumed: usize,
}

#[derive(Debug, Clone, Copy)]
struct Target {
    division: u32,
    short: bool,
}

/// The division table with its name index.
#[derive(Debug)]
pub struct DivisionTable {
    divisions: Vec<Division>,
    by_code: FxHashMap<u64, u32>,
    automaton: AhoCorasick,
    /// For each automaton pattern, the range of its targets in `targets`.
    pattern_targets: Vec<(u32, u32)>,
    targets: Vec<Target>,
}

/// The embedded table, indexed on first use (about 45,000 divisions).
pub fn table() -> &'static DivisionTable {
    static TABLE: OnceLock<DivisionTable> = OnceLock::new();
    TABLE.get_or_init(DivisionTable::build)
}

impl DivisionTable {
    fn build() -> DivisionTable {
        let mut divisions: Vec<Division> = Vec::with_capacity(45_000);
        let mut by_code: FxHashMap<u64, u32> = FxHashMap::default();
        for line in DATA.lines() {
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let Some((code, name)) = line.split_once('\t') else {
                continue;
            };
            let (Some(level), Ok(short_code)) = (Level::from_code_len(code.len()), code.parse())
            else {
                continue;
            };
            let mut ancestors = [None; 3];
            for coarser in &Level::ALL[..level as usize] {
                ancestors[*coarser as usize] = code
                    .get(..coarser.code_len())
                    .and_then(|prefix| prefix.parse::<u64>().ok())
                    .and_then(|prefix| by_code.get(&prefix).copied());
            }
            let index = u32::try_from(divisions.len()).unwrap_or(u32::MAX);
            by_code.insert(short_code, index);
            divisions.push(Division {
                short_code,
                name,
                level,
                ancestors,
            });
        }

        let mut by_name: FxHashMap<String, Vec<Target>> = FxHashMap::default();
        for (index, division) in divisions.iter().enumerate() {
            let index = u32::try_from(index).unwrap_or(u32::MAX);
            for (name, short) in crate::aliases::aliases(division.level, division.name) {
                by_name.entry(name).or_default().push(Target {
                    division: index,
                    short,
                });
            }
        }
        let mut names: Vec<(String, Vec<Target>)> = by_name.into_iter().collect();
        names.sort_by(|a, b| a.0.cmp(&b.0));
        let mut pattern_targets = Vec::with_capacity(names.len());
        let mut targets = Vec::new();
        let mut patterns = Vec::with_capacity(names.len());
        for (name, list) in names {
            let start = u32::try_from(targets.len()).unwrap_or(u32::MAX);
            targets.extend(list);
            let end = u32::try_from(targets.len()).unwrap_or(u32::MAX);
            pattern_targets.push((start, end));
            patterns.push(name);
        }
        let automaton = AhoCorasick::builder()
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .match_kind(MatchKind::LeftmostLongest)
            .start_kind(StartKind::Anchored)
            .build(&patterns)
            .unwrap_or_else(|error| {
                // The patterns are the embedded table: a failure here is a bug in the
                // build, caught by every test, never a runtime condition.
                panic!("the embedded division table does not index: {error}")
            });
        DivisionTable {
            divisions,
            by_code,
            automaton,
            pattern_targets,
            targets,
        }
    }

    /// The division at `index`.
    pub fn get(&self, index: u32) -> Option<&Division> {
        self.divisions.get(index as usize)
    }

    /// The division with this code, in short (2/4/6/9 digits) or 12-digit form.
    pub fn by_code(&self, code: &str) -> Option<&Division> {
        // A 12-digit code pads the short code with zeros: the shortest prefix whose
        // tail is all zeros is the short code (330681000000 → 330681).
        let trimmed = if code.len() == 12 {
            [2, 4, 6, 9]
                .into_iter()
                .find(|&len| {
                    code.get(len..)
                        .is_some_and(|tail| tail.bytes().all(|b| b == b'0'))
                })
                .and_then(|len| code.get(..len))
                .unwrap_or(code)
        } else {
            code
        };
        let value: u64 = trimmed.parse().ok()?;
        self.by_code.get(&value).and_then(|&i| self.get(i))
    }

    /// Every division, coarse levels first within each province.
    pub fn iter(&self) -> impl Iterator<Item = &Division> {
        self.divisions.iter()
    }

    /// How many divisions the table holds.
    pub fn len(&self) -> usize {
        self.divisions.len()
    }

    /// Whether the table is empty (it never is; the data is embedded).
    pub fn is_empty(&self) -> bool {
        self.divisions.is_empty()
    }

    /// The ancestor of `index` at `level`, or `index` itself when it is at that level.
    pub fn ancestor(&self, index: u32, level: Level) -> Option<u32> {
        let division = self.get(index)?;
        if division.level == level {
            Some(index)
        } else if level < division.level {
            division.ancestors[level as usize]
        } else {
            None
        }
    }

    /// Reads division names at the start of `text` (already normalised), each level
    /// finer than the one before, and returns the candidates and how much text they
    /// took. With `allow_unconfirmed` false, a short name must be confirmed by context.
    pub fn recognize(&self, text: &str, allow_unconfirmed: bool) -> Recognized {
        let mut found = Recognized::default();
        let mut position = 0;
        let mut matches: Vec<(usize, usize)> = Vec::new();
        while position < text.len() {
            self.prefixes(text, position, &mut matches);
            let mut advanced = false;
            for &(end, pattern) in &matches {
                let Some(chosen) = self.choose(&found.levels, pattern) else {
                    continue;
                };
                let confirmed = !chosen.short
                    || !found.levels.is_empty()
                    || self.confirmed_by_next(text, end, &chosen.candidates);
                if !confirmed
                    && (!allow_unconfirmed || crate::keywords::continues_a_name(&text[end..]))
                {
                    continue;
                }
                found.levels.unconfirmed |= !confirmed;
                self.assign(&mut found.levels, chosen);
                position = end;
                advanced = true;
                break;
            }
            if !advanced {
                break;
            }
        }
        found.consumed = position;
        found
    }

    /// All names starting at `position`, longest first, as (end, pattern).
    fn prefixes(&self, text: &str, position: usize, out: &mut Vec<(usize, usize)>) {
        out.clear();
        // The automaton reports the longest name at `position`; searching again in a
        // shorter window gives the next shorter one (浙江省 → 浙江).
        let mut limit = text.len();
        while limit > position {
            let input = Input::new(text)
                .range(position..limit)
                .anchored(Anchored::Yes);
            let Ok(Some(found)) = self.automaton.try_find(input) else {
                break;
            };
            out.push((found.end(), found.pattern().as_usize()));
            limit = found.end() - 1;
        }
    }

    /// Whether the name right after `end` is a division inside one of `candidates`
    /// (`深圳南山`: 南山 is a district of 深圳, so 深圳 is meant).
    fn confirmed_by_next(&self, text: &str, end: usize, candidates: &[u32]) -> bool {
        let mut next = Vec::new();
        self.prefixes(text, end, &mut next);
        next.iter().any(|&(_, pattern)| {
            self.targets_of(pattern).iter().any(|target| {
                candidates.iter().any(|&c| {
                    let level = self.divisions[c as usize].level;
                    self.ancestor(target.division, level) == Some(c) && target.division != c
                })
            })
        })
    }

    fn targets_of(&self, pattern: usize) -> &[Target] {
        let (start, end) = self.pattern_targets[pattern];
        &self.targets[start as usize..end as usize]
    }

    /// The candidates of `pattern` that fit what is already known, at the coarsest
    /// level they reach.
    fn choose(&self, levels: &LevelSets, pattern: usize) -> Option<Chosen> {
        let deepest = Level::ALL
            .iter()
            .rev()
            .find(|level| !levels.at(**level).is_empty())
            .copied();
        let fitting: Vec<Target> = self
            .targets_of(pattern)
            .iter()
            .copied()
            .filter(|t| {
                let division = &self.divisions[t.division as usize];
                deepest.is_none_or(|d| division.level > d) && self.fits(levels, t.division)
            })
            .collect();
        let top = fitting
            .iter()
            .map(|t| self.divisions[t.division as usize].level)
            .min()?;
        let mut candidates: Vec<u32> = Vec::new();
        let mut short = true;
        for t in &fitting {
            if self.divisions[t.division as usize].level == top {
                candidates.push(t.division);
                short &= t.short;
            }
        }
        // 东莞市 is both a city and the county-level unit under it that holds its
        // towns: take both, so that a town of 东莞 fits either reading.
        let mut nested: Vec<u32> = Vec::new();
        for t in &fitting {
            let division = &self.divisions[t.division as usize];
            if division.level > top
                && !t.short
                && candidates
                    .iter()
                    .any(|&c| self.ancestor(t.division, top) == Some(c))
            {
                nested.push(t.division);
            }
        }
        Some(Chosen {
            level: top,
            candidates,
            nested,
            short,
        })
    }

    /// Whether `index` agrees with every level already recognised.
    fn fits(&self, levels: &LevelSets, index: u32) -> bool {
        let division = &self.divisions[index as usize];
        Level::ALL[..division.level as usize].iter().all(|&level| {
            let known = levels.at(level);
            known.is_empty()
                || division.ancestors[level as usize].is_some_and(|a| known.contains(&a))
        })
    }

    fn assign(&self, levels: &mut LevelSets, chosen: Chosen) {
        let level = chosen.level;
        // Narrow the coarser levels to the ancestors of what was just read, and fill
        // in those that all candidates share (诸暨市 implies 绍兴市 and 浙江省).
        for &coarser in &Level::ALL[..level as usize] {
            let ancestors: Vec<Option<u32>> = chosen
                .candidates
                .iter()
                .map(|&c| self.ancestor(c, coarser))
                .collect();
            let set = &mut levels.sets[coarser as usize];
            if set.is_empty() {
                // Only when every candidate has the same one: 朝阳区 of Beijing has no
                // city level at all, so 朝阳区 alone implies no city.
                let first = ancestors.first().copied().flatten();
                if first.is_some() && ancestors.iter().all(|&a| a == first) {
                    set.extend(first);
                }
            } else {
                set.retain(|a| ancestors.contains(&Some(*a)));
            }
        }
        for &nested in &chosen.nested {
            let nested_level = self.divisions[nested as usize].level;
            levels.sets[nested_level as usize].push(nested);
        }
        levels.sets[level as usize] = chosen.candidates;
    }

    /// The official name shared by all `candidates`, if they share one.
    pub fn common_name(&self, candidates: &[u32]) -> Option<&'static str> {
        let first = self.get(*candidates.first()?)?.name;
        candidates
            .iter()
            .all(|&c| self.get(c).is_some_and(|d| d.name == first))
            .then_some(first)
    }
}

struct Chosen {
    level: Level,
    candidates: Vec<u32>,
    nested: Vec<u32>,
    short: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(found: &Recognized, level: Level) -> Vec<&'static str> {
        found
            .levels
            .at(level)
            .iter()
            .filter_map(|&i| table().get(i).map(|d| d.name))
            .collect()
    }

    #[test]
    fn a_full_chain_of_names_is_read_level_by_level() {
        let found = table().recognize("浙江省绍兴市诸暨市枫桥镇枫源村", true);
        assert_eq!(names(&found, Level::Township), ["枫桥镇"]);
        assert_eq!(names(&found, Level::County), ["诸暨市"]);
        assert_eq!(
            &"浙江省绍兴市诸暨市枫桥镇枫源村"[found.consumed..],
            "枫源村"
        );
    }

    #[test]
    fn a_county_implies_its_city_and_province() {
        let found = table().recognize("诸暨枫桥大道288号", true);
        assert_eq!(names(&found, Level::Province), ["浙江省"]);
        assert_eq!(names(&found, Level::City), ["绍兴市"]);
        assert!(found.levels.unconfirmed);
    }

    #[test]
    fn a_short_name_followed_by_a_road_suffix_is_not_a_division() {
        let found = table().recognize("中山大道888号", true);
        assert!(found.levels.is_empty());
        assert_eq!(found.consumed, 0);
    }

    #[test]
    fn a_short_city_is_confirmed_by_a_district_inside_it() {
        let found = table().recognize("深圳南山科技园", false);
        assert_eq!(names(&found, Level::County), ["南山区"]);
        assert!(!found.levels.unconfirmed);
    }

    #[test]
    fn an_ambiguous_district_keeps_every_candidate_until_context_decides() {
        let alone = table().recognize("朝阳区望京西园", true);
        assert!(alone.levels.at(Level::County).len() >= 2);
        let in_beijing = table().recognize("北京朝阳区望京西园", true);
        assert_eq!(in_beijing.levels.at(Level::County).len(), 1);
    }

    #[test]
    fn twelve_digit_codes_find_their_division() {
        let zhuji = table().by_code("330681000000").map(|d| d.name);
        assert_eq!(zhuji, Some("诸暨市"));
        let town = table().by_code("330681109000").map(|d| d.level);
        assert_eq!(town, Some(Level::Township));
    }
}
