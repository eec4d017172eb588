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
