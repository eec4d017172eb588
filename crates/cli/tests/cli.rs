//! The `fengqiao` binary as an operator uses it: commands, their one-line errors on bad
//! input, and a server that starts, answers and stops cleanly.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BINARY: &str = env!("CARGO_BIN_EXE_fengqiao");

fn fengqiao(db: &Path, args: &[&str]) -> Output {
    Command::new(BINARY)
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("FENGQIAO_DATABASE_URL")
        .output()
        .expect("the fengqiao binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts a failed run that printed exactly one `error:` line containing `needle`.
fn assert_one_line_error(output: &Output, needle: &str) {
    assert!(
        !output.status.success(),
        "expected a failure: {}",
        stdout(output)
    );
    let text = stderr(output);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line expected, got: {text}");
    assert!(lines[0].starts_with("error: "), "{text}");
    assert!(lines[0].contains(needle), "{needle:?} not in: {text}");
}

fn db_in(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("data").join("fengqiao.db")
}

#[test]
fn every_command_explains_itself_with_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["demo", "--help"],
        vec!["audit", "verify", "--help"],
        vec!["audit", "head", "--help"],
        vec!["user", "add", "--help"],
        vec!["codes", "import", "--help"],
        vec!["addresses", "import", "--help"],
        vec!["incidents", "import", "--help"],
        vec!["classify", "--help"],
    ] {
        let output = Command::new(BINARY).args(&args).output().unwrap();
        assert!(output.status.success(), "{args:?}");
        assert!(stdout(&output).contains("Usage:"), "{args:?}");
    }
}

#[test]
fn migrate_creates_the_database_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(&dir);
    let first = fengqiao(&db, &["migrate"]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(db.exists());
    assert!(stdout(&first).contains("schema current"));
    let second = fengqiao(&db, &["migrate"]);
    assert!(
        stdout(&second).contains("0 migration(s) applied"),
        "{}",
        stdout(&second)
    );
}

#[test]
fn a_corrupt_database_file_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("broken.db");
    std::fs::write(&db, b"this is a spreadsheet, honestly").unwrap();
    assert_one_line_error(
        &fengqiao(&db, &["migrate"]),
        "broken.db is not a fengqiao database",
    );
    assert_eq!(
        std::fs::read(&db).unwrap(),
        b"this is a spreadsheet, honestly"
    );
}

#[test]
fn an_unwritable_location_is_named() {
    let output = fengqiao(Path::new("/proc/fengqiao/x.db"), &["migrate"]);
    assert_one_line_error(&output, "/proc/fengqiao");
}

#[test]
fn a_wrong_database_url_is_a_one_line_error_without_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(BINARY)
        .args(["--db", dir.path().join("x.db").to_str().unwrap(), "migrate"])
        .env(
            "FENGQIAO_DATABASE_URL",
            "postgres://app:hunter2@127.0.0.1:1/nowhere",
        )
        .output()
        .unwrap();
    assert_one_line_error(&output, "postgres://app:***@127.0.0.1:1/nowhere");
    assert!(!stderr(&output).contains("hunter2"));
    let output = Command::new(BINARY)
        .args(["--database-url", "mysql://root@localhost/x", "migrate"])
        .output()
        .unwrap();
    assert_one_line_error(&output, "must start with postgres://");
}

#[test]
fn a_bad_code_table_file_names_its_rows_and_imports_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(&dir);
    assert!(fengqiao(&db, &["migrate"]).status.success());
    let file = dir.path().join("codes.csv");
    std::fs::write(
        &file,
        "table,code,name,name_en,parent,sort_order,active\n\
         severity,tiny,微小,Tiny,,60,1\n\
         severity,oops,,No name,,61,1\n",
    )
    .unwrap();
    let output = fengqiao(&db, &["codes", "import", file.to_str().unwrap()]);
    assert!(!output.status.success());
    let text = stderr(&output);
    assert!(text.contains("codes.csv, row 3, column name"), "{text}");
    assert!(text.contains("nothing was imported"), "{text}");
    let export = dir.path().join("out.csv");
    fengqiao(
        &db,
        &[
            "codes",
            "export",
            "--out",
            export.to_str().unwrap(),
            "--table",
            "severity",
        ],
    );
    assert!(!std::fs::read_to_string(&export).unwrap().contains("tiny"));
}

