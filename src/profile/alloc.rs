//! The binary's global allocator: the system allocator, with exact counters
//! (current, peak, total bytes and blocks, `realloc` handled) and an
//! allocation cap when asked ([`enable_counting`]), switchable at run time to
//! dhat's allocator ([`enable_dhat`]).
//!
//! Off by default, it costs one relaxed load per call: shared counters
//! updated on every allocation by every thread would serialise a parallel
//! program on their cache line (measured: the parse pool stopped scaling
//! from 1 to 2 workers with them on).
//!
//! dhat's `Alloc` takes a global lock and records a backtrace for every
//! allocation (5–13x slower), so it is only in force in a heap-profiling
//! child ([`enable_dhat`]); timing children and every other command run on
//! the plain system allocator. The cap turns a runaway strategy into a clean
//! "exceeded limit" exit instead of taking the machine down.
//!
//! ```
//! use anivault_bench::profile::alloc;
//! alloc::enable_counting();
//! let before = alloc::stats();
//! let v: Vec<u8> = Vec::with_capacity(1 << 20);
//! drop(v);
//! // Counters only move when this allocator is the global one (the binary,
//! // the heap bench); in a doc test they may stay at zero.
//! assert!(alloc::stats().total_bytes >= before.total_bytes);
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};

/// Exit status of a child stopped by the allocation cap.
pub const EXIT_CAP_EXCEEDED: i32 = 3;

static DHAT: AtomicBool = AtomicBool::new(false);
static COUNTING: AtomicBool = AtomicBool::new(false);
static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static TOTAL_BYTES: AtomicU64 = AtomicU64::new(0);
static TOTAL_BLOCKS: AtomicU64 = AtomicU64::new(0);
static CAP: AtomicUsize = AtomicUsize::new(0);

/// The switchable, counting allocator. Install it with
/// `#[global_allocator] static A: SwitchAlloc = SwitchAlloc;`.
pub struct SwitchAlloc;

/// Counter snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AllocStats {
    /// Live heap bytes now.
    pub current: usize,
    /// Highest `current` since the last [`reset_peak`].
    pub peak: usize,
    /// Bytes allocated in all (a growing `realloc` counts its growth).
    pub total_bytes: u64,
    /// Allocations made in all (a `realloc` counts as one).
    pub total_blocks: u64,
}

/// Routes every allocation from now on through dhat (for the heap child;
/// call before starting a `dhat::Profiler`). Never switched back.
pub fn enable_dhat() {
    DHAT.store(true, Relaxed);
}

/// Starts the counters (and the cap). Allocations made before are not
/// counted, and frees of them are not subtracted: the counters describe what
/// happens from now on (call it before the work measured).
pub fn enable_counting() {
    COUNTING.store(true, Relaxed);
}

/// True once [`enable_counting`] was called.
pub fn counting() -> bool {
    COUNTING.load(Relaxed)
}

/// Sets the allocation cap in bytes of live heap (0: none) and starts the
/// counters. Exceeding it prints a line to stderr and exits with
/// [`EXIT_CAP_EXCEEDED`].
pub fn set_cap(bytes: usize) {
    CAP.store(bytes, Relaxed);
    enable_counting();
}

/// The counters now.
pub fn stats() -> AllocStats {
    AllocStats {
        current: CURRENT.load(Relaxed),
        peak: PEAK.load(Relaxed),
        total_bytes: TOTAL_BYTES.load(Relaxed),
        total_blocks: TOTAL_BLOCKS.load(Relaxed),
    }
}

/// Restarts peak tracking from the current live bytes.
pub fn reset_peak() {
    PEAK.store(CURRENT.load(Relaxed), Relaxed);
}

#[inline]
fn grew(by: usize) {
    let now = CURRENT.fetch_add(by, Relaxed) + by;
    PEAK.fetch_max(now, Relaxed);
    let cap = CAP.load(Relaxed);
    if cap != 0 && now > cap {
        cap_exceeded();
    }
}

/// Subtracts without wrapping: a block allocated before counting started
/// may be freed after.
#[inline]
fn shrank(by: usize) {
    let _ = CURRENT.fetch_update(Relaxed, Relaxed, |c| Some(c.saturating_sub(by)));
}

#[cold]
fn cap_exceeded() -> ! {
    const MSG: &[u8] =
        b"anivault-bench: allocation cap exceeded: the strategy went over the memory limit\n";
    // SAFETY: write(2) on fd 2 with a valid static buffer, then _exit(2);
    // both are async-signal-safe and allocation-free, as needed inside the
    // allocator.
    unsafe {
        libc::write(2, MSG.as_ptr().cast(), MSG.len());
        libc::_exit(EXIT_CAP_EXCEEDED)
    }
}

// SAFETY (for the impl): every method forwards to an allocator that upholds
// the `GlobalAlloc` contract (System or dhat::Alloc, which itself forwards
// to System) with the caller's arguments unchanged; the counters only
// observe. A block allocated under System and freed under dhat is fine:
// dhat ignores blocks it did not record and frees through System.
unsafe impl GlobalAlloc for SwitchAlloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded contract, see the impl comment.
        let p = unsafe {
            if DHAT.load(Relaxed) {
                dhat::Alloc.alloc(layout)
            } else {
                System.alloc(layout)
            }
        };
        if !p.is_null() && COUNTING.load(Relaxed) {
            TOTAL_BLOCKS.fetch_add(1, Relaxed);
            TOTAL_BYTES.fetch_add(layout.size() as u64, Relaxed);
            grew(layout.size());
        }
        p
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded contract, see the impl comment.
        let p = unsafe {
            if DHAT.load(Relaxed) {
                dhat::Alloc.alloc_zeroed(layout)
            } else {
                System.alloc_zeroed(layout)
            }
        };
        if !p.is_null() && COUNTING.load(Relaxed) {
            TOTAL_BLOCKS.fetch_add(1, Relaxed);
            TOTAL_BYTES.fetch_add(layout.size() as u64, Relaxed);
            grew(layout.size());
        }
        p
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded contract, see the impl comment.
        unsafe {
            if DHAT.load(Relaxed) {
                dhat::Alloc.dealloc(ptr, layout)
            } else {
                System.dealloc(ptr, layout)
            }
        }
        if COUNTING.load(Relaxed) {
            shrank(layout.size());
        }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded contract, see the impl comment.
        let p = unsafe {
            if DHAT.load(Relaxed) {
                dhat::Alloc.realloc(ptr, layout, new_size)
            } else {
                System.realloc(ptr, layout, new_size)
            }
        };
        if !p.is_null() && COUNTING.load(Relaxed) {
            TOTAL_BLOCKS.fetch_add(1, Relaxed);
            let old = layout.size();
            if new_size >= old {
                TOTAL_BYTES.fetch_add((new_size - old) as u64, Relaxed);
                grew(new_size - old);
            } else {
                shrank(old - new_size);
            }
        }
        p
    }
}
