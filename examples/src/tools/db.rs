//! `query_db`: SQLite, read-only, confined by SQLite itself: its own parser and an authorizer
//! decide what the statement may do, a progress handler stops it at the call's deadline, and
//! rows are streamed under a row limit and a byte budget.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::limits::Limit;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, ErrorCode, OpenFlags};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};
use tokio::time::Instant;
use tool_runtime::{CallContext, Transient, tool};

use super::STOP_BEFORE_DEADLINE;

/// How many rows `query_db` returns unless asked otherwise.
pub const DEFAULT_MAX_ROWS: u32 = 50;
/// The most rows `query_db` returns.
pub const MAX_ROWS: u32 = 1_000;
/// The most bytes the JSON of one result's column names and rows takes, escapes included; the
/// rows stop there, well before the toolbox's cap on a tool's output.
pub const MAX_RESULT_BYTES: usize = 64 * 1024;
/// The largest string or blob SQLite may build while running the query.
pub const MAX_VALUE_BYTES: i32 = 1024 * 1024;
/// The longest SQL text accepted.
pub const MAX_SQL_BYTES: i32 = 100_000;
/// How long a query may run when the call has no deadline of its own.
pub const MAX_QUERY_TIME: Duration = Duration::from_secs(5);
/// The most bytes a value other than text takes as JSON (a 20-digit integer, a REAL, `null`, a
/// blob's description), and the room a cut text keeps for its marker.
const MAX_CELL_JSON: usize = 32;
/// SQLite calls the progress handler every this many virtual-machine steps.
const PROGRESS_STEPS: i32 = 1_000;
/// How long a query waits for a writer's lock before it fails as busy, a transient failure
/// the toolbox tries again after a pause (rusqlite's default, 5 s, is the tool's whole time).
const BUSY_WAIT: Duration = Duration::from_millis(250);

/// One SQLite file, opened read-only by each call on a connection of its own.
///
/// Each call's connection is closed when the call ends, so a query stopped at its deadline
/// leaves nothing behind for the next call to wait on.
#[derive(Clone, Debug)]
pub struct Database {
    path: Arc<PathBuf>,
}

impl Database {
    /// The database at `path`, checked to open read-only.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("cities.sqlite");
    /// examples::fixtures::database::create(&path)?;
    /// let db = examples::tools::Database::open_read_only(&path)?;
    /// # let _ = db;
    /// # Ok(())
    /// # }
    /// ```
    pub fn open_read_only(path: &Path) -> Result<Self, rusqlite::Error> {
        let database = Database {
            path: Arc::new(path.to_owned()),
        };
        database.connect(Arc::default())?;
        Ok(database)
    }

    /// A read-only connection whose authorizer lets a statement read and nothing else; the
    /// first action it refused is written to `refused`.
    fn connect(&self, refused: Arc<Mutex<Option<String>>>) -> Result<Connection, rusqlite::Error> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_NOFOLLOW;
        let connection = Connection::open_with_flags(self.path.as_path(), flags)?;
        connection.busy_timeout(BUSY_WAIT)?;
        connection.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
        connection.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)?;
        connection.set_limit(Limit::SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)?;
        connection.set_limit(Limit::SQLITE_LIMIT_SQL_LENGTH, MAX_SQL_BYTES)?;
        connection.set_limit(Limit::SQLITE_LIMIT_ATTACHED, 0)?;
        connection.authorizer(Some(move |context: AuthContext<'_>| {
            match refusal(context.action) {
                None => Authorization::Allow,
                Some(what) => {
                    let mut first = refused.lock().unwrap_or_else(|e| e.into_inner());
                    first.get_or_insert(what);
                    Authorization::Deny
                }
            }
        }))?;
        Ok(connection)
    }
}

