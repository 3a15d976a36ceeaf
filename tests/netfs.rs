//! The netfs latency mount (issue 14): a mounted fixture scans like the
//! tree itself, requests are served concurrently, the mount goes away on
//! drop, on a panic and on SIGINT of `netfs mount`, a non-empty mount
//! point is refused, and a 64-thread scan of the mount stays in bounded
//! heap.
//!
//! Every test that needs a mount skips, with the reason printed, where
//! `/dev/fuse` or the right to mount is missing (the refusal of a non-empty
//! directory needs neither and always runs).

use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Barrier, OnceLock};
use std::time::{Duration, Instant};

use anivault_bench::netfs::{is_mounted, Mount, NetFs, NetFsBuilder, NetFsError, OpClass};
use anivault_bench::profile::protocol::{Mode, Request, Response};
use anivault_bench::subject::Subject;
use anivault_scanner::Strategy;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_anivault-bench")
}

/// The anime-1k fixture (1,000 files, 74 directories), generated once per
/// test run under the target directory.
fn fixture() -> &'static Path {
    static TREE: OnceLock<PathBuf> = OnceLock::new();
    TREE.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("netfs-anime-1k");
        let out = Command::new(bin())
            .args(["gen", "--preset", "anime-1k", "--out"])
            .arg(&dir)
            .output()
            .expect("run gen");
        assert!(
            out.status.success(),
            "gen failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        dir.join("tree")
    })
}

/// Mounts, or prints why the test is skipped and returns `None`.
fn mount_or_skip(b: &NetFsBuilder, test: &str) -> Option<Mount> {
    match b.mount_temp() {
        Ok(m) => Some(m),
        Err(e @ NetFsError::Unavailable(_)) => {
            eprintln!("skipped {test}: {e}");
            None
        }
        Err(NetFsError::Mount(p, e))
            if matches!(
                e.raw_os_error(),
                Some(libc::EPERM | libc::EACCES | libc::ENODEV)
            ) =>
        {
            eprintln!("skipped {test}: mounting on {} refused: {e}", p.display());
            None
        }
        Err(e) => panic!("{test}: mount failed: {e}"),
    }
}

/// `scan --print0` of `root` with `strategy` and `threads`: the paths
/// relative to `root`, sorted.
fn scan_rel(root: &Path, strategy: &str, threads: &str) -> Vec<Vec<u8>> {
    let out = Command::new(bin())
        .args(["scan", "--print0", "-s", strategy, "-j", threads])
        .arg(root)
        .output()
        .expect("run scan");
    assert_eq!(
        out.status.code(),
        Some(0),
        "scan -s {strategy} {}: {}",
        root.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let prefix = std::os::unix::ffi::OsStrExt::as_bytes(root.as_os_str()).to_vec();
    let mut v: Vec<Vec<u8>> = out
        .stdout
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| {
            assert!(p.starts_with(&prefix), "path outside the root");
            let rel = &p[prefix.len()..];
            rel.strip_prefix(b"/").unwrap_or(rel).to_vec()
        })
        .collect();
    v.sort();
    v
}

#[test]
fn a_mounted_fixture_scans_like_the_tree_itself() {
    let tree = fixture();
    let b = NetFs::builder(tree).latency(Duration::from_micros(100));
    let Some(m) = mount_or_skip(&b, "a_mounted_fixture_scans_like_the_tree_itself") else {
        return;
    };
    for (strategy, threads) in [("getdents", "1"), ("getdents-par", "8"), ("rayon", "auto")] {
        let direct = scan_rel(tree, strategy, threads);
        // anime-1k: 1,000 files, 766 of them video (the others sidecars).
        assert_eq!(direct.len(), 766, "the fixture's media files");
        let mounted = scan_rel(m.path(), strategy, threads);
        assert_eq!(mounted, direct, "{strategy}: the mount lists other files");
    }
    // Sizes (the fixture's files are sparse, of many sizes) through the
    // mount equal the tree's.
    let rel = scan_rel(tree, "getdents", "1");
    let size = |root: &Path| -> u64 {
        rel.iter()
            .map(|p| {
                let p = root.join(std::ffi::OsStr::from_bytes(p));
                std::fs::symlink_metadata(&p).expect("stat").len()
            })
            .sum()
    };
    assert_eq!(size(m.path()), size(tree));
    let c = m.counts();
    assert!(
        c.get(OpClass::Opendir) >= 3 * 74,
        "every scan opened every directory: {c}"
    );
}

