//! `rayon`: our own `read_dir` fan-out on a dedicated rayon pool, with the
//! bounded channel of [`stream`](super::stream) to the consumer.
//!
//! A driver thread builds a rayon [`ThreadPool`](rayon_core::ThreadPool) of [`worker_threads`](super::common::worker_threads)
//! threads (created through a spawn handler, so their join handles are ours)
//! and runs one [`rayon_core::Scope`]. A task reads a directory with
//! `std::fs::read_dir`, sends media files (and errors) into its worker
//! thread's [`Sink`], and either spawns a task per subdirectory or walks it
//! inline (see below). Tasks never wait for each other and inline descent
//! uses an explicit stack, so there is no recursion whatever the depth; the
//! driver waits for the scope, drops the pool and joins its threads.
//!
//! Memory and buffering:
//! * results: the bounded channel (two batches of 128 per thread) plus one
//!   partly filled batch per pool thread; a slow consumer blocks the pool
//!   threads instead of growing memory;
//! * work: a subdirectory becomes a rayon job (path + ancestor link) only
//!   while fewer than 32 jobs per thread wait; otherwise the task walks it
//!   inline, depth-first, on a local stack of open directories (at most 16,
//!   and at most its share of the fd budget, after which it spawns anyway).
//!   So pending work is bounded, not proportional to the tree's width;
//! * at most `max_local` open directories per pool thread.
//!
//! Dropping the stream sets the stop flag: running tasks return at their next
//! entry (or when their blocked `send` fails), queued tasks return at once.
//! In `follow_symlinks` mode each task carries an [`Ancestors`] chain (shared
//! tails) for loop detection by device and inode.

use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use super::common::{
    build_pool, child_path, classify, depth_ok, spawn_error, Ancestors, Root, Step,
};
use super::stream::{Driven, Sink};
use crate::{EntryKind, MediaEntry, ScanError, ScanOptions};

/// The strategy: [`drive`] on a driver thread.
pub(crate) static WALKER: Driven = Driven {
    name: "anivault-rayon",
    drive,
};

/// Pending tasks allowed per pool thread before subdirectories are walked
/// inline (enough to keep every thread fed; each is a path and a job).
const PENDING_PER_THREAD: usize = 32;

/// What every task shares.
struct Ctx {
    opts: ScanOptions,
    root_dev: u64,
    stop: Arc<AtomicBool>,
    /// One sink per pool thread (indexed by the rayon thread index): batches
    /// fill across directories without contention.
    sinks: Vec<Mutex<Sink>>,
    /// Tasks spawned but not started.
    pending: AtomicUsize,
    /// Spawn a subdirectory as a task only below this many pending tasks.
    max_pending: usize,
    /// Open directories one task may hold (its inline depth).
    max_local: usize,
}

/// One directory to read.
struct Task {
    dir: PathBuf,
    depth: usize,
    ancestors: Option<Arc<Ancestors>>,
}

fn drive(root: Root, opts: ScanOptions, threads: usize, mut sink: Sink) {
    let (pool, handles) = match build_pool(threads, "anivault-rayon") {
        Ok(p) => p,
        Err(e) => {
            sink.push(Err(spawn_error(root.path, e)));
            return;
        }
    };
    let ancestors = opts.get_follow_symlinks().then(|| {
        Arc::new(Ancestors {
            id: (root.dev, root.ino),
            path: root.path.clone(),
            parent: None,
        })
    });
    let ctx = Ctx {
        root_dev: root.dev,
        stop: sink.stop_flag(),
        sinks: (0..threads.max(1))
            .map(|_| Mutex::new(sink.clone()))
            .collect(),
        // The root task is pending until it starts.
        pending: AtomicUsize::new(1),
        max_pending: crate::plant::queue(PENDING_PER_THREAD * threads.max(1)),
        // Each thread's share of the fd budget, at most 16 levels inline.
        max_local: (opts.get_fd_budget() / threads.max(1)).clamp(1, 16),
        opts,
    };
    let task = Task {
        dir: root.path,
        depth: 0,
        ancestors,
    };
    let ctx = &ctx;
    let result = catch_unwind(AssertUnwindSafe(|| {
        pool.scope(|s| s.spawn(move |s| read_dir_task(s, ctx, task)))
    }));
    drop(pool);
    for h in handles {
        let _ = h.join();
    }
    if let Err(panic) = result {
        // Reported by the channel as `ErrorCause::WorkerPanicked`.
        resume_unwind(panic);
    }
}

