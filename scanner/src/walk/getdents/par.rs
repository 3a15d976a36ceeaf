//! `getdents-par`: the [`getdents`](super) engine on every core.
//!
//! Each worker walks depth-first on its own stack of open directories (so its
//! memory is proportional to depth, as in `getdents`). Work is shared by
//! hand-off, not by a global queue of pending paths: when a worker opens a
//! subdirectory while another worker is idle, it gives that open directory
//! (its fd, path and, with `follow_symlinks`, its ancestor chain) to the queue
//! instead of descending itself, as long as fewer than four directories per
//! worker are queued. The shared queue therefore never holds more than
//! `4 × workers` directories, and memory does not grow with the width of
//! the tree. Results reach the consumer through the
//! bounded batch channel of [`stream`](crate::walk::stream); dropping the scan
//! stops and joins every worker.
//!
//! [`par_for_each`] runs the same workers without the channel: each one
//! lends the files it lists to the caller's function with its own state
//! (the calling thread is a worker too), so on a 2-core machine two
//! threads walk and nothing waits on a consumer. On tmpfs anime-100k that
//! took `anivault-bench scan` from 1,115 context switches and 1.57 cores
//! busy to 11 and 1.66, user time from 9.5 ms to 3.8, and the wall time
//! from 1.3x the 2-thread floor to about the floor (issue 12).

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use super::engine::{Dfs, Share, Task};
use crate::walk::common::{deliver, spawn_error, EntryIter, Item, Lend, ParFn, Root, Walker};
use crate::walk::stream::{channel, ChannelIter, Sink};
use crate::{EntryKind, EntryRef, ErrorCause, ScanError, ScanOptions};

pub(crate) struct GetdentsParWalker;

/// Queued directories per worker (see `Pool::depth`).
const QUEUED_PER_WORKER: usize = 4;
/// Spin iterations of an idle worker before it yields its core. Short: a
/// `pause` costs from 10 to 140 cycles depending on the CPU, and 2,000 of
/// them (the old value) kept an idle worker on a core for up to ~100 µs,
/// taken from the walker or the consumer on a 2-core machine.
const SPINS: usize = 64;
/// `sched_yield` rounds of an idle worker before it sleeps on the condition
/// variable: the core goes to any runnable thread (the consumer, the other
/// walker) while the worker stays ready to take the next directory.
const YIELDS: usize = 8;

impl Walker for GetdentsParWalker {
    fn walk(&self, root: Root, opts: &ScanOptions) -> EntryIter {
        match start(root, opts) {
            Ok(iter) => Box::new(iter),
            Err(e) => Box::new(std::iter::once(Err(e))),
        }
    }
}

/// [`ScanOptions::for_each`](crate::ScanOptions::for_each) on
/// `getdents-par`: the files reach `f` on the calling thread borrowed from
/// the batches (no allocation per file).
pub(crate) fn for_each(root: Root, opts: &ScanOptions, f: &mut Lend<'_>) {
    match start(root, opts) {
        Ok(mut iter) => iter.lend_all(f),
        Err(e) => {
            let _ = f(Err(e));
        }
    }
}

/// [`ScanOptions::par_for_each`](crate::ScanOptions::par_for_each) on
/// `getdents-par`: no channel and no consumer; each worker gives the files
/// it finds to `f` with its own state, borrowed from its walk (nothing is
/// allocated per file, nothing is handed between threads but directories).
/// The calling thread is one of the workers. The states come back in no
/// particular order; a worker that panicked (a bug, or `f` panicking)
/// becomes a [`WorkerPanicked`](crate::ErrorCause::WorkerPanicked) error
/// given to the calling thread's state, and its own state is lost.
pub(crate) fn par_for_each<S: Send>(
    root: Root,
    opts: &ScanOptions,
    init: &(dyn Fn() -> S + Sync),
    f: &ParFn<'_, S>,
) -> Vec<S> {
    let setup = Setup::new(opts);
    let first = match Dfs::open_root(&root, opts, setup.budget) {
        Ok(dfs) => dfs,
        Err(e) => {
            let mut state = init();
            let _ = f(&mut state, Err(e));
            return vec![state];
        }
    };
    let stop = Arc::new(AtomicBool::new(false));
    let pool = setup.pool(opts, Arc::clone(&stop));
    let dev = root.dev;
    let direct = |start: Option<Dfs>| {
        let mut out = Direct {
            state: init(),
            f,
            stop: &stop,
        };
        worker(&pool, &mut out, start, opts, dev, setup.budget);
        out.state
    };
    std::thread::scope(|scope| {
        let handles: Vec<_> = (1..setup.threads)
            .filter_map(|i| {
                let spawned = std::thread::Builder::new()
                    .name(format!("getdents-par-{i}"))
                    .spawn_scoped(scope, || direct(None));
                // Fewer threads than asked: the others do the work.
                spawned.map_err(|_| pool.shrink()).ok()
            })
            .collect();
        let mut states = vec![direct(Some(first))];
        for h in handles {
            match h.join() {
                Ok(state) => states.push(state),
                Err(_) => {
                    let e = ScanError::new(root.path.clone(), 0, ErrorCause::WorkerPanicked);
                    let _ = f(&mut states[0], Err(e));
                }
            }
        }
        states
    })
}

