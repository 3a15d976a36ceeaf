//! `ignore`: the ignore crate's parallel walker (`WalkParallel`), every
//! filter off (hidden files, `.ignore`/`.gitignore`/global/exclude files,
//! parent directories, `require_git`).
//!
//! A driver thread runs `WalkParallel::run` (which starts `threads` scoped
//! worker threads and joins them); each worker's visitor owns a clone of the
//! [`Sink`] and returns `WalkState::Quit` as soon as the consumer is gone.
//! The root is handed to ignore with a trailing `/`, which makes it resolve a
//! root given as a symbolic link (ignore otherwise treats such a root as a
//! file) while spelling every path below it exactly as the `std` strategy
//! does.
//!
//! A thread the system refuses: ignore panics in the middle of starting
//! its workers and the ones it started wait forever for the missing one, so
//! the driver first [`probe`](super::common::threads::probe)s that `threads`
//! threads can start (else the scan is one [`ErrorCause::ThreadSpawn`]
//! item). If one is refused all the same (another process took the slot
//! after the probe), the refused worker's visitor is dropped on the driver
//! thread: that yields the same error item and tells the consumer to stop
//! waiting ([`Sink::abandon`]); ignore's idle workers are then left behind,
//! since ignore gives no way to stop them.
//!
//! Follow mode uses ignore's `follow_links(true)`, whose loop check differs
//! from `find -L` in two ways, both corrected here:
//! * it checks only links, not directories: once a link has been followed
//!   (a counter), a real directory is checked too, against its ancestors
//!   rebuilt from its path (one `stat` per ancestor), and a loop is reported
//!   and skipped (`WalkState::Skip`);
//! * it counts the root's canonical parents as ancestors, so a link to a
//!   directory above the root is a "loop" for it; such a link (its target
//!   not an ancestor on the walk path) is walked on the worker thread by the
//!   walkdir strategy's [`WdWalk::subtree`], as `find -L` would.
//!
//! Other errors are unwrapped (`WithPath`, `WithDepth`, `Partial`, …) into
//! [`ScanError`]s with the path; a dangling link met while following is
//! skipped silently, and only that: a not-found is checked with
//! [`silent_not_found`] (a directory that vanished mid-scan is reported).
//!
//! Memory and buffering: ignore reads each directory whole into a `Vec`
//! before handing out its entries, and queues every entry — files included —
//! as a work item on its per-thread deques, which are unbounded: they grow
//! with the width of the tree (a directory of a million files means a
//! million queued items), not only with the frontier of directories. Results
//! then go through the bounded channel (two batches of 128 per thread).
//! ignore's walk is iterative (no recursion); each work item holds an
//! `Arc`'d ignore-matcher node per directory on its path. With links followed
//! ignore opens every ancestor (and the root's parents) to compare handles.

use std::ffi::OsString;
use std::fs;
use std::io;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::MetadataExt;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::ThreadId;

use ignore::{WalkBuilder, WalkState};

use super::common::{
    ancestor_frames, depth_below, depth_ok, follow_link, may_descend, silent_not_found, threads,
    Followed, Root, WdWalk,
};
use super::stream::{Driven, Sink};
use crate::{EntryKind, ErrorCause, MediaEntry, ScanError, ScanOptions};

/// The strategy: [`run`] on a driver thread.
pub(crate) static WALKER: Driven = Driven {
    name: "anivault-ignore",
    drive: run,
};

struct Ctx {
    root: Root,
    /// The root as handed to ignore (with a trailing `/`).
    given: PathBuf,
    opts: ScanOptions,
    /// Directories entered through a followed link so far.
    linked: AtomicUsize,
}

