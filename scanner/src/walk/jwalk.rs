//! `jwalk`: the jwalk crate (rayon-based parallel `read_dir`), with our
//! bounded channel for the results.
//!
//! jwalk's own iterator is not the stream here: its internal queues are
//! unbounded crossbeam channels, and its workers read the whole tree as fast
//! as they can whatever the consumer does, so wrapping it directly would
//! buffer up to the whole tree ahead of a slow consumer. Instead the
//! `process_read_dir` callback (run on the worker thread that read the
//! directory) sends the media files and errors of each directory into the
//! bounded [`Sink`] — so a slow consumer blocks jwalk's workers — and keeps
//! in jwalk's result list only the subdirectories to descend into. A driver
//! thread drains jwalk's iterator (now only directories), reports directories
//! that could not be read (jwalk attaches those errors to the directory
//! entry), and at the end drops the pool and joins its threads.
//!
//! Options: `sort(false)`, `skip_hidden(false)`, the pool is
//! `Parallelism::RayonExistingPool` over a pool of `threads` threads built
//! like the `rayon` strategy's (same as `RayonNewPool(threads)`, but its
//! threads can be joined, so none outlives the stream); with `max_depth`
//! below 2 jwalk itself walks serially on the driver thread.
//!
//! Links: jwalk's loop detection is path-based (it compares the link's text
//! with the ancestors' paths, so it misses relative links, and with a
//! relative root it can match a path that is not the ancestor). With
//! `follow_symlinks`, jwalk follows links (`follow_links(true)`: it types a
//! followed entry as its target and descends it), is handed an absolute root
//! (its matches are then real loops; paths are rebased onto the root as given)
//! and the callback does the real check: a `ReadDirState` carries the
//! [`Ancestors`] chain (device, inode, path) of the directory being read,
//! each subdirectory kept gets its own chain, and one that matches an
//! ancestor is dropped with an [`ErrorCause::Loop`] error. A dangling link is
//! skipped silently.
//!
//! Memory and buffering: jwalk collects each directory into a `Vec` before
//! the callback sees it (a wide directory is held whole while it is
//! processed); results then go through the bounded channel (two batches of
//! 128 per thread, one batch per directory). jwalk's unbounded queues hold a
//! spec per directory waiting to be read and the (directory-only) results
//! waiting for their turn in jwalk's strict ordering: they grow with the
//! number of directories in flight, not with files. jwalk's ordered queue
//! waits by spinning (`yield_now`), so the driver thread burns CPU while it
//! waits. The walk is iterative (a stack of result lists): depth is limited
//! only by `PATH_MAX`.

use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jwalk::{Parallelism, WalkDirGeneric};

use super::common::{
    build_pool, depth_ok, io_copy, may_descend, silent_not_found, spawn_error, Ancestors, Rebase,
    Root,
};
use super::stream::{Driven, Sink};
use crate::{EntryKind, ErrorCause, MediaEntry, ScanError, ScanOptions};

/// The strategy: [`drive`] on a driver thread.
pub(crate) static WALKER: Driven = Driven {
    name: "anivault-jwalk",
    drive,
};

/// jwalk's per-directory state: the ancestor chain (follow mode only).
type State = Option<Arc<Ancestors>>;
type Client = (State, ());
type JEntry = jwalk::DirEntry<Client>;

/// What the `process_read_dir` callback needs.
struct Ctx {
    opts: ScanOptions,
    root_dev: u64,
    rebase: Rebase,
    /// Cloned per directory (the callback is shared by every worker).
    sink: Sink,
}

fn drive(root: Root, opts: ScanOptions, threads: usize, mut sink: Sink) {
    let follow = opts.get_follow_symlinks();
    let given = if follow && root.path.is_relative() {
        std::env::current_dir()
            .map(|cwd| cwd.join(&root.path))
            .unwrap_or_else(|_| root.path.clone())
    } else {
        root.path.clone()
    };
    let max_depth = opts.get_max_depth();
    let pool = if max_depth.is_none_or(|m| m >= 2) {
        match build_pool(threads, "anivault-jwalk") {
            Ok((pool, handles)) => Some((Arc::new(pool), handles)),
            Err(e) => {
                sink.push(Err(spawn_error(root.path, e)));
                return;
            }
        }
    } else {
        None
    };
    let root_state: State = follow.then(|| {
        Arc::new(Ancestors {
            id: (root.dev, root.ino),
            path: root.path.clone(),
            parent: None,
        })
    });
    let ctx = Arc::new(Ctx {
        rebase: Rebase::new(&given, &root.path),
        root_dev: root.dev,
        sink: sink.clone(),
        opts,
    });
    let mut wd = WalkDirGeneric::<Client>::new(&given)
        .sort(false)
        .skip_hidden(false)
        .follow_links(follow)
        .root_read_dir_state(root_state);
    if let Some(m) = max_depth {
        wd = wd.max_depth(m);
    }
    wd = match &pool {
        Some((pool, _)) => wd.parallelism(Parallelism::RayonExistingPool {
            pool: Arc::clone(pool),
            busy_timeout: None,
        }),
        None => wd.parallelism(Parallelism::Serial),
    };
    let cb = Arc::clone(&ctx);
    wd = wd.process_read_dir(move |depth, dir, state, entries| {
        if let Some(depth) = depth {
            cb.process(depth, dir, state, entries);
        }
    });
    let walk = wd.into_iter();
    for r in walk {
        if sink.stopped() {
            break;
        }
        // Only directories (and the root) reach here: files went to the sink.
        let item = match r {
            Ok(e) => match e.read_children.as_ref().and_then(|rc| rc.error()) {
                Some(err) => {
                    let path = err
                        .path()
                        .map_or_else(|| ctx.rebase.path(&e.path()), |p| ctx.rebase.path(p));
                    let io = err
                        .io_error()
                        .map_or_else(|| std::io::Error::other(err.to_string()), io_copy);
                    ScanError::io(path, e.depth, io)
                }
                None => continue,
            },
            Err(err) => match ctx.error(&err, &root.path, 0) {
                Some(e) => e,
                None => continue,
            },
        };
        if !sink.push(Err(item)) {
            break;
        }
    }
    drop(ctx);
    if let Some((pool, handles)) = pool {
        // jwalk's own handle on the pool went with its iterator: this drop
        // ends the pool once its last job returns.
        drop(pool);
        for h in handles {
            let _ = h.join();
        }
    }
}

