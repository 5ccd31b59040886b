//! The page's preview: the first rows of a file read by the very reader and column
//! matching an upload uses, so what the page shows is what the upload will do. The
//! browser sends only the start of the file (`PREVIEW_BYTES`); a row cut off at the end
//! of that slice is not shown.
use sea_orm::DatabaseConnection;

use crate::error::AppError;
use crate::event_api::writer::EventWriter;
use crate::upload::dto::{
    FileRefusal, MatchedBy, PreviewColumn, PreviewRow, UploadApi, UploadPreview,
};
use crate::upload::ssr::columns::{
    columns, match_targets, missing_required, row_record, suggestions, target_field, Target,
};
use crate::upload::ssr::reader::{column_key, CsvReader, Delimiter, Refusal};
use crate::upload::ssr::repo;
use crate::upload::ssr::service::check_records;

pub use crate::upload::dto::PREVIEW_BYTES;
/// Rows shown.
pub const PREVIEW_ROWS: usize = 50;

fn refusal(r: Refusal) -> FileRefusal {
    FileRefusal {
        line: r.line,
        column: r.column,
        message: r.message,
    }
}

/// Reads the start of a file. `partial`: the bytes are only the start of a longer file,
/// so whatever follows the last line break is dropped and a quote left open at the end
/// ends the preview instead of refusing the file.
pub async fn preview(
    db: &DatabaseConnection,
    events: &EventWriter,
    org_id: i32,
    api: UploadApi,
    mut bytes: Vec<u8>,
    partial: bool,
) -> Result<Result<UploadPreview, FileRefusal>, AppError> {
    if partial {
        if let Some(end) = bytes.iter().rposition(|b| *b == b'\n') {
            bytes.truncate(end + 1);
        }
    }
    let mut reader = match CsvReader::open(futures::io::Cursor::new(bytes)).await {
        Ok(reader) => reader,
        Err(r) => return Ok(Err(refusal(r))),
    };
    let chosen = repo::mapping(db, org_id, api).await?;
    let headers = reader.headers().to_vec();
    let targets = match_targets(api, &headers, &chosen);
    let all = columns(api);
    let preview_columns = headers
        .iter()
        .zip(&targets)
        .map(|(header, target)| {
            let matched_by = if chosen.contains_key(&column_key(header)) {
                MatchedBy::Remembered
            } else if *target == Target::Ignored {
                MatchedBy::Unmatched
            } else {
                MatchedBy::Name
            };
            PreviewColumn {
                header: header.clone(),
                field: target_field(&all, target),
                suggestions: if matched_by == MatchedBy::Unmatched {
                    suggestions(&all, header)
                } else {
                    vec![]
                },
                matched_by,
            }
        })
        .collect();
    let decimal_comma = reader.delimiter() == Delimiter::Semicolon;
    let mut rows: Vec<PreviewRow> = Vec::new();
    // (index into rows, the API record of a row that read well).
    let mut records: Vec<(usize, Option<serde_json::Value>)> = Vec::new();
    while rows.len() < PREVIEW_ROWS {
        let next = match reader.next_row().await {
            Ok(Some(next)) => next,
            Ok(None) => break,
            // The slice ended inside a quoted cell: the rows before it stand.
            Err(_) if partial && !rows.is_empty() => break,
            Err(r) => return Ok(Err(refusal(r))),
        };
        rows.push(match next {
            Err(bad) => PreviewRow {
                line: bad.failure.line,
                cells: bad.cells,
                error: Some(bad.failure.message),
                example: false,
            },
            Ok(row) => {
                let read = row_record(
                    &all,
                    &headers,
                    &targets,
                    &row.cells,
                    row.line,
                    decimal_comma,
                );
                let example = matches!(read, Ok(None));
                let (record, error) = match read {
                    Ok(record) => (record, None),
                    Err(f) => (
                        None,
                        Some(match f.column {
                            Some(column) => format!("{column}: {}", f.message),
                            None => f.message,
                        }),
                    ),
                };
                records.push((rows.len(), record));
                PreviewRow {
                    line: row.line,
                    example,
                    error,
                    cells: row.cells,
                }
            }
        });
    }
    // The rows that read well go through the API's own checks, as a dry run would, so a
    // row the API refuses (a required field left empty, say) shows why here already.
    let readable: Vec<(usize, serde_json::Value)> = records
        .into_iter()
        .filter_map(|(i, record)| record.map(|r| (i, r)))
        .collect();
    if !readable.is_empty() {
        let values: Vec<serde_json::Value> = readable.iter().map(|(_, r)| r.clone()).collect();
        for (index, message) in check_records(db, events, org_id, api, &values).await? {
            if let Some((row, _)) = readable.get(index) {
                rows[*row].error.get_or_insert(message);
            }
        }
    }
    Ok(Ok(UploadPreview {
        delimiter: reader.delimiter().key().to_owned(),
        encoding: reader.encoding().key().to_owned(),
        columns: preview_columns,
        rows,
        missing: missing_required(api, &targets),
    }))
}
