//! `fengqiao address parse` and `fengqiao address match`, run as a user would: the
//! built binary, queries piped on standard input, JSON lines read back.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../address/tests/data")
        .join(name)
}

/// Runs `fengqiao` with `args` in a fresh directory, feeding `input` on stdin.
fn fengqiao(args: &[&str], input: &[u8]) -> (Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_fengqiao"))
        .args(args)
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start fengqiao: {e}"));
    if let Some(mut stdin) = child.stdin.take() {
        // The command may stop reading early (a bad registry); a broken pipe is fine.
        let _ = stdin.write_all(input);
    }
    let output = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("fengqiao did not finish: {e}"));
    (output, dir)
}

fn json_lines(output: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}")))
        .collect()
}

#[test]
fn every_sample_query_gets_its_expected_id_from_the_binary() {
    let registry = sample("sample_registry.csv");
    let queries = std::fs::read_to_string(sample("sample_queries.tsv"))
        .unwrap_or_else(|e| panic!("sample queries: {e}"));
    let cases: Vec<(&str, &str)> = queries
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once('\t'))
        .collect();
    let input: String = cases.iter().map(|(q, _)| format!("{q}\n")).collect();
    let registry_arg = registry.display().to_string();

    let (output, dir) = fengqiao(
        &["address", "match", "--registry", &registry_arg],
        input.as_bytes(),
    );

    assert!(output.status.success(), "{output:?}");
    let lines = json_lines(&output);
    assert_eq!(lines.len(), cases.len());
    assert_eq!(cases.len(), 24);
    for ((query, expected), line) in cases.iter().zip(&lines) {
        assert_eq!(line["query"], *query);
        let expected = if *expected == "NONE" {
            serde_json::Value::Null
        } else {
            serde_json::Value::from(*expected)
        };
        assert_eq!(line["id"], expected, "{query}: {line}");
        assert!(line["components"].is_object());
        let score = line["score"].as_f64().unwrap_or(-1.0);
        assert!((0.0..=1.0).contains(&score), "{line}");
    }
    assert!(
        !dir.path().join("data").exists(),
        "address commands must not create or open the database"
    );
}

#[test]
fn a_bad_registry_row_stops_before_any_output_and_names_file_row_and_field() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    let registry = dir.path().join("bad.csv");
    std::fs::write(
        &registry,
        "id,address,lng,lat\nA01,浙江省诸暨市枫源村2组15号,120.41,29.64\nA02,枫源村2组17号,east,29.64\n",
    )
    .unwrap_or_else(|e| panic!("write: {e}"));

    let (output, _dir) = fengqiao(
        &[
            "address",
            "match",
            "--registry",
            &registry.display().to_string(),
        ],
        "枫源村2组15号\n".as_bytes(),
    );

    assert!(!output.status.success());
    assert!(output.stdout.is_empty(), "no output before the error");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bad.csv"), "{stderr}");
    assert!(stderr.contains("row 3"), "{stderr}");
    assert!(stderr.contains("`lng`"), "{stderr}");
}

#[test]
fn empty_long_binary_and_invalid_lines_each_get_one_json_object() {
    let registry = sample("sample_registry.csv").display().to_string();
    let mut input = Vec::new();
    input.extend_from_slice(b"\n");
    input.extend_from_slice("枫".repeat(4000).as_bytes());
    input.extend_from_slice(b"\n\xff\xfe\x00binary\x01\n");
    input.extend_from_slice("文清路199号对面\r\n".as_bytes());

    let (output, _dir) = fengqiao(&["address", "match", "--registry", &registry], &input);

    assert!(output.status.success(), "{output:?}");
    let lines = json_lines(&output);
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["id"], serde_json::Value::Null);
    assert_eq!(lines[1]["id"], serde_json::Value::Null);
    assert_eq!(lines[2]["error"], "the line is not valid UTF-8");
    assert_eq!(lines[2]["line"], 3);
    assert_eq!(lines[3]["id"], "A12");
}

#[test]
fn parse_prints_the_components_of_each_line() {
    let (output, _dir) = fengqiao(
        &["address", "parse"],
        "诸暨市枫桥镇枫源村二组15号\n北京市东城区南池子大街12号院3号楼\n".as_bytes(),
    );

    assert!(output.status.success(), "{output:?}");
    let lines = json_lines(&output);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["components"]["county"], "诸暨市");
    assert_eq!(lines[0]["components"]["group"], "2");
    assert_eq!(lines[0]["components"]["division_code"], "330681109000");
    assert_eq!(lines[1]["components"]["road"], "南池子大街");
    assert_eq!(lines[1]["components"]["building"], "3");
}