impl Ctx {
    /// The callback: `entries` of the directory `dir` at `depth`.
    fn process(
        &self,
        depth: usize,
        dir: &Path,
        state: &mut State,
        entries: &mut Vec<jwalk::Result<JEntry>>,
    ) {
        let mut sink = self.sink.clone();
        let mut keep = Vec::new();
        for r in entries.drain(..) {
            if sink.stopped() {
                keep.clear();
                break;
            }
            let pushed = match r {
                Ok(e) => self.entry(e, state, &mut sink, &mut keep),
                Err(err) => match self.error(&err, dir, depth) {
                    Some(item) => sink.push(Err(item)),
                    None => true,
                },
            };
            if !pushed {
                // The consumer is gone: no subdirectory either.
                keep.clear();
                break;
            }
        }
        *entries = keep;
    }

    /// One entry; a directory to descend is moved to `keep`. `false` when
    /// the consumer is gone.
    fn entry(
        &self,
        mut e: JEntry,
        state: &State,
        sink: &mut Sink,
        keep: &mut Vec<jwalk::Result<JEntry>>,
    ) -> bool {
        let opts = &self.opts;
        let depth = e.depth;
        let ft = e.file_type;
        if ft.is_file() {
            if depth_ok(opts, depth) && opts.is_media_name(e.file_name.as_bytes()) {
                let kind = if e.path_is_symlink() {
                    EntryKind::SymlinkToFile
                } else {
                    EntryKind::File
                };
                let path = self.rebase.join(&e.parent_path, &e.file_name);
                return sink.push(Ok(MediaEntry::new(path, depth, kind)));
            }
            return true;
        }
        // Links not followed, FIFOs, sockets, devices: nothing.
        if !ft.is_dir() || !may_descend(opts, depth) {
            return true;
        }
        let follow = opts.get_follow_symlinks();
        let xdev = opts.get_same_file_system();
        if follow || xdev {
            let jpath = e.path();
            let meta = if e.path_is_symlink() {
                fs::metadata(&jpath)
            } else {
                fs::symlink_metadata(&jpath)
            };
            let id = match meta {
                Ok(m) => (m.dev(), m.ino()),
                Err(err) => {
                    return sink.push(Err(ScanError::io(self.rebase.path(&jpath), depth, err)))
                }
            };
            if xdev && id.0 != self.root_dev {
                return true;
            }
            if follow {
                let path = self.rebase.path(&jpath);
                if let Some(ancestor) = state.as_deref().and_then(|a| a.find(id)) {
                    let cause = ErrorCause::Loop {
                        ancestor: ancestor.to_path_buf(),
                    };
                    return sink.push(Err(ScanError::new(path, depth, cause)));
                }
                if let Some(rc) = e.read_children.as_mut() {
                    rc.client_read_state = Some(Some(Arc::new(Ancestors {
                        id,
                        path,
                        parent: state.clone(),
                    })));
                }
            }
        }
        keep.push(Ok(e));
        true
    }

    /// Maps a jwalk error met in the directory `dir` (at `dir_depth`); `None`
    /// when it is to be skipped silently.
    fn error(&self, err: &jwalk::Error, dir: &Path, dir_depth: usize) -> Option<ScanError> {
        let depth = err.depth();
        if let Some(ancestor) = err.loop_ancestor() {
            // jwalk compares a link's text with the ancestors' (absolute)
            // paths: a match is a real loop. Like std, a link that would not
            // be descended anyway is no loop to report.
            if !may_descend(&self.opts, depth) {
                return None;
            }
            let child = err
                .path()
                .map_or_else(PathBuf::new, |p| self.rebase.path(p));
            let ancestor = self.rebase.path(ancestor);
            return Some(ScanError::new(child, depth, ErrorCause::Loop { ancestor }));
        }
        let io = err
            .io_error()
            .map_or_else(|| std::io::Error::other(err.to_string()), io_copy);
        match err.path() {
            Some(p) => {
                if silent_not_found(p, &io, self.opts.get_follow_symlinks()) {
                    return None; // a dangling link met while following
                }
                Some(ScanError::io(self.rebase.path(p), depth, io))
            }
            // Reading the directory failed midway: report the directory.
            None => Some(ScanError::io(self.rebase.path(dir), dir_depth, io)),
        }
    }
}
