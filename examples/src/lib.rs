//! The example tools of tool-runtime, and the demo environment they run in.
//!
//! [`Demo::start`] creates everything the tools need on this machine (a temporary folder with
//! files, a SQLite database, an HTTP server on 127.0.0.1) and a toolbox of the tools.

pub mod agent;
pub mod export;
pub mod fixtures;
pub mod tools;

use std::error::Error;
use std::path::PathBuf;
use std::time::Duration;

use tempfile::TempDir;
use tool_runtime::{Toolbox, ToolboxBuilder};

use fixtures::LocalServer;
use tools::{Database, FilesRoot, HttpClient};

/// A boxed error, for the examples' plumbing.
pub type BoxError = Box<dyn Error + Send + Sync>;

/// The example tools with the state they need.
pub fn toolbox_builder(http: HttpClient, db: Database, root: FilesRoot) -> ToolboxBuilder {
    Toolbox::builder()
        .tools([
            tools::greet_after_delay::tool(),
            tools::fetch_url::tool(),
            tools::query_db::tool(),
            tools::read_file::tool(),
            tools::parse_csv_summary::tool(),
        ])
        .state(http)
        .state(db)
        .state(root)
        .default_timeout(Duration::from_secs(30))
}

/// The demo environment: keep it alive while the tools are used.
pub struct Demo {
    /// The toolbox of the example tools.
    pub toolbox: Toolbox,
    /// The local HTTP server.
    pub server: LocalServer,
    /// The folder holding the database and the files (deleted on drop).
    pub dir: TempDir,
}

impl Demo {
    /// Creates the files, the database and the server, and builds the toolbox.
    pub async fn start() -> Result<Demo, BoxError> {
        let dir = tempfile::tempdir()?;
        let files = dir.path().join("files");
        fixtures::files::create(&files)?;
        let db_path = dir.path().join("cities.sqlite");
        fixtures::database::create(&db_path)?;
        let server = LocalServer::start().await?;
        let toolbox = toolbox_builder(
            // Public addresses, and the local server the demo's pages come from.
            HttpClient::allowing([server.addr()])?,
            Database::open_read_only(&db_path)?,
            FilesRoot::new(&files)?,
        )
        .build()?;
        Ok(Demo {
            toolbox,
            server,
            dir,
        })
    }

    /// The folder `read_file` reads from.
    pub fn files(&self) -> PathBuf {
        self.dir.path().join("files")
    }

    /// The database file.
    pub fn database(&self) -> PathBuf {
        self.dir.path().join("cities.sqlite")
    }
}
