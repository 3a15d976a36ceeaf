//! Library-level checks of bad inputs, for every available strategy: error
//! items carry the path, the depth and a typed cause; a FIFO root yields
//! nothing without blocking; and dropping a scan early stops every walker
//! thread. (The command-line side is in the root package's
//! `tests/scan_cli.rs`.)
//!
//! Set `ANIVAULT_TEST_STRATEGIES` (comma-separated names) to restrict the
//! strategies while developing.

#[allow(dead_code)] // each test file uses part of it
mod common;

use common::within;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anivault_scanner::{ErrorCause, MediaEntry, ScanError, ScanOptions, Strategy};
use tempfile::TempDir;

/// Available strategies (all unless `ANIVAULT_TEST_STRATEGIES` restricts).
fn strategies() -> Vec<Strategy> {
    let only = std::env::var("ANIVAULT_TEST_STRATEGIES").ok();
    Strategy::available()
        .into_iter()
        .filter(|s| {
            only.as_ref()
                .is_none_or(|o| o.split(',').any(|x| x == s.name()))
        })
        .collect()
}

/// Runs `check` for every strategy (a panic counts as a failure) and fails
/// once, listing every failing strategy.
fn each_strategy(test: &str, mut check: impl FnMut(Strategy) -> Result<(), String>) {
    let mut failed = Vec::new();
    for s in strategies() {
        match catch_unwind(AssertUnwindSafe(|| check(s))) {
            Ok(Ok(())) => eprintln!("{test}: {s}: ok"),
            Ok(Err(e)) => failed.push(format!("[{s}] {e}")),
            Err(_) => failed.push(format!("[{s}] panicked (see above)")),
        }
    }
    assert!(
        failed.is_empty(),
        "{test}: {} strategies failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

/// Collects a whole scan under a watchdog.
fn collect(opts: ScanOptions, root: &Path) -> Result<(Vec<MediaEntry>, Vec<ScanError>), String> {
    let root = root.to_path_buf();
    within(Duration::from_secs(60), move || {
        let (mut ok, mut err) = (Vec::new(), Vec::new());
        for item in opts.scan(&root) {
            match item {
                Ok(e) => ok.push(e),
                Err(e) => err.push(e),
            }
        }
        ok.sort_by(|a, b| a.path().cmp(b.path()));
        err.sort_by(|a, b| a.path().cmp(b.path()));
        (ok, err)
    })
}

/// A scratch directory, on tmpfs when there is one.
fn scratch() -> TempDir {
    if Path::new("/dev/shm").is_dir() {
        if let Ok(t) = tempfile::tempdir_in("/dev/shm") {
            return t;
        }
    }
    tempfile::tempdir().expect("tempdir")
}

fn touch(root: &Path, rel: &str) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, b"").unwrap();
}

fn paths(entries: &[MediaEntry]) -> Vec<PathBuf> {
    entries.iter().map(|e| e.path().to_path_buf()).collect()
}

#[test]
fn missing_root_yields_one_error_with_path_depth_and_kind() {
    let dir = scratch();
    let root = dir.path().join("gone");
    each_strategy("missing_root", |s| {
        let (ok, err) = collect(ScanOptions::new().strategy(s), &root)?;
        if !ok.is_empty() || err.len() != 1 {
            return Err(format!("want one error, got {ok:?} {err:?}"));
        }
        let e = &err[0];
        if e.path() != root || e.depth() != 0 {
            return Err(format!("wrong path or depth: {e:?}"));
        }
        if e.io_kind() != Some(std::io::ErrorKind::NotFound) {
            return Err(format!("want NotFound, got {e:?}"));
        }
        let text = e.to_string();
        if !text.contains(&root.display().to_string()) || !text.contains("No such file") {
            return Err(format!("message does not name path and cause: {text}"));
        }
        Ok(())
    });
}

#[test]
fn fifo_root_yields_nothing_and_does_not_block() {
    let dir = scratch();
    let fifo = dir.path().join("pipe.mkv");
    rustix::fs::mknodat(
        rustix::fs::CWD,
        &fifo,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o644),
        0,
    )
    .unwrap();
    each_strategy("fifo_root", |s| {
        let (ok, err) = collect(ScanOptions::new().strategy(s), &fifo)?;
        if ok.is_empty() && err.is_empty() {
            Ok(())
        } else {
            Err(format!("want nothing, got {ok:?} {err:?}"))
        }
    });
}

#[test]
fn symlink_loops_are_typed_errors_with_ancestor_and_depth() {
    let dir = scratch();
    let r = dir.path();
    touch(r, "a/x.mkv");
    touch(r, "a/b/y.mkv");
    std::os::unix::fs::symlink("..", r.join("a/b/up")).unwrap();
    std::os::unix::fs::symlink("../..", r.join("a/b/top")).unwrap();
    let want: Vec<PathBuf> = vec![r.join("a/b/y.mkv"), r.join("a/x.mkv")];
    each_strategy("symlink_loop", |s| {
        let opts = ScanOptions::new().strategy(s).follow_symlinks(true);
        let (ok, err) = collect(opts, r)?;
        if s.supports(&ScanOptions::new().strategy(s).follow_symlinks(true))
            .is_err()
        {
            // dua: one Unsupported error, nothing else.
            return match (&ok[..], &err[..]) {
                ([], [e]) if matches!(e.cause(), ErrorCause::Unsupported(_)) => Ok(()),
                _ => Err(format!("want one Unsupported error, got {ok:?} {err:?}")),
            };
        }
        if paths(&ok) != want {
            return Err(format!("files: want {want:?}, got {:?}", paths(&ok)));
        }
        let expect = [
            (r.join("a/b/top"), r.to_path_buf()),
            (r.join("a/b/up"), r.join("a")),
        ];
        if err.len() != 2 {
            return Err(format!("want two loop errors, got {err:?}"));
        }
        for (e, (path, anc)) in err.iter().zip(&expect) {
            let ok = e.is_loop()
                && e.path() == path
                && e.depth() == 3
                && matches!(e.cause(), ErrorCause::Loop { ancestor } if ancestor == anc)
                && e.to_string().contains("loop");
            if !ok {
                return Err(format!(
                    "want a loop error at {path:?} (depth 3) back to {anc:?}, got {e:?}"
                ));
            }
        }
        Ok(())
    });
}

