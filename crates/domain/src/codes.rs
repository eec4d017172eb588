//! Code tables (代码表): categories, kinds, grades and lists that stations tune.
//!
//! They are data, not enums: each table is seeded with the defaults of DOMAIN.md and an
//! administrator may add, rename, reorder or retire entries. Code strings are stable
//! keys that records point at; names are what people read.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// One of the platform's code tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeTable {
    /// 警情类别: top level, and for disputes 4 classes × 12 subclasses.
    IncidentCategory,
    /// 纠纷种类 for dispute files.
    DisputeKind,
    /// 严重程度: 特大/重大/较大/一般/简单.
    Severity,
    /// 风险等级: 一级 (highest)/二级/三级.
    RiskLevel,
    /// 化解渠道.
    MediationChannel,
    /// 非警务 departments that receive transferred matters.
    Department,
    /// 处警结果 codes an officer picks when giving feedback.
    ResultCode,
    /// Kinds of station units (一室两队 and local variants).
    UnitKind,
    /// Kinds of posts (警务室, 警务工作站 …).
    PostKind,
    /// 实有单位 kinds: groups (企业, 学校, 医院, 行业场所, 九小场所) and their kinds.
    EstablishmentKind,
}

impl CodeTable {
    /// Every table, in the order they are shown.
    pub const ALL: [Self; 10] = [
        Self::IncidentCategory,
        Self::DisputeKind,
        Self::Severity,
        Self::RiskLevel,
        Self::MediationChannel,
        Self::Department,
        Self::ResultCode,
        Self::UnitKind,
        Self::PostKind,
        Self::EstablishmentKind,
    ];

    /// The table's stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IncidentCategory => "incident_category",
            Self::DisputeKind => "dispute_kind",
            Self::Severity => "severity",
            Self::RiskLevel => "risk_level",
            Self::MediationChannel => "mediation_channel",
            Self::Department => "department",
            Self::ResultCode => "result_code",
            Self::UnitKind => "unit_kind",
            Self::PostKind => "post_kind",
            Self::EstablishmentKind => "establishment_kind",
        }
    }

    /// How many levels the table may nest: categories have top level, dispute class
    /// and subclass; the other tables are flat.
    pub fn max_depth(self) -> usize {
        match self {
            Self::IncidentCategory => 3,
            Self::EstablishmentKind => 2,
            _ => 1,
        }
    }
}

impl fmt::Display for CodeTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CodeTable {
    type Err = DomainError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == text.trim())
            .ok_or_else(|| {
                let known: Vec<&str> = Self::ALL.iter().map(|t| t.as_str()).collect();
                DomainError::invalid(
                    "table",
                    format!("unknown code table {text:?}; known: {}", known.join(", ")),
                )
            })
    }
}

/// One entry of a code table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeEntry {
    /// Stable key: ASCII letters, digits, `_`, `-`, `.`; at most 40 characters.
    pub code: String,
    /// The Chinese name shown by default.
    pub name: String,
    /// The English name; empty falls back to the Chinese one.
    pub name_en: String,
    /// The parent entry's code in the same table, for nested tables.
    pub parent: Option<String>,
    /// Position among siblings.
    pub sort_order: i64,
    /// Retired entries stay for old records but are not offered for new ones.
    pub active: bool,
}

impl CodeEntry {
    /// Checks the entry's own fields (not its place in the table).
    pub fn check(&self) -> Result<(), DomainError> {
        let code_ok = !self.code.is_empty()
            && self.code.len() <= 40
            && self
                .code
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
        if !code_ok {
            return Err(DomainError::invalid(
                "code",
                format!(
                    "{:?} must be 1–40 ASCII letters, digits, '_', '-' or '.'",
                    self.code
                ),
            ));
        }
        crate::org::check_name("name", &self.name, 60)?;
        if self.name_en.chars().count() > 80 {
            return Err(DomainError::invalid(
                "name_en",
                "must be at most 80 characters",
            ));
        }
        if self.parent.as_deref() == Some(self.code.as_str()) {
            return Err(DomainError::invalid(
                "parent",
                "an entry cannot be its own parent",
            ));
        }
        Ok(())
    }
}