/// Thread count, fd budget per worker and queue depth of one walk.
struct Setup {
    threads: usize,
    budget: usize,
    depth: usize,
}

impl Setup {
    fn new(opts: &ScanOptions) -> Setup {
        let threads = opts.get_threads().max(1);
        // Each worker gets a share of the budget; the queue holds at most
        // one fd per idle worker on top.
        let total = opts.get_fd_budget();
        let budget = (total / (threads + 1)).max(2);
        // Directories queued for idle workers (each holds an open fd): a few
        // per worker, so a worker that finishes a small directory finds the
        // next one without waiting for a walker to open it; within the
        // budget share left over by the workers.
        let depth = crate::plant::queue(QUEUED_PER_WORKER * threads)
            .min(total / (threads + 1))
            .max(1);
        Setup {
            threads,
            budget,
            depth,
        }
    }

    fn pool(&self, opts: &ScanOptions, stop: Arc<AtomicBool>) -> Pool {
        Pool {
            state: Mutex::new(State {
                tasks: Vec::new(),
                idle: 0,
                done: false,
            }),
            cv: Condvar::new(),
            idle: AtomicUsize::new(0),
            queued: AtomicUsize::new(0),
            threads: self.threads,
            depth: self.depth,
            // Only for an explicit count above the cores (the default is
            // the cores): the walk is then taken to be latency-bound.
            defer_open: opts.threads > 0 && self.threads > crate::available_cores(),
            stop,
        }
    }
}

/// Opens the root and starts the workers; the consuming side of their
/// channel.
fn start(root: Root, opts: &ScanOptions) -> Result<ChannelIter, ScanError> {
    let setup = Setup::new(opts);
    let first = Dfs::open_root(&root, opts, setup.budget)?;
    let (sink, mut iter) = channel(setup.threads, root.path.clone());
    let pool = Arc::new(setup.pool(opts, sink.stop_flag()));
    let mut first = Some(first);
    for i in 0..setup.threads {
        let worker_pool = Arc::clone(&pool);
        let mut sink = sink.clone();
        let opts = opts.clone();
        let start = first.take();
        let (dev, budget) = (root.dev, setup.budget);
        let spawned = std::thread::Builder::new()
            .name(format!("getdents-par-{i}"))
            .spawn(move || worker(&worker_pool, &mut sink, start, &opts, dev, budget));
        match spawned {
            Ok(h) => iter.add_thread(h),
            // Fewer threads than asked: the others do the work.
            Err(_) if i > 0 => pool.shrink(),
            Err(e) => return Err(spawn_error(root.path, e)),
        }
    }
    drop(sink);
    Ok(iter)
}

struct State {
    tasks: Vec<Task>,
    idle: usize,
    done: bool,
}

struct Pool {
    state: Mutex<State>,
    cv: Condvar,
    /// Mirror of `state.idle` for the lock-free check on the hot path.
    idle: AtomicUsize,
    /// Mirror of `state.tasks.len()`.
    queued: AtomicUsize,
    threads: usize,
    /// Most directories queued at once.
    depth: usize,
    /// Hand subdirectories over unopened (more workers than cores).
    defer_open: bool,
    stop: Arc<AtomicBool>,
}

impl Pool {
    /// A thread failed to start: count it as permanently idle.
    fn shrink(&self) {
        let mut st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        st.idle += 1;
        self.idle.store(st.idle, Ordering::Relaxed);
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// The next directory to walk, or `None` when the walk is over.
    fn take(&self) -> Option<Task> {
        // Wait briefly before sleeping: directories are small and the next
        // one usually arrives within microseconds; a futex sleep and wake
        // per directory would cost more than walking it. Mostly yielding,
        // not spinning, so the wait does not take a core from a thread
        // that has work.
        'wait: for round in 0..=YIELDS {
            for _ in 0..SPINS {
                if self.queued.load(Ordering::Relaxed) > 0 || self.stopped() {
                    break 'wait;
                }
                std::hint::spin_loop();
            }
            if round < YIELDS {
                std::thread::yield_now();
            }
        }
        let mut st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if st.done || self.stopped() {
                st.done = true;
                self.cv.notify_all();
                return None;
            }
            if let Some(t) = st.tasks.pop() {
                self.queued.store(st.tasks.len(), Ordering::Relaxed);
                return Some(t);
            }
            st.idle += 1;
            self.idle.store(st.idle, Ordering::Relaxed);
            if st.idle >= self.threads {
                // Nobody is walking and nothing is queued: finished.
                st.done = true;
                self.cv.notify_all();
                return None;
            }
            st = self
                .cv
                .wait_timeout(st, Duration::from_millis(50))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
            st.idle -= 1;
            self.idle.store(st.idle, Ordering::Relaxed);
        }
    }
}

impl Share for Pool {
    /// Keeps up to one directory per worker queued, so a worker that
    /// finishes finds work at once; beyond that, walkers descend themselves.
    #[inline]
    fn hungry(&self) -> bool {
        self.queued.load(Ordering::Relaxed) < self.depth
    }