/// `levels` directories of 200-byte names, with `f.mkv` in the root and the
/// deepest one, built relative to the parent descriptor (paths > PATH_MAX).
/// Returns the deepest file's path.
fn deep_tree(root: &Path, levels: usize) -> PathBuf {
    use rustix::fs::{mkdirat, openat, Mode, OFlags, CWD};
    let dirf = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let filef = OFlags::WRONLY | OFlags::CREATE | OFlags::CLOEXEC;
    let name = [b'n'; 200];
    let name = std::ffi::OsStr::from_bytes(&name);
    let mut dir = openat(CWD, root, dirf, Mode::empty()).unwrap();
    drop(openat(&dir, "f.mkv", filef, Mode::from_raw_mode(0o644)).unwrap());
    let mut path = root.to_path_buf();
    for _ in 0..levels {
        mkdirat(&dir, name, Mode::from_raw_mode(0o755)).unwrap();
        dir = openat(&dir, name, dirf, Mode::empty()).unwrap();
        path.push(name);
    }
    drop(openat(&dir, "f.mkv", filef, Mode::from_raw_mode(0o644)).unwrap());
    path.join("f.mkv")
}

#[test]
fn beyond_path_max_is_found_or_a_too_long_error() {
    let dir = scratch();
    let r = dir.path().to_path_buf();
    let deep = deep_tree(&r, 25);
    assert!(deep.as_os_str().len() > 4096);
    each_strategy("beyond_path_max", |s| {
        let (ok, err) = collect(ScanOptions::new().strategy(s), &r)?;
        let got = paths(&ok);
        let shallow = r.join("f.mkv");
        let mut all = vec![shallow.clone(), deep.clone()];
        all.sort();
        if err.is_empty() && got == all {
            return Ok(());
        }
        if matches!(s.name(), "getdents" | "getdents-par") {
            return Err(format!(
                "openat-based: want both files and no error, got {} files, {err:?}",
                got.len()
            ));
        }
        if got != [shallow.clone()] && got != all {
            return Err(format!(
                "want the shallow file (at least), got {} files",
                got.len()
            ));
        }
        match &err[..] {
            [e] if matches!(e.cause(), ErrorCause::TooLong) && e.path().starts_with(&r) => Ok(()),
            _ => Err(format!("want one TooLong error, got {err:?}")),
        }
    });
    // Too deep for remove_dir_all: rm(1) handles it.
    let _ = Command::new("rm").arg("-rf").arg(&r).status();
}

// ---------------------------------------------------------------- early drop

/// Threads of this process.
fn thread_count() -> usize {
    fs::read_dir("/proc/self/task").map_or(0, |d| d.count())
}

const CHILD_ENV: &str = "ANIVAULT_EARLY_DROP_CHILD";

/// Dropping a scan after a few items (or before the first) returns promptly
/// and leaves no walker thread behind. Runs [`early_drop_child_body`] alone
/// in a child process, so that no other test's thread skews the count.
#[test]
fn early_drop_stops_every_walker_thread() {
    common::run_body_in_child(
        "early_drop_child_body",
        CHILD_ENV,
        Duration::from_secs(180),
        "early-drop",
    );
}

/// The body of [`early_drop_stops_every_walker_thread`]; does nothing unless
/// run as its child.
#[test]
fn early_drop_child_body() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let dir = scratch();
    let big = dir.path().join("big");
    for d in 0..100 {
        let sub = big.join(format!("dir{d:03}"));
        fs::create_dir_all(&sub).unwrap();
        for f in 0..200 {
            fs::write(sub.join(format!("Show - {f:03}.mkv")), b"").unwrap();
        }
    }
    let small = dir.path().join("small");
    touch(&small, "a/x.mkv");
    touch(&small, "y.mkv");
    let start = thread_count();
    each_strategy("early_drop", |s| {
        for (take, threads) in [(10, 0), (0, 0), (10, 3)] {
            let opts = ScanOptions::new().strategy(s).threads(threads);
            // A pool that lives across scans (rayon's global one) is not a
            // leak: let it exist before the baseline.
            let warm = opts.scan(&small).filter(|r| r.is_ok()).count();
            if warm != 2 {
                return Err(format!("warm-up scan found {warm} of 2 files"));
            }
            let before = thread_count();
            let (o, root) = (opts.clone(), big.clone());
            let got = within(Duration::from_secs(30), move || {
                let mut scan = o.scan(&root);
                let items: Vec<_> = scan.by_ref().take(take).collect();
                drop(scan);
                items.iter().filter(|r| r.is_ok()).count()
            })
            .map_err(|e| format!("take({take}) then drop: {e}"))?;
            if got != take {
                return Err(format!("take({take}): {got} files"));
            }
            let deadline = Instant::now() + Duration::from_secs(5);
            let mut now = thread_count();
            while now > before && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
                now = thread_count();
            }
            if now > before {
                return Err(format!(
                    "take({take}), threads({threads}): {before} threads before, {now} five seconds after the drop"
                ));
            }
        }
        if thread_count() > start {
            eprintln!(
                "early_drop: {s}: {} threads now, {start} at the start (threads kept across scans)",
                thread_count()
            );
        }
        Ok(())
    });
}
