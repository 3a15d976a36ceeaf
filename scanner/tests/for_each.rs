//! `ScanOptions::for_each` and `par_for_each`: the same results as `scan`
//! in every strategy, and no allocation per file with `getdents` (counted
//! by a counting global allocator, per thread: `getdents` walks on the
//! calling thread, so the counts are exact even while other tests allocate
//! on theirs) nor on any worker of `getdents-par`'s `par_for_each`.
#![deny(clippy::undocumented_unsafe_blocks)]

#[allow(dead_code)] // only `within` is used here
mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fs;
use std::ops::ControlFlow;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anivault_scanner::{EntryKind, ScanOptions, Strategy};

struct Counting;

thread_local! {
    /// Allocations made by this thread (const-initialised: no allocation).
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

fn count_one() {
    // `try_with`: nothing to count once the thread's locals are gone.
    let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
}

/// Allocations made by the calling thread so far.
fn allocs() -> usize {
    ALLOCS.with(Cell::get)
}

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: the caller's contract for `alloc` is passed on as is.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new: usize) -> *mut u8 {
        count_one();
        // SAFETY: the caller's contract for `realloc` is passed on as is.
        unsafe { System.realloc(ptr, layout, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Path, depth, and whether the kind is `SymlinkToFile`.
type Row = (PathBuf, usize, bool);

fn via_scan(opts: &ScanOptions, root: &Path) -> (Vec<Row>, usize) {
    let (mut rows, mut errors) = (Vec::new(), 0);
    for r in opts.scan(root) {
        match r {
            Ok(e) => rows.push((
                e.path().to_path_buf(),
                e.depth(),
                e.kind() == EntryKind::SymlinkToFile,
            )),
            Err(_) => errors += 1,
        }
    }
    rows.sort();
    (rows, errors)
}

fn via_for_each(opts: &ScanOptions, root: &Path) -> (Vec<Row>, usize) {
    let (mut rows, mut errors) = (Vec::new(), 0);
    opts.for_each(root, |r| match r {
        Ok(e) => {
            assert_eq!(e.to_entry().file_name(), e.file_name());
            rows.push((e.to_path(), e.depth(), e.kind() == EntryKind::SymlinkToFile))
        }
        Err(_) => errors += 1,
    });
    rows.sort();
    (rows, errors)
}

/// Rows and errors of a `par_for_each`, each worker collecting its own.
fn via_par_for_each(opts: &ScanOptions, root: &Path) -> (Vec<Row>, usize) {
    let states = opts.par_for_each(
        root,
        || (Vec::new(), 0),
        |(rows, errors): &mut (Vec<Row>, usize), r| {
            match r {
                Ok(e) => rows.push((e.to_path(), e.depth(), e.kind() == EntryKind::SymlinkToFile)),
                Err(_) => *errors += 1,
            }
            ControlFlow::Continue(())
        },
    );
    let errors = states.iter().map(|(_, e)| e).sum();
    let mut rows: Vec<Row> = states.into_iter().flat_map(|(r, _)| r).collect();
    rows.sort();
    (rows, errors)
}

fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = dir.path();
    for (d, n) in [("A/S1", 5), ("A/S2", 3), ("B", 4), ("C/x/y/z", 2)] {
        fs::create_dir_all(r.join(d)).expect("mkdir");
        for i in 0..n {
            fs::write(r.join(d).join(format!("ep {i:02}.MKV")), b"").expect("write");
            fs::write(r.join(d).join(format!("ep {i:02}.ass")), b"").expect("write");
        }
    }
    fs::write(r.join("top.mp4"), b"").expect("write");
    fs::write(r.join("no dot"), b"").expect("write");
    symlink("A", r.join("link-to-A")).expect("symlink");
    symlink("top.mp4", r.join("link.mkv")).expect("symlink");
    symlink("..", r.join("C/x/loop")).expect("symlink");
    symlink("missing", r.join("dangling.mkv")).expect("symlink");
    dir
}

#[test]
fn for_each_lends_what_scan_yields_in_every_strategy() {
    let dir = tree();
    let file_root = dir.path().join("top.mp4");
    for s in Strategy::available() {
        for follow in [false, true] {
            for depth in [None, Some(1), Some(3), Some(0)] {
                let opts = ScanOptions::new()
                    .strategy(s)
                    .follow_symlinks(follow)
                    .max_depth(depth);
                if s.supports(&opts).is_err() {
                    continue;
                }
                for root in [dir.path(), &file_root] {
                    let want = via_scan(&opts, root);
                    assert_eq!(
                        via_for_each(&opts, root),
                        want,
                        "{s} follow={follow} depth={depth:?} root={root:?}"
                    );
                    assert_eq!(
                        via_par_for_each(&opts, root),
                        want,
                        "par_for_each: {s} follow={follow} depth={depth:?} root={root:?}"
                    );
                }
            }
        }
    }
    // An unusable root: the same one error.
    let missing = dir.path().join("nope");
    for s in [Strategy::Getdents, Strategy::GetdentsPar, Strategy::Std] {
        let opts = ScanOptions::new().strategy(s);
        if s.availability().is_ok() {
            assert_eq!(via_for_each(&opts, &missing), (vec![], 1), "{s}");
            assert_eq!(via_par_for_each(&opts, &missing), (vec![], 1), "{s}");
        }
    }
}

/// A tree of `dirs` show directories, each with `files` episodes and as
/// many subtitles (only the episodes are media files).
fn shows(dirs: usize, files: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for d in 0..dirs {
        let sub = dir.path().join(format!("Show {d:03}"));
        fs::create_dir(&sub).expect("mkdir");
        for i in 0..files {
            for ext in ["mkv", "ass"] {
                let name = format!("[Grp] Show {d:03} - {i:04} [1080p].{ext}");
                fs::write(sub.join(name), b"").expect("write");
            }
        }
    }
    dir
}

#[test]
fn par_for_each_stops_every_worker_once_the_function_breaks() {
    let dir = shows(40, 50);
    for s in Strategy::available() {
        for threads in [1, 2, 4] {
            let opts = ScanOptions::new().strategy(s).threads(threads);
            // Every call counts; the 10th alone says stop. The worker that
            // gets it stops at once and raises the stop flag; each other
            // worker stops at its next file (one call, two if it was
            // inside a call when the flag went up).
            let calls = AtomicUsize::new(0);
            let states = opts.par_for_each(
                dir.path(),
                || (),
                |(), _| {
                    if calls.fetch_add(1, Ordering::Relaxed) + 1 == 10 {
                        ControlFlow::Break(())
                    } else {
                        ControlFlow::Continue(())
                    }
                },
            );
            let calls = calls.into_inner();
            assert!(
                (10..=10 + 2 * (threads - 1)).contains(&calls),
                "{s} -j{threads}: {calls} calls after a break at the 10th of 2,000 files"
            );
            assert!(!states.is_empty() && states.len() <= threads.max(1), "{s}");
        }
    }
}

#[test]
fn a_panicking_function_ends_par_for_each_instead_of_hanging() {
    if Strategy::GetdentsPar.availability().is_err() {
        eprintln!("skipped: getdents-par is not available here");
        return;
    }
    let dir = Arc::new(shows(40, 50));
    let root = Arc::clone(&dir);
    // The 100th file panics, on whichever worker finds it: a panic on the
    // calling thread comes out of par_for_each; one on another worker
    // becomes a WorkerPanicked error. Either way the walk ends.
    let outcome = common::within(Duration::from_secs(30), move || {
        std::panic::catch_unwind(|| {
            let seen = AtomicUsize::new(0);
            let opts = ScanOptions::new()
                .strategy(Strategy::GetdentsPar)
                .threads(2);
            let states = opts.par_for_each(root.path(), Vec::new, |errors, r| {
                match r {
                    Ok(_) if seen.fetch_add(1, Ordering::Relaxed) == 99 => {
                        panic!("planted panic at the 100th file")
                    }
                    Ok(_) => {}
                    Err(e) => errors.push(e.to_string()),
                }
                ControlFlow::Continue(())
            });
            states.concat()
        })
    })
    .expect("par_for_each hung after a panic in its function");
    if let Ok(errors) = outcome {
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("panicked"), "{errors:?}");
    }
}

/// Allocations made by a `getdents` `for_each` that counts the media files
/// of a directory of `n` of them (and as many other files).
fn allocs_for(n: usize) -> (usize, usize) {
    allocs_with(Strategy::Getdents, n)
}

/// Allocations made on the calling thread by a `for_each` with `s` that
/// counts the media files of a directory of `n` of them (and as many
/// other files).
fn allocs_with(s: Strategy, n: usize) -> (usize, usize) {
    let dir = shows(1, n);
    let opts = ScanOptions::new().strategy(s);
    let mut count = 0;
    let before = allocs();
    opts.for_each(dir.path(), |r| {
        if r.is_ok() {
            count += 1;
        }
    });
    let made = allocs() - before;
    (count, made)
}

#[test]
fn getdents_for_each_allocates_nothing_per_file() {
    let (small_n, small) = allocs_for(50);
    let (big_n, big) = allocs_for(2_000);
    assert_eq!((small_n, big_n), (50, 2_000));
    // Same allocations for 40x the files: none per file.
    assert_eq!(
        small, big,
        "allocations: {small} for 50 files, {big} for 2,000"
    );
    // And `scan` makes (at least) one per file: the test can tell.
    assert_scan_allocates_per_file(Strategy::Getdents);
}

#[test]
fn getdents_par_for_each_allocates_nothing_per_file_on_the_calling_thread() {
    if Strategy::GetdentsPar.availability().is_err() {
        eprintln!("skipped: getdents-par is not available here");
        return;
    }
    // The workers pack the paths into batches that they reuse; the calling
    // thread lends each file from its batch: its allocations (the workers'
    // start, the channels) do not grow with the files.
    let (small_n, small) = allocs_with(Strategy::GetdentsPar, 50);
    let (big_n, big) = allocs_with(Strategy::GetdentsPar, 2_000);
    assert_eq!((small_n, big_n), (50, 2_000));
    // Within a few: waiting on the channel may or may not register a
    // waker (timing), never one allocation per file (1,950 more here).
    assert!(
        big.abs_diff(small) <= 8,
        "allocations: {small} for 50 files, {big} for 2,000"
    );
    // `scan` makes one per file on the calling thread (the consumer makes
    // each entry's path): the test can tell.
    assert_scan_allocates_per_file(Strategy::GetdentsPar);
}

/// Allocations each worker of a `getdents-par` `par_for_each` made between
/// its first and its last file, over a tree of `dirs` directories of
/// `files` media files (and as many subtitles): the files counted, and the
/// most any worker made.
fn par_allocs(dirs: usize, files: usize) -> (usize, usize) {
    let dir = shows(dirs, files);
    let opts = ScanOptions::new()
        .strategy(Strategy::GetdentsPar)
        .threads(2);
    // Per worker: files, allocations at its first file, at its last.
    let states = opts.par_for_each(
        dir.path(),
        || (0, None, 0),
        |(n, first, last), r| {
            assert!(r.is_ok(), "{r:?}");
            *n += 1;
            let now = allocs();
            first.get_or_insert(now);
            *last = now;
            ControlFlow::Continue(())
        },
    );
    let count = states.iter().map(|(n, _, _)| n).sum();
    let most = states
        .iter()
        .map(|(_, first, last)| first.map_or(0, |f| last - f))
        .max()
        .unwrap_or(0);
    (count, most)
}

#[test]
fn getdents_par_par_for_each_allocates_nothing_per_file_on_any_worker() {
    if Strategy::GetdentsPar.availability().is_err() {
        eprintln!("skipped: getdents-par is not available here");
        return;
    }
    // Directories handed between workers allocate (their path, a
    // buffer); files never do. 4 directories of 500 files and of 5 make
    // the same number of hand-offs at most, 100x the files.
    let (small_n, small) = par_allocs(4, 5);
    let (big_n, big) = par_allocs(4, 500);
    assert_eq!((small_n, big_n), (20, 2_000));
    assert!(
        big <= small + 16,
        "allocations on one worker: {small} for 20 files, {big} for 2,000"
    );
}

/// `scan` with `s` makes at least one allocation per file on the calling
/// thread (what the tests above tell apart from none).
fn assert_scan_allocates_per_file(s: Strategy) {
    let dir = shows(1, 100);
    let before = allocs();
    let n = ScanOptions::new().strategy(s).scan(dir.path()).count();
    assert_eq!(n, 100);
    let made = allocs() - before;
    assert!(made >= 100, "{s}: {made} allocations for 100 files");
}
