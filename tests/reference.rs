//! The reference Python scanners (`scripts/reference/`) list exactly the
//! files our strategies find, on the anime presets (anime-tiny, anime-1k,
//! anime-10k by default; `ANIVAULT_REFERENCE_PRESETS=anime-100k,anime-1m`
//! adds the large ones) and on the edge preset (names that are not UTF-8,
//! symlinks, FIFOs, hidden `.mkv`). Skipped, with the reason printed, where
//! `python3` is missing.

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use anivault_bench::command::reference;
use anivault_bench::generator::{ensure_at, Fixture, Spec};
use anivault_scanner::{ScanOptions, Strategy, VIDEO_EXTENSIONS};

fn python() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    anivault_bench::compare::tools::find_executable(reference::PYTHON, &path)
}

fn fixture(preset: &str) -> Fixture {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("reference-fixtures")
        .join(preset);
    let spec = Spec::preset(preset).unwrap();
    ensure_at(&spec, &dir).unwrap_or_else(|e| panic!("{preset}: {e}"))
}

/// The NUL-terminated paths a script prints, sorted.
fn script_paths(script: &str, root: &Path) -> Vec<Vec<u8>> {
    let out = Command::new(reference::PYTHON)
        .arg(reference::scripts_dir().join(script))
        .arg("--null")
        .arg(root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{script}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let mut v: Vec<Vec<u8>> = out
        .stdout
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .map(<[u8]>::to_vec)
        .collect();
    v.sort();
    v
}

fn strategy_paths(s: Strategy, root: &Path) -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = ScanOptions::new()
        .strategy(s)
        .scan(root)
        .map(|r| {
            r.unwrap_or_else(|e| panic!("{s}: {e}"))
                .path()
                .as_os_str()
                .as_bytes()
                .to_vec()
        })
        .collect();
    v.sort();
    v
}

fn presets() -> Vec<String> {
    let mut p: Vec<String> = ["anime-tiny", "anime-1k", "anime-10k", "edge"]
        .map(String::from)
        .to_vec();
    if let Ok(more) = std::env::var("ANIVAULT_REFERENCE_PRESETS") {
        p.extend(
            more.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from),
        );
    }
    p
}

#[test]
fn reference_scripts_list_what_every_strategy_finds() {
    if python().is_none() {
        eprintln!("skipped: {} is not on PATH", reference::PYTHON);
        return;
    }
    for preset in presets() {
        let fx = fixture(&preset);
        let original = script_paths("original.py", &fx.root);
        let eager = script_paths("eager.py", &fx.root);
        assert_eq!(
            original.len() as u64,
            fx.manifest.counts.media_files,
            "{preset}: original.py against the manifest"
        );
        assert!(
            original == eager,
            "{preset}: original.py and eager.py differ"
        );
        for s in Strategy::available() {
            let ours = strategy_paths(s, &fx.root);
            assert!(ours == original, "{preset}: {s} differs from original.py");
        }
        eprintln!("{preset}: {} files, equal", original.len());
    }
}

#[test]
fn reference_scripts_use_the_default_extension_set() {
    if python().is_none() {
        eprintln!("skipped: {} is not on PATH", reference::PYTHON);
        return;
    }
    for script in ["original.py", "eager.py"] {
        let out = Command::new(reference::PYTHON)
            .arg(reference::scripts_dir().join(script))
            .arg("--list-extensions")
            .output()
            .unwrap();
        assert!(out.status.success());
        let listed = String::from_utf8(out.stdout).unwrap();
        assert_eq!(listed.trim(), VIDEO_EXTENSIONS.join(","), "{script}");
    }
}

#[test]
fn the_reference_rows_run_the_shipped_scripts_or_say_why_not() {
    let rows = reference::rows();
    assert_eq!(rows.len(), 2);
    let names: Vec<&str> = rows
        .iter()
        .map(|r| match r {
            Ok(t) => t.name(),
            Err(s) => s.name,
        })
        .collect();
    assert_eq!(names, [reference::ORIGINAL, reference::EAGER]);
    for r in rows {
        match (r, python()) {
            (Ok(t), Some(_)) => {
                let argv = t.argv(Path::new("/r"));
                assert_eq!(argv[0], reference::PYTHON);
                assert!(Path::new(&argv[1]).is_file(), "{argv:?}");
                assert_eq!(argv[2], "/r");
            }
            (Err(s), None) => assert!(s.why.contains("not on PATH"), "{}", s.why),
            (r, p) => panic!("{r:?} with python3 at {p:?}"),
        }
    }
}

#[test]
fn an_unreadable_directory_is_reported_and_the_walk_goes_on() {
    if python().is_none() {
        eprintln!("skipped: {} is not on PATH", reference::PYTHON);
        return;
    }
    if !rustix::process::geteuid().is_root() {
        eprintln!("skipped: needs root to drop to nobody with setpriv");
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let t = tempfile::tempdir().unwrap();
    std::fs::set_permissions(t.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    for d in ["a", "locked", "z"] {
        std::fs::create_dir(t.path().join(d)).unwrap();
        std::fs::write(t.path().join(d).join("ep.mkv"), b"").unwrap();
    }
    std::fs::set_permissions(
        t.path().join("locked"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    // An interpreter and a copy of the scripts that nobody may run (a
    // python3 under /root, e.g. pyenv's, is out of reach).
    let as_nobody = |program: &Path, args: &[&std::ffi::OsStr]| {
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(program)
            .args(args)
            .output()
    };
    let Some(py) = ["/usr/bin/python3", "/usr/local/bin/python3"]
        .iter()
        .map(Path::new)
        .find(|p| {
            as_nobody(p, &["-c".as_ref(), "pass".as_ref()]).is_ok_and(|o| o.status.success())
        })
    else {
        eprintln!("skipped: no python3 that nobody can run (or no setpriv)");
        return;
    };
    // The scripts import their shared command line from _shared.py, beside them.
    std::fs::copy(
        reference::scripts_dir().join("_shared.py"),
        t.path().join("_shared.py"),
    )
    .unwrap();
    for script in ["original.py", "eager.py"] {
        let copy = t.path().join(script);
        std::fs::copy(reference::scripts_dir().join(script), &copy).unwrap();
        let out = as_nobody(py, &[copy.as_os_str(), t.path().as_os_str()]).unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{script}: {stderr}");
        assert_eq!(stdout.lines().count(), 2, "{script}: {stdout}");
        assert!(!stdout.contains("locked"), "{script}: {stdout}");
        assert!(stderr.contains("locked"), "{script}: {stderr}");
    }
}
