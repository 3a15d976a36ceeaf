//! [`MediaEntry`]: one media file found by a scan.

use std::ffi::OsStr;
use std::fs;
use std::io;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
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

/// A media file lent to the callback of
/// [`ScanOptions::for_each`](crate::ScanOptions::for_each): borrowed from
/// the walker, valid only during the call. With
/// [`Strategy::Getdents`](crate::Strategy::Getdents) it points into the
/// walker's own path and directory buffer, so counting or filtering files
/// allocates nothing per file; [`to_path`](Self::to_path) or
/// [`to_entry`](Self::to_entry) make an owned copy of the ones to keep.
///
/// ```
/// use anivault_scanner::{EntryKind, EntryRef, MediaEntry};
/// let owned = MediaEntry::new("lib/Show/Show - 01.mkv".into(), 2, EntryKind::File);
/// let e = EntryRef::of(&owned);
/// assert_eq!(e.file_name(), "Show - 01.mkv");
/// assert_eq!(e.extension(), "mkv");
/// assert_eq!(e.dir(), std::path::Path::new("lib/Show"));
/// assert_eq!(e.to_path(), owned.path());
/// assert_eq!(e.to_entry(), owned);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryRef<'a> {
    dir: &'a [u8],
    name: &'a [u8],
    depth: usize,
    kind: EntryKind,
}

impl<'a> EntryRef<'a> {
    pub(crate) fn new(dir: &'a [u8], name: &'a [u8], depth: usize, kind: EntryKind) -> Self {
        EntryRef {
            dir,
            name,
            depth,
            kind,
        }
    }

    /// A view of an owned entry (its directory part keeps the path's own
    /// separator, so [`to_path`](Self::to_path) gives the same bytes back).
    pub fn of(entry: &'a MediaEntry) -> Self {
        let bytes = entry.path.as_os_str().as_bytes();
        let (dir, name) = match bytes.iter().rposition(|&b| b == b'/') {
            Some(slash) => (&bytes[..=slash], &bytes[slash + 1..]),
            None => (&b""[..], bytes),
        };
        EntryRef::new(dir, name, entry.depth, entry.kind)
    }

    /// The directory that holds the file, as the scan built it (the root
    /// joined with the names below it).
    pub fn dir(&self) -> &'a Path {
        Path::new(OsStr::from_bytes(self.dir))
    }

    /// The file's name.
    pub fn file_name(&self) -> &'a OsStr {
        OsStr::from_bytes(self.name)
    }

    /// The bytes after the last dot of the name (what the filter matched).
    pub fn extension(&self) -> &'a OsStr {
        let start = self
            .name
            .iter()
            .rposition(|&b| b == b'.')
            .map_or(self.name.len(), |i| i + 1);
        OsStr::from_bytes(&self.name[start..])
    }

    /// Depth below the root (see [`MediaEntry::new`]).
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// The type the directory entry gave.
    pub fn kind(&self) -> EntryKind {
        self.kind
    }

    /// The full path, owned (one allocation): what
    /// [`MediaEntry::path`] would be.
    pub fn to_path(&self) -> PathBuf {
        let mut v = Vec::with_capacity(self.dir.len() + 1 + self.name.len());
        v.extend_from_slice(self.dir);
        if !v.is_empty() && v.last() != Some(&b'/') {
            v.push(b'/');
        }
        v.extend_from_slice(self.name);
        PathBuf::from(std::ffi::OsString::from_vec(v))
    }

    /// An owned [`MediaEntry`] of this file.
    pub fn to_entry(&self) -> MediaEntry {
        MediaEntry::new(self.to_path(), self.depth, self.kind)
    }
}
