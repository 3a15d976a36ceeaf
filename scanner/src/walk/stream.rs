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
//!
//! A walker's batch is a [`Packed`]: the paths of the files a walker gives
//! by name ([`Sink::push_file`]) are copied into one byte buffer, and the
//! consumer makes each [`MediaEntry`](crate::MediaEntry) (its `PathBuf`)
//! as it reads them, so a file's path is allocated and freed on the
//! consumer's thread (glibc serves that from the thread's cache) instead
//! of being allocated on a walker thread and freed on another (which goes
//! through the walker's arena every time). A batch read to its end goes
//! back to the walkers on a return channel and is filled again: batches
//! are allocated only while none is free, so no more exist at once than
//! before.

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

/// Bytes of packed paths per batch: a batch is sent when the next path
/// would not fit (a longer path gets the room it needs). About what the
/// [`BATCH`] paths of a typical library took as separate allocations.
#[cfg(feature = "getdents-par")]
pub(crate) const BATCH_BYTES: usize = 8 * 1024;

/// A file of a [`Packed`] batch: its path ends at `end` in the batch's
/// bytes (it starts where the previous file's ended), its name at `name`.
#[cfg(walker_sink)]
#[cfg_attr(not(feature = "getdents-par"), allow(dead_code))]
#[derive(Clone, Copy)]
struct File {
    name: usize,
    end: usize,
    depth: usize,
    kind: crate::EntryKind,
}

/// A walker's batch (see the module documentation): files as path bytes
/// (`files`, 32 bytes each), other results owned (`items`, each with the
/// number of files before it, so the order is kept; a walker that gives
/// only owned results fills only `items`).
#[cfg(walker_sink)]
#[derive(Default)]
pub(crate) struct Packed {
    bytes: Vec<u8>,
    files: Vec<File>,
    /// Reversed once received (read by popping).
    items: Vec<(usize, Item)>,
    /// Next file to read, and where its path starts.
    read: usize,
    at: usize,
}

#[cfg(walker_sink)]
impl Packed {
    #[cfg(feature = "compare-walkers")]
    fn one(item: Item) -> Packed {
        Packed {
            items: vec![(0, item)],
            ..Packed::default()
        }
    }

    fn len(&self) -> usize {
        self.files.len() + self.items.len()
    }

    /// The owned result due before the next file, if any.
    #[inline]
    fn due_item(&mut self) -> Option<Item> {
        if self
            .items
            .last()
            .is_some_and(|(before, _)| *before <= self.read)
        {
            return self.items.pop().map(|(_, item)| item);
        }
        None
    }

    /// The next file: its directory (with its `/`), name, depth and kind.
    #[inline]
    fn next_file(&mut self) -> Option<(std::ops::Range<usize>, File)> {
        let f = *self.files.get(self.read)?;
        self.read += 1;
        let start = self.at;
        self.at = f.end;
        Some((start..f.name, f))
    }
}

#[cfg(feature = "getdents-par")]
impl Packed {
    /// Gives every result not yet read to `f`, files borrowed from the
    /// batch's bytes (no allocation).
    fn lend(&mut self, f: &mut super::common::Lend<'_>) -> std::ops::ControlFlow<()> {
        loop {
            if let Some(item) = self.due_item() {
                super::common::deliver(item, f)?;
                continue;
            }
            let Some((dir, file)) = self.next_file() else {
                return std::ops::ControlFlow::Continue(());
            };
            let dir = self.bytes.get(dir).unwrap_or_default();
            let name = self.bytes.get(file.name..file.end).unwrap_or_default();
            crate::plant::on_media_entry();
            f(Ok(crate::EntryRef::new(dir, name, file.depth, file.kind)))?;
        }
    }
}

/// What travels on a channel that [`Batches`] reads: a batch of results
/// read once, front to back, then emptied for reuse.
pub(crate) trait Message<T>: Send {
    /// Makes a received batch ready to be read.
    fn begin(&mut self);
    /// True for an empty batch: the end marker of `Sink::abandon`.
    fn is_marker(&self) -> bool;
    /// The next result; `None` once all are read.
    fn take(&mut self) -> Option<Result<T, ScanError>>;
    /// Empties the batch, keeping its buffers.
    fn reset(&mut self);
}

