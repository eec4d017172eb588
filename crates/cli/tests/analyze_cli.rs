//! `fengqiao analyze` as a user runs it: CSV in, JSON or CSV out, one-line errors, no
//! database.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Workdir(tempfile::TempDir);

impl Workdir {
    fn new() -> Self {
        Self(tempfile::tempdir().unwrap())
    }

    fn file(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.0.path().join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// Runs `fengqiao --db <workdir>/never.db analyze …`.
    fn analyze(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_fengqiao"))
            .arg("--db")
            .arg(self.database())
            .arg("analyze")
            .args(args)
            .env_remove("FENGQIAO_DATABASE_URL")
            .output()
            .unwrap()
    }

    fn database(&self) -> PathBuf {
        self.0.path().join("never.db")
    }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A is 200 m and 14 days from B (exactly on both limits), C is 201 m north of A on
/// the same day, D is far from everything in space and time. By hand: AB is close in
/// space and time; AC and BC are close in time only: nst = 1, ns = 1, nt = 3, pairs
/// = 6, expected = 1 · 3 / 6 = 0.5, p_poisson = 1 − e^−0.5 · 1.5.
const FOUR_EVENTS: &str = "id,x_m,y_m,t_days\nA,0,0,0\nB,200,0,14\nC,0,201,0\nD,1000,1000,100\n";

#[test]
fn knox_prints_the_hand_computed_table_as_json() {
    let dir = Workdir::new();
    let input = dir.file("events.csv", FOUR_EVENTS);
    let output = dir.analyze(&[
        "knox",
        "--input",
        path(&input),
        "--x",
        "x_m",
        "--y",
        "y_m",
        "--t",
        "t_days",
        "--distance",
        "200",
        "--time",
        "14",
        "--permutations",
        "99",
        "--seed",
        "1",
        "--local",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["nst"], 1);
    assert_eq!(json["ns"], 1);
    assert_eq!(json["nt"], 3);
    assert_eq!(json["pairs"], 6);
    assert_eq!(json["expected_nst"], 0.5);
    let p_poisson = json["p_poisson"].as_f64().unwrap();
    assert!((p_poisson - (1.0 - (-0.5f64).exp() * 1.5)).abs() < 1e-15);
    let p_sim = json["p_sim"].as_f64().unwrap();
    assert!(p_sim > 0.0 && p_sim <= 1.0);
    assert_eq!(json["local"]["nst"], serde_json::json!([1, 1, 0, 0]));
    assert_eq!(json["local"]["nt"], serde_json::json!([2, 2, 2, 0]));
    // The analysis never opens (so never creates) the database.
    assert!(!dir.database().exists());
}

#[test]
fn knox_with_bands_adds_a_table_of_all_pairs() {
    let dir = Workdir::new();
    let input = dir.file("events.csv", FOUR_EVENTS);
    let output = dir.analyze(&[
        "knox",
        "--input",
        path(&input),
        "--x",
        "x_m",
        "--y",
        "y_m",
        "--t",
        "t_days",
        "--distance",
        "200",
        "--time",
        "14",
        "--permutations",
        "9",
        "--bands",
        "--band-count",
        "2",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let observed = json["bands"]["observed"].as_array().unwrap();
    assert_eq!(observed.len(), 3);
    let total: u64 = observed
        .iter()
        .flat_map(|row| row.as_array().unwrap())
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(total, 6);
    assert_eq!(observed[0][0], 1);
}

#[test]
fn gistar_prints_one_csv_row_per_cell_including_empty_ones() {
    let dir = Workdir::new();
    // x spans 0–1000 and y 0–500: 5 columns and 3 rows of 250 m (the points at
    // x = 1000 and y = 500 start a column and a row of their own).
    let input = dir.file(
        "points.csv",
        "x,y\n0,0\n10,10\n20,5\n260,0\n1000,500\n0,260\n",
    );
    let output = dir.analyze(&[
        "gistar",
        "--input",
        path(&input),
        "--x",
        "x",
        "--y",
        "y",
        "--cell",
        "250",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("cell,ix,iy,count,z,p"));
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    assert_eq!(rows.len(), 15);
    for (k, row) in rows.iter().enumerate() {
        assert_eq!(row.len(), 6);
        let (cell, ix, iy): (usize, usize, usize) = (
            row[0].parse().unwrap(),
            row[1].parse().unwrap(),
            row[2].parse().unwrap(),
        );
        assert_eq!(cell, k);
        assert_eq!(cell, iy * 5 + ix);
        let p: f64 = row[5].parse().unwrap();
        assert!((0.0..=0.5).contains(&p), "one-sided p {p}");
    }
    let counts: Vec<u32> = rows.iter().map(|r| r[3].parse().unwrap()).collect();
    assert_eq!(counts, vec![3, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
}

#[test]
fn gistar_with_permutations_and_an_extent_reports_pseudo_p_values() {
    let dir = Workdir::new();
    let input = dir.file("points.csv", "x,y\n0,0\n10,10\n20,5\n260,0\n900,900\n");
    let output = dir.analyze(&[
        "gistar",
        "--input",
        path(&input),
        "--x",
        "x",
        "--y",
        "y",
        "--cell",
        "250",
        "--extent",
        "0,0,500,500",
        "--permutations",
        "99",
        "--seed",
        "3",
    ]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(text.lines().count(), 1 + 4);
    for line in text.lines().skip(1) {
        let p: f64 = line.rsplit(',').next().unwrap().parse().unwrap();
        // Pseudo p-values are multiples of 1/100.
        assert!((p * 100.0 - (p * 100.0).round()).abs() < 1e-9, "{p}");
    }
    assert!(String::from_utf8_lossy(&output.stderr).contains("1 point(s) outside"));
}

#[test]
fn bad_input_fails_with_one_line_naming_file_row_and_column() {
    let dir = Workdir::new();
    let bad = dir.file("bad.csv", "x_m,y_m,t_days\n0,0,0\n5,abc,1\n");
    let output = dir.analyze(&[
        "knox",
        "--input",
        path(&bad),
        "--x",
        "x_m",
        "--y",
        "y_m",
        "--t",
        "t_days",
        "--distance",
        "200",
        "--time",
        "14",
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("bad.csv") && stderr.contains("row 2") && stderr.contains("column y_m"),
        "{stderr}"
    );

    let output = dir.analyze(&[
        "knox",
        "--input",
        path(&bad),
        "--x",
        "x_m",
        "--y",
        "y_m",
        "--t",
        "when",
        "--distance",
        "200",
        "--time",
        "14",
    ]);
    assert!(!output.status.success());
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("no column named \"when\"")
    );

    let empty = dir.file("empty.csv", "");
    let output = dir.analyze(&["gistar", "--input", path(&empty), "--x", "x", "--y", "y"]);
    assert!(!output.status.success());
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("empty.csv")
    );
    assert!(!dir.database().exists());
}
