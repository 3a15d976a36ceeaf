//! Acceptance tests of `anivault-bench compare` against the built binary,
//! on a small generated fixture, with `PATH` limited to a directory we
//! fill, so which tools are "installed" is under the test's control.

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_anivault-bench")
}

/// A generated anime fixture of 500 files, and a private `PATH` directory.
struct Setup {
    tmp: TempDir,
    root: PathBuf,
    media: u64,
}

impl Setup {
    fn new() -> Setup {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("fx");
        let out = Command::new(bin())
            .args([
                "gen", "--shape", "anime", "--files", "500", "--seed", "7", "--out",
            ])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "gen failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let manifest: Value =
            serde_json::from_slice(&fs::read(dir.join("manifest.json")).unwrap()).unwrap();
        let media = manifest["counts"]["media_files"].as_u64().unwrap();
        assert!(media > 0);
        fs::create_dir(tmp.path().join("bin")).unwrap();
        fs::create_dir(tmp.path().join("tools")).unwrap();
        Setup {
            root: dir.join("tree"),
            tmp,
            media,
        }
    }

    fn path_dir(&self) -> PathBuf {
        self.tmp.path().join("bin")
    }

    /// Our `ANIVAULT_TOOLS_DIR` (searched before PATH; empty unless a
    /// test fills it), so the workspace's target/tools/bin stays out.
    fn tools_dir(&self) -> PathBuf {
        self.tmp.path().join("tools")
    }

    /// Puts the real `find` in our PATH directory.
    fn install_find(&self) {
        let real = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .map(|d| d.join("find"))
            .find(|p| p.is_file())
            .expect("find must be installed to run these tests");
        symlink(real, self.path_dir().join("find")).unwrap();
    }

    /// A fake tool that answers `--version` and otherwise prints `records`
    /// NUL-terminated paths (whatever the arguments).
    fn install_fake(&self, name: &str, records: usize) {
        self.install_fake_in(&self.path_dir(), name, records);
    }

