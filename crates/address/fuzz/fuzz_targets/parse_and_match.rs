//! Any bytes, read as a line of text (lossily, as the CLI does), must parse and match
//! against the sample registry without a panic, and the match must keep its contract.

#![no_main]

use std::sync::OnceLock;

use fengqiao_address::{Registry, parse};
use libfuzzer_sys::fuzz_target;

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let csv = include_str!("../../tests/data/sample_registry.csv");
        Registry::from_csv(csv.as_bytes(), "sample_registry.csv")
            .unwrap_or_else(|error| panic!("the sample registry must load: {error}"))
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parts = parse(&text);
    let found = registry().match_query(&text);
    assert!((0.0..=1.0).contains(&found.score));
    assert_eq!(found.id.is_some(), found.index.is_some());
    assert!(found.id.is_none() || found.score >= 0.6);
    // Matching re-reads the query only to drop a short division name outside the
    // registry's area: when it keeps the province, it kept everything.
    if found.components.province.is_some() {
        assert_eq!(found.components, parts);
    }
    if let Some(index) = found.index {
        assert_eq!(
            found.id.as_deref(),
            Some(registry().entries()[index].id.as_str())
        );
    }
});
