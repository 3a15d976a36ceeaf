//! The measuring child: `anivault-bench profile-child` (hidden). One process
//! per measurement, so heap is never measured in the process that times and
//! the dhat allocator is never in force while timing.
//!
//! It takes no arguments: it reads one [`Request`] (JSON) from stdin and
//! writes one [`Response`] (JSON) to stdout (see [`super::protocol`]). It
//! enters the root (`chdir`) and scans `.`, so the paths it holds, and hence
//! every heap figure, do not depend on where the tree lives.
//!
//! * heap mode: switches the allocator to dhat, starts a `dhat::Profiler`,
//!   scans once while a sampler thread records live heap (dhat's current
//!   bytes) and the files found so far every few milliseconds (and the
//!   consumer every N files), and returns dhat's figures (`max_bytes` at the global
//!   peak, totals). Sampling on a clock sees phases in which no file is
//!   yielded (eager's collection).
//! * time mode: plain system allocator; scans `runs` times and returns each
//!   wall time, RSS samples and its own `VmHWM`.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anivault_scanner::{ScanOptions, ScanParsePool};

use super::alloc;
pub use super::protocol::{ChildOutput, HeapOut, Mode, Request, Response};
use super::protocol::{MAX_ERROR_SAMPLES, MAX_REQUEST_BYTES};
use crate::report::Sample;
use crate::subject::Subject;

/// Most samples a heap run keeps; when full, every other one is dropped and
/// the interval doubles (no allocation while measuring).
pub const MAX_SAMPLES: usize = 8192;

/// Resident set size now, KiB, read without allocating.
pub fn rss_kb_now(page_kb: u64) -> u64 {
    use rustix::fs::{open, Mode as FMode, OFlags};
    let Ok(fd) = open(
        c"/proc/self/statm",
        OFlags::RDONLY | OFlags::CLOEXEC,
        FMode::empty(),
    ) else {
        return 0;
    };
    let mut buf = [0u8; 128];
    let Ok(n) = rustix::io::read(&fd, &mut buf) else {
        return 0;
    };
    // "size resident shared ...": the second field, in pages.
    let resident = buf[..n]
        .split(|&b| b == b' ')
        .nth(1)
        .and_then(|f| std::str::from_utf8(f).ok())
        .and_then(|f| f.trim().parse::<u64>().ok())
        .unwrap_or(0);
    resident * page_kb
}

/// The process's own peak RSS (`VmHWM` in `/proc/self/status`), KiB.
pub fn vmhwm_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn page_kb() -> u64 {
    rustix::param::page_size() as u64 / 1024
}

