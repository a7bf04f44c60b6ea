//! `parse_csv_summary`: CPU-bound work in a plain `fn`, which the runtime moves to tokio's
//! blocking pool so the executor keeps serving the other calls.

use schemars::JsonSchema;
use serde::Serialize;
use tool_runtime::{CallContext, tool};

use super::cut::cut_chars;

/// The most bytes of CSV `parse_csv_summary` takes.
pub const MAX_TEXT_BYTES: usize = 8 * 1024 * 1024;
/// The most columns summarised: the summary's size grows with them.
pub const MAX_COLUMNS: usize = 200;
/// The most characters of a column name shown in the summary.
pub const MAX_NAME_CHARS: usize = 100;

/// What a CSV text holds.
#[derive(Debug, PartialEq, Serialize, JsonSchema)]
pub struct CsvSummary {
    /// Data rows, the header excluded.
    pub rows: usize,
    /// One entry per column, in order.
    pub columns: Vec<ColumnSummary>,
}

/// One column of a CSV text.
#[derive(Debug, PartialEq, Serialize, JsonSchema)]
pub struct ColumnSummary {
    /// The header.
    pub name: String,
    /// Cells left empty.
    pub empty: usize,
    /// Statistics, when every non-empty cell is a number.
    pub numeric: Option<NumericSummary>,
}

/// Statistics of a numeric column.
#[derive(Debug, PartialEq, Serialize, JsonSchema)]
pub struct NumericSummary {
    /// The smallest value.
    pub min: f64,
    /// The largest value.
    pub max: f64,
    /// The mean (always finite, even when the sum of the values is not).
    pub mean: f64,
}

/// Why the text could not be summarised.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    /// No header row.
    #[error("the text is empty; send CSV with a header row")]
    Empty,
    /// Too big.
    #[error("the text is {0} bytes; send at most {MAX_TEXT_BYTES}")]
    TooBig(usize),
    /// Too many columns.
    #[error("the header has {0} columns; send at most {MAX_COLUMNS} (select the columns you need)")]
    TooManyColumns(usize),
    /// Malformed CSV.
    #[error("the CSV is malformed: {0}")]
    Malformed(String),
    /// The call's time ran out while parsing.
    #[error("stopped: the call ran out of time")]
    Cancelled,
}

#[derive(Default)]
struct Column {
    empty: usize,
    count: usize,
    mean: f64,
    min: f64,
    max: f64,
    numeric: bool,
}

/// Summarise CSV text (with a header row): the row count, and for each column its empty cells
/// and, when numeric, its minimum, maximum and mean.
///
/// # Arguments
/// * `text` - the CSV, header row first, comma-separated
#[tool(timeout = "10s", read_only, idempotent, open_world = false)]
pub fn parse_csv_summary(text: String, cx: CallContext) -> Result<CsvSummary, CsvError> {
    if text.len() > MAX_TEXT_BYTES {
        return Err(CsvError::TooBig(text.len()));
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| CsvError::Malformed(e.to_string()))?
        .clone();
    if headers.is_empty() {
        return Err(CsvError::Empty);
    }
    if headers.len() > MAX_COLUMNS {
        return Err(CsvError::TooManyColumns(headers.len()));
    }
    let mut columns: Vec<Column> = headers
        .iter()
        .map(|_| Column {
            numeric: true,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            ..Column::default()
        })
        .collect();
    let mut rows = 0;
    for record in reader.records() {
        let record = record.map_err(|e| CsvError::Malformed(e.to_string()))?;
        rows += 1;
        if rows % 10_000 == 0 && cx.is_cancelled() {
            return Err(CsvError::Cancelled);
        }
        for (column, cell) in columns.iter_mut().zip(record.iter()) {
            let cell = cell.trim();
            if cell.is_empty() {
                column.empty += 1;
                continue;
            }
            match cell.parse::<f64>() {
                Ok(value) if column.numeric && value.is_finite() => {
                    column.count += 1;
                    // A running mean stays within the values' range where a sum would overflow.
                    let n = column.count as f64;
                    column.mean = column.mean * ((n - 1.0) / n) + value / n;
                    column.min = column.min.min(value);
                    column.max = column.max.max(value);
                }
                _ => column.numeric = false,
            }
        }
    }
    let columns = headers
        .iter()
        .zip(columns)
        .map(|(name, c)| ColumnSummary {
            name: cut_chars(name, MAX_NAME_CHARS, false),
            empty: c.empty,
            numeric: (c.numeric && c.count > 0).then_some(NumericSummary {
                min: c.min,
                max: c.max,
                mean: c.mean,
            }),
        })
        .collect();
    Ok(CsvSummary { rows, columns })
}
