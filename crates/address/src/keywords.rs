//! The words that give a piece of an address its kind: the suffixes of names (路, 村,
//! 小区, 派出所…) and the filler people add around them (门口, 对面, 楼下…).
//!
//! A *strong* suffix ends a name wherever it appears (`科技园社区|科苑路`); a *weak* one
//! only at the end of a run of text, because it also occurs inside names (`枫桥大道`
//! must not split at 桥, `望京西园` is one compound).

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

/// The kind of a named piece of an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NameKind {
    /// A township or street office not found in the division table.
    Township,
    /// A community 社区 or village 村 (居委会, 村委会).
    Community,
    /// A road, street or lane.
    Road,
    /// A compound, courtyard or building complex (小区, 院, 花园, 苑…).
    Compound,
    /// A landmark: a station, school, shop, office (派出所, 医院, 超市…).
    Poi,
    /// Text with no recognisable suffix.
    Rest,
}

impl NameKind {
    /// Whether the generic suffix is dropped from the name's key (和平小区 ~ 和平花园
    /// ~ 和平, 枫源村 ~ 枫源). Roads and landmarks keep theirs: 和平路 is not 和平街.
    pub fn strips_suffix(self) -> bool {
        matches!(
            self,
            NameKind::Township | NameKind::Community | NameKind::Compound
        )
    }
}

/// A name suffix.
#[derive(Debug, Clone, Copy)]
pub struct Suffix {
    /// The suffix, as characters.
    pub text: &'static str,
    /// The kind of the name it ends.
    pub kind: NameKind,
    /// Whether it ends a name even in the middle of a run of text.
    pub strong: bool,
}

const fn s(text: &'static str, kind: NameKind, strong: bool) -> Suffix {
    Suffix { text, kind, strong }
}

use NameKind::{Community, Compound, Poi, Road, Township};

const SUFFIXES: &[Suffix] = &[
    s("街道办事处", Township, true),
    s("街道办", Township, true),
    s("街道", Township, true),
    s("街办", Township, true),
    s("镇", Township, false),
    s("乡", Township, false),
    s("苏木", Township, false),
    s("社区居委会", Community, true),
    s("社区居民委员会", Community, true),
    s("居民委员会", Community, true),
    s("村民委员会", Community, true),
    s("居委会", Community, true),
    s("村委会", Community, true),
    s("社区", Community, true),
    s("村", Community, false),
    s("嘎查", Community, false),
    s("大道", Road, true),
    s("大街", Road, true),
    s("胡同", Road, true),
    s("公路", Road, true),
    s("路", Road, true),
    s("街", Road, false),
    s("巷", Road, false),
    s("弄", Road, false),
    s("道", Road, false),
    s("小区", Compound, true),
    s("花园", Compound, true),
    s("家园", Compound, true),
    s("公寓", Compound, true),
    s("家属院", Compound, true),
    s("家属区", Compound, true),
    s("家属楼", Compound, true),
    s("宿舍", Compound, true),
    s("大厦", Compound, true),
    s("园区", Compound, true),
    s("新村", Compound, false),
    s("广场", Compound, false),
    s("公馆", Compound, false),
    s("山庄", Compound, false),
    s("庄园", Compound, false),
    s("别墅", Compound, false),
    s("大院", Compound, false),
    s("苑", Compound, false),
    s("院", Compound, false),
    s("园", Compound, false),
    s("府", Compound, false),
    s("城", Compound, false),
    s("里", Compound, false),
    s("湾", Compound, false),
    s("居", Compound, false),
    s("郡", Compound, false),
    s("邸", Compound, false),
    s("阁", Compound, false),
    s("派出所", Poi, true),
    s("警务室", Poi, true),
    s("医院", Poi, true),
    s("卫生院", Poi, true),
    s("卫生室", Poi, true),
    s("卫生服务站", Poi, true),
    s("学校", Poi, true),
    s("小学", Poi, true),
    s("中学", Poi, true),
    s("大学", Poi, true),
    s("幼儿园", Poi, true),
    s("公司", Poi, true),
    s("银行", Poi, true),
    s("超市", Poi, true),
    s("酒店", Poi, true),
    s("宾馆", Poi, true),
    s("饭店", Poi, true),
    s("商场", Poi, true),
    s("市场", Poi, true),
    s("菜场", Poi, true),
    s("车站", Poi, true),
    s("加油站", Poi, true),
    s("政府", Poi, true),
    s("公园", Poi, true),
    s("学院", Poi, false),
    s("中心", Poi, false),
    s("大楼", Poi, false),
    s("馆", Poi, false),
    s("所", Poi, false),
    s("局", Poi, false),
    s("厂", Poi, false),
    s("店", Poi, false),
    s("站", Poi, false),
    s("寺", Poi, false),
    s("庙", Poi, false),
    s("桥", Poi, false),
    s("码头", Poi, false),
];

