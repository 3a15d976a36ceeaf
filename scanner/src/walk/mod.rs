//! The walkers: one file per [`Strategy`], all behind the
//! `Walker` trait; root handling and dispatch here, what they share in
//! `common` (the floor every strategy stands on) and the bounded channel
//! of the parallel ones in `stream`.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::{EntryKind, ErrorCause, MediaEntry, ScanError, ScanOptions, Strategy};

pub(crate) mod common;
#[cfg(feature = "compare-walkers")]
mod dua;
#[cfg(feature = "eager")]
mod eager;
#[cfg(getdents_engine)]
mod getdents;
#[cfg(getdents_engine)]
pub(crate) use getdents::{getdents as getdents64, name_len};
#[cfg(feature = "compare-walkers")]
mod ignore;
#[cfg(feature = "compare-walkers")]
mod jwalk;
#[cfg(feature = "rayon")]
mod rayon;
mod std_walk;
#[cfg(batch_stream)]
pub(crate) mod stream;
#[cfg(feature = "compare-walkers")]
mod walkdir;

#[cfg(feature = "parse")]
pub(crate) use common::threads;
pub use common::Item;
pub(crate) use common::ParFn;
use common::{deliver, EntryIter, Lend, Root, Walker};

fn walker(s: Strategy) -> Option<&'static dyn Walker> {
    Some(match s {
        Strategy::Std => &std_walk::StdWalker,
        #[cfg(feature = "compare-walkers")]
        Strategy::Walkdir => &walkdir::WalkdirWalker,
        #[cfg(feature = "compare-walkers")]
        Strategy::Jwalk => &jwalk::WALKER,
        #[cfg(feature = "compare-walkers")]
        Strategy::Dua => &dua::DuaWalker,
        #[cfg(feature = "compare-walkers")]
        Strategy::Ignore => &ignore::WALKER,
        #[cfg(feature = "rayon")]
        Strategy::Rayon => &rayon::WALKER,
        #[cfg(getdents_engine)]
        Strategy::Getdents => &getdents::GetdentsWalker,
        #[cfg(all(target_os = "linux", feature = "getdents-par"))]
        Strategy::GetdentsPar => &getdents::GetdentsParWalker,
        #[cfg(feature = "eager")]
        Strategy::Eager => &eager::EagerWalker,
        #[allow(unreachable_patterns)]
        _ => return None,
    })
}

/// The stream of results of one scan. Dropping it stops every walker thread
/// the strategy started and waits for them (no thread outlives it).
///
/// ```
/// # if anivault_scanner::Strategy::GetdentsPar.availability().is_err() { return; }
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

/// The directory root of a borrowed walk on the `getdents` engine, when
/// `opts` takes one (`getdents` or `getdents-par` is the strategy, the
/// root a directory, a depth limit other than 0); `None` sends the walk
/// through [`scan`], which reports everything else.
#[cfg(getdents_engine)]
fn engine_root(root: &Path, opts: &ScanOptions) -> Option<Root> {
    let s = opts.get_strategy();
    let engine =
        s == Strategy::Getdents || (s == Strategy::GetdentsPar && cfg!(feature = "getdents-par"));
    if !engine || opts.get_max_depth() == Some(0) {
        return None;
    }
    let meta = fs::metadata(root).ok().filter(|m| m.is_dir())?;
    crate::plant::check();
    Some(Root {
        path: root.to_path_buf(),
        dev: meta.dev(),
        ino: meta.ino(),
    })
}

/// [`ScanOptions::for_each`]: the `getdents` engine's borrowed walk when
/// `getdents` or `getdents-par` is the strategy and the root a directory,
/// else [`scan`]'s items lent one by one; `f` breaking ends the walk.
pub(crate) fn for_each(root: &Path, opts: &ScanOptions, f: &mut Lend<'_>) {
    #[cfg(getdents_engine)]
    if let Some(root) = engine_root(root, opts) {
        #[cfg(feature = "getdents-par")]
        if opts.get_strategy() == Strategy::GetdentsPar {
            return getdents::for_each_par(root, opts, f);
        }
        return getdents::for_each(root, opts, f);
    }
    for item in scan(root, opts) {
        if deliver(item, f).is_break() {
            return;
        }
    }
}

/// [`ScanOptions::par_for_each`]: `getdents-par`'s workers calling `f`
/// themselves, one state each; every other walk is [`for_each`] on the
/// calling thread with one state.
pub(crate) fn par_for_each<S: Send>(
    root: &Path,
    opts: &ScanOptions,
    init: &(dyn Fn() -> S + Sync),
    f: &ParFn<'_, S>,
) -> Vec<S> {
    #[cfg(all(getdents_engine, feature = "getdents-par"))]
    if opts.get_strategy() == Strategy::GetdentsPar {
        if let Some(root) = engine_root(root, opts) {
            return getdents::par_for_each(root, opts, init, f);
        }
    }
    let mut state = init();
    for_each(root, opts, &mut |item| f(&mut state, item));
    vec![state]
}