fn run(root: Root, opts: ScanOptions, threads: usize, mut sink: Sink) {
    // ignore's WalkParallel panics when it cannot start a worker, and the
    // workers it did start wait forever for the missing one: find out first
    // whether they can start.
    let threads = threads.max(1);
    if let Err(e) = threads::probe(threads) {
        sink.push(Err(threads::spawn_error(root.path, e)));
        return;
    }
    let mut given = root.path.as_os_str().as_bytes().to_vec();
    if given.last() != Some(&b'/') {
        given.push(b'/');
    }
    let given = PathBuf::from(OsString::from_vec(given));
    let mut b = WalkBuilder::new(&given);
    b.standard_filters(false)
        .hidden(false)
        .parents(false)
        .ignore(false)
        .git_ignore(false)
        .git_global(false)
        .git_exclude(false)
        .require_git(false)
        .follow_links(opts.get_follow_symlinks())
        .same_file_system(opts.get_same_file_system())
        .max_depth(opts.get_max_depth())
        .threads(threads);
    let walker = b.build_parallel();
    let ctx = Ctx {
        root,
        given,
        opts,
        linked: AtomicUsize::new(0),
    };
    let ctx = &ctx;
    let driver = std::thread::current().id();
    let built = AtomicUsize::new(0);
    let refused = AtomicBool::new(false);
    let (built, refused) = (&built, &refused);
    let walked = catch_unwind(AssertUnwindSafe(|| {
        walker.run(|| {
            let mut worker = WorkerSink {
                sink: sink.clone(),
                index: built.fetch_add(1, Ordering::Relaxed),
                driver,
                refused,
                root: &ctx.root.path,
            };
            Box::new(move |r| ctx.visit(&mut worker.sink, r))
        })
    }));
    if let Err(panic) = walked {
        if !refused.load(Ordering::Relaxed) {
            resume_unwind(panic); // reported as `ErrorCause::WorkerPanicked`
        }
    }
}

/// The sink of one of ignore's visitors. ignore builds its first visitor
/// for the roots and then one per worker, all on our driver thread, and
/// moves each worker's to its thread: a worker's visitor dropped on the
/// driver thread belongs to a worker whose thread was refused (after the
/// probe passed). The other workers may then wait forever for it, so the
/// consumer is told to stop waiting.
struct WorkerSink<'a> {
    sink: Sink,
    index: usize,
    driver: ThreadId,
    refused: &'a AtomicBool,
    root: &'a std::path::Path,
}

impl Drop for WorkerSink<'_> {
    fn drop(&mut self) {
        if self.index > 0
            && std::thread::current().id() == self.driver
            && !self.refused.swap(true, Ordering::Relaxed)
        {
            let why = io::Error::other("ignore's walker could not start all its threads");
            self.sink.abandon(Err(threads::spawn_error(self.root, why)));
        }
    }
}

impl Ctx {
    fn visit(&self, sink: &mut Sink, r: Result<ignore::DirEntry, ignore::Error>) -> WalkState {
        if sink.stopped() {
            return WalkState::Quit;
        }
        match r {
            Ok(dent) => self.entry(sink, dent),
            Err(e) => {
                if self.error(sink, e) {
                    WalkState::Continue
                } else {
                    WalkState::Quit
                }
            }
        }
    }

    fn entry(&self, sink: &mut Sink, dent: ignore::DirEntry) -> WalkState {
        let depth = dent.depth();
        let opts = &self.opts;
        let Some(ft) = dent.file_type() else {
            return WalkState::Continue;
        };
        if depth == 0 {
            return WalkState::Continue;
        }
        if ft.is_file() {
            if depth_ok(opts, depth) && opts.is_media_name(dent.file_name().as_bytes()) {
                let kind = if dent.path_is_symlink() {
                    EntryKind::SymlinkToFile
                } else {
                    EntryKind::File
                };
                if !sink.push(Ok(MediaEntry::new(dent.into_path(), depth, kind))) {
                    return WalkState::Quit;
                }
            }
            return WalkState::Continue;
        }
        if !(ft.is_dir() && opts.get_follow_symlinks()) {
            return WalkState::Continue;
        }
        if dent.path_is_symlink() {
            // ignore has checked it against every ancestor (and more).
            self.linked.fetch_add(1, Ordering::SeqCst);
            return WalkState::Continue;
        }
        if self.linked.load(Ordering::SeqCst) == 0 || !may_descend(opts, depth) {
            // Without a followed link above it, a real directory cannot be
            // its own ancestor.
            return WalkState::Continue;
        }
        let Ok(m) = fs::metadata(dent.path()) else {
            return WalkState::Continue; // ignore reports the failure to read it
        };
        let id = (m.dev(), m.ino());
        if opts.get_same_file_system() && id.0 != self.root.dev {
            return WalkState::Continue; // ignore does not descend
        }
        let frames = ancestor_frames(&self.root, dent.path());
        let Some(ancestor) = frames.iter().rev().find(|f| f.id == Some(id)) else {
            return WalkState::Continue;
        };
        let err = ScanError::new(
            dent.into_path(),
            depth,
            ErrorCause::Loop {
                ancestor: ancestor.path.clone(),
            },
        );
        if sink.push(Err(err)) {
            WalkState::Skip
        } else {
            WalkState::Quit
        }
    }

