//! Link following: what a symbolic link met in `follow_symlinks` mode is,
//! and the one rule for an entry that cannot be opened or `stat`ed.

use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// What a symlink met in `follow_symlinks` mode turns out to be.
#[derive(Debug)]
pub(crate) enum Followed {
    /// Target is a regular file: a candidate (the name is the link's).
    File,
    /// Target is a directory with this (dev, ino): descend (after the loop check).
    Dir { dev: u64, ino: u64 },
    /// Dangling link, or a target that is neither file nor dir: skip silently
    /// (find -L treats a dangling link as type `l`).
    Skip,
    /// `stat` failed otherwise (ELOOP of a self-referencing link, EACCES): report.
    Error(io::Error),
}

/// Resolves a symlink for `find -L` semantics.
pub(crate) fn follow_link(path: &Path) -> Followed {
    match fs::metadata(path) {
        Ok(m) if m.is_file() => Followed::File,
        Ok(m) if m.is_dir() => Followed::Dir {
            dev: m.dev(),
            ino: m.ino(),
        },
        Ok(_) => Followed::Skip,
        Err(e) if silent_not_found(path, &e, true) => Followed::Skip,
        Err(e) => Followed::Error(e),
    }
}

/// The one rule, shared by every strategy, for an entry the parent listed
/// that cannot be opened or `stat`ed with `err`: `true` only for the silent
/// case, a **dangling symbolic link met while following links** (`find -L`
/// types it `l` and goes on), and only when `lstat` confirms that `path` is
/// still a symbolic link whose target is missing. Everything else is an
/// error item naming the path, as `find` reports it — in particular a
/// directory that vanished between the parent's listing and its opening
/// (`ENOENT`, `ENOTDIR`): a scan never comes back short without saying so.
///
/// The `getdents` engine applies the same rule relative to a directory
/// descriptor (`dangling_at`).
pub(crate) fn silent_not_found(path: &Path, err: &io::Error, follow: bool) -> bool {
    follow
        && err.kind() == io::ErrorKind::NotFound
        && fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
        && fs::metadata(path).is_err_and(|e| e.kind() == io::ErrorKind::NotFound)
}
