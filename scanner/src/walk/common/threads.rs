//! Thread creation that can fail: the error item for a thread the system
//! refuses, and a probe for crates that start their threads themselves and
//! panic or hang when one cannot start (ignore's `WalkParallel`, dua-core).

use std::io;
use std::path::PathBuf;
#[cfg(feature = "compare-walkers")]
use std::sync::{Arc, Condvar, Mutex, PoisonError};

use crate::{ErrorCause, ScanError};

/// The error item for a thread that could not be started for the scan of
/// `root`.
pub(crate) fn spawn_error(root: impl Into<PathBuf>, err: io::Error) -> ScanError {
    ScanError::new(root, 0, ErrorCause::ThreadSpawn(err))
}

#[cfg(feature = "compare-walkers")]
/// Checks that `n` more threads can exist at once: starts `n` threads that
/// wait until all of them are started (or one failed), then ends and joins
/// them. The error is the first refusal (`EAGAIN` under `ulimit -u`).
///
/// A crate that then starts its own `n` threads can still be refused if
/// another process of the same user took the slots in between; this only
/// keeps the usual case (a limit too low for the walk) from reaching code
/// that panics or waits forever on a thread that never started.
pub(crate) fn probe(n: usize) -> io::Result<()> {
    let before = live_threads();
    let gate = Arc::new((Mutex::new(false), Condvar::new()));
    let mut handles = Vec::with_capacity(n);
    let mut result = Ok(());
    for i in 0..n {
        let g = Arc::clone(&gate);
        let spawned = std::thread::Builder::new()
            .name(format!("anivault-probe-{i}"))
            .stack_size(16 * 1024)
            .spawn(move || {
                let (open, cv) = &*g;
                let mut o = open.lock().unwrap_or_else(PoisonError::into_inner);
                while !*o {
                    o = cv.wait(o).unwrap_or_else(PoisonError::into_inner);
                }
            });
        match spawned {
            Ok(h) => handles.push(h),
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    let (open, cv) = &*gate;
    *open.lock().unwrap_or_else(PoisonError::into_inner) = true;
    cv.notify_all();
    for h in handles {
        let _ = h.join();
    }
    // A joined thread still counts against `RLIMIT_NPROC` until the kernel
    // has released it (the join wakes at its `exit_mm`, the release comes
    // later in `exit_notify`): without this wait, the crate's own threads,
    // started right after, could be refused the slots the probe just freed
    // (seen: dua-core panicking under `ulimit -u 5` after a passed probe).
    // Microseconds as a rule; at most 50 ms when other threads of the
    // process start meanwhile and keep the count up.
    if let Some(before) = before {
        let deadline = std::time::Instant::now() + std::time::Duration::from_millis(50);
        while live_threads().is_some_and(|now| now > before) && std::time::Instant::now() < deadline
        {
            std::thread::yield_now();
        }
    }
    result
}

#[cfg(feature = "compare-walkers")]
/// Threads of this process not yet released by the kernel (`Threads:` of
/// `/proc/self/status`); `None` where that cannot be read.
fn live_threads() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse().ok())
}

#[cfg(all(test, feature = "compare-walkers"))]
mod tests {
    use super::*;

    #[test]
    fn a_probe_within_limits_passes_and_leaves_no_thread() {
        assert!(probe(0).is_ok());
        assert!(probe(4).is_ok());
        let e = spawn_error("/lib", io::Error::from_raw_os_error(11));
        assert_eq!(
            e.to_string(),
            "cannot start a scanner thread for '/lib': Resource temporarily unavailable"
        );
    }
}
