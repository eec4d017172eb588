//! Code-table use cases: seeding the defaults, editing entries, and importing and
//! exporting whole tables as CSV or XLSX.
//!
//! Imports are all-or-nothing: every row is checked, every problem is reported with
//! its file, row and column, and nothing is written unless the whole file is good.
//! Rows upsert by (table, code); entries absent from the file are left as they are
//! (retire an entry by importing it with `active` = 0). Re-importing the same file
//! writes nothing, because unchanged entries produce no events.

use std::collections::BTreeMap;
use std::path::Path;

use fengqiao_domain::codes::{CodeEntry, CodeTable, check_table, defaults};
use fengqiao_domain::{Actor, DomainError, DomainEvent, StreamRef};
use fengqiao_store::{Commit, ExpectedVersion};

use crate::{App, AppError, RowError};

/// Columns of the CSV form; the XLSX form has one sheet per table without `table`.
pub const CSV_HEADER: [&str; 7] = [
    "table",
    "code",
    "name",
    "name_en",
    "parent",
    "sort_order",
    "active",
];

/// File formats for import and export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// Comma-separated UTF-8 text with a header row.
    Csv,
    /// An Excel workbook, one sheet per table.
    Xlsx,
}

impl FileFormat {
    /// Guesses the format from a file name's extension.
    pub fn from_path(path: &Path) -> Result<Self, AppError> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("csv") => Ok(Self::Csv),
            Some("xlsx") => Ok(Self::Xlsx),
            _ => Err(AppError::File {
                path: path.display().to_string(),
                message: "expected a .csv or .xlsx file".into(),
            }),
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportSummary {
    /// Rows read.
    pub rows: usize,
    /// Entries that were new or changed (one event each).
    pub changed: usize,
    /// Rows identical to what was already stored.
    pub unchanged: usize,
}

/// One parsed data row with where it came from.
struct SourcedEntry {
    table: CodeTable,
    entry: CodeEntry,
    place: String,
    row: usize,
}

impl App {
    /// Seeds every empty code table with the defaults of DOMAIN.md. Tables an
    /// administrator has already filled are left alone. Returns the entries written.
    pub async fn seed_code_tables(&self, actor: &Actor) -> Result<usize, AppError> {
        let mut commits = Vec::new();
        for table in CodeTable::ALL {
            if self.store.code_entries(table).await?.is_empty() {
                let events = defaults(table)
                    .into_iter()
                    .map(|entry| DomainEvent::CodeEntrySaved { table, entry })
                    .collect();
                commits.push(Commit::now(
                    StreamRef::new("code_table", table),
                    ExpectedVersion::NoStream,
                    events,
                ));
            }
        }
        let written = self.store.commit(actor, &commits, &[]).await?;
        Ok(written.len())
    }

    /// Adds or changes one entry, checking the table as it would be afterwards.
    pub async fn save_code_entry(
        &self,
        actor: &Actor,
        table: CodeTable,
        entry: CodeEntry,
    ) -> Result<(), AppError> {
        let mut entries = self.store.code_entries(table).await?;
        match entries.iter_mut().find(|e| e.code == entry.code) {
            Some(existing) => *existing = entry.clone(),
            None => entries.push(entry.clone()),
        }
        check_table(table, &entries).map_err(|(_, e)| e)?;
        let event = DomainEvent::CodeEntrySaved { table, entry };
        self.store
            .commit(
                actor,
                &[Commit::now(
                    StreamRef::new("code_table", table),
                    ExpectedVersion::Any,
                    vec![event],
                )],
                &[],
            )
            .await?;
        Ok(())
    }

