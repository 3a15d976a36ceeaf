//! [`ScanParsePool`]: scan a root and parse every media file's release name
//! on every core, in bounded memory.
//!
//! ```text
//! walker thread ──▶ bounded channel ──▶ N parse workers ──▶ bounded channel ──▶ consumer
//!   (any Strategy)   (queue_capacity       (anitomy-ng,        (queue_capacity     (the iterator)
//!                     batches)              catch_unwind)        batches)
//! ```
//!
//! Results travel in batches of `batch_size` (few channel operations per
//! file). Both channels are bounded, so a slow consumer stalls the workers,
//! which stall the walker: at most [`ScanParsePool::max_in_flight`] results
//! exist at once, however large the tree. Dropping the iterator stops the
//! walker and the workers and joins them.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use crossbeam_channel::{Receiver, Sender};

use crate::parse::Parser;
use crate::plant;
use crate::walk::stream::Batches;
use crate::walk::Item;
use crate::{ErrorCause, MediaEntry, ParsedMedia, ScanError, ScanOptions};

/// What a [`ScanParsePool`] yields.
type Parsed = Result<ParsedMedia, ScanError>;

/// A hook run on every entry just before it is parsed (tests use it to
/// force a panic or to slow the parse down).
type Inspect = Arc<dyn Fn(&MediaEntry) + Send + Sync>;

/// A bounded parallel pipeline that scans a root with any
/// [`Strategy`](crate::Strategy) and parses the release name of every media
/// file found (see [`ParsedMedia`] for the fields and how they are found).
///
/// One walker thread runs the scan and sends its results in batches of
/// [`batch_size`](Self::batch_size) through a channel of
/// [`queue_capacity`](Self::queue_capacity) batches to
/// [`workers`](Self::workers) parse threads, which send the parsed batches
/// through a second channel of the same capacity to the iterator
/// [`run`](Self::run) returns.
///
/// * **Order**: results come in no particular order by default (each worker
///   sends a batch as soon as it is parsed). [`ordered(true)`](Self::ordered)
///   gives the walker's own order (batches are dealt to the workers in turn
///   and read back in turn), at some cost in balance between workers.
/// * **Memory**: a slow consumer stalls the walker, so at most
///   [`max_in_flight`](Self::max_in_flight) results are alive at once, the
///   same for a thousand files or a million. With the defaults (16 batches,
///   64 results a batch) on 2 workers that is 2,304 results. A result is
///   232 bytes plus its path and parsed strings: the whole process peaked
///   at about 1.1 MiB of heap on 50k- and 100k-file anime trees with a
///   consumer sleeping 1 µs a file (walker, channels and parser included).
///   The bound stays under 8 MiB as long as the average result (its path
///   included) stays under 3.5 KiB. The strategy's own buffers come on top
///   (a few hundred entries for the parallel strategies, none for
///   `getdents` and `std`).
/// * **Errors**: walk errors come through as items; a parse that panics
///   becomes an item with [`ErrorCause::ParsePanicked`] for that file (the
///   panic message is also printed by the process's panic hook, as for any
///   panic) and the rest goes on.
/// * **Stopping**: dropping the iterator early stops the walker and the
///   workers promptly and joins them; no thread outlives it.
///
/// # Example
///
/// ```
/// use anivault_scanner::{Episode, ScanParsePool};
/// let dir = tempfile::tempdir().unwrap();
/// let show = dir.path().join("Frieren/Season 01");
/// std::fs::create_dir_all(&show).unwrap();
/// std::fs::write(show.join("S01E05.mkv"), b"").unwrap();
/// std::fs::write(
///     dir.path().join("[SubsPlease] Sousou no Frieren - 06 (1080p) [A1B2C3D4].mkv"),
///     b"",
/// ).unwrap();
///
/// let mut found: Vec<_> = ScanParsePool::new(dir.path())
///     .workers(2)
///     .run()
///     .collect::<Result<_, _>>()
///     .unwrap();
/// found.sort_by(|a, b| a.episode.as_ref().map(Episode::first).cmp(&b.episode.as_ref().map(Episode::first)));
/// assert_eq!(found.len(), 2);
/// assert_eq!(found[0].title.as_deref(), Some("Frieren")); // from the folder
/// assert_eq!(found[0].season.as_deref(), Some("01"));
/// assert_eq!(found[1].title.as_deref(), Some("Sousou no Frieren"));
/// assert_eq!(found[1].checksum, Some(0xA1B2C3D4));
/// ```
#[derive(Clone)]
pub struct ScanParsePool {
    root: PathBuf,
    options: ScanOptions,
    workers: usize,
    queue_capacity: usize,
    batch_size: usize,
    ordered: bool,
    inspect: Option<Inspect>,
    probe: Option<Arc<InFlightProbe>>,
}

