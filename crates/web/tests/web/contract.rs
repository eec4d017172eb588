//! Contracts: the OpenAPI document (snapshot, and every JSON route described) and the
//! message catalogue (both languages complete, every key in use defined).

use std::collections::{BTreeSet, HashSet};

use crate::support::TestApp;

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/openapi.json");

#[tokio::test]
async fn the_openapi_document_matches_its_snapshot() {
    let t = TestApp::new().await;
    let body = t.anonymous().get("/api/v1/openapi.json").await.body;
    let document: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        document["openapi"].as_str().unwrap_or_default().get(..3),
        Some("3.1"),
        "OpenAPI 3.1"
    );
    let pretty = serde_json::to_string_pretty(&document).unwrap() + "\n";
    if std::env::var("UPDATE_SNAPSHOTS").is_ok() {
        std::fs::write(SNAPSHOT, &pretty).unwrap();
    }
    let expected = std::fs::read_to_string(SNAPSHOT)
        .expect("snapshot missing: run with UPDATE_SNAPSHOTS=1 once and review it");
    assert!(
        expected == pretty,
        "the API changed: review the difference and run with UPDATE_SNAPSHOTS=1 to accept it"
    );
}

#[test]
fn every_json_route_is_in_the_openapi_document() {
    use utoipa::OpenApi;
    let document = fengqiao_web::api::ApiDoc::openapi();
    let described: HashSet<(String, String)> = document
        .paths
        .paths
        .iter()
        .flat_map(|(path, item)| {
            let methods = [
                ("GET", item.get.is_some()),
                ("POST", item.post.is_some()),
                ("PUT", item.put.is_some()),
                ("PATCH", item.patch.is_some()),
                ("DELETE", item.delete.is_some()),
            ];
            methods
                .into_iter()
                .filter(|(_, present)| *present)
                .map(move |(m, _)| (m.to_owned(), path.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    let served: BTreeSet<(String, String)> = fengqiao_web::routes::specs()
        .iter()
        .filter(|s| s.access == fengqiao_web::routes::Access::Api)
        .map(|s| (s.method.to_owned(), s.path.to_owned()))
        .collect();
    let missing: Vec<_> = served.iter().filter(|r| !described.contains(*r)).collect();
    assert!(
        missing.is_empty(),
        "JSON routes missing from OpenAPI: {missing:?}"
    );
    assert_eq!(
        served.len(),
        described.len(),
        "the document describes routes that are not served"
    );
}

fn keys(lang: fengqiao_web::i18n::Lang) -> BTreeSet<String> {
    fengqiao_web::i18n::catalogue(lang)
        .keys()
        .cloned()
        .collect()
}

#[test]
fn both_languages_have_the_same_keys_and_no_empty_text() {
    use fengqiao_web::i18n::{Lang, catalogue};
    assert_eq!(keys(Lang::Zh), keys(Lang::En));
    assert!(keys(Lang::Zh).len() > 200);
    for lang in [Lang::Zh, Lang::En] {
        assert!(catalogue(lang).values().all(|v| !v.trim().is_empty()));
    }
}

#[test]
fn every_message_key_used_in_templates_and_code_exists() {
    let defined = keys(fengqiao_web::i18n::Lang::Zh);
    let literal = regex::Regex::new(
        r#"t\.s\("([a-z_.]+)"\)|t\.f\("([a-z_.]+)"|Shell::new\([^"]*"([a-z_.]+)""#,
    )
    .unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut used = BTreeSet::new();
    let mut files = Vec::new();
    for dir in ["templates", "src", "src/pages", "src/api"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                files.push(path);
            }
        }
    }
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for capture in literal.captures_iter(&text) {
            let key = capture
                .iter()
                .skip(1)
                .flatten()
                .next()
                .unwrap()
                .as_str()
                .to_owned();
            if key.contains('.') {
                used.insert(key);
            }
        }
    }
    // Keys built from data: every role, permission, setting, code table, event kind,
    // level, duty, residency and error code.
    for role in fengqiao_domain::org::Role::ALL {
        used.insert(format!("role.{role}"));
    }
    for permission in fengqiao_domain::policy::Permission::ALL {
        used.insert(format!("perm.{permission}"));
    }
    for spec in fengqiao_app::settings::SETTINGS {
        used.insert(format!("setting.{}", spec.key));
    }
    for table in fengqiao_domain::codes::CodeTable::ALL {
        used.insert(format!("table.{table}"));
    }
    for level in ["bureau", "station", "community", "grid"] {
        used.insert(format!("level.{level}"));
    }
    for code in [
        "unauthenticated",
        "forbidden",
        "not_found",
        "bad_request",
        "conflict",
        "invalid",
        "internal",
    ] {
        used.insert(format!("error.{code}"));
        used.insert(format!("error.{code}.detail"));
    }
    let missing: Vec<_> = used.difference(&defined).collect();
    assert!(
        missing.is_empty(),
        "message keys used but not defined: {missing:?}"
    );
    assert!(
        used.len() > 150,
        "the scan found the keys in use ({})",
        used.len()
    );
}
