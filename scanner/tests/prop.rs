//! Property test: on random small trees (odd names, non-UTF-8 bytes, links to
//! files, to directories, to ancestors, dangling and self-referencing
//! links), every available strategy yields exactly what a simple reference
//! walk (written here, recursive) says: the same multiset of (path, depth,
//! kind) and the same multiset of error paths and loop errors, with and
//! without `follow_symlinks`, with and without a depth limit, the root
//! spelled with or without a trailing `/`, and with `threads(1)` and
//! `threads(2)` as well for the parallel strategies.
//!
//! Plus: odd roots and links (relative, `a/..`, symlinked roots, links above
//! the root, ignore files, FIFOs, `same_file_system`) give what `std` gives;
//! dropping each parallel strategy's stream early returns promptly and
//! leaves no thread behind; a 10,000-level deep tree overflows no stack.
//!
//! Set `ANIVAULT_TEST_STRATEGIES` (comma-separated names) to restrict the
//! strategies while developing.

#[allow(dead_code)] // each test file uses part of it
mod common;

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{symlink, MetadataExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anivault_scanner::{EntryKind, ErrorCause, ScanOptions, Strategy, VIDEO_EXTENSIONS};
use proptest::prelude::*;
use proptest::strategy::Strategy as Gen;
use tempfile::TempDir;

/// Available strategies (all unless `ANIVAULT_TEST_STRATEGIES` restricts).
fn strategies() -> Vec<Strategy> {
    let only = std::env::var("ANIVAULT_TEST_STRATEGIES").ok();
    Strategy::available()
        .into_iter()
        .filter(|s| {
            only.as_ref()
                .is_none_or(|o| o.split(',').any(|x| x == s.name()))
        })
        .collect()
}

/// A scratch directory, on tmpfs when there is one.
fn scratch() -> TempDir {
    if Path::new("/dev/shm").is_dir() {
        if let Ok(t) = tempfile::tempdir_in("/dev/shm") {
            return t;
        }
    }
    tempfile::tempdir().expect("tempdir")
}

/// Runs `f` on its own thread (with `stack` bytes of stack); an error when
/// it has not returned within `limit`.
fn within<T: Send + 'static>(
    limit: Duration,
    stack: usize,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .stack_size(stack)
        .spawn(move || {
            let _ = tx.send(f());
        })
        .map_err(|e| e.to_string())?;
    rx.recv_timeout(limit)
        .map_err(|_| format!("did not return within {limit:?} (or panicked)"))
}

// ------------------------------------------------------------ the trees

/// Names, as bytes: odd ones on purpose.
const NAMES: &[&[u8]] = &[
    b"a.mkv",
    b"b.MkV",
    b".mkv",
    b"x.mkv.ass",
    b"noext",
    b"sp ace.mp4",
    "ü ñ 日本.mkv".as_bytes(),
    b"new\nline.mkv",
    b"-dash.mkv",
    b"\xff\xfe\x80.mkv",
    b"lat\xe9.AVI",
    b"dir",
    b"d.mkv",
    b"e.ass",
    b"Z.MP4",
    b"tail.",
    b"..mkv",
    b"v.webm",
];

#[derive(Debug, Clone)]
enum Kind {
    Dir,
    File,
    /// A link to an earlier node (any kind, the root included), its text
    /// absolute or relative.
    Link {
        target: usize,
        absolute: bool,
    },
    /// A link to nothing.
    Dangling,
    /// A link to itself (`stat` fails with ELOOP).
    SelfLink,
}

#[derive(Debug, Clone)]
struct Node {
    /// Index among the directories created so far (modulo).
    parent: usize,
    /// Index in [`NAMES`] (modulo).
    name: usize,
    kind: Kind,
}

fn kind() -> impl Gen<Value = Kind> {
    prop_oneof![
        3 => Just(Kind::Dir),
        4 => Just(Kind::File),
        3 => (any::<usize>(), any::<bool>())
            .prop_map(|(target, absolute)| Kind::Link { target, absolute }),
        1 => Just(Kind::Dangling),
        1 => Just(Kind::SelfLink),
    ]
}

fn nodes() -> impl Gen<Value = Vec<Node>> {
    prop::collection::vec(
        (any::<usize>(), 0..NAMES.len(), kind()).prop_map(|(parent, name, kind)| Node {
            parent,
            name,
            kind,
        }),
        1..40,
    )
}