/// Starts a thread that ends the process with
/// [`alloc::EXIT_CAP_EXCEEDED`] when its resident set passes `cap_kb`
/// (checked every 5 ms): the cap of a timing child, where counting every
/// allocation would disturb the timing of parallel strategies.
fn rss_watchdog(cap_kb: u64, page_kb: u64) {
    let spawned = std::thread::Builder::new()
        .name("rss-watchdog".into())
        .spawn(move || loop {
            if rss_kb_now(page_kb) > cap_kb {
                eprintln!("anivault-bench: resident set over the cap of {cap_kb} KiB: the strategy went over the memory limit");
                std::process::exit(alloc::EXIT_CAP_EXCEEDED);
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        });
    if let Err(e) = spawned {
        eprintln!("anivault-bench: no RSS watchdog ({e}); running without a cap");
    }
}

/// What one scan counted.
struct Counted {
    files: u64,
    errors: u64,
    error_samples: Vec<String>,
}

/// What one scan runs: the options, the parse pool's worker count (none:
/// a plain scan), the slow consumer's busy-wait per result.
struct Target {
    opts: ScanOptions,
    pool: Option<usize>,
    consumer_us: u64,
}

impl Target {
    fn of(req: &Request) -> Target {
        let (opts, pool) = match req.subject {
            Subject::Pool => (ScanOptions::new().threads(req.threads), Some(req.threads)),
            Subject::Strategy(s) => (ScanOptions::new().threads(req.threads).strategy(s), None),
        };
        Target {
            opts,
            pool,
            consumer_us: req.consumer_us,
        }
    }
}

/// One scan of `.` (or one parse-pool run), counting files and errors
/// (keeping the first error texts), publishing the files found in
/// `found`, calling `every_files` every `every` files and `at_end` after
/// the last item.
fn scan_once(
    target: &Target,
    every: u64,
    found: &AtomicU64,
    mut every_files: impl FnMut(u64),
    at_end: impl FnOnce(),
) -> Counted {
    let Target {
        opts,
        pool,
        consumer_us,
    } = target;
    let consumer_us = *consumer_us;
    let mut c = Counted {
        files: 0,
        errors: 0,
        error_samples: Vec::with_capacity(MAX_ERROR_SAMPLES),
    };
    let delay = Duration::from_micros(consumer_us);
    let root = Path::new(".");
    let mut count = |err: Option<String>| {
        if consumer_us > 0 {
            // Busy-wait: `sleep` cannot wait one microsecond.
            let t = Instant::now();
            while t.elapsed() < delay {
                std::hint::spin_loop();
            }
        }
        match err {
            None => {
                c.files += 1;
                found.store(c.files, Ordering::Relaxed);
                if every > 0 && c.files.is_multiple_of(every) {
                    every_files(c.files);
                }
            }
            Some(text) => {
                c.errors += 1;
                if c.error_samples.len() < MAX_ERROR_SAMPLES {
                    c.error_samples.push(text);
                }
            }
        }
    };
    // `at_end` runs when the last item is out and before the walker's state
    // is dropped (so a sample then shows the scan, not its teardown).
    match *pool {
        Some(workers) => {
            let mut run = ScanParsePool::new(root)
                .options(opts.clone())
                .workers(workers)
                .run();
            for item in run.by_ref() {
                count(item.err().map(|e| e.to_string()));
            }
            at_end();
            drop(run);
        }
        None => {
            let mut it = opts.scan(root);
            for item in it.by_ref() {
                count(item.err().map(|e| e.to_string()));
            }
            at_end();
            drop(it);
        }
    }
    c
}

/// A thread that samples live heap and the files found every `interval`,
/// into a buffer allocated before measuring starts.
///
/// Live heap is dhat's `curr_bytes`, the figure whose maximum is the
/// reported peak: the counting allocator's current bytes would also count
/// dhat's own bookkeeping (its table of live blocks grows with them).
struct Sampler {
    stop: Arc<AtomicBool>,
    go: Arc<AtomicBool>,
    handle: std::thread::JoinHandle<Vec<Sample>>,
}

impl Sampler {
    /// Spawns the thread, waiting for [`Sampler::start`]. Call before
    /// profiling starts: the thread and its buffer are not measured.
    fn spawn(found: Arc<AtomicU64>, interval: Duration, t0: Instant) -> std::io::Result<Sampler> {
        let stop = Arc::new(AtomicBool::new(false));
        let go = Arc::new(AtomicBool::new(false));
        let ready = Arc::new(AtomicBool::new(false));
        let (stop2, go2, ready2) = (Arc::clone(&stop), Arc::clone(&go), Arc::clone(&ready));
        // Allocated here, before profiling starts, so not measured.
        let mut samples: Vec<Sample> = Vec::with_capacity(MAX_SAMPLES);
        let handle = std::thread::Builder::new()
            .name("heap-sampler".into())
            .spawn(move || {
                ready2.store(true, Ordering::Release);
                while !go2.load(Ordering::Acquire) {
                    if stop2.load(Ordering::Acquire) {
                        return samples;
                    }
                    std::thread::sleep(Duration::from_micros(200));
                }
                let start = t0;
                let mut every = interval;
                let mut next = start;
                loop {
                    if samples.len() == samples.capacity() {
                        // Keep every other sample, sample half as often.
                        let mut k = 0;
                        for i in (0..samples.len()).step_by(2) {
                            samples[k] = samples[i];
                            k += 1;
                        }
                        samples.truncate(k);
                        every *= 2;
                    }
                    let sample = Sample {
                        files: found.load(Ordering::Relaxed),
                        heap_bytes: dhat::HeapStats::get().curr_bytes as u64,
                        rss_kb: 0,
                        t_ms: start.elapsed().as_secs_f64() * 1e3,
                    };
                    // Stopped (checked after reading): the scan is over and
                    // its state may be going; such a sample would show the
                    // teardown, not the scan.
                    if stop2.load(Ordering::SeqCst) {
                        return samples;
                    }
                    samples.push(sample);
                    next += every;
                    let now = Instant::now();
                    if next > now {
                        std::thread::sleep(next - now);
                    } else {
                        next = now;
                    }
                }
            })?;
        // Whatever the thread allocates to start happens before profiling.
        while !ready.load(Ordering::Acquire) {
            std::thread::yield_now();
        }
        Ok(Sampler { stop, go, handle })
    }

    fn start(&self) {
        self.go.store(true, Ordering::Release);
    }

    /// Tells the thread to take no more samples.
    fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    /// Stops the thread and returns its samples.
    fn finish(self) -> Vec<Sample> {
        self.stop();
        self.handle.join().unwrap_or_default()
    }
}

/// Runs the child: reads the request from stdin, writes the response to
/// stdout; returns the exit code (0 when the response was written, whatever
/// it says).
pub fn run() -> u8 {
    let response: Response = read_request().and_then(|req| measure(&req));
    let mut stdout = std::io::stdout().lock();
    let written = serde_json::to_writer(&mut stdout, &response)
        .map_err(|e| e.to_string())
        .and_then(|()| stdout.flush().map_err(|e| e.to_string()));
    match written {
        Ok(()) => crate::exit::OK,
        Err(e) => {
            eprintln!("anivault-bench profile-child: cannot write the response: {e}");
            crate::exit::ERRORS
        }
    }
}

fn read_request() -> Result<Request, String> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_REQUEST_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read the request from stdin: {e}"))?;
    if bytes.len() as u64 > MAX_REQUEST_BYTES {
        return Err(format!(
            "the request on stdin is over {MAX_REQUEST_BYTES} bytes"
        ));
    }
    serde_json::from_slice(&bytes).map_err(|e| format!("unreadable request on stdin: {e}"))
}