#[test]
fn audit_head_signs_off_and_verify_checks_against_the_exported_copy() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(&dir);
    assert!(fengqiao(&db, &["migrate"]).status.success());
    let head = fengqiao(&db, &["audit", "head", "--signed-by", "王所长"]);
    assert!(head.status.success(), "{}", stderr(&head));
    let line = stdout(&head);
    assert!(line.contains("\"signed_by\":\"王所长\""), "{line}");
    let copy = dir.path().join("heads.jsonl");
    std::fs::write(&copy, &line).unwrap();
    let verify = fengqiao(
        &db,
        &["audit", "verify", "--checkpoint", copy.to_str().unwrap()],
    );
    assert!(verify.status.success(), "{}", stderr(&verify));
    assert!(stdout(&verify).contains("event log intact"));
    assert!(stdout(&verify).contains("checkpoint(s) matched"));
    std::fs::write(&copy, "not json\n").unwrap();
    let bad = fengqiao(
        &db,
        &["audit", "verify", "--checkpoint", copy.to_str().unwrap()],
    );
    assert_one_line_error(&bad, "heads.jsonl, line 1");
}

#[test]
fn user_add_reads_the_password_from_standard_input_and_enforces_the_policy() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(&dir);
    assert!(
        fengqiao(&db, &["demo", "--seed", "5", "--incidents-per-day", "0"])
            .status
            .success()
    );
    let add = |password: &str| {
        let mut child = Command::new(BINARY)
            .args([
                "--db",
                db.to_str().unwrap(),
                "user",
                "add",
                "--username",
                "zhou.min",
            ])
            .args([
                "--display-name",
                "周敏",
                "--role",
                "dispatcher",
                "--jurisdiction",
                "QX-01",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(password.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    assert_one_line_error(&add("short\n"), "at least 12 characters");
    let ok = add("Qingxi-Command-7\n");
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(stdout(&ok).contains("must be changed at first sign-in"));
    let list = fengqiao(&db, &["user", "list"]);
    assert!(stdout(&list).contains("zhou.min"));
}

#[test]
fn the_demo_seeds_once_and_then_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(&dir);
    let first = fengqiao(&db, &["demo", "--incidents-per-day", "1"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let text = stdout(&first);
    assert!(text.contains("3 stations"), "{text}");
    // A small year: a call a day, the repeat callers and places on top.
    let line = text
        .lines()
        .find(|l| l.starts_with("demo incidents: "))
        .unwrap_or_else(|| panic!("no incident count: {text}"));
    let count: usize = line["demo incidents: ".len()..]
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    assert!((365..2000).contains(&count), "{line}");
    assert!(line.contains(" s"), "the seeding time is printed: {line}");
    for role in ["dispatcher", "station_chief", "partner", "admin"] {
        assert!(
            text.lines().any(|l| l.trim_start().starts_with(role)),
            "{role}: {text}"
        );
    }
    assert_one_line_error(&fengqiao(&db, &["demo"]), "only seeds an empty database");
}

/// Sends a bare HTTP/1.1 GET and returns the status line and body.
fn http_get(address: &str, path: &str) -> (String, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.lines().next().unwrap_or_default().to_owned();
    let body = response
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    (status, body)
}

#[test]
fn the_server_seeds_the_demo_answers_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(&dir);
    let mut child = Command::new(BINARY)
        .args([
            "--db",
            db.to_str().unwrap(),
            "serve",
            "--demo",
            "--incidents-per-day",
            "0",
            "--listen",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    let address = loop {
        let line = lines
            .next()
            .expect("the server prints its address")
            .unwrap();
        printed.push(line.clone());
        if let Some(rest) = line.strip_prefix("fengqiao is serving http://") {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    assert!(
        printed.iter().any(|l| l.contains("demo sign-ins")),
        "{printed:#?}"
    );
    assert_eq!(
        http_get(&address, "/healthz"),
        ("HTTP/1.1 200 OK".to_owned(), "ok".to_owned())
    );
    let (status, body) = http_get(&address, "/readyz");
    assert!(status.contains("200"), "{status} {body}");

    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "SIGTERM must end the server cleanly: {status:?}"
    );
    // The write-ahead log was checkpointed into the main file and truncated.
    let wal = db.with_extension("db-wal");
    assert!(
        !wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0,
        "WAL left behind"
    );
}

#[test]
fn addresses_import_once_report_bad_rows_by_row_and_column_and_write_nothing_then() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(&dir);
    let demo = fengqiao(&db, &["demo", "--seed", "5", "--incidents-per-day", "0"]);
    assert!(
        stdout(&demo).contains("5040 standard addresses"),
        "{}",
        stdout(&demo)
    );
    let good = dir.path().join("new.csv");
    std::fs::write(
        &good,
        "地址编码,标准地址,网格,经度,纬度\nN-1,浙江省绍兴市诸暨市枫桥镇枫源村9组1号,QX-02-05-1,120.23,29.61\nN-2,浙江省绍兴市诸暨市枫桥镇枫源村9组2号,QX-02-05-1,,\n",
    )
    .unwrap();
    let first = fengqiao(&db, &["addresses", "import", good.to_str().unwrap()]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        stdout(&first).contains("2 rows read, 2 addresses new or changed, 0 unchanged"),
        "{}",
        stdout(&first)
    );
    let again = fengqiao(&db, &["addresses", "import", good.to_str().unwrap()]);
    assert!(
        stdout(&again).contains("0 addresses new or changed, 2 unchanged"),
        "{}",
        stdout(&again)
    );

    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "code,address,grid,lng,lat\nB-1,某地1号,QX-02-05-1,500,29\nB-2,某地2号,QX,,\n",
    )
    .unwrap();
    let refused = fengqiao(&db, &["addresses", "import", bad.to_str().unwrap()]);
    assert!(!refused.status.success());
    let text = stderr(&refused);
    assert!(text.contains("bad.csv, row 2, column lng"), "{text}");
    assert!(text.contains("bad.csv, row 3, column grid"), "{text}");
    assert!(text.contains("nothing was imported"), "{text}");
}

#[test]
fn incidents_import_receives_a_110_export_as_a_user_and_once_only() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(&dir);
    assert!(
        fengqiao(&db, &["demo", "--seed", "6", "--incidents-per-day", "0"])
            .status
            .success()
    );
    let export = dir.path().join("110.csv");
    std::fs::write(
        &export,
        "JJDBH,BJSJ,BJDH,BJNR,JQDZ,JQLBDM,GXDWDM\nC-1,2026-11-30 08:00:00,13900003333,邻居吵架,枫桥镇枫源村1组1号,neighbour_dispute,QX-02\nC-2,20261130090000,13900003333,有人打架,暨阳街道东门社区解放路8号,public_order,QX-01\n",
    )
    .unwrap();
    let first = fengqiao(
        &db,
        &[
            "incidents",
            "import",
            export.to_str().unwrap(),
            "--as",
            "station_chief",
        ],
    );
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        stdout(&first).contains("2 rows read, 2 incidents received, 0 already received"),
        "{}",
        stdout(&first)
    );
    let again = fengqiao(
        &db,
        &[
            "incidents",
            "import",
            export.to_str().unwrap(),
            "--as",
            "station_chief",
        ],
    );
    assert!(
        stdout(&again).contains("0 incidents received, 2 already received"),
        "{}",
        stdout(&again)
    );
    let nobody = fengqiao(
        &db,
        &[
            "incidents",
            "import",
            export.to_str().unwrap(),
            "--as",
            "nobody",
        ],
    );
    assert_one_line_error(&nobody, "no user \"nobody\"");
    let partner = fengqiao(
        &db,
        &[
            "incidents",
            "import",
            export.to_str().unwrap(),
            "--as",
            "partner",
        ],
    );
    assert_one_line_error(&partner, "incident.dispatch");
}

/// Runs `fengqiao` in `dir` with `input` on standard input.
fn fengqiao_with_input(dir: &Path, args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(BINARY)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the fengqiao binary runs");
    if let Some(mut stdin) = child.stdin.take() {
        // The command may stop before reading (a bad rules file); a broken pipe is fine.
        let _ = stdin.write_all(input);
    }
    child.wait_with_output().expect("fengqiao finishes")
}

#[test]
fn classify_answers_every_narrative_line_with_one_json_object() {
    let dir = tempfile::tempdir().unwrap();
    let mut input = "报警人称楼上邻居漏水到他家，协商不成吵了起来\n\n报警人称电动车被偷了\n"
        .as_bytes()
        .to_vec();
    input.extend_from_slice(b"\xff\xfe\n");

    let output = fengqiao_with_input(dir.path(), &["classify"], &input);

    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    let first: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(
        first["text"],
        "报警人称楼上邻居漏水到他家，协商不成吵了起来"
    );
    assert_eq!(
        first["category"],
        serde_json::json!(["纠纷", "邻里类", "邻里纠纷"])
    );
    assert!(
        first["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w == "漏水")
    );
    let keys: Vec<&str> = ["\"text\"", "\"category\"", "\"confidence\"", "\"evidence\""]
        .into_iter()
        .collect();
    let positions: Vec<usize> = keys.iter().map(|k| lines[0].find(k).unwrap()).collect();
    assert!(positions.windows(2).all(|p| p[0] < p[1]), "{}", lines[0]);
    for line in &lines {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        let confidence = value["confidence"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&confidence), "{line}");
        assert_eq!((confidence * 100.0).round() / 100.0, confidence, "{line}");
    }
    let blank: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(blank["category"], serde_json::json!(["其他"]));
    assert_eq!(blank["confidence"], 0.0);
    let theft: serde_json::Value = serde_json::from_str(lines[2]).unwrap();
    assert_eq!(theft["category"], serde_json::json!(["刑事"]));
    assert!(
        !dir.path().join("data").exists(),
        "classify must not create or open the database"
    );
}

#[test]
fn classify_takes_an_administrators_rules_and_names_the_line_of_a_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let extra = dir.path().join("extra.toml");
    std::fs::write(
        &extra,
        "[[rule]]\ncategory = \"report_complaint\"\nweight = 6.0\nwords = [\"代孕\"]\n",
    )
    .unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "\n[[rule]]\ncategory = \"no_such_code\"\nweight = 1.0\nwords = [\"x\"]\n",
    )
    .unwrap();
    let extra_arg = extra.display().to_string();
    let bad_arg = bad.display().to_string();

    let extended = fengqiao_with_input(
        dir.path(),
        &["classify", "--rules", &extra_arg],
        "有人发广告招募代孕\n".as_bytes(),
    );
    let refused = fengqiao_with_input(
        dir.path(),
        &["classify", "--rules", &bad_arg],
        "报警人称电动车被偷了\n".as_bytes(),
    );

    assert!(extended.status.success(), "{}", stderr(&extended));
    let answer: serde_json::Value = serde_json::from_str(stdout(&extended).trim()).unwrap();
    assert_eq!(answer["category"], serde_json::json!(["举报投诉"]));
    assert_one_line_error(&refused, "line 2: unknown category \"no_such_code\"");
    assert!(stdout(&refused).is_empty());
}

#[test]
fn serve_refuses_a_bad_rules_file_before_it_listens() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(&dir);
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[rule]]\ncategory = \"no_such_code\"\nweight = 1.0\nwords = [\"x\"]\n",
    )
    .unwrap();
    let bad_arg = bad.display().to_string();
    let output = fengqiao(
        &db,
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--classify-rules",
            &bad_arg,
        ],
    );
    assert!(!output.status.success());
    assert_one_line_error(&output, "unknown category \"no_such_code\"");
}
