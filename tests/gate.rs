//! Acceptance tests of `anivault-bench gate` against the built binary, on
//! synthetic reports built here with the report model and written to a
//! temporary directory: it passes an identical run, catches a regression and
//! names the strategy, enforces the hard limit and the counts, never passes
//! when it cannot compare (exit 2), and writes a baseline only when asked.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anivault_bench::report::{
    FixtureInfo, HeapFigures, Host, Report, RunStatus, Sample, StrategyResult, TimeFigures,
    Verdict, Verdicts, SCHEMA, SCHEMA_VERSION,
};
use tempfile::TempDir;

const FIXTURE: &str = "anime-10k";

fn row(strategy: &str, parallel: bool, peak: u64) -> StrategyResult {
    StrategyResult {
        strategy: strategy.into(),
        consumer_us: 0,
        fixture: FIXTURE.into(),
        parallel,
        threads: if parallel { 2 } else { 1 },
        status: RunStatus::Ok,
        files_found: 10_000,
        expected_files: 10_000,
        errors: 0,
        error_samples: Vec::new(),
        heap: Some(HeapFigures {
            max_bytes: peak,
            max_blocks: 40,
            total_bytes: peak * 7,
            total_blocks: 20_000,
            runs: if parallel {
                vec![peak - 1_000, peak, peak - 500]
            } else {
                vec![peak]
            },
        }),
        rss_peak_kb: Some(3_100),
        time: Some(TimeFigures {
            wall_ms: vec![21.5, 20.25, 22.0],
            median_ms: 21.5,
            min_ms: 20.25,
            max_ms: 22.0,
            files_per_sec: 10_000.0 / 0.0215,
        }),
        timeline: (1..=10)
            .map(|k| Sample {
                files: k * 1_000,
                heap_bytes: peak - 100 + k,
                rss_kb: 3_000 + k,
                t_ms: 0.0,
            })
            .collect(),
        rss_timeline: Vec::new(),
        slope_bytes_per_file: Some(0.001),
        verdicts: Verdicts {
            within_limit: true,
            count_correct: true,
        },
        top_sites: Vec::new(),
    }
}

/// std 12 KiB, getdents 9 KiB, eager 3 MB, rayon 400 KiB (parallel).
fn sample() -> Report {
    Report {
        schema: SCHEMA.into(),
        schema_version: SCHEMA_VERSION,
        tool_version: "0.1.0".into(),
        created_unix: 1_700_000_000,
        host: Host {
            cpu: "Test CPU".into(),
            cores: 2,
            kernel: "6.1.0".into(),
            rustc: "rustc 1.88.0".into(),
            os: "linux x86_64".into(),
        },
        limit_bytes: 500_000_000,
        scanned_relative_to_root: true,
        fixtures: vec![FixtureInfo {
            preset: FIXTURE.into(),
            spec_hash: "5f1d0c9e".into(),
            root: "/tmp/fixture/tree".into(),
            fs_type: "tmpfs".into(),
            cache: "warm".into(),
            files_total: 12_000,
            media_files: 10_000,
        }],
        results: vec![
            row("std", false, 12 * 1024),
            row("getdents", false, 9 * 1024),
            row("eager", false, 3_000_000),
            row("rayon", true, 400 * 1024),
        ],
        growth: Vec::new(),
        verdict: Verdict {
            pass: true,
            reasons: Vec::new(),
        },
    }
}

fn write(dir: &TempDir, name: &str, r: &Report) -> PathBuf {
    let p = dir.path().join(name);
    let bytes = serde_json::to_vec_pretty(r).expect("serialize");
    fs::write(&p, bytes).expect("write");
    p
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

fn gate(baseline: &Path, report: &Path, extra: &[&str]) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_anivault-bench"))
        .arg("gate")
        .arg("--baseline")
        .arg(baseline)
        .arg("--report")
        .arg(report)
        .args(extra)
        .output()
        .expect("run anivault-bench");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn set_peak(r: &mut Report, strategy: &str, peak: u64) {
    let row = r
        .results
        .iter_mut()
        .find(|x| x.strategy == strategy)
        .expect("row");
    if let Some(h) = row.heap.as_mut() {
        h.max_bytes = peak;
        h.runs = vec![peak];
    }
}

#[test]
fn identical_report_passes() {
    let dir = TempDir::new().expect("tempdir");
    let b = write(&dir, "baseline.json", &sample());
    let r = write(&dir, "report.json", &sample());
    let out = gate(&b, &r, &[]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stdout.contains("gate: PASS"), "{}", out.all());
    for s in ["std", "getdents", "eager", "rayon"] {
        assert!(
            out.stdout.contains(s),
            "{s} not in the table:\n{}",
            out.all()
        );
    }
}

#[test]
fn lowered_baseline_fails_and_names_the_strategy() {
    let dir = TempDir::new().expect("tempdir");
    let mut base = sample();
    set_peak(&mut base, "getdents", 4 * 1024);
    let b = write(&dir, "baseline.json", &base);
    let r = write(&dir, "report.json", &sample());
    let out = gate(&b, &r, &[]);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stderr.contains("FAIL: getdents (anime-10k)"),
        "{}",
        out.all()
    );
    assert!(out.stdout.contains("regression"), "{}", out.all());
    // Only that strategy fails.
    assert!(!out.stderr.contains("std ("), "{}", out.all());
}