    /// [`Setup::install_fake`] into `dir`.
    fn install_fake_in(&self, dir: &Path, name: &str, records: usize) {
        let p = dir.join(name);
        let body = format!(
            "#!/bin/sh\ncase \"$1\" in --version) echo 'fake {name} 0.0';; *) i=0; while [ $i -lt {records} ]; do printf 'x\\0'; i=$((i+1)); done;; esac\n"
        );
        fs::write(&p, body).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn out_stem(&self) -> PathBuf {
        self.tmp.path().join("reports").join("cmp")
    }

    /// Runs `compare ARGS... ROOT` with PATH = our directory only.
    fn compare(&self, args: &[&str]) -> Output {
        Command::new(bin())
            .arg("compare")
            .args(args)
            .arg("--out")
            .arg(self.out_stem())
            .arg(&self.root)
            .env("PATH", self.path_dir())
            .env("ANIVAULT_TOOLS_DIR", self.tools_dir())
            .env_remove("ANIVAULT_FIXTURES_DIR")
            .output()
            .unwrap()
    }

    fn json_report(&self) -> Value {
        let p = self.out_stem().with_extension("json");
        serde_json::from_slice(&fs::read(&p).unwrap()).unwrap()
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn row<'a>(table: &'a str, name: &str) -> &'a str {
    let start = format!("| `{name}` |");
    table
        .lines()
        .find(|l| l.starts_with(&start))
        .unwrap_or_else(|| panic!("no row {name} in:\n{table}"))
}

fn fmt_count(n: u64) -> String {
    let d = n.to_string();
    let mut out = String::new();
    for (i, c) in d.chars().enumerate() {
        if i > 0 && (d.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn find_runs_missing_tools_are_listed_and_counts_agree() {
    let s = Setup::new();
    s.install_find();
    let out = s.compare(&[
        "--tools",
        "find,fd,bfs",
        "--strategies",
        "getdents,std",
        "--runs",
        "2",
        "--warmup",
        "1",
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{}",
        text(&out.stderr)
    );

    // hyperfine's shape, with our columns.
    assert!(
        stdout.contains(
            "| Command | Median [ms] | Min [ms] | Max [ms] | User [ms] | Sys [ms] | Peak RSS | Files | Relative | vs find |"
        ),
        "{stdout}"
    );
    let ok = format!("✓ {}", fmt_count(s.media));
    for name in ["getdents", "std", "find"] {
        let r = row(&stdout, name);
        assert!(r.contains(&ok), "{name}: {r}");
    }
    assert!(
        row(&stdout, "find").contains("| 1.00 |"),
        "find is its own reference"
    );
    for name in ["fd", "bfs"] {
        assert!(row(&stdout, name).contains("not installed"), "{stdout}");
    }
    // Every table line has the same number of cells.
    let table: Vec<&str> = stdout.lines().filter(|l| l.starts_with('|')).collect();
    assert_eq!(table.len(), 2 + 5, "{stdout}");
    let cells = table[0].matches('|').count();
    assert!(
        table.iter().all(|l| l.matches('|').count() == cells),
        "{stdout}"
    );
    // The fastest row has Relative 1.00.
    assert!(table.iter().any(|l| l.contains("| 1.00 |")));

    let j = s.json_report();
    assert_eq!(j["schema"], "anivault-bench/compare");
    assert_eq!(j["cache"], "warm");
    assert_eq!(j["expected"]["files"].as_u64(), Some(s.media));
    assert_eq!(j["expected"]["source"], "manifest");
    assert!(j["target"]["fs_type"]
        .as_str()
        .is_some_and(|f| !f.is_empty()));
    let rows = j["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    let by_name = |n: &str| rows.iter().find(|r| r["name"] == n).unwrap();
    let find = by_name("find");
    assert_eq!(find["count"].as_u64(), Some(s.media));
    assert_eq!(find["count_ok"], true);
    assert!(find["command"]
        .as_str()
        .unwrap()
        .starts_with("LC_ALL=C find "));
    assert_eq!(find["timing"]["wall_ms"].as_array().unwrap().len(), 2);
    assert!(find["timing"]["max_rss_kb"].as_u64().unwrap() > 0);
    assert_eq!(by_name("bfs")["status"]["state"], "not_installed");
    assert!(by_name("fd")["timing"].is_null());
    let md = fs::read_to_string(s.out_stem().with_extension("md")).unwrap();
    assert!(md.contains("| `bfs` | not installed |"), "{md}");
    assert!(md.contains("apt-get install fd-find"), "{md}");
}

#[test]
fn a_count_mismatch_is_reported_not_hidden() {
    let s = Setup::new();
    s.install_fake("bfs", 3);
    let out = s.compare(&[
        "--tools", "bfs", "-s", "getdents", "--runs", "1", "--warmup", "0",
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    let r = row(&stdout, "bfs");
    assert!(
        r.contains(&format!("✗ 3 (expected {})", fmt_count(s.media))),
        "{r}"
    );
    assert!(row(&stdout, "getdents").contains("✓"), "{stdout}");
    let j = s.json_report();
    let bfs = j["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "bfs")
        .unwrap();
    assert_eq!(bfs["count_ok"], false);
    assert_eq!(bfs["version"], "fake bfs 0.0");
    // Still timed: a mismatch does not hide the figures.
    assert!(bfs["timing"]["median_ms"].as_f64().is_some());
}

#[test]
fn tools_dir_comes_first_two_fds_are_two_rows_and_fdf_has_a_row() {
    let s = Setup::new();
    let n = usize::try_from(s.media).unwrap();
    // fd 10 where compare-tools.sh --install puts it, the apt fd on PATH.
    s.install_fake_in(&s.tools_dir(), "fd", n);
    s.install_fake("fdfind", n);
    let out = s.compare(&[
        "--tools", "fd,fdf", "-s", "none", "--runs", "1", "--warmup", "0",
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    let j = s.json_report();
    let rows = j["rows"].as_array().unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["fd", "fdfind", "fdf"], "{stdout}");
    assert_eq!(
        rows[0]["version"], "fake fd 0.0",
        "the tools directory first"
    );
    assert_eq!(rows[1]["version"], "fake fdfind 0.0");
    assert_eq!(rows[0]["count_ok"], true);
    assert_eq!(rows[2]["status"]["state"], "not_installed");
    assert!(row(&stdout, "fdf").contains("not installed"), "{stdout}");
    let md = fs::read_to_string(s.out_stem().with_extension("md")).unwrap();
    assert!(
        md.contains("(fake fd 0.0)") && md.contains("(fake fdfind 0.0)"),
        "{md}"
    );
    assert!(
        md.contains("cargo install --root target/tools fdf"),
        "how to install: {md}"
    );
}

#[test]
fn fdf_lists_what_the_manifest_counts_when_installed() {
    let s = Setup::new();
    let Some(fdf) =
        anivault_bench::compare::tools::detect(anivault_bench::compare::tools::ToolKind::Fdf)
    else {
        eprintln!("skipped: fdf is not installed (scripts/compare-tools.sh --install)");
        return;
    };
    symlink(&fdf.program, s.path_dir().join("fdf")).unwrap();
    let out = s.compare(&[
        "--tools", "fdf", "-s", "none", "--runs", "1", "--warmup", "0",
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    assert!(
        row(&stdout, "fdf").contains(&format!("✓ {}", fmt_count(s.media))),
        "{stdout}"
    );
}

#[test]
fn threads_sweep_gives_one_row_per_count_for_parallel_strategies() {
    let s = Setup::new();
    let out = s.compare(&[
        "--tools",
        "none",
        "-s",
        "getdents-par,getdents",
        "--threads",
        "1,2",
        "--runs",
        "1",
        "--warmup",
        "0",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = j["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["getdents-par -j1", "getdents-par -j2", "getdents"]);
    assert_eq!(j["rows"][1]["threads"], 2);
    assert!(j["rows"][1]["command"]
        .as_str()
        .unwrap()
        .contains("scan -s getdents-par -j 2 "));
}

#[test]
fn floor_rows_are_there_and_count_what_the_manifest_counts() {
    let s = Setup::new();
    let out = s.compare(&[
        "--tools",
        "none",
        "-s",
        "getdents,floor",
        "--runs",
        "2",
        "--warmup",
        "0",
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut want = vec!["getdents".to_string(), "floor-1t".to_string()];
    if cores > 1 {
        want.push(format!("floor-{cores}t"));
    }
    let j = s.json_report();
    let rows = j["rows"].as_array().unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, want, "{stdout}");
    for r in &rows[1..] {
        assert_eq!(r["kind"], "floor", "{r}");
        assert_eq!(r["count"].as_u64(), Some(s.media), "{r}");
        assert_eq!(r["count_ok"], true, "{r}");
        assert_eq!(r["timing"]["wall_ms"].as_array().unwrap().len(), 2, "{r}");
        let t = r["threads"].as_u64().unwrap();
        assert!(r["command"]
            .as_str()
            .unwrap()
            .starts_with(&format!("anivault-bench floor -j {t} ")));
        assert!(row(&stdout, r["name"].as_str().unwrap())
            .contains(&format!("✓ {}", fmt_count(s.media))));
    }
    // The report says what the floor is, in the JSON and the Markdown.
    let about = j["floor"].as_str().expect("the floor field");
    assert!(
        about.contains("getdents64") && about.contains("not a scanner"),
        "{about}"
    );
    assert!(
        stdout.contains("Floor rows, floor-Nt: the syscall floor"),
        "{stdout}"
    );

    // One floor row per --threads value; no floor without `floor` or `all`.
    let out = s.compare(&[
        "--tools",
        "none",
        "-s",
        "floor",
        "--threads",
        "1,3",
        "--runs",
        "1",
        "--warmup",
        "0",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = j["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["floor-1t", "floor-3t"]);
    assert!(j["rows"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["count_ok"] == true));
    let out = s.compare(&[
        "--tools", "none", "-s", "std", "--runs", "1", "--warmup", "0",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(s.json_report().get("floor").is_none());
    assert!(!text(&out.stdout).contains("floor-1t"));
}

#[test]
fn the_floor_command_prints_its_count_and_refuses_bad_input() {
    let s = Setup::new();
    for j in ["1", "2"] {
        let out = Command::new(bin())
            .args(["floor", "-j", j])
            .arg(&s.root)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_eq!(text(&out.stdout), format!("{}\n", s.media));
    }
    let missing = s.tmp.path().join("missing");
    let out = Command::new(bin())
        .arg("floor")
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        text(&out.stderr).contains("missing"),
        "{}",
        text(&out.stderr)
    );
    let out = Command::new(bin())
        .args(["floor", "-j", "0"])
        .arg(&s.root)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn usage_errors_exit_2() {
    let s = Setup::new();
    let out = s.compare(&["--tools", "find,nosuchtool"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("unknown tool 'nosuchtool'"),
        "{}",
        text(&out.stderr)
    );

    let out = s.compare(&["--runs", "0"]);
    assert_eq!(out.status.code(), Some(2));

    let out = Command::new(bin())
        .args(["compare", "--tools", "none", "-s", "std"])
        .arg(s.tmp.path().join("missing"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!s.out_stem().with_extension("json").exists());
}

#[test]
fn cold_without_the_rights_is_refused_clearly() {
    let writable = fs::OpenOptions::new()
        .write(true)
        .open("/proc/sys/vm/drop_caches")
        .is_ok();
    if writable {
        eprintln!("skipped: this process may drop the page cache; not doing it in a test");
        return;
    }
    let s = Setup::new();
    let out = s.compare(&["--cold", "--tools", "none", "-s", "std", "--runs", "1"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("--cold") && err.contains("drop_caches"),
        "{err}"
    );
    assert!(!Path::new(&s.out_stem().with_extension("json")).exists());
}

/// Runs `compare ARGS... ROOT` (no tools, one quick run) and returns it.
fn compare_root(s: &Setup, root: &Path, strategies: &str) -> Output {
    Command::new(bin())
        .args(["compare", "--tools", "none", "-s", strategies])
        .args(["--runs", "1", "--warmup", "0", "--out"])
        .arg(s.out_stem())
        .arg(root)
        .env_remove("ANIVAULT_FIXTURES_DIR")
        .output()
        .unwrap()
}

#[test]
fn an_incomplete_fixture_is_refused_not_counted_by_a_strategy() {
    let s = Setup::new();
    let dir = s.root.parent().unwrap().to_path_buf();
    // An interrupted generation: in progress, no manifest yet.
    fs::remove_file(dir.join("manifest.json")).unwrap();
    fs::write(dir.join(".in-progress"), b"").unwrap();
    for root in [&s.root, &dir] {
        let out = compare_root(&s, root, "getdents");
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(&format!("'{}'", dir.display())), "{err}");
        assert!(
            err.contains("incomplete") && err.contains(".in-progress"),
            "{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
        assert!(!s.out_stem().with_extension("json").exists());
    }
    // Marker but no manifest (and no in-progress): still not a count.
    fs::remove_file(dir.join(".in-progress")).unwrap();
    let out = compare_root(&s, &s.root, "getdents");
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("manifest.json") && err.contains("cannot read"),
        "{err}"
    );
    // A manifest without counts.
    fs::write(dir.join("manifest.json"), b"{\"preset\": null}").unwrap();
    let out = compare_root(&s, &s.root, "getdents");
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("no \"counts\""), "{err}");
}

#[test]
fn a_plain_directory_says_where_its_expected_count_comes_from() {
    let s = Setup::new();
    // A copy of the tree outside any fixture directory.
    let plain = s.tmp.path().join("plain");
    let status = Command::new("cp")
        .arg("-a")
        .arg(&s.root)
        .arg(&plain)
        .status()
        .unwrap();
    assert!(status.success());
    // The reference is the library's default strategy (getdents-par on
    // Linux) when it is among the rows.
    let default = anivault_scanner::Strategy::default().name();
    let out = compare_root(&s, &plain, &format!("std,{default}"));
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let source = format!("no manifest; expected count taken from strategy {default}");
    let source = source.as_str();
    assert!(err.contains(source), "{err}");
    let j = s.json_report();
    assert_eq!(j["expected"]["source"], source);
    assert_eq!(j["expected"]["files"].as_u64(), Some(s.media));
    assert_eq!(j["target"]["preset"], "custom");
    let md = fs::read_to_string(s.out_stem().with_extension("md")).unwrap();
    assert!(md.contains(source), "{md}");
}

#[test]
fn an_incomplete_preset_fixture_is_regenerated() {
    let s = Setup::new();
    let fixtures = s.tmp.path().join("fixtures");
    let run = || {
        Command::new(bin())
            .args(["compare", "--preset", "anime-tiny", "--tools", "none"])
            .args([
                "-s", "getdents", "--runs", "1", "--warmup", "0", "--json", "--out",
            ])
            .arg(s.out_stem())
            .env("ANIVAULT_FIXTURES_DIR", &fixtures)
            .output()
            .unwrap()
    };
    let first = run();
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let marked: Vec<PathBuf> = fs::read_dir(&fixtures)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("manifest.json").is_file())
        .collect();
    assert_eq!(marked.len(), 1, "{marked:?}");
    let dir = &marked[0];
    fs::remove_file(dir.join("manifest.json")).unwrap();
    fs::write(dir.join(".in-progress"), b"").unwrap();
    let again = run();
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    assert!(!dir.join(".in-progress").exists());
    assert!(dir.join("manifest.json").is_file());
    let j: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(j["expected"]["source"], "manifest");
    assert_eq!(j["rows"][0]["count_ok"], true);
}

#[test]
fn compare_rss_is_the_commands_own_from_a_parent_holding_200_mb() {
    use anivault_bench::compare::runner;
    // This test process is the parent: 200 MB written and kept alive.
    let mut held = vec![0u8; 200_000_000];
    for (i, b) in held.iter_mut().enumerate().step_by(4096) {
        *b = i as u8 | 1;
    }
    let s = Setup::new();
    let find = PathBuf::from("/usr/bin/find");
    let find = if find.is_file() {
        find
    } else {
        PathBuf::from("find")
    };
    let args = anivault_bench::compare::tools::ToolKind::Find.args(&s.root, false);
    let env = anivault_bench::compare::TOOL_ENV;
    for (program, args) in [
        (PathBuf::from("true"), vec![]),
        (find.clone(), args.clone()),
    ] {
        let m = runner::run_timed(&program, &args, env).unwrap();
        assert!(m.exit.success());
        let kib = m.peak_rss_kb.expect("measured");
        assert!(
            kib > 0 && kib < 5 * 1024,
            "{}: {kib} KiB",
            program.display()
        );
    }
    let args0 = anivault_bench::compare::tools::ToolKind::Find.args(&s.root, true);
    let c = runner::run_count(&find, &args0, env).unwrap();
    assert_eq!(c.count, s.media);
    assert!(c.measured.peak_rss_kb.is_some_and(|k| k < 5 * 1024));
    std::hint::black_box(&held);
    held.clear();
}