/// Checks a whole table as it would be after a change: unique codes, parents that
/// exist, no cycles, and no deeper nesting than the table allows.
///
/// Returns the index of the first offending entry with the error, so imports can name
/// the row.
pub fn check_table(table: CodeTable, entries: &[CodeEntry]) -> Result<(), (usize, DomainError)> {
    let mut seen = HashSet::new();
    for (i, entry) in entries.iter().enumerate() {
        entry.check().map_err(|e| (i, e))?;
        if !seen.insert(entry.code.as_str()) {
            return Err((
                i,
                DomainError::invalid("code", format!("duplicate code {:?}", entry.code)),
            ));
        }
    }
    let parents: HashMap<&str, Option<&str>> = entries
        .iter()
        .map(|e| (e.code.as_str(), e.parent.as_deref()))
        .collect();
    for (i, entry) in entries.iter().enumerate() {
        let mut chain = vec![entry.code.as_str()];
        let mut cursor = entry.parent.as_deref();
        while let Some(parent) = cursor {
            let Some(next) = parents.get(parent) else {
                return Err((
                    i,
                    DomainError::invalid(
                        "parent",
                        format!("no entry with code {parent:?} in {table}"),
                    ),
                ));
            };
            if chain.contains(&parent) {
                return Err((
                    i,
                    DomainError::invalid("parent", "the parents form a cycle"),
                ));
            }
            chain.push(parent);
            if chain.len() > table.max_depth() {
                return Err((
                    i,
                    DomainError::invalid(
                        "parent",
                        format!("{table} allows at most {} levels", table.max_depth()),
                    ),
                ));
            }
            cursor = *next;
        }
    }
    Ok(())
}

/// The default entries of every table, from DOMAIN.md.
pub fn defaults(table: CodeTable) -> Vec<CodeEntry> {
    let rows: &[(&str, &str, &str, &str)] = match table {
        CodeTable::IncidentCategory => INCIDENT_CATEGORIES,
        CodeTable::DisputeKind => &[
            (
                "land_demolition",
                "征地拆迁",
                "Land requisition and demolition",
                "",
            ),
            ("labour", "劳资", "Labour and wages", ""),
            ("public_order", "治安", "Public order", ""),
            ("safety", "安全", "Safety", ""),
            ("other", "其他", "Other", ""),
        ],
        CodeTable::Severity => &[
            ("extraordinary", "特大", "Extraordinary", ""),
            ("major", "重大", "Major", ""),
            ("large", "较大", "Large", ""),
            ("ordinary", "一般", "Ordinary", ""),
            ("simple", "简单", "Simple", ""),
        ],
        CodeTable::RiskLevel => &[
            ("level1", "一级", "Level 1 (highest)", ""),
            ("level2", "二级", "Level 2", ""),
            ("level3", "三级", "Level 3", ""),
        ],
        CodeTable::MediationChannel => &[
            (
                "police_administrative",
                "公安行政调解",
                "Police administrative mediation",
                "",
            ),
            ("people", "人民调解", "People's mediation", ""),
            ("professional", "行业专业调解", "Professional mediation", ""),
            ("judicial", "司法调解", "Judicial mediation", ""),
            ("petition", "信访", "Petition office", ""),
            ("litigation", "诉讼引导", "Litigation guidance", ""),
        ],
        CodeTable::Department => DEPARTMENTS,
        CodeTable::ResultCode => &[
            ("handled_on_site", "现场处置完毕", "Handled on site", ""),
            ("mediated", "现场调解成功", "Mediated on site", ""),
            ("mediation_failed", "调解不成", "Mediation failed", ""),
            ("case_filed", "已受案立案", "Case filed", ""),
            ("warned", "批评教育", "Warned and educated", ""),
            (
                "transferred",
                "移交相关部门",
                "Transferred to a department",
                "",
            ),
            ("assistance_given", "已提供帮助", "Assistance given", ""),
            ("parties_left", "当事人已离开", "Parties had left", ""),
            ("false_report", "谎报警情", "False report", ""),
            ("invalid", "无效警情", "Invalid call", ""),
        ],
        CodeTable::UnitKind => &[
            ("command_room", "综合指挥室", "Command room", ""),
            ("case_team", "案件侦办队", "Case team", ""),
            (
                "community_team",
                "社区警务队",
                "Community policing team",
                "",
            ),
            ("rural_traffic", "农村交管队", "Rural traffic team", ""),
        ],
        CodeTable::PostKind => &[
            ("police_office", "警务室", "Police office", ""),
            ("work_station", "警务工作站", "Police work station", ""),
            (
                "joint_defence_point",
                "联防联控点",
                "Joint-defence point",
                "",
            ),
            ("patrol_post", "治安岗亭", "Patrol post", ""),
        ],
        CodeTable::EstablishmentKind => ESTABLISHMENT_KINDS,
    };
    rows.iter()
        .enumerate()
        .map(|(i, (code, name, name_en, parent))| CodeEntry {
            code: (*code).to_owned(),
            name: (*name).to_owned(),
            name_en: (*name_en).to_owned(),
            parent: (!parent.is_empty()).then(|| (*parent).to_owned()),
            sort_order: i64::try_from(i).unwrap_or(i64::MAX) * 10,
            active: true,
        })
        .collect()
}