/// Enters the root and measures what `req` asks.
pub fn measure(req: &Request) -> Response {
    // `pool`: ScanParsePool over the default strategy, `threads` workers.
    let target = Target::of(req);
    let root = req.root.to_path_buf();
    std::env::set_current_dir(&root)
        .map_err(|e| format!("cannot enter the root '{}': {e}", root.display()))?;
    let page_kb = page_kb();
    let found = Arc::new(AtomicU64::new(0));
    match req.mode {
        Mode::Heap => measure_heap(req, &target, &found),
        Mode::Time => measure_time(req, &target, &found, page_kb),
    }
}

/// Heap mode: one scan under dhat, live heap sampled on a clock and every
/// `sample_every` files.
fn measure_heap(req: &Request, target: &Target, found: &Arc<AtomicU64>) -> Response {
    let dhat_file = req.dhat_file.as_ref().map(|f| f.to_path_buf());
    if let Some(f) = &dhat_file {
        if f.is_relative() {
            return Err(format!(
                "the dhat file '{}' is not an absolute path",
                f.display()
            ));
        }
    }
    let interval = Duration::from_millis(req.sample_ms.max(1));
    let t0 = Instant::now();
    let sampler = Sampler::spawn(Arc::clone(found), interval, t0)
        .map_err(|e| format!("cannot start the heap sampler thread: {e}"))?;
    // Samples every N files as well (short scans see few ticks of
    // the clock), also allocated before profiling starts.
    let every = req.sample_every;
    let mut by_files: Vec<Sample> = Vec::with_capacity(MAX_SAMPLES);
    // dhat serialises every allocation anyway: the exact counters
    // (and the cap) cost nothing more here.
    alloc::set_cap(req.cap_bytes);
    alloc::enable_dhat();
    let profiler = match &dhat_file {
        Some(f) => dhat::Profiler::builder().file_name(f).build(),
        None => dhat::Profiler::builder().testing().build(),
    };
    let start = Instant::now();
    sampler.start();
    let c = scan_once(
        target,
        every,
        found,
        |files| {
            if by_files.len() < by_files.capacity() {
                by_files.push(Sample {
                    files,
                    heap_bytes: dhat::HeapStats::get().curr_bytes as u64,
                    rss_kb: 0,
                    t_ms: t0.elapsed().as_secs_f64() * 1e3,
                });
            }
        },
        || sampler.stop(),
    );
    let wall = start.elapsed().as_nanos() as u64;
    let hs = dhat::HeapStats::get();
    let mut timeline = sampler.finish();
    drop(profiler);
    timeline.append(&mut by_files);
    timeline.sort_by(|a, b| a.t_ms.total_cmp(&b.t_ms));
    if let Some(f) = &dhat_file {
        std::fs::metadata(f)
            .map_err(|e| format!("dhat did not write its file '{}': {e}", f.display()))?;
    }
    let heap = HeapOut {
        max_bytes: hs.max_bytes as u64,
        max_blocks: hs.max_blocks as u64,
        total_bytes: hs.total_bytes,
        total_blocks: hs.total_blocks,
    };
    Ok(output(Mode::Heap, c, vec![wall], Some(heap), timeline))
}

