//! The common floor under every strategy: what a walk is ([`Root`],
//! [`Walker`], [`Item`]), and the helpers the strategies share, so that no
//! strategy file imports another: link following ([`links`]), loop
//! detection ([`ancestors`]), depth checks and classification
//! ([`classify`](mod@classify)), paths as bytes ([`paths`]), threads and pools
//! ([`threads`]), and the walkdir-based walk of `walkdir` and `ignore`
//! ([`wd`]).

use std::io;
use std::path::PathBuf;

use crate::{EntryRef, MediaEntry, ScanError, ScanOptions};

pub(crate) mod ancestors;
pub(crate) mod classify;
pub(crate) mod links;
pub(crate) mod paths;
pub(crate) mod threads;
pub(crate) mod wd;

pub(crate) use ancestors::{ancestor_frames, Ancestors, DirId, Frame};
pub(crate) use classify::{classify, depth_ok, may_descend, Step};
pub(crate) use links::{follow_link, silent_not_found, Followed};
pub(crate) use paths::{child_path, depth_below, name_of, os, Rebase};
pub(crate) use threads::{build_pool, probe, spawn_error, worker_threads};
pub(crate) use wd::WdWalk;

/// What every scan yields.
pub type Item = Result<MediaEntry, ScanError>;

/// A boxed stream of scan results.
pub(crate) type EntryIter = Box<dyn Iterator<Item = Item> + Send>;

/// The root of a walk, already known to be a directory.
#[derive(Debug, Clone)]
pub(crate) struct Root {
    /// The path as the user gave it (never canonicalised: yielded paths start with it).
    pub path: PathBuf,
    /// Device of the root directory (after resolving a root symlink).
    pub dev: u64,
    /// Inode of the root directory.
    pub ino: u64,
}

/// One strategy: walks a directory root and streams media files.
pub(crate) trait Walker {
    /// Walks `root` (a directory) under `opts`.
    fn walk(&self, root: Root, opts: &ScanOptions) -> EntryIter;
}

/// Lends an owned item to a borrowed-entry callback.
pub(crate) fn deliver(item: Item, f: &mut dyn FnMut(Result<EntryRef<'_>, ScanError>)) {
    match item {
        Ok(entry) => f(Ok(EntryRef::of(&entry))),
        Err(e) => f(Err(e)),
    }
}

/// An owned copy of an I/O error that keeps its OS error number (so that
/// `ENAMETOOLONG` still becomes [`ErrorCause::TooLong`](crate::ErrorCause::TooLong)).
pub(crate) fn io_copy(e: &io::Error) -> io::Error {
    match e.raw_os_error() {
        Some(code) => io::Error::from_raw_os_error(code),
        None => io::Error::new(e.kind(), e.to_string()),
    }
}
