//! The other names people use for a division: 浙江 for 浙江省, 广西 for 广西壮族自治区,
//! 延边 for 延边朝鲜族自治州, 宿迁经开区 for 宿迁经济技术开发区, 东华门街道办事处 for
//! 东华门街道.
//!
//! An alias is "short" when it drops the generic suffix (省/市/县/区…): such a form
//! collides with ordinary words (`中山` before `大道`, `和平` before `小区`), so the
//! recognizer trusts it only with context. Aliases that keep a suffix (经开区, 街道办)
//! are as safe as the full name.

use crate::divisions::Level;

/// Ethnic group names that appear in the names of autonomous areas, longest first so
/// that 土家 is stripped before 土.
const ETHNIC: &[&str] = &[
    "柯尔克孜",
    "乌孜别克",
    "维吾尔",
    "哈萨克",
    "俄罗斯",
    "鄂伦春",
    "鄂温克",
    "达斡尔",
    "塔吉克",
    "塔塔尔",
    "蒙古",
    "朝鲜",
    "土家",
    "哈尼",
    "傈僳",
    "拉祜",
    "东乡",
    "纳西",
    "景颇",
    "仫佬",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "布依",
    "德昂",
    "保安",
    "裕固",
    "独龙",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
    "高山",
    "回",
    "藏",
    "苗",
    "彝",
    "壮",
    "满",
    "侗",
    "瑶",
    "白",
    "傣",
    "黎",
    "佤",
    "畲",
    "水",
    "土",
    "羌",
    "怒",
    "京",
    "各",
];

/// Short forms that are ordinary words more often than places.
const TOO_GENERIC: &[&str] = &[
    "市中", "城中", "城东", "城西", "城南", "城北", "新城", "老城", "新区", "郊区", "矿区", "城区",
    "东区", "西区", "南区", "北区", "中区", "开发", "高新", "经开", "市辖", "新市", "新华",
];

/// Development-zone suffixes and the abbreviations people write for them.
const ZONE_ABBREVIATIONS: &[(&str, &[&str])] = &[
    ("高新技术产业开发区", &["高新区", "高新技术开发区"]),
    ("高新技术开发区", &["高新区"]),
    ("经济技术开发区", &["经开区", "经济开发区", "开发区"]),
    ("经济开发区", &["经开区", "开发区"]),
];

const PROVINCE_PREFIXES: &[&str] = &[
    "河北",
    "山西",
    "内蒙古",
    "辽宁",
    "吉林",
    "黑龙江",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "广西",
    "海南",
    "四川",
    "贵州",
    "云南",
    "西藏",
    "陕西",
    "甘肃",
    "青海",
    "宁夏",
    "新疆",
];

/// Every name under which a division of `level` called `name` may be written, with
/// whether it is a short form.
pub fn aliases(level: Level, name: &str) -> Vec<(String, bool)> {
    let mut out = vec![(name.to_string(), false)];
    match level {
        Level::Province => {
            push_short(
                &mut out,
                strip_autonomous(name, &["自治区", "特别行政区", "省", "市"]),
            );
        }
        Level::City => {
            push_short(
                &mut out,
                strip_autonomous(name, &["自治州", "地区", "盟", "市"]),
            );
        }
        Level::County => {
            push_zone_aliases(&mut out, name);
            if !name.ends_with("开发区") && !name.ends_with("园区") && !name.ends_with("管理区")
            {
                let stripped = strip_autonomous(
                    name,
                    &[
                        "自治县",
                        "自治旗",
                        "林区",
                        "特区",
                        "新区",
                        "市",
                        "县",
                        "区",
                        "旗",
                    ],
                );
                push_short(&mut out, stripped);
            }
        }
        Level::Township => {
            if let Some(stem) = name.strip_suffix("街道") {
                for suffix in ["街道办事处", "街道办", "街办"] {
                    out.push((format!("{stem}{suffix}"), false));
                }
            }
        }
    }
    out
}

fn push_short(out: &mut Vec<(String, bool)>, short: Option<String>) {
    if let Some(short) = short
        && short.chars().count() >= 2
        && !TOO_GENERIC.contains(&short.as_str())
        && out.iter().all(|(existing, _)| *existing != short)
    {
        out.push((short, true));
    }
}

