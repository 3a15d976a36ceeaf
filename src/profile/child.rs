//! The measuring child: `anivault-bench profile-child` (hidden). One process
//! per measurement, so heap is never measured in the process that times and
//! the dhat allocator is never in force while timing.
//!
//! * `--mode heap`: switches the allocator to dhat, starts a
//!   `dhat::Profiler`, scans once, samples live heap every N files, and
//!   prints dhat's figures (`max_bytes` at the global peak, totals).
//! * `--mode time`: plain system allocator; scans `--runs` times and prints
//!   each wall time, RSS samples and its own `VmHWM`.
//!
//! Output: one JSON object ([`ChildOutput`]) on stdout.

use std::path::PathBuf;
use std::time::Instant;

use anivault_scanner::{ScanOptions, ScanParsePool, Strategy};
use clap::{Args, ValueEnum};
use serde::{Deserialize, Serialize};

use super::alloc;
use crate::report::Sample;

/// What the child measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
pub enum Mode {
    /// dhat heap profile of one scan.
    Heap,
    /// Wall time of `--runs` scans with the system allocator.
    Time,
}

/// Arguments of the hidden `profile-child` command.
#[derive(Debug, Clone, Args)]
pub struct ChildArgs {
    /// heap or time.
    #[arg(long, value_enum)]
    pub mode: Mode,
    /// Strategy name, or `pool` for ScanParsePool.
    #[arg(long)]
    pub strategy: String,
    /// Root to scan.
    #[arg(long)]
    pub root: PathBuf,
    /// Threads for parallel strategies (0: all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Allocation cap in bytes (0: none).
    #[arg(long, default_value_t = 0)]
    pub cap_bytes: usize,
    /// Sample every N files found.
    #[arg(long, default_value_t = 1000)]
    pub sample_every: u64,
    /// Expected media files (sizes the sample buffer before profiling starts).
    #[arg(long, default_value_t = 0)]
    pub expected: u64,
    /// Timed runs (time mode).
    #[arg(long, default_value_t = 1)]
    pub runs: usize,
    /// Where dhat writes its JSON (heap mode); none: not written.
    #[arg(long)]
    pub dhat_file: Option<PathBuf>,
    /// A slow consumer: busy-wait this many microseconds per result.
    #[arg(long, default_value_t = 0)]
    pub consumer_us: u64,
}

/// dhat's heap figures for the scan.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct HeapOut {
    /// Live bytes at the global peak.
    pub max_bytes: u64,
    /// Live blocks at the global peak.
    pub max_blocks: u64,
    /// Bytes allocated during the scan.
    pub total_bytes: u64,
    /// Blocks allocated during the scan.
    pub total_blocks: u64,
}

/// What the child prints.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ChildOutput {
    /// The mode measured.
    pub mode: Mode,
    /// Media files found (last run).
    pub files: u64,
    /// Error items (last run).
    pub errors: u64,
    /// Wall time per run, nanoseconds.
    pub wall_ns: Vec<u64>,
    /// Heap figures (heap mode).
    pub heap: Option<HeapOut>,
    /// Own `VmHWM` at the end, KiB.
    pub vmhwm_kb: Option<u64>,
    /// Samples every N files (heap from dhat in heap mode, from the counting
    /// allocator in time mode).
    pub timeline: Vec<Sample>,
}

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