impl std::fmt::Debug for ScanParsePool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanParsePool")
            .field("root", &self.root)
            .field("options", &self.options)
            .field("workers", &self.workers)
            .field("queue_capacity", &self.queue_capacity)
            .field("batch_size", &self.batch_size)
            .field("ordered", &self.ordered)
            .finish_non_exhaustive()
    }
}

impl ScanParsePool {
    /// Default batches each channel holds.
    pub const DEFAULT_QUEUE_CAPACITY: usize = 16;
    /// Default results per batch.
    pub const DEFAULT_BATCH_SIZE: usize = 64;

    /// A pool over `root` with the default [`ScanOptions`], all cores,
    /// [`DEFAULT_QUEUE_CAPACITY`](Self::DEFAULT_QUEUE_CAPACITY) batches of
    /// [`DEFAULT_BATCH_SIZE`](Self::DEFAULT_BATCH_SIZE) results,
    /// unordered.
    ///
    /// ```
    /// use anivault_scanner::ScanParsePool;
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::write(dir.path().join("[Grp] Show - 01 [1080p].mkv"), b"").unwrap();
    /// let pool = ScanParsePool::new(dir.path());
    /// assert_eq!(pool.get_batch_size(), ScanParsePool::DEFAULT_BATCH_SIZE);
    /// let parsed: Vec<_> = pool.run().collect::<Result<_, _>>().unwrap();
    /// assert_eq!(parsed[0].title.as_deref(), Some("Show"));
    /// ```
    pub fn new(root: impl AsRef<Path>) -> Self {
        ScanParsePool {
            root: root.as_ref().to_path_buf(),
            options: ScanOptions::default(),
            workers: 0,
            queue_capacity: Self::DEFAULT_QUEUE_CAPACITY,
            batch_size: Self::DEFAULT_BATCH_SIZE,
            ordered: false,
            inspect: None,
            probe: None,
        }
    }

    setters! {
        /// How to scan: extensions, links, depth, strategy (any), and the
        /// strategy's own threads.
        ///
        /// ```
        /// use anivault_scanner::{ExtensionSet, ScanOptions, ScanParsePool, Strategy};
        /// let dir = tempfile::tempdir().unwrap();
        /// std::fs::write(dir.path().join("[Grp] Show - 01.mkv"), b"").unwrap();
        /// std::fs::write(dir.path().join("[Grp] Show - 01.ass"), b"").unwrap();
        /// let opts = ScanOptions::new().strategy(Strategy::Std).extensions(ExtensionSet::all_media());
        /// let pool = ScanParsePool::new(dir.path()).options(opts);
        /// assert_eq!(pool.get_options().get_strategy(), Strategy::Std);
        /// assert_eq!(pool.run().filter(|r| r.is_ok()).count(), 2); // the subtitle too
        /// ```
        options(options: ScanOptions);

        /// Parse threads; 0 (the default) means the number of available cores.
        ///
        /// ```
        /// let dir = tempfile::tempdir().unwrap();
        /// for i in 0..50 {
        ///     std::fs::write(dir.path().join(format!("[Grp] Show - {i:02}.mkv")), b"").unwrap();
        /// }
        /// let pool = anivault_scanner::ScanParsePool::new(dir.path()).workers(3);
        /// assert_eq!(pool.get_workers(), 3);
        /// let mut episodes: Vec<_> = pool
        ///     .run()
        ///     .map(|r| r.unwrap().episode.unwrap().first().to_string())
        ///     .collect();
        /// episodes.sort();
        /// assert_eq!(episodes.len(), 50);
        /// assert_eq!(episodes[0], "00");
        /// ```
        workers(n: usize);
    }

    /// Batches each of the two channels holds (at least 1; default
    /// [`DEFAULT_QUEUE_CAPACITY`](Self::DEFAULT_QUEUE_CAPACITY)).
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// for i in 0..100 {
    ///     std::fs::write(dir.path().join(format!("Show - {i:03}.mkv")), b"").unwrap();
    /// }
    /// let pool = anivault_scanner::ScanParsePool::new(dir.path())
    ///     .workers(2)
    ///     .batch_size(4)
    ///     .queue_capacity(4);
    /// assert_eq!(pool.get_queue_capacity(), 4);
    /// assert_eq!(pool.max_in_flight(), (2 * 4 + 2 + 2) * 4); // a small bound
    /// assert_eq!(pool.run().filter(|r| r.is_ok()).count(), 100); // and every file
    /// ```
    pub fn queue_capacity(mut self, batches: usize) -> Self {
        self.queue_capacity = batches.max(1);
        self
    }

