//! The example tools: each a complete, careful implementation against real I/O.

pub mod csv_summary;
pub mod cut;
pub mod db;
pub mod fetch;
pub mod files;
pub mod greet;

use std::time::Duration;

pub use csv_summary::parse_csv_summary;
pub use db::{Database, query_db};
pub use fetch::{HttpClient, fetch_url};
pub use files::{FilesRoot, read_file};
pub use greet::greet_after_delay;

/// How long before the call's deadline a tool stops its own work, so that its own error, which
/// says what to change, reaches the model rather than the toolbox's timeout.
pub(crate) const STOP_BEFORE_DEADLINE: Duration = Duration::from_millis(50);