/// The pool's batches: a `Vec` of results (read by popping: reversed once).
impl<T: Send> Message<T> for Vec<Result<T, ScanError>> {
    fn begin(&mut self) {
        self.reverse();
    }
    fn is_marker(&self) -> bool {
        self.is_empty()
    }
    #[inline]
    fn take(&mut self) -> Option<Result<T, ScanError>> {
        self.pop()
    }
    fn reset(&mut self) {
        self.clear();
    }
}

#[cfg(walker_sink)]
impl Message<crate::MediaEntry> for Packed {
    fn begin(&mut self) {
        self.items.reverse();
        self.read = 0;
        self.at = 0;
    }
    fn is_marker(&self) -> bool {
        self.len() == 0
    }
    #[inline]
    fn take(&mut self) -> Option<Item> {
        use std::os::unix::ffi::OsStringExt;
        if let Some(item) = self.due_item() {
            return Some(item);
        }
        let (dir, file) = self.next_file()?;
        let path = self
            .bytes
            .get(dir.start..file.end)
            .unwrap_or_default()
            .to_vec();
        let path = PathBuf::from(std::ffi::OsString::from_vec(path));
        Some(Ok(crate::MediaEntry::new(path, file.depth, file.kind)))
    }
    fn reset(&mut self) {
        self.bytes.clear();
        self.files.clear();
        self.items.clear();
        self.read = 0;
        self.at = 0;
    }
}

/// The producing side; each walker thread owns a clone.
#[cfg(walker_sink)]
pub(crate) struct Sink {
    tx: Sender<Packed>,
    /// Batches the consumer has read, to fill again.
    back: Receiver<Packed>,
    buf: Packed,
    stop: Arc<AtomicBool>,
}

#[cfg(walker_sink)]
impl Sink {
    /// Queues one result; `false` means the consumer is gone: stop walking.
    #[inline]
    pub fn push(&mut self, item: Item) -> bool {
        self.refill();
        let b = &mut self.buf;
        if b.items.capacity() == 0 {
            // All results of the walkers that give owned ones; a few (errors)
            // of getdents-par.
            b.items
                .reserve_exact(if b.files.is_empty() { BATCH } else { 4 });
        }
        b.items.push((b.files.len(), item));
        if b.len() >= BATCH {
            return self.flush();
        }
        true
    }

    /// Queues the file `dir/name` (a `/` between them unless `dir` ends
    /// with one), copied into the batch: no allocation of its own. `false`
    /// means the consumer is gone: stop walking.
    #[cfg(feature = "getdents-par")]
    #[inline]
    pub fn push_file(
        &mut self,
        dir: &[u8],
        name: &[u8],
        depth: usize,
        kind: crate::EntryKind,
    ) -> bool {
        self.refill();
        let slash = dir.last() != Some(&b'/');
        let need = dir.len() + usize::from(slash) + name.len();
        let bytes = &self.buf.bytes;
        if bytes.len() + need > bytes.capacity() && self.buf.len() > 0 && !self.flush() {
            return false;
        }
        let b = &mut self.buf;
        if b.files.capacity() == 0 {
            b.files.reserve_exact(BATCH);
        }
        if b.bytes.capacity() - b.bytes.len() < need {
            b.bytes.reserve_exact(BATCH_BYTES.max(need) - b.bytes.len());
        }
        b.bytes.extend_from_slice(dir);
        if slash {
            b.bytes.push(b'/');
        }
        let name_at = b.bytes.len();
        b.bytes.extend_from_slice(name);
        b.files.push(File {
            name: name_at,
            end: b.bytes.len(),
            depth,
            kind,
        });
        if b.len() >= BATCH {
            return self.flush();
        }
        true
    }

    /// Before the first result of a batch: takes a batch the consumer has
    /// read, if one is back (its buffers are kept), so that batches are
    /// made only while none is free. Only then, so that a sink that gives
    /// nothing more holds no buffer (as before batches were reused).
    #[inline]
    fn refill(&mut self) {
        let b = &self.buf;
        if b.len() == 0 && b.files.capacity() == 0 && b.items.capacity() == 0 {
            if let Ok(batch) = self.back.try_recv() {
                self.buf = batch;
            }
        }
    }

