//! `read_file`: confined to a folder by the kernel. Every path is opened relative to the
//! folder's handle with `openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)`, so no component may
//! be a symbolic link or lead out, whatever a concurrent writer does; the file is first opened
//! with `O_PATH` (which opens nothing for reading) and checked to be a regular file with one
//! hard link, then opened for reading and checked to be that same file.

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::os::fd::OwnedFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path};
use std::sync::Arc;

use rustix::fs::{Mode, OFlags, ResolveFlags};
use rustix::io::Errno;
use tool_runtime::{Transient, tool};

use super::cut::escaped;

/// How many bytes `read_file` reads unless asked otherwise.
pub const DEFAULT_MAX_BYTES: u64 = 64 * 1024;
/// The most bytes `read_file` reads.
pub const MAX_BYTES: u64 = 1024 * 1024;

/// The folder `read_file` may read under, held open: paths that leave it are refused.
#[derive(Clone, Debug)]
pub struct FilesRoot {
    dir: Arc<OwnedFd>,
    hard_links: bool,
}

impl FilesRoot {
    /// The folder at `path`, which must exist. Files with more than one hard link are refused
    /// (a hard link can make a file from outside appear inside).
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let root = examples::tools::FilesRoot::new(dir.path())?;
    /// # let _ = root;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new(path: &Path) -> io::Result<Self> {
        let dir = rustix::fs::open(
            path,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(FilesRoot {
            dir: Arc::new(dir),
            hard_links: false,
        })
    }

    /// Also reads files that have other hard links: only for a folder where nobody who could
    /// link a file from outside can write.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let root = examples::tools::FilesRoot::new(dir.path())?.allow_hard_links();
    /// # let _ = root;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn allow_hard_links(mut self) -> Self {
        self.hard_links = true;
        self
    }

    /// Opens `relative` beneath the folder, following no symbolic link at any component.
    fn open(&self, relative: &Path, flags: OFlags) -> Result<File, Errno> {
        let resolve = ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS;
        rustix::fs::openat2(
            &*self.dir,
            relative,
            flags | OFlags::CLOEXEC,
            Mode::empty(),
            resolve,
        )
        .map(File::from)
    }
}

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The path was refused before touching the disk.
    #[error("\"{path}\" is not allowed: {reason}")]
    Refused {
        /// The path given, escaped and cut.
        path: String,
        /// Why.
        reason: &'static str,
    },
    /// A component of the path is a symbolic link.
    #[error(
        "\"{0}\" goes through a symbolic link, which this tool does not follow; give the path of the file itself"
    )]
    Symlink(String),
    /// A device, FIFO or socket.
    #[error(
        "\"{0}\" is not a regular file (a device, FIFO or socket); only regular files are read"
    )]
    NotRegular(String),
    /// The file has other hard links.
    #[error("\"{0}\" has other hard links, which may lead outside the folder; it is not read")]
    HardLinked(String),
    /// The file changed between the check and the read.
    #[error("\"{0}\" changed while it was being opened; try again")]
    Changed(String),
    /// Nothing there.
    #[error("there is no file at \"{0}\"; check the name and the folder")]
    NotFound(String),
    /// A folder, not a file.
    #[error("\"{0}\" is a folder, not a file")]
    IsFolder(String),
    /// `max_bytes` was out of range.
    #[error("max_bytes must be between 1 and {MAX_BYTES}, not {0}")]
    BadLimit(u64),
    /// The bytes are not UTF-8 text.
    #[error("\"{path}\" is not UTF-8 text: the byte at offset {offset} is invalid")]
    NotUtf8 {
        /// The path, escaped and cut.
        path: String,
        /// Where the first invalid byte is.
        offset: usize,
    },
    /// Another I/O error.
    #[error("could not read \"{path}\": {error}")]
    Io {
        /// The path, escaped and cut.
        path: String,
        /// The error.
        error: io::Error,
    },
    /// This system cannot confine paths to the folder.
    #[error(
        "this system cannot confine reads to the folder (openat2 needs Linux 5.6 or later), so no file is read"
    )]
    Unconfined,
    /// One of the errors above that may not recur (the file changed while it was opened, an
    /// I/O error that timed out or lost its connection, as on a network file system): the
    /// toolbox tries the call again. It reads as the error it wraps.
    #[error("{0}")]
    Transient(#[source] Transient),
}