    /// The path as the `std` strategy spells it.
    fn ours(&self, p: PathBuf) -> PathBuf {
        if p == self.given {
            self.root.path.clone()
        } else {
            p
        }
    }

    /// Handles an ignore error; `false` when the consumer is gone.
    fn error(&self, sink: &mut Sink, e: ignore::Error) -> bool {
        let mut todo = vec![(e, None::<PathBuf>, None::<usize>)];
        while let Some((e, path, depth)) = todo.pop() {
            let ok = match e {
                ignore::Error::Partial(errs) => {
                    todo.extend(errs.into_iter().map(|e| (e, path.clone(), depth)));
                    true
                }
                ignore::Error::WithLineNumber { err, .. } => {
                    todo.push((*err, path, depth));
                    true
                }
                ignore::Error::WithPath { path: p, err } => {
                    todo.push((*err, path.or(Some(p)), depth));
                    true
                }
                ignore::Error::WithDepth { depth: d, err } => {
                    todo.push((*err, path, depth.or(Some(d))));
                    true
                }
                ignore::Error::Loop { child, .. } => self.on_loop(sink, child),
                ignore::Error::Io(io) => self.on_io(sink, path, depth, io),
                other => self.on_io(sink, path, depth, io::Error::other(other.to_string())),
            };
            if !ok {
                return false;
            }
        }
        true
    }

    fn on_io(
        &self,
        sink: &mut Sink,
        path: Option<PathBuf>,
        depth: Option<usize>,
        io: io::Error,
    ) -> bool {
        let (path, depth) = match path {
            Some(p) => {
                let p = self.ours(p);
                let d = depth_below(&self.root.path, &p).or(depth).unwrap_or(0);
                (p, d)
            }
            None => (self.root.path.clone(), depth.unwrap_or(0)),
        };
        if depth > 0 && silent_not_found(&path, &io, self.opts.get_follow_symlinks()) {
            return true; // a dangling link met while following: find -L skips it
        }
        sink.push(Err(ScanError::io(path, depth, io)))
    }

    /// ignore says the link `child` leads to an ancestor: check it against
    /// the walk path; a link to a directory above the root is walked here.
    fn on_loop(&self, sink: &mut Sink, child: PathBuf) -> bool {
        let child = self.ours(child);
        let depth = depth_below(&self.root.path, &child).unwrap_or(0);
        let opts = &self.opts;
        if !may_descend(opts, depth) {
            return true; // not walked anyway: no loop to report (like std)
        }
        let (dev, ino) = match follow_link(&child) {
            Followed::Dir { dev, ino } => (dev, ino),
            Followed::Error(e) => return sink.push(Err(ScanError::io(child, depth, e))),
            Followed::File | Followed::Skip => return true,
        };
        if opts.get_same_file_system() && dev != self.root.dev {
            return true;
        }
        let frames = ancestor_frames(&self.root, &child);
        if let Some(f) = frames.iter().rev().find(|f| f.id == Some((dev, ino))) {
            let ancestor = f.path.clone();
            return sink.push(Err(ScanError::new(
                child,
                depth,
                ErrorCause::Loop { ancestor },
            )));
        }
        let sub = WdWalk::subtree(
            opts.clone(),
            self.root.dev,
            frames,
            child,
            depth,
            (dev, ino),
        );
        for item in sub {
            if !sink.push(item) {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walk::stream::channel;

    fn drop_on(index: usize, driver: ThreadId) -> Vec<String> {
        let (sink, iter) = channel(1, "/root".into());
        let refused = AtomicBool::new(false);
        drop(WorkerSink {
            sink,
            index,
            driver,
            refused: &refused,
            root: std::path::Path::new("/root"),
        });
        iter.map(|r| r.map_err(|e| e.to_string()).unwrap_err())
            .collect()
    }

    #[test]
    fn only_a_worker_visitor_dropped_on_the_driver_thread_means_a_refused_thread() {
        let here = std::thread::current().id();
        let elsewhere = std::thread::spawn(|| std::thread::current().id())
            .join()
            .unwrap();
        assert_eq!(
            drop_on(1, here),
            ["cannot start a scanner thread for '/root': ignore's walker could not start all its threads"]
        );
        assert!(drop_on(0, here).is_empty(), "the roots' visitor");
        assert!(drop_on(1, elsewhere).is_empty(), "a worker that ran");
    }
}
