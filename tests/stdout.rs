//! Standard output that fails (issue 10, item 3): every command that prints
//! (`strategies`, `gen`, `gen --list`, `profile`, `profile --json`, `run`,
//! `compare`, `gate`) into `/dev/full` exits 1 with one line naming the
//! cause and no panic; into a pipe whose reader is gone it exits quietly
//! (0, like `scan | head`), except the gate, whose exit code is a verdict
//! that a closed pipe must not hide. Everything runs on the anime-tiny
//! preset in a temporary directory.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

use tempfile::TempDir;

/// A scratch directory (on tmpfs when there is one) holding the fixtures
/// (`ANIVAULT_FIXTURES_DIR`), the reports and a sentinel file.
fn scratch() -> TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(t) = tempfile::Builder::new()
            .prefix("anivault-stdout-test-")
            .tempdir_in(shm)
        {
            return t;
        }
    }
    tempfile::tempdir().expect("tempdir")
}

/// The argument lists of every printing command, with their outputs in `t`.
fn commands(t: &Path) -> Vec<Vec<String>> {
    let p = |name: &str| t.join(name).to_string_lossy().into_owned();
    let base = p("base.json");
    let mut v: Vec<Vec<&str>> = vec![
        vec!["strategies"],
        vec!["strategies", "--json"],
        vec!["gen", "--list"],
        vec!["gen", "--preset", "anime-tiny"],
        vec!["gen", "--preset", "anime-tiny", "--json"],
        vec!["gate", "--baseline", &base, "--report", &base],
        vec!["gate", "--baseline", &base, "--report", &base, "--json"],
    ];
    let prof = p("prof");
    let run = p("run");
    let cmp = p("cmp");
    let profile = [
        "profile",
        "--preset",
        "anime-tiny",
        "--strategies",
        "std",
        "--runs",
        "1",
        "--heap-runs",
        "1",
        "--out",
    ];
    let mut a = profile.to_vec();
    a.push(&prof);
    v.push(a.clone());
    a.push("--json");
    v.push(a);
    v.push(vec!["run", "--preset", "anime-tiny", "--out", &run]);
    v.push(vec![
        "compare",
        "--preset",
        "anime-tiny",
        "--strategies",
        "std",
        "--tools",
        "find",
        "--runs",
        "1",
        "--warmup",
        "0",
        "--out",
        &cmp,
    ]);
    v.into_iter()
        .map(|a| a.into_iter().map(String::from).collect())
        .collect()
}

fn bin(t: &Path, args: &[String]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_anivault-bench"));
    c.args(args)
        .env("ANIVAULT_FIXTURES_DIR", t.join("fixtures"))
        .current_dir(t)
        .stdin(Stdio::null())
        .stderr(Stdio::piped());
    c
}

/// The scratch directory with a baseline made by `profile` (so `gate` has
/// something to pass), and a sentinel file.
fn setup() -> TempDir {
    let t = scratch();
    fs::write(t.path().join("sentinel.txt"), b"not ours").expect("sentinel");
    let args: Vec<String> = [
        "profile",
        "--preset",
        "anime-tiny",
        "--strategies",
        "std",
        "--runs",
        "1",
        "--heap-runs",
        "1",
        "--out",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([t.path().join("base").to_string_lossy().into_owned()])
    .collect();
    let out = bin(t.path(), &args)
        .stdout(Stdio::null())
        .output()
        .expect("profile");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    t
}

fn check_sentinel(t: &Path) {
    assert_eq!(
        fs::read(t.join("sentinel.txt")).expect("sentinel"),
        b"not ours"
    );
}

#[test]
fn every_command_into_dev_full_exits_1_naming_the_cause() {
    let t = setup();
    for args in commands(t.path()) {
        let full = fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("open /dev/full");
        let out = bin(t.path(), &args)
            .stdout(Stdio::from(full))
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(
            stderr.contains("cannot write to standard output: No space left on device"),
            "{args:?}: {stderr}"
        );
        assert_eq!(
            stderr.matches("standard output").count(),
            1,
            "{args:?}: one line: {stderr}"
        );
    }
    check_sentinel(t.path());
}

/// A pipe whose read end is closed before the child starts: its first
/// write fails with EPIPE, deterministically.
fn closed_pipe() -> std::io::PipeWriter {
    let (read, write) = std::io::pipe().expect("pipe");
    drop(read);
    write
}

#[test]
fn every_command_into_a_closed_pipe_exits_quietly() {
    let t = setup();
    for args in commands(t.path()) {
        let out = bin(t.path(), &args)
            .stdout(Stdio::from(closed_pipe()))
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("standard output"),
            "{args:?}: a closed pipe is not an error: {stderr}"
        );
    }
    check_sentinel(t.path());
}

#[test]
fn a_closed_pipe_never_hides_a_failing_gate() {
    let t = setup();
    let base = t.path().join("base.json").to_string_lossy().into_owned();
    // A report one file short: the gate fails (exit 1), into a closed
    // pipe as on a terminal.
    let mut v: serde_json::Value =
        serde_json::from_slice(&fs::read(&base).expect("read")).expect("json");
    let found = v["results"][0]["files_found"]
        .as_u64()
        .expect("files_found");
    v["results"][0]["files_found"] = (found - 1).into();
    let bad = t.path().join("short.json");
    fs::write(&bad, serde_json::to_vec(&v).expect("json")).expect("write");
    let bad = bad.to_string_lossy().into_owned();
    let args: Vec<String> = ["gate", "--baseline", &base, "--report", &bad]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let out = bin(t.path(), &args)
        .stdout(Stdio::piped())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("gate: FAIL"));
    let out = bin(t.path(), &args)
        .stdout(Stdio::from(closed_pipe()))
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains("gate: FAIL"), "{stderr}");
    check_sentinel(t.path());
}