/// What a statement may not do, named for the model; `None` for what a read needs.
fn refusal(action: AuthAction<'_>) -> Option<String> {
    match action {
        AuthAction::Select | AuthAction::Recursive => None,
        // `pragma_*` table-valued functions read the connection's settings and file paths.
        AuthAction::Read { table_name, .. } if table_name.starts_with("pragma_") => {
            Some("read PRAGMA values".to_owned())
        }
        AuthAction::Read { .. } => None,
        AuthAction::Function {
            function_name: "load_extension",
        } => Some("load an extension".to_owned()),
        AuthAction::Function { .. } => None,
        AuthAction::Pragma { .. } => Some("run a PRAGMA".to_owned()),
        AuthAction::Attach { .. } => Some("ATTACH a database".to_owned()),
        AuthAction::Insert { .. } => Some("insert rows".to_owned()),
        AuthAction::Update { .. } => Some("update rows".to_owned()),
        AuthAction::Delete { .. } => Some("delete rows".to_owned()),
        _ => Some("change the database or the connection".to_owned()),
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
    /// Why the rows stop early, when they stop at the byte budget rather than at `max_rows`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Why a query was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// Not a read query.
    #[error(
        "only reads are allowed: send one SELECT (or WITH ... SELECT) statement; this one would {0}"
    )]
    NotARead(String),
    /// More than one statement.
    #[error("send one statement at a time; this SQL holds several")]
    Several,
    /// No statement at all: empty, blank or only comments.
    #[error(
        "there is no statement to run: the SQL is empty or only comments; send one SELECT statement"
    )]
    Empty,
    /// `max_rows` was out of range.
    #[error("max_rows must be between 1 and {MAX_ROWS}, not {0}")]
    BadLimit(u32),
    /// Even one row with these columns would be over the result's byte budget.
    #[error(
        "a row of these columns would take more than {MAX_RESULT_BYTES} bytes; select fewer columns, and name long expressions with AS"
    )]
    TooWide,
    /// The query ran out of time and SQLite stopped it.
    #[error(
        "the query was stopped: it ran out of time; make it cheaper (a WHERE, a LIMIT, no unbounded recursion)"
    )]
    Stopped,
    /// SQLite refused or failed the query.
    #[error("the database refused the query: {0}")]
    Sql(String),
    /// One of the errors above that may not recur (the database was busy or locked by a
    /// writer): the toolbox tries the call again. It reads as the error it wraps.
    #[error("{0}")]
    Transient(#[source] Transient),
}

/// Run one read-only SQL query on the SQLite database and return the rows as JSON objects.
///
/// The database has a table `cities(name TEXT, country TEXT, population INTEGER, area_km2 REAL)`.
///
/// # Arguments
/// * `sql` - one SELECT statement in SQLite's dialect; writes are refused
/// * `max_rows` - at most this many rows (default 50, at most 1000)
#[tool(timeout = "5s", read_only, idempotent, open_world = false)]
pub fn query_db(
    sql: String,
    max_rows: Option<u32>,
    #[state] db: &Database,
    cx: &CallContext,
) -> Result<QueryResult, QueryError> {
    let max_rows = max_rows.unwrap_or(DEFAULT_MAX_ROWS);
    if max_rows == 0 || max_rows > MAX_ROWS {
        return Err(QueryError::BadLimit(max_rows));
    }
    let refused = Arc::new(Mutex::new(None));
    let connection = db.connect(refused.clone()).map_err(|e| sql_error(&e))?;
    // SQLite asks the handler every thousand steps; `true` stops the statement. It stops just
    // before the call's deadline, so the model reads this tool's advice, not a bare timeout.
    let remaining = cx.remaining().map_or(MAX_QUERY_TIME, |left| {
        left.saturating_sub(STOP_BEFORE_DEADLINE)
    });
    let deadline = Instant::now() + remaining.min(MAX_QUERY_TIME);
    let cancel = cx.clone();
    connection
        .progress_handler(
            PROGRESS_STEPS,
            Some(move || cancel.is_cancelled() || Instant::now() >= deadline),
        )
        .map_err(|e| sql_error(&e))?;
    let prepared = connection.prepare(&sql);
    if let Some(what) = refused.lock().unwrap_or_else(|e| e.into_inner()).take() {
        return Err(QueryError::NotARead(what));
    }
    let mut statement = prepared.map_err(|e| sql_error(&e))?;
    // A statement the authorizer never sees (VACUUM INTO writes a file) still has to be a read.
    if !statement.readonly() {
        return Err(QueryError::NotARead(
            "change the database or write a file".to_owned(),
        ));
    }
    // Text with no statement in it (empty, only comments) prepares to nothing, which has no
    // columns; every read has at least one.
    if statement.column_count() == 0 {
        return Err(QueryError::Empty);
    }
    let columns: Vec<String> = statement
        .column_names()
        .into_iter()
        .map(str::to_owned)
        .collect();
    // The list of columns, then each row: its column names again and room for every value.
    let column_list: usize = columns.iter().map(|name| json_len(name) + 1).sum();
    let row_frame: usize = 3 + columns
        .iter()
        .map(|name| json_len(name) + 2 + MAX_CELL_JSON)
        .sum::<usize>();
    if column_list + row_frame > MAX_RESULT_BYTES {
        return Err(QueryError::TooWide);
    }
    let mut budget = Budget {
        left: MAX_RESULT_BYTES - column_list,
        cut: false,
    };
    let mut result = QueryResult {
        columns,
        rows: Vec::new(),
        truncated: false,
        note: None,
    };
    let mut rows = statement.query([]).map_err(|e| sql_error(&e))?;
    while let Some(row) = rows.next().map_err(|e| sql_error(&e))? {
        if result.rows.len() == max_rows as usize {
            result.truncated = true;
            break;
        }
        if budget.left < row_frame {
            result.truncated = true;
            budget.cut = true;
            break;
        }
        // The row's frame is taken whole; each cell gives back its room and takes what its
        // value takes, so the result never grows past the budget.
        budget.left -= row_frame;
        let mut object = Map::new();
        for (i, name) in result.columns.iter().enumerate() {
            let value = row.get_ref(i).map_err(|e| sql_error(&e))?;
            budget.left += MAX_CELL_JSON;
            object.insert(name.clone(), budget.cell(value));
        }
        result.rows.push(object);
    }
    if budget.cut {
        result.note = Some(format!(
            "[cut: the result reached {MAX_RESULT_BYTES} bytes of JSON; select fewer or shorter columns, or fewer rows]"
        ));
    }
    Ok(result)
}