/// 实有单位: the group is the parent; 行业场所 (trades under special police control) and
/// the 九小场所 (small venues with fire and public-order risk) are the key places.
const ESTABLISHMENT_KINDS: &[(&str, &str, &str, &str)] = &[
    ("enterprise", "企业", "Enterprise", ""),
    ("school", "学校", "School", ""),
    ("hospital", "医院", "Hospital", ""),
    ("government", "机关事业单位", "Public body", ""),
    ("key_place", "行业场所", "Controlled trade", ""),
    ("nine_small", "九小场所", "Small venue (九小)", ""),
    ("company", "公司", "Company", "enterprise"),
    ("factory", "工厂", "Factory", "enterprise"),
    ("shop", "商铺", "Shop", "enterprise"),
    ("kindergarten", "幼儿园", "Kindergarten", "school"),
    (
        "primary_school",
        "中小学",
        "Primary or secondary school",
        "school",
    ),
    (
        "clinic",
        "诊所卫生院",
        "Clinic or health centre",
        "hospital",
    ),
    (
        "general_hospital",
        "综合医院",
        "General hospital",
        "hospital",
    ),
    ("office", "机关单位", "Government office", "government"),
    ("hotel", "旅馆", "Hotel", "key_place"),
    ("bar", "酒吧", "Bar", "key_place"),
    ("ktv", "KTV", "KTV", "key_place"),
    ("internet_cafe", "网吧", "Internet café", "key_place"),
    ("pawnshop", "典当行", "Pawnshop", "key_place"),
    (
        "recycling",
        "废旧金属回收",
        "Scrap-metal recycling",
        "key_place",
    ),
    ("print_shop", "印章刻制", "Seal engraving", "key_place"),
    (
        "small_school",
        "小学校或幼儿园",
        "Small school or kindergarten",
        "nine_small",
    ),
    ("small_hospital", "小医院", "Small clinic", "nine_small"),
    ("small_store", "小商店", "Small store", "nine_small"),
    ("small_restaurant", "小餐饮", "Small eatery", "nine_small"),
    ("small_hotel", "小旅馆", "Small guesthouse", "nine_small"),
    (
        "small_entertainment",
        "小歌舞娱乐场所",
        "Small entertainment venue",
        "nine_small",
    ),
    (
        "small_internet",
        "小网吧",
        "Small internet café",
        "nine_small",
    ),
    (
        "small_beauty_bath",
        "小美容洗浴",
        "Small salon or bathhouse",
        "nine_small",
    ),
    (
        "small_workshop",
        "小生产加工企业",
        "Small workshop",
        "nine_small",
    ),
];

const INCIDENT_CATEGORIES: &[(&str, &str, &str, &str)] = &[
    ("criminal", "刑事", "Criminal", ""),
    ("public_order", "治安", "Public order", ""),
    ("traffic", "交通", "Traffic", ""),
    ("fire_disaster", "火灾与灾害", "Fire and disaster", ""),
    ("dispute", "纠纷", "Dispute", ""),
    ("assistance", "求助", "Assistance", ""),
    ("report_complaint", "举报投诉", "Report or complaint", ""),
    ("non_police", "非警务", "Non-police matter", ""),
    ("invalid", "无效", "Invalid", ""),
    ("other", "其他", "Other", ""),
    ("family", "家庭类", "Family", "dispute"),
    ("neighbour", "邻里类", "Neighbourhood", "dispute"),
    ("economic", "经济类", "Economic", "dispute"),
    ("public_order_dispute", "治安类", "Public order", "dispute"),
    ("marriage", "婚姻纠纷", "Marriage", "family"),
    (
        "family_member",
        "家庭成员纠纷",
        "Between family members",
        "family",
    ),
    (
        "support_inheritance",
        "赡养抚养继承纠纷",
        "Support, upbringing and inheritance",
        "family",
    ),
    (
        "neighbour_dispute",
        "邻里纠纷",
        "Between neighbours",
        "neighbour",
    ),
    (
        "property_management",
        "物业纠纷",
        "Property management",
        "neighbour",
    ),
    (
        "land_homestead",
        "土地宅基地纠纷",
        "Land and homestead",
        "neighbour",
    ),
    ("wages", "劳资纠纷", "Wages and labour", "economic"),
    ("debt", "债务纠纷", "Debt", "economic"),
    (
        "consumer_contract",
        "消费合同纠纷",
        "Consumer and contract",
        "economic",
    ),
    (
        "quarrel_fight",
        "口角斗殴",
        "Quarrel and fight",
        "public_order_dispute",
    ),
    (
        "traffic_accident",
        "交通事故纠纷",
        "Traffic accident",
        "public_order_dispute",
    ),
    (
        "damage_compensation",
        "损害赔偿纠纷",
        "Damage compensation",
        "public_order_dispute",
    ),
];

