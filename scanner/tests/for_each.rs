//! `ScanOptions::for_each`: the same results as `scan` in every strategy,
//! and no allocation per file with `getdents` (counted by a counting global
//! allocator, per thread: `getdents` walks on the calling thread, so the
//! counts are exact even while other tests allocate on theirs).
#![deny(clippy::undocumented_unsafe_blocks)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

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
                }
            }
        }
    }
    // An unusable root: the same one error.
    let missing = dir.path().join("nope");
    let opts = ScanOptions::new().strategy(Strategy::Getdents);
    assert_eq!(via_for_each(&opts, &missing), (vec![], 1));
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
    let dir = tempfile::tempdir().expect("tempdir");
    let sub = dir.path().join("Show");
    fs::create_dir(&sub).expect("mkdir");
    for i in 0..n {
        fs::write(sub.join(format!("[Grp] Show - {i:04} [1080p].mkv")), b"").expect("write");
        fs::write(sub.join(format!("[Grp] Show - {i:04} [1080p].ass")), b"").expect("write");
    }
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
    let dir = tempfile::tempdir().expect("tempdir");
    for i in 0..100 {
        fs::write(dir.path().join(format!("{i}.mkv")), b"").expect("write");
    }
    let before = allocs();
    let n = ScanOptions::new()
        .strategy(Strategy::Getdents)
        .scan(dir.path())
        .count();
    assert_eq!(n, 100);
    assert!(allocs() - before >= 100);
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
    let dir = tempfile::tempdir().expect("tempdir");
    for i in 0..100 {
        fs::write(dir.path().join(format!("{i}.mkv")), b"").expect("write");
    }
    let before = allocs();
    let n = ScanOptions::new()
        .strategy(Strategy::GetdentsPar)
        .scan(dir.path())
        .count();
    assert_eq!(n, 100);
    assert!(allocs() - before >= 100);
}