/// What is left of the result's byte budget, counted in bytes of JSON.
struct Budget {
    left: usize,
    /// Whether something was left out for want of budget.
    cut: bool,
}

impl Budget {
    /// One cell as JSON, by the type SQLite gave the value; text past the budget is cut. A
    /// value other than text always fits: the caller keeps [`MAX_CELL_JSON`] bytes for it.
    fn cell(&mut self, value: ValueRef<'_>) -> Value {
        let json = match value {
            ValueRef::Text(t) => return Value::from(self.text(&String::from_utf8_lossy(t))),
            ValueRef::Null => Value::Null,
            ValueRef::Integer(i) => Value::from(i),
            // A REAL is finite in SQLite unless it overflowed; JSON has no infinity.
            ValueRef::Real(r) if r.is_finite() => Value::from(r),
            ValueRef::Real(r) => Value::from(r.to_string()),
            ValueRef::Blob(b) => Value::from(format!("<{} bytes of binary data>", b.len())),
        };
        self.left -= json.to_string().len();
        json
    }

    /// `text` whole if its JSON fits, else as much as fits beside a marker of what was cut.
    fn text(&mut self, text: &str) -> String {
        let whole = json_len(text);
        if whole <= self.left {
            self.left -= whole;
            return text.to_owned();
        }
        self.cut = true;
        let room = self.left - MAX_CELL_JSON;
        let mut used = 0;
        let mut end = 0;
        for (i, c) in text.char_indices() {
            used += json_char_len(c);
            if used > room {
                break;
            }
            end = i + c.len_utf8();
        }
        let cut = format!("{}[cut: {} more bytes]", &text[..end], text.len() - end);
        self.left -= json_len(&cut);
        cut
    }
}

/// The length of `text` as a JSON string, its quotes and escapes included.
fn json_len(text: &str) -> usize {
    2 + text.chars().map(json_char_len).sum::<usize>()
}

/// The length of `c` inside a JSON string: `\"`, `\\` and `\n` take two bytes, another
/// control character six (`\u0001`).
fn json_char_len(c: char) -> usize {
    match c {
        '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
        c if c < ' ' => 6,
        c => c.len_utf8(),
    }
}

/// SQLite's message, which names no file: the model never learns where the database is.
fn sql_error(error: &rusqlite::Error) -> QueryError {
    match error {
        rusqlite::Error::MultipleStatement => QueryError::Several,
        rusqlite::Error::SqliteFailure(e, _) if e.code == ErrorCode::OperationInterrupted => {
            QueryError::Stopped
        }
        rusqlite::Error::SqliteFailure(e, message)
            if matches!(e.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) =>
        {
            let message = message.clone().unwrap_or_else(|| e.to_string());
            QueryError::Transient(Transient::new(QueryError::Sql(message)))
        }
        rusqlite::Error::SqliteFailure(_, Some(message)) => QueryError::Sql(message.clone()),
        rusqlite::Error::SqliteFailure(e, None) => QueryError::Sql(e.to_string()),
        rusqlite::Error::SqlInputError { msg, .. } => QueryError::Sql(msg.clone()),
        _ => QueryError::Sql("the query could not be run".to_owned()),
    }
}
