//! Golden renderings: fixed models (tests/golden/*.json) rendered through
//! every exporter of every document (profile, compare, gate) and compared
//! byte for byte with the files committed beside them. The golden files
//! were made by the code before the report subsystem was reorganised, so
//! a restructuring that changes one byte of a report fails here.
//!
//! `GOLDEN_UPDATE=1 cargo test --test golden` rewrites the golden files
//! (only for a deliberate change of a report, said in its commit).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anivault_bench::report::compare::{self, CompareReport};
use anivault_bench::report::profile::terminal::TerminalExporter;
use anivault_bench::report::{self, Exporter};

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Compares `got` with the golden file `name` (or rewrites it under
/// `GOLDEN_UPDATE=1`), naming the first differing line.
fn check(name: &str, got: &[u8]) {
    let path = golden_dir().join(name);
    if std::env::var_os("GOLDEN_UPDATE").is_some() {
        fs::write(&path, got).unwrap();
        return;
    }
    let want = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if want != got {
        let (w, g) = (String::from_utf8_lossy(&want), String::from_utf8_lossy(got));
        let line = w
            .lines()
            .zip(g.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(w.lines().count().min(g.lines().count()));
        panic!(
            "{name}: rendering differs from the golden file at line {}:\n  golden: {:?}\n  now:    {:?}",
            line + 1,
            w.lines().nth(line),
            g.lines().nth(line)
        );
    }
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_anivault-bench"))
}

fn profile_exports(input: &str, stem: &str) {
    let r = report::load(&golden_dir().join(input)).unwrap();
    for e in report::profile::exporters() {
        let bytes = e.render(&r).unwrap();
        check(&format!("{stem}.{}", e.extension()), &bytes);
    }
}

#[test]
fn profile_report_renders_as_before() {
    profile_exports("profile.json", "profile.out");
}

#[test]
fn profile_report_with_failed_rows_renders_as_before() {
    profile_exports("profile-failed.json", "profile-failed.out");
}

#[test]
fn compare_report_renders_as_before() {
    let text = fs::read_to_string(golden_dir().join("compare.json")).unwrap();
    let r: CompareReport = serde_json::from_str(&text).unwrap();
    check(
        "compare.out.md",
        &compare::markdown::MarkdownExporter.render(&r).unwrap(),
    );
    // The file and stdout always had a newline after the JSON.
    check(
        "compare.out.json",
        &compare::json::JsonExporter.render(&r).unwrap(),
    );
    check(
        "compare.out.table.md",
        compare::markdown::table(&r).as_bytes(),
    );
}

/// Runs the gate from the golden directory (so the paths it prints are
/// the same wherever the repository is) and returns (exit code, stdout).
fn gate(args: &[&str]) -> (Option<i32>, Vec<u8>) {
    let out = bin()
        .current_dir(golden_dir())
        .arg("gate")
        .args(args)
        .output()
        .unwrap();
    (out.status.code(), out.stdout)
}

#[test]
fn gate_outcome_renders_as_before() {
    let args = [
        "--baseline",
        "profile.json",
        "--report",
        "gate-current.json",
    ];
    let (code, text) = gate(&args);
    assert_eq!(code, Some(1));
    check("gate.out.txt", &text);
    let (code, json) = gate(&[&args[..], &["--json"]].concat());
    assert_eq!(code, Some(1));
    check("gate.out.json", &json);
    let (code, pass) = gate(&["--baseline", "profile.json", "--report", "profile.json"]);
    assert_eq!(code, Some(0));
    check("gate-pass.out.txt", &pass);
}

#[test]
fn gate_update_baseline_renders_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.json");
    fs::copy(golden_dir().join("profile.json"), &base).unwrap();
    let current = golden_dir().join("gate-current.json");
    let out = bin()
        .arg("gate")
        .arg("--baseline")
        .arg(&base)
        .arg("--report")
        .arg(&current)
        .arg("--update-baseline")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout)
        .unwrap()
        .replace(&base.display().to_string(), "BASE");
    check("gate-update.out.txt", text.as_bytes());
}

#[test]
fn profile_stdout_renders_as_before() {
    for (input, stem) in [
        ("profile.json", "profile"),
        ("profile-failed.json", "profile-failed"),
    ] {
        let r = report::load(&golden_dir().join(input)).unwrap();
        let text = TerminalExporter { run_elapsed: None }.render(&r).unwrap();
        check(&format!("{stem}.out.terminal.txt"), &text);
    }
}

#[test]
fn run_stdout_of_a_failed_verdict_renders_as_before() {
    let r = report::load(&golden_dir().join("profile-failed.json")).unwrap();
    let text = TerminalExporter {
        run_elapsed: Some(Duration::from_secs(1)),
    }
    .render(&r)
    .unwrap();
    check("run-failed.out.terminal.txt", &text);
}
