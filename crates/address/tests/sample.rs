//! The sample from the issue: every query resolves to its expected id, including every
//! NONE.

use fengqiao_address::Registry;

const REGISTRY: &str = include_str!("data/sample_registry.csv");
const QUERIES: &str = include_str!("data/sample_queries.tsv");

#[test]
fn every_sample_query_resolves_to_its_expected_entry() {
    let registry = Registry::from_csv(REGISTRY.as_bytes(), "sample_registry.csv")
        .unwrap_or_else(|error| panic!("{error}"));
    let mut failures = Vec::new();
    let mut total = 0;
    for line in QUERIES.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let (query, expected) = line.split_once('\t').unwrap_or((line, "NONE"));
        let expected = (expected != "NONE").then_some(expected);
        let found = registry.match_query(query);
        total += 1;
        if found.id.as_deref() != expected {
            failures.push(format!(
                "{query}: expected {expected:?}, got {:?} ({:.2}, {}) {:?}",
                found.id, found.score, found.reason, found.components
            ));
        }
    }
    assert_eq!(total, 24);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Our own messier variants of the sample queries, against the same registry.
const VARIANTS: &[(&str, Option<&str>)] = &[
    ("诸暨枫桥枫源二组15号", Some("A01")),
    ("枫桥镇枫源村第二组第十五号", Some("A01")),
    ("枫源村2组15号张家", Some("A01")),
    ("枫源村委会2组15号", Some("A01")),
    ("枫源村2组15#", Some("A01")),
    ("枫源村二组十七号门口", Some("A02")),
    ("枫源村2组15-1号", None),
    ("枫桥镇派出所", Some("A03")),
    ("枫桥大道288号派出所", Some("A03")),
    ("枫桥镇和平小区一幢三单元二零一", Some("A04")),
    ("和平小区1-3-201", Some("A04")),
    ("和平小区1幢3单元301号", Some("A04")),
    ("和平小区11号楼楼下", Some("A05")),
    ("和平小区", None),
    ("暨阳街道艮塔西路136号旁边小卖部", Some("A06")),
    ("艮塔东路136号", None),
    ("北京东城南池子大街12号院3号楼", Some("A07")),
    ("南池子大街12号院3号楼1门101", Some("A07")),
    ("南池子大街12号院", None),
    ("望京西园三区311", Some("A09")),
    ("望京西园311号楼", Some("A09")),
    ("望京西园四区311号楼", None),
    ("赣州文清路99号", Some("A11")),
    ("江西省赣州市章贡区文清路１９９号", Some("A12")),
    ("科兴科学园b座10楼", Some("A13")),
    ("深圳市南山区科技园社区科苑路15号科兴科学园C栋", Some("A14")),
    ("科兴科学园D栋", None),
    ("武汉江汉中山大道888号", Some("A15")),
    ("北京市江汉区中山大道888号", None),
    ("中山大道88号", None),
];

#[test]
fn messy_variants_of_the_sample_queries_resolve_too() {
    let registry = Registry::from_csv(REGISTRY.as_bytes(), "sample_registry.csv")
        .unwrap_or_else(|error| panic!("{error}"));
    let failures: Vec<String> = VARIANTS
        .iter()
        .filter_map(|(query, expected)| {
            let found = registry.match_query(query);
            (found.id.as_deref() != *expected).then(|| {
                format!(
                    "{query}: expected {expected:?}, got {:?} ({})",
                    found.id, found.reason
                )
            })
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
