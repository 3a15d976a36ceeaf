//! The `read_dir` strategies' rules (`rayon`, `eager`): a directory or
//! (follow mode) a symbolic link classified by the `std` strategy's rules,
//! and paths joined and split as bytes.

use std::fs::{self, FileType};
#[cfg(feature = "eager")]
use std::os::unix::ffi::OsStrExt;
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::{follow_link, may_descend, Ancestors, DirId, Followed};
use crate::{EntryKind, ErrorCause, ScanError, ScanOptions};

/// `dir` joined with `name` the way every strategy builds paths: one `/`
/// between them unless `dir` already ends with one (bytes-exact).
pub(crate) fn child_path(dir: &[u8], name: &[u8]) -> PathBuf {
    let mut v = Vec::with_capacity(dir.len() + 1 + name.len());
    v.extend_from_slice(dir);
    if !v.is_empty() && v.last() != Some(&b'/') && !name.is_empty() {
        v.push(b'/');
    }
    v.extend_from_slice(name);
    PathBuf::from(std::ffi::OsString::from_vec(v))
}

#[cfg(feature = "eager")]
/// The file name (bytes after the last `/`) of a path built by [`child_path`].
pub(crate) fn name_of(path: &Path) -> &[u8] {
    let b = path.as_os_str().as_bytes();
    b.iter()
        .rposition(|&c| c == b'/')
        .map_or(b, |i| &b[i + 1..])
}

/// What to do with a directory, or (follow mode) a symbolic link, met at
/// `depth`: the rules of the `std` strategy.
pub(crate) enum Step {
    /// A link to a regular file (a candidate; the caller checks its name).
    File(EntryKind),
    /// A directory to walk, with its identity when it was needed.
    Dir(Option<DirId>),
    /// An error item instead.
    Error(ScanError),
    /// Nothing: beyond `max_depth`, another file system, dangling link, …
    Skip,
}

/// Classifies the directory or symbolic link at `path` (type `ft` from its
/// directory entry): depth limit, `same_file_system`, links in follow mode
/// and loop detection against `ancestors` (the chain of its parent).
pub(crate) fn classify(
    opts: &ScanOptions,
    root_dev: u64,
    path: &Path,
    ft: FileType,
    depth: usize,
    ancestors: Option<&Ancestors>,
) -> Step {
    let follow = opts.get_follow_symlinks();
    let xdev = opts.get_same_file_system();
    let id = if ft.is_dir() {
        if !may_descend(opts, depth) {
            return Step::Skip;
        }
        if !(follow || xdev) {
            return Step::Dir(None);
        }
        match fs::symlink_metadata(path) {
            Ok(m) => (m.dev(), m.ino()),
            Err(e) => return Step::Error(ScanError::io(path, depth, e)),
        }
    } else if ft.is_symlink() && follow {
        match follow_link(path) {
            Followed::File => return Step::File(EntryKind::SymlinkToFile),
            Followed::Dir { dev, ino } => {
                if !may_descend(opts, depth) {
                    return Step::Skip;
                }
                (dev, ino)
            }
            Followed::Skip => return Step::Skip,
            Followed::Error(e) => return Step::Error(ScanError::io(path, depth, e)),
        }
    } else {
        return Step::Skip;
    };
    if xdev && id.0 != root_dev {
        return Step::Skip;
    }
    if follow {
        if let Some(ancestor) = ancestors.and_then(|a| a.find(id)) {
            return Step::Error(ScanError::new(
                path,
                depth,
                ErrorCause::Loop {
                    ancestor: ancestor.to_path_buf(),
                },
            ));
        }
    }
    Step::Dir(Some(id))
}
