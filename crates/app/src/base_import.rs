//! Importing standard addresses from CSV or XLSX (标准地址导入).
//!
//! The file is checked whole before anything is written: every bad row is reported
//! with its file, row and column, and a file with any problem writes nothing. Rows are
//! keyed by their code, so importing the same file again changes nothing, and an
//! edited file changes exactly the rows that differ. A good file is written in chunks,
//! each one transaction; should the process die between chunks, importing the same file
//! again completes it, because the rows already written are unchanged.

use std::collections::HashMap;
use std::path::Path;

use fengqiao_domain::base::AddressFields;
use fengqiao_domain::org::{RecordId, new_id};
use fengqiao_domain::policy::Permission;
use fengqiao_domain::{Actor, DomainError, DomainEvent};
use fengqiao_store::{Commit, ExpectedVersion, Scope};

use crate::codes::{FileFormat, ImportSummary};
use crate::policy::Principal;
use crate::{App, AppError, RowError};

/// The columns of an address file; the Chinese names are accepted too, in any order.
pub const ADDRESS_COLUMNS: [(&str, &[&str]); 5] = [
    ("code", &["地址编码", "编码"]),
    ("address", &["标准地址", "地址"]),
    ("grid", &["网格", "网格编码", "所属网格"]),
    ("lng", &["经度"]),
    ("lat", &["纬度"]),
];

/// Events per transaction when a checked file is written.
const CHUNK: usize = 500;

/// How far an import has got, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ImportProgress {
    /// `reading`, `checking` or `writing`.
    pub phase: &'static str,
    /// Rows (or events) done in this phase.
    pub done: usize,
    /// Rows (or events) in this phase.
    pub total: usize,
}

/// Receives progress; called often, so it must be cheap.
pub type ProgressFn<'a> = &'a (dyn Fn(ImportProgress) + Send + Sync);

/// One data row: its number as a spreadsheet shows it and its cells by column.
struct SourceRow {
    row: usize,
    cells: [String; 5],
}

impl App {
    /// Imports addresses as a signed-in user: every row's grid must lie in the
    /// principal's jurisdiction.
    pub async fn import_addresses_as(
        &self,
        principal: &Principal,
        path: &Path,
        display_name: &str,
        progress: ProgressFn<'_>,
    ) -> Result<ImportSummary, AppError> {
        self.require(principal, Permission::BaseManage, "import addresses")
            .await?;
        self.import_addresses(
            &principal.actor(),
            &principal.scope(),
            path,
            display_name,
            progress,
        )
        .await
    }