const DEPARTMENTS: &[(&str, &str, &str, &str)] = &[
    ("urban_management", "城管", "Urban management", ""),
    ("housing", "住建", "Housing and construction", ""),
    ("civil_affairs", "民政", "Civil affairs", ""),
    ("market_regulation", "市场监管", "Market regulation", ""),
    (
        "human_resources",
        "人社",
        "Human resources and social security",
        "",
    ),
    ("health", "卫健", "Health", ""),
    ("ecology", "生态环境", "Ecology and environment", ""),
    ("transport", "交通运输", "Transport", ""),
    ("water_supply", "供水", "Water supply", ""),
    ("power_supply", "供电", "Power supply", ""),
    ("gas_supply", "燃气", "Gas supply", ""),
    ("justice_office", "司法所", "Justice office", ""),
    ("petition_office", "信访办", "Petition office", ""),
    (
        "comprehensive_governance",
        "综治办",
        "Comprehensive governance office",
        "",
    ),
    ("womens_federation", "妇联", "Women's federation", ""),
    ("hotline_12345", "12345热线", "12345 hotline", ""),
    (
        "township_government",
        "乡镇街道",
        "Township or street office",
        "",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_table_is_valid() {
        for table in CodeTable::ALL {
            let entries = defaults(table);
            assert!(!entries.is_empty(), "{table} has defaults");
            check_table(table, &entries).unwrap_or_else(|(i, e)| panic!("{table} row {i}: {e}"));
        }
    }

    #[test]
    fn disputes_have_four_classes_and_twelve_subclasses() {
        let entries = defaults(CodeTable::IncidentCategory);
        let classes: Vec<_> = entries
            .iter()
            .filter(|e| e.parent.as_deref() == Some("dispute"))
            .collect();
        assert_eq!(classes.len(), 4);
        let subclasses = entries
            .iter()
            .filter(|e| {
                e.parent
                    .as_deref()
                    .is_some_and(|p| classes.iter().any(|c| c.code == p))
            })
            .count();
        assert_eq!(subclasses, 12);
        let top: Vec<&str> = entries
            .iter()
            .filter(|e| e.parent.is_none())
            .map(|e| e.name.as_str())
            .collect();
        assert_eq!(
            top,
            [
                "刑事",
                "治安",
                "交通",
                "火灾与灾害",
                "纠纷",
                "求助",
                "举报投诉",
                "非警务",
                "无效",
                "其他"
            ]
        );
    }

    #[test]
    fn a_missing_parent_is_named() {
        let mut entries = defaults(CodeTable::IncidentCategory);
        entries[20].parent = Some("nope".into());
        let (row, err) = check_table(CodeTable::IncidentCategory, &entries).unwrap_err();
        assert_eq!(row, 20);
        assert!(err.to_string().contains("\"nope\""), "{err}");
    }

    #[test]
    fn nesting_in_a_flat_table_is_refused() {
        let mut entries = defaults(CodeTable::Severity);
        entries[1].parent = Some(entries[0].code.clone());
        let (row, err) = check_table(CodeTable::Severity, &entries).unwrap_err();
        assert_eq!(row, 1);
        assert!(err.to_string().contains("at most 1 levels"), "{err}");
    }

    #[test]
    fn a_cycle_is_refused() {
        let mut entries = defaults(CodeTable::IncidentCategory);
        let a = entries.iter().position(|e| e.code == "criminal").unwrap();
        let b = entries.iter().position(|e| e.code == "traffic").unwrap();
        entries[a].parent = Some("traffic".into());
        entries[b].parent = Some("criminal".into());
        let (_, err) = check_table(CodeTable::IncidentCategory, &entries).unwrap_err();
        assert!(err.to_string().contains("cycle"), "{err}");
    }

    #[test]
    fn duplicate_codes_name_the_second_row() {
        let mut entries = defaults(CodeTable::RiskLevel);
        entries[2].code = "level1".into();
        let (row, err) = check_table(CodeTable::RiskLevel, &entries).unwrap_err();
        assert_eq!(row, 2);
        assert!(err.to_string().contains("duplicate"));
    }
}
