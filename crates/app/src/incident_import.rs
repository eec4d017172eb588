//! Importing 110 exports (接警数据导入): CSV or XLSX files from a provincial 110 system,
//! in the common pinyin schema (JJDBH number, BJSJ call time, BJDH caller phone, BJRXM
//! caller name, BJNR narrative, JQDZ address, JQLBDM/JQLXDM category codes, GXDWDM unit
//! code) or with the platform's own English column names.
//!
//! The file is checked whole first: every bad row is reported by file, row and column
//! and a file with any bad row receives nothing. Good rows are received in call order
//! through the same intake as the command room's form (address matching, repeat flags,
//! numbering), so an imported incident is indistinguishable from a typed one. Rows are
//! keyed by their external number: an incident already received is left alone, so
//! importing the same export again changes nothing.

use std::collections::HashMap;
use std::path::Path;

use fengqiao_domain::Timestamp;
use fengqiao_domain::codes::CodeTable;
use fengqiao_domain::incident::{IncidentSource, IntakeFields};
use fengqiao_domain::policy::Permission;

use crate::base_import::{ImportProgress, ProgressFn};
use crate::codes::{FileFormat, ImportSummary};
use crate::policy::Principal;
use crate::{App, AppError, RowError};

/// The fields of an export and the column names that carry them, platform name first.
pub const INCIDENT_COLUMNS: [(&str, &[&str]); 9] = [
    ("external_number", &["jjdbh", "接警单编号", "警情编号"]),
    ("called_at", &["bjsj", "报警时间"]),
    ("caller_phone", &["bjdh", "报警电话"]),
    ("caller_name", &["bjrxm", "报警人", "报警人姓名"]),
    ("narrative", &["bjnr", "报警内容"]),
    ("address", &["jqdz", "警情地址", "案发地址"]),
    (
        "category",
        &["jqlbdm", "jqlxdm", "警情类别", "警情类别代码"],
    ),
    ("unit", &["gxdwdm", "管辖单位代码", "管辖单位"]),
    ("source", &["bjfs", "报警方式", "来源"]),
];

/// What an import of incidents did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct IncidentImportSummary {
    /// Rows read, received and already there.
    pub summary: ImportSummary,
    /// Rows whose category code is not in the category table (received uncategorised).
    pub uncategorised: usize,
}

struct Row {
    row: usize,
    intake: IntakeFields,
    unit: Option<String>,
}

