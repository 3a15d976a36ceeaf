//! Command rows (`--cmd NAME='TEMPLATE'`, issue 13) through the library:
//! counts checked against the manifest, the streaming verdict across
//! library sizes on peak RSS, the RSS cap, the timeout, a missing program,
//! and peak RSS that a parent holding 200 MB does not inflate. Fixtures:
//! anime-tiny, anime-1k and anime-10k, generated once under target/tmp.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anivault_bench::command::row::growth;
use anivault_bench::command::{
    check_program, measure, reference, CmdTemplate, CommandError, CommandRow, CommandStatus,
    Records, RowOptions,
};
use anivault_bench::generator::{ensure_at, Fixture, Spec};
use anivault_bench::verdict::Streaming;
use anivault_scanner::VIDEO_EXTENSIONS;

const MIB: u64 = 1 << 20;

/// Where the fixtures of this file live (also `ANIVAULT_FIXTURES_DIR` of
/// the CLI runs, which then reuse them).
fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("command-rows-fixtures")
}

/// The preset's fixture, generated once (one test at a time: tests run in
/// parallel threads and would otherwise generate the same tree at once).
fn fixture(preset: &str) -> Fixture {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let dir = fixtures_dir().join(preset);
    ensure_at(&Spec::preset(preset).unwrap(), &dir).unwrap_or_else(|e| panic!("{preset}: {e}"))
}

fn python() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    anivault_bench::compare::tools::find_executable(reference::PYTHON, &path)
}

/// `find {root} -type f ( -iname '*.mkv' -o … )` over the default set.
fn find_template() -> String {
    let names: Vec<String> = VIDEO_EXTENSIONS
        .iter()
        .map(|e| format!("-iname '*.{e}'"))
        .collect();
    format!("find=find {{root}} -type f ( {} )", names.join(" -o "))
}

fn quick() -> RowOptions {
    RowOptions {
        runs: 1,
        warmup: 0,
        ..RowOptions::default()
    }
}

fn run(t: &CmdTemplate, preset: &str, opts: &RowOptions) -> CommandRow {
    let fx = fixture(preset);
    measure(
        t,
        preset,
        &fx.root,
        Some(fx.manifest.counts.media_files),
        opts,
    )
    .unwrap_or_else(|e| panic!("{}: {e}", t.name()))
}

#[test]
fn a_find_row_matches_the_manifest() {
    let t: CmdTemplate = find_template().parse().unwrap();
    let row = run(&t, "anime-1k", &RowOptions::default());
    assert_eq!(row.status, CommandStatus::Ok, "{}", row.status.text());
    assert_eq!(row.files_found, Some(766));
    assert!(row.count_correct && row.count_note.is_none(), "{row:?}");
    assert!(row.problems().is_empty(), "{:?}", row.problems());
    // 1 warm-up + 3 runs, every one measured exactly, and small: find's
    // own address space, not this test process's.
    assert_eq!(row.peak_rss_runs.len(), 4);
    let peak = row.peak_rss_bytes.unwrap();
    assert!(peak > 0 && peak < 16 * MIB, "{peak}");
    assert!(row.within_limit);
    let time = row.time.expect("timed");
    assert_eq!(time.wall_ms.len(), 3);
    assert!(time.files_per_sec > 0.0);
    assert!(row.command.starts_with("find /"), "{}", row.command);
    // The timeline ends at the exit stop, with every record printed (find
    // may finish before the first 10 ms sample: this point is always there).
    let last = row.timeline.last().expect("a timeline point");
    assert_eq!(last.records, 766);
    assert!(last.rss_bytes > 0 && last.rss_bytes <= peak);
}

#[test]
fn nul_records_are_counted_with_null() {
    let t: CmdTemplate = "all=find {root} -type f -print0".parse().unwrap();
    let fx = fixture("anime-tiny");
    let opts = RowOptions {
        records: Records::Nul,
        ..quick()
    };
    let row = measure(
        &t,
        "anime-tiny",
        &fx.root,
        Some(fx.manifest.counts.files),
        &opts,
    )
    .unwrap();
    assert_eq!(row.files_found, Some(fx.manifest.counts.files));
    assert!(row.count_correct);
}

