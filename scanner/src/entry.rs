//! [`MediaEntry`]: one media file found by a scan.

use std::ffi::OsStr;
use std::fs;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// What the directory entry said the file is, without an extra `stat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A symbolic link whose target is a regular file (only with
    /// [`ScanOptions::follow_symlinks`](crate::ScanOptions::follow_symlinks)).
    SymlinkToFile,
}

/// A media file found under a root.
///
/// The path is bytes-exact (never converted lossily); the file name and the
/// extension are views into it.
///
/// # Example
///
/// ```
/// use anivault_scanner::{EntryKind, MediaEntry};
/// let e = MediaEntry::new("lib/Show/[Grp] Show - 01.MKV".into(), 2, EntryKind::File);
/// assert_eq!(e.file_name(), "[Grp] Show - 01.MKV");
/// assert_eq!(e.extension(), "MKV");
/// assert_eq!(e.depth(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MediaEntry {
    path: PathBuf,
    depth: usize,
    kind: EntryKind,
}

impl MediaEntry {
    /// Makes an entry. `depth` is the number of directories between the root
    /// and the file (a file directly in the root has depth 1; a root that is
    /// itself a file has depth 0).
    pub fn new(path: PathBuf, depth: usize, kind: EntryKind) -> Self {
        crate::plant::on_media_entry();
        MediaEntry { path, depth, kind }
    }

    /// The full path: the root joined with the names below it.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Consumes the entry and returns its path without copying.
    pub fn into_path(self) -> PathBuf {
        self.path
    }

    /// The last component of the path.
    pub fn file_name(&self) -> &OsStr {
        let bytes = self.path.as_os_str().as_bytes();
        let start = bytes.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
        OsStr::from_bytes(&bytes[start..])
    }

    /// The bytes after the last dot of the file name (what the filter matched).
    pub fn extension(&self) -> &OsStr {
        let name = self.file_name().as_bytes();
        let start = name
            .iter()
            .rposition(|&b| b == b'.')
            .map_or(name.len(), |i| i + 1);
        OsStr::from_bytes(&name[start..])
    }

    /// Depth below the root.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// The type the directory entry gave.
    pub fn kind(&self) -> EntryKind {
        self.kind
    }

    /// Metadata of the file (following a symlink to its target). This is a
    /// `stat` call: the scan itself never makes one for files.
    pub fn metadata(&self) -> io::Result<fs::Metadata> {
        fs::metadata(&self.path)
    }

    /// Size in bytes (apparent size), through [`metadata`](Self::metadata).
    pub fn size(&self) -> io::Result<u64> {
        self.metadata().map(|m| m.len())
    }
}