/// Filler words around a place that say nothing about which place it is.
const FILLERS: &[&str] = &[
    "斜对面",
    "对面",
    "大门口",
    "门口",
    "大门",
    "正门",
    "后门",
    "侧门",
    "门前",
    "楼下",
    "楼上",
    "楼前",
    "楼后",
    "楼里",
    "旁边",
    "边上",
    "隔壁",
    "附近",
    "周边",
    "一带",
    "十字路口",
    "路口",
    "交叉口",
    "交汇处",
    "路边",
    "东侧",
    "西侧",
    "南侧",
    "北侧",
    "东边",
    "西边",
    "南边",
    "北边",
    "东面",
    "西面",
    "南面",
    "北面",
    "后面",
    "前面",
    "里面",
    "外面",
    "院内",
    "院子里",
    "那里",
    "这里",
    "那边",
    "这边",
    "内",
    "旁",
];

/// Words that only introduce an address: 家住, 位于, 地址.
const LEADING_FILLERS: &[&str] = &[
    "地址",
    "住址",
    "家住",
    "住在",
    "现住",
    "居住在",
    "位于",
    "靠近",
    "我在",
    "在",
];

/// Runs that are filler when they stand alone between numbers (`3号楼下`).
const LONE_FILLERS: &[&str] = &["下", "上", "前", "后", "边", "处", "楼"];

struct SuffixIndex {
    by_first: FxHashMap<char, Vec<(Vec<char>, Suffix)>>,
}

fn index() -> &'static SuffixIndex {
    static INDEX: OnceLock<SuffixIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut by_first: FxHashMap<char, Vec<(Vec<char>, Suffix)>> = FxHashMap::default();
        for suffix in SUFFIXES {
            let chars: Vec<char> = suffix.text.chars().collect();
            if let Some(&first) = chars.first() {
                by_first.entry(first).or_default().push((chars, *suffix));
            }
        }
        for list in by_first.values_mut() {
            list.sort_by_key(|entry| std::cmp::Reverse(entry.0.len()));
        }
        SuffixIndex { by_first }
    })
}

/// The longest suffix keyword that starts at `text[at]`, with its length in chars.
pub fn keyword_at(text: &[char], at: usize) -> Option<(usize, Suffix)> {
    let list = index().by_first.get(text.get(at)?)?;
    list.iter()
        .find(|(chars, _)| text[at..].starts_with(chars))
        .map(|(chars, suffix)| (chars.len(), *suffix))
}

/// The longest suffix keyword that ends `text`, with its length in chars.
pub fn keyword_ending(text: &[char]) -> Option<(usize, Suffix)> {
    // Keywords are at most 7 chars long; the earliest start that fits is the longest.
    (text.len().saturating_sub(7)..text.len()).find_map(|start| {
        index()
            .by_first
            .get(&text[start])?
            .iter()
            .find_map(|(chars, suffix)| {
                (text[start..] == chars[..]).then_some((chars.len(), *suffix))
            })
    })
}

