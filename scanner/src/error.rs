//! The error type every strategy yields: it always carries the path, the
//! depth and the cause, and reads like `find`'s messages.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// Why a path could not be scanned.
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorCause {
    /// An I/O error from the operating system (permission denied, vanished, …).
    Io(io::Error),
    /// Following symbolic links led back to `ancestor` (a file system loop).
    Loop {
        /// The ancestor directory that `path` resolves to.
        ancestor: PathBuf,
    },
    /// The path is longer than this strategy can open (`PATH_MAX` for
    /// path-based strategies); the openat-based strategies never report this.
    TooLong,
    /// The strategy cannot honour the requested options (for example
    /// `follow_symlinks` with `dua`, whose walker never follows links).
    Unsupported(&'static str),
    /// A worker thread of a parallel strategy panicked; its part of the walk
    /// is lost and said so here instead of silently.
    WorkerPanicked,
    /// The system refused a thread the scan needed (`EAGAIN` under a low
    /// `ulimit -u`, for example); the path is the root of the scan. The
    /// scan ends here instead of waiting for a thread that never started.
    ThreadSpawn(io::Error),
    /// The release-name parser panicked on this file (in a
    /// `ScanParsePool`, feature `parse`); the message is the panic's.
    /// The other files are parsed as usual.
    ParsePanicked(String),
}

/// An error met while walking, tied to the path where it happened.
///
/// Errors are yielded as items of the scan iterator; the walk goes on.
///
/// # Example
///
/// ```
/// use anivault_scanner::{scan_directory, ScanError};
/// let errors: Vec<ScanError> = scan_directory("/no/such/root")
///     .filter_map(Result::err)
///     .collect();
/// assert_eq!(errors.len(), 1);
/// assert_eq!(errors[0].path(), std::path::Path::new("/no/such/root"));
/// assert!(errors[0].to_string().contains("No such file or directory"));
/// ```
#[derive(Debug)]
pub struct ScanError {
    path: PathBuf,
    depth: usize,
    cause: ErrorCause,
}

impl ScanError {
    /// Makes an error for `path` at `depth` (the root is depth 0).
    pub fn new(path: impl Into<PathBuf>, depth: usize, cause: ErrorCause) -> Self {
        ScanError {
            path: path.into(),
            depth,
            cause,
        }
    }

    /// Shorthand for an [`ErrorCause::Io`] error.
    pub fn io(path: impl Into<PathBuf>, depth: usize, err: io::Error) -> Self {
        let cause = if err.raw_os_error() == Some(libc_enametoolong()) {
            ErrorCause::TooLong
        } else {
            ErrorCause::Io(err)
        };
        Self::new(path, depth, cause)
    }

    /// The path the error is about (bytes-exact).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Depth of [`path`](Self::path) below the root (the root is 0).
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// The cause.
    pub fn cause(&self) -> &ErrorCause {
        &self.cause
    }

    /// The I/O error kind, when the cause is an I/O error.
    pub fn io_kind(&self) -> Option<io::ErrorKind> {
        match &self.cause {
            ErrorCause::Io(e) => Some(e.kind()),
            _ => None,
        }
    }

    /// True when the cause is a file system loop.
    pub fn is_loop(&self) -> bool {
        matches!(self.cause, ErrorCause::Loop { .. })
    }
}

fn libc_enametoolong() -> i32 {
    rustix::io::Errno::NAMETOOLONG.raw_os_error()
}

/// The OS message without Rust's " (os error N)" suffix, as `find` prints it.
fn os_message(err: &io::Error) -> String {
    let text = err.to_string();
    match text.rfind(" (os error ") {
        Some(i) if text.ends_with(')') => text[..i].to_string(),
        _ => text,
    }
}

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        match &self.cause {
            ErrorCause::Io(e) => write!(f, "'{path}': {}", os_message(e)),
            ErrorCause::Loop { ancestor } => write!(
                f,
                "File system loop detected; '{path}' is part of the same file system loop as '{}'.",
                ancestor.display()
            ),
            ErrorCause::TooLong => write!(f, "'{path}': File name too long"),
            ErrorCause::Unsupported(why) => write!(f, "'{path}': {why}"),
            ErrorCause::WorkerPanicked => {
                write!(
                    f,
                    "'{path}': a walker thread panicked; entries below it may be missing"
                )
            }
            ErrorCause::ThreadSpawn(e) => write!(
                f,
                "cannot start a scanner thread for '{path}': {}",
                os_message(e)
            ),
            ErrorCause::ParsePanicked(msg) => {
                write!(f, "'{path}': the file name parser panicked: {msg}")
            }
        }
    }
}

impl std::error::Error for ScanError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.cause {
            ErrorCause::Io(e) | ErrorCause::ThreadSpawn(e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_reads_like_find() {
        let e = ScanError::io("/x/y", 2, io::Error::from_raw_os_error(13));
        assert_eq!(e.to_string(), "'/x/y': Permission denied");
        let e = ScanError::io("/x/y", 2, io::Error::from_raw_os_error(36));
        assert!(matches!(e.cause(), ErrorCause::TooLong));
        let e = ScanError::new(
            "a/b/loop",
            3,
            ErrorCause::Loop {
                ancestor: "a".into(),
            },
        );
        assert!(e.to_string().contains("same file system loop as 'a'"));
        assert!(e.is_loop());
        let e = ScanError::new("a/b.mkv", 2, ErrorCause::ParsePanicked("boom".into()));
        assert_eq!(
            e.to_string(),
            "'a/b.mkv': the file name parser panicked: boom"
        );
    }
}
