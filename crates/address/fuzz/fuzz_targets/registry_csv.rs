//! Any bytes as a registry file must load or be refused with an error, never panic;
//! a registry that loads must answer queries.

#![no_main]

use fengqiao_address::Registry;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(registry) = Registry::from_csv(data, "fuzz.csv") {
        for entry in registry.entries().iter().take(8) {
            let found = registry.match_query(&entry.address);
            assert!((0.0..=1.0).contains(&found.score));
        }
        let _ = registry.match_query("和平小区1幢3单元201室");
    }
});
