//! The bounded batch stream between producer threads and the consumer,
//! shared by the parallel strategies and by `ScanParsePool` (feature
//! `parse`): results travel in small batches
//! (fewer channel operations), each channel holds a few batches (a slow
//! consumer stalls the producers instead of growing memory), and dropping
//! the consumer side ([`Batches`]) stops and joins every producer thread.
//!
//! [`Batches`] reads one channel, or several in turn (the pool's ordered
//! mode); [`Sink`] is the producing side of the walkers, a batch of
//! [`BATCH`] results filled in place; [`Driven`] is a strategy whose walk
//! is one blocking call on a driver thread feeding a `Sink` (rayon, jwalk,
//! ignore).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use crossbeam_channel::Receiver;
#[cfg(walker_sink)]
use crossbeam_channel::Sender;

#[cfg(driver_thread)]
use super::common::spawn_error;
#[cfg(walker_sink)]
use super::common::Item;
#[cfg(driver_thread)]
use super::common::{worker_threads, EntryIter, Root, Walker};
use crate::{ErrorCause, ScanError};

// The walkers' side (Sink, channel, spawn_driver) is compiled with the
// parallel strategies; `Batches` also with the pool.

/// Results per batch of a walker's [`Sink`].
#[cfg(walker_sink)]
pub(crate) const BATCH: usize = 128;

/// The producing side; each walker thread owns a clone.
#[cfg(walker_sink)]
pub(crate) struct Sink {
    tx: Sender<Vec<Item>>,
    buf: Vec<Item>,
    stop: Arc<AtomicBool>,
}

#[cfg(walker_sink)]
impl Sink {
    /// Queues one result; `false` means the consumer is gone: stop walking.
    #[inline]
    pub fn push(&mut self, item: Item) -> bool {
        if self.buf.capacity() == 0 {
            self.buf.reserve_exact(BATCH);
        }
        self.buf.push(item);
        if self.buf.len() >= BATCH {
            return self.flush();
        }
        true
    }

    /// Sends what is queued; `false` when the consumer is gone.
    pub fn flush(&mut self) -> bool {
        if self.buf.is_empty() {
            return !self.stopped();
        }
        let batch = std::mem::take(&mut self.buf);
        if self.tx.send(batch).is_err() {
            self.stop.store(true, Ordering::Relaxed);
            return false;
        }
        !self.stopped()
    }

    /// True once the consumer dropped the stream.
    #[inline]
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Sends `item` and tells the consumer to stop waiting for this walk:
    /// for a crate's walk that a thread refused by the system may leave
    /// waiting forever (ignore's `WalkParallel`). The consumer yields what
    /// came before, then `item`, then ends without joining the walker
    /// threads (they end when they can, or never).
    #[cfg(feature = "compare-walkers")]
    pub fn abandon(&mut self, item: Item) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.flush();
        // An empty batch is never sent otherwise: it is the end marker.
        if self.tx.send(vec![item]).is_ok() {
            let _ = self.tx.send(Vec::new());
        }
    }

    /// The stop flag, for walkers that poll it elsewhere.
    #[cfg(any(feature = "rayon", feature = "getdents-par"))]
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.stop)
    }
}

#[cfg(walker_sink)]
impl Clone for Sink {
    fn clone(&self) -> Self {
        Sink {
            tx: self.tx.clone(),
            buf: Vec::new(),
            stop: Arc::clone(&self.stop),
        }
    }
}

#[cfg(walker_sink)]
impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// The consuming side: an iterator over the results of the batches that
/// arrive on `rxs` (read in turn), `Result<T, ScanError>` each.
pub(crate) struct Batches<T> {
    rxs: Vec<Receiver<Vec<Result<T, ScanError>>>>,
    /// The receiver to read next.
    turn: usize,
    cur: std::vec::IntoIter<Result<T, ScanError>>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    root: PathBuf,
}

/// The consuming side of a walk.
#[cfg(walker_sink)]
pub(crate) type ChannelIter = Batches<crate::MediaEntry>;

/// A channel holding `batches_per_thread * threads` batches.
#[cfg(walker_sink)]
pub(crate) fn channel(threads: usize, root: PathBuf) -> (Sink, ChannelIter) {
    let (tx, rx) = crate::plant::channel(threads.max(1) * 2);
    let stop = Arc::new(AtomicBool::new(false));
    (
        Sink {
            tx,
            buf: Vec::new(),
            stop: Arc::clone(&stop),
        },
        Batches::new(vec![rx], stop, root),
    )
}

impl<T> Batches<T> {
    /// The stream of the batches arriving on `rxs`, read in turn; `stop`
    /// is set when it ends or is dropped; a thread that panicked becomes a
    /// [`ErrorCause::WorkerPanicked`] error for `root`.
    pub fn new(
        rxs: Vec<Receiver<Vec<Result<T, ScanError>>>>,
        stop: Arc<AtomicBool>,
        root: PathBuf,
    ) -> Self {
        Batches {
            rxs,
            turn: 0,
            cur: Vec::new().into_iter(),
            stop,
            threads: Vec::new(),
            root,
        }
    }

