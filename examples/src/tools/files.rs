//! `read_file`: tokio::fs, confined to a root folder, with a size limit and UTF-8 errors.

use std::io;
use std::path::{Component, Path, PathBuf};

use tokio::io::AsyncReadExt;
use tool_runtime::tool;

/// How many bytes `read_file` reads unless asked otherwise.
pub const DEFAULT_MAX_BYTES: u64 = 64 * 1024;
/// The most bytes `read_file` reads.
pub const MAX_BYTES: u64 = 1024 * 1024;

/// The folder `read_file` may read under; paths that leave it are refused.
#[derive(Clone, Debug)]
pub struct FilesRoot(PathBuf);

impl FilesRoot {
    /// The root at `path`, which must exist (symlinks in it are resolved once, here).
    pub fn new(path: &Path) -> io::Result<Self> {
        Ok(FilesRoot(std::fs::canonicalize(path)?))
    }

    /// The resolved root.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The path was refused before touching the disk.
    #[error("{path:?} is not allowed: {reason}")]
    Refused {
        /// The path given.
        path: String,
        /// Why.
        reason: &'static str,
    },
    /// The path resolves (through a symlink) outside the root.
    #[error("{0:?} leads outside the folder this tool may read")]
    Escapes(String),
    /// Nothing there.
    #[error("there is no file at {0:?}; check the name and the folder")]
    NotFound(String),
    /// A folder, not a file.
    #[error("{0:?} is a folder, not a file")]
    IsFolder(String),
    /// `max_bytes` was out of range.
    #[error("max_bytes must be between 1 and {MAX_BYTES}, not {0}")]
    BadLimit(u64),
    /// The bytes are not UTF-8 text.
    #[error("{path:?} is not UTF-8 text: the byte at offset {offset} is invalid")]
    NotUtf8 {
        /// The path.
        path: String,
        /// Where the first invalid byte is.
        offset: usize,
    },
    /// Another I/O error.
    #[error("could not read {path:?}: {error}")]
    Io {
        /// The path.
        path: String,
        /// The error.
        error: io::Error,
    },
}

/// Read a UTF-8 text file inside the folder this tool is given.
///
/// # Arguments
/// * `path` - path relative to that folder, such as `notes/todo.txt`
/// * `max_bytes` - read at most this many bytes (default 65536, at most 1048576)
#[tool(timeout = "5s", read_only, idempotent, open_world = false)]
pub async fn read_file(
    path: String,
    max_bytes: Option<u64>,
    #[state] root: &FilesRoot,
) -> Result<String, FileError> {
    let max_bytes = max_bytes.unwrap_or(DEFAULT_MAX_BYTES);
    if max_bytes == 0 || max_bytes > MAX_BYTES {
        return Err(FileError::BadLimit(max_bytes));
    }
    let relative = check_relative(&path)?;
    let io_error = |error: io::Error| match error.kind() {
        io::ErrorKind::NotFound => FileError::NotFound(path.clone()),
        _ => FileError::Io {
            path: path.clone(),
            error,
        },
    };
    let resolved = tokio::fs::canonicalize(root.0.join(relative))
        .await
        .map_err(io_error)?;
    if !resolved.starts_with(&root.0) {
        return Err(FileError::Escapes(path));
    }
    let file = tokio::fs::File::open(&resolved).await.map_err(io_error)?;
    let metadata = file.metadata().await.map_err(io_error)?;
    if metadata.is_dir() {
        return Err(FileError::IsFolder(path));
    }
    let mut bytes = Vec::with_capacity(metadata.len().min(max_bytes) as usize);
    file.take(max_bytes)
        .read_to_end(&mut bytes)
        .await
        .map_err(io_error)?;
    let cut = metadata.len() > max_bytes;
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let utf8 = error.utf8_error();
            // A character split by the byte limit is not an encoding error: drop its start.
            if cut && utf8.error_len().is_none() {
                let mut bytes = error.into_bytes();
                bytes.truncate(utf8.valid_up_to());
                String::from_utf8(bytes).expect("valid up to here")
            } else {
                return Err(FileError::NotUtf8 {
                    path,
                    offset: utf8.valid_up_to(),
                });
            }
        }
    };
    if cut {
        let read = text.len();
        return Ok(format!(
            "{text}\n[cut: showing {read} of {} bytes; ask for more with max_bytes]",
            metadata.len()
        ));
    }
    Ok(text)
}

/// The path as a relative path with no `..`, or why not.
fn check_relative(path: &str) -> Result<&Path, FileError> {
    let refused = |reason| FileError::Refused {
        path: path.to_owned(),
        reason,
    };
    if path.trim().is_empty() {
        return Err(refused("the path is empty"));
    }
    let relative = Path::new(path);
    for component in relative.components() {
        match component {
            Component::Normal(_) | Component::CurDir => {}
            Component::ParentDir => {
                return Err(refused("it contains `..`; give a path inside the folder"));
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(refused(
                    "it is absolute; give a path relative to the folder",
                ));
            }
        }
    }
    Ok(relative)
}