    /// Results per batch (at least 1; default
    /// [`DEFAULT_BATCH_SIZE`](Self::DEFAULT_BATCH_SIZE)).
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// for i in 0..10 {
    ///     std::fs::write(dir.path().join(format!("Show - {i:02}.mkv")), b"").unwrap();
    /// }
    /// for n in [1, 3, 128] {
    ///     let pool = anivault_scanner::ScanParsePool::new(dir.path()).batch_size(n);
    ///     assert_eq!(pool.get_batch_size(), n);
    ///     assert_eq!(pool.run().filter(|r| r.is_ok()).count(), 10);
    /// }
    /// ```
    pub fn batch_size(mut self, n: usize) -> Self {
        self.batch_size = n.max(1);
        self
    }

    /// `true`: yield results in the walker's order (for tests and
    /// reproducible output). Default `false`: any order.
    ///
    /// ```
    /// use anivault_scanner::{ScanOptions, ScanParsePool};
    /// let dir = tempfile::tempdir().unwrap();
    /// for i in 0..300 { std::fs::write(dir.path().join(format!("Show - {i:03}.mkv")), b"").unwrap(); }
    /// let walk: Vec<_> = ScanOptions::new().scan(dir.path()).map(|r| r.unwrap().into_path()).collect();
    /// let pooled: Vec<_> = ScanParsePool::new(dir.path())
    ///     .ordered(true).workers(2).batch_size(7)
    ///     .run()
    ///     .map(|r| r.unwrap().entry.into_path())
    ///     .collect();
    /// assert_eq!(walk, pooled);
    /// ```
    pub fn ordered(mut self, yes: bool) -> Self {
        self.ordered = yes;
        self
    }

    /// Test hook: `f` runs on every entry just before it is parsed, inside
    /// the same `catch_unwind` (a panic in it is a parse panic).
    #[doc(hidden)]
    pub fn inspect(mut self, f: impl Fn(&MediaEntry) + Send + Sync + 'static) -> Self {
        self.inspect = Some(Arc::new(f));
        self
    }

    /// Test hook: counts the results alive in the pipeline (taken from the
    /// scan, not yet returned by the iterator) and their peak.
    #[doc(hidden)]
    pub fn probe(mut self, probe: Arc<InFlightProbe>) -> Self {
        self.probe = Some(probe);
        self
    }

    /// The root.
    ///
    /// ```
    /// let pool = anivault_scanner::ScanParsePool::new("/srv/anime");
    /// assert_eq!(pool.get_root(), std::path::Path::new("/srv/anime"));
    /// ```
    pub fn get_root(&self) -> &Path {
        &self.root
    }

    /// The scan options (see [`options`](Self::options) for an example).
    pub fn get_options(&self) -> &ScanOptions {
        &self.options
    }

    /// Parse threads in force: the option, or the available cores.
    ///
    /// ```
    /// let pool = anivault_scanner::ScanParsePool::new(".");
    /// assert!(pool.get_workers() >= 1); // 0 means all cores
    /// ```
    pub fn get_workers(&self) -> usize {
        if self.workers > 0 {
            self.workers
        } else {
            crate::available_cores()
        }
    }

    /// Batches per channel (see [`queue_capacity`](Self::queue_capacity)).
    pub fn get_queue_capacity(&self) -> usize {
        self.queue_capacity
    }

    /// Results per batch (see [`batch_size`](Self::batch_size)).
    pub fn get_batch_size(&self) -> usize {
        self.batch_size
    }

    /// Whether results come in the walker's order.
    ///
    /// ```
    /// let pool = anivault_scanner::ScanParsePool::new(".");
    /// assert!(!pool.get_ordered()); // any order unless asked
    /// assert!(pool.ordered(true).get_ordered());
    /// ```
    pub fn get_ordered(&self) -> bool {
        self.ordered
    }

    /// Batches one channel stage holds in all (in ordered mode each worker
    /// has its own channels of `queue_capacity / workers` batches, at
    /// least 1).
    fn stage_capacity(&self) -> usize {
        let n = self.get_workers();
        if self.ordered {
            n * per_worker_capacity(self.queue_capacity, n)
        } else {
            self.queue_capacity
        }
    }

