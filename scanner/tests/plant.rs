//! The planted regressions (feature `planted-regressions`) take effect, and
//! without `ANIVAULT_PLANT` the build behaves as production.
//!
//! `ANIVAULT_PLANT` is read once per process, so each case runs this test
//! binary again as a child with the variable set, running the ignored test
//! `probe`, which prints deterministic quantities: the planted capacities
//! and the heap (counted by this binary's global allocator) left live or
//! peaked by single-thread scans.
#![cfg(feature = "planted-regressions")]
#![deny(clippy::undocumented_unsafe_blocks)]

#[allow(dead_code)] // only `within` is used here
mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anivault_scanner::{plant, ScanOptions, ScanParsePool, Strategy};

/// Counts live heap bytes and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to `System`; the counters are
// only statistics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is `System::alloc`'s.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract is `System::dealloc`'s.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Media files in the probe tree.
const FILES: usize = 200;
/// Directory levels below the root in the probe tree.
const LEVELS: usize = 4;

fn make_tree(root: &Path) {
    let mut dir = root.to_path_buf();
    for level in 0..LEVELS {
        dir.push(format!("level{level}"));
        std::fs::create_dir(&dir).unwrap();
    }
    for i in 0..FILES {
        std::fs::write(dir.join(format!("Show - {i:03}.mkv")), b"").unwrap();
    }
}

fn scan_count(root: &Path, s: Strategy) -> usize {
    ScanOptions::new()
        .strategy(s)
        .threads(2)
        .scan(root)
        .filter(|r| r.is_ok())
        .count()
}

/// Heap left live by one scan (after a warm-up scan), in bytes, and the
/// bytes the plant counted as leaked during it.
fn leaked_by(root: &Path, s: Strategy) -> (usize, usize) {
    assert_eq!(scan_count(root, s), FILES, "{s}");
    let before = (LIVE.load(Ordering::Relaxed), plant::leaked_bytes());
    assert_eq!(scan_count(root, s), FILES, "{s}");
    (
        LIVE.load(Ordering::Relaxed).saturating_sub(before.0),
        plant::leaked_bytes() - before.1,
    )
}

/// Peak heap of one scan above the live heap before it, in bytes.
fn peak_of(root: &Path, s: Strategy) -> usize {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    assert_eq!(scan_count(root, s), FILES, "{s}");
    PEAK.load(Ordering::Relaxed) - before
}

/// The child: prints `key=value` lines for the parent to check.
#[test]
#[ignore = "run by the other tests in a child process with ANIVAULT_PLANT set"]
fn probe() {
    let dir = tempfile::tempdir().unwrap();
    make_tree(dir.path());
    // libtest printed "test probe ... " without a newline.
    println!();
    println!("PROBE queue={}", plant::queue(4));
    println!("PROBE dir_buffer={}", plant::dir_buffer(16 * 1024));
    let (tx, _rx) = plant::channel::<u8>(4);
    println!(
        "PROBE channel={}",
        tx.capacity().map_or("unbounded".into(), |c| c.to_string())
    );
    // The heap left live is exact for single-thread strategies; parallel
    // ones free some of their bookkeeping later or earlier from run to run,
    // so for them the parent checks the plant's own count.
    for s in Strategy::available() {
        let (heap, counted) = leaked_by(dir.path(), s);
        println!("PROBE leak_{s}={heap}");
        println!("PROBE counted_{s}={counted}");
    }
    let pool = || {
        ScanParsePool::new(dir.path())
            .workers(2)
            .run()
            .filter(|r| r.is_ok())
            .count()
    };
    let before = plant::leaked_bytes();
    assert_eq!(pool(), FILES);
    println!("PROBE counted_pool={}", plant::leaked_bytes() - before);
    println!(
        "PROBE peak_getdents={}",
        peak_of(dir.path(), Strategy::Getdents)
    );
}

