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

use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use dua_core::{Order, Walk};

use super::common::{
    depth_ok, io_copy, may_descend, probe, spawn_error, worker_threads, EntryIter, Item, Rebase,
    Root, Walker,
};
use crate::{EntryKind, ErrorCause, MediaEntry, ScanError, ScanOptions};

pub(crate) struct DuaWalker;

impl Walker for DuaWalker {
    fn walk(&self, root: Root, opts: &ScanOptions) -> EntryIter {
        let canon = fs::canonicalize(&root.path).unwrap_or_else(|_| root.path.clone());
        let rebase = Rebase::new(&canon, &root.path);
        let pred_opts = opts.clone();
        let root_dev = root.dev;
        let threads = worker_threads(opts);
        // dua-core panics when it cannot start its threads (and leaves the
        // ones it started waiting): find out first whether they can start.
        if let Err(e) = probe(threads) {
            return Box::new(std::iter::once(Err(spawn_error(root.path, e))));
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