#[test]
fn threads_auto_sees_the_mount_as_fuse() {
    use anivault_scanner::fskind::{auto_threads, fs_kind, FsKind, REMOTE_THREADS};
    use anivault_scanner::Strategy::{GetdentsPar, Std};
    let b = NetFs::builder(fixture());
    let Some(m) = mount_or_skip(&b, "threads_auto_sees_the_mount_as_fuse") else {
        return;
    };
    assert_eq!(fs_kind(m.path()), Some(FsKind::Fuse));
    assert_eq!(auto_threads(m.path(), GetdentsPar), REMOTE_THREADS);
    assert_eq!(auto_threads(m.path(), Std), REMOTE_THREADS);
    assert_eq!(
        auto_threads(&m.path().join("missing"), GetdentsPar),
        auto_threads(Path::new("/proc"), GetdentsPar)
    );
    // `scan -j auto` on the mount finds the same files as on the tree.
    assert_eq!(
        scan_rel(m.path(), "getdents-par", "auto"),
        scan_rel(fixture(), "getdents-par", "auto")
    );
}

#[test]
fn sixty_four_concurrent_stats_at_5ms_overlap() {
    let src = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
    for i in 0..64 {
        std::fs::write(src.path().join(format!("f{i}")), b"x").expect("write");
    }
    let b = NetFs::builder(src.path()).latency(Duration::from_millis(5));
    let Some(m) = mount_or_skip(&b, "sixty_four_concurrent_stats_at_5ms_overlap") else {
        return;
    };
    // One `stat` costs a lookup and a getattr of the file (and of the root,
    // its attributes not being cached either): 10-15 ms one after the
    // other, so 64 in a row would take at least 640 ms. Best of three
    // rounds, against the issue's bound of 50 ms for the whole batch.
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let before = m.counts();
        let gate = Arc::new(Barrier::new(65));
        let handles: Vec<_> = (0..64)
            .map(|i| {
                let p = m.path().join(format!("f{i}"));
                let gate = Arc::clone(&gate);
                std::thread::spawn(move || {
                    gate.wait();
                    std::fs::metadata(p).expect("stat through the mount").len()
                })
            })
            .collect();
        gate.wait();
        let t = Instant::now();
        for h in handles {
            assert_eq!(h.join().expect("stat thread"), 1);
        }
        best = best.min(t.elapsed());
        let done = m.counts().since(&before);
        assert!(
            done.get(OpClass::Lookup) >= 64 && done.get(OpClass::Getattr) >= 64,
            "each stat reached the daemon: {done}"
        );
    }
    assert!(
        best < Duration::from_millis(50),
        "64 concurrent stats at 5 ms took {best:?} (best of 3): the requests did not overlap"
    );
}

#[test]
fn dropping_the_guard_unmounts_and_removes_the_directory() {
    let b = NetFs::builder(fixture());
    let Some(m) = mount_or_skip(&b, "dropping_the_guard_unmounts_and_removes_the_directory") else {
        return;
    };
    let p = m.path().to_path_buf();
    assert!(
        is_mounted(&p),
        "{} is not in /proc/self/mountinfo",
        p.display()
    );
    assert!(p.join("manifest.json").exists() || std::fs::read_dir(&p).unwrap().count() > 0);
    drop(m);
    assert!(!is_mounted(&p), "{} still mounted after drop", p.display());
    assert!(!p.exists(), "the temporary mount point was left behind");
}