#[test]
fn small_deterministic_wobble_passes() {
    // A few hundred bytes of directory-order noise stay within the 4 KiB slack.
    let dir = TempDir::new().expect("tempdir");
    let b = write(&dir, "baseline.json", &sample());
    let mut cur = sample();
    set_peak(&mut cur, "std", 12 * 1024 + 700);
    let r = write(&dir, "report.json", &cur);
    let out = gate(&b, &r, &[]);
    assert_eq!(out.code, 0, "{}", out.all());
}

#[test]
fn limit_below_a_peak_fails() {
    let dir = TempDir::new().expect("tempdir");
    let b = write(&dir, "baseline.json", &sample());
    let r = write(&dir, "report.json", &sample());
    // eager peaks at 3,000,000 bytes: 2 MB is below it.
    let out = gate(&b, &r, &["--limit-mb", "2"]);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(out.stderr.contains("eager (anime-10k)"), "{}", out.all());
    assert!(
        out.stdout.contains("over the 2,000,000 byte limit"),
        "{}",
        out.all()
    );
    // 3 MB is not below it (MB = 10^6 bytes).
    assert_eq!(gate(&b, &r, &["--limit-mb", "3"]).code, 0);
}

#[test]
fn exceeded_limit_status_and_wrong_count_fail() {
    let dir = TempDir::new().expect("tempdir");
    let b = write(&dir, "baseline.json", &sample());
    let mut cur = sample();
    cur.results[2].status = RunStatus::ExceededLimit;
    cur.results[2].heap = None;
    cur.results[0].verdicts.count_correct = false;
    cur.results[0].files_found = 9_999;
    let r = write(&dir, "report.json", &cur);
    let out = gate(&b, &r, &[]);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(out.stderr.contains("std (anime-10k)"), "{}", out.all());
    assert!(out.stderr.contains("eager (anime-10k)"), "{}", out.all());
    assert!(out.stdout.contains("exceeded the limit"), "{}", out.all());
    assert!(out.stdout.contains("count wrong"), "{}", out.all());
}

#[test]
fn missing_row_fails_and_new_row_does_not() {
    let dir = TempDir::new().expect("tempdir");
    let b = write(&dir, "baseline.json", &sample());
    let mut cur = sample();
    cur.results.retain(|x| x.strategy != "eager");
    let r = write(&dir, "missing.json", &cur);
    let out = gate(&b, &r, &[]);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stdout.contains("missing from the report"),
        "{}",
        out.all()
    );
    assert!(out.stderr.contains("eager (anime-10k)"), "{}", out.all());

    let mut cur = sample();
    cur.results.push(row("walkdir", false, 20_000));
    let r = write(&dir, "new.json", &cur);
    let out = gate(&b, &r, &[]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stdout.contains("new (no baseline)"), "{}", out.all());
}

