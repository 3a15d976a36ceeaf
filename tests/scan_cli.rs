//! Acceptance tests of `anivault-bench scan` (and `strategies`) against the
//! built binary: agreement with `find` on a real tree, bad inputs, trees
//! deeper than `PATH_MAX` and 10,000 levels, and `ulimit -n 64`.
//!
//! Every test runs every available strategy (from `strategies --json`) and
//! reports all failing strategies at once. Set `ANIVAULT_TEST_STRATEGIES`
//! (comma-separated names) to restrict the run while developing.
//!
//! Every child process runs under a watchdog: a scan that blocks (say, on a
//! FIFO) is killed after [`WATCHDOG`] and reported, instead of hanging the
//! suite. No assertion depends on timing.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{mpsc, OnceLock};
use std::time::Duration;

use rustix::fs::{mkdirat, mknodat, openat, FileType, Mode, OFlags, CWD};
use tempfile::TempDir;

/// A child still running after this long is killed and the test fails.
const WATCHDOG: Duration = Duration::from_secs(60);

/// Longest path (bytes) every strategy must handle; `PATH_MAX` is 4096.
const SURELY_SHORT: usize = 4000;

// ---------------------------------------------------------------- running

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_anivault-bench")
}

/// What a finished child did.
struct Out {
    status: ExitStatus,
    stdout: Vec<u8>,
    stderr: String,
}

impl Out {
    fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// The `--print0` output as sorted paths.
    fn paths(&self) -> Vec<Vec<u8>> {
        let mut v: Vec<Vec<u8>> = self
            .stdout
            .split(|&b| b == 0)
            .filter(|p| !p.is_empty())
            .map(<[u8]>::to_vec)
            .collect();
        v.sort();
        v
    }

    /// Exit status and stderr, for failure messages.
    fn describe(&self) -> String {
        let how = match (self.status.code(), self.status.signal()) {
            (Some(c), _) => format!("exit {c}"),
            (None, Some(s)) => format!("killed by signal {s}"),
            _ => "unknown status".into(),
        };
        format!("{how}; stderr: {}", shorten(self.stderr.as_bytes(), 600))
    }

    /// Exit 0 or 1 (never 2, never a signal such as a stack overflow).
    fn completed(&self) -> Result<(), String> {
        match self.code() {
            Some(0 | 1) => Ok(()),
            _ => Err(format!("expected exit 0 or 1, got {}", self.describe())),
        }
    }

    fn expect_code(&self, code: i32) -> Result<(), String> {
        if self.code() == Some(code) {
            Ok(())
        } else {
            Err(format!("expected exit {code}, got {}", self.describe()))
        }
    }

    fn expect_clean(&self) -> Result<(), String> {
        self.expect_code(0)?;
        if !self.stderr.is_empty() {
            return Err(format!("expected empty stderr, got {}", self.describe()));
        }
        Ok(())
    }

    fn expect_paths(&self, want: &[Vec<u8>]) -> Result<(), String> {
        let got = self.paths();
        if got == want {
            Ok(())
        } else {
            Err(format!(
                "printed paths differ ({}): {}",
                self.describe(),
                diff(want, &got)
            ))
        }
    }

    fn stderr_has(&self, needle: &str) -> Result<(), String> {
        if self.stderr.contains(needle) {
            Ok(())
        } else {
            Err(format!("stderr lacks {needle:?}; {}", self.describe()))
        }
    }
}

/// Runs `cmd` to the end under the watchdog (killed and an error after
/// [`WATCHDOG`]).
fn run(mut cmd: Command) -> Result<Out, String> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let what = format!("{cmd:?}");
    let child = cmd.spawn().map_err(|e| format!("cannot run {what}: {e}"))?;
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(WATCHDOG) {
        Ok(Ok(o)) => Ok(Out {
            status: o.status,
            stdout: o.stdout,
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }),
        Ok(Err(e)) => Err(format!(
            "waiting for {}: {e}",
            shorten(what.as_bytes(), 300)
        )),
        Err(_) => {
            if let Some(pid) = rustix::process::Pid::from_raw(pid as i32) {
                let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
            }
            Err(format!(
                "still running after {WATCHDOG:?} (blocked?), killed: {}",
                shorten(what.as_bytes(), 300)
            ))
        }
    }
}

/// `anivault-bench scan --print0 -s STRATEGY ARGS... ROOT`.
fn scan_cmd(strategy: &str, args: &[&str], root: &Path) -> Command {
    let mut c = Command::new(bin());
    c.args(["scan", "--print0", "-s", strategy])
        .args(args)
        .arg(root);
    c
}