impl App {
    /// Imports a 110 export as the principal (who needs `incident.dispatch`).
    pub async fn import_incidents_as(
        &self,
        principal: &Principal,
        path: &Path,
        display_name: &str,
        progress: ProgressFn<'_>,
    ) -> Result<IncidentImportSummary, AppError> {
        self.require(principal, Permission::IncidentDispatch, "import incidents")
            .await?;
        progress(ImportProgress {
            phase: "reading",
            done: 0,
            total: 0,
        });
        let table = match FileFormat::from_path(Path::new(display_name))
            .or_else(|_| FileFormat::from_path(path))?
        {
            FileFormat::Csv => read_csv(path, display_name)?,
            FileFormat::Xlsx => read_xlsx(path, display_name)?,
        };
        let categories = self.store.code_entries(CodeTable::IncidentCategory).await?;
        let category_of = |text: &str| -> Option<String> {
            let text = text.trim();
            categories
                .iter()
                .find(|e| e.code == text || e.name == text)
                .map(|e| e.code.clone())
        };
        let mut problems = table.problems;
        let mut rows = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut uncategorised = 0;
        let total = table.rows.len();
        for (i, (row, cells)) in table.rows.into_iter().enumerate() {
            if i % 256 == 0 {
                progress(ImportProgress {
                    phase: "checking",
                    done: i,
                    total,
                });
            }
            let cell = |name: &str| cells.get(name).map(|c| c.trim()).unwrap_or_default();
            let problem = |column: &str, message: String| RowError {
                place: display_name.to_owned(),
                row,
                column: Some(column.to_owned()),
                message,
            };
            let external = cell("external_number");
            if external.is_empty() {
                problems.push(problem(
                    "external_number",
                    "the incident number is missing".into(),
                ));
                continue;
            }
            if let Some(first) = seen.insert(external.to_owned(), row) {
                problems.push(problem(
                    "external_number",
                    format!("the number {external} is also on row {first}"),
                ));
                continue;
            }
            let called_at = match parse_call_time(cell("called_at")) {
                Ok(at) => at,
                Err(message) => {
                    problems.push(problem("called_at", message));
                    continue;
                }
            };
            let category = match cell("category") {
                "" => None,
                code => {
                    let found = category_of(code);
                    if found.is_none() {
                        uncategorised += 1;
                    }
                    found
                }
            };
            let source = match cell("source") {
                "" => IncidentSource::Call110,
                text => match text.parse::<IncidentSource>() {
                    Ok(source) => source,
                    Err(_) => source_of(text),
                },
            };
            let intake = IntakeFields {
                external_number: Some(external.to_owned()),
                source,
                called_at: called_at.to_string(),
                caller_name: Some(cell("caller_name").to_owned()),
                caller_phone: Some(cell("caller_phone").to_owned()),
                caller_id_number: None,
                address_text: cell("address").to_owned(),
                narrative: cell("narrative").to_owned(),
                category,
            };
            match intake.checked() {
                Ok(intake) => rows.push(Row {
                    row,
                    intake,
                    unit: Some(cell("unit").to_owned()).filter(|u| !u.is_empty()),
                }),
                Err(fengqiao_domain::DomainError::Invalid { field, message }) => {
                    let column = match field {
                        "address_text" => "address",
                        other => other,
                    };
                    problems.push(problem(column, message));
                }
                Err(other) => problems.push(problem("row", other.to_string())),
            }
        }
        if !problems.is_empty() {
            return Err(crate::error::import_refused(problems, display_name));
        }
        // In call order, so the repeat engine and the day's numbers follow the calls.
        rows.sort_by(|a, b| {
            a.intake
                .called_at
                .cmp(&b.intake.called_at)
                .then(a.row.cmp(&b.row))
        });
        let mut summary = ImportSummary {
            rows: total,
            ..ImportSummary::default()
        };
        let mut units: HashMap<String, Option<String>> = HashMap::new();
        let scope = principal.scope();
        let count = rows.len();
        for (i, row) in rows.into_iter().enumerate() {
            if i % 64 == 0 {
                progress(ImportProgress {
                    phase: "writing",
                    done: i,
                    total: count,
                });
            }
            let number = row.intake.external_number.clone().unwrap_or_default();
            if self
                .store
                .incident_by_external_number(&number)
                .await?
                .is_some()
            {
                summary.unchanged += 1;
                continue;
            }
            // The unit code names the receiving station when it is a node in scope.
            let home = match &row.unit {
                Some(code) => match units.get(code) {
                    Some(found) => found.clone(),
                    None => {
                        let found = match self.store.node_by_code(code).await? {
                            Some(node) if self.store.is_within(&node.id, &scope).await? => {
                                Some(node.id)
                            }
                            _ => None,
                        };
                        units.insert(code.clone(), found.clone());
                        found
                    }
                },
                None => None,
            };
            self.receive_incident_at(principal, row.intake, home)
                .await?;
            summary.changed += 1;
        }
        progress(ImportProgress {
            phase: "writing",
            done: count,
            total: count,
        });
        Ok(IncidentImportSummary {
            summary,
            uncategorised,
        })
    }
}

