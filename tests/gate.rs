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
        netfs_latency: None,
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
        commands: Default::default(),
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

// ---- Hostile input (issue 10: items 1, 2 and 8) ----

/// Runs the gate with a watchdog: a child still running after 20 s is
/// killed and the test fails (a FIFO must not block the gate).
fn gate_timed(args: &[&std::ffi::OsStr]) -> Out {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_anivault-bench"))
        .arg("gate")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run anivault-bench");
    let mut so = child.stdout.take().expect("stdout");
    let mut se = child.stderr.take().expect("stderr");
    let t_out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = so.read_to_string(&mut s);
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = se.read_to_string(&mut s);
        s
    });
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st;
        }
        if start.elapsed() > std::time::Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the gate still ran after 20 s (blocked?) with {args:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    Out {
        code: status.code().unwrap_or(-1),
        stdout: t_out.join().unwrap_or_default(),
        stderr: t_err.join().unwrap_or_default(),
    }
}

/// Every entry of `dir` (not following links) with its kind and, for a
/// regular file, its bytes: compared before and after a run, it shows that
/// nothing but the intended file changed.
fn snapshot(dir: &Path) -> Vec<(String, String, Vec<u8>)> {
    use std::os::unix::fs::FileTypeExt;
    let mut v: Vec<_> = fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| {
            let e = e.expect("entry");
            let ft = e.file_type().expect("file type");
            let kind = if ft.is_symlink() {
                format!("link -> {:?}", fs::read_link(e.path()).expect("readlink"))
            } else if ft.is_char_device() {
                "char".into()
            } else if ft.is_fifo() {
                "fifo".into()
            } else if ft.is_dir() {
                "dir".into()
            } else {
                "file".into()
            };
            let bytes = if ft.is_file() {
                fs::read(e.path()).expect("read")
            } else {
                Vec::new()
            };
            (e.file_name().to_string_lossy().into_owned(), kind, bytes)
        })
        .collect();
    v.sort();
    v
}

fn assert_no_panic(out: &Out) {
    assert!(!out.stderr.contains("panicked"), "{}", out.all());
}

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

#[test]
fn update_baseline_refuses_what_is_not_a_regular_file() {
    let dir = TempDir::new().expect("tempdir");
    let r = write(&dir, "report.json", &sample());
    fs::write(dir.path().join("sentinel.txt"), b"keep me").expect("write");
    let fifo = dir.path().join("fifo.json");
    rustix::fs::mknodat(
        rustix::fs::CWD,
        &fifo,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o644),
        0,
    )
    .expect("mkfifo");
    let sub = dir.path().join("dir.json");
    fs::create_dir(&sub).expect("mkdir");
    let mut targets = vec![(fifo, "a FIFO"), (sub, "a directory")];
    if is_root() {
        let chr = dir.path().join("null.json");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &chr,
            rustix::fs::FileType::CharacterDevice,
            rustix::fs::Mode::from_raw_mode(0o666),
            rustix::fs::makedev(1, 3),
        )
        .expect("mknod c 1 3");
        targets.push((chr, "a character device"));
    } else {
        eprintln!("skipping the character device case: mknod needs root");
    }
    let before = snapshot(dir.path());
    for (target, kind) in &targets {
        let out = gate_timed(&[
            "--baseline".as_ref(),
            target.as_os_str(),
            "--report".as_ref(),
            r.as_os_str(),
            "--update-baseline".as_ref(),
        ]);
        assert_eq!(out.code, 2, "{kind}: {}", out.all());
        assert!(
            out.stderr.contains(&*target.to_string_lossy()) && out.stderr.contains(kind),
            "{kind}: {}",
            out.all()
        );
        assert_no_panic(&out);
    }
    assert_eq!(snapshot(dir.path()), before, "something changed");
    // /dev/full: refused as a device, so it stays one.
    let out = gate_timed(&[
        "--baseline".as_ref(),
        "/dev/full".as_ref(),
        "--report".as_ref(),
        r.as_os_str(),
        "--update-baseline".as_ref(),
    ]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr.contains("/dev/full") && out.stderr.contains("a character device"),
        "{}",
        out.all()
    );
    assert_no_panic(&out);
}

