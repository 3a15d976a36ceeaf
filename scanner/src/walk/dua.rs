//! `dua`: dua-core's parallel walker (`dua_core::walk`), wrapped directly:
//! its iterator is the stream (no thread or channel of ours).
//!
//! `dua_core::walk(root, threads, Order::Completion,
//! Options::default().skip_metadata(), descend)` starts a work-stealing pool
//! of `threads` workers; the `descend` predicate implements `max_depth` and
//! `same_file_system` (one `lstat` per directory, only with that option).
//! dua yields the root first (skipped here), then every entry with the type
//! from its directory entry; regular files with a media name are kept.
//! dua-core never follows links, so [`Strategy::supports`](crate::Strategy)
//! rejects `follow_symlinks` for it, and a link is never yielded (as with
//! `find -P`).
//!
//! dua names the root from `Path::file_name`/`parent` (a root spelled
//! `a/..` would come out as `a/a/..`) and does not descend into a root given
//! as a symbolic link, so it is handed the canonical path of the root and
//! every path is rebased onto the root as the caller spelled it.
//!
//! Memory and buffering: dua's result channel is bounded (two batches per
//! worker) and the workers block when it is full, but with `skip_metadata`
//! a batch is one **whole directory** (read into a `Vec` before it is sent),
//! so the bound is "2 × threads directories", not a number of entries. Its
//! job deques hold one job per directory discovered and not yet read
//! (unbounded; they grow with the frontier). The walk is iterative; depth is
//! limited only by `PATH_MAX` (longer paths fail with `ENAMETOOLONG`).
//! Dropping the iterator stops dua's workers and joins them (a worker in the
//! middle of a large directory finishes reading it first).

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::MetadataExt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use dua_core::{Order, Walk};

use super::rayon::io_copy;
use super::{depth_ok, may_descend, EntryIter, Item, Root, Walker};
use crate::{EntryKind, ErrorCause, MediaEntry, ScanError, ScanOptions};

pub(crate) struct DuaWalker;

impl Walker for DuaWalker {
    fn walk(&self, root: Root, opts: &ScanOptions) -> EntryIter {
        let canon = fs::canonicalize(&root.path).unwrap_or_else(|_| root.path.clone());
        let rebase = Rebase::new(&canon, &root.path);
        let pred_opts = opts.clone();
        let root_dev = root.dev;
        let threads = super::rayon::worker_threads(opts);
        // dua-core panics when it cannot start its threads (and leaves the
        // ones it started waiting): find out first whether they can start.
        if let Err(e) = super::threads::probe(threads) {
            return Box::new(std::iter::once(Err(super::threads::spawn_error(
                root.path, e,
            ))));
        }
        // A panic all the same (a thread refused after the probe): an error
        // item instead.
        let options = dua_core::Options::default().skip_metadata();
        let queued = crate::plant::queue(options.queued_batches_per_worker);
        let options = options.queued_batches_per_worker(queued);
        let started = catch_unwind(AssertUnwindSafe(move || {
            dua_core::walk(
                &canon,
                threads,
                Order::Completion,
                options,
                move |e: &dua_core::Entry| {
                    if e.depth == 0 {
                        return true;
                    }
                    if !may_descend(&pred_opts, e.depth) {
                        return false;
                    }
                    if pred_opts.get_same_file_system() {
                        // A failed lstat: let dua try, and report, the read.
                        return fs::symlink_metadata(e.path())
                            .map_or(true, |m| m.dev() == root_dev);
                    }
                    true
                },
            )
        }));
        let walk = match started {
            Ok(w) => w,
            Err(_) => {
                return Box::new(std::iter::once(Err(ScanError::new(
                    root.path,
                    0,
                    ErrorCause::WorkerPanicked,
                ))))
            }
        };
        Box::new(DuaIter {
            walk,
            rebase,
            opts: opts.clone(),
            root: root.path,
        })
    }
}

struct DuaIter {
    walk: Walk,
    rebase: Rebase,
    opts: ScanOptions,
    root: PathBuf,
}