/// A 110 system's call time, in China Standard Time unless it carries an offset:
/// `2026-12-01 08:30:00`, `2026/12/1 8:30`, `20261201083000`, or RFC 3339.
pub fn parse_call_time(text: &str) -> Result<Timestamp, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("the call time is missing".into());
    }
    if let Ok(at) = Timestamp::parse(text) {
        return Ok(at);
    }
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let numbers: Vec<u32> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.parse().ok())
        .collect();
    let parts: Option<[u32; 6]> = if numbers.len() >= 5 && numbers[0] > 1900 {
        Some([
            numbers[0],
            numbers[1],
            numbers[2],
            numbers[3],
            numbers[4],
            numbers.get(5).copied().unwrap_or(0),
        ])
    } else if digits.len() == 14 || digits.len() == 12 {
        let n = |range: std::ops::Range<usize>| {
            digits.get(range).and_then(|d| d.parse().ok()).unwrap_or(0)
        };
        Some([n(0..4), n(4..6), n(6..8), n(8..10), n(10..12), n(12..14)])
    } else {
        None
    };
    let bad = || format!("{text:?} is not a time (for example 2026-12-01 08:30:00)");
    let [year, month, day, hour, minute, second] = parts.ok_or_else(bad)?;
    let month =
        time::Month::try_from(u8::try_from(month).map_err(|_| bad())?).map_err(|_| bad())?;
    let date = time::Date::from_calendar_date(
        i32::try_from(year).map_err(|_| bad())?,
        month,
        u8::try_from(day).map_err(|_| bad())?,
    )
    .map_err(|_| bad())?;
    let clock = time::Time::from_hms(
        u8::try_from(hour).map_err(|_| bad())?,
        u8::try_from(minute).map_err(|_| bad())?,
        u8::try_from(second).map_err(|_| bad())?,
    )
    .map_err(|_| bad())?;
    let offset = time::UtcOffset::from_hms(8, 0, 0).map_err(|_| bad())?;
    Ok(Timestamp::from_datetime(
        time::PrimitiveDateTime::new(date, clock).assume_offset(offset),
    ))
}

/// The source from the words a 110 system uses.
fn source_of(text: &str) -> IncidentSource {
    if text.contains("来所") || text.contains("上门") {
        IncidentSource::WalkIn
    } else if text.contains("网格") {
        IncidentSource::GridReport
    } else if text.contains("网") || text.contains("微信") || text.contains("短信") {
        IncidentSource::Online
    } else if text.contains("巡") {
        IncidentSource::Patrol
    } else if text.contains("转") {
        IncidentSource::Transfer
    } else {
        IncidentSource::Call110
    }
}

/// The rows of a file by field name, and the problems of reading it.
struct Table {
    rows: Vec<(usize, HashMap<&'static str, String>)>,
    problems: Vec<RowError>,
}

fn map_header(place: &str, header: &[String]) -> Result<Vec<Option<&'static str>>, AppError> {
    let fields: Vec<Option<&'static str>> = header
        .iter()
        .map(|h| {
            let h = h.trim().trim_start_matches('\u{feff}').to_lowercase();
            INCIDENT_COLUMNS
                .iter()
                .find(|(name, aliases)| *name == h || aliases.contains(&h.as_str()))
                .map(|(name, _)| *name)
        })
        .collect();
    let missing: Vec<&str> = ["external_number", "called_at", "narrative", "address"]
        .into_iter()
        .filter(|needed| !fields.contains(&Some(*needed)))
        .collect();
    if missing.is_empty() {
        return Ok(fields);
    }
    Err(AppError::Import(vec![RowError {
        place: place.to_owned(),
        row: 1,
        column: None,
        message: format!(
            "the header lacks {} (the pinyin schema JJDBH, BJSJ, BJDH, BJNR, JQDZ, JQLBDM, GXDWDM or the platform's names)",
            missing.join(", ")
        ),
    }]))
}