#[test]
fn a_wrong_count_is_a_failed_count_that_is_shown() {
    // Every regular file, not only the videos.
    let t: CmdTemplate = "all=find {root} -type f".parse().unwrap();
    let row = run(&t, "anime-1k", &quick());
    assert_eq!(row.status, CommandStatus::Ok);
    assert!(!row.count_correct);
    let found = row.files_found.unwrap();
    assert_eq!(found, 1000);
    let note = row.count_note.clone().unwrap();
    assert_eq!(
        note,
        format!("printed {found} records; the manifest has 766 media files")
    );
    assert_eq!(
        row.problems(),
        [format!("all on anime-1k: wrong count: {note}")]
    );
}

#[test]
fn a_command_that_prints_nothing_is_a_failed_count() {
    let t: CmdTemplate = "quiet=find {root} -type f -name no-such-name"
        .parse()
        .unwrap();
    let row = run(&t, "anime-tiny", &quick());
    assert_eq!(row.status, CommandStatus::Ok);
    assert_eq!(row.files_found, Some(0));
    assert!(!row.count_correct);
    assert_eq!(
        row.count_note.as_deref(),
        Some("printed nothing; the manifest has 181 media files")
    );
}

#[test]
fn a_failing_command_is_a_failed_row_with_its_stderr_tail() {
    let t: CmdTemplate = "boom=sh -c 'echo one >&2; echo two >&2; exit 3' {root}"
        .parse()
        .unwrap();
    let row = run(&t, "anime-tiny", &RowOptions::default());
    assert_eq!(
        row.status,
        CommandStatus::Failed("failed (exit 3): one / two".into())
    );
    assert_eq!(row.stderr_tail, "one\ntwo");
    // The failure ends the row: one run, no timing.
    assert_eq!(row.peak_rss_runs.len(), 1);
    assert!(row.time.is_none());
    assert!(row.problems()[0].contains("failed (exit 3): one / two"));
}

#[test]
fn a_command_past_a_low_limit_is_killed_within_a_second() {
    // dd keeps a 64 MiB buffer (written by every read from /dev/zero) for
    // far longer than the test; the cap is 1.1 x 20 MB.
    let t: CmdTemplate =
        "hog=sh -c 'exec dd if=/dev/zero of=/dev/null bs=64M count=1000000' {root}"
            .parse()
            .unwrap();
    let opts = RowOptions {
        limit_bytes: 20_000_000,
        timeout: Some(Duration::from_secs(60)),
        ..RowOptions::default()
    };
    let row = run(&t, "anime-tiny", &opts);
    match row.status {
        CommandStatus::ExceededLimit {
            seen_bytes,
            cap_bytes,
        } => {
            assert_eq!(cap_bytes, 22_000_000);
            assert!(seen_bytes > cap_bytes);
        }
        ref s => panic!("{s:?}"),
    }
    assert!(row.status.text().starts_with("exceeded limit (RSS "));
    assert!(!row.within_limit);
    // Killed by the sampler (every 10 ms), not by the 60 s timeout.
    let after = row.failed_after_ms.unwrap();
    assert!(after < 1000.0, "killed after {after} ms");
    // Its peak was read at its exit stop: at least the cap.
    assert!(row.peak_rss_bytes.is_some_and(|p| p > 22_000_000));
}

#[test]
fn a_sleeping_command_is_killed_by_the_timeout() {
    let t: CmdTemplate = "sleepy=sh -c 'sleep 30' {root}".parse().unwrap();
    let opts = RowOptions {
        timeout: Some(Duration::from_millis(300)),
        ..RowOptions::default()
    };
    let row = run(&t, "anime-tiny", &opts);
    assert_eq!(row.status, CommandStatus::TimedOut { after_ms: 300 });
    assert_eq!(row.status.text(), "timed out after 0.3 s");
    assert!(row.failed_after_ms.is_some_and(|ms| ms < 30_000.0));
}

#[test]
fn a_missing_program_is_an_error_naming_it() {
    let t: CmdTemplate = "ghost=anivault-no-such-scanner {root}".parse().unwrap();
    let e = check_program(&t).unwrap_err();
    assert!(matches!(e, CommandError::NotFound { .. }));
    assert!(e.to_string().contains("'anivault-no-such-scanner'"), "{e}");
    let fx = fixture("anime-tiny");
    let e = measure(&t, "anime-tiny", &fx.root, None, &quick()).unwrap_err();
    assert!(matches!(e, CommandError::NotFound { .. }), "{e}");
}