#[test]
fn a_panic_while_mounted_unmounts() {
    let b = NetFs::builder(fixture());
    let Some(probe) = mount_or_skip(&b, "a_panic_while_mounted_unmounts") else {
        return;
    };
    drop(probe);
    let mut seen = None;
    let r = catch_unwind(AssertUnwindSafe(|| {
        let m = b.mount_temp().expect("mount");
        seen = Some(m.path().to_path_buf());
        panic!("test body fails while mounted");
    }));
    assert!(r.is_err());
    let p = seen.expect("mounted before the panic");
    assert!(
        !is_mounted(&p),
        "{} still mounted after the panic",
        p.display()
    );

    // The same while the mount is busy (a directory open on it outlives
    // the guard): umount(2) says EBUSY, the lazy unmount detaches it.
    let mut busy = None;
    let mut seen = None;
    let r = catch_unwind(AssertUnwindSafe(|| {
        let m = b.mount_temp().expect("mount");
        seen = Some(m.path().to_path_buf());
        busy = Some(std::fs::File::open(m.path()).expect("open the mount's root"));
        panic!("test body fails while the mount is busy");
    }));
    assert!(r.is_err());
    let p = seen.expect("mounted before the panic");
    assert!(busy.is_some());
    assert!(
        !is_mounted(&p),
        "{} still mounted after the panic (busy)",
        p.display()
    );
    drop(busy);
}

#[test]
fn sigint_of_netfs_mount_unmounts() {
    let b = NetFs::builder(fixture());
    let Some(probe) = mount_or_skip(&b, "sigint_of_netfs_mount_unmounts") else {
        return;
    };
    drop(probe);
    let mp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
    let mut child = Command::new(bin())
        .args(["netfs", "mount", "--latency", "1ms"])
        .arg(fixture())
        .arg(mp.path())
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start netfs mount");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !is_mounted(mp.path()) {
        if let Some(st) = child.try_wait().expect("wait") {
            panic!("netfs mount ended before mounting: {st}");
        }
        assert!(Instant::now() < deadline, "not mounted after 20 s");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        std::fs::read_dir(mp.path())
            .expect("list the mount")
            .count()
            > 0
    );
    let pid = rustix::process::Pid::from_child(&child);
    rustix::process::kill_process(pid, rustix::process::Signal::INT).expect("kill -INT");
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("netfs mount still running 20 s after SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut err);
    }
    assert_eq!(status.code(), Some(0), "netfs mount after SIGINT: {err}");
    assert!(err.contains("unmounted"), "stderr: {err}");
    assert!(
        err.contains("opendir"),
        "the request counts are printed: {err}"
    );
    assert!(!is_mounted(mp.path()), "still mounted after SIGINT");
    assert_eq!(std::fs::read_dir(mp.path()).unwrap().count(), 0);
}

#[test]
fn mounting_over_a_non_empty_directory_exits_2_and_leaves_it() {
    let mp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
    let keep = mp.path().join("keep.mkv");
    std::fs::File::create(&keep)
        .and_then(|mut f| f.write_all(b"precious"))
        .expect("write");
    let src = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
    let out = Command::new(bin())
        .args(["netfs", "mount"])
        .arg(src.path())
        .arg(mp.path())
        .output()
        .expect("run netfs mount");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert!(
        err.contains(&mp.path().display().to_string()) && err.contains("not empty"),
        "the error names the directory: {err}"
    );
    assert!(!is_mounted(mp.path()));
    assert_eq!(std::fs::read(&keep).expect("still there"), b"precious");
    assert_eq!(std::fs::read_dir(mp.path()).unwrap().count(), 1);
}

/// Peak heap (dhat, in the measuring child, as `profile` measures it) of
/// a 64-thread getdents-par scan of anime-1k through the mount at 1 ms.
///
/// The bound, 4 MiB: what getdents-par holds is bounded by its thread
/// count, never by the tree: the result channel (two batches of 128
/// entries per thread), a 16 KiB `getdents64` buffer per directory open on
/// a worker's stack (anime trees are 3 deep) and the hand-off queue (4
/// directories per thread at most, within the fd budget). Measured (dhat,
/// 0.2 ms mount, 64 threads): 1.34 MiB on anime-1k, 1.40 MiB on anime-10k,
/// 2.78 MiB on anime-100k, where the channel fills (16,384 entries); 0.09
/// MiB at one thread. anime-1k keeps the test quick and well under it.
#[test]
fn sixty_four_threads_on_the_mount_stay_in_bounded_heap() {
    const BOUND: u64 = 4 << 20;
    let b = NetFs::builder(fixture()).latency(Duration::from_millis(1));
    let Some(m) = mount_or_skip(&b, "sixty_four_threads_on_the_mount_stay_in_bounded_heap") else {
        return;
    };
    let mut req = Request::new(
        Mode::Heap,
        Subject::Strategy(Strategy::GetdentsPar),
        m.path().to_path_buf(),
    );
    req.threads = 64;
    let mut child = Command::new(bin())
        .arg("profile-child")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start profile-child");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&serde_json::to_vec(&req).expect("encode"))
        .expect("send request");
    let out = child.wait_with_output().expect("profile-child");
    let resp: Response = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "profile-child answered no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let got = resp.expect("the child measured");
    assert_eq!(got.files, 766, "anime-1k's media files");
    assert_eq!(got.errors, 0);
    let heap = got.heap.expect("heap figures").max_bytes;
    eprintln!("getdents-par, 64 threads, anime-1k on netfs at 1 ms: peak heap {heap} bytes");
    assert!(heap > 0, "a scan allocates");
    assert!(
        heap < BOUND,
        "peak heap {heap} bytes at 64 threads, bound {BOUND}"
    );
}