impl Iterator for DuaIter {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        loop {
            match self.walk.next()? {
                Ok(e) => {
                    if e.depth == 0
                        || !e.file_type.is_file()
                        || !depth_ok(&self.opts, e.depth)
                        || !self.opts.is_media_name(e.file_name.as_bytes())
                    {
                        continue;
                    }
                    let path = self.rebase.join(&e.parent_path, &e.file_name);
                    return Some(Ok(MediaEntry::new(path, e.depth, EntryKind::File)));
                }
                Err(err) => {
                    let io = io_copy(err.io_error());
                    let item = match err.path() {
                        Some(p) => {
                            let depth = self.rebase.depth(p).unwrap_or(0);
                            ScanError::io(self.rebase.path(p), depth, io)
                        }
                        None => ScanError::io(self.root.clone(), 0, io),
                    };
                    return Some(Err(item));
                }
            }
        }
    }
}

/// Rewrites paths that start with one spelling of the root (`from`) to
/// start with another (`to`), bytes-exact, joining names like `std` does.
pub(super) struct Rebase {
    from: Vec<u8>,
    to: Vec<u8>,
}

/// `a` then `b`, with one `/` between them unless `a` is empty or ends with
/// one, or `b` is empty.
fn join_bytes(v: &mut Vec<u8>, b: &[u8]) {
    if !v.is_empty() && v.last() != Some(&b'/') && !b.is_empty() {
        v.push(b'/');
    }
    v.extend_from_slice(b);
}

impl Rebase {
    pub(super) fn new(from: &Path, to: &Path) -> Self {
        Rebase {
            from: from.as_os_str().as_bytes().to_vec(),
            to: to.as_os_str().as_bytes().to_vec(),
        }
    }

    /// The part of `p` below `from` (no leading `/`), if `p` is below it.
    fn rel<'a>(&self, p: &'a [u8]) -> Option<&'a [u8]> {
        let rest = p.strip_prefix(&self.from[..])?;
        if rest.is_empty() || self.from.ends_with(b"/") {
            Some(rest)
        } else {
            rest.strip_prefix(b"/")
        }
    }

    /// `p` rebased (unchanged when it is not below `from`).
    pub(super) fn path(&self, p: &Path) -> PathBuf {
        let b = p.as_os_str().as_bytes();
        if self.from == self.to {
            return p.to_path_buf();
        }
        match self.rel(b) {
            Some(rel) => {
                let mut v = Vec::with_capacity(self.to.len() + 1 + rel.len());
                v.extend_from_slice(&self.to);
                join_bytes(&mut v, rel);
                PathBuf::from(std::ffi::OsString::from_vec(v))
            }
            None => p.to_path_buf(),
        }
    }

    /// `parent` rebased, joined with `name`: one allocation.
    pub(super) fn join(&self, parent: &Path, name: &OsStr) -> PathBuf {
        let pb = parent.as_os_str().as_bytes();
        let (base, rel): (&[u8], &[u8]) = match self.rel(pb) {
            Some(rel) if self.from != self.to => (&self.to, rel),
            _ => (pb, b""),
        };
        let name = name.as_bytes();
        let mut v = Vec::with_capacity(base.len() + rel.len() + name.len() + 2);
        v.extend_from_slice(base);
        join_bytes(&mut v, rel);
        join_bytes(&mut v, name);
        PathBuf::from(std::ffi::OsString::from_vec(v))
    }

    /// Depth of `p` below `from`.
    pub(super) fn depth(&self, p: &Path) -> Option<usize> {
        let rel = self.rel(p.as_os_str().as_bytes())?;
        Some(rel.split(|&b| b == b'/').filter(|c| !c.is_empty()).count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebase_is_bytes_exact() {
        let r = Rebase::new(Path::new("/canon/root"), Path::new("lib/../root/"));
        assert_eq!(r.path(Path::new("/canon/root")), Path::new("lib/../root/"));
        assert_eq!(
            r.join(Path::new("/canon/root/a"), OsStr::new("x.mkv"))
                .as_os_str()
                .as_bytes(),
            b"lib/../root/a/x.mkv"
        );
        assert_eq!(
            r.join(Path::new("/canon/root"), OsStr::new("x.mkv"))
                .as_os_str()
                .as_bytes(),
            b"lib/../root/x.mkv"
        );
        assert_eq!(r.depth(Path::new("/canon/root/a/b")), Some(2));
        assert_eq!(r.depth(Path::new("/canon/rootx/a")), None);
        assert_eq!(r.path(Path::new("/elsewhere")), Path::new("/elsewhere"));
        let slash = Rebase::new(Path::new("/"), Path::new("/"));
        assert_eq!(slash.join(Path::new("/"), OsStr::new("a")), Path::new("/a"));
    }
}