/// A Python scanner that keeps every path (and a 1 KiB record per path, a
/// metadata cache) in a list before printing: planted growth.
const GROWING: &str = r#"
import os, sys
EXT = {b"mkv", b"mp4", b"m4v", b"avi", b"mov", b"wmv", b"webm", b"flv", b"ts",
       b"m2ts", b"mts", b"mpg", b"mpeg", b"ogm", b"ogv", b"rmvb", b"vob", b"3gp"}
held = []
for dirpath, _dirs, files in os.walk(os.fsencode(sys.argv[1])):
    for name in files:
        held.append((os.path.join(dirpath, name), bytes(1024)))
out = sys.stdout.buffer
for path, _meta in held:
    _, dot, ext = os.path.basename(path).rpartition(b".")
    if dot and ext.lower() in EXT and not os.path.islink(path):
        out.write(path + b"\n")
"#;

/// The planted script, written once under target/tmp.
pub fn growing_script() -> PathBuf {
    let p = Path::new(env!("CARGO_TARGET_TMPDIR")).join("growing-scanner.py");
    std::fs::write(&p, GROWING).unwrap();
    p
}

#[test]
fn a_growing_command_is_judged_grows_with_a_projected_crossing() {
    if python().is_none() {
        eprintln!("skipped: {} is not on PATH", reference::PYTHON);
        return;
    }
    let script = growing_script();
    let grower = CmdTemplate::from_words(
        "scanner",
        reference::PYTHON,
        &[&script.to_string_lossy(), "{root}"],
    )
    .unwrap();
    let original = match reference::rows().remove(0) {
        Ok(t) => t,
        Err(s) => panic!("{}", s.why),
    };
    let opts = RowOptions {
        runs: 1,
        warmup: 0,
        ..RowOptions::default()
    };
    let mut rows = Vec::new();
    for preset in ["anime-1k", "anime-10k"] {
        for t in [&grower, &original] {
            let row = run(t, preset, &opts);
            assert!(row.problems().is_empty(), "{:?}", row.problems());
            rows.push(row);
        }
    }
    let g = growth(&rows, 500_000_000);
    assert_eq!(g.len(), 2);
    let (grows, streams) = (&g[0], &g[1]);
    assert_eq!(grows.name, "scanner");
    assert_eq!(grows.streaming.verdict, Streaming::Grows, "{grows:?}");
    assert!(grows.streaming.verdict.text().starts_with("✗ grows"));
    let at = grows
        .streaming
        .projected_files_at_limit
        .expect("projection");
    // About 1.2 KiB per file: 500 MB somewhere in the hundreds of
    // thousands of media files, above the 6,084 measured.
    assert!((6_084..5_000_000).contains(&at), "{at}");
    assert_eq!(streams.name, reference::ORIGINAL);
    assert_eq!(
        streams.streaming.verdict,
        Streaming::Streaming,
        "{streams:?}"
    );
    assert_eq!(streams.streaming.projected_files_at_limit, None);
}

#[test]
fn the_reference_row_is_not_inflated_by_a_parent_holding_200_mb() {
    if python().is_none() {
        eprintln!("skipped: {} is not on PATH", reference::PYTHON);
        return;
    }
    let original = match reference::rows().remove(0) {
        Ok(t) => t,
        Err(s) => panic!("{}", s.why),
    };
    let before = run(&original, "anime-tiny", &quick());
    let mut held = vec![0u8; 200_000_000];
    for (i, b) in held.iter_mut().enumerate().step_by(4096) {
        *b = i as u8 | 1;
    }
    let during = run(&original, "anime-tiny", &quick());
    std::hint::black_box(&held);
    drop(held);
    assert!(during.problems().is_empty(), "{:?}", during.problems());
    let (a, b) = (
        before.peak_rss_bytes.unwrap(),
        during.peak_rss_bytes.unwrap(),
    );
    assert!(b < 64 * MIB, "python while the parent holds 200 MB: {b}");
    assert!(a.abs_diff(b) < 4 * MIB, "{a} vs {b}");
}

// ---- the command line ---------------------------------------------------

fn bin() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_anivault-bench"));
    c.env("ANIVAULT_FIXTURES_DIR", fixtures_dir());
    c
}