#[test]
fn compare_on_a_netfs_mount_prints_the_floor_and_unmounts() {
    let b = NetFs::builder(fixture());
    let Some(probe) = mount_or_skip(&b, "compare_on_a_netfs_mount_prints_the_floor_and_unmounts")
    else {
        return;
    };
    drop(probe);
    let out_dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
    let stem = out_dir.path().join("cmp");
    let child = Command::new(bin())
        .args(["compare", "--netfs", "200us", "-s", "getdents,getdents-par"])
        .args(["-j", "1,8", "--tools", "none", "-r", "1", "-w", "0", "-o"])
        .arg(&stem)
        .arg(fixture())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run compare");
    let pid = child.id();
    let out = child.wait_with_output().expect("compare");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("Latency floor"), "stdout: {text}");
    assert!(text.contains("| getdents-par -j8 | 8 |"), "stdout: {text}");
    let md = std::fs::read_to_string(stem.with_extension("netfs.md")).expect("STEM.netfs.md");
    assert!(md.contains("median / floor"));
    let info = std::fs::read_to_string("/proc/self/mountinfo").expect("mountinfo");
    assert!(
        !info.contains(&format!("anivault-netfs-{pid}-")),
        "compare left its mount behind"
    );
}

#[test]
fn profile_on_a_netfs_mount_counts_like_the_manifest_and_unmounts() {
    let test = "profile_on_a_netfs_mount_counts_like_the_manifest_and_unmounts";
    let Some(probe) = mount_or_skip(&NetFs::builder(fixture()), test) else {
        return;
    };
    drop(probe);
    let out_dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
    let stem = out_dir.path().join("prof");
    let fixtures = Path::new(env!("CARGO_TARGET_TMPDIR")).join("netfs-profile-fixtures");
    let child = Command::new(bin())
        .args(["profile", "--preset", "anime-tiny"])
        .args(["--strategies", "getdents,getdents-par", "--netfs", "1ms"])
        .args(["--heap-runs", "1", "--runs", "1", "--out"])
        .arg(&stem)
        .env("ANIVAULT_FIXTURES_DIR", &fixtures)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run profile");
    let pid = child.id();
    let out = child.wait_with_output().expect("profile");
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let r = anivault_bench::report::load(&stem.with_extension("json")).expect("report");
    assert_eq!(r.netfs_latency.as_deref(), Some("1ms"));
    let fx = &r.fixtures[0];
    assert!(fx.root.contains("anivault-netfs-"), "root {}", fx.root);
    assert!(fx.fs_type.contains("fuse"), "fs type {}", fx.fs_type);
    assert_eq!(fx.media_files, 181, "anime-tiny's manifest");
    assert_eq!(r.results.len(), 2);
    for row in &r.results {
        assert_eq!(
            row.files_found, fx.media_files,
            "{} on the mount",
            row.strategy
        );
        assert!(row.verdicts.count_correct);
    }
    let md = std::fs::read_to_string(stem.with_extension("md")).expect("STEM.md");
    assert!(md.contains("behind a netfs mount"), "md: {md}");
    assert!(md.contains("1ms per request"), "md: {md}");
    let info = std::fs::read_to_string("/proc/self/mountinfo").expect("mountinfo");
    assert!(
        !info.contains(&format!("anivault-netfs-{pid}-")),
        "profile left its mount behind"
    );
    assert!(!Path::new(&fx.root).exists(), "{} not removed", fx.root);
}