/// Whether `text` consists of filler words only (`门口`, `对面`, `楼下旁边`).
pub fn is_all_filler(text: &[char]) -> bool {
    if text.is_empty() {
        return true;
    }
    if text.len() > 12 {
        return false;
    }
    FILLERS
        .iter()
        .any(|f| starts_with_str(text, f) && is_all_filler(&text[f.chars().count()..]))
}

/// Whether a whole run is a lone filler character (`下` in `3号楼下`).
pub fn is_lone_filler(text: &[char]) -> bool {
    text.len() == 1 && LONE_FILLERS.iter().any(|f| starts_with_str(text, f))
}

/// How many chars of introductory words (`家住`, `位于`) start `text`.
pub fn leading_filler_len(text: &str) -> usize {
    LEADING_FILLERS
        .iter()
        .find(|f| text.starts_with(**f) && text.len() > f.len())
        .map_or(0, |f| f.len())
}

fn starts_with_str(text: &[char], word: &str) -> bool {
    let mut chars = text.iter();
    word.chars().all(|c| chars.next() == Some(&c))
}

/// Whether `rest` continues a name rather than starting a new part of the address:
/// after `中山`, `大道…` does (it is 中山大道), `枫桥…` does not.
pub fn continues_a_name(rest: &str) -> bool {
    const CONTINUATIONS: &[&str] = &[
        "路", "街", "大道", "道", "巷", "弄", "胡同", "村", "社区", "小区", "花园", "家园", "公寓",
        "苑", "院", "园", "广场", "大厦", "新村", "里", "桥", "门", "楼", "号", "城", "湾", "庄",
        "店", "厂", "站", "局", "所", "中学", "小学", "医院", "宾馆", "酒店", "市场", "公园",
        "商场", "超市", "大学", "学院", "书店", "饭店", "公司", "银行",
    ];
    // 长安 + 派出所, 和平 + 小区: when the text up to the next number is nothing but a
    // suffix, the short name is the core of that name.
    let run: Vec<char> = rest
        .chars()
        .take_while(|c| !c.is_ascii_alphanumeric() && !matches!(c, '#' | '-'))
        .take(8)
        .collect();
    if !run.is_empty() && keyword_ending(&run).is_some_and(|(len, _)| len == run.len()) {
        return true;
    }
    let rest = rest.trim_start_matches(['东', '西', '南', '北', '中']);
    let rest = rest
        .trim_start_matches(|c: char| c.is_ascii_digit() || crate::numerals::is_chinese_numeral(c));
    CONTINUATIONS.iter().any(|c| rest.starts_with(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn the_longest_keyword_at_a_position_wins() {
        let text = chars("南池子大街");
        let (len, suffix) = keyword_at(&text, 3).unwrap_or((0, SUFFIXES[0]));
        assert_eq!((len, suffix.kind), (2, NameKind::Road));
    }

    #[test]
    fn the_kind_of_a_name_comes_from_its_ending() {
        let ending = |s: &str| keyword_ending(&chars(s)).map(|(_, suffix)| suffix.kind);
        assert_eq!(ending("供电局家属院"), Some(NameKind::Compound));
        assert_eq!(ending("枫桥派出所"), Some(NameKind::Poi));
        assert_eq!(ending("科技园社区"), Some(NameKind::Community));
        assert_eq!(ending("张三家"), None);
    }

    #[test]
    fn filler_is_recognised_only_when_nothing_else_is_left() {
        assert!(is_all_filler(&chars("门口对面")));
        assert!(!is_all_filler(&chars("门口超市")));
    }

    #[test]
    fn a_road_suffix_continues_a_short_division_name() {
        assert!(continues_a_name("大道888号"));
        assert!(continues_a_name("东路5号"));
        assert!(!continues_a_name("枫桥大道288号"));
        assert!(continues_a_name("派出所"));
        assert!(continues_a_name("小区1幢"));
    }
}