/// Runs `anivault-bench ARGS` on fixtures made first; (exit code, stdout,
/// stderr).
fn cli(presets: &[&str], args: &[&str]) -> (Option<i32>, String, String) {
    for p in presets {
        fixture(p);
    }
    let out = bin().args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `anivault-bench profile --preset PRESET --strategies none --runs 1
/// REST...` through [`cli`] (fixtures `presets` made first): command rows only.
fn profile_none(presets: &[&str], preset: &str, rest: &[&str]) -> (Option<i32>, String, String) {
    let mut args = vec![
        "profile",
        "--preset",
        preset,
        "--strategies",
        "none",
        "--runs",
        "1",
    ];
    args.extend_from_slice(rest);
    cli(presets, &args)
}

fn load(stem: &Path) -> anivault_bench::report::Report {
    anivault_bench::report::load(&stem.with_extension("json")).unwrap()
}

#[test]
fn profile_cmd_find_row_matches_the_manifest_in_every_report() {
    let t = tempfile::tempdir().unwrap();
    let stem = t.path().join("p");
    let find = find_template();
    let (code, stdout, stderr) = profile_none(
        &["anime-tiny"],
        "anime-tiny",
        &["--cmd", &find, "--out", stem.to_str().unwrap()],
    );
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    let r = load(&stem);
    let row = r.commands.row("find", "anime-tiny").expect("find row");
    assert_eq!(row.files_found, Some(181));
    assert!(row.count_correct && row.peak_rss_bytes.is_some());
    assert_eq!(r.commands.growth[0].name, "find");
    let md = std::fs::read_to_string(stem.with_extension("md")).unwrap();
    assert!(md.contains("## Command rows"), "{md}");
    assert!(md.contains("| `find` |"), "{md}");
    assert!(md.contains("✓ limit · ✓ count"), "{md}");
    // The charts of the command rows beside ours.
    let timeline = std::fs::read_to_string(t.path().join("p.commands.svg")).unwrap();
    assert!(
        timeline.starts_with("<svg") && timeline.contains("\nfind\n"),
        "{timeline:.200}"
    );
    let growth = std::fs::read_to_string(t.path().join("p.commands.growth.svg")).unwrap();
    assert!(
        growth.starts_with("<svg") && growth.contains("\nfind\n"),
        "{growth:.200}"
    );
}

#[test]
fn a_planted_grower_is_reported_grows_and_fails_the_gate_against_the_streaming_reference() {
    if python().is_none() {
        eprintln!("skipped: {} is not on PATH", reference::PYTHON);
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let original = reference::scripts_dir().join("original.py");
    let streaming = format!("scanner=python3 '{}' {{root}}", original.display());
    let growing = format!("scanner=python3 '{}' {{root}}", growing_script().display());
    let presets = "anime-1k,anime-10k";
    let base = t.path().join("base");
    let profile = |cmd: &str, stem: &Path| {
        profile_none(
            &["anime-1k", "anime-10k"],
            presets,
            &["--cmd", cmd, "--out", stem.to_str().unwrap()],
        )
    };
    // The baseline: the streaming original.
    let (code, stdout, stderr) = profile(&streaming, &base);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("scanner (command, peak RSS): ✓ streaming"),
        "{stdout}"
    );
    // The planted grower under the same name: ✗ grows, with a crossing.
    let now = t.path().join("now");
    let (code, stdout, stderr) = profile(&growing, &now);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    let line = stdout
        .lines()
        .find(|l| l.contains("scanner (command, peak RSS)"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(line.contains("✗ grows with library size"), "{line}");
    assert!(line.contains("reaches 500 MB at ~"), "{line}");
    let r = load(&now);
    let g = r.commands.growth_of("scanner").unwrap();
    assert!(g.streaming.projected_files_at_limit.is_some());
    // The gate, running the grower now against the baseline: fails.
    let b = base.with_extension("json");
    let (code, stdout, _) = cli(
        &[],
        &["gate", "--baseline", b.to_str().unwrap(), "--cmd", &growing],
    );
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("grows with library size now"), "{stdout}");
    assert!(stdout.contains("it streams in the baseline"), "{stdout}");
    // Its report, too (the same rule on the files).
    let n = now.with_extension("json");
    let (code, stdout, _) = cli(
        &[],
        &[
            "gate",
            "--baseline",
            b.to_str().unwrap(),
            "--report",
            n.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(1), "{stdout}");
    // The baseline's own command, run again: passes.
    let (code, stdout, _) = cli(&[], &["gate", "--baseline", b.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("rss +"), "{stdout}");
}

#[test]
fn gate_rules_for_command_rows_missing_new_and_corrupt() {
    let t = tempfile::tempdir().unwrap();
    let base = t.path().join("base");
    let find = find_template();
    let (code, _, stderr) = profile_none(
        &["anime-tiny"],
        "anime-tiny",
        &["--cmd", &find, "--out", base.to_str().unwrap()],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let b = base.with_extension("json");
    let b = b.to_str().unwrap();
    // A new row: held to the limit and the count only.
    let (code, stdout, _) = cli(
        &[],
        &[
            "gate",
            "--baseline",
            b,
            "--cmd",
            "all=find {root} -type f -name *.mkv",
        ],
    );
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("new (no baseline)"), "{stdout}");
    // The row missing from a report: fails.
    let other = t.path().join("other");
    let (code, _, stderr) = profile_none(
        &[],
        "anime-tiny",
        &[
            "--cmd",
            "mkv=find {root} -type f -name *.mkv",
            "--out",
            other.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let o = other.with_extension("json");
    let (code, stdout, _) = cli(
        &[],
        &["gate", "--baseline", b, "--report", o.to_str().unwrap()],
    );
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("missing from the report"), "{stdout}");
    // Skipped now (e.g. python3 gone) but measured in the baseline: fails.
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(b).unwrap()).unwrap();
    v["commands"]["rows"][0]["status"] = "skipped".into();
    v["commands"]["rows"][0]["detail"] = "python3 is not on PATH".into();
    let skipped = t.path().join("skipped.json");
    std::fs::write(&skipped, serde_json::to_vec(&v).unwrap()).unwrap();
    let (code, stdout, _) = cli(
        &[],
        &[
            "gate",
            "--baseline",
            b,
            "--report",
            skipped.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("skipped now (python3 is not on PATH) but measured in the baseline"),
        "{stdout}"
    );
    // A corrupt baseline: not JSON, or a measured row without its peak.
    let junk = t.path().join("junk.json");
    std::fs::write(&junk, b"{ not json").unwrap();
    let (code, _, stderr) = cli(&[], &["gate", "--baseline", junk.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{stderr}");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(b).unwrap()).unwrap();
    v["commands"]["rows"][0]["peak_rss_bytes"] = serde_json::Value::Null;
    v["commands"]["rows"][0]["peak_rss_runs"] = serde_json::json!([]);
    let broken = t.path().join("broken.json");
    std::fs::write(&broken, serde_json::to_vec(&v).unwrap()).unwrap();
    let (code, _, stderr) = cli(
        &[],
        &[
            "gate",
            "--baseline",
            broken.to_str().unwrap(),
            "--report",
            b,
        ],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("has no peak RSS"), "{stderr}");
}

#[test]
fn profile_exits_2_naming_a_missing_program_before_generating_anything() {
    let t = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_anivault-bench"))
        .env("ANIVAULT_FIXTURES_DIR", t.path().join("fx"))
        .args([
            "profile",
            "--preset",
            "anime-tiny",
            "--strategies",
            "none",
            "--cmd",
            "ghost=anivault-no-such-scanner {root}",
        ])
        .arg("--out")
        .arg(t.path().join("p"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("'anivault-no-such-scanner': program not found"),
        "{stderr}"
    );
    assert!(!t.path().join("fx").exists(), "a fixture was generated");
    // A bad template is exit 2 as well, with the reason.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_anivault-bench"))
        .args(["profile", "--strategies", "none", "--cmd", "find /srv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected NAME='TEMPLATE'"));
}

#[test]
fn profile_reports_the_limit_and_the_timeout_as_failed_rows() {
    let t = tempfile::tempdir().unwrap();
    let stem = t.path().join("p");
    let (code, stdout, stderr) = profile_none(
        &["anime-tiny"],
        "anime-tiny",
        &[
            "--limit-mb",
            "20",
            "--timeout",
            "0.3",
            "--cmd",
            "hog=sh -c 'exec dd if=/dev/zero of=/dev/null bs=64M count=1000000' {root}",
            "--cmd",
            "sleepy=sh -c 'sleep 30' {root}",
            "--out",
            stem.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("exceeded limit (RSS "), "{stdout}");
    assert!(stdout.contains("timed out after 0.3 s"), "{stdout}");
    let r = load(&stem);
    assert!(matches!(
        r.commands.row("hog", "anime-tiny").unwrap().status,
        CommandStatus::ExceededLimit { .. }
    ));
    assert!(r
        .verdict
        .reasons
        .iter()
        .any(|x| x.contains("sleepy on anime-tiny: timed out")));
}

#[test]
fn reference_rows_say_why_when_python3_is_missing() {
    // A PATH without python3 (find and sh stay reachable through /usr/bin
    // only if python3 is not there as well: use an empty directory).
    let t = tempfile::tempdir().unwrap();
    fixture("anime-tiny");
    let stem = t.path().join("p");
    let out = bin()
        .env("PATH", t.path())
        .args([
            "profile",
            "--preset",
            "anime-tiny",
            "--strategies",
            "none",
            "--runs",
            "1",
            "--reference",
            "--out",
        ])
        .arg(&stem)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let r = load(&stem);
    assert_eq!(r.commands.rows.len(), 2);
    for row in &r.commands.rows {
        assert_eq!(
            row.status,
            CommandStatus::Skipped("python3 is not on PATH".into()),
            "{}",
            row.name
        );
    }
    assert!(
        stdout.contains("skipped: python3 is not on PATH"),
        "{stdout}"
    );
}

#[test]
fn compare_cmd_rows_beside_the_tools() {
    let t = tempfile::tempdir().unwrap();
    let stem = t.path().join("c");
    let find = find_template();
    let (code, stdout, stderr) = cli(
        &["anime-tiny"],
        &[
            "compare",
            "--preset",
            "anime-tiny",
            "--strategies",
            "none",
            "--tools",
            "none",
            "--runs",
            "1",
            "--cmd",
            &find,
            "--cmd",
            "all=find {root} -type f",
            "--out",
            stem.to_str().unwrap(),
        ],
    );
    // `all` lists every file, not the 181 videos: a failed count, exit 1.
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(stem.with_extension("json")).unwrap()).unwrap();
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["kind"], "command");
    assert_eq!(rows[0]["name"], "find");
    assert_eq!(rows[0]["count"], 181);
    assert_eq!(rows[0]["count_ok"], true);
    assert_eq!(rows[1]["count"], 200);
    assert_eq!(rows[1]["count_ok"], false);
    assert!(rows[0]["timing"]["max_rss_kb"]
        .as_u64()
        .is_some_and(|k| k > 0 && k < 16 * 1024));
    // A missing program: exit 2, naming it.
    let (code, _, stderr) = cli(
        &[],
        &[
            "compare",
            "--preset",
            "anime-tiny",
            "--cmd",
            "x=anivault-no-such-scanner {root}",
        ],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("'anivault-no-such-scanner'"), "{stderr}");
}

#[test]
fn the_gate_runs_this_checkouts_reference_scripts_not_the_recorded_path() {
    use anivault_bench::command::suite::Planned;
    let mut row = CommandRow::skipped(
        reference::ORIGINAL,
        "anime-tiny",
        "python3 /elsewhere/scripts/reference/original.py {root}",
        Some(181),
        "",
    );
    row.status = CommandStatus::Ok;
    row.sample_ms = 10;
    match (Planned::again(&row).unwrap(), python()) {
        (Planned::Run(t, Some(opts)), Some(_)) => {
            assert!(!t.template().contains("/elsewhere/"), "{}", t.template());
            assert!(t
                .template()
                .contains(&*reference::scripts_dir().to_string_lossy()));
            assert_eq!(opts.sample_every, Duration::from_millis(10));
        }
        (Planned::Skip { why, .. }, None) => assert!(why.contains("not on PATH")),
        (p, py) => panic!("{p:?} with python3 at {py:?}"),
    }
    // Any other row runs the template it recorded.
    row.name = "mine".into();
    row.template = "find {root} -type f".into();
    match Planned::again(&row).unwrap() {
        Planned::Run(t, _) => assert_eq!(t.template(), "find {root} -type f"),
        p => panic!("{p:?}"),
    }
}