    /// The most results alive at once in the pipeline, however large the
    /// tree: `(2 × queue_capacity + workers + 2) × batch_size`, that is both
    /// channels full, one batch in each worker's hands, the walker's batch
    /// being filled and the iterator's batch being drained. (In ordered
    /// mode with fewer batches than workers, each worker's channels hold one
    /// batch, so `queue_capacity` counts as `workers` there.)
    ///
    /// ```
    /// let pool = anivault_scanner::ScanParsePool::new(".")
    ///     .workers(2).queue_capacity(16).batch_size(64);
    /// assert_eq!(pool.max_in_flight(), (2 * 16 + 2 + 2) * 64);
    /// ```
    pub fn max_in_flight(&self) -> usize {
        (2 * self.stage_capacity() + self.get_workers() + 2) * self.batch_size
    }

    /// Starts the walker and the workers and returns the stream of results.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::write(dir.path().join("[Grp] Show - 03v2 [720p].mkv"), b"").unwrap();
    /// let p = anivault_scanner::ScanParsePool::new(dir.path()).run().next().unwrap().unwrap();
    /// assert_eq!(p.version, Some(2));
    /// ```
    pub fn run(self) -> ParsedScan {
        start(self)
    }
}

impl IntoIterator for ScanParsePool {
    type Item = Result<ParsedMedia, ScanError>;
    type IntoIter = ParsedScan;

    /// Same as [`ScanParsePool::run`].
    fn into_iter(self) -> ParsedScan {
        self.run()
    }
}

fn per_worker_capacity(capacity: usize, workers: usize) -> usize {
    (capacity / workers.max(1)).max(1)
}

/// Test hook: results alive in a pool and their peak (see
/// [`ScanParsePool::max_in_flight`]).
#[doc(hidden)]
#[derive(Debug, Default)]
pub struct InFlightProbe {
    current: AtomicUsize,
    peak: AtomicUsize,
}

impl InFlightProbe {
    /// A probe at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Results alive now.
    pub fn current(&self) -> usize {
        self.current.load(Ordering::SeqCst)
    }

    /// The most results alive at once so far.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }

    fn enter(&self) {
        let now = self.current.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
    }

    fn leave(&self) {
        self.current.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The stream of results of a [`ScanParsePool`]: an iterator of
/// `Result<ParsedMedia, ScanError>`.
///
/// Dropping it stops the walker and the workers and waits for them (no
/// thread outlives it).
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// for i in 0..500 { std::fs::write(dir.path().join(format!("Show - {i:03}.mkv")), b"").unwrap(); }
/// let mut stream = anivault_scanner::ScanParsePool::new(dir.path()).batch_size(8).run();
/// let first: Vec<_> = stream.by_ref().take(10).collect();
/// assert_eq!(first.len(), 10);
/// drop(stream); // the rest is never parsed; every thread is joined here
/// ```
pub struct ParsedScan {
    /// The parsed batches: one receiver (unordered) or one per worker, read
    /// in turn (ordered); the workers and the walker are its threads.
    out: Batches<ParsedMedia>,
    /// Errors met while starting, yielded first.
    startup: Vec<ScanError>,
    probe: Option<Arc<InFlightProbe>>,
}

impl std::fmt::Debug for ParsedScan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ParsedScan { .. }")
    }
}

impl Iterator for ParsedScan {
    type Item = Parsed;

    fn next(&mut self) -> Option<Parsed> {
        if let Some(e) = self.startup.pop() {
            return Some(Err(e));
        }
        let (item, batched) = self.out.next_item()?;
        if let (true, Some(p)) = (batched, &self.probe) {
            p.leave();
        }
        Some(item)
    }
}

/// Where the walker sends: one shared channel or one per worker, in turn.
struct Dispatch {
    txs: Vec<Sender<Vec<Item>>>,
    turn: usize,
}

impl Dispatch {
    /// `false` when nobody will read it.
    fn send(&mut self, batch: Vec<Item>) -> bool {
        let Some(tx) = self.txs.get(self.turn) else {
            return false;
        };
        self.turn = (self.turn + 1) % self.txs.len();
        tx.send(batch).is_ok()
    }
}

