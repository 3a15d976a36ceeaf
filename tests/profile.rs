//! The heap figures are real: `profile` on real fixtures, then the gate on
//! the report it wrote.
//!
//! The 1M-file scenario (the original's `memory_intensive` marker) is
//! `#[ignore]`d: `cargo test --release --test profile -- --ignored`.

use std::path::Path;
use std::process::{Command, Output};

use anivault_bench::report::{self, Report};

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
            "std,getdents,eager",
            "--runs",
            "1",
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
