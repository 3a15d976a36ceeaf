//! The fixture generator: determinism, manifests that match the tree,
//! safety with directories that are not ours, interrupted runs, every shape
//! and preset, names that anitomy parses, and the command line's exit codes.
//! Trees are small and made in temporary directories (on /dev/shm when it
//! is there).

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anivault_bench::generator::manifest::paths_digest;
use anivault_bench::generator::{
    ensure_at, ensure_with, episode_names, generate, plan_manifest, Counts, GenError, GenOptions,
    Outcome, Preset, Shape, Sizes, Spec, IN_PROGRESS_FILE, MANIFEST_FILE, MARKER_FILE,
};
use anivault_scanner::ExtensionSet;

/// A temporary directory, on tmpfs when available (faster, like real use).
fn tmp() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(t) = tempfile::Builder::new()
            .prefix("anivault-gen-test-")
            .tempdir_in(shm)
        {
            return t;
        }
    }
    tempfile::tempdir().expect("tempdir")
}

/// What `find ROOT -mindepth 1` sees (no symlink following): counts, and
/// every path relative to the root. Runs `find` itself (it copes with paths
/// longer than PATH_MAX), one NUL-terminated record per entry.
fn walk(root: &Path) -> (Counts, Vec<Vec<u8>>) {
    let out = Command::new("find")
        .arg(root)
        .args(["-mindepth", "1", "-printf", "%y %s %d %P\\0"])
        .output()
        .expect("run find");
    assert!(
        out.status.success(),
        "find: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let video = ExtensionSet::video();
    let subs = ExtensionSet::subtitles();
    let audio = ExtensionSet::audio();
    let mut c = Counts::default();
    let mut paths = Vec::new();
    for rec in out.stdout.split(|&b| b == 0).filter(|r| !r.is_empty()) {
        let mut parts = rec.splitn(4, |&b| b == b' ');
        let (Some(kind), Some(size), Some(depth), Some(rel)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            panic!("bad find record {rec:?}");
        };
        let num = |b: &[u8]| std::str::from_utf8(b).unwrap().parse::<u64>().unwrap();
        let name = rel.rsplit(|&b| b == b'/').next().unwrap_or(rel);
        c.max_depth = c.max_depth.max(num(depth) as u32);
        c.max_path_bytes = c.max_path_bytes.max(rel.len() as u64);
        match kind {
            b"d" => c.dirs += 1,
            b"l" => c.symlinks += 1,
            b"p" => c.fifos += 1,
            b"f" => {
                c.files += 1;
                c.apparent_bytes += num(size);
                if video.matches_name(name) {
                    c.media_files += 1;
                } else if subs.matches_name(name) {
                    c.subtitle_files += 1;
                } else if audio.matches_name(name) {
                    c.audio_files += 1;
                } else {
                    c.other_files += 1;
                }
            }
            other => panic!("unexpected type {other:?}"),
        }
        paths.push(rel.to_vec());
    }
    (c, paths)
}

/// Asserts that the manifest matches the tree on disk, and that the
/// scanner's default scan finds exactly `media_files`.
fn assert_manifest_matches_tree(root: &Path, m: &anivault_bench::generator::Manifest) {
    let (counts, paths) = walk(root);
    assert_eq!(counts, m.counts, "manifest counts vs a find-like walk");
    let digest = paths_digest(paths.iter().map(|p| p.as_slice()));
    assert_eq!(digest, m.paths_digest, "paths digest");
    let found = anivault_scanner::scan_directory(root)
        .filter(|r| r.is_ok())
        .count() as u64;
    assert_eq!(found, m.counts.media_files, "scanner default scan");
}

#[test]
fn same_seed_same_tree_other_seed_other_tree() {
    let t = tmp();
    let spec = Spec::new(Shape::Anime, 1500).seed(7);
    let a = ensure_at(&spec, &t.path().join("a")).unwrap();
    let b = ensure_at(&spec, &t.path().join("b")).unwrap();
    assert_eq!(a.manifest, b.manifest);
    assert_eq!(walk(&a.root).1.len(), walk(&b.root).1.len());
    let a_paths: BTreeSet<_> = walk(&a.root).1.into_iter().collect();
    let b_paths: BTreeSet<_> = walk(&b.root).1.into_iter().collect();
    assert_eq!(a_paths, b_paths);
    // Sizes too.
    for p in a_paths.iter().take(200) {
        let rel = Path::new(std::ffi::OsStr::from_bytes(p));
        let ma = fs::symlink_metadata(a.root.join(rel)).unwrap();
        let mb = fs::symlink_metadata(b.root.join(rel)).unwrap();
        assert_eq!(ma.len(), mb.len());
    }
    let c = ensure_at(&spec.clone().seed(8), &t.path().join("c")).unwrap();
    assert_ne!(c.manifest.paths_digest, a.manifest.paths_digest);
    assert_ne!(c.manifest.spec_hash, a.manifest.spec_hash);
    // The dry run agrees with the disk.
    assert_eq!(
        plan_manifest(&spec).unwrap().paths_digest,
        a.manifest.paths_digest
    );
}

#[test]
fn manifest_counts_equal_the_tree_for_every_shape() {
    let t = tmp();
    let specs = [
        Spec::new(Shape::Anime, 400).seed(1),
        Spec::new(Shape::Flat, 500).seed(1),
        Spec::new(Shape::Deep, 300).seed(1).depth(120),
        Spec::new(Shape::Deep, 60)
            .seed(1)
            .depth(24)
            .long_paths(true),
        Spec::new(Shape::Wide, 500).seed(1),
        Spec::new(Shape::Impressions, 1200).seed(1),
        Spec::new(Shape::Edge, 70).seed(1),
        Spec::new(Shape::Anime, 300).seed(2).sizes(Sizes::Empty),
    ];
    for (i, spec) in specs.iter().enumerate() {
        let fx = ensure_at(spec, &t.path().join(format!("s{i}"))).unwrap();
        assert_eq!(fx.manifest.counts.files, spec.files, "{spec:?}");
        assert!(fx.manifest.counts.media_files > 0, "{spec:?}");
        assert_manifest_matches_tree(&fx.root, &fx.manifest);
        if spec.sizes == Sizes::Empty {
            assert_eq!(fx.manifest.counts.apparent_bytes, 0);
        }
    }
}

#[test]
fn edge_tree_has_the_strange_cases() {
    let t = tmp();
    let fx = ensure_at(&Spec::preset("edge").unwrap(), &t.path().join("e")).unwrap();
    let c = fx.manifest.counts;
    assert!(c.symlinks >= 8 && c.fifos >= 2 && c.dirs >= 10, "{c:?}");
    let (_, paths) = walk(&fx.root);
    let has = |p: &[u8]| paths.iter().any(|x| x.as_slice() == p);
    assert!(has(b"new\nline.mkv"));
    assert!(has(b"-rf.mkv"));
    assert!(has(b"non-utf8-\xff\xfe.mkv"));
    assert!(has(b"fifo/pipe.mkv"));
    assert!(paths.iter().any(|p| p.len() == 255 && !p.contains(&b'/')));
    let empty = fx.root.join("empty");
    assert_eq!(fs::read_dir(empty).unwrap().count(), 0);
    let loop_a = fs::read_link(fx.root.join("links/loop-a")).unwrap();
    assert_eq!(loop_a, Path::new("loop-b"));
    assert!(fs::metadata(fx.root.join("links/dangling.mkv")).is_err());
    assert!(fx.root.join("links/dir-link").is_dir());
    assert_manifest_matches_tree(&fx.root, &fx.manifest);
}

#[test]
fn deep_long_paths_go_beyond_path_max() {
    let t = tmp();
    let fx = ensure_at(&Spec::preset("deep-long").unwrap(), &t.path().join("d")).unwrap();
    assert!(fx.manifest.counts.max_path_bytes > 4096 * 3);
    assert_eq!(fx.manifest.counts.max_depth, 65);
    // And it can be regenerated (the old tree removed) despite the length.
    let opts = GenOptions::default();
    let again = generate(&fx.manifest.spec, &fx.dir, &opts).unwrap();
    assert_eq!(again.manifest, fx.manifest);
}

#[test]
fn every_preset_plans_its_exact_count() {
    for p in Preset::all().unwrap() {
        if p.spec.files > 100_000 {
            continue; // anime-1m: see the ignored test below
        }
        let m = plan_manifest(&p.spec).unwrap();
        assert_eq!(m.counts.files, p.spec.files, "{}", p.name);
        assert!(m.counts.media_files > 0, "{}", p.name);
    }
}

#[test]
fn every_preset_generates_scaled_down() {
    let t = tmp();
    for p in Preset::all().unwrap() {
        let mut spec = p.spec.clone();
        if spec.files > 10_000 {
            spec.files /= 100; // the same spec, a hundredth of the files
        }
        let fx = ensure_at(&spec, &t.path().join(p.name)).unwrap();
        assert_eq!(fx.manifest.counts.files, spec.files, "{}", p.name);
        let found = anivault_scanner::scan_directory(&fx.root)
            .filter(|r| r.is_ok())
            .count() as u64;
        assert_eq!(found, fx.manifest.counts.media_files, "{}", p.name);
    }
}

#[test]
#[ignore = "heavy: generates the 100k presets in full (about 0.3 s each on tmpfs, longer on disk)"]
fn big_presets_generate_in_full() {
    let t = tmp();
    for name in ["anime-100k", "flat-100k", "wide-100k", "impressions-100k"] {
        let spec = Spec::preset(name).unwrap();
        let fx = ensure_at(&spec, &t.path().join(name)).unwrap();
        assert_eq!(fx.manifest.counts.files, spec.files);
        assert_manifest_matches_tree(&fx.root, &fx.manifest);
    }
}

#[test]
#[ignore = "heavy: generates anime-1m (1,000,000 files, a few seconds on tmpfs)"]
fn anime_1m_generates_in_full() {
    let t = tmp();
    let spec = Spec::preset("anime-1m").unwrap();
    let fx = ensure_at(&spec, &t.path().join("m")).unwrap();
    assert_eq!(fx.manifest.counts.files, 1_000_000);
    assert_eq!(plan_manifest(&spec).unwrap(), fx.manifest);
}

#[test]
fn reuse_is_instant_and_force_regenerates() {
    let t = tmp();
    let dir = t.path().join("r");
    let spec = Spec::new(Shape::Anime, 3000).seed(3);
    let opts = GenOptions::default();
    let (a, first) = ensure_with(&spec, &dir, &opts).unwrap();
    assert_eq!(first, Outcome::Generated);
    let start = Instant::now();
    let (b, second) = ensure_with(&spec, &dir, &opts).unwrap();
    assert_eq!(second, Outcome::Reused);
    assert!(start.elapsed() < Duration::from_millis(500));
    assert_eq!(a.manifest, b.manifest);
    let force = GenOptions {
        force: true,
        ..GenOptions::default()
    };
    let (c, third) = ensure_with(&spec, &dir, &force).unwrap();
    assert_eq!(third, Outcome::Generated);
    assert_eq!(c.manifest, a.manifest);
    // A different spec in the same (our) directory replaces the tree.
    let other = Spec::new(Shape::Flat, 100);
    let (d, fourth) = ensure_with(&other, &dir, &opts).unwrap();
    assert_eq!(fourth, Outcome::Generated);
    assert_manifest_matches_tree(&d.root, &d.manifest);
}

#[test]
fn concurrent_ensures_of_one_fixture_wait_for_each_other() {
    let t = tmp();
    let dir = t.path().join("c");
    let spec = Spec::new(Shape::Anime, 2000).seed(9);
    let outcomes: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..3)
            .map(|_| s.spawn(|| ensure_with(&spec, &dir, &GenOptions::default()).unwrap()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let generated = outcomes
        .iter()
        .filter(|o| o.1 == Outcome::Generated)
        .count();
    assert_eq!(generated, 1);
    assert!(outcomes
        .iter()
        .all(|o| o.0.manifest == outcomes[0].0.manifest));
    assert_manifest_matches_tree(&outcomes[0].0.root, &outcomes[0].0.manifest);
}

#[test]
fn foreign_directories_are_refused_and_untouched() {
    let t = tmp();
    let dir = t.path().join("precious");
    fs::create_dir_all(dir.join("tree")).unwrap();
    fs::write(dir.join("notes.txt"), b"do not delete").unwrap();
    fs::write(dir.join("tree/keep.mkv"), b"mine").unwrap();
    let spec = Spec::new(Shape::Flat, 10);
    for force in [false, true] {
        let opts = GenOptions {
            force,
            ..GenOptions::default()
        };
        let err = ensure_with(&spec, &dir, &opts).unwrap_err();
        assert!(matches!(err, GenError::Foreign { .. }), "{err}");
        assert!(err.is_usage());
        assert!(err.to_string().contains("precious"), "{err}");
    }
    assert_eq!(fs::read(dir.join("notes.txt")).unwrap(), b"do not delete");
    assert_eq!(fs::read(dir.join("tree/keep.mkv")).unwrap(), b"mine");
    assert!(!dir.join(MARKER_FILE).exists());
    assert!(!dir.join(MANIFEST_FILE).exists());
    // A file where the directory should be is refused too.
    let file = t.path().join("a-file");
    fs::write(&file, b"x").unwrap();
    assert!(ensure_at(&spec, &file).unwrap_err().is_usage());
    assert_eq!(fs::read(&file).unwrap(), b"x");
    // An empty directory is fine (and becomes ours).
    let empty = t.path().join("empty");
    fs::create_dir(&empty).unwrap();
    ensure_at(&spec, &empty).unwrap();
    assert!(empty.join(MARKER_FILE).exists());
}

#[test]
fn an_interrupted_generation_is_never_reused() {
    let t = tmp();
    let dir = t.path().join("i");
    let spec = Spec::new(Shape::Anime, 800).seed(4);
    let opts = GenOptions::default();
    let (good, _) = ensure_with(&spec, &dir, &opts).unwrap();
    // As a killed run leaves it: the in-progress marker, a partial tree.
    fs::write(dir.join(IN_PROGRESS_FILE), b"pid 1").unwrap();
    let (_, paths) = walk(&good.root);
    for p in paths.iter().filter(|p| p.ends_with(b".mkv")).take(50) {
        let _ = fs::remove_file(good.root.join(std::ffi::OsStr::from_bytes(p)));
    }
    let (again, outcome) = ensure_with(&spec, &dir, &opts).unwrap();
    assert_eq!(outcome, Outcome::Generated);
    assert_eq!(again.manifest, good.manifest);
    assert!(!dir.join(IN_PROGRESS_FILE).exists());
    assert_manifest_matches_tree(&again.root, &again.manifest);
    // A missing manifest (killed before it was written) is regenerated too.
    fs::remove_file(dir.join(MANIFEST_FILE)).unwrap();
    let (_, outcome) = ensure_with(&spec, &dir, &opts).unwrap();
    assert_eq!(outcome, Outcome::Generated);
}

#[test]
fn a_killed_process_leaves_a_fixture_that_is_regenerated() {
    let t = tmp();
    let dir = t.path().join("k");
    let mut child = Command::new(env!("CARGO_BIN_EXE_anivault-bench"))
        .args([
            "gen", "--shape", "flat", "--files", "400k", "--sizes", "empty",
        ])
        .arg("--out")
        .arg(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !dir.join("tree").exists() && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(1));
    }
    let _ = child.kill();
    let status = child.wait().unwrap();
    if status.success() {
        // Finished before the kill landed (very fast machine): nothing to check.
        return;
    }
    assert!(dir.join(IN_PROGRESS_FILE).exists());
    assert!(!dir.join(MANIFEST_FILE).exists());
    let spec = Spec::new(Shape::Flat, 1000);
    let (fx, outcome) = ensure_with(&spec, &dir, &GenOptions::default()).unwrap();
    assert_eq!(outcome, Outcome::Generated);
    assert_manifest_matches_tree(&fx.root, &fx.manifest);
}

#[test]
fn ensure_uses_the_environment_variable_for_its_location() {
    let t = tmp();
    std::env::set_var("ANIVAULT_FIXTURES_DIR", t.path());
    let fx = anivault_bench::generator::ensure("anime-tiny").unwrap();
    std::env::remove_var("ANIVAULT_FIXTURES_DIR");
    assert_eq!(fx.dir, t.path().join("anime-tiny"));
    assert_eq!(fx.root, t.path().join("anime-tiny/tree"));
    assert_eq!(fx.manifest.preset.as_deref(), Some("anime-tiny"));
    assert_eq!(fx.manifest.counts.files, 200);
}

#[test]
fn nonsense_specs_are_usage_errors() {
    let bad = [
        Spec::new(Shape::Anime, 0),
        Spec::new(Shape::Deep, 10).depth(0),
        Spec::new(Shape::Deep, 10).depth(u32::MAX),
        Spec::new(Shape::Deep, 10).depth(1000).long_paths(true),
        Spec::new(Shape::Flat, 10).depth(3),
        Spec::new(Shape::Wide, 10).long_paths(true),
        Spec::new(Shape::Edge, 3),
        Spec::new(Shape::Flat, u64::MAX),
    ];
    let t = tmp();
    for spec in bad {
        let e = ensure_at(&spec, &t.path().join("x")).unwrap_err();
        assert!(e.is_usage(), "{spec:?}: {e}");
        assert_eq!(e.exit_code(), 2);
    }
    assert!(Spec::preset("anime-7").unwrap_err().is_usage());
    assert!("spiral".parse::<Shape>().unwrap_err().is_usage());
    assert!(
        !t.path().join("x").exists(),
        "nothing is created for a bad spec"
    );
}

fn gen_cli(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_anivault-bench"))
        .arg("gen")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn command_line_exit_codes() {
    let t = tmp();
    let out = t.path().join("cli");
    let out_s = out.to_str().unwrap();
    let (code, stdout, _) = gen_cli(&["--shape", "anime", "--files", "300", "--out", out_s]);
    assert_eq!(code, 0);
    assert!(stdout.contains("generated"), "{stdout}");
    let (code, stdout, _) = gen_cli(&["--shape", "anime", "--files", "300", "--out", out_s]);
    assert_eq!(code, 0);
    assert!(stdout.contains("up to date"), "{stdout}");
    let (code, stdout, _) = gen_cli(&[
        "--shape", "anime", "--files", "300", "--out", out_s, "--force", "--json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["outcome"], "generated");
    assert_eq!(v["manifest"]["counts"]["files"], 300);

    for args in [
        &["--shape", "anime", "--files", "0"][..],
        &["--shape", "spiral"],
        &["--preset", "anime-7"],
        &["--shape", "deep", "--depth", "99999999"],
        &["--shape", "deep", "--depth", "-3"],
        &["--shape", "flat", "--files", "lots"],
        &["--shape", "flat", "--sizes", "huge"],
        &[],
    ] {
        let (code, _, stderr) = gen_cli(args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }

    // A foreign directory: refused with exit 2, untouched.
    let foreign = t.path().join("foreign");
    fs::create_dir(&foreign).unwrap();
    fs::write(foreign.join("mine.txt"), b"keep").unwrap();
    let (code, _, stderr) = gen_cli(&[
        "--preset",
        "edge",
        "--force",
        "--out",
        foreign.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("refusing"), "{stderr}");
    assert_eq!(fs::read(foreign.join("mine.txt")).unwrap(), b"keep");
    assert_eq!(fs::read_dir(&foreign).unwrap().count(), 1);

    // Cannot create the output directory (the parent is a file): nothing
    // could run, exit 2, the path named.
    let blocker = t.path().join("blocker");
    fs::write(&blocker, b"").unwrap();
    let (code, _, stderr) = gen_cli(&[
        "--preset",
        "edge",
        "--out",
        blocker.join("sub").to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("blocker"), "{stderr}");

    let (code, stdout, _) = gen_cli(&["--list"]);
    assert_eq!(code, 0);
    for p in Preset::names() {
        assert!(stdout.contains(p), "{p}");
    }
}

/// Letters and digits only, lower case: the comparison ignores punctuation
/// and separators (`Kimi.no.Sekai` and `Kimi no Sekai!` are the same title).
fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[test]
fn anitomy_reads_the_intended_title_and_episode() {
    use anitomy_ng::{parse, ElementKind, Options};
    let spec = Spec::new(Shape::Anime, 30_000).seed(1);
    let all = episode_names(&spec).unwrap();
    assert!(all.len() > 10_000, "{}", all.len());
    // A deterministic sample spread over the whole library.
    let step = (all.len() / 3000).max(1);
    let sample: Vec<_> = all.iter().step_by(step).collect();
    let mut ok = 0;
    let mut failures = Vec::new();
    for e in &sample {
        let elements = parse(&e.file_name, Options::default());
        let title = elements
            .iter()
            .find(|x| x.kind == ElementKind::Title)
            .map(|x| x.value.clone())
            .unwrap_or_default();
        let episode = elements
            .iter()
            .find(|x| x.kind == ElementKind::Episode)
            .and_then(|x| x.value.parse::<u32>().ok());
        if norm(&title) == norm(&e.title) && episode == Some(e.episode) {
            ok += 1;
        } else if failures.len() < 15 {
            failures.push(format!(
                "{:?}: got title {title:?} episode {episode:?}, wanted {:?} {}",
                e.file_name, e.title, e.episode
            ));
        }
    }
    let rate = ok as f64 / sample.len() as f64;
    println!("anitomy: {ok}/{} = {:.1}%", sample.len(), rate * 100.0);
    assert!(
        rate >= 0.95,
        "only {:.1}% parsed as intended; e.g.\n{}",
        rate * 100.0,
        failures.join("\n")
    );
}

// ---- Hostile input (issue 10: items 4 and 10) ----

/// Every file under `dir` (not following links) with its bytes, sorted:
/// compared before and after a run, it shows what changed.
fn sentinels(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let ft = e.file_type().unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if ft.is_file() {
            v.push((name, fs::read(e.path()).unwrap()));
        } else {
            v.push((format!("{name} ({ft:?})"), Vec::new()));
        }
    }
    v.sort();
    v
}

/// Edits `DIR/manifest.json` as a person would, with serde_json.
fn edit_manifest(dir: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let p = dir.join(MANIFEST_FILE);
    let mut v: serde_json::Value = serde_json::from_slice(&fs::read(&p).unwrap()).unwrap();
    edit(&mut v);
    fs::write(&p, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
}

#[test]
fn a_hand_edited_manifest_is_never_trusted_and_never_panics() {
    let t = tmp();
    fs::write(t.path().join("sentinel.txt"), b"not ours").unwrap();
    let out = t.path().join("fx");
    let out_s = out.to_str().unwrap();
    let (code, _, stderr) = gen_cli(&["--preset", "anime-tiny", "--out", out_s]);
    assert_eq!(code, 0, "{stderr}");
    let good = fs::read(out.join(MANIFEST_FILE)).unwrap();
    let before = sentinels(t.path());
    type Edit = Box<dyn FnOnce(&mut serde_json::Value)>;
    let edits: [(&str, Edit); 4] = [
        (
            "paths_digest",
            Box::new(|v| v["paths_digest"] = "ab".into()),
        ),
        (
            "counts",
            Box::new(|v| {
                v["counts"]["media_files"] = 1.into();
                v["counts"]["files"] = 20.into();
            }),
        ),
        ("spec", Box::new(|v| v["spec"]["seed"] = 12345.into())),
        (
            "counts do not add up",
            Box::new(|v| v["counts"]["files"] = 7.into()),
        ),
    ];
    for (what, edit) in edits {
        edit_manifest(&out, edit);
        let (code, stdout, stderr) = gen_cli(&["--preset", "anime-tiny", "--out", out_s]);
        assert_eq!(code, 0, "{what}: {stderr}");
        assert!(!stderr.contains("panicked"), "{what}: {stderr}");
        assert!(
            stderr.contains("cannot be trusted") && stderr.contains(out_s),
            "{what}: {stderr}"
        );
        assert!(stdout.contains("generated"), "{what}: {stdout}");
        assert_eq!(fs::read(out.join(MANIFEST_FILE)).unwrap(), good, "{what}");
        assert_eq!(sentinels(t.path()), before, "{what}: outside files changed");
    }
    // The tree changed under a true manifest: regenerated too.
    let victim = walk(&out.join("tree"))
        .1
        .into_iter()
        .find(|p| p.ends_with(b".mkv"))
        .unwrap();
    fs::remove_file(out.join("tree").join(std::ffi::OsStr::from_bytes(&victim))).unwrap();
    let (code, stdout, stderr) = gen_cli(&["--preset", "anime-tiny", "--out", out_s]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("media files, the manifest says"),
        "{stderr}"
    );
    assert!(stdout.contains("generated"), "{stdout}");
    let m = plan_manifest(&Preset::get("anime-tiny").unwrap().spec).unwrap();
    assert_eq!(walk(&out.join("tree")).0, m.counts);
}

#[test]
fn the_marker_cannot_be_created_exit_2_naming_it() {
    let t = tmp();
    fs::write(t.path().join("sentinel.txt"), b"not ours").unwrap();
    // A directory where the marker goes.
    let out = t.path().join("dirmarker");
    fs::create_dir_all(out.join(MARKER_FILE)).unwrap();
    let before = sentinels(t.path());
    let (code, _, stderr) = gen_cli(&["--preset", "anime-tiny", "--out", out.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains(&*out.join(MARKER_FILE).to_string_lossy())
            && stderr.contains("a directory"),
        "{stderr}"
    );
    assert_eq!(sentinels(t.path()), before);
    assert_eq!(fs::read_dir(&out).unwrap().count(), 1, "something was made");
    // A FIFO where the marker goes: refused at once, never opened to read.
    let out = t.path().join("fifomarker");
    fs::create_dir(&out).unwrap();
    rustix::fs::mknodat(
        rustix::fs::CWD,
        out.join(MARKER_FILE),
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o644),
        0,
    )
    .unwrap();
    let (code, _, stderr) = gen_cli(&["--preset", "anime-tiny", "--out", out.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("a FIFO"), "{stderr}");
    // A symbolic link where the marker goes (to a file that reads like
    // ours): never followed, refused, the file it points at untouched.
    let decoy = t.path().join("decoy");
    let real = t.path().join("fx-real");
    gen_cli(&["--preset", "anime-tiny", "--out", real.to_str().unwrap()]);
    fs::create_dir(&decoy).unwrap();
    std::os::unix::fs::symlink(real.join(MARKER_FILE), decoy.join(MARKER_FILE)).unwrap();
    let marker_before = fs::read(real.join(MARKER_FILE)).unwrap();
    let (code, _, stderr) = gen_cli(&["--preset", "anime-tiny", "--out", decoy.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("symbolic link"), "{stderr}");
    assert_eq!(fs::read(real.join(MARKER_FILE)).unwrap(), marker_before);
    assert_eq!(fs::read_dir(&decoy).unwrap().count(), 1);
}

#[test]
fn the_marker_cannot_be_created_as_nobody_exit_2() {
    if !rustix::process::geteuid().is_root() {
        eprintln!("SKIP the_marker_cannot_be_created_as_nobody_exit_2: not root (cannot switch to nobody)");
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let t = tmp();
    // Searchable by nobody, writable only by root.
    fs::set_permissions(t.path(), fs::Permissions::from_mode(0o755)).unwrap();
    fs::write(t.path().join("sentinel.txt"), b"not ours").unwrap();
    let empty = t.path().join("empty");
    fs::create_dir(&empty).unwrap();
    fs::set_permissions(&empty, fs::Permissions::from_mode(0o755)).unwrap();
    let before = sentinels(t.path());
    for (out, names) in [
        (empty.clone(), empty.join(MARKER_FILE)),
        (t.path().join("new"), t.path().join("new")),
    ] {
        let o = Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_anivault-bench"))
            .args(["gen", "--preset", "anime-tiny", "--out"])
            .arg(&out)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        if o.status.code() == Some(127) || stderr.contains("setpriv:") {
            eprintln!("SKIP: setpriv cannot run the binary as nobody: {stderr}");
            return;
        }
        assert_eq!(o.status.code(), Some(2), "{out:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(
            stderr.contains(&*names.to_string_lossy()) && stderr.contains("Permission denied"),
            "{out:?}: {stderr}"
        );
    }
    assert_eq!(sentinels(t.path()), before);
    assert_eq!(fs::read_dir(&empty).unwrap().count(), 0);
}

/// The tree root carries `FS_TOPDIR_FL` (ext4 spreads the series over
/// block groups instead of scanning recently freed inodes of one group:
/// see `create.rs`) wherever the file system accepts the flag; tmpfs does
/// not, and the test then says so and checks nothing else.
#[test]
fn tree_root_is_marked_top_directory_where_supported() {
    use rustix::fs::{ioctl_getflags, ioctl_setflags, open, IFlags, Mode, OFlags};
    let t = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
    let dir_flags = |p: &Path| {
        let fd = open(p, OFlags::RDONLY | OFlags::DIRECTORY, Mode::empty()).expect("open dir");
        (ioctl_getflags(&fd), fd)
    };
    let probe = t.path().join("probe");
    fs::create_dir(&probe).unwrap();
    let (flags, fd) = dir_flags(&probe);
    let supported = flags
        .and_then(|f| ioctl_setflags(&fd, f | IFlags::TOPDIR))
        .is_ok();
    if !supported {
        eprintln!(
            "skipped: the file system of {} refuses FS_TOPDIR_FL",
            probe.display()
        );
        return;
    }
    let fx = ensure_at(&Spec::new(Shape::Anime, 300).seed(3), &t.path().join("fx")).unwrap();
    let (flags, _fd) = dir_flags(&fx.root);
    assert!(flags
        .expect("flags of the tree root")
        .contains(IFlags::TOPDIR));
    assert_manifest_matches_tree(&fx.root, &fx.manifest);
}

/// Runs `gen ARGS`; a run still going after a minute is killed and fails
/// the test (a FIFO opened for writing would block forever).
fn gen_cli_or_hang(args: &[&str]) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_anivault-bench"))
        .arg("gen")
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            let _ = child.wait();
            panic!("gen {args:?} still blocked after a minute");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn links_and_fifos_planted_in_a_fixture_are_never_written_through() {
    let t = tmp();
    let outside = t.path().join("outside.txt");
    fs::write(&outside, b"not ours").unwrap();
    let out = t.path().join("fx");
    let out_s = out.to_str().unwrap();
    let (code, stderr) = gen_cli_or_hang(&["--preset", "anime-tiny", "--out", out_s]);
    assert_eq!(code, 0, "{stderr}");
    let good = fs::read(out.join(MANIFEST_FILE)).unwrap();
    // Links to an outside file at the manifest's and the in-progress
    // marker's names: both replaced by our own files, the target intact.
    for name in [MANIFEST_FILE, IN_PROGRESS_FILE] {
        let _ = fs::remove_file(out.join(name));
        std::os::unix::fs::symlink(&outside, out.join(name)).unwrap();
        let (code, stderr) = gen_cli_or_hang(&["--preset", "anime-tiny", "--out", out_s, "-f"]);
        assert_eq!(code, 0, "{name}: {stderr}");
        assert_eq!(fs::read(&outside).unwrap(), b"not ours", "{name}");
        assert_eq!(fs::read(out.join(MANIFEST_FILE)).unwrap(), good, "{name}");
        assert!(!out.join(IN_PROGRESS_FILE).exists(), "{name}");
    }
    // A FIFO at the in-progress marker's name: refused at once, naming it.
    let fifo = out.join(IN_PROGRESS_FILE);
    rustix::fs::mknodat(
        rustix::fs::CWD,
        &fifo,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o644),
        0,
    )
    .unwrap();
    let (code, stderr) = gen_cli_or_hang(&["--preset", "anime-tiny", "--out", out_s, "-f"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains(&*fifo.to_string_lossy()) && stderr.contains("a FIFO"),
        "{stderr}"
    );
    use std::os::unix::fs::FileTypeExt;
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
}
