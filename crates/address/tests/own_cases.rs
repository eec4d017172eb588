//! Cases of our own, written from the rules of the issue with addresses from other
//! provinces than the sample: rural villages and groups, urban compounds, buildings,
//! units and rooms, `8-2-301`, `16#楼`, full-width digits, Chinese numerals, missing
//! province and city, landmarks, filler words, and near misses that must not match.
//! `data/own_queries.tsv` gives each case's expected id and why.

use fengqiao_address::Registry;

const REGISTRY: &str = include_str!("data/own_registry.csv");
const QUERIES: &str = include_str!("data/own_queries.tsv");

fn cases() -> Vec<(&'static str, Option<&'static str>, &'static str)> {
    QUERIES
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut fields = line.split('\t');
            let query = fields.next()?;
            let expected = fields.next()?;
            let why = fields.next().unwrap_or("");
            Some((query, (expected != "NONE").then_some(expected), why))
        })
        .collect()
}

#[test]
fn every_case_of_our_own_resolves_as_the_rules_say() {
    let registry = Registry::from_csv(REGISTRY.as_bytes(), "own_registry.csv")
        .unwrap_or_else(|error| panic!("{error}"));
    let cases = cases();
    let mut failures = Vec::new();
    for (query, expected, why) in &cases {
        let found = registry.match_query(query);
        if found.id.as_deref() != *expected {
            failures.push(format!(
                "{query} ({why}): expected {expected:?}, got {:?} {:.2} [{}] {:?}",
                found.id, found.score, found.reason, found.components
            ));
        }
    }
    assert!(cases.len() >= 170, "{} cases", cases.len());
    assert!(
        cases
            .iter()
            .filter(|(_, expected, _)| expected.is_none())
            .count()
            >= 50,
        "near misses must be well represented"
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn every_match_explains_itself_and_scores_within_bounds() {
    let registry = Registry::from_csv(REGISTRY.as_bytes(), "own_registry.csv")
        .unwrap_or_else(|error| panic!("{error}"));
    for (query, expected, _) in cases() {
        let found = registry.match_query(query);
        assert!(
            (0.0..=1.0).contains(&found.score),
            "{query}: {}",
            found.score
        );
        assert!(!found.reason.is_empty(), "{query}");
        if expected.is_some() && found.id.is_some() {
            assert!(
                found.reason.starts_with("agreed: "),
                "{query}: {}",
                found.reason
            );
            assert!(found.score >= 0.6, "{query}: {}", found.score);
        }
    }
}
