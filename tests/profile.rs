//! The heap figures are real: `profile` on real fixtures, then the gate on
//! the report it wrote.
//!
//! The 1M-file scenario (the original's `memory_intensive` marker) is
//! `#[ignore]`d: `cargo test --release --test profile -- --ignored`.

use std::path::Path;
use std::process::{Command, Output};

use anivault_bench::report::{self, Report};
use anivault_bench::verdict::Streaming;

const BIN: &str = env!("CARGO_BIN_EXE_anivault-bench");

fn run(args: &[&str], fixtures: &Path) -> Output {
    Command::new(BIN)
        .args(args)
        .env("ANIVAULT_FIXTURES_DIR", fixtures)
        .output()
        .expect("run anivault-bench")
}

fn peak(r: &Report, strategy: &str, fixture: &str) -> u64 {
    r.result(strategy, fixture)
        .and_then(|row| row.heap.as_ref())
        .map(|h| h.max_bytes)
        .unwrap_or_else(|| panic!("no heap figure for {strategy} on {fixture}"))
}

fn growth(r: &Report, strategy: &str) -> f64 {
    r.growth
        .iter()
        .find(|g| g.strategy == strategy)
        .and_then(|g| g.bytes_per_file)
        .unwrap_or_else(|| panic!("no growth slope for {strategy}"))
}

#[test]
fn heap_figures_are_real_and_the_gate_reads_them() {
    let fixtures = tempfile::tempdir().expect("tempdir");
    let out = tempfile::tempdir().expect("tempdir");
    let stem = out.path().join("p");
    let stem_s = stem.to_str().expect("utf-8 temp path");
    let o = run(
        &[
            "profile",
            "--preset",
            "anime-1k,anime-10k,anime-100k",
            "--strategies",
            "std,getdents,eager,getdents-par,rayon",
            "--runs",
            "1",
            "--heap-runs",
            "2",
            "--out",
            stem_s,
        ],
        fixtures.path(),
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "profile failed: {stderr}");
    let json = stem.with_extension("json");
    let r = report::load(&json).expect("report loads");
    for ext in ["md", "svg"] {
        assert!(stem.with_extension(ext).exists(), "no .{ext} report");
    }
    for row in &r.results {
        assert!(
            row.verdicts.count_correct,
            "{} on {}: {} files, expected {}",
            row.strategy, row.fixture, row.files_found, row.expected_files
        );
    }

    // eager keeps every path: its peak grows roughly linearly with the tree.
    let (e1, e10) = (
        peak(&r, "eager", "anime-1k"),
        peak(&r, "eager", "anime-10k"),
    );
    assert!(
        e10 as f64 >= 5.0 * e1 as f64,
        "eager should grow ~10x from 1k to 10k: {e1} -> {e10}"
    );
    assert!(
        growth(&r, "eager") > 50.0,
        "eager grows by tens of bytes per file"
    );

    // The streaming verdict across sizes: eager grows and reaches the
    // limit between 0.5 M and 3 M files; the others stream.
    let verdict = |s: &str| {
        r.growth
            .iter()
            .find(|g| g.strategy == s)
            .map(|g| g.streaming.clone())
            .unwrap_or_else(|| panic!("no growth row for {s}"))
    };
    let eager = verdict("eager");
    assert_eq!(eager.verdict, Streaming::Grows, "{eager:?}");
    let at = eager.projected_files_at_limit.expect("a projection");
    assert!(
        (500_000..3_000_000).contains(&at),
        "eager reaches 500 MB at {at}"
    );
    for s in ["std", "getdents", "getdents-par", "rayon"] {
        let v = verdict(s);
        assert_eq!(v.verdict, Streaming::Streaming, "{s}: {v:?}");
        assert_eq!(v.projected_files_at_limit, None, "{s}");
    }
    let md = std::fs::read_to_string(stem.with_extension("md")).expect("md");
    let eager_line = md
        .lines()
        .find(|l| l.starts_with("| `eager` |") && l.contains("grows"))
        .unwrap_or_else(|| panic!("no eager growth line: {md}"));
    assert!(
        eager_line.contains("✗ grows with library size"),
        "{eager_line}"
    );
    assert!(eager_line.contains(" M files"), "{eager_line}");
    assert!(
        !md.contains("stable"),
        "no within-run 'stable' verdict: {md}"
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("eager: ✗ grows with library size")
            && stdout.contains("reaches 500 MB at ~"),
        "{stdout}"
    );
    assert!(stdout.contains("std: ✓ streaming"), "{stdout}");
    // The timeline sees eager's collection: live heap rises while no file
    // has been yielded yet.
    let row = r.result("eager", "anime-100k").expect("eager row");
    let collecting = row
        .timeline
        .iter()
        .filter(|s| s.files == 0)
        .map(|s| s.heap_bytes)
        .max()
        .unwrap_or(0);
    assert!(
        collecting * 2 >= peak(&r, "eager", "anime-100k"),
        "eager's collection phase is sampled: {collecting} B before the first file"
    );

    // std and getdents: flat, and small.
    for s in ["std", "getdents"] {
        let (p10, p100) = (peak(&r, s, "anime-10k"), peak(&r, s, "anime-100k"));
        assert!(
            p100 <= 256 * 1024,
            "{s}: peak {p100} B on anime-100k > 256 KiB"
        );
        assert!(
            p100 as f64 <= p10 as f64 * 1.10,
            "{s}: peak grows from {p10} B (10k) to {p100} B (100k)"
        );
        let slope = growth(&r, s);
        assert!(slope.abs() < 1.0, "{s}: slope {slope} B/file is not flat");
    }

    // The gate on the real report: identical passes.
    let o = run(
        &[
            "gate",
            "--baseline",
            json.to_str().unwrap_or_default(),
            "--report",
            json.to_str().unwrap_or_default(),
        ],
        fixtures.path(),
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );

    // A limit below eager's peak fails the gate and names eager.
    let limit_mb = (peak(&r, "eager", "anime-100k") / 2 / 1_000_000)
        .max(1)
        .to_string();
    let o = run(
        &[
            "gate",
            "--baseline",
            json.to_str().unwrap_or_default(),
            "--report",
            json.to_str().unwrap_or_default(),
            "--limit-mb",
            &limit_mb,
        ],
        fixtures.path(),
    );
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(
        text.contains("eager"),
        "the failing strategy is named: {text}"
    );
}