/// One scan (or one parse-pool run when `pool` is given: its worker count),
/// counting files and errors, sampling every `every` files.
fn scan_once(
    opts: &ScanOptions,
    pool: Option<usize>,
    root: &std::path::Path,
    every: u64,
    consumer_us: u64,
    mut sample: impl FnMut(u64),
) -> Result<(u64, u64), String> {
    let mut files = 0u64;
    let mut errors = 0u64;
    let delay = std::time::Duration::from_micros(consumer_us);
    let mut count = |ok: bool| {
        if consumer_us > 0 {
            // Busy-wait: `sleep` cannot wait one microsecond.
            let t = Instant::now();
            while t.elapsed() < delay {
                std::hint::spin_loop();
            }
        }
        if ok {
            files += 1;
            if every > 0 && files.is_multiple_of(every) {
                sample(files);
            }
        } else {
            errors += 1;
        }
    };
    match pool {
        Some(workers) => {
            let run = ScanParsePool::new(root)
                .options(opts.clone())
                .workers(workers)
                .run();
            for item in run {
                count(item.is_ok());
            }
        }
        None => {
            for item in opts.scan(root) {
                count(item.is_ok());
            }
        }
    }
    Ok((files, errors))
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

/// Runs the child; prints its JSON; returns the exit code.
pub fn run(args: ChildArgs) -> u8 {
    match run_inner(&args) {
        Ok(out) => match serde_json::to_string(&out) {
            Ok(s) => {
                println!("{s}");
                crate::exit::OK
            }
            Err(e) => {
                eprintln!("anivault-bench profile-child: {e}");
                crate::exit::ERRORS
            }
        },
        Err(e) => {
            eprintln!("anivault-bench profile-child: {e}");
            crate::exit::USAGE
        }
    }
}

fn run_inner(args: &ChildArgs) -> Result<ChildOutput, String> {
    // `pool`: ScanParsePool over the default strategy, `--threads` workers.
    let (opts, pool) = if args.strategy == super::POOL {
        (ScanOptions::new().threads(args.threads), Some(args.threads))
    } else {
        let s: Strategy = args.strategy.parse().map_err(|e| format!("{e}"))?;
        (ScanOptions::new().threads(args.threads).strategy(s), None)
    };
    let page_kb = page_kb();
    let mut timeline: Vec<Sample> =
        Vec::with_capacity((args.expected / args.sample_every.max(1)) as usize + 64);
    match args.mode {
        Mode::Heap => {
            // dhat serialises every allocation anyway: the exact counting
            // cap costs nothing more here.
            if args.cap_bytes > 0 {
                alloc::set_cap(args.cap_bytes);
            }
            alloc::enable_dhat();
            let profiler = match &args.dhat_file {
                Some(f) => dhat::Profiler::builder().file_name(f).build(),
                None => dhat::Profiler::builder().testing().build(),
            };
            let start = Instant::now();
            let (files, errors) = scan_once(
                &opts,
                pool,
                &args.root,
                args.sample_every,
                args.consumer_us,
                |files| {
                    let hs = dhat::HeapStats::get();
                    if timeline.len() < timeline.capacity() {
                        timeline.push(Sample {
                            files,
                            heap_bytes: hs.curr_bytes as u64,
                            rss_kb: rss_kb_now(page_kb),
                        });
                    }
                },
            )?;
            let wall = start.elapsed().as_nanos() as u64;
            let hs = dhat::HeapStats::get();
            drop(profiler);
            Ok(ChildOutput {
                mode: Mode::Heap,
                files,
                errors,
                wall_ns: vec![wall],
                heap: Some(HeapOut {
                    max_bytes: hs.max_bytes as u64,
                    max_blocks: hs.max_blocks as u64,
                    total_bytes: hs.total_bytes,
                    total_blocks: hs.total_blocks,
                }),
                vmhwm_kb: vmhwm_kb(),
                timeline,
            })
        }
        Mode::Time => {
            // No counters while timing (they would serialise parallel
            // strategies): the cap is an RSS watchdog instead.
            if args.cap_bytes > 0 {
                rss_watchdog(args.cap_bytes as u64 / 1024, page_kb);
            }
            let mut wall_ns = Vec::with_capacity(args.runs.max(1));
            let (mut files, mut errors) = (0, 0);
            for run in 0..args.runs.max(1) {
                let start = Instant::now();
                let (f, e) = scan_once(
                    &opts,
                    pool,
                    &args.root,
                    args.sample_every,
                    args.consumer_us,
                    |files| {
                        if run == 0 && timeline.len() < timeline.capacity() {
                            timeline.push(Sample {
                                files,
                                heap_bytes: 0, // not measured while timing

                                rss_kb: rss_kb_now(page_kb),
                            });
                        }
                    },
                )?;
                wall_ns.push(start.elapsed().as_nanos() as u64);
                (files, errors) = (f, e);
            }
            Ok(ChildOutput {
                mode: Mode::Time,
                files,
                errors,
                wall_ns,
                heap: None,
                vmhwm_kb: vmhwm_kb(),
                timeline,
            })
        }
    }
}