fn scan(strategy: &str, args: &[&str], root: &Path) -> Result<Out, String> {
    run(scan_cmd(strategy, args, root))
}

/// Available strategies (all of them unless `ANIVAULT_TEST_STRATEGIES` restricts).
fn strategies() -> &'static [String] {
    static LIST: OnceLock<Vec<String>> = OnceLock::new();
    LIST.get_or_init(|| {
        let mut c = Command::new(bin());
        c.args(["strategies", "--json"]);
        let out = run(c).expect("strategies --json");
        assert_eq!(out.code(), Some(0), "strategies --json: {}", out.describe());
        let rows: serde_json::Value =
            serde_json::from_slice(&out.stdout).expect("strategies --json prints JSON");
        let only = std::env::var("ANIVAULT_TEST_STRATEGIES").ok();
        rows.as_array()
            .expect("a JSON array")
            .iter()
            .filter(|r| r["available"] == true)
            .map(|r| r["name"].as_str().expect("a name").to_string())
            .filter(|n| only.as_ref().is_none_or(|o| o.split(',').any(|x| x == n)))
            .collect()
    })
}

/// Strategies that can follow symbolic links (`dua` refuses `-L`).
fn follows(strategy: &str) -> bool {
    strategy != "dua"
}

/// Strategies that open directories relative to their parent's descriptor
/// and so have no `PATH_MAX` limit.
fn openat_based(strategy: &str) -> bool {
    matches!(strategy, "getdents" | "getdents-par")
}

/// Runs `check` for every strategy (a panic counts as a failure) and fails
/// once, listing every failing strategy.
fn each_strategy(test: &str, mut check: impl FnMut(&str) -> Result<(), String>) {
    let mut failed = Vec::new();
    for s in strategies() {
        match catch_unwind(AssertUnwindSafe(|| check(s))) {
            Ok(Ok(())) => eprintln!("{test}: {s}: ok"),
            Ok(Err(e)) => failed.push(format!("[{s}] {e}")),
            Err(_) => failed.push(format!("[{s}] panicked (see above)")),
        }
    }
    assert!(
        failed.is_empty(),
        "{test}: {} strategies failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

// ---------------------------------------------------------------- trees

/// A scratch directory, on tmpfs when there is one.
fn scratch() -> TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(t) = tempfile::tempdir_in(shm) {
            return t;
        }
    }
    tempfile::tempdir().expect("tempdir")
}

/// A scratch directory too deep for `remove_dir_all`: removed with `rm -rf`.
struct DeepScratch(TempDir);

impl Drop for DeepScratch {
    fn drop(&mut self) {
        let _ = Command::new("rm").arg("-rf").arg(self.0.path()).status();
    }
}

fn rel(root: &Path, rel: &[u8]) -> PathBuf {
    root.join(OsStr::from_bytes(rel))
}

/// Creates an empty file (and its parents).
fn touch(root: &Path, path: &[u8]) {
    let p = rel(root, path);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(&p, b"").unwrap();
}

fn symlink(root: &Path, target: &str, link: &str) {
    std::os::unix::fs::symlink(target, root.join(link)).unwrap();
}

fn mkfifo(path: &Path) {
    mknodat(CWD, path, FileType::Fifo, Mode::from_raw_mode(0o644), 0).unwrap();
}

/// `root/rel` for each, as sorted bytes (what `--print0` must print).
fn under(root: &Path, rels: &[&[u8]]) -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = rels
        .iter()
        .map(|r| rel(root, r).into_os_string().into_encoded_bytes())
        .collect();
    v.sort();
    v
}

/// Builds `levels` nested directories, each named `name`, below `root`
/// with `mkdirat`/`openat` relative to the parent's descriptor (so the
/// total path may exceed `PATH_MAX`), and an empty `f.mkv` in every level
/// (0 is `root` itself) for which `file_at` says so. Returns the full paths
/// of the files, sorted.
fn deep_tree(
    root: &Path,
    levels: usize,
    name: &[u8],
    file_at: impl Fn(usize) -> bool,
) -> Vec<Vec<u8>> {
    let dir_flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let mut dir = openat(CWD, root, dir_flags, Mode::empty()).unwrap();
    let mut path = root.as_os_str().as_bytes().to_vec();
    let mut files = Vec::new();
    for level in 0..=levels {
        if file_at(level) {
            let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::CLOEXEC;
            drop(openat(&dir, "f.mkv", flags, Mode::from_raw_mode(0o644)).unwrap());
            files.push([&path[..], b"/f.mkv"].concat());
        }
        if level == levels {
            break;
        }
        mkdirat(&dir, name, Mode::from_raw_mode(0o755)).unwrap();
        dir = openat(&dir, name, dir_flags, Mode::empty()).unwrap();
        path.push(b'/');
        path.extend_from_slice(name);
    }
    files.sort();
    files
}