    /// Imports a CSV or XLSX file of code-table entries, all or nothing.
    pub async fn import_code_tables(
        &self,
        actor: &Actor,
        path: &Path,
    ) -> Result<ImportSummary, AppError> {
        // Row-level problems do not stop the table-level checks, so one run of the
        // import reports everything wrong with the file.
        let (rows, mut problems) = match FileFormat::from_path(path)? {
            FileFormat::Csv => read_csv(path)?,
            FileFormat::Xlsx => read_xlsx(path)?,
        };
        let mut by_table: BTreeMap<CodeTable, Vec<&SourcedEntry>> = BTreeMap::new();
        for row in &rows {
            by_table.entry(row.table).or_default().push(row);
        }
        let mut summary = ImportSummary {
            rows: rows.len(),
            ..ImportSummary::default()
        };
        let mut commits = Vec::new();
        for (table, imported) in by_table {
            let current = self.store.code_entries(table).await?;
            let mut merged = current.clone();
            // Where each merged entry came from, so a table-level error names a file row.
            let mut origin: Vec<Option<&SourcedEntry>> = vec![None; merged.len()];
            for row in &imported {
                match merged.iter().position(|e| e.code == row.entry.code) {
                    Some(i) if origin[i].is_some() => problems.push(RowError {
                        place: row.place.clone(),
                        row: row.row,
                        column: Some("code".into()),
                        message: format!("duplicate code {:?} in the file", row.entry.code),
                    }),
                    Some(i) => {
                        merged[i] = row.entry.clone();
                        origin[i] = Some(row);
                    }
                    None => {
                        merged.push(row.entry.clone());
                        origin.push(Some(row));
                    }
                }
            }
            // Report every table-level problem, not only the first: set the offending
            // entry aside and check again.
            let mut table_ok = true;
            while let Err((i, error)) = check_table(table, &merged) {
                problems.push(table_problem(
                    table,
                    origin.get(i).copied().flatten(),
                    &error,
                ));
                merged.remove(i);
                origin.remove(i);
                table_ok = false;
            }
            if !table_ok {
                continue;
            }
            let events: Vec<DomainEvent> = imported
                .iter()
                .filter(|row| !current.contains(&row.entry))
                .map(|row| DomainEvent::CodeEntrySaved {
                    table,
                    entry: row.entry.clone(),
                })
                .collect();
            summary.changed += events.len();
            summary.unchanged += imported.len() - events.len();
            if !events.is_empty() {
                commits.push(Commit::now(
                    StreamRef::new("code_table", table),
                    ExpectedVersion::Any,
                    events,
                ));
            }
        }
        if !problems.is_empty() {
            problems.sort_by(|a, b| (&a.place, a.row).cmp(&(&b.place, b.row)));
            return Err(AppError::Import(problems));
        }
        self.store.commit(actor, &commits, &[]).await?;
        Ok(summary)
    }

    /// Writes the given tables (all when empty) to a CSV or XLSX file.
    pub async fn export_code_tables(
        &self,
        path: &Path,
        tables: &[CodeTable],
    ) -> Result<usize, AppError> {
        let tables = if tables.is_empty() {
            CodeTable::ALL.to_vec()
        } else {
            tables.to_vec()
        };
        let mut all = Vec::new();
        for table in tables {
            all.push((table, self.store.code_entries(table).await?));
        }
        let count = all.iter().map(|(_, e)| e.len()).sum();
        let file_error = |message: String| AppError::File {
            path: path.display().to_string(),
            message,
        };
        match FileFormat::from_path(path)? {
            FileFormat::Csv => write_csv(path, &all).map_err(|e| file_error(e.to_string()))?,
            FileFormat::Xlsx => write_xlsx(path, &all).map_err(|e| file_error(e.to_string()))?,
        }
        Ok(count)
    }
}

/// The column a domain error is about, and its message without the field prefix.
fn split_error(error: &DomainError) -> (Option<String>, String) {
    match error {
        DomainError::Invalid { field, message } => (Some((*field).to_owned()), message.clone()),
        DomainError::Conflict(message) => (None, message.clone()),
    }
}

fn table_problem(table: CodeTable, origin: Option<&SourcedEntry>, error: &DomainError) -> RowError {
    let (column, message) = split_error(error);
    match origin {
        Some(row) => RowError {
            place: row.place.clone(),
            row: row.row,
            column,
            message,
        },
        // The offending entry is already stored; the file made the table inconsistent.
        None => RowError {
            place: format!("table {table}"),
            row: 0,
            column,
            message: format!("stored entries conflict with the file: {message}"),
        },
    }
}

/// Turns the cells of one data row into an entry, or the problems with it.
fn parse_row(
    place: &str,
    row: usize,
    table: Option<&str>,
    cells: &[String],
) -> Result<SourcedEntry, Vec<RowError>> {
    let problem = |column: &str, message: String| RowError {
        place: place.to_owned(),
        row,
        column: Some(column.to_owned()),
        message,
    };
    let mut problems = Vec::new();
    let get = |i: usize| cells.get(i).map(|c| c.trim()).unwrap_or("");
    let parsed_table = table.unwrap_or_else(|| get(0)).parse::<CodeTable>();
    let offset = usize::from(table.is_none());
    let sort_order = match get(offset + 4) {
        "" => Ok(0),
        text => text
            .parse::<f64>()
            .ok()
            .filter(|v| v.fract() == 0.0 && v.abs() < 1e12)
            .map(|v| v as i64)
            .ok_or(()),
    };
    let active = match get(offset + 5).to_lowercase().as_str() {
        "" | "1" | "true" | "yes" | "是" | "启用" => Ok(true),
        "0" | "false" | "no" | "否" | "停用" => Ok(false),
        _ => Err(()),
    };
    let entry = CodeEntry {
        code: get(offset).to_owned(),
        name: get(offset + 1).to_owned(),
        name_en: get(offset + 2).to_owned(),
        parent: Some(get(offset + 3).to_owned()).filter(|p| !p.is_empty()),
        sort_order: *sort_order.as_ref().unwrap_or(&0),
        active: *active.as_ref().unwrap_or(&true),
    };
    if let Err(e) = &parsed_table {
        problems.push(problem("table", split_error(e).1));
    }
    if sort_order.is_err() {
        problems.push(problem(
            "sort_order",
            format!("{:?} is not a whole number", get(offset + 4)),
        ));
    }
    if active.is_err() {
        problems.push(problem(
            "active",
            format!("{:?} is not 1/0, true/false or 是/否", get(offset + 5)),
        ));
    }
    if let Err(DomainError::Invalid { field, message }) = entry.check() {
        problems.push(problem(field, message));
    }
    match (parsed_table, problems.is_empty()) {
        (Ok(table), true) => Ok(SourcedEntry {
            table,
            entry,
            place: place.to_owned(),
            row,
        }),
        _ => Err(problems),
    }
}

fn check_header(place: &str, header: &[String], expected: &[&str]) -> Result<(), AppError> {
    let found: Vec<String> = header
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase())
        .collect();
    if found.len() >= expected.len() && found.iter().zip(expected).all(|(a, b)| a == b) {
        return Ok(());
    }
    Err(AppError::Import(vec![RowError {
        place: place.to_owned(),
        row: 1,
        column: None,
        message: format!("the header must be: {}", expected.join(",")),
    }]))
}