/// Strips the first matching suffix, then any ethnic group names before it
/// (延边朝鲜族自治州 → 延边, 湘西土家族苗族自治州 → 湘西).
fn strip_autonomous(name: &str, suffixes: &[&str]) -> Option<String> {
    let suffix = suffixes.iter().find(|s| name.ends_with(**s))?;
    let mut stem = &name[..name.len() - suffix.len()];
    let autonomous = suffix.starts_with("自治");
    while autonomous && stem.chars().count() > 2 {
        let before = stem;
        stem = stem.strip_suffix('族').unwrap_or(stem);
        if let Some(group) = ETHNIC
            .iter()
            .find(|g| stem.ends_with(**g) && stem.chars().count() > g.chars().count() + 1)
        {
            stem = &stem[..stem.len() - group.len()];
        }
        if stem == before {
            break;
        }
    }
    Some(stem.to_string())
}

fn push_zone_aliases(out: &mut Vec<(String, bool)>, name: &str) {
    let Some((suffix, abbreviations)) = ZONE_ABBREVIATIONS.iter().find(|(s, _)| name.ends_with(s))
    else {
        return;
    };
    let stem = &name[..name.len() - suffix.len()];
    let mut stems = vec![stem.to_string()];
    // 秦皇岛市经济技术开发区 is written 秦皇岛经开区; 河北唐山芦台经济开发区 as 唐山芦台经开区.
    if let Some(without_city) = stem.strip_suffix('市') {
        stems.push(without_city.to_string());
    }
    for prefix in PROVINCE_PREFIXES {
        if let Some(rest) = stem.strip_prefix(prefix)
            && rest.chars().count() >= 2
        {
            stems.push(rest.to_string());
        }
    }
    for stem in &stems {
        for form in std::iter::once(suffix).chain(abbreviations.iter()) {
            let alias = format!("{stem}{form}");
            if alias.chars().count() >= 4 && out.iter().all(|(existing, _)| *existing != alias) {
                out.push((alias, false));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn short_forms(level: Level, name: &str) -> Vec<String> {
        aliases(level, name)
            .into_iter()
            .filter(|(_, short)| *short)
            .map(|(alias, _)| alias)
            .collect()
    }

    fn all_forms(level: Level, name: &str) -> Vec<String> {
        aliases(level, name)
            .into_iter()
            .map(|(alias, _)| alias)
            .collect()
    }

    #[test]
    fn provinces_and_autonomous_regions_have_their_everyday_names() {
        assert_eq!(short_forms(Level::Province, "浙江省"), ["浙江"]);
        assert_eq!(short_forms(Level::Province, "广西壮族自治区"), ["广西"]);
        assert_eq!(short_forms(Level::Province, "新疆维吾尔自治区"), ["新疆"]);
        assert_eq!(short_forms(Level::Province, "北京市"), ["北京"]);
    }

    #[test]
    fn autonomous_prefectures_and_counties_lose_their_ethnic_names() {
        assert_eq!(short_forms(Level::City, "延边朝鲜族自治州"), ["延边"]);
        assert_eq!(short_forms(Level::City, "湘西土家族苗族自治州"), ["湘西"]);
        assert_eq!(short_forms(Level::County, "长阳土家族自治县"), ["长阳"]);
        assert_eq!(short_forms(Level::County, "互助土族自治县"), ["互助"]);
    }

    #[test]
    fn development_zones_answer_to_their_abbreviations() {
        let forms = all_forms(Level::County, "宿迁经济技术开发区");
        assert!(forms.contains(&"宿迁经开区".to_string()));
        assert!(forms.contains(&"宿迁开发区".to_string()));
        assert!(short_forms(Level::County, "宿迁经济技术开发区").is_empty());
    }

    #[test]
    fn one_character_and_generic_short_forms_are_not_made() {
        assert!(short_forms(Level::County, "沙县").is_empty());
        assert!(short_forms(Level::County, "市中区").is_empty());
        assert_eq!(short_forms(Level::County, "渭源县"), ["渭源"]);
    }

    #[test]
    fn street_offices_are_also_written_with_their_office_suffix() {
        let forms = all_forms(Level::Township, "东华门街道");
        assert!(forms.contains(&"东华门街道办事处".to_string()));
        assert!(forms.contains(&"东华门街办".to_string()));
    }
}