// ---------------------------------------------------------------- reporting

/// A path for a message: lossy, the middle elided when long.
fn shorten(p: &[u8], max: usize) -> String {
    let s = String::from_utf8_lossy(p);
    if s.chars().count() <= max {
        return format!("{s:?}");
    }
    let head: String = s.chars().take(max / 2).collect();
    let tail: String = s.chars().skip(s.chars().count() - max / 2).collect();
    format!("{head:?}…({} bytes)…{tail:?}", p.len())
}

/// Missing and unexpected (or duplicated) entries of two sorted lists.
fn diff(want: &[Vec<u8>], got: &[Vec<u8>]) -> String {
    let (mut missing, mut extra) = (Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    while i < want.len() || j < got.len() {
        match (want.get(i), got.get(j)) {
            (Some(a), Some(b)) if a == b => {
                i += 1;
                j += 1;
            }
            (Some(a), Some(b)) if a > b => {
                extra.push(b);
                j += 1;
            }
            (Some(a), _) => {
                missing.push(a);
                i += 1;
            }
            (None, Some(b)) => {
                extra.push(b);
                j += 1;
            }
            (None, None) => unreachable!(),
        }
    }
    let list = |v: &[&Vec<u8>]| {
        v.iter()
            .take(3)
            .map(|p| shorten(p, 100))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "expected {}, printed {}; {} missing [{}]; {} unexpected or duplicated [{}]",
        want.len(),
        got.len(),
        missing.len(),
        list(&missing),
        extra.len(),
        list(&extra)
    )
}

// ---------------------------------------------------------------- 1. agreement with find

/// True when the bytes after the last dot of the base name are in `exts`
/// (ASCII case-insensitive): the scanner's rule, computed independently.
fn ext_in(path: &[u8], exts: &[&str]) -> bool {
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    match name.iter().rposition(|&b| b == b'.') {
        Some(dot) => exts
            .iter()
            .any(|e| e.as_bytes().eq_ignore_ascii_case(&name[dot + 1..])),
        None => false,
    }
}

/// `find [-L] ROOT -type f -print0`, filtered by extension, sorted, with
/// find's exit code.
fn find_expected(root: &Path, follow: bool, exts: &[&str]) -> Result<(Vec<Vec<u8>>, i32), String> {
    let mut c = Command::new("find");
    if follow {
        c.arg("-L");
    }
    c.arg(root).args(["-type", "f", "-print0"]);
    let out = run(c)?;
    let code = out.code().ok_or("find killed by a signal")?;
    let mut v: Vec<Vec<u8>> = out
        .paths()
        .into_iter()
        .filter(|p| ext_in(p, exts))
        .collect();
    v.sort();
    Ok((v, code))
}

/// The Rust toolchain's sources if installed, else its whole sysroot
/// (some tens of thousands of files: a real tree of this machine).
fn toolchain_tree() -> Result<PathBuf, String> {
    let out = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .map_err(|e| format!("rustc not runnable: {e}"))?;
    if !out.status.success() {
        return Err("rustc --print sysroot failed".into());
    }
    let sysroot = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let src = sysroot.join("lib/rustlib/src");
    Ok(if src.is_dir() { src } else { sysroot })
}

#[test]
fn scan_matches_find_on_the_toolchain_tree() {
    if Command::new("find").arg("--version").output().is_err() {
        eprintln!("SKIP scan_matches_find_on_the_toolchain_tree: find is not installed");
        return;
    }
    let root = match toolchain_tree() {
        Ok(r) => r,
        Err(why) => {
            eprintln!("SKIP scan_matches_find_on_the_toolchain_tree: {why}");
            return;
        }
    };
    eprintln!("comparing with find under {}", root.display());
    // rs,toml as asked; a second, upper-case spelled set that matches most
    // of a sysroot's files, so that a walker missing deep files shows.
    let cases: &[(&str, &[&str], bool)] = &[
        ("rs,toml", &["rs", "toml"], false),
        ("HTML,Js,svg", &["html", "js", "svg"], false),
        ("rs,toml,html", &["rs", "toml", "html"], true),
    ];
    let mut expected = Vec::new();
    for &(_, exts, follow) in cases {
        expected.push(find_expected(&root, follow, exts).expect("find"));
    }
    each_strategy("scan_matches_find", |s| {
        for (&(flag, _, follow), (want, find_code)) in cases.iter().zip(&expected) {
            if follow && !follows(s) {
                continue;
            }
            let mut args = vec!["--ext", flag];
            if follow {
                args.push("--follow-symlinks");
            }
            let out = scan(s, &args, &root)?;
            let mode = if follow { "find -L" } else { "find" };
            out.expect_code(if *find_code == 0 { 0 } else { 1 })
                .map_err(|e| format!("--ext {flag} vs {mode} (exit {find_code}): {e}"))?;
            out.expect_paths(want)
                .map_err(|e| format!("--ext {flag} vs {mode}: {e}"))?;
        }
        Ok(())
    });
}

#[test]
fn dua_refuses_follow_symlinks() {
    if !strategies().iter().any(|s| s == "dua") {
        return;
    }
    let dir = scratch();
    touch(dir.path(), b"a.mkv");
    let out = scan("dua", &["-L"], dir.path()).unwrap();
    out.expect_code(2).unwrap();
    out.stderr_has("dua").unwrap();
    assert!(out.stdout.is_empty(), "nothing printed: {:?}", out.stdout);
}

// ---------------------------------------------------------------- 2. bad inputs

#[test]
fn missing_root_is_a_usage_error_naming_the_path() {
    let dir = scratch();
    touch(dir.path(), b"ok/a.mkv");
    let missing = dir.path().join("no such dir");
    each_strategy("missing_root", |s| {
        let out = scan(s, &[], &missing)?;
        out.expect_code(2)?;
        out.stderr_has(&missing.display().to_string())?;
        out.stderr_has("No such file or directory")?;
        // Among good roots, too: checked before anything is printed.
        let mut c = scan_cmd(s, &[], &dir.path().join("ok"));
        c.arg(&missing);
        let out = run(c)?;
        out.expect_code(2)?;
        out.stderr_has(&missing.display().to_string())?;
        Ok(())
    });
}

#[test]
fn file_root_is_checked_itself() {
    let dir = scratch();
    touch(dir.path(), b"Show - 01.MKV");
    touch(dir.path(), b"notes.txt");
    let hit = dir.path().join("Show - 01.MKV");
    let miss = dir.path().join("notes.txt");
    each_strategy("file_root", |s| {
        let out = scan(s, &[], &hit)?;
        out.expect_clean()?;
        out.expect_paths(&under(dir.path(), &[b"Show - 01.MKV"]))?;
        let out = scan(s, &[], &miss)?;
        out.expect_clean()?;
        out.expect_paths(&[])
    });
}

#[test]
fn fifo_root_is_a_usage_error() {
    let dir = scratch();
    let fifo = dir.path().join("pipe.mkv");
    mkfifo(&fifo);
    each_strategy("fifo_root", |s| {
        let out = scan(s, &[], &fifo)?;
        out.expect_code(2)?;
        out.stderr_has(&fifo.display().to_string())?;
        out.stderr_has("not a directory")?;
        out.expect_paths(&[])
    });
}

/// `a/b/up -> ..` and `a/b/top -> ../..` are loops under `-L`; `link -> c`
/// and `filelink.mkv -> a/x.mkv` are plain links.
fn loop_tree() -> TempDir {
    let dir = scratch();
    let r = dir.path();
    touch(r, b"a/x.mkv");
    touch(r, b"a/b/y.mkv");
    touch(r, b"c/z.mkv");
    symlink(r, "..", "a/b/up");
    symlink(r, "../..", "a/b/top");
    symlink(r, "c", "link");
    symlink(r, "a/x.mkv", "filelink.mkv");
    dir
}

#[test]
fn symlink_loop_is_reported_with_follow_and_ignored_without() {
    let dir = loop_tree();
    let r = dir.path();
    let plain = under(r, &[b"a/x.mkv", b"a/b/y.mkv", b"c/z.mkv"]);
    let followed = under(
        r,
        &[
            b"a/x.mkv",
            b"a/b/y.mkv",
            b"c/z.mkv",
            b"link/z.mkv",
            b"filelink.mkv",
        ],
    );
    each_strategy("symlink_loop", |s| {
        let out = scan(s, &[], r)?;
        out.expect_clean()?;
        out.expect_paths(&plain)?;
        if !follows(s) {
            return Ok(());
        }
        let out = scan(s, &["-L"], r)?;
        out.expect_code(1)?;
        if !out.stderr.to_lowercase().contains("loop") {
            return Err(format!(
                "stderr does not mention a loop: {}",
                out.describe()
            ));
        }
        out.stderr_has(&r.join("a/b/up").display().to_string())?;
        out.stderr_has(&r.join("a/b/top").display().to_string())?;
        out.expect_paths(&followed)
    });
}

#[test]
fn dangling_symlinks_are_no_error() {
    let dir = scratch();
    let r = dir.path();
    touch(r, b"d/real.mkv");
    symlink(r, "nowhere.mkv", "dead.mkv");
    symlink(r, "nowhere/", "d/deaddir");
    let want = under(r, &[b"d/real.mkv"]);
    each_strategy("dangling_symlink", |s| {
        let out = scan(s, &[], r)?;
        out.expect_clean()?;
        out.expect_paths(&want)?;
        if follows(s) {
            let out = scan(s, &["-L"], r)?;
            out.expect_clean()?;
            out.expect_paths(&want)?;
        }
        Ok(())
    });
}

#[test]
fn odd_names_are_printed_byte_exact() {
    let dir = scratch();
    let r = dir.path();
    let names: &[&[u8]] = &[
        b"caf\xe9 latin1.mkv",
        b"new\nline.mkv",
        b"dir\nwith\xff byte/inner.MkV",
        b"tab\there/\xc3\xa9t\xc3\xa9.mp4",
        b" lead and trail .mkv",
        b"back\\slash'quote\".mkv",
        b".mkv",
    ];
    for n in names {
        touch(r, n);
    }
    touch(r, b"no\nmatch.mkv.txt");
    let want = under(r, names);
    each_strategy("odd_names", |s| {
        let out = scan(s, &[], r)?;
        out.expect_clean()?;
        out.expect_paths(&want)?;
        // Without --print0 the bytes are the same, newline-separated.
        let mut c = Command::new(bin());
        c.args(["scan", "-s", s]).arg(r);
        let out = run(c)?;
        out.expect_clean()?;
        let latin1 = rel(r, b"caf\xe9 latin1.mkv").into_os_string();
        let needle = [latin1.as_bytes(), b"\n"].concat();
        if !out.stdout.windows(needle.len()).any(|w| w == needle) {
            return Err("newline mode: the non-UTF-8 path is not printed byte-exact".into());
        }
        Ok(())
    });
}

#[test]
fn fifos_and_sockets_in_the_tree_are_never_opened() {
    let dir = scratch();
    let r = dir.path();
    touch(r, b"real.mkv");
    mkfifo(&r.join("x.mkv"));
    fs::create_dir(r.join("d")).unwrap();
    mkfifo(&r.join("d/y.mkv"));
    drop(std::os::unix::net::UnixListener::bind(r.join("sock.mkv")).unwrap());
    symlink(r, "x.mkv", "fifolink.mkv");
    let want = under(r, &[b"real.mkv"]);
    each_strategy("fifo_in_tree", |s| {
        let out = scan(s, &[], r)?;
        out.expect_clean()?;
        out.expect_paths(&want)?;
        if follows(s) {
            let out = scan(s, &["-L"], r)?;
            out.expect_clean()?;
            out.expect_paths(&want)?;
        }
        Ok(())
    });
}

/// Held while a test runs commands as nobody: `ulimit -u` counts every
/// process and thread of the user, so an unreadable-directory scan of
/// another test (16 workers on a local disk by default) could take the
/// slots the thread-limit test gives its scan, between its probe and its
/// threads.
static NOBODY: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Takes [`NOBODY`] (a test that panicked while holding it leaves it usable).
fn as_nobody_alone() -> std::sync::MutexGuard<'static, ()> {
    NOBODY
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The prefix running a command as nobody, with no supplementary group.
const AS_NOBODY: [&str; 4] = [
    "setpriv",
    "--reuid=65534",
    "--regid=65534",
    "--clear-groups",
];

/// `Ok` when this process can run the binary as nobody, else why not.
fn can_run_as_nobody() -> Result<(), String> {
    if !rustix::process::geteuid().is_root() {
        return Err("not root (cannot switch to an unprivileged user)".into());
    }
    match Command::new(AS_NOBODY[0])
        .args(&AS_NOBODY[1..])
        .args([bin(), "--version"])
        .output()
    {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(format!(
            "setpriv cannot run the binary as nobody: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => Err(format!("setpriv not runnable: {e}")),
    }
}

#[test]
fn unreadable_directory_as_unprivileged_user() {
    if let Err(why) = can_run_as_nobody() {
        eprintln!("SKIP unreadable_directory_as_unprivileged_user: {why}");
        return;
    }
    let dir = scratch();
    let r = dir.path();
    touch(r, b"ok/a.mkv");
    touch(r, b"z.mkv");
    touch(r, b"locked/hidden.mkv");
    touch(r, b"ok/deeper/locked2/hidden.mkv");
    let chmod = |p: &Path, m: u32| fs::set_permissions(p, fs::Permissions::from_mode(m)).unwrap();
    // Every directory on the way must be searchable by others.
    for anc in r.ancestors() {
        if fs::metadata(anc).unwrap().permissions().mode() & 0o005 != 0o005 {
            chmod(anc, 0o755);
        }
    }
    let locked = [r.join("locked"), r.join("ok/deeper/locked2")];
    for l in &locked {
        chmod(l, 0o000);
    }
    let want = under(r, &[b"ok/a.mkv", b"z.mkv"]);
    each_strategy("unreadable_dir", |s| {
        let modes: &[&[&str]] = if follows(s) { &[&[], &["-L"]] } else { &[&[]] };
        for args in modes {
            let scan = scan_cmd(s, args, r);
            let mut c = Command::new(AS_NOBODY[0]);
            c.args(&AS_NOBODY[1..]).arg(bin()).args(scan.get_args());
            let out = {
                let _alone = as_nobody_alone();
                run(c)?
            };
            let ctx = |e: String| format!("{args:?}: {e}");
            out.expect_code(1).map_err(ctx)?;
            for l in &locked {
                out.stderr_has(&format!("{}'", l.display())).map_err(ctx)?;
            }
            out.stderr_has("Permission denied").map_err(ctx)?;
            out.expect_paths(&want).map_err(ctx)?;
        }
        Ok(())
    });
    for l in &locked {
        chmod(l, 0o755);
    }
}

#[test]
fn unknown_strategy_and_zero_threads_are_usage_errors() {
    let dir = scratch();
    touch(dir.path(), b"a.mkv");
    let out = scan("no-such-walker", &[], dir.path()).unwrap();
    out.expect_code(2).unwrap();
    out.stderr_has("no-such-walker").unwrap();
    out.stderr_has("unknown strategy").unwrap();
    assert!(out.stdout.is_empty());
    let mut c = Command::new(bin());
    c.arg("scan");
    let out = run(c).unwrap();
    out.expect_code(2).unwrap();
    each_strategy("threads_zero", |s| {
        let out = scan(s, &["--threads", "0"], dir.path())?;
        out.expect_code(2)?;
        out.stderr_has("--threads")?;
        out.expect_paths(&[])
    });
}

// ---------------------------------------------------------------- 3, 4. deep trees

/// The checks shared by the deep-tree tests: never a crash; every file with
/// a path shorter than [`SURELY_SHORT`] found; nothing printed twice or
/// invented; `getdents*` find everything cleanly; the others either find
/// everything cleanly or exit 1 saying "File name too long".
fn check_deep(s: &str, out: &Out, all: &[Vec<u8>]) -> Result<(), String> {
    out.completed()?;
    let got = out.paths();
    if got.windows(2).any(|w| w[0] == w[1]) || got.iter().any(|p| all.binary_search(p).is_err()) {
        return Err(format!(
            "duplicated or unexpected paths: {}",
            diff(all, &got)
        ));
    }
    let short_missing = all
        .iter()
        .filter(|p| p.len() < SURELY_SHORT && got.binary_search(p).is_err())
        .count();
    if short_missing > 0 {
        return Err(format!(
            "{short_missing} files with short paths missing: {}",
            diff(all, &got)
        ));
    }
    if openat_based(s) || out.code() == Some(0) {
        out.expect_clean()?;
        out.expect_paths(all)?;
    } else {
        out.stderr_has("File name too long")?;
    }
    Ok(())
}

#[test]
fn tree_deeper_than_path_max() {
    let dir = DeepScratch(scratch());
    let r = dir.0.path();
    // 25 levels of 200-byte names: about 5 KB of path; a file on every level.
    let name = [b'n'; 200];
    let all = deep_tree(r, 25, &name, |_| true);
    assert!(all.last().unwrap().len() > 4096);
    each_strategy("deeper_than_path_max", |s| {
        let out = scan(s, &[], r)?;
        check_deep(s, &out, &all)
    });
}

#[test]
fn ten_thousand_levels_do_not_overflow_the_stack() {
    let dir = DeepScratch(scratch());
    let r = dir.0.path();
    let at = [1, 100, 1500, 5000, 10_000];
    let all = deep_tree(r, 10_000, b"d", |l| at.contains(&l));
    each_strategy("ten_thousand_levels", |s| {
        let out = scan(s, &[], r)?;
        check_deep(s, &out, &all)
    });
}

// ---------------------------------------------------------------- 5. ulimit -n 64

#[test]
fn depth_200_scans_under_ulimit_n_64() {
    let dir = DeepScratch(scratch());
    let r = dir.0.path();
    let all = deep_tree(r, 200, b"d", |_| true);
    assert_eq!(all.len(), 201);
    each_strategy("ulimit_n_64", |s| {
        let modes: &[&[&str]] = if follows(s) { &[&[], &["-L"]] } else { &[&[]] };
        for args in modes {
            let mut c = Command::new("sh");
            c.args(["-c", "ulimit -n 64 && exec \"$0\" \"$@\""])
                .arg(bin())
                .args(scan_cmd(s, args, r).get_args());
            let out = run(c)?;
            out.expect_clean().map_err(|e| format!("{args:?}: {e}"))?;
            out.expect_paths(&all)
                .map_err(|e| format!("{args:?}: {e}"))?;
        }
        Ok(())
    });
}

// ---------------------------------------------------------------- 7. the other commands

#[test]
fn strategies_lists_all_nine_and_help_works() {
    let names = [
        "std",
        "walkdir",
        "jwalk",
        "dua",
        "ignore",
        "rayon",
        "getdents",
        "getdents-par",
        "eager",
    ];
    let mut c = Command::new(bin());
    c.arg("strategies");
    let out = run(c).unwrap();
    out.expect_clean().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for n in names {
        assert!(
            text.lines().any(|l| l.split_whitespace().next() == Some(n)),
            "`strategies` lacks a row for {n}:\n{text}"
        );
    }
    let mut c = Command::new(bin());
    c.args(["strategies", "--json"]);
    let out = run(c).unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let listed: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(listed, names);
    for args in [
        &["--help"][..],
        &["scan", "--help"],
        &["strategies", "--help"],
    ] {
        let mut c = Command::new(bin());
        c.args(args);
        let out = run(c).unwrap();
        out.expect_code(0).unwrap();
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage"),
            "{args:?} prints usage"
        );
    }
    let mut c = Command::new(bin());
    c.args(["scan", "--help"]);
    let help = String::from_utf8_lossy(&run(c).unwrap().stdout).into_owned();
    for flag in [
        "--strategy",
        "--ext",
        "--follow-symlinks",
        "--threads",
        "--print0",
        "--count",
    ] {
        assert!(help.contains(flag), "scan --help lacks {flag}");
    }
}

/// `scan --parse --print0`: one NUL-terminated record per media file, the
/// path bytes first (a newline in a name does not split a record).
#[test]
fn parse_records_are_nul_terminated_with_print0() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::write(root.join("[Grp] Show - 01 [1080p].mkv"), b"").expect("write");
    std::fs::write(root.join("odd\nname - 02.mkv"), b"").expect("write");
    std::fs::write(root.join("notes.txt"), b"").expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_anivault-bench"))
        .args(["scan", "--parse", "--print0"])
        .arg(root)
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records: Vec<&[u8]> = out
        .stdout
        .split(|&b| b == 0)
        .filter(|r| !r.is_empty())
        .collect();
    assert_eq!(
        records.len(),
        2,
        "{:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    let mut paths: Vec<&[u8]> = records
        .iter()
        .map(|r| r.split(|&b| b == b'\t').next().unwrap_or_default())
        .collect();
    paths.sort();
    let want = root.join("odd\nname - 02.mkv");
    assert!(
        paths.contains(&want.as_os_str().as_encoded_bytes()),
        "{paths:?}"
    );
}

// ---------------------------------------------------------------- threads refused (issue 10.6)

/// Strategies that start no thread of their own.
fn single_threaded(strategy: &str) -> bool {
    matches!(strategy, "std" | "walkdir" | "getdents" | "eager")
}

/// Runs `args` (a `scan` command line) as nobody under `ulimit -u limit`.
/// `Ok(None)` when the limit stopped `setpriv` itself from running the
/// binary (another process of nobody's on the machine counts too), retried
/// a few times first.
fn scan_as_nobody_under_nproc(limit: u32, args: &[&OsStr]) -> Result<Option<Out>, String> {
    for _ in 0..5 {
        let mut c = Command::new("bash");
        c.args([
            "-c",
            &format!("ulimit -u {limit} || exit 99; exec \"$0\" \"$@\""),
        ])
        .args(AS_NOBODY)
        .arg(bin())
        .args(args);
        let out = run(c)?;
        if out.code() == Some(99) {
            return Err(format!("ulimit -u {limit} refused: {}", out.describe()));
        }
        if !out.stderr.contains("setpriv:") {
            return Ok(Some(out));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Ok(None)
}

/// The checks for a scan that may have been refused threads: never a hang
/// (the watchdog), a crash or a panic; either every file found cleanly or
/// exit 1 with one message that blames thread creation, not the root.
fn check_refused(out: &Out, root: &Path, all: &[Vec<u8>], must_fail: bool) -> Result<(), String> {
    if out.stderr.contains("panicked") || out.stderr.contains("RUST_BACKTRACE") {
        return Err(format!("a panic reached the user: {}", out.describe()));
    }
    if out.code() == Some(0) && !must_fail {
        out.expect_clean()?;
        return out.expect_paths(all);
    }
    out.expect_code(1)?;
    out.stderr_has(&format!(
        "cannot start a scanner thread for '{}': Resource temporarily unavailable",
        root.display()
    ))?;
    let blames_root = format!("'{}': Resource temporarily unavailable", root.display());
    if out
        .stderr
        .contains(&format!("anivault-bench: {blames_root}"))
    {
        return Err(format!("the root is blamed: {}", out.describe()));
    }
    Ok(())
}

#[test]
fn a_thread_that_cannot_start_is_an_error_not_a_hang() {
    if let Err(why) = can_run_as_nobody() {
        eprintln!("SKIP a_thread_that_cannot_start_is_an_error_not_a_hang: {why}");
        return;
    }
    if Command::new("bash")
        .args(["-c", "ulimit -u 100"])
        .status()
        .map_or(true, |s| !s.success())
    {
        eprintln!("SKIP a_thread_that_cannot_start_is_an_error_not_a_hang: no bash with ulimit -u");
        return;
    }
    let dir = scratch();
    let r = dir.path();
    let mut rels = Vec::new();
    for d in 0..8 {
        for f in 0..4 {
            rels.push(format!("show{d}/season/ep{f}.mkv").into_bytes());
        }
    }
    for p in &rels {
        touch(r, p);
    }
    for anc in r.ancestors() {
        let mode = fs::metadata(anc).unwrap().permissions().mode();
        if mode & 0o005 != 0o005 {
            fs::set_permissions(anc, fs::Permissions::from_mode(mode | 0o005)).unwrap();
        }
    }
    let all = under(r, &rels.iter().map(Vec::as_slice).collect::<Vec<_>>());
    // (threads, ulimit -u): the main thread alone; then limits that refuse
    // some of the walker's threads (issue 10: -j3 with -u 4, -j4 with -u 5).
    let cases: [(&str, u32); 4] = [("2", 1), ("2", 2), ("3", 4), ("4", 5)];
    let _alone = as_nobody_alone();
    let mut skipped = 0;
    each_strategy("thread_refused", |s| {
        for (threads, limit) in cases {
            let scan = scan_cmd(s, &["-j", threads], r);
            let args: Vec<&OsStr> = scan.get_args().collect();
            let Some(out) = scan_as_nobody_under_nproc(limit, &args)? else {
                skipped += 1;
                continue;
            };
            // With the main thread alone, every threaded strategy must fail
            // but getdents-par, whose calling thread is one of its workers
            // in `scan` (par_for_each): it must walk alone, every file.
            let alone = limit == 1 && s == "getdents-par";
            let must_fail = limit == 1 && !single_threaded(s);
            let ctx = |e: String| format!("-j {threads}, ulimit -u {limit}: {e}");
            if single_threaded(s) || alone {
                out.expect_clean().map_err(ctx)?;
                out.expect_paths(&all).map_err(ctx)?;
            } else {
                check_refused(&out, r, &all, must_fail).map_err(ctx)?;
            }
        }
        Ok(())
    });
    // The parse pool: a walker thread and parse workers.
    for (threads, limit) in [("2", 1), ("2", 2), ("2", 3)] {
        let mut scan = Command::new(bin());
        scan.args(["scan", "--parse", "--print0", "-j", threads])
            .arg(r);
        let args: Vec<&OsStr> = scan.get_args().collect();
        let Some(out) = scan_as_nobody_under_nproc(limit, &args).unwrap() else {
            skipped += 1;
            continue;
        };
        if out.code() == Some(0) {
            out.expect_clean().unwrap();
        } else {
            check_refused(&out, r, &all, limit == 1)
                .map_err(|e| format!("--parse -j {threads}, ulimit -u {limit}: {e}"))
                .unwrap();
        }
    }
    if skipped > 0 {
        eprintln!(
            "a_thread_that_cannot_start_is_an_error_not_a_hang: {skipped} cases not run \
             (other processes of nobody's used the limit)"
        );
    }
}
