//! Code tables: browse, edit one entry, import a CSV/XLSX file (all or nothing, with
//! every bad row named), export as CSV or XLSX.

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use fengqiao_domain::codes::{CodeEntry, CodeTable};
use fengqiao_domain::policy::Permission;
use serde::Deserialize;

use super::{Flash, after_post, render};
use crate::AppState;
use crate::error::{PageError, WebError};
use crate::session::Viewer;
use crate::view::Shell;

#[derive(Template)]
#[template(path = "codes.html")]
struct CodesPage {
    shell: Shell,
    tables: Vec<(String, String, usize)>,
    can_manage: bool,
}

#[derive(Template)]
#[template(path = "code_table.html")]
struct CodeTablePage {
    shell: Shell,
    table: String,
    table_name: String,
    entries: Vec<CodeEntry>,
    can_manage: bool,
}

fn parse_table(text: &str) -> Result<CodeTable, PageError> {
    text.parse().map_err(|_| PageError(WebError::NotFound))
}

/// `GET /admin/codes`.
pub async fn codes_page(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
) -> Result<Response, PageError> {
    let shell = Shell::new(&ctx, Some(&principal), "codes.title", "/admin/codes");
    let mut tables = Vec::new();
    for table in CodeTable::ALL {
        let entries = state.app.code_table_for(&principal, table).await?;
        tables.push((
            table.as_str().to_owned(),
            shell.t.s(&format!("table.{table}")).to_owned(),
            entries.len(),
        ));
    }
    Ok(render(&CodesPage {
        shell,
        tables,
        can_manage: principal.has(Permission::CodesManage),
    }))
}

/// `GET /admin/codes/{table}`.
pub async fn code_table_page(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Path(table): Path<String>,
) -> Result<Response, PageError> {
    let parsed = parse_table(&table)?;
    let entries = state.app.code_table_for(&principal, parsed).await?;
    let shell = Shell::new(&ctx, Some(&principal), "codes.title", "/admin/codes");
    let table_name = shell.t.s(&format!("table.{parsed}")).to_owned();
    Ok(render(&CodeTablePage {
        shell,
        table,
        table_name,
        entries,
        can_manage: principal.has(Permission::CodesManage),
    }))
}

/// One entry as edited in the form.
#[derive(Debug, Deserialize)]
pub struct EntryForm {
    code: String,
    name: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    parent: String,
    #[serde(default)]
    sort_order: i64,
    #[serde(default)]
    active: Option<String>,
}

/// `POST /admin/codes/{table}`: adds or changes one entry.
pub async fn save_entry(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Path(table): Path<String>,
    Form(form): Form<EntryForm>,
) -> Result<Response, PageError> {
    let parsed = parse_table(&table)?;
    let entry = CodeEntry {
        code: form.code.trim().to_owned(),
        name: form.name,
        name_en: form.name_en,
        parent: Some(form.parent.trim().to_owned()).filter(|p| !p.is_empty()),
        sort_order: form.sort_order,
        active: form.active.is_some(),
    };
    state
        .app
        .save_code_entry_as(&principal, parsed, entry)
        .await?;
    Ok(after_post(&ctx, &format!("/admin/codes/{table}")))
}

/// `POST /admin/codes/import`: a multipart upload of one `.csv` or `.xlsx` file.
pub async fn import(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let bad = |m: String| PageError(WebError::BadRequest(m));
    let field = multipart
        .next_field()
        .await
        .map_err(|e| bad(e.to_string()))?
        .ok_or_else(|| bad("no file was sent".into()))?;
    let name = field.file_name().unwrap_or("upload.csv").to_owned();
    let extension = std::path::Path::new(&name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("csv")
        .to_ascii_lowercase();
    if !matches!(extension.as_str(), "csv" | "xlsx") {
        return Err(PageError(WebError::Invalid {
            field: Some("file".into()),
            message: format!("{name}: expected a .csv or .xlsx file"),
            rows: Vec::new(),
        }));
    }
    let bytes = field.bytes().await.map_err(|e| bad(e.to_string()))?;
    // The import reads from a file; a private temporary directory keeps the upload's
    // own name, so row errors name the file the user chose.
    let dir = tempfile::tempdir().map_err(|e| WebError::Internal(e.to_string()))?;
    let safe_name: String = name.chars().filter(|c| !matches!(c, '/' | '\\')).collect();
    let path = dir.path().join(if safe_name.is_empty() {
        format!("upload.{extension}")
    } else {
        safe_name
    });
    std::fs::write(&path, &bytes).map_err(|e| WebError::Internal(e.to_string()))?;
    let summary = state.app.import_code_tables_as(&principal, &path).await?;
    let t = crate::i18n::Tr::new(ctx.lang);
    Ok(render(&Flash {
        message: t.f(
            "codes.imported",
            &[&summary.rows, &summary.changed, &summary.unchanged],
        ),
    }))
}

/// The export query: `?format=xlsx` or `csv`, optionally one table.
#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    format: String,
    #[serde(default)]
    table: String,
}

/// `GET /admin/codes/export`.
pub async fn export(
    State(state): State<AppState>,
    Viewer(principal, _ctx): Viewer,
    Query(query): Query<ExportQuery>,
) -> Result<Response, PageError> {
    let xlsx = query.format == "xlsx";
    let tables = if query.table.is_empty() {
        Vec::new()
    } else {
        vec![parse_table(&query.table)?]
    };
    let dir = tempfile::tempdir().map_err(|e| WebError::Internal(e.to_string()))?;
    let file_name = if xlsx {
        "fengqiao-codes.xlsx"
    } else {
        "fengqiao-codes.csv"
    };
    let path = dir.path().join(file_name);
    state
        .app
        .export_code_tables_as(&principal, &path, &tables)
        .await?;
    let bytes = std::fs::read(&path).map_err(|e| WebError::Internal(e.to_string()))?;
    let content_type = if xlsx {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else {
        "text/csv; charset=utf-8"
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