fn by_field(fields: &[Option<&'static str>], cells: Vec<String>) -> HashMap<&'static str, String> {
    let mut out = HashMap::new();
    for (field, cell) in fields.iter().zip(cells) {
        if let Some(field) = field {
            // The first of two columns for one field wins unless it is empty (JQLBDM
            // before JQLXDM).
            let entry = out.entry(*field).or_insert_with(String::new);
            if entry.trim().is_empty() {
                *entry = cell;
            }
        }
    }
    out
}

fn read_csv(path: &Path, place: &str) -> Result<Table, AppError> {
    let file_error = |message: String| AppError::File {
        path: place.to_owned(),
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .map_err(|e| file_error(e.to_string()))?;
    let mut records = reader.byte_records();
    let header = match records.next() {
        Some(Ok(record)) => record
            .iter()
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>(),
        Some(Err(e)) => return Err(file_error(e.to_string())),
        None => return Err(file_error("the file is empty".into())),
    };
    let fields = map_header(place, &header)?;
    let mut table = Table {
        rows: Vec::new(),
        problems: Vec::new(),
    };
    for (i, record) in records.enumerate() {
        let row = i + 2;
        match record {
            Ok(record) => {
                let cells: Result<Vec<String>, usize> = record
                    .iter()
                    .enumerate()
                    .map(|(c, cell)| std::str::from_utf8(cell).map(str::to_owned).map_err(|_| c))
                    .collect();
                match cells {
                    Ok(cells) if cells.iter().all(|c| c.trim().is_empty()) => {}
                    Ok(cells) => table.rows.push((row, by_field(&fields, cells))),
                    Err(column) => table.problems.push(RowError {
                        place: place.to_owned(),
                        row,
                        column: header.get(column).cloned(),
                        message: "not UTF-8 text (save the export as CSV UTF-8)".into(),
                    }),
                }
            }
            Err(e) => table.problems.push(RowError {
                place: place.to_owned(),
                row,
                column: None,
                message: e.to_string(),
            }),
        }
    }
    Ok(table)
}

fn read_xlsx(path: &Path, place: &str) -> Result<Table, AppError> {
    use calamine::{Data, Reader, open_workbook_auto};
    let file_error = |message: String| AppError::File {
        path: place.to_owned(),
        message,
    };
    let mut workbook = open_workbook_auto(path).map_err(|e| file_error(e.to_string()))?;
    let Some(sheet) = workbook.sheet_names().first().cloned() else {
        return Err(file_error("the workbook has no sheet".into()));
    };
    let range = workbook
        .worksheet_range(&sheet)
        .map_err(|e| file_error(e.to_string()))?;
    let mut cells_of = range.rows();
    let Some(header) = cells_of.next() else {
        return Err(file_error("the first sheet is empty".into()));
    };
    let header: Vec<String> = header.iter().map(ToString::to_string).collect();
    let fields = map_header(place, &header)?;
    let mut table = Table {
        rows: Vec::new(),
        problems: Vec::new(),
    };
    for (i, cells) in cells_of.enumerate() {
        // Spreadsheet times arrive as date-times; numbers (phones, codes) as text.
        let cells: Vec<String> = cells
            .iter()
            .map(|c| match c {
                Data::DateTime(d) => excel_local_time(d.as_f64()),
                Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
                other => other.to_string(),
            })
            .collect();
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        table.rows.push((i + 2, by_field(&fields, cells)));
    }
    Ok(table)
}

/// An Excel serial date-time (days since 1899-12-30, local) as `YYYY-MM-DD HH:MM:SS`.
fn excel_local_time(serial: f64) -> String {
    let seconds = ((serial - 25_569.0) * 86_400.0).round() as i64;
    time::OffsetDateTime::from_unix_timestamp(seconds).map_or_else(
        |_| serial.to_string(),
        |t| {
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            )
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_times_are_read_in_the_forms_110_systems_write() {
        let expected = "2026-12-01T00:30:00.000000Z";
        for text in [
            "2026-12-01 08:30:00",
            "2026/12/1 8:30",
            "20261201083000",
            "2026-12-01T08:30:00+08:00",
        ] {
            assert_eq!(
                parse_call_time(text).unwrap().to_string(),
                expected,
                "{text}"
            );
        }
        assert!(parse_call_time("2026-13-01 08:30").is_err());
        assert!(parse_call_time("昨天晚上").is_err());
        assert!(parse_call_time("").is_err());
        // 2026-12-01 08:30 as Excel stores it.
        assert_eq!(
            excel_local_time(46_357.354_166_666_664),
            "2026-12-01 08:30:00"
        );
    }
}