fn start(pool: ScanParsePool) -> ParsedScan {
    plant::check();
    let n = pool.get_workers();
    let b = pool.batch_size;
    let stop = Arc::new(AtomicBool::new(false));

    // Channels: one pair shared by every worker, or one pair per worker.
    let mut work_txs = Vec::new();
    let mut work_rxs = Vec::new();
    let mut out_txs = Vec::new();
    let mut out_rxs = Vec::new();
    if pool.ordered {
        let cap = per_worker_capacity(pool.queue_capacity, n);
        for _ in 0..n {
            let (wt, wr) = plant::channel(cap);
            let (ot, or) = plant::channel(cap);
            work_txs.push(wt);
            work_rxs.push(wr);
            out_txs.push(ot);
            out_rxs.push(or);
        }
    } else {
        let (wt, wr) = plant::channel(pool.queue_capacity);
        let (ot, or) = plant::channel(pool.queue_capacity);
        work_txs.push(wt);
        out_rxs.push(or);
        for _ in 0..n {
            work_rxs.push(wr.clone());
            out_txs.push(ot.clone());
        }
    }

    let mut scan = ParsedScan {
        out: Batches::new(out_rxs, Arc::clone(&stop), pool.root.clone()),
        startup: Vec::new(),
        probe: pool.probe.clone(),
    };
    scan.out.reserve_threads(n + 1);
    let mut spawned = 0;
    for (i, (rx, tx)) in work_rxs.into_iter().zip(out_txs).enumerate() {
        let stop = Arc::clone(&stop);
        let inspect = pool.inspect.clone();
        let r = thread::Builder::new()
            .name(format!("anivault-parse-{i}"))
            .spawn(move || worker(rx, tx, stop, inspect));
        match r {
            Ok(h) => {
                scan.out.add_thread(h);
                spawned += 1;
            }
            Err(e) => {
                scan.startup
                    .push(crate::walk::threads::spawn_error(&pool.root, e));
                break;
            }
        }
    }
    if spawned == 0 {
        scan.out.truncate(0);
        return scan;
    }
    if pool.ordered {
        // Workers that could not start get no batch and are not read.
        work_txs.truncate(spawned);
        scan.out.truncate(spawned);
    }

    let mut dispatch = Dispatch {
        txs: work_txs,
        turn: 0,
    };
    let root = pool.root.clone();
    let options = pool.options.clone();
    let probe = pool.probe.clone();
    let walker_stop = Arc::clone(&stop);
    let r = thread::Builder::new()
        .name("anivault-walk".into())
        .spawn(move || {
            let mut batch: Vec<Item> = Vec::with_capacity(b);
            for item in options.scan(&root) {
                if walker_stop.load(Ordering::Relaxed) {
                    return;
                }
                if let Some(p) = &probe {
                    p.enter();
                }
                batch.push(item);
                if batch.len() >= b {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(b));
                    if !dispatch.send(full) {
                        walker_stop.store(true, Ordering::Relaxed);
                        return;
                    }
                }
            }
            if !batch.is_empty() {
                dispatch.send(batch);
            }
        });
    match r {
        Ok(h) => scan.out.add_thread(h),
        // The workers see their channel closed (the closure and its senders
        // are dropped) and end.
        Err(e) => scan
            .startup
            .push(crate::walk::threads::spawn_error(&pool.root, e)),
    }
    scan
}

/// One parse worker: batches in, parsed batches out, until either side
/// closes.
fn worker(
    rx: Receiver<Vec<Item>>,
    tx: Sender<Vec<Parsed>>,
    stop: Arc<AtomicBool>,
    inspect: Option<Inspect>,
) {
    let mut parser = Parser::new();
    while let Ok(batch) = rx.recv() {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let out: Vec<Parsed> = batch
            .into_iter()
            .map(|item| item.and_then(|entry| parse_one(&mut parser, entry, inspect.as_ref())))
            .collect();
        if tx.send(out).is_err() {
            stop.store(true, Ordering::Relaxed);
            return;
        }
    }
}

/// Parses one entry; a panic becomes an error item for its path.
fn parse_one(parser: &mut Parser, entry: MediaEntry, inspect: Option<&Inspect>) -> Parsed {
    let r = catch_unwind(AssertUnwindSafe(|| {
        if let Some(f) = inspect {
            f(&entry);
        }
        parser.fields(&entry)
    }));
    match r {
        Ok(fields) => Ok(fields.into_media(entry)),
        Err(payload) => {
            parser.reset();
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic payload".into());
            let depth = entry.depth();
            Err(ScanError::new(
                entry.into_path(),
                depth,
                ErrorCause::ParsePanicked(message),
            ))
        }
    }
}