    /// Imports addresses for an actor confined to `scope` (the CLI passes all).
    pub async fn import_addresses(
        &self,
        actor: &Actor,
        scope: &Scope,
        path: &Path,
        display_name: &str,
        progress: ProgressFn<'_>,
    ) -> Result<ImportSummary, AppError> {
        progress(ImportProgress {
            phase: "reading",
            done: 0,
            total: 0,
        });
        let (rows, mut problems) = match FileFormat::from_path(Path::new(display_name))
            .or_else(|_| FileFormat::from_path(path))?
        {
            FileFormat::Csv => read_csv(path, display_name)?,
            FileFormat::Xlsx => read_xlsx(path, display_name)?,
        };
        let existing: HashMap<String, fengqiao_store::AddressRow> = self
            .store
            .address_index()
            .await?
            .into_iter()
            .map(|a| (a.code.clone(), a))
            .collect();
        let mut grids: HashMap<String, Option<RecordId>> = HashMap::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut events = Vec::new();
        let mut summary = ImportSummary {
            rows: rows.len(),
            ..ImportSummary::default()
        };
        let total = rows.len();
        for (i, source) in rows.into_iter().enumerate() {
            if i % 256 == 0 {
                progress(ImportProgress {
                    phase: "checking",
                    done: i,
                    total,
                });
            }
            let problem = |column: Option<&str>, message: String| RowError {
                place: display_name.to_owned(),
                row: source.row,
                column: column.map(str::to_owned),
                message,
            };
            let [code, text, grid, lng, lat] = &source.cells;
            // A code twice in one file is an error whatever else is wrong with either row.
            if !code.trim().is_empty()
                && let Some(first) = seen.insert(code.trim().to_owned(), source.row)
            {
                problems.push(problem(
                    Some("code"),
                    format!("the code {} is also on row {first}", code.trim()),
                ));
                continue;
            }
            let node_id = match grids.get(grid.trim()) {
                Some(found) => *found,
                None => {
                    let found = self.leaf_in_scope(grid.trim(), scope).await?;
                    grids.insert(grid.trim().to_owned(), found);
                    found
                }
            };
            let Some(node_id) = node_id else {
                problems.push(problem(
                    Some("grid"),
                    format!(
                        "no grid or community with the code {:?} in your jurisdiction",
                        grid.trim()
                    ),
                ));
                continue;
            };
            let coordinate = |name: &'static str, text: &str| -> Result<Option<f64>, RowError> {
                match text.trim() {
                    "" => Ok(None),
                    t => t
                        .parse::<f64>()
                        .map(Some)
                        .map_err(|_| problem(Some(name), format!("{t:?} is not a number"))),
                }
            };
            let (lng, lat) = match (coordinate("lng", lng), coordinate("lat", lat)) {
                (Ok(lng), Ok(lat)) => (lng, lat),
                (Err(e), _) | (_, Err(e)) => {
                    problems.push(e);
                    continue;
                }
            };
            let fields = match (AddressFields {
                code: code.clone(),
                text: text.clone(),
                node_id,
                lng,
                lat,
            })
            .checked()
            {
                Ok(fields) => fields,
                Err(error) => {
                    let (column, message) = split(&error);
                    problems.push(problem(column.as_deref(), message));
                    continue;
                }
            };
            let id = match existing.get(&fields.code) {
                Some(old) => {
                    let same = old.text == fields.text
                        && old.node_id == fields.node_id.to_string()
                        && old.lng == fields.lng
                        && old.lat == fields.lat;
                    if same {
                        summary.unchanged += 1;
                        continue;
                    }
                    if !self.store.is_within(&old.node_id, scope).await? {
                        problems.push(problem(
                            Some("code"),
                            format!(
                                "the code {} belongs to an address outside your jurisdiction",
                                fields.code
                            ),
                        ));
                        continue;
                    }
                    old.id
                        .parse()
                        .map_err(|_| AppError::Refused(format!("corrupt address id {}", old.id)))?
                }
                None => new_id(),
            };
            let expected = if existing.contains_key(&fields.code) {
                // An import replaces the row whatever its version: the file is the
                // authority for the rows it holds.
                ExpectedVersion::Any
            } else {
                ExpectedVersion::NoStream
            };
            events.push((
                DomainEvent::AddressSaved {
                    id,
                    address: fields,
                },
                expected,
            ));
        }
        if !problems.is_empty() {
            return Err(crate::error::import_refused(problems, display_name));
        }
        let to_write = events.len();
        let mut written = 0;
        let mut events = events.into_iter().peekable();
        while events.peek().is_some() {
            let commits: Vec<Commit> = events
                .by_ref()
                .take(CHUNK)
                .map(|(event, expected)| Commit::now(event.stream(), expected, vec![event]))
                .collect();
            written += commits.len();
            self.store.commit(actor, &commits, &[]).await?;
            progress(ImportProgress {
                phase: "writing",
                done: written,
                total: to_write,
            });
        }
        summary.changed = written;
        Ok(summary)
    }

    /// The grid or community with this code, if it lies in the scope.
    async fn leaf_in_scope(&self, code: &str, scope: &Scope) -> Result<Option<RecordId>, AppError> {
        let Some(node) = self.store.node_by_code(code).await? else {
            return Ok(None);
        };
        if !(node.level == "grid" || node.level == "community")
            || !self.store.is_within(&node.id, scope).await?
        {
            return Ok(None);
        }
        Ok(node.id.parse().ok())
    }
}