#[test]
fn unreadable_baselines_exit_2_naming_the_path() {
    let dir = TempDir::new().expect("tempdir");
    let r = write(&dir, "report.json", &sample());

    let missing = dir.path().join("nope/baseline.json");
    let out = gate(&missing, &r, &[]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr.contains(&*missing.to_string_lossy()),
        "{}",
        out.all()
    );
    assert!(out.stderr.contains("no such file"), "{}", out.all());

    let garbage = dir.path().join("garbage.json");
    fs::write(&garbage, b"\x89PNG\r\n\x1a\n\x00\xff{{{").expect("write");
    let out = gate(&garbage, &r, &[]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr.contains(&*garbage.to_string_lossy()),
        "{}",
        out.all()
    );
    assert!(out.stderr.contains("corrupt"), "{}", out.all());

    let mut v = serde_json::to_value(sample()).expect("to_value");
    v["schema_version"] = serde_json::json!(SCHEMA_VERSION + 1);
    let future = dir.path().join("future.json");
    fs::write(&future, v.to_string()).expect("write");
    let out = gate(&future, &r, &[]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr.contains(&*future.to_string_lossy()),
        "{}",
        out.all()
    );
    assert!(out.stderr.contains("schema_version"), "{}", out.all());

    let foreign = dir.path().join("foreign.json");
    fs::write(&foreign, br#"{"benchmarks": []}"#).expect("write");
    let out = gate(&foreign, &r, &[]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr.contains("not an anivault-bench report"),
        "{}",
        out.all()
    );

    // A directory is not readable as a file.
    let out = gate(dir.path(), &r, &[]);
    assert_eq!(out.code, 2, "{}", out.all());

    // Nothing is ever printed as a pass.
    for p in [&missing, &garbage, &future, &foreign] {
        assert!(!gate(p, &r, &[]).stdout.contains("PASS"));
    }
}

#[test]
fn unreadable_report_exits_2() {
    let dir = TempDir::new().expect("tempdir");
    let b = write(&dir, "baseline.json", &sample());
    let truncated = dir.path().join("truncated.json");
    let bytes = serde_json::to_vec_pretty(&sample()).expect("serialize");
    fs::write(&truncated, &bytes[..bytes.len() / 2]).expect("write");
    let out = gate(&b, &truncated, &[]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr.contains(&*truncated.to_string_lossy()),
        "{}",
        out.all()
    );
}

#[test]
fn spec_hash_mismatch_exits_2() {
    let dir = TempDir::new().expect("tempdir");
    let b = write(&dir, "baseline.json", &sample());
    let mut cur = sample();
    cur.fixtures[0].spec_hash = "0000beef".into();
    let r = write(&dir, "report.json", &cur);
    let out = gate(&b, &r, &[]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr
            .contains("baseline was made on another fixture spec"),
        "{}",
        out.all()
    );
    assert!(out.stderr.contains("--update-baseline"), "{}", out.all());
}

#[test]
fn parallel_rows_use_the_wide_band() {
    let dir = TempDir::new().expect("tempdir");
    let b = write(&dir, "baseline.json", &sample());
    let mut cur = sample();
    // rayon: 400 KiB -> 440 KiB (+10%): inside 25 %, outside 2 % / 4 KiB.
    if let Some(h) = cur.results[3].heap.as_mut() {
        h.max_bytes = 430 * 1024;
        h.runs = vec![400 * 1024, 440 * 1024, 410 * 1024];
    }
    let r = write(&dir, "report.json", &cur);
    let out = gate(&b, &r, &[]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stdout.contains("440.0 KiB"),
        "max over runs: {}",
        out.all()
    );
    // The same figures under the tight band fail.
    let out = gate(
        &b,
        &r,
        &["--parallel-tolerance-pct", "2", "--parallel-slack-kib", "4"],
    );
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(out.stderr.contains("rayon (anime-10k)"), "{}", out.all());
    // And a single-thread row with the same +10 % fails by default.
    let mut cur = sample();
    set_peak(&mut cur, "eager", 3_300_000);
    let r = write(&dir, "serial.json", &cur);
    let out = gate(&b, &r, &[]);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(out.stderr.contains("eager (anime-10k)"), "{}", out.all());
}

#[test]
fn update_baseline_writes_the_report() {
    let dir = TempDir::new().expect("tempdir");
    let mut cur = sample();
    set_peak(&mut cur, "std", 99_999);
    let r = write(&dir, "report.json", &cur);
    let b = dir.path().join("new/dir/baseline.json");
    let out = gate(&b, &r, &["--update-baseline"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stdout.contains(&*b.to_string_lossy()), "{}", out.all());
    let written = anivault_bench::report::load(&b).expect("the new baseline loads");
    assert_eq!(written, cur);
    // Now the same report passes against it...
    assert_eq!(gate(&b, &r, &[]).code, 0);
    // ...and it replaces an old (even corrupt) baseline only when asked.
    fs::write(&b, b"garbage").expect("write");
    assert_eq!(gate(&b, &r, &[]).code, 2);
    assert_eq!(fs::read(&b).expect("read"), b"garbage");
    assert_eq!(gate(&b, &r, &["--update-baseline"]).code, 0);
    assert_eq!(anivault_bench::report::load(&b).expect("loads"), cur);
}

#[test]
fn json_output_is_machine_readable() {
    let dir = TempDir::new().expect("tempdir");
    let mut base = sample();
    set_peak(&mut base, "std", 1_024);
    let b = write(&dir, "baseline.json", &base);
    let r = write(&dir, "report.json", &sample());
    let out = gate(&b, &r, &["--json"]);
    assert_eq!(out.code, 1, "{}", out.all());
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON on stdout");
    assert_eq!(v["outcome"]["pass"], serde_json::json!(false));
    let rows = v["outcome"]["rows"].as_array().expect("rows");
    let std_row = rows
        .iter()
        .find(|x| x["strategy"] == "std")
        .expect("std row");
    assert_eq!(std_row["verdict"], "fail");
    assert_eq!(std_row["baseline_bytes"], 1_024);
}