    /// Sends what is queued; `false` when the consumer is gone.
    pub fn flush(&mut self) -> bool {
        if self.buf.len() == 0 {
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
        if self.tx.send(Packed::one(item)).is_ok() {
            let _ = self.tx.send(Packed::default());
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
            back: self.back.clone(),
            buf: Packed::default(),
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

/// The consuming side: an iterator over the results of the batches `M`
/// that arrive on `rxs` (read in turn), `Result<T, ScanError>` each; a
/// batch read to its end goes back on `back`, when there is one.
pub(crate) struct Batches<T, M: Message<T> = Vec<Result<T, ScanError>>> {
    rxs: Vec<Receiver<M>>,
    /// The receiver to read next.
    turn: usize,
    cur: Option<M>,
    back: Option<crossbeam_channel::Sender<M>>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    root: PathBuf,
    _item: std::marker::PhantomData<fn() -> T>,
}

/// The consuming side of a walk.
#[cfg(walker_sink)]
pub(crate) type ChannelIter = Batches<crate::MediaEntry, Packed>;

/// A channel holding `batches_per_thread * threads` batches, and the
/// return channel of the batches read.
#[cfg(walker_sink)]
pub(crate) fn channel(threads: usize, root: PathBuf) -> (Sink, ChannelIter) {
    let (tx, rx) = crate::plant::channel(threads.max(1) * 2);
    let (back_tx, back_rx) = crossbeam_channel::bounded(threads.max(1));
    let stop = Arc::new(AtomicBool::new(false));
    let mut iter = Batches::new(vec![rx], stop.clone(), root);
    iter.back = Some(back_tx);
    (
        Sink {
            tx,
            back: back_rx,
            buf: Packed::default(),
            stop,
        },
        iter,
    )
}

impl<T, M: Message<T>> Batches<T, M> {
    /// The stream of the batches arriving on `rxs`, read in turn; `stop`
    /// is set when it ends or is dropped; a thread that panicked becomes a
    /// [`ErrorCause::WorkerPanicked`] error for `root`.
    pub fn new(rxs: Vec<Receiver<M>>, stop: Arc<AtomicBool>, root: PathBuf) -> Self {
        Batches {
            rxs,
            turn: 0,
            cur: None,
            back: None,
            stop,
            threads: Vec::new(),
            root,
            _item: std::marker::PhantomData,
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
            if let Some(batch) = self.cur.as_mut() {
                if let Some(item) = batch.take() {
                    return Some((item, true));
                }
                self.recycle();
            }
            if let Received::End(last) = self.receive() {
                return last.map(|e| (e, false));
            }
        }
    }

    /// The batch read to its end goes back to the producers (when they
    /// take batches back and have room), else is freed.
    fn recycle(&mut self) {
        if let (Some(mut batch), Some(back)) = (self.cur.take(), &self.back) {
            batch.reset();
            let _ = back.try_send(batch);
        }
    }

    /// Waits for the next batch (then `self.cur` holds it) or the end.
    fn receive(&mut self) -> Received<T> {
        let Some(rx) = self.rxs.get(self.turn) else {
            return Received::End(None);
        };
        match rx.recv() {
            Ok(batch) if batch.is_marker() => {
                // `Sink::abandon`: the walk may never end; detach it.
                self.stop.store(true, Ordering::Relaxed);
                self.rxs.clear();
                self.threads.clear();
                Received::End(None)
            }
            Ok(mut batch) => {
                batch.begin();
                self.cur = Some(batch);
                self.turn = (self.turn + 1) % self.rxs.len();
                Received::Batch
            }
            Err(_) => {
                // Every sender of this channel is gone: with one
                // channel all producers are done; with several read in
                // turn, the producer whose turn it is has no next
                // batch, so none has.
                self.rxs.clear();
                self.turn = 0;
                Received::End(self.join_all())
            }
        }
    }
}

/// What [`Batches::receive`] got.
enum Received<T> {
    /// A batch, now `cur`.
    Batch,
    /// The end, with the error of a panicked producer thread.
    End(Option<Result<T, ScanError>>),
}

#[cfg(feature = "getdents-par")]
impl ChannelIter {
    /// Gives every result to `f`, files borrowed from the batches (no
    /// allocation per file), until the walk ends or `f` breaks (then
    /// dropping the stream stops the walkers).
    pub fn lend_all(&mut self, f: &mut super::common::Lend<'_>) {
        loop {
            if let Some(batch) = self.cur.as_mut() {
                if batch.lend(f).is_break() {
                    return;
                }
                self.recycle();
            }
            if let Received::End(last) = self.receive() {
                if let Some(item) = last {
                    let _ = super::common::deliver(item, f);
                }
                return;
            }
        }
    }
}

impl<T, M: Message<T>> Iterator for Batches<T, M> {
    type Item = Result<T, ScanError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.next_item().map(|(item, _)| item)
    }
}

impl<T, M: Message<T>> Drop for Batches<T, M> {
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