fn split(error: &DomainError) -> (Option<String>, String) {
    match error {
        DomainError::Invalid { field, message } => {
            let column = if *field == "address" {
                "address"
            } else {
                field
            };
            (Some(column.to_owned()), message.clone())
        }
        DomainError::Conflict(message) => (None, message.clone()),
    }
}

/// Column positions of the five fields in a header row; `lng`/`lat` may be absent.
fn map_header(place: &str, header: &[String]) -> Result<[Option<usize>; 5], AppError> {
    let names: Vec<String> = header
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase())
        .collect();
    let mut positions = [None; 5];
    for (slot, (name, aliases)) in positions.iter_mut().zip(ADDRESS_COLUMNS) {
        *slot = names
            .iter()
            .position(|h| h == name || aliases.contains(&h.as_str()));
    }
    let missing: Vec<&str> = ADDRESS_COLUMNS[..3]
        .iter()
        .zip(&positions)
        .filter(|(_, p)| p.is_none())
        .map(|((name, _), _)| *name)
        .collect();
    if missing.is_empty() && positions[3].is_some() == positions[4].is_some() {
        return Ok(positions);
    }
    Err(AppError::Import(vec![RowError {
        place: place.to_owned(),
        row: 1,
        column: None,
        message: format!(
            "the header must name the columns code, address, grid and optionally lng and lat (missing: {})",
            if missing.is_empty() {
                "lng or lat".to_owned()
            } else {
                missing.join(", ")
            }
        ),
    }]))
}

fn pick(cells: &[String], positions: &[Option<usize>; 5]) -> [String; 5] {
    positions.map(|p| p.and_then(|i| cells.get(i)).cloned().unwrap_or_default())
}

type Parsed = (Vec<SourceRow>, Vec<RowError>);

fn read_csv(path: &Path, place: &str) -> Result<Parsed, AppError> {
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
    let positions = map_header(place, &header)?;
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (i, record) in records.enumerate() {
        let row = i + 2;
        match record {
            Ok(record) => {
                let mut cells = Vec::with_capacity(record.len());
                let mut bad = None;
                for (column, cell) in record.iter().enumerate() {
                    match std::str::from_utf8(cell) {
                        Ok(text) => cells.push(text.to_owned()),
                        Err(_) => {
                            bad = Some(column);
                            break;
                        }
                    }
                }
                if let Some(column) = bad {
                    problems.push(RowError {
                        place: place.to_owned(),
                        row,
                        column: header.get(column).cloned(),
                        message: "not UTF-8 text (save the file as CSV UTF-8)".into(),
                    });
                } else if !cells.iter().all(|c| c.trim().is_empty()) {
                    rows.push(SourceRow {
                        row,
                        cells: pick(&cells, &positions),
                    });
                }
            }
            Err(e) => problems.push(RowError {
                place: place.to_owned(),
                row,
                column: None,
                message: e.to_string(),
            }),
        }
    }
    Ok((rows, problems))
}

fn read_xlsx(path: &Path, place: &str) -> Result<Parsed, AppError> {
    use calamine::{Reader, open_workbook_auto};
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
    let place = format!("{place} [{sheet}]");
    let mut cells_of = range.rows();
    let Some(header) = cells_of.next() else {
        return Err(file_error("the first sheet is empty".into()));
    };
    let header: Vec<String> = header.iter().map(ToString::to_string).collect();
    let positions = map_header(&place, &header)?;
    let mut rows = Vec::new();
    for (i, cells) in cells_of.enumerate() {
        let cells: Vec<String> = cells.iter().map(ToString::to_string).collect();
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        rows.push(SourceRow {
            row: i + 2,
            cells: pick(&cells, &positions),
        });
    }
    Ok((rows, Vec::new()))
}
