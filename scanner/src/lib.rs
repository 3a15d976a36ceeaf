//! # anivault-scanner
//!
//! Finds media files under a root, streaming, in memory that does not grow
//! with the number of files, through one API over several interchangeable
//! walker [`Strategy`]s.
//!
//! Semantics shared by every strategy:
//!
//! * a file is a media file when it is a regular file and the bytes after the
//!   last dot of its name are in the [`ExtensionSet`] (ASCII case-insensitive);
//! * the default walk matches `find ROOT -type f` (symbolic links neither
//!   followed nor yielded; a root given as a symlink is resolved, like
//!   `find -H`, fd and walkdir); [`ScanOptions::follow_symlinks`] matches
//!   `find -L`, with loop detection by device and inode;
//! * a root that is itself a matching file is yielded (depth 0);
//! * FIFOs, sockets and devices are never opened; names are bytes, never
//!   converted lossily;
//! * errors are items that carry the path, and the walk goes on.
//!
//! The default strategy ([`Strategy::default`]) is the fastest on a typical
//! machine: `getdents-par` on Linux, `std` elsewhere. It gives **no order
//! guarantee** (parallel workers interleave differently from run to run):
//! sort what you collect, or choose `getdents` or `std` for a stable order.
//! [`ScanOptions::for_each`] lends results to a callback instead of
//! yielding them; with `getdents` it allocates nothing per file.
//!
//! The cargo feature `planted-regressions` (off by default, never for
//! users) builds planted regressions for the memory gate's drill: with it,
//! the environment variable `ANIVAULT_PLANT` set to `unbounded-channel`,
//! `leak-16`, `double-queues` or `double-buffer` makes the scanner worse in
//! that one way; unset or empty it behaves as production, and any other
//! value aborts the scan with a message. Without the feature those hooks
//! are constants and empty inline functions: the production code path is
//! unchanged.
//!
//! `ScanParsePool` (cargo feature `parse`) scans and parses every media
//! file's release name (`ParsedMedia`: title, episode, season, group, …) on
//! every core, in memory bounded by its queues.
//!
//! ## Cargo features
//!
//! | feature | brings | dependencies |
//! |---|---|---|
//! | (always) | [`Strategy::Std`], the API | rustix |
//! | `getdents` (default) | [`Strategy::Getdents`], `floor::floor_count` (Linux) | libc |
//! | `getdents-par` (default) | [`Strategy::GetdentsPar`] | crossbeam-channel |
//! | `rayon` (default) | [`Strategy::Rayon`] | rayon-core, crossbeam-channel |
//! | `eager` (default) | [`Strategy::Eager`] | none |
//! | `compare-walkers` | [`Strategy::Walkdir`], `Jwalk`, `Dua`, `Ignore` | walkdir, jwalk, dua-core, ignore |
//! | `parse` | `ScanParsePool`, `ParsedMedia` | anitomy-ng, crossbeam-channel |
//!
//! A strategy whose feature is off stays in [`Strategy`]: it is not in
//! [`Strategy::available`], and a scan with it yields one error naming the
//! feature.
//!
//! ```
//! use anivault_scanner::{scan_directory, scan_directory_paths, ScanOptions, Strategy};
//! let dir = tempfile::tempdir().unwrap();
//! std::fs::create_dir(dir.path().join("Show")).unwrap();
//! std::fs::write(dir.path().join("Show/Show - 01.mkv"), b"").unwrap();
//! std::fs::write(dir.path().join("Show/Show - 01.ass"), b"").unwrap();
//!
//! let found: Vec<_> = scan_directory(dir.path()).collect::<Result<_, _>>().unwrap();
//! assert_eq!(found.len(), 1);
//! assert_eq!(found[0].file_name(), "Show - 01.mkv");
//!
//! let paths: Vec<_> = scan_directory_paths(dir.path()).filter_map(Result::ok).collect();
//! assert_eq!(paths, vec![dir.path().join("Show/Show - 01.mkv")]);
//!
//! for s in Strategy::available() {
//!     let n = ScanOptions::new().strategy(s).scan(dir.path()).filter(|r| r.is_ok()).count();
//!     assert_eq!(n, 1, "{s}");
//! }
//! ```
#![deny(missing_docs)]
// Every `unsafe` block says why it is sound in a `// SAFETY:` comment.
#![deny(clippy::undocumented_unsafe_blocks)]
#![cfg(unix)]