/// One directory being read inline by a task.
struct Frame {
    rd: fs::ReadDir,
    task: Task,
}

/// Reads one directory, and the subdirectories it does not hand out,
/// depth-first on a local stack of open directories: a subdirectory becomes
/// a new rayon task only while fewer than [`Ctx::max_pending`] tasks wait
/// (or when the local stack is [`Ctx::max_local`] deep), so pending work —
/// and memory — stays bounded however wide the tree.
fn read_dir_task<'s>(s: &rayon_core::Scope<'s>, ctx: &'s Ctx, task: Task) {
    ctx.pending.fetch_sub(1, Ordering::Relaxed);
    if ctx.stop.load(Ordering::Relaxed) {
        return;
    }
    let idx = rayon_core::current_thread_index().unwrap_or(0) % ctx.sinks.len();
    // Only this pool thread uses this sink, and a task never waits inside
    // rayon while holding it, so the lock is never contended.
    let mut sink = ctx.sinks[idx]
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let mut stack: Vec<Frame> = Vec::new();
    match fs::read_dir(&task.dir) {
        Ok(rd) => stack.push(Frame { rd, task }),
        Err(e) => {
            sink.push(Err(ScanError::io(task.dir, task.depth, e)));
            return;
        }
    }
    let opts = &ctx.opts;
    while let Some(top) = stack.len().checked_sub(1) {
        if sink.stopped() {
            return;
        }
        let Some(r) = stack[top].rd.next() else {
            stack.pop();
            continue;
        };
        let frame = &stack[top];
        let depth = frame.task.depth + 1;
        let (name, ft) = match r.and_then(|de| Ok((de.file_name(), de.file_type()?))) {
            Ok(x) => x,
            Err(e) => {
                if !sink.push(Err(ScanError::io(
                    frame.task.dir.clone(),
                    frame.task.depth,
                    e,
                ))) {
                    return;
                }
                continue;
            }
        };
        let dir = frame.task.dir.as_os_str().as_bytes();
        let name = name.as_bytes();
        if ft.is_file() {
            if depth_ok(opts, depth)
                && opts.is_media_name(name)
                && !sink.push(Ok(MediaEntry::new(
                    child_path(dir, name),
                    depth,
                    EntryKind::File,
                )))
            {
                return;
            }
            continue;
        }
        let wanted = ft.is_dir() || (ft.is_symlink() && opts.get_follow_symlinks());
        if !wanted {
            continue;
        }
        let path = child_path(dir, name);
        let item = match classify(
            opts,
            ctx.root_dev,
            &path,
            ft,
            depth,
            frame.task.ancestors.as_deref(),
        ) {
            Step::Skip => continue,
            Step::File(kind) => {
                if !(depth_ok(opts, depth) && opts.is_media_name(name)) {
                    continue;
                }
                Ok(MediaEntry::new(path, depth, kind))
            }
            Step::Error(e) => Err(e),
            Step::Dir(id) => {
                let ancestors = match (id, &frame.task.ancestors) {
                    (Some(id), Some(parent)) => Some(Arc::new(Ancestors {
                        id,
                        path: path.clone(),
                        parent: Some(Arc::clone(parent)),
                    })),
                    _ => None,
                };
                let child = Task {
                    dir: path,
                    depth,
                    ancestors,
                };
                if ctx.pending.load(Ordering::Relaxed) < ctx.max_pending
                    || stack.len() >= ctx.max_local
                {
                    ctx.pending.fetch_add(1, Ordering::Relaxed);
                    s.spawn(move |s| read_dir_task(s, ctx, child));
                    continue;
                }
                match fs::read_dir(&child.dir) {
                    Ok(rd) => {
                        stack.push(Frame { rd, task: child });
                        continue;
                    }
                    Err(e) => Err(ScanError::io(child.dir, child.depth, e)),
                }
            }
        };
        if !sink.push(item) {
            return;
        }
    }
}