    /// Room for `n` producer threads (one allocation up front).
    #[cfg(feature = "parse")]
    pub fn reserve_threads(&mut self, n: usize) {
        self.threads.reserve_exact(n);
    }

    /// Registers a producer thread to join when the stream ends or is dropped.
    pub fn add_thread(&mut self, h: JoinHandle<()>) {
        self.threads.push(h);
    }

    /// Stops reading the receivers after the first `n` (threads that could
    /// not start send nothing).
    #[cfg(feature = "parse")]
    pub fn truncate(&mut self, n: usize) {
        self.rxs.truncate(n);
    }

    /// Joins the threads; a panicked one becomes an error item, not silence.
    fn join_all(&mut self) -> Option<Result<T, ScanError>> {
        let mut panicked = false;
        for h in self.threads.drain(..) {
            panicked |= h.join().is_err();
        }
        panicked.then(|| {
            Err(ScanError::new(
                self.root.clone(),
                0,
                ErrorCause::WorkerPanicked,
            ))
        })
    }

    /// The next result, and whether it came out of a batch (`false` for
    /// the error of a panicked thread, which no producer sent).
    pub fn next_item(&mut self) -> Option<(Result<T, ScanError>, bool)> {
        loop {
            if let Some(item) = self.cur.next() {
                return Some((item, true));
            }
            let rx = self.rxs.get(self.turn)?;
            match rx.recv() {
                Ok(batch) if batch.is_empty() => {
                    // `Sink::abandon`: the walk may never end; detach it.
                    self.stop.store(true, Ordering::Relaxed);
                    self.rxs.clear();
                    self.threads.clear();
                    return None;
                }
                Ok(batch) => {
                    self.cur = batch.into_iter();
                    self.turn = (self.turn + 1) % self.rxs.len();
                }
                Err(_) => {
                    // Every sender of this channel is gone: with one
                    // channel all producers are done; with several read in
                    // turn, the producer whose turn it is has no next
                    // batch, so none has.
                    self.rxs.clear();
                    self.turn = 0;
                    return self.join_all().map(|e| (e, false));
                }
            }
        }
    }
}

impl<T> Iterator for Batches<T> {
    type Item = Result<T, ScanError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.next_item().map(|(item, _)| item)
    }
}

impl<T> Drop for Batches<T> {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Dropping the receivers makes every blocked `send` fail at once.
        self.rxs.clear();
        let _ = self.join_all();
    }
}

/// Runs `drive(root, opts, threads, sink)` on a named driver thread feeding
/// a fresh channel, and returns the consuming side: the shape of every
/// strategy whose walker is a blocking call (jwalk, ignore, rayon).
#[cfg(driver_thread)]
pub(crate) fn spawn_driver(
    name: &str,
    root: Root,
    opts: &crate::ScanOptions,
    threads: usize,
    drive: fn(Root, crate::ScanOptions, usize, Sink),
) -> EntryIter {
    let (sink, mut iter) = channel(threads, root.path.clone());
    let root_path = root.path.clone();
    let opts = opts.clone();
    let spawned = std::thread::Builder::new()
        .name(name.into())
        .spawn(move || drive(root, opts, threads, sink));
    match spawned {
        Ok(h) => iter.add_thread(h),
        Err(e) => return Box::new(std::iter::once(Err(spawn_error(root_path, e)))),
    }
    Box::new(iter)
}

/// A strategy whose walk is one blocking call (jwalk, ignore, rayon):
/// [`spawn_driver`] runs `drive` on a thread named `name` with the
/// strategy's [`worker_threads`].
#[cfg(driver_thread)]
pub(crate) struct Driven {
    /// The driver thread's name.
    pub name: &'static str,
    /// The walk: feeds the sink until the tree is walked or the sink stops.
    pub drive: fn(Root, crate::ScanOptions, usize, Sink),
}

#[cfg(driver_thread)]
impl Walker for Driven {
    fn walk(&self, root: Root, opts: &crate::ScanOptions) -> EntryIter {
        spawn_driver(self.name, root, opts, worker_threads(opts), self.drive)
    }
}

#[cfg(all(test, feature = "compare-walkers"))]
mod tests {
    use super::*;
    use crate::{EntryKind, MediaEntry};

    #[test]
    fn abandon_ends_the_stream_without_waiting_for_the_walker() {
        let (mut sink, mut iter) = channel(1, "/root".into());
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let h = std::thread::spawn(move || {
            sink.push(Ok(MediaEntry::new(
                "/root/a.mkv".into(),
                1,
                EntryKind::File,
            )));
            let err = ScanError::new("/root", 0, ErrorCause::WorkerPanicked);
            sink.abandon(Err(err));
            // A walker stuck for good: it still holds its sink.
            let _ = wait.recv();
            drop(sink);
        });
        iter.add_thread(h);
        let first = iter.next().expect("the file");
        assert!(first.is_ok());
        let second = iter.next().expect("the abandon item");
        assert!(matches!(
            second.unwrap_err().cause(),
            ErrorCause::WorkerPanicked
        ));
        // Ends although the walker thread is still blocked.
        assert!(iter.next().is_none());
        drop(iter);
        release.send(()).unwrap();
    }
}
