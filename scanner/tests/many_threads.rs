//! getdents-par with more workers than cores hands subdirectories over
//! unopened (the receiving worker opens them, so opens overlap on a
//! latency-bound mount): the same files, and no errors, as a one-thread
//! walk, on a wide tree and down a deep chain.
#![cfg(all(target_os = "linux", feature = "getdents-par"))]

use std::path::PathBuf;

use anivault_scanner::{ScanOptions, Strategy};

fn paths(opts: &ScanOptions, root: &std::path::Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let (mut files, mut errors) = (Vec::new(), Vec::new());
    for item in opts.scan(root) {
        match item {
            Ok(e) => files.push(e.path().to_path_buf()),
            Err(e) => errors.push(e.path().to_path_buf()),
        }
    }
    files.sort();
    errors.sort();
    (files, errors)
}

#[test]
fn more_workers_than_cores_find_the_same_files() {
    let t = tempfile::tempdir().expect("tempdir");
    for a in 0..40 {
        for b in 0..3 {
            let d = t.path().join(format!("show {a}/season {b}"));
            std::fs::create_dir_all(&d).expect("mkdir");
            for c in 0..4 {
                std::fs::write(d.join(format!("ep{c}.mkv")), b"").expect("write");
            }
        }
        std::fs::write(t.path().join(format!("show {a}/extra.mkv")), b"").expect("write");
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let reference = paths(&ScanOptions::new().strategy(Strategy::Std), t.path());
    assert_eq!(reference.0.len(), 40 * 13);
    for threads in [cores * 4, 64] {
        let opts = ScanOptions::new()
            .strategy(Strategy::GetdentsPar)
            .threads(threads);
        assert_eq!(paths(&opts, t.path()), reference, "{threads} threads");
    }
}

#[test]
fn a_deep_chain_is_walked_to_the_bottom_with_many_workers() {
    let t = tempfile::tempdir().expect("tempdir");
    for a in 0..20 {
        let d = t.path().join(format!("d{a}"));
        std::fs::create_dir(&d).expect("mkdir");
        std::fs::write(d.join("x.mkv"), b"").expect("write");
    }
    // Every level of a 30-deep chain is handed over unopened in turn.
    let mut deep = t.path().join("deep");
    for i in 0..30 {
        deep = deep.join(format!("l{i}"));
    }
    std::fs::create_dir_all(&deep).expect("mkdir");
    std::fs::write(deep.join("bottom.mkv"), b"").expect("write");
    let reference = paths(&ScanOptions::new().strategy(Strategy::Std), t.path());
    assert_eq!(reference.0.len(), 21);
    let opts = ScanOptions::new()
        .strategy(Strategy::GetdentsPar)
        .threads(64);
    assert_eq!(paths(&opts, t.path()), reference);
}
