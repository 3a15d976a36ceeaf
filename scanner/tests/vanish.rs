//! Directories that vanish mid-scan (issue 10 item 7): a directory the
//! parent listed and that is gone when the walker opens it is an error item
//! naming it, in every strategy, with and without `follow_symlinks`; a scan
//! never comes back short without saying so. A dangling link met while
//! following links stays silent.
//!
//! How, without a race: the scan is a stream and the walkers stop when the
//! consumer does not read (single-thread walkers entirely, parallel ones at
//! their bounded queues). When the first file arrives the root has been
//! listed, so the test moves every other top-level directory out of the
//! tree then (a rename, as in the race: the contents stay intact);
//! each moved directory must afterwards show up either through its files
//! (the walker had opened it already) or through an error item naming it
//! (or its subdirectory) — never neither. A tree wider than every queue makes sure some directories are
//! removed before they are opened: for the single-thread strategies that
//! happens every time (checked).

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use anivault_scanner::{ScanOptions, Strategy};

/// Top-level directories; each holds one subdirectory with [`FILES`] files.
const DIRS: usize = 300;
const FILES: usize = 2;

/// A scratch directory, on tmpfs when there is one.
fn scratch() -> tempfile::TempDir {
    tempfile::tempdir_in("/dev/shm")
        .or_else(|_| tempfile::tempdir())
        .unwrap()
}

fn make_tree(root: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for d in 0..DIRS {
        let dir = root.join(format!("show{d:03}"));
        fs::create_dir_all(dir.join("season")).unwrap();
        for f in 0..FILES {
            fs::write(dir.join(format!("season/ep{f}.mkv")), b"").unwrap();
        }
        dirs.push(dir);
    }
    // A dangling link: silent with follow_symlinks, not even seen without.
    std::os::unix::fs::symlink("no-such-target", root.join("dangling")).unwrap();
    dirs
}

/// The top-level directory of `path` below `root`.
fn top(root: &Path, path: &Path) -> Option<PathBuf> {
    let rel = path.strip_prefix(root).ok()?;
    Some(root.join(rel.components().next()?))
}

struct Outcome {
    /// Top-level directories moved out of the tree during the scan.
    removed: Vec<PathBuf>,
    /// Top-level directories some file of which was yielded.
    seen: BTreeSet<PathBuf>,
    /// Paths of the error items.
    errors: Vec<(PathBuf, Option<io::ErrorKind>)>,
}

fn scan_removing(strategy: Strategy, follow: bool) -> Outcome {
    let base = scratch();
    let root = base.path().join("root");
    let away = base.path().join("away");
    fs::create_dir(&root).unwrap();
    fs::create_dir(&away).unwrap();
    let dirs = make_tree(&root);
    let opts = ScanOptions::new()
        .strategy(strategy)
        .threads(2)
        .follow_symlinks(follow);
    let mut removed = Vec::new();
    let mut seen = BTreeSet::new();
    let mut errors = Vec::new();
    for item in opts.scan(&root) {
        match item {
            Ok(e) => {
                let t = top(&root, e.path()).expect("a path below the root");
                assert!(e.path().exists() || removed.contains(&t), "{e:?} invented");
                if removed.is_empty() {
                    for d in dirs.iter().filter(|d| **d != t) {
                        fs::rename(d, away.join(d.file_name().unwrap())).unwrap();
                        removed.push(d.clone());
                    }
                }
                seen.insert(t);
            }
            Err(e) => errors.push((e.path().to_path_buf(), e.io_kind())),
        }
    }
    Outcome {
        removed,
        seen,
        errors,
    }
}

#[test]
fn a_directory_that_vanishes_before_it_is_opened_is_reported_by_every_strategy() {
    let mut failures = Vec::new();
    for s in Strategy::available() {
        for follow in [false, true] {
            if follow
                && s.supports(&ScanOptions::new().follow_symlinks(true))
                    .is_err()
            {
                continue; // dua: refuses follow_symlinks
            }
            let o = scan_removing(s, follow);
            let what = format!("{s}{}", if follow { " -L" } else { "" });
            assert_eq!(o.removed.len(), DIRS - 1, "{what}: found no file at all");
            let named: BTreeSet<&Path> = o.errors.iter().map(|(p, _)| p.as_path()).collect();
            let mut reported = 0;
            let mut silent = Vec::new();
            for d in &o.removed {
                if o.seen.contains(d) {
                    continue;
                }
                // The directory itself or its subdirectory (if it was
                // opened and the subdirectory went away under it).
                if named.iter().any(|p| p.starts_with(d)) {
                    reported += 1;
                } else {
                    silent.push(d.display().to_string());
                }
            }
            if !silent.is_empty() {
                failures.push(format!(
                    "{what}: {} removed directories neither walked nor reported, e.g. {}",
                    silent.len(),
                    silent[0]
                ));
            }
            for (p, kind) in &o.errors {
                if !matches!(
                    kind,
                    Some(io::ErrorKind::NotFound | io::ErrorKind::NotADirectory)
                ) || p.ends_with("dangling")
                {
                    failures.push(format!("{what}: unexpected error item {p:?} ({kind:?})"));
                }
            }
            // Single-thread walkers read no directory ahead: every removed
            // directory is one they had not opened yet.
            let single = matches!(s, Strategy::Std | Strategy::Walkdir | Strategy::Getdents);
            if single && reported != DIRS - 1 {
                failures.push(format!(
                    "{what}: {reported} of {} removed directories reported",
                    DIRS - 1
                ));
            }
            eprintln!(
                "{what}: {} removed, {reported} reported, {} walked before removal",
                o.removed.len(),
                o.seen.len() - 1
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_dangling_link_is_silent_with_follow_symlinks() {
    let dir = scratch();
    make_tree(dir.path());
    for s in Strategy::available() {
        let opts = ScanOptions::new()
            .strategy(s)
            .threads(2)
            .follow_symlinks(true);
        if s.supports(&opts).is_err() {
            continue;
        }
        let (mut ok, mut err) = (0, Vec::new());
        for item in opts.scan(dir.path()) {
            match item {
                Ok(_) => ok += 1,
                Err(e) => err.push(e.to_string()),
            }
        }
        assert_eq!((ok, err), (DIRS * FILES, Vec::<String>::new()), "{s}");
    }
}
