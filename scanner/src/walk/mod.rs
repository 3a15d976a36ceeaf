//! The walkers: one file per [`Strategy`](crate::Strategy), all behind the
//! [`Walker`] trait, plus what they share (root handling, symlink
//! resolution, loop detection, the bounded channel of the parallel ones).

use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::{EntryKind, EntryRef, ErrorCause, MediaEntry, ScanError, ScanOptions, Strategy};

pub(crate) mod channel;
mod dua;
mod eager;
#[cfg(target_os = "linux")]
mod getdents;
#[cfg(target_os = "linux")]
pub(crate) use getdents::{getdents as getdents64, name_len};
#[cfg(target_os = "linux")]
mod getdents_par;
mod ignore;
mod jwalk;
mod rayon;
mod std_walk;
pub(crate) mod threads;
mod walkdir;

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

fn walker(s: Strategy) -> Option<&'static dyn Walker> {
    Some(match s {
        Strategy::Std => &std_walk::StdWalker,
        Strategy::Walkdir => &walkdir::WalkdirWalker,
        Strategy::Jwalk => &jwalk::JwalkWalker,
        Strategy::Dua => &dua::DuaWalker,
        Strategy::Ignore => &ignore::IgnoreWalker,
        Strategy::Rayon => &rayon::RayonWalker,
        #[cfg(target_os = "linux")]
        Strategy::Getdents => &getdents::GetdentsWalker,
        #[cfg(target_os = "linux")]
        Strategy::GetdentsPar => &getdents_par::GetdentsParWalker,
        Strategy::Eager => &eager::EagerWalker,
        #[allow(unreachable_patterns)]
        _ => return None,
    })
}

/// The stream of results of one scan. Dropping it stops every walker thread
/// the strategy started and waits for them (no thread outlives it).
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// for i in 0..100 { std::fs::write(dir.path().join(format!("{i}.mkv")), b"").unwrap(); }
/// let opts = anivault_scanner::ScanOptions::new().strategy(anivault_scanner::Strategy::GetdentsPar);
/// let first: Vec<_> = opts.scan(dir.path()).take(10).collect();
/// assert_eq!(first.len(), 10); // the rest of the walk is stopped here
/// ```
pub struct Scan {
    inner: EntryIter,
}

impl Iterator for Scan {
    type Item = Item;

    #[inline]
    fn next(&mut self) -> Option<Item> {
        self.inner.next()
    }
}

impl std::fmt::Debug for Scan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Scan { .. }")
    }
}

/// Root handling shared by every strategy, then dispatch.
pub(crate) fn scan(root: &Path, opts: &ScanOptions) -> Scan {
    let one = |item: Item| Scan {
        inner: Box::new(std::iter::once(item)),
    };
    let none = || Scan {
        inner: Box::new(std::iter::empty()),
    };
    crate::plant::check();
    // A root symlink is resolved (find -H, fd, walkdir): the user named it.
    let meta = match fs::metadata(root) {
        Ok(m) => m,
        Err(e) => return one(Err(ScanError::io(root, 0, e))),
    };
    let ft = meta.file_type();
    if ft.is_file() {
        let name = root
            .file_name()
            .map(|n| n.as_encoded_bytes())
            .unwrap_or(b"");
        if opts.is_media_name(name) {
            let kind = if fs::symlink_metadata(root).is_ok_and(|m| m.file_type().is_symlink()) {
                EntryKind::SymlinkToFile
            } else {
                EntryKind::File
            };
            return one(Ok(MediaEntry::new(root.to_path_buf(), 0, kind)));
        }
        return none();
    }
    if !ft.is_dir() {
        // FIFO, socket, device: never opened, never a media file (find -type f).
        return none();
    }
    let strategy = opts.get_strategy();
    if let Err(why) = strategy.supports(opts) {
        return one(Err(ScanError::new(root, 0, ErrorCause::Unsupported(why))));
    }
    if opts.get_max_depth() == Some(0) {
        return none();
    }
    let Some(w) = walker(strategy) else {
        return one(Err(ScanError::new(
            root,
            0,
            ErrorCause::Unsupported("strategy not compiled on this platform"),
        )));
    };
    let root = Root {
        path: root.to_path_buf(),
        dev: meta.dev(),
        ino: meta.ino(),
    };
    Scan {
        inner: w.walk(root, opts),
    }
}

/// [`ScanOptions::for_each`]: the `getdents` engine's borrowed walk when
/// that is the strategy and the root a directory, else [`scan`]'s items
/// lent one by one.
pub(crate) fn for_each(
    root: &Path,
    opts: &ScanOptions,
    f: &mut dyn FnMut(Result<EntryRef<'_>, ScanError>),
) {
    #[cfg(target_os = "linux")]
    if opts.get_strategy() == Strategy::Getdents && opts.get_max_depth() != Some(0) {
        if let Ok(meta) = fs::metadata(root) {
            if meta.is_dir() {
                crate::plant::check();
                let root = Root {
                    path: root.to_path_buf(),
                    dev: meta.dev(),
                    ino: meta.ino(),
                };
                return getdents::for_each(root, opts, f);
            }
        }
    }
    for item in scan(root, opts) {
        deliver(item, f);
    }
}

/// Lends an owned item to a borrowed-entry callback.
pub(crate) fn deliver(item: Item, f: &mut dyn FnMut(Result<EntryRef<'_>, ScanError>)) {
    match item {
        Ok(entry) => f(Ok(EntryRef::of(&entry))),
        Err(e) => f(Err(e)),
    }
}

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

/// A directory's identity for loop detection.
pub(crate) type DirId = (u64, u64);

/// A persistent (shared-tail) list of ancestor directories, for loop
/// detection in parallel walkers where each work item carries its chain.
#[derive(Debug)]
pub(crate) struct Ancestors {
    pub id: DirId,
    pub path: PathBuf,
    pub parent: Option<std::sync::Arc<Ancestors>>,
}

impl Ancestors {
    /// The ancestor (this node or above) with identity `id`, if any.
    pub fn find(&self, id: DirId) -> Option<&Path> {
        let mut cur = Some(self);
        while let Some(a) = cur {
            if a.id == id {
                return Some(&a.path);
            }
            cur = a.parent.as_deref();
        }
        None
    }
}

impl Drop for Ancestors {
    /// Unlinks the chain iteratively: the default drop recurses once per
    /// level, and a chain as deep as a 10,000-level tree overflows a
    /// worker's stack.
    fn drop(&mut self) {
        let mut cur = self.parent.take();
        while let Some(a) = cur {
            cur = match std::sync::Arc::try_unwrap(a) {
                Ok(mut node) => node.parent.take(),
                Err(_) => None, // still shared: its other owner drops it
            };
        }
    }
}

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