/// The good rows of a file and the problems with the others.
type ParsedRows = (Vec<SourcedEntry>, Vec<RowError>);

fn read_csv(path: &Path) -> Result<ParsedRows, AppError> {
    let place = path.display().to_string();
    let file_error = |message: String| AppError::File {
        path: place.clone(),
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .map_err(|e| file_error(e.to_string()))?;
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(record)) => record.iter().map(str::to_owned).collect::<Vec<_>>(),
        Some(Err(e)) => return Err(file_error(e.to_string())),
        None => return Err(file_error("the file is empty".into())),
    };
    check_header(&place, &header, &CSV_HEADER)?;
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for (i, record) in records.enumerate() {
        let row = i + 2;
        match record {
            Ok(record) if record.iter().all(|c| c.trim().is_empty()) => {}
            Ok(record) => {
                let cells: Vec<String> = record.iter().map(str::to_owned).collect();
                match parse_row(&place, row, None, &cells) {
                    Ok(entry) => entries.push(entry),
                    Err(mut errs) => problems.append(&mut errs),
                }
            }
            Err(e) => problems.push(RowError {
                place: place.clone(),
                row,
                column: None,
                message: e.to_string(),
            }),
        }
    }
    Ok((entries, problems))
}

fn read_xlsx(path: &Path) -> Result<ParsedRows, AppError> {
    use calamine::{Reader, open_workbook_auto};
    let display = path.display().to_string();
    let mut workbook = open_workbook_auto(path).map_err(|e| AppError::File {
        path: display.clone(),
        message: e.to_string(),
    })?;
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for sheet in workbook.sheet_names() {
        let place = format!("{display} [{sheet}]");
        let range = workbook
            .worksheet_range(&sheet)
            .map_err(|e| AppError::File {
                path: place.clone(),
                message: e.to_string(),
            })?;
        let mut rows = range.rows();
        let Some(header) = rows.next() else { continue };
        let header: Vec<String> = header.iter().map(ToString::to_string).collect();
        check_header(&place, &header, &CSV_HEADER[1..])?;
        for (i, cells) in rows.enumerate() {
            let cells: Vec<String> = cells.iter().map(ToString::to_string).collect();
            if cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            match parse_row(&place, i + 2, Some(&sheet), &cells) {
                Ok(entry) => entries.push(entry),
                Err(mut errs) => problems.append(&mut errs),
            }
        }
    }
    Ok((entries, problems))
}

fn entry_cells(entry: &CodeEntry) -> [String; 6] {
    [
        entry.code.clone(),
        entry.name.clone(),
        entry.name_en.clone(),
        entry.parent.clone().unwrap_or_default(),
        entry.sort_order.to_string(),
        if entry.active { "1" } else { "0" }.to_owned(),
    ]
}

fn write_csv(path: &Path, tables: &[(CodeTable, Vec<CodeEntry>)]) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_path(path)?;
    writer.write_record(CSV_HEADER)?;
    for (table, entries) in tables {
        for entry in entries {
            let cells = entry_cells(entry);
            writer.write_record(
                std::iter::once(table.as_str()).chain(cells.iter().map(String::as_str)),
            )?;
        }
    }
    writer.flush()?;
    Ok(())
}

fn write_xlsx(
    path: &Path,
    tables: &[(CodeTable, Vec<CodeEntry>)],
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (table, entries) in tables {
        let sheet = workbook.add_worksheet();
        sheet.set_name(table.as_str())?;
        for (col, title) in CSV_HEADER[1..].iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, *title, &bold)?;
        }
        for (i, entry) in entries.iter().enumerate() {
            let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
            for (col, cell) in entry_cells(entry).iter().enumerate() {
                sheet.write_string(row, col as u16, cell)?;
            }
        }
        sheet.autofit();
    }
    workbook.save(path)
}