/// Time mode: `runs` scans with the system allocator under an RSS watchdog,
/// RSS sampled every `sample_every` files of the first.
fn measure_time(req: &Request, target: &Target, found: &AtomicU64, page_kb: u64) -> Response {
    // No counters while timing (they would serialise parallel
    // strategies): the cap is an RSS watchdog instead.
    if req.cap_bytes > 0 {
        rss_watchdog(req.cap_bytes as u64 / 1024, page_kb);
    }
    let every = req.sample_every.max(1);
    let mut timeline: Vec<Sample> = Vec::with_capacity(MAX_SAMPLES);
    let mut wall_ns = Vec::with_capacity(req.runs.max(1));
    let mut last = None;
    for run in 0..req.runs.max(1) {
        let start = Instant::now();
        let c = scan_once(
            target,
            every,
            found,
            |files| {
                if run == 0 && timeline.len() < timeline.capacity() {
                    timeline.push(Sample {
                        files,
                        heap_bytes: 0, // not measured while timing
                        rss_kb: rss_kb_now(page_kb),
                        t_ms: start.elapsed().as_secs_f64() * 1e3,
                    });
                }
            },
            || {},
        );
        wall_ns.push(start.elapsed().as_nanos() as u64);
        last = Some(c);
    }
    let c = last.unwrap_or(Counted {
        files: 0,
        errors: 0,
        error_samples: Vec::new(),
    });
    Ok(output(Mode::Time, c, wall_ns, None, timeline))
}

/// The response of a run that measured: its counts and figures, and the
/// process's own `VmHWM` now.
fn output(
    mode: Mode,
    c: Counted,
    wall_ns: Vec<u64>,
    heap: Option<HeapOut>,
    timeline: Vec<Sample>,
) -> ChildOutput {
    ChildOutput {
        mode,
        files: c.files,
        errors: c.errors,
        error_samples: c.error_samples,
        wall_ns,
        heap,
        vmhwm_kb: vmhwm_kb(),
        timeline,
    }
}