#[test]
fn update_baseline_through_a_symlink_replaces_the_target() {
    let dir = TempDir::new().expect("tempdir");
    let mut cur = sample();
    set_peak(&mut cur, "std", 77_777);
    let r = write(&dir, "report.json", &cur);
    let real_dir = dir.path().join("real");
    fs::create_dir(&real_dir).expect("mkdir");
    let real = write(&dir, "real/baseline.json", &sample());
    fs::write(dir.path().join("sentinel.txt"), b"keep me").expect("write");
    let link = dir.path().join("baseline.json");
    std::os::unix::fs::symlink("real/baseline.json", &link).expect("symlink");
    let before = snapshot(dir.path());
    let out = gate_timed(&[
        "--baseline".as_ref(),
        link.as_os_str(),
        "--report".as_ref(),
        r.as_os_str(),
        "--update-baseline".as_ref(),
    ]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert_no_panic(&out);
    assert!(out.stdout.contains("through the link"), "{}", out.all());
    // The link is still a link, its target has the new baseline, and
    // nothing else in either directory changed (no temporary file left).
    assert_eq!(snapshot(dir.path()), before);
    assert_eq!(
        anivault_bench::report::load(&real).expect("loads"),
        cur,
        "the target was not updated"
    );
    let names: Vec<_> = snapshot(&real_dir).into_iter().map(|e| e.0).collect();
    assert_eq!(names, ["baseline.json"]);
}

#[test]
fn inputs_are_read_bounded_and_only_from_regular_files() {
    let dir = TempDir::new().expect("tempdir");
    let b = write(&dir, "baseline.json", &sample());
    let fifo = dir.path().join("fifo.json");
    rustix::fs::mknodat(
        rustix::fs::CWD,
        &fifo,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o644),
        0,
    )
    .expect("mkfifo");
    // 64 MiB + 1 byte, sparse: over the report cap.
    let big = dir.path().join("big.json");
    fs::File::create(&big)
        .and_then(|f| f.set_len((64 << 20) + 1))
        .expect("sparse file");
    fs::write(dir.path().join("sentinel.txt"), b"keep me").expect("write");
    let before = snapshot(dir.path());
    let cases: [(&str, &Path, &str); 4] = [
        ("--report", Path::new("/dev/zero"), "a character device"),
        ("--baseline", Path::new("/dev/zero"), "a character device"),
        ("--baseline", &fifo, "a FIFO"),
        ("--report", &big, "64 MiB cap"),
    ];
    for (flag, path, why) in cases {
        let other = if flag == "--report" {
            "--baseline"
        } else {
            "--report"
        };
        let out = gate_timed(&[
            flag.as_ref(),
            path.as_os_str(),
            other.as_ref(),
            b.as_os_str(),
        ]);
        assert_eq!(out.code, 2, "{flag} {path:?}: {}", out.all());
        assert!(
            out.stderr.contains(&*path.to_string_lossy()) && out.stderr.contains(why),
            "{flag} {path:?}: {}",
            out.all()
        );
        assert_no_panic(&out);
    }
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn verdicts_come_from_figures_not_flags() {
    let dir = TempDir::new().expect("tempdir");
    let b = write(&dir, "baseline.json", &sample());
    // A wrong count whose flag says it is right fails.
    let mut lie = sample();
    lie.results[0].files_found = 9_990;
    assert!(lie.results[0].verdicts.count_correct);
    let r = write(&dir, "lie.json", &lie);
    let out = gate(&b, &r, &[]);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stdout.contains("count wrong: found 9,990"),
        "{}",
        out.all()
    );
    assert_no_panic(&out);

    // No fixtures list: no spec hash and no expected count: refused,
    // naming the file and what is missing, in the report or the baseline.
    let mut nofx = sample();
    nofx.fixtures.clear();
    let r = write(&dir, "nofx.json", &nofx);
    for (base, cur, which) in [(&b, &r, "report"), (&r, &b, "baseline")] {
        let out = gate(base, cur, &[]);
        assert_eq!(out.code, 2, "{}", out.all());
        assert!(
            out.stderr.contains(&*r.to_string_lossy())
                && out.stderr.contains(&format!("the {which} lacks"))
                && out.stderr.contains("\"fixtures\" list"),
            "{}",
            out.all()
        );
        assert_no_panic(&out);
    }

    // A measured baseline row without heap figures is refused, not "new".
    let mut noheap = sample();
    noheap.results[0].heap = None;
    let nb = write(&dir, "noheap.json", &noheap);
    let out = gate(&nb, &b, &[]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr.contains(&*nb.to_string_lossy()) && out.stderr.contains("no \"heap\" figures"),
        "{}",
        out.all()
    );
    assert_no_panic(&out);

    // The refused report is not written as a baseline either.
    let target = dir.path().join("never.json");
    let out = gate(&target, &r, &["--update-baseline"]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(!target.exists());
}

#[test]
fn a_delta_prints_the_same_in_the_table_and_the_message() {
    let dir = TempDir::new().expect("tempdir");
    let mut base = sample();
    set_peak(&mut base, "std", 0);
    let mut cur = sample();
    set_peak(&mut cur, "std", u64::MAX);
    let b = write(&dir, "baseline.json", &base);
    let r = write(&dir, "report.json", &cur);
    let out = gate(&b, &r, &[]);
    assert_eq!(out.code, 1, "{}", out.all());
    assert_no_panic(&out);
    let delta = anivault_bench::report::units::fmt_delta(0, u64::MAX);
    assert_eq!(delta, "+16777216.0 TiB");
    let table_row = out
        .stdout
        .lines()
        .find(|l| l.starts_with("std "))
        .expect("std row");
    let message = out
        .stdout
        .lines()
        .find(|l| l.contains("std on anime-10k: regression"))
        .expect("regression message");
    assert!(table_row.contains(&format!("  {delta}  ")), "{table_row}");
    assert!(message.contains(&format!("({delta})")), "{message}");
    assert!(!out.stdout.contains("8388608"), "{}", out.all());
}

#[test]
fn update_baseline_as_nobody_never_replaces_a_file_it_may_not_write() {
    use std::os::unix::fs::PermissionsExt;
    if !is_root() {
        eprintln!("SKIP update_baseline_as_nobody_never_replaces_a_file_it_may_not_write: not root (cannot switch to nobody)");
        return;
    }
    let nobody = ["--reuid=65534", "--regid=65534", "--clear-groups"];
    let probe = Command::new("setpriv")
        .args(nobody)
        .arg(env!("CARGO_BIN_EXE_anivault-bench"))
        .arg("--version")
        .output();
    if !probe.as_ref().is_ok_and(|o| o.status.success()) {
        eprintln!("SKIP: setpriv cannot run the binary as nobody: {probe:?}");
        return;
    }
    let dir = TempDir::new().expect("tempdir");
    // A directory anyone may write in (so a rename would work), holding a
    // baseline only root may write.
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o777)).expect("chmod");
    let b = write(&dir, "baseline.json", &sample());
    fs::set_permissions(&b, fs::Permissions::from_mode(0o644)).expect("chmod");
    let mut cur = sample();
    set_peak(&mut cur, "std", 55_555);
    let r = write(&dir, "report.json", &cur);
    fs::set_permissions(&r, fs::Permissions::from_mode(0o644)).expect("chmod");
    fs::write(dir.path().join("sentinel.txt"), b"keep me").expect("write");
    let before = snapshot(dir.path());
    let o = Command::new("setpriv")
        .args(nobody)
        .arg(env!("CARGO_BIN_EXE_anivault-bench"))
        .arg("gate")
        .arg("--baseline")
        .arg(&b)
        .arg("--report")
        .arg(&r)
        .arg("--update-baseline")
        .output()
        .expect("run");
    let out = Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    };
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr.contains(&*b.to_string_lossy()) && out.stderr.contains("not writable"),
        "{}",
        out.all()
    );
    assert_no_panic(&out);
    assert_eq!(snapshot(dir.path()), before, "something changed");
}