#[test]
#[ignore = "heavy: generates anime-1m (1M files) and profiles it; run with --ignored"]
fn one_million_files_stay_within_the_limit() {
    let fixtures = tempfile::tempdir().expect("tempdir");
    let out = tempfile::tempdir().expect("tempdir");
    let stem = out.path().join("p1m");
    let o = run(
        &[
            "profile",
            "--preset",
            "anime-100k,anime-1m",
            "--strategies",
            "all",
            "--runs",
            "1",
            "--heap-runs",
            "1",
            "--out",
            stem.to_str().unwrap_or_default(),
        ],
        fixtures.path(),
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r = report::load(&stem.with_extension("json")).expect("report");
    for s in ["std", "getdents"] {
        let (p100, p1m) = (peak(&r, s, "anime-100k"), peak(&r, s, "anime-1m"));
        assert!(p1m as f64 <= p100 as f64 * 1.10, "{s}: {p100} -> {p1m}");
    }
    assert!(r.verdict.pass, "{:?}", r.verdict.reasons);
}

/// The `profile` report for `presets` × `strategies`, written under `out`
/// (stem `p`), with fixtures in `fixtures`; panics with stderr on failure.
fn profile_report(fixtures: &Path, out: &Path, presets: &str, strategies: &str) -> Report {
    let stem = out.join("p");
    let o = run(
        &[
            "profile",
            "--preset",
            presets,
            "--strategies",
            strategies,
            "--runs",
            "1",
            "--heap-runs",
            "1",
            "--out",
            stem.to_str().expect("utf-8 temp path"),
        ],
        fixtures,
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "profile failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    report::load(&stem.with_extension("json")).expect("report loads")
}

/// A fixtures directory whose path is about `len` bytes long.
fn root_of_length(base: &Path, len: usize) -> std::path::PathBuf {
    let have = base.as_os_str().len() + 1;
    let name = "x".repeat(len.saturating_sub(have).clamp(1, 255));
    let dir = base.join(name);
    std::fs::create_dir_all(&dir).expect("mkdir");
    dir
}

#[test]
fn single_thread_heap_does_not_depend_on_the_root_length() {
    let base = tempfile::tempdir().expect("tempdir");
    let out = tempfile::tempdir().expect("tempdir");
    let short = base.path().join("s");
    std::fs::create_dir_all(&short).expect("mkdir");
    let long = root_of_length(base.path(), 200);
    assert!(long.as_os_str().len() >= 190, "{long:?}");
    let strategies = "std,walkdir,getdents,eager";
    let a = profile_report(&short, &out.path().join("a"), "anime-1k", strategies);
    let b = profile_report(&long, &out.path().join("b"), "anime-1k", strategies);
    assert!(a.scanned_relative_to_root && b.scanned_relative_to_root);
    for s in strategies.split(',') {
        assert_eq!(
            peak(&a, s, "anime-1k"),
            peak(&b, s, "anime-1k"),
            "{s}: peak heap differs between a {}-byte and a {}-byte root",
            a.fixtures[0].root.len(),
            b.fixtures[0].root.len()
        );
    }
    let md = std::fs::read_to_string(out.path().join("b/p.md")).expect("markdown");
    assert!(md.contains("| Paths | each measuring child enters the fixture root"));
}

#[test]
fn gate_passes_from_a_fixtures_dir_of_another_length() {
    let base = tempfile::tempdir().expect("tempdir");
    let here = base.path().join("a");
    std::fs::create_dir_all(&here).expect("mkdir");
    let there = root_of_length(base.path(), 180);
    // A baseline made in one fixtures dir (single-thread rows: deterministic).
    let made = profile_report(
        &here,
        &base.path().join("out"),
        "anime-tiny,anime-1k",
        "std,getdents,eager",
    );
    let baseline = base.path().join("baseline.json");
    let o = run(
        &[
            "gate",
            "--update-baseline",
            "--baseline",
            baseline.to_str().expect("utf-8"),
            "--report",
            base.path().join("out/p.json").to_str().expect("utf-8"),
        ],
        &here,
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(made.fixtures.len(), 2);
    // The gate re-measures from the other dir.
    let o = run(
        &["gate", "--baseline", baseline.to_str().expect("utf-8")],
        &there,
    );
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert!(
        there.join("anime-1k").is_dir(),
        "fixture made in the other dir"
    );
}

#[test]
fn paths_that_are_not_utf8_reach_the_child_as_bytes() {
    use std::os::unix::ffi::OsStrExt;
    let base = tempfile::tempdir().expect("tempdir");
    let odd = |name: &[u8]| base.path().join(std::ffi::OsStr::from_bytes(name));
    let fixtures = odd(b"fx\xff");
    let dhat = odd(b"d\xff");
    let stem = base.path().join("p");
    let o = Command::new(BIN)
        .args([
            "profile",
            "--preset",
            "anime-tiny",
            "--strategies",
            "std,rayon",
        ])
        .args(["--runs", "1", "--heap-runs", "1", "--out"])
        .arg(&stem)
        .arg("--dhat-out")
        .arg(&dhat)
        .env("ANIVAULT_FIXTURES_DIR", &fixtures)
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r = report::load(&stem.with_extension("json")).expect("report");
    for row in &r.results {
        assert!(
            row.verdicts.count_correct,
            "{}: {}",
            row.strategy, row.files_found
        );
        assert_eq!(row.files_found, 181);
    }
    let kept: Vec<_> = std::fs::read_dir(&dhat)
        .expect("dhat dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().as_bytes().ends_with(b".json"))
        .collect();
    assert_eq!(kept.len(), 2, "one dhat file per heap run: {kept:?}");
}

/// Runs `BIN args` as nobody (uid 65534) when we are root; `None` (with a
/// printed reason) otherwise.
fn as_nobody(args: &[&std::ffi::OsStr], fixtures: &Path) -> Option<Output> {
    if !rustix::process::geteuid().is_root() {
        eprintln!("skipped: needs root to drop to nobody");
        return None;
    }
    let o = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN])
        .args(args)
        .env("ANIVAULT_FIXTURES_DIR", fixtures)
        .output();
    match o {
        Ok(o) => Some(o),
        Err(e) => {
            eprintln!("skipped: no setpriv ({e})");
            None
        }
    }
}

#[test]
fn the_childs_error_text_reaches_the_report() {
    use std::os::unix::fs::PermissionsExt;
    let base = tempfile::tempdir().expect("tempdir");
    let fixtures = base.path().join("fx");
    let o = run(&["gen", "--preset", "anime-tiny"], &fixtures);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Everything owned by nobody, one directory of the tree unreadable.
    let chown = Command::new("chown")
        .args(["-R", "65534:65534"])
        .arg(base.path())
        .status();
    if !chown.is_ok_and(|s| s.success()) {
        eprintln!("skipped: cannot chown to nobody");
        return;
    }
    std::fs::set_permissions(base.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let tree = fixtures.join("anime-tiny/tree");
    let locked = std::fs::read_dir(&tree)
        .expect("tree")
        .filter_map(|e| e.ok())
        .find(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .expect("a directory in the tree")
        .path();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let stem = base.path().join("p");
    let args: Vec<&std::ffi::OsStr> = [
        "profile",
        "--preset",
        "anime-tiny",
        "--strategies",
        "std",
        "--runs",
        "1",
        "--out",
    ]
    .iter()
    .map(std::ffi::OsStr::new)
    .chain([stem.as_os_str()])
    .collect();
    let Some(o) = as_nobody(&args, &fixtures) else {
        return;
    };
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let name = locked
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for text in [
        stdout.to_string(),
        std::fs::read_to_string(stem.with_extension("md")).expect("md"),
    ] {
        let line = text
            .lines()
            .find(|l| l.starts_with("| `std`") && l.contains("✗ count"))
            .unwrap_or_else(|| panic!("no short-count std row: {text}"));
        assert!(line.contains("first error:"), "{line}");
        assert!(line.contains("ermission denied"), "{line}");
        assert!(line.contains(&name), "names {name}: {line}");
    }
    let _ = std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755));
}

#[test]
fn an_unwritable_out_is_refused_before_measuring() {
    let base = tempfile::tempdir().expect("tempdir");
    let fixtures = base.path().join("fx");
    let file = base.path().join("plain-file");
    std::fs::write(&file, b"keep me").expect("write");
    let stem = file.join("p");
    for cmd in [
        &["profile", "--preset", "anime-tiny", "--strategies", "std"][..],
        &["run", "--preset", "anime-tiny"][..],
    ] {
        let o = Command::new(BIN)
            .args(cmd)
            .arg("--out")
            .arg(&stem)
            .env("ANIVAULT_FIXTURES_DIR", &fixtures)
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{cmd:?}: {stderr}");
        assert!(stderr.contains("plain-file"), "names the path: {stderr}");
        assert!(
            stderr.contains("Not a directory"),
            "names the cause: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        // Refused before anything was measured or generated.
        assert!(!fixtures.exists(), "{cmd:?} generated fixtures first");
        assert_eq!(std::fs::read(&file).expect("read"), b"keep me");
    }
    // As nobody, a directory it may not write.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(base.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let locked = base.path().join("locked");
    std::fs::create_dir(&locked).expect("mkdir");
    let stem = locked.join("p");
    let args: Vec<&std::ffi::OsStr> = ["profile", "--preset", "anime-tiny", "--out"]
        .iter()
        .map(std::ffi::OsStr::new)
        .chain([stem.as_os_str()])
        .collect();
    if let Some(o) = as_nobody(&args, &fixtures) {
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("locked") && stderr.contains("ermission denied"),
            "{stderr}"
        );
        assert!(!fixtures.exists());
        assert_eq!(std::fs::read_dir(&locked).expect("ls").count(), 0);
    }
}

#[test]
fn slow_rows_are_measured_and_the_gate_reproduces_them() {
    let fixtures = tempfile::tempdir().expect("tempdir");
    let out = tempfile::tempdir().expect("tempdir");
    let stem = out.path().join("p");
    let o = run(
        &[
            "profile",
            "--preset",
            "anime-tiny",
            "--strategies",
            "std,getdents-par,pool",
            "--slow-rows",
            "--slow-consumer-us",
            "7",
            "--runs",
            "1",
            "--heap-runs",
            "1",
            "--out",
            stem.to_str().expect("utf-8"),
        ],
        fixtures.path(),
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r = report::load(&stem.with_extension("json")).expect("report");
    let names: Vec<&str> = r.results.iter().map(|x| x.strategy.as_str()).collect();
    assert_eq!(
        names,
        [
            "std",
            "getdents-par",
            "pool",
            "getdents-par+slow",
            "pool+slow"
        ],
        "one +slow row per parallel row, after the others"
    );
    for row in &r.results {
        let slow = row.strategy.ends_with("+slow");
        assert_eq!(
            row.consumer_us,
            if slow { 7 } else { 0 },
            "{}",
            row.strategy
        );
        assert!(row.verdicts.count_correct, "{}", row.strategy);
    }
    // The gate re-measures the baseline's rows, slow ones included.
    let json = stem.with_extension("json");
    let o = run(
        &[
            "gate",
            "--baseline",
            json.to_str().expect("utf-8"),
            "--json",
        ],
        fixtures.path(),
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("getdents-par+slow") && stdout.contains("pool+slow"),
        "{stdout}"
    );
    assert!(!stdout.contains("\"new\""), "no row is new: {stdout}");
}