/// `dir` + `/` + `name`, bytes-exact (no `/` added after a trailing one).
fn join(dir: &[u8], name: &[u8]) -> PathBuf {
    let mut v = dir.to_vec();
    if !v.is_empty() && v.last() != Some(&b'/') {
        v.push(b'/');
    }
    v.extend_from_slice(name);
    PathBuf::from(OsStr::from_bytes(&v))
}

/// Creates the tree under `root`. Nodes whose name is taken are skipped.
fn build(root: &Path, spec: &[Node]) {
    // Relative paths (as component lists) of directories and of every node.
    let mut dirs: Vec<Vec<&[u8]>> = vec![vec![]];
    let mut all: Vec<Vec<&[u8]>> = vec![vec![]];
    for n in spec {
        let parent = dirs[n.parent % dirs.len()].clone();
        let name = NAMES[n.name];
        let mut rel = parent.clone();
        rel.push(name);
        let abs = |rel: &[&[u8]]| {
            rel.iter()
                .fold(root.as_os_str().as_bytes().to_vec(), |p, c| {
                    join(&p, c).into_os_string().into_encoded_bytes()
                })
        };
        let path = PathBuf::from(OsStr::from_bytes(&abs(&rel)));
        if fs::symlink_metadata(&path).is_ok() {
            continue;
        }
        let made = match &n.kind {
            Kind::Dir => fs::create_dir(&path).map(|_| dirs.push(rel.clone())),
            Kind::File => fs::write(&path, b""),
            Kind::Dangling => symlink("does-not-exist", &path),
            Kind::SelfLink => symlink(OsStr::from_bytes(name), &path),
            Kind::Link { target, absolute } => {
                let t = &all[target % all.len()];
                let text = if *absolute {
                    abs(t)
                } else {
                    // Up from the link's directory to the root, then down.
                    let mut v = Vec::new();
                    for _ in 0..parent.len() {
                        v.extend_from_slice(b"../");
                    }
                    for (i, c) in t.iter().enumerate() {
                        if i > 0 {
                            v.push(b'/');
                        }
                        v.extend_from_slice(c);
                    }
                    if v.is_empty() {
                        v.push(b'.');
                    }
                    v
                };
                symlink(OsStr::from_bytes(&text), &path)
            }
        };
        made.expect("create node");
        all.push(rel);
    }
}

// ------------------------------------------------------------ the reference

/// A found file: path, depth, 0 = regular file, 1 = link to one.
type Found = (PathBuf, usize, u8);

#[derive(Debug, Default, PartialEq)]
struct Outcome {
    files: Vec<Found>,
    /// Error paths, and whether each is a loop.
    errors: Vec<(PathBuf, bool)>,
}

impl Outcome {
    fn sort(mut self) -> Self {
        self.files.sort();
        self.errors.sort();
        self
    }
}

fn is_media(name: &[u8]) -> bool {
    let Some(dot) = name.iter().rposition(|&b| b == b'.') else {
        return false;
    };
    let ext = &name[dot + 1..];
    VIDEO_EXTENSIONS
        .iter()
        .any(|e| e.as_bytes().eq_ignore_ascii_case(ext))
}

/// `find ROOT -type f` / `find -L ROOT -type f` with `-maxdepth`, as the
/// crate documents it: a recursive walk with a list of ancestors.
fn reference(root: &Path, follow: bool, max_depth: Option<usize>) -> Outcome {
    fn walk(
        dir: &Path,
        depth: usize,
        follow: bool,
        max: Option<usize>,
        anc: &mut Vec<((u64, u64), PathBuf)>,
        out: &mut Outcome,
    ) {
        let rd = match fs::read_dir(dir) {
            Ok(rd) => rd,
            Err(_) => return out.errors.push((dir.to_path_buf(), false)),
        };
        let d = depth + 1;
        let may_descend = max.is_none_or(|m| d < m);
        for e in rd {
            let e = e.expect("read_dir entry");
            let name = e.file_name();
            let path = join(dir.as_os_str().as_bytes(), name.as_bytes());
            let ft = e.file_type().expect("file type");
            let id = if ft.is_file() {
                if is_media(name.as_bytes()) {
                    out.files.push((path, d, 0));
                }
                continue;
            } else if ft.is_dir() {
                let m = fs::symlink_metadata(&path).expect("lstat");
                (m.dev(), m.ino())
            } else if ft.is_symlink() && follow {
                match fs::metadata(&path) {
                    Ok(m) if m.is_file() => {
                        if is_media(name.as_bytes()) {
                            out.files.push((path, d, 1));
                        }
                        continue;
                    }
                    Ok(m) if m.is_dir() => (m.dev(), m.ino()),
                    Ok(_) => continue,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(_) => {
                        out.errors.push((path, false));
                        continue;
                    }
                }
            } else {
                continue;
            };
            if !may_descend {
                continue;
            }
            if follow && anc.iter().any(|(a, _)| *a == id) {
                out.errors.push((path, true));
                continue;
            }
            anc.push((id, path.clone()));
            walk(&path, d, follow, max, anc, out);
            anc.pop();
        }
    }
    let mut out = Outcome::default();
    if max_depth == Some(0) {
        return out;
    }
    let m = fs::metadata(root).expect("root");
    let mut anc = vec![((m.dev(), m.ino()), root.to_path_buf())];
    walk(root, 0, follow, max_depth, &mut anc, &mut out);
    out.sort()
}