    /// More workers than cores: see [`Share::defer_open`].
    #[inline]
    fn defer_open(&self) -> bool {
        self.defer_open
    }

    fn give(&self, task: Task) {
        let mut st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        st.tasks.push(task);
        self.queued.store(st.tasks.len(), Ordering::Relaxed);
        // A worker counts itself idle under this lock before it waits, so
        // with none idle nobody sleeps on the condition variable: no wake-up
        // to send (std's notify_one is a futex system call every time). A
        // worker still spinning or yielding sees `queued` without one.
        let sleeping = st.idle > 0;
        drop(st);
        if sleeping {
            self.cv.notify_one();
        }
    }
}

/// Where a worker puts what it finds: the batch channel to the consumer
/// ([`Sink`]) or the caller's function ([`Direct`]). Each `false` means the
/// walk is to stop.
trait Output {
    /// A regular file that matches: `dir/name`.
    fn file(&mut self, dir: &[u8], name: &[u8], depth: usize) -> bool;
    /// Any other result (an error, a link to a file, ...).
    fn item(&mut self, item: Item) -> bool;
    /// The end of a directory taken from the queue.
    fn flush(&mut self) -> bool;
}

impl Output for Sink {
    #[inline]
    fn file(&mut self, dir: &[u8], name: &[u8], depth: usize) -> bool {
        self.push_file(dir, name, depth, EntryKind::File)
    }
    fn item(&mut self, item: Item) -> bool {
        self.push(item)
    }
    fn flush(&mut self) -> bool {
        Sink::flush(self)
    }
}

/// The caller's function and this worker's state (`par_for_each`).
struct Direct<'a, 'f, S> {
    state: S,
    f: &'a ParFn<'f, S>,
    stop: &'a AtomicBool,
}

impl<S> Output for Direct<'_, '_, S> {
    #[inline]
    fn file(&mut self, dir: &[u8], name: &[u8], depth: usize) -> bool {
        crate::plant::on_media_entry();
        let entry = EntryRef::new(dir, name, depth, EntryKind::File);
        let flow = (self.f)(&mut self.state, Ok(entry));
        self.go_on(flow)
    }
    fn item(&mut self, item: Item) -> bool {
        let f = self.f;
        let state = &mut self.state;
        let flow = deliver(item, &mut |r| f(state, r));
        self.go_on(flow)
    }
    fn flush(&mut self) -> bool {
        !self.stop.load(Ordering::Relaxed)
    }
}

impl<S> Direct<'_, '_, S> {
    /// After a call of the function: a `Break` stops every worker at once
    /// (each checks at its next file); `false` when this one is to stop.
    #[inline]
    fn go_on(&self, flow: ControlFlow<()>) -> bool {
        if flow.is_break() {
            self.stop.store(true, Ordering::Relaxed);
            return false;
        }
        !self.stop.load(Ordering::Relaxed)
    }
}

/// Stops the walk when a worker unwinds (a panic in the walk or in the
/// caller's function), so that the others do not wait for it forever.
struct StopOnUnwind<'a>(&'a Pool);

impl Drop for StopOnUnwind<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.stop.store(true, Ordering::Relaxed);
            self.0.cv.notify_all();
        }
    }
}

fn worker(
    pool: &Pool,
    out: &mut impl Output,
    start: Option<Dfs>,
    opts: &ScanOptions,
    root_dev: u64,
    budget: usize,
) {
    let _unwind = StopOnUnwind(pool);
    // One engine per worker for the whole walk: each directory taken from
    // the queue restarts it, reusing its buffers.
    let mut engine: Option<Dfs> = start;
    let mut fresh = engine.is_some();
    loop {
        if !fresh {
            let Some(task) = pool.take() else { return };
            let task = match task.open() {
                Ok(t) => t,
                // Gone since its parent was listed: reported, walk on.
                Err(e) => {
                    if !out.item(Err(e)) {
                        pool.stop.store(true, Ordering::Relaxed);
                        pool.cv.notify_all();
                        return;
                    }
                    continue;
                }
            };
            match engine.as_mut() {
                Some(dfs) => dfs.restart(task),
                None => engine = Some(Dfs::from_task(task, opts, root_dev, budget)),
            }
        }
        fresh = false;
        let Some(dfs) = engine.as_mut() else { return };
        // Matching regular files go out by name (their paths packed into
        // a batch, or lent to the caller's function: no allocation per
        // file); anything else comes out owned.
        let mut open = true;
        loop {
            let mut file = |dir: &[u8], name: &[u8], depth: usize| {
                open = out.file(dir, name, depth);
                open
            };
            let next = dfs.next_with(Some(pool), Some(&mut file));
            let (true, Some(item)) = (open, next) else {
                break;
            };
            if !out.item(item) {
                open = false;
                break;
            }
        }
        if !open {
            pool.stop.store(true, Ordering::Relaxed);
            pool.cv.notify_all();
            return;
        }
        if !out.flush() {
            pool.cv.notify_all();
            return;
        }
    }
}