impl FileError {
    /// This error, marked as transient when it may not recur.
    fn classified(self) -> Self {
        let transient = match &self {
            FileError::Changed(_) => true,
            FileError::Io { error, .. } => matches!(
                error.kind(),
                io::ErrorKind::TimedOut
                    | io::ErrorKind::ConnectionReset
                    | io::ErrorKind::ConnectionAborted
                    | io::ErrorKind::Interrupted
            ),
            _ => false,
        };
        if transient {
            FileError::Transient(Transient::new(self))
        } else {
            self
        }
    }
}

/// Read a UTF-8 text file inside the folder this tool is given.
///
/// # Arguments
/// * `path` - path relative to that folder, such as `notes/todo.txt`
/// * `max_bytes` - read at most this many bytes (default 65536, at most 1048576)
#[tool(timeout = "5s", read_only, idempotent, open_world = false)]
pub fn read_file(
    path: String,
    max_bytes: Option<u64>,
    #[state] root: &FilesRoot,
) -> Result<String, FileError> {
    read(path, max_bytes, root).map_err(FileError::classified)
}

fn read(path: String, max_bytes: Option<u64>, root: &FilesRoot) -> Result<String, FileError> {
    let max_bytes = max_bytes.unwrap_or(DEFAULT_MAX_BYTES);
    if max_bytes == 0 || max_bytes > MAX_BYTES {
        return Err(FileError::BadLimit(max_bytes));
    }
    let relative = check_relative(&path)?;
    let failed = |errno: Errno| open_error(errno, &path);
    let io_failed = |error: io::Error| FileError::Io {
        path: escaped(&path),
        error,
    };
    // O_PATH opens no file for reading: a FIFO cannot block it, a device's driver is not called.
    let probe = root.open(relative, OFlags::PATH).map_err(failed)?;
    let checked = probe.metadata().map_err(io_failed)?;
    check_kind(&checked, root, &path)?;
    let file = root
        .open(relative, OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY)
        .map_err(failed)?;
    let metadata = file.metadata().map_err(io_failed)?;
    if (metadata.dev(), metadata.ino()) != (checked.dev(), checked.ino()) {
        return Err(FileError::Changed(escaped(&path)));
    }
    check_kind(&metadata, root, &path)?;
    let mut bytes = Vec::with_capacity(metadata.len().min(max_bytes) as usize);
    file.take(max_bytes)
        .read_to_end(&mut bytes)
        .map_err(io_failed)?;
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
                    path: escaped(&path),
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

/// Refuses what is not a regular file with a single hard link (unless the root allows more).
fn check_kind(metadata: &Metadata, root: &FilesRoot, path: &str) -> Result<(), FileError> {
    if metadata.is_dir() {
        return Err(FileError::IsFolder(escaped(path)));
    }
    if !metadata.is_file() {
        return Err(FileError::NotRegular(escaped(path)));
    }
    if metadata.nlink() > 1 && !root.hard_links {
        return Err(FileError::HardLinked(escaped(path)));
    }
    Ok(())
}

/// The error for a failed open. A symbolic link reads the same wherever it points, so the
/// answer never tells whether a path outside the folder exists.
fn open_error(errno: Errno, path: &str) -> FileError {
    match errno {
        Errno::NOENT | Errno::NOTDIR => FileError::NotFound(escaped(path)),
        Errno::LOOP => FileError::Symlink(escaped(path)),
        Errno::XDEV => FileError::Refused {
            path: escaped(path),
            reason: "it leads outside the folder",
        },
        Errno::AGAIN => FileError::Changed(escaped(path)),
        Errno::NOSYS => FileError::Unconfined,
        other => FileError::Io {
            path: escaped(path),
            error: other.into(),
        },
    }
}

/// The path as a relative path with no `..`, or why not.
fn check_relative(path: &str) -> Result<&Path, FileError> {
    let refused = |reason| FileError::Refused {
        path: escaped(path),
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
