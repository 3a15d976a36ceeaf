//! The watcher thread: samples the command's `VmRSS` on a clock with the
//! records read from its stdout so far, and kills the command (SIGKILL
//! through a pidfd, so a recycled pid is never hit) when its RSS passes a
//! cap or its time runs out.

use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustix::process::Signal;

/// One point of the RSS timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Sample {
    /// Microseconds since the command was spawned.
    pub at_us: u64,
    /// Its resident set (`VmRSS`), bytes.
    pub rss_bytes: u64,
    /// Records read from its stdout so far.
    pub records: u64,
}

/// Why the watcher killed the command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kill {
    /// RSS seen above the cap (bytes seen).
    Limit(u64),
    /// Ran past the timeout.
    Timeout,
}

pub(super) struct Watch {
    pub pid: i32,
    pub pidfd: Option<OwnedFd>,
    pub started: Instant,
    pub every: Option<Duration>,
    pub limit: Option<u64>,
    pub timeout: Option<Duration>,
    pub records: Arc<AtomicU64>,
    pub exiting: Arc<AtomicBool>,
    pub kill_all: Arc<AtomicBool>,
    pub done: Receiver<()>,
}

/// `VmRSS` of `pid` in bytes (`/proc/PID/stat`, resident pages), `None`
/// when it cannot be read (the process is gone), is 0 (a zombie), or the
/// process is stopped (`t`/`T`: held by the tracer at its exec stop, where
/// the program has not run yet and its few KiB would only stretch the
/// timeline's scale).
fn rss_bytes(pid: i32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    rss_of_stat(&text, rustix::param::page_size() as u64)
}

/// The resident bytes of a `/proc/PID/stat` line of a running process
/// (see [`rss_bytes`]): field 24, after the command name in parentheses
/// (which may hold spaces and parentheses itself).
fn rss_of_stat(text: &str, page: u64) -> Option<u64> {
    let (_, rest) = text.rsplit_once(')')?;
    let mut fields = rest.split_whitespace();
    let state = fields.next()?;
    if matches!(state, "t" | "T") {
        return None;
    }
    // Fields 4..=23 come before rss (field 24).
    let pages: u64 = fields.nth(20)?.parse().ok()?;
    let bytes = pages * page;
    (bytes > 0).then_some(bytes)
}

impl Watch {
    fn kill(&self) {
        self.kill_all.store(true, Ordering::Release);
        if let Some(fd) = &self.pidfd {
            let _ = rustix::process::pidfd_send_signal(fd, Signal::KILL);
        }
    }

    /// Runs until `done` (or its sender is dropped); returns the timeline
    /// and why the command was killed, if it was.
    pub fn run(self) -> (Vec<Sample>, Option<Kill>) {
        let mut timeline = Vec::new();
        // Without sampling, a cap is still checked every 10 ms.
        let tick = self.every.or(self.limit.map(|_| Duration::from_millis(10)));
        let mut killed = None;
        let mut next = self.started;
        loop {
            let now = Instant::now();
            let until_timeout = self
                .timeout
                .map(|t| (self.started + t).saturating_duration_since(now));
            if let Some(d) = tick {
                next += d;
            }
            let until_tick = tick.map(|_| next.saturating_duration_since(now));
            let wait = match (until_tick, until_timeout) {
                (Some(a), Some(b)) => a.min(b),
                (Some(a), None) | (None, Some(a)) => a,
                // Nothing to watch: wait for the end.
                (None, None) => Duration::from_secs(3600),
            };
            match self.done.recv_timeout(wait) {
                Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {}
            }
            if killed.is_some() || self.exiting.load(Ordering::Acquire) {
                continue;
            }
            let elapsed = self.started.elapsed();
            if self.timeout.is_some_and(|t| elapsed >= t) {
                killed = Some(Kill::Timeout);
                self.kill();
                continue;
            }
            if tick.is_none() {
                continue;
            }
            let Some(rss) = rss_bytes(self.pid) else {
                continue;
            };
            if self.every.is_some() {
                timeline.push(Sample {
                    at_us: u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
                    rss_bytes: rss,
                    records: self.records.load(Ordering::Relaxed),
                });
            }
            if self.limit.is_some_and(|l| rss > l) {
                killed = Some(Kill::Limit(rss));
                self.kill();
            }
        }
        (timeline, killed)
    }
}

#[cfg(test)]
mod tests {
    use super::rss_of_stat;

    #[test]
    fn rss_comes_from_field_24_and_not_while_stopped() {
        let line = |state: &str| {
            format!(
                "4242 (my (odd) prog) {state} 1 4242 4242 0 -1 4194560 90 0 0 0 \
                 1 2 0 0 20 0 1 0 123456 10485760 300 18446744073709551615"
            )
        };
        assert_eq!(rss_of_stat(&line("R"), 4096), Some(300 * 4096));
        assert_eq!(rss_of_stat(&line("S"), 4096), Some(300 * 4096));
        assert_eq!(rss_of_stat(&line("t"), 4096), None);
        assert_eq!(rss_of_stat(&line("T"), 4096), None);
        assert_eq!(rss_of_stat("garbage", 4096), None);
        // The real thing: this process, running.
        let me = std::fs::read_to_string("/proc/self/stat").expect("stat");
        assert!(
            rss_of_stat(&me, 4096).is_some_and(|b| b > 100 * 1024),
            "{me}"
        );
    }
}