/// What a strategy yields, in the same shape.
fn run(opts: ScanOptions, root: &Path) -> Result<(Outcome, Vec<String>), String> {
    let root = root.to_path_buf();
    within(Duration::from_secs(60), 2 << 20, move || {
        let mut out = Outcome::default();
        let mut loops = Vec::new();
        for item in opts.scan(&root) {
            match item {
                Ok(e) => {
                    let kind = match e.kind() {
                        EntryKind::File => 0,
                        EntryKind::SymlinkToFile => 1,
                    };
                    out.files.push((e.path().to_path_buf(), e.depth(), kind));
                }
                Err(e) => {
                    if let ErrorCause::Loop { ancestor } = e.cause() {
                        loops.push(format!("{:?} -> {:?}", e.path(), ancestor));
                    }
                    out.errors.push((e.path().to_path_buf(), e.is_loop()));
                }
            }
        }
        (out.sort(), loops)
    })
}

fn check_tree(spec: &[Node], slash: bool, max_depth: Option<usize>) -> Result<(), String> {
    let dir = scratch();
    let root = dir.path().join("root");
    fs::create_dir(&root).map_err(|e| e.to_string())?;
    build(&root, spec);
    let mut spelled = root.clone().into_os_string();
    if slash {
        spelled.push("/");
    }
    let spelled = PathBuf::from(spelled);
    let mut failures = Vec::new();
    for follow in [false, true] {
        let want = reference(&spelled, follow, max_depth);
        for s in strategies() {
            let thread_counts: &[usize] = if s.is_parallel() { &[0, 1, 2] } else { &[0] };
            for &threads in thread_counts {
                let opts = ScanOptions::new()
                    .strategy(s)
                    .follow_symlinks(follow)
                    .max_depth(max_depth)
                    .threads(threads);
                let label = format!("[{s} follow={follow} threads={threads}]");
                let (got, loops) =
                    run(opts.clone(), &spelled).map_err(|e| format!("{label} {e}"))?;
                if s.supports(&opts).is_err() {
                    if !(got.files.is_empty() && got.errors.len() == 1) {
                        failures.push(format!("{label} want one Unsupported error, got {got:?}"));
                    }
                    continue;
                }
                if got.files != want.files {
                    failures.push(format!(
                        "{label} files differ:\n  want {:?}\n  got  {:?}",
                        want.files, got.files
                    ));
                }
                let want_loop = want.errors.iter().any(|e| e.1);
                if want_loop && loops.is_empty() {
                    failures.push(format!("{label} no loop error reported"));
                }
                if got.errors != want.errors {
                    failures.push(format!(
                        "{label} errors differ:\n  want {:?}\n  got  {:?} (loops: {loops:?})",
                        want.errors, got.errors
                    ));
                }
            }
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        let listing = Command::new("find")
            .arg(&root)
            .arg("-printf")
            .arg("%y %p -> %l\n")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        Err(format!(
            "root {spelled:?} max_depth {max_depth:?}\n{}\ntree:\n{listing}",
            failures.join("\n")
        ))
    }
}

fn max_depth() -> impl Gen<Value = Option<usize>> {
    prop_oneof![3 => Just(None), 1 => (1..4usize).prop_map(Some)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn every_strategy_matches_the_reference(
        spec in nodes(),
        slash in any::<bool>(),
        max_depth in max_depth(),
    ) {
        if let Err(e) = check_tree(&spec, slash, max_depth) {
            return Err(TestCaseError::fail(e));
        }
    }
}

/// A tree with every kind of link, checked once (a quick smoke test that
/// fails with a readable message before proptest starts shrinking).
#[test]
fn fixed_tree_with_every_kind_of_link() {
    let spec = vec![
        Node {
            parent: 0,
            name: 11,
            kind: Kind::Dir,
        }, // dir
        Node {
            parent: 1,
            name: 0,
            kind: Kind::File,
        }, // dir/a.mkv
        Node {
            parent: 1,
            name: 12,
            kind: Kind::Dir,
        }, // dir/d.mkv/
        Node {
            parent: 2,
            name: 9,
            kind: Kind::File,
        }, // dir/d.mkv/<non-utf8>.mkv
        Node {
            parent: 2,
            name: 7,
            kind: Kind::File,
        }, // dir/d.mkv/new\nline.mkv
        Node {
            parent: 2,
            name: 5,
            kind: Kind::Link {
                target: 0,
                absolute: false,
            },
        }, // -> root
        Node {
            parent: 2,
            name: 6,
            kind: Kind::Link {
                target: 1,
                absolute: true,
            },
        }, // -> dir
        Node {
            parent: 0,
            name: 1,
            kind: Kind::Link {
                target: 2,
                absolute: false,
            },
        }, // -> a.mkv
        Node {
            parent: 0,
            name: 14,
            kind: Kind::Link {
                target: 3,
                absolute: false,
            },
        }, // -> d.mkv/
        Node {
            parent: 0,
            name: 15,
            kind: Kind::Dangling,
        },
        Node {
            parent: 1,
            name: 16,
            kind: Kind::SelfLink,
        },
        Node {
            parent: 0,
            name: 2,
            kind: Kind::File,
        }, // .mkv
        Node {
            parent: 0,
            name: 3,
            kind: Kind::File,
        }, // x.mkv.ass
    ];
    // The reference itself sees what the tree is made for.
    let dir = scratch();
    build(dir.path(), &spec);
    let plain = reference(dir.path(), false, None);
    let follow = reference(dir.path(), true, None);
    let nonutf8 = |o: &Outcome| {
        o.files
            .iter()
            .any(|f| std::str::from_utf8(f.0.as_os_str().as_bytes()).is_err())
    };
    assert_eq!(plain.files.len(), 4, "{plain:?}");
    assert!(plain.errors.is_empty() && nonutf8(&plain), "{plain:?}");
    assert!(follow.files.iter().any(|f| f.2 == 1), "{follow:?}");
    assert!(follow.files.len() >= 2 * plain.files.len(), "{follow:?}");
    assert!(
        follow.errors.iter().filter(|e| e.1).count() >= 3,
        "{follow:?}"
    );
    assert!(follow.errors.iter().any(|e| !e.1), "self link: {follow:?}");
    for max_depth in [None, Some(1), Some(2)] {
        for slash in [false, true] {
            if let Err(e) = check_tree(&spec, slash, max_depth) {
                panic!("{e}");
            }
        }
    }
}

// ------------------------------------------------------------ odd roots

/// Everything a scan yields, comparable: sorted (path, depth) and errors
/// as text.
fn outcome(opts: &ScanOptions, root: &Path) -> (Vec<(PathBuf, usize)>, Vec<String>) {
    let (mut ok, mut err) = (Vec::new(), Vec::new());
    for r in opts.scan(root) {
        match r {
            Ok(e) => ok.push((e.path().to_path_buf(), e.depth())),
            Err(e) => err.push(format!("{:?} @{} {:?}", e.path(), e.depth(), e.cause())),
        }
    }
    ok.sort();
    err.sort();
    (ok, err)
}

/// Every strategy yields what `std` (the model) yields under `base`.
fn same_as_std(what: &str, base: ScanOptions, root: &Path) -> Vec<String> {
    let want = outcome(&base.clone().strategy(Strategy::Std), root);
    let mut bad = Vec::new();
    for s in strategies() {
        let opts = base.clone().strategy(s);
        if s.supports(&opts).is_err() {
            continue;
        }
        let got = outcome(&opts, root);
        if got != want {
            bad.push(format!("[{s}] {what}:\n  want {want:?}\n  got  {got:?}"));
        }
    }
    bad
}

const ODD_ROOTS_ENV: &str = "ANIVAULT_PROP_ODD_ROOTS_CHILD";

/// Roots spelled relative, as `a/..`, with `.`, as a symbolic link; links to
/// a directory above the root (the walkdir and ignore crates call that a
/// loop, `find -L` walks it); ignore files and `.git` (never honoured); a
/// FIFO and a link to it (never opened); `same_file_system` across a link to
/// another device. Runs in a child process whose working directory is a
/// scratch directory (relative roots need one).
#[test]
fn odd_roots_and_links_match_std() {
    let dir = scratch();
    let exe = std::env::current_exe().expect("current_exe");
    let out = Command::new(exe)
        .args([
            "odd_roots_body",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ODD_ROOTS_ENV, "1")
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .output()
        .expect("run child");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("1 passed"),
        "the child did not run the body: {text}"
    );
}

/// The body of [`odd_roots_and_links_match_std`]; does nothing unless run as
/// its child (in a scratch working directory).
#[test]
fn odd_roots_body() {
    if std::env::var_os(ODD_ROOTS_ENV).is_none() {
        return;
    }
    let b = std::env::current_dir().expect("cwd");
    let mut bad = Vec::new();
    // Links above the root.
    fs::create_dir_all(b.join("outer/root/sub")).expect("mkdir");
    for f in ["outer/o.mkv", "outer/root/a.mkv", "outer/root/sub/s.mkv"] {
        fs::write(b.join(f), b"").expect("write");
    }
    symlink("..", b.join("outer/root/up")).expect("symlink");
    symlink("../..", b.join("outer/root/sub/up2")).expect("symlink");
    for follow in [false, true] {
        for md in [None, Some(1), Some(2), Some(3)] {
            let opts = ScanOptions::new()
                .follow_symlinks(follow)
                .max_depth(md)
                .threads(2);
            bad.extend(same_as_std(
                &format!("above the root, follow={follow} max_depth={md:?}"),
                opts,
                &b.join("outer/root"),
            ));
        }
    }
    // Relative roots; a link whose text is the root's relative spelling.
    fs::create_dir_all(b.join("lib/lib/inner")).expect("mkdir");
    fs::write(b.join("lib/lib/inner/i.mkv"), b"").expect("write");
    symlink("lib", b.join("lib/l")).expect("symlink");
    symlink("outer/root", b.join("rootlink")).expect("symlink");
    let roots = [
        PathBuf::from("lib"),
        PathBuf::from("./lib/"),
        PathBuf::from("lib/lib/.."),
        PathBuf::from("lib/lib/inner/."),
        PathBuf::from("rootlink"),
        b.join("rootlink"),
        b.join("lib/../lib"),
    ];
    for root in &roots {
        for follow in [false, true] {
            let opts = ScanOptions::new().follow_symlinks(follow);
            bad.extend(same_as_std(
                &format!("root {root:?}, follow={follow}"),
                opts,
                root,
            ));
        }
    }
    // Ignore files, .git, FIFOs.
    let g = b.join("g");
    fs::create_dir_all(g.join(".git/objects")).expect("mkdir");
    fs::create_dir_all(g.join("sub/.hidden")).expect("mkdir");
    for (f, text) in [
        (".git/objects/o.mkv", ""),
        (".gitignore", "*.mkv\n"),
        (".ignore", "*.mkv\nsub\n"),
        (".rgignore", "*\n"),
        (".fdignore", "*\n"),
        ("sub/.gitignore", "*\n"),
        ("sub/.hidden/h.mkv", ""),
        ("sub/s.mkv", ""),
        ("top.mkv", ""),
    ] {
        fs::write(g.join(f), text).expect("write");
    }
    rustix::fs::mknodat(
        rustix::fs::CWD,
        g.join("fifo.mkv"),
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o644),
        0,
    )
    .expect("mkfifo");
    symlink("fifo.mkv", g.join("tofifo.mkv")).expect("symlink");
    for follow in [false, true] {
        let opts = ScanOptions::new().follow_symlinks(follow);
        let (ok, _) = outcome(&opts.clone().strategy(Strategy::Std), &g);
        if ok.len() != 4 {
            bad.push(format!("std: ignore files: want 4 files, got {ok:?}"));
        }
        bad.extend(same_as_std(
            &format!("ignore files, follow={follow}"),
            opts,
            &g,
        ));
    }
    // same_file_system across a link to another device, when there is one.
    let other = ["/dev/shm", "/tmp", "/run"]
        .into_iter()
        .filter_map(|d| tempfile::tempdir_in(d).ok())
        .find(|t| {
            let dev = |p: &Path| fs::metadata(p).map(|m| m.dev()).ok();
            dev(t.path()).is_some() && dev(t.path()) != dev(&b)
        });
    if let Some(other) = &other {
        fs::create_dir_all(other.path().join("d")).expect("mkdir");
        fs::write(other.path().join("d/x.mkv"), b"").expect("write");
        fs::create_dir_all(b.join("x")).expect("mkdir");
        fs::write(b.join("x/here.mkv"), b"").expect("write");
        symlink(other.path().join("d"), b.join("x/elsewhere")).expect("symlink");
        for follow in [false, true] {
            for xdev in [false, true] {
                let opts = ScanOptions::new()
                    .follow_symlinks(follow)
                    .same_file_system(xdev);
                let (ok, _) = outcome(&opts.clone().strategy(Strategy::Std), &b.join("x"));
                let want = if follow && !xdev { 2 } else { 1 };
                if ok.len() != want {
                    bad.push(format!("std: xdev={xdev} follow={follow}: {ok:?}"));
                }
                bad.extend(same_as_std(
                    &format!("same_file_system={xdev}, follow={follow}"),
                    opts,
                    &b.join("x"),
                ));
            }
        }
    } else {
        eprintln!("odd roots: no second device found; same_file_system not checked");
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

// ------------------------------------------------------------ early drop

/// Threads of this process.
fn thread_count() -> usize {
    fs::read_dir("/proc/self/task").map_or(0, |d| d.count())
}

const CHILD_ENV: &str = "ANIVAULT_PROP_EARLY_DROP_CHILD";

/// Dropping each parallel strategy's stream after 5 items of a 5,000-file
/// tree returns promptly and leaves no thread running. The body runs alone
/// in a child process (no other test's threads skew the count).
#[test]
fn early_drop_of_parallel_strategies_leaves_no_thread() {
    common::run_body_in_child(
        "early_drop_body",
        CHILD_ENV,
        Duration::from_secs(180),
        "early-drop",
    );
}

/// The body of [`early_drop_of_parallel_strategies_leaves_no_thread`]; does
/// nothing unless run as its child.
#[test]
fn early_drop_body() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let dir = scratch();
    let root = dir.path().join("tree");
    for d in 0..50 {
        let sub = root.join(format!("Show {d:02}"));
        fs::create_dir_all(&sub).expect("mkdir");
        for f in 0..100 {
            fs::write(sub.join(format!("Show {d:02} - {f:03}.mkv")), b"").expect("write");
        }
    }
    let mut failed = Vec::new();
    for s in strategies().into_iter().filter(|s| s.is_parallel()) {
        for threads in [0, 2] {
            let before = thread_count();
            let opts = ScanOptions::new().strategy(s).threads(threads);
            let r = root.clone();
            let timing = within(Duration::from_secs(30), 2 << 20, move || {
                let mut scan = opts.scan(&r);
                let first: Vec<_> = scan.by_ref().take(5).collect();
                // Let the walkers fill the channel and block on it.
                std::thread::sleep(Duration::from_millis(50));
                let t = Instant::now();
                drop(scan);
                (first.iter().filter(|r| r.is_ok()).count(), t.elapsed())
            });
            let (got, took) = match timing {
                Ok(x) => x,
                Err(e) => {
                    failed.push(format!("[{s} threads={threads}] take(5) then drop: {e}"));
                    continue;
                }
            };
            if got != 5 {
                failed.push(format!("[{s} threads={threads}] take(5) gave {got} files"));
            }
            if took > Duration::from_secs(2) {
                failed.push(format!("[{s} threads={threads}] drop took {took:?}"));
            }
            let deadline = Instant::now() + Duration::from_secs(5);
            let mut now = thread_count();
            while now > before && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
                now = thread_count();
            }
            if now > before {
                failed.push(format!(
                    "[{s} threads={threads}] {before} threads before, {now} after the drop"
                ));
            }
            eprintln!("early drop: {s} threads={threads}: drop took {took:?}");
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

// ------------------------------------------------------------ deep trees

/// A chain of `levels` directories named `d`, with `f.mkv` in the root, at
/// depth 100 and in the deepest directory, built relative to the parent
/// descriptor (the deepest paths are far longer than `PATH_MAX`).
fn deep_chain(root: &Path, levels: usize) {
    use rustix::fs::{mkdirat, openat, Mode, OFlags, CWD};
    let dirf = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let filef = OFlags::WRONLY | OFlags::CREATE | OFlags::CLOEXEC;
    let mut dir = openat(CWD, root, dirf, Mode::empty()).expect("open root");
    for level in 0..=levels {
        if level == 0 || level == 100 || level == levels {
            drop(openat(&dir, "f.mkv", filef, Mode::from_raw_mode(0o644)).expect("file"));
        }
        if level < levels {
            mkdirat(&dir, "d", Mode::from_raw_mode(0o755)).expect("mkdir");
            dir = openat(&dir, "d", dirf, Mode::empty()).expect("open");
        }
    }
}

const DEEP_ENV: &str = "ANIVAULT_PROP_DEEP_CHILD";

/// 10,000 levels: no strategy overflows a stack (the consumer runs on a
/// 256 KiB stack); each finds the shallow files and reports what it cannot
/// reach as `TooLong` errors only. Runs in a child process: a stack
/// overflow aborts the process, and the parent names the strategy.
#[test]
fn ten_thousand_levels_overflow_no_stack() {
    let exe = std::env::current_exe().expect("current_exe");
    let out = Command::new(exe)
        .args(["deep_body", "--exact", "--nocapture", "--test-threads=1"])
        .env(DEEP_ENV, "1")
        .stdin(Stdio::null())
        .output()
        .expect("run child");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let last = text
        .lines()
        .rfind(|l| l.starts_with("deep: scanning"))
        .unwrap_or("deep: (none started)");
    assert!(
        out.status.success(),
        "the deep-tree child failed ({:?}) while {last:?}:\n{text}",
        out.status
    );
    assert!(
        text.contains("1 passed"),
        "the child did not run the body: {text}"
    );
}

/// The body of [`ten_thousand_levels_overflow_no_stack`]; does nothing
/// unless run as its child.
#[test]
fn deep_body() {
    if std::env::var_os(DEEP_ENV).is_none() {
        return;
    }
    let dir = scratch();
    let root = dir.path().join("deep");
    fs::create_dir(&root).expect("mkdir");
    const LEVELS: usize = 10_000;
    deep_chain(&root, LEVELS);
    let shallow = root.join("f.mkv");
    let mut at100 = root.clone();
    for _ in 0..100 {
        at100.push("d");
    }
    let at100 = at100.join("f.mkv");
    let mut failed = Vec::new();
    for s in strategies() {
        for follow in [false, true] {
            let opts = ScanOptions::new().strategy(s).follow_symlinks(follow);
            if s.supports(&opts).is_err() {
                continue;
            }
            eprintln!("deep: scanning with {s}, follow={follow}");
            let r = root.clone();
            let got = within(Duration::from_secs(120), 256 << 10, move || {
                let (mut ok, mut err) = (Vec::new(), Vec::new());
                for item in opts.scan(&r) {
                    match item {
                        Ok(e) => ok.push((e.path().to_path_buf(), e.depth())),
                        Err(e) => err.push(e),
                    }
                }
                ok.sort();
                (ok, err)
            });
            let (ok, err) = match got {
                Ok(x) => x,
                Err(e) => {
                    failed.push(format!("[{s} follow={follow}] {e}"));
                    continue;
                }
            };
            let has = |p: &Path, d: usize| ok.iter().any(|(q, e)| q == p && *e == d);
            if !has(&shallow, 1) || !has(&at100, 101) {
                failed.push(format!(
                    "[{s} follow={follow}] shallow files missing: {} found",
                    ok.len()
                ));
            }
            let odd: Vec<_> = err
                .iter()
                .filter(|e| !matches!(e.cause(), ErrorCause::TooLong))
                .collect();
            if !odd.is_empty() {
                failed.push(format!(
                    "[{s} follow={follow}] errors other than TooLong: {:?}",
                    &odd[..odd.len().min(3)]
                ));
            }
            eprintln!(
                "deep: {s} follow={follow}: {} files (deepest depth {:?}), {} TooLong errors",
                ok.len(),
                ok.iter().map(|(_, d)| *d).max(),
                err.len()
            );
        }
    }
    // Too deep for remove_dir_all: rm(1) handles it.
    let _ = Command::new("rm").arg("-rf").arg(&root).status();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