/// Runs `probe` in a child with `ANIVAULT_PLANT=plant` (unset for `None`).
fn run_probe(plant: Option<&str>) -> (std::process::ExitStatus, String, String) {
    let exe = std::env::current_exe().unwrap();
    let mut cmd = Command::new(exe);
    cmd.args([
        "probe",
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ])
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    match plant {
        Some(p) => cmd.env("ANIVAULT_PLANT", p),
        None => cmd.env_remove("ANIVAULT_PLANT"),
    };
    let child = cmd.spawn().unwrap();
    let out = common::within(Duration::from_secs(120), move || child.wait_with_output())
        .expect("the probe child hung")
        .unwrap();
    (
        out.status,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn probe_values(plant: Option<&str>) -> HashMap<String, String> {
    let (status, stdout, stderr) = run_probe(plant);
    assert!(
        status.success(),
        "probe {plant:?} failed:\n{stdout}\n{stderr}"
    );
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("PROBE "))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn num(v: &HashMap<String, String>, key: &str) -> usize {
    v.get(key)
        .unwrap_or_else(|| panic!("probe printed no {key}: {v:?}"))
        .parse()
        .unwrap()
}

const SINGLE_THREAD: [&str; 4] = ["std", "walkdir", "getdents", "eager"];

fn production(v: &HashMap<String, String>) {
    assert_eq!(num(v, "queue"), 4);
    assert_eq!(num(v, "dir_buffer"), 16 * 1024);
    assert_eq!(v["channel"], "4");
    for s in SINGLE_THREAD {
        assert_eq!(num(v, &format!("leak_{s}")), 0, "{s} leaks: {v:?}");
    }
    for s in Strategy::available() {
        assert_eq!(num(v, &format!("counted_{s}")), 0, "{s}: {v:?}");
    }
    assert_eq!(num(v, "counted_pool"), 0, "{v:?}");
}

#[test]
fn without_a_plant_the_values_are_production() {
    production(&probe_values(None));
    production(&probe_values(Some("")));
}

#[test]
fn unbounded_channel_makes_the_result_channels_unbounded() {
    let v = probe_values(Some("unbounded-channel"));
    assert_eq!(v["channel"], "unbounded");
    assert_eq!(num(&v, "queue"), 4);
    assert_eq!(num(&v, "leak_std"), 0);
}

#[test]
fn leak_16_leaks_16_bytes_per_file_in_every_strategy() {
    let v = probe_values(Some("leak-16"));
    for s in SINGLE_THREAD {
        assert_eq!(num(&v, &format!("leak_{s}")), 16 * FILES, "{s}: {v:?}");
    }
    for s in Strategy::available() {
        assert_eq!(num(&v, &format!("counted_{s}")), 16 * FILES, "{s}: {v:?}");
    }
    assert_eq!(num(&v, "counted_pool"), 16 * FILES, "{v:?}");
    assert_eq!(v["channel"], "4");
}

#[test]
fn double_queues_doubles_every_queue_capacity() {
    let v = probe_values(Some("double-queues"));
    assert_eq!(num(&v, "queue"), 8);
    assert_eq!(v["channel"], "8");
    assert_eq!(num(&v, "dir_buffer"), 16 * 1024);
    assert_eq!(num(&v, "leak_std"), 0);
}

#[test]
fn double_buffer_doubles_the_getdents_buffers() {
    let prod = probe_values(None);
    let v = probe_values(Some("double-buffer"));
    assert_eq!(num(&v, "dir_buffer"), 32 * 1024);
    assert_eq!(num(&v, "queue"), 4);
    // The walk holds one buffer per open level (root + LEVELS): each one
    // is 16 KiB larger.
    let grown = num(&v, "peak_getdents") - num(&prod, "peak_getdents");
    assert!(
        grown >= (LEVELS + 1) * 16 * 1024,
        "getdents peak grew by {grown} B only"
    );
}

#[test]
fn an_unknown_plant_aborts_the_scan_loudly() {
    let (status, stdout, stderr) = run_probe(Some("leak16"));
    assert!(!status.success(), "a typo passed:\n{stdout}\n{stderr}");
    assert!(
        stderr.contains("ANIVAULT_PLANT=\"leak16\" is not a planted regression"),
        "{stderr}"
    );
    assert!(!stdout.contains("PROBE leak_"), "the scan ran: {stdout}");
}
