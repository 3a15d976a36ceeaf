//! The delay line: every request is a job with a deadline (arrival +
//! latency); one timer thread keeps the pending jobs in a heap ordered by
//! deadline and hands each one, when due, to a few executor threads that do
//! the real file-system work and send the reply. So delays overlap without
//! bound, like requests in flight to a NAS, and the number of threads stays
//! fixed whatever the number of requests in flight.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The work of one request: runs once, after its delay.
pub(crate) type Job = Box<dyn FnOnce() + Send>;

struct Pending {
    due: Instant,
    seq: u64,
    job: Job,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        self.due == other.due && self.seq == other.seq
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the earliest first.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .due
            .cmp(&self.due)
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

/// The sending side; dropping it (and every clone) ends the threads once
/// the jobs already queued have run.
pub(crate) struct DelayLine {
    tx: Mutex<Sender<(Instant, Job)>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl DelayLine {
    /// Starts the timer thread and `executors` executor threads.
    pub(crate) fn start(executors: usize) -> std::io::Result<Arc<DelayLine>> {
        let (tx, rx) = mpsc::channel::<(Instant, Job)>();
        let (due_tx, due_rx) = mpsc::channel::<Job>();
        let due_rx = Arc::new(Mutex::new(due_rx));
        let mut threads = Vec::new();
        for i in 0..executors.max(1) {
            let rx = Arc::clone(&due_rx);
            threads.push(
                std::thread::Builder::new()
                    .name(format!("netfs-exec-{i}"))
                    .spawn(move || execute(&rx))?,
            );
        }
        threads.push(
            std::thread::Builder::new()
                .name("netfs-timer".into())
                .spawn(move || time(&rx, &due_tx))?,
        );
        Ok(Arc::new(DelayLine {
            tx: Mutex::new(tx),
            threads: Mutex::new(threads),
        }))
    }

    /// Runs `job` at `due` (at once if `due` has passed).
    pub(crate) fn submit(&self, due: Instant, job: Job) {
        let tx = self.tx.lock().unwrap_or_else(PoisonError::into_inner);
        // The timer ends only when every sender is gone, so this cannot
        // fail while `self` exists; a job that could not be queued would
        // drop its reply, which fuser answers with EIO.
        let _ = tx.send((due, job));
    }

    /// Closes the line and waits for the queued jobs and the threads.
    pub(crate) fn shutdown(&self) {
        // Replace the sender by one whose receiver is gone, so the timer's
        // channel disconnects.
        drop(std::mem::replace(
            &mut *self.tx.lock().unwrap_or_else(PoisonError::into_inner),
            mpsc::channel().0,
        ));
        let handles =
            std::mem::take(&mut *self.threads.lock().unwrap_or_else(PoisonError::into_inner));
        for h in handles {
            let _ = h.join();
        }
    }
}

fn time(rx: &Receiver<(Instant, Job)>, due_tx: &Sender<Job>) {
    let mut heap = BinaryHeap::new();
    let mut seq = 0u64;
    let mut open = true;
    while open || !heap.is_empty() {
        let now = Instant::now();
        while heap.peek().is_some_and(|p: &Pending| p.due <= now) {
            if let Some(p) = heap.pop() {
                let _ = due_tx.send(p.job);
            }
        }
        let wait = heap
            .peek()
            .map(|p| p.due.saturating_duration_since(now))
            .unwrap_or(Duration::from_secs(3600));
        if !open {
            if heap.is_empty() {
                break;
            }
            std::thread::sleep(wait);
            continue;
        }
        match rx.recv_timeout(wait) {
            Ok((due, job)) => {
                seq += 1;
                heap.push(Pending { due, seq, job });
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => open = false,
        }
    }
    // Dropping `due_tx` here ends the executors.
}

fn execute(rx: &Mutex<Receiver<Job>>) {
    loop {
        let job = rx.lock().unwrap_or_else(PoisonError::into_inner).recv();
        match job {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};

    #[test]
    fn jobs_run_in_deadline_order_and_shutdown_drains() {
        let line = DelayLine::start(1).expect("threads");
        let order = Arc::new(Mutex::new(Vec::new()));
        let ran = Arc::new(AtomicUsize::new(0));
        let start = Instant::now();
        for (i, ms) in [(0, 30u64), (1, 10), (2, 20)] {
            let order = Arc::clone(&order);
            let ran = Arc::clone(&ran);
            line.submit(
                start + Duration::from_millis(ms),
                Box::new(move || {
                    order.lock().unwrap().push(i);
                    ran.fetch_add(1, AtomicOrdering::SeqCst);
                }),
            );
        }
        line.shutdown();
        assert_eq!(ran.load(AtomicOrdering::SeqCst), 3);
        assert_eq!(*order.lock().unwrap(), vec![1, 2, 0]);
    }
}