#[macro_use]
mod builder;
mod entry;
mod error;
mod extset;
#[cfg(getdents_engine)]
pub mod floor;
pub mod fskind;
mod options;
#[cfg(feature = "parse")]
mod parse;
#[cfg(feature = "planted-regressions")]
#[doc(hidden)]
pub mod plant;
#[cfg(not(feature = "planted-regressions"))]
mod plant;
#[cfg(feature = "parse")]
mod pool;
mod strategy;
pub mod walk;

pub use entry::{EntryKind, EntryRef, MediaEntry};
pub use error::{ErrorCause, ScanError};
pub use options::{
    ExtensionSet, ScanOptions, AUDIO_EXTENSIONS, SUBTITLE_EXTENSIONS, VIDEO_EXTENSIONS,
};
#[cfg(feature = "parse")]
pub use parse::{Episode, MediaKind, ParsedMedia, Tag};
#[cfg(feature = "parse")]
pub use pool::{InFlightProbe, ParsedScan, ScanParsePool};
pub use strategy::{Strategy, UnknownStrategy};
pub use walk::Scan;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The cores this process may use (`std::thread::available_parallelism`,
/// 1 when it cannot be told), read once and kept: on Linux each reading
/// opens `/proc/self/cgroup` and the cgroup's CPU quota files (about a
/// dozen system calls), which a scan's start would otherwise pay every
/// time it sizes its workers.
///
/// ```
/// assert!(anivault_scanner::available_cores() >= 1);
/// assert_eq!(anivault_scanner::available_cores(), anivault_scanner::available_cores());
/// ```
pub fn available_cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Scans `root` with the default options and strategy, streaming.
///
/// See the [crate documentation](crate) for the semantics.
pub fn scan_directory(root: impl AsRef<Path>) -> Scan {
    ScanOptions::default().scan(root)
}

/// Like [`scan_directory`], yielding only paths.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::write(dir.path().join("a.mp4"), b"").unwrap();
/// let n = anivault_scanner::scan_directory_paths(dir.path()).count();
/// assert_eq!(n, 1);
/// ```
pub fn scan_directory_paths(
    root: impl AsRef<Path>,
) -> impl Iterator<Item = Result<PathBuf, ScanError>> {
    scan_directory(root).map(|r| r.map(MediaEntry::into_path))
}

impl ScanOptions {
    /// Scans `root` with these options; see [`scan_directory`].
    ///
    /// ```
    /// use anivault_scanner::{ScanOptions, Strategy};
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::write(dir.path().join("a.MKV"), b"").unwrap();
    /// let n = ScanOptions::new().strategy(Strategy::Std).scan(dir.path()).count();
    /// assert_eq!(n, 1);
    /// ```
    pub fn scan(&self, root: impl AsRef<Path>) -> Scan {
        walk::scan(root.as_ref(), self)
    }

    /// Scans `root` like [`scan`](Self::scan), lending each result to `f`
    /// instead of yielding it: the same files, errors and semantics, in the
    /// strategy's order, on the calling thread.
    ///
    /// With [`Strategy::Getdents`] a media file reaches `f` as an
    /// [`EntryRef`] borrowed from the walker's own path and directory
    /// buffer: nothing is allocated per file (the walk allocates one 16 KiB
    /// buffer per open directory level, as [`scan`](Self::scan) does), so
    /// counting or filtering costs no more than the directory listing.
    /// With [`Strategy::GetdentsPar`] the workers walk as for
    /// [`scan`](Self::scan) and `f` runs on the calling thread, each file
    /// borrowed from the batch that brought it (no allocation per file
    /// either). Other strategies lend their owned entries (one allocation
    /// per file, as with [`scan`](Self::scan)).
    ///
    /// ```
    /// use anivault_scanner::{ScanOptions, Strategy};
    /// # if Strategy::Getdents.availability().is_err() { return; }
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::create_dir(dir.path().join("Show")).unwrap();
    /// for n in ["Show - 01.mkv", "Show - 02.MKV", "Show - 01.ass"] {
    ///     std::fs::write(dir.path().join("Show").join(n), b"").unwrap();
    /// }
    /// let (mut count, mut errors, mut episode_2) = (0, 0, Vec::new());
    /// ScanOptions::new().strategy(Strategy::Getdents).for_each(dir.path(), |r| match r {
    ///     Ok(e) => {
    ///         count += 1;
    ///         if e.file_name().as_encoded_bytes().ends_with(b"02.MKV") {
    ///             episode_2.push(e.to_path()); // an owned copy of the one to keep
    ///         }
    ///     }
    ///     Err(_) => errors += 1,
    /// });
    /// assert_eq!((count, errors), (2, 0));
    /// assert_eq!(episode_2, vec![dir.path().join("Show/Show - 02.MKV")]);
    /// ```
    pub fn for_each(
        &self,
        root: impl AsRef<Path>,
        mut f: impl FnMut(Result<EntryRef<'_>, ScanError>),
    ) {
        walk::for_each(root.as_ref(), self, &mut |item| {
            f(item);
            std::ops::ControlFlow::Continue(())
        })
    }

    /// Scans `root` with the strategy's own threads calling `f` directly,
    /// each with its own state made by `init`, and returns the states when
    /// the walk is over: a parallel fold with no channel between the
    /// walkers and the caller, for counting, filtering or writing out
    /// files as fast as the directories can be listed. `f` returning
    /// [`ControlFlow::Break`](std::ops::ControlFlow::Break) stops the walk
    /// on every thread (a closed pipe, enough found).
    ///
    /// With [`Strategy::GetdentsPar`] every worker (the calling thread is
    /// one of them) lends `f` the files it lists, borrowed from its walk:
    /// nothing is allocated per file, and the results come in no order,
    /// from several threads at once, one state per worker (the states in
    /// no order either). Every other strategy runs as
    /// [`for_each`](Self::for_each) on the calling thread with one state,
    /// in the strategy's order. The files and errors are the same as
    /// [`scan`](Self::scan)'s either way.
    ///
    /// ```
    /// use std::ops::ControlFlow;
    /// use anivault_scanner::{ScanOptions, Strategy};
    /// let dir = tempfile::tempdir().unwrap();
    /// for show in ["A", "B", "C"] {
    ///     std::fs::create_dir(dir.path().join(show)).unwrap();
    ///     for ep in 1..=4 {
    ///         std::fs::write(dir.path().join(show).join(format!("{ep}.mkv")), b"").unwrap();
    ///     }
    /// }
    /// // Per worker: files counted, errors seen.
    /// let states = ScanOptions::new().par_for_each(dir.path(), || (0u64, 0u64), |(n, errs), r| {
    ///     match r {
    ///         Ok(_) => *n += 1,
    ///         Err(_) => *errs += 1,
    ///     }
    ///     ControlFlow::Continue(())
    /// });
    /// let files: u64 = states.iter().map(|(n, _)| n).sum();
    /// assert_eq!(files, 12);
    /// assert!(states.iter().all(|(_, errs)| *errs == 0));
    /// ```
    pub fn par_for_each<S: Send>(
        &self,
        root: impl AsRef<Path>,
        init: impl Fn() -> S + Sync,
        f: impl Fn(&mut S, Result<EntryRef<'_>, ScanError>) -> std::ops::ControlFlow<()> + Sync,
    ) -> Vec<S> {
        walk::par_for_each(root.as_ref(), self, &init, &f)
    }
}
