//! `query_db`: SQLite through sqlx, read-only, with a row limit, rows as JSON objects.

use std::path::Path;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions, SqliteRow};
use sqlx::{Column, Row, TypeInfo, ValueRef};
use tool_runtime::tool;

/// How many rows `query_db` returns unless asked otherwise.
pub const DEFAULT_MAX_ROWS: u32 = 50;
/// The most rows `query_db` returns.
pub const MAX_ROWS: u32 = 1_000;

/// A read-only connection pool to one SQLite file.
#[derive(Clone, Debug)]
pub struct Database {
    pool: SqlitePool,
}

impl Database {
    /// Opens `path` read-only: writes fail in SQLite itself, whatever the SQL says.
    pub async fn open_read_only(path: &Path) -> Result<Self, sqlx::Error> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .read_only(true)
            .pragma("query_only", "ON");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        Ok(Database { pool })
    }
}

/// The rows a query returned.
#[derive(Debug, Serialize, JsonSchema)]
pub struct QueryResult {
    /// The column names, in order.
    pub columns: Vec<String>,
    /// One object per row, keyed by column name.
    pub rows: Vec<Map<String, Value>>,
    /// True when more rows matched than were returned.
    pub truncated: bool,
}

/// Why a query was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// Not a read query.
    #[error("only reads are allowed: send one SELECT (or WITH ... SELECT) statement, not {0}")]
    NotARead(String),
    /// More than one statement.
    #[error("send one statement at a time; this SQL holds several")]
    Several,
    /// `max_rows` was out of range.
    #[error("max_rows must be between 1 and {MAX_ROWS}, not {0}")]
    BadLimit(u32),
    /// SQLite refused or failed the query.
    #[error("the database refused the query: {0}")]
    Sql(String),
}

/// Run one read-only SQL query on the SQLite database and return the rows as JSON objects.
///
/// The database has a table `cities(name TEXT, country TEXT, population INTEGER)`.
///
/// # Arguments
/// * `sql` - one SELECT statement in SQLite's dialect; writes are refused
/// * `max_rows` - at most this many rows (default 50, at most 1000)
#[tool(timeout = "5s", read_only, idempotent, open_world = false)]
pub async fn query_db(
    sql: String,
    max_rows: Option<u32>,
    #[state] db: &Database,
) -> Result<QueryResult, QueryError> {
    let max_rows = max_rows.unwrap_or(DEFAULT_MAX_ROWS);
    if max_rows == 0 || max_rows > MAX_ROWS {
        return Err(QueryError::BadLimit(max_rows));
    }
    let statement = single_read_statement(&sql)?;
    // A subquery can hold nothing but one read, and the outer LIMIT stops SQLite early.
    let limited = format!("SELECT * FROM ({statement}) LIMIT {}", max_rows + 1);
    // Running the model's SQL is this tool's purpose: the connection is read-only and the
    // statement is checked to be a single read above.
    let mut rows = sqlx::query(sqlx::AssertSqlSafe(limited))
        .fetch_all(&db.pool)
        .await
        .map_err(|e| QueryError::Sql(sql_message(&e)))?;
    let truncated = rows.len() > max_rows as usize;
    rows.truncate(max_rows as usize);
    let columns = match rows.first() {
        Some(row) => row.columns().iter().map(|c| c.name().to_owned()).collect(),
        None => Vec::new(),
    };
    let rows = rows
        .iter()
        .map(|row| {
            let mut object = Map::new();
            for (i, name) in columns.iter().enumerate() {
                object.insert(name.clone(), cell(row, i)?);
            }
            Ok(object)
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(|e| QueryError::Sql(sql_message(&e)))?;
    Ok(QueryResult {
        columns,
        rows,
        truncated,
    })
}

/// The statement without its trailing `;`, if it is one read statement.
fn single_read_statement(sql: &str) -> Result<&str, QueryError> {
    let statement = sql.trim().trim_end_matches(';').trim_end();
    if statement.contains(';') {
        return Err(QueryError::Several);
    }
    let first = statement
        .split(|c: char| !c.is_ascii_alphabetic())
        .find(|w| !w.is_empty())
        .unwrap_or("")
        .to_ascii_uppercase();
    match first.as_str() {
        "SELECT" | "WITH" | "VALUES" => Ok(statement),
        "" => Err(QueryError::NotARead("an empty statement".to_owned())),
        other => Err(QueryError::NotARead(other.to_owned())),
    }
}

/// One cell as JSON, by the type SQLite gave the value.
fn cell(row: &SqliteRow, i: usize) -> Result<Value, sqlx::Error> {
    let raw = row.try_get_raw(i)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let type_name = raw.type_info().name().to_owned();
    Ok(match type_name.as_str() {
        "INTEGER" | "BOOLEAN" => Value::from(row.try_get::<i64, _>(i)?),
        "REAL" => Value::from(row.try_get::<f64, _>(i)?),
        "BLOB" => Value::from(format!(
            "<{} bytes of binary data>",
            row.try_get::<Vec<u8>, _>(i)?.len()
        )),
        _ => Value::from(row.try_get::<String, _>(i)?),
    })
}

fn sql_message(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Database(db) => db.message().to_owned(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_one_read_statement_passes() {
        assert_eq!(single_read_statement(" select 1 ; ").unwrap(), "select 1");
        assert_eq!(
            single_read_statement("WITH x AS (SELECT 1) SELECT * FROM x").unwrap(),
            "WITH x AS (SELECT 1) SELECT * FROM x"
        );
        assert!(
            matches!(single_read_statement("DELETE FROM cities"), Err(QueryError::NotARead(w)) if w == "DELETE")
        );
        assert!(matches!(
            single_read_statement("SELECT 1; DROP TABLE cities"),
            Err(QueryError::Several)
        ));
        assert!(matches!(
            single_read_statement("  "),
            Err(QueryError::NotARead(_))
        ));
    }
}
