//! The common floor under every strategy: what a walk is ([`Root`],
//! [`Walker`], [`Item`]), the depth checks, and the helpers the strategies
//! share, so that no strategy file imports another: link following
//! (`links.rs`), the ancestor chains of loop detection (`ancestors.rs`), the
//! `read_dir` strategies' classification and paths
//! (`classify.rs`), paths below a root and rebasing
//! (`rebase.rs`), thread errors and probes (`threads.rs`), worker counts and
//! rayon pools (`rayon_pool.rs`), and the walkdir-based walk of `walkdir`
//! and `ignore` (`wd.rs`).

use std::ops::ControlFlow;
use std::path::PathBuf;

use crate::{MediaEntry, ScanError, ScanOptions};

// Each file is compiled only with the strategies (cargo features) that use it.
#[cfg(ancestor_chain)]
pub(crate) mod ancestors;
#[cfg(read_dir_rules)]
pub(crate) mod classify;
pub(crate) mod links;
#[cfg(driver_thread)]
pub(crate) mod rayon_pool;
#[cfg(feature = "compare-walkers")]
pub(crate) mod rebase;
#[cfg(batch_stream)]
pub(crate) mod threads;
#[cfg(feature = "compare-walkers")]
pub(crate) mod wd;

#[cfg(ancestor_chain)]
pub(crate) use ancestors::Ancestors;
#[cfg(feature = "eager")]
pub(crate) use classify::name_of;
#[cfg(read_dir_rules)]
pub(crate) use classify::{child_path, classify, Step};
#[cfg(feature = "compare-walkers")]
pub(crate) use links::silent_not_found;
pub(crate) use links::{follow_link, Followed};
#[cfg(driver_thread)]
pub(crate) use rayon_pool::{build_pool, worker_threads};
#[cfg(feature = "compare-walkers")]
pub(crate) use rebase::{depth_below, Rebase};
#[cfg(feature = "compare-walkers")]
pub(crate) use threads::probe;
#[cfg(walker_sink)]
pub(crate) use threads::spawn_error;
#[cfg(feature = "compare-walkers")]
pub(crate) use wd::{ancestor_frames, WdWalk};

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

/// A directory's identity for loop detection.
pub(crate) type DirId = (u64, u64);

/// True when entries at `depth` may be yielded under `max_depth`.
#[inline]
pub(crate) fn depth_ok(opts: &ScanOptions, depth: usize) -> bool {
    opts.get_max_depth().is_none_or(|m| depth <= m)
}

/// True when a directory at `depth` may be descended into (its children are
/// at `depth + 1`).
#[inline]
pub(crate) fn may_descend(opts: &ScanOptions, depth: usize) -> bool {
    opts.get_max_depth().is_none_or(|m| depth < m)
}

/// Directories a single-thread walk holds open, against its share of the
/// fd budget (`std`, the `getdents` engine): when one more is over the
/// budget, the walk closes its shallowest open level.
#[derive(Debug)]
pub(crate) struct OpenDirs {
    open: usize,
    budget: usize,
}

impl OpenDirs {
    /// None open yet, at most `budget` at once.
    pub fn new(budget: usize) -> Self {
        OpenDirs { open: 0, budget }
    }

    /// One more is open; `true` when that is one too many (close one).
    #[inline]
    pub fn opened(&mut self) -> bool {
        self.open += 1;
        self.open > self.budget
    }

    /// One was closed.
    #[inline]
    pub fn closed(&mut self) {
        self.open -= 1;
    }

    /// None open (a walk starting over).
    #[cfg(feature = "getdents-par")]
    pub fn reset(&mut self) {
        self.open = 0;
    }
}

/// What a borrowed walk gives each result to; `Break` ends the walk.
pub(crate) type Lend<'a> =
    dyn FnMut(Result<crate::EntryRef<'_>, ScanError>) -> ControlFlow<()> + 'a;

/// What the workers of a parallel borrowed walk give each result to, with
/// their own state `S`; `Break` ends the walk on every worker.
pub(crate) type ParFn<'a, S> =
    dyn Fn(&mut S, Result<crate::EntryRef<'_>, ScanError>) -> ControlFlow<()> + Sync + 'a;

/// Lends an owned item to a borrowed-entry callback.
pub(crate) fn deliver(item: Item, f: &mut Lend<'_>) -> ControlFlow<()> {
    match item {
        Ok(entry) => f(Ok(crate::EntryRef::of(&entry))),
        Err(e) => f(Err(e)),
    }
}

#[cfg(driver_thread)]
/// An owned copy of an I/O error that keeps its OS error number (so that
/// `ENAMETOOLONG` still becomes [`ErrorCause::TooLong`](crate::ErrorCause::TooLong)).
pub(crate) fn io_copy(e: &std::io::Error) -> std::io::Error {
    use std::io::Error;
    match e.raw_os_error() {
        Some(code) => Error::from_raw_os_error(code),
        None => Error::new(e.kind(), e.to_string()),
    }
}
