//! `ScanParsePool`: the same files as the plain scan, the right fields on
//! realistic names, an early stop that leaves no thread behind, a parser
//! panic that becomes one error item, and the in-flight bound under a slow
//! consumer.

#[allow(dead_code)] // each test file uses part of it
mod common;

use common::within;
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use std::sync::Arc;
use std::time::Duration;

use anivault_scanner::{
    Episode, ErrorCause, ExtensionSet, InFlightProbe, MediaKind, ParsedMedia, ScanOptions,
    ScanParsePool, Strategy,
};
use tempfile::TempDir;

/// A scratch directory, on tmpfs when there is one.
fn scratch() -> TempDir {
    if Path::new("/dev/shm").is_dir() {
        if let Ok(t) = tempfile::tempdir_in("/dev/shm") {
            return t;
        }
    }
    tempfile::tempdir().expect("tempdir")
}

/// Creates `rel` (and its folders) under `root`; `rel` is bytes.
fn touch(root: &Path, rel: &[u8]) {
    let p = root.join(OsStr::from_bytes(rel));
    if let Some(dir) = p.parent() {
        fs::create_dir_all(dir).expect("mkdir");
    }
    fs::write(&p, b"").expect("write");
}

/// Strategies to try (all available, or `ANIVAULT_TEST_STRATEGIES`).
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

// ------------------------------------------------------------ same files

/// A small mixed tree: video, subtitles, audio, other files, odd bytes.
fn mixed_tree(root: &Path) {
    let names: &[&[u8]] = &[
        b"Show A/Season 01/Show A S01E01.mkv",
        b"Show A/Season 01/Show A S01E01.en.ass",
        b"Show A/Season 01/Show A S01E02.mkv",
        b"Show A/Season 01/notes.txt",
        b"Show A/Extras/NCOP1.mkv",
        b"[Grp] Show B (01-12) [Batch]/[Grp] Show B - 01 [1080p].mkv",
        b"[Grp] Show B (01-12) [Batch]/[Grp] Show B - 02 [1080p].mkv",
        b"[Grp] Show B (01-12) [Batch]/[Grp] Show B - 02 [1080p].jpn.mka",
        b"[Grp] Show B (01-12) [Batch]/cover.jpg",
        b"\xff\xfe odd/\x80 Show - 01.mkv",
        b"loose.MP4",
        b"noext",
        "葬送のフリーレン/第2期/05.mkv".as_bytes(),
    ];
    for n in names {
        touch(root, n);
    }
    for i in 0..150 {
        touch(root, format!("Many/Many - {i:03}.mkv").as_bytes());
    }
}

fn sorted_scan(root: &Path, opts: &ScanOptions) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = opts
        .scan(root)
        .map(|r| r.expect("scan error").into_path())
        .collect();
    v.sort();
    v
}

#[test]
fn yields_exactly_the_files_of_the_plain_scan() {
    let dir = scratch();
    mixed_tree(dir.path());
    let mut failed = Vec::new();
    for s in strategies() {
        for set in [ExtensionSet::video(), ExtensionSet::all_media()] {
            let opts = ScanOptions::new().strategy(s).extensions(set).threads(2);
            let want = sorted_scan(dir.path(), &opts);
            assert!(want.len() > 150, "the tree has files");
            for (workers, cap, batch, ordered) in [
                (1, 1, 1, false),
                (2, 2, 3, false),
                (3, 16, 64, false),
                (2, 1, 5, true),
                (3, 4, 2, true),
            ] {
                let mut got: Vec<PathBuf> = ScanParsePool::new(dir.path())
                    .options(opts.clone())
                    .workers(workers)
                    .queue_capacity(cap)
                    .batch_size(batch)
                    .ordered(ordered)
                    .run()
                    .map(|r| r.expect("pool error").entry.into_path())
                    .collect();
                got.sort();
                if got != want {
                    failed.push(format!(
                        "[{s} workers={workers} cap={cap} batch={batch} ordered={ordered}] {} files, scan {}",
                        got.len(),
                        want.len()
                    ));
                }
            }
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
fn ordered_gives_the_walker_order() {
    let dir = scratch();
    mixed_tree(dir.path());
    // Single-thread walkers have one order (the default, getdents-par on
    // Linux, has none to keep).
    let serial = Strategy::available()
        .into_iter()
        .filter(|s| !s.is_parallel());
    for s in serial {
        let opts = ScanOptions::new()
            .strategy(s)
            .extensions(ExtensionSet::all_media());
        let walk: Vec<PathBuf> = opts
            .scan(dir.path())
            .map(|r| r.expect("scan").into_path())
            .collect();
        for workers in [1, 2, 3] {
            let pooled: Vec<PathBuf> = ScanParsePool::new(dir.path())
                .options(opts.clone())
                .workers(workers)
                .batch_size(4)
                .queue_capacity(2)
                .ordered(true)
                .run()
                .map(|r| r.expect("pool").entry.into_path())
                .collect();
            assert_eq!(walk, pooled, "[{s} workers={workers}]");
        }
    }
}

#[test]
fn walk_errors_come_through_as_items() {
    let items: Vec<_> = ScanParsePool::new("/no/such/root/anywhere").run().collect();
    assert_eq!(items.len(), 1);
    let e = items[0].as_ref().expect_err("an error");
    assert_eq!(e.path(), Path::new("/no/such/root/anywhere"));
    assert_eq!(e.io_kind(), Some(std::io::ErrorKind::NotFound));
}

// ------------------------------------------------------------ fields

/// Parses a tree built from `names` and returns the results by path
/// relative to the root.
fn parse_tree(names: &[&str]) -> BTreeMap<String, ParsedMedia> {
    let dir = scratch();
    for n in names {
        touch(dir.path(), n.as_bytes());
    }
    let opts = ScanOptions::new().extensions(ExtensionSet::all_media());
    let mut out = BTreeMap::new();
    for r in ScanParsePool::new(dir.path())
        .options(opts)
        .workers(2)
        .run()
    {
        let p = r.expect("no error");
        let rel = p
            .entry
            .path()
            .strip_prefix(dir.path())
            .expect("under the root")
            .to_string_lossy()
            .into_owned();
        out.insert(rel, p);
    }
    assert_eq!(out.len(), names.len(), "every file parsed");
    out
}

fn ep(s: &str) -> Option<Episode> {
    Some(Episode::Single(s.into()))
}

fn has(p: &ParsedMedia, kind: &str, value: &str) -> bool {
    p.other.iter().any(|t| t.kind == kind && t.value == value)
}

#[test]
fn fields_on_realistic_names() {
    let fansub = "Frieren/[SubsPlease] Sousou no Frieren - 05 (1080p) [A1B2C3D4].mkv";
    let fansub_sub = "Frieren/[SubsPlease] Sousou no Frieren - 05 (1080p) [A1B2C3D4].en.ass";
    let scene = "Show.Name.S01E05.1080p.WEB-DL.x265-GRP.mkv";
    let scene_sub = "Show.Name.S01E05.1080p.WEB-DL.x265-GRP.en.forced.srt";
    let jellyfin = "Show (2020)/Season 01/Show S01E01.mkv";
    let bare = "Title/Season 02/S02E03.mkv";
    let extras = "Title/Extras/NCOP1.mkv";
    let sps = "Title/SPs/SP01.mkv";
    let batch_file = "[Grp] Frieren (01-28) [1080p] [Batch]/[Grp] Frieren - 07 [1080p].mkv";
    let batch_bare = "[Grp] Kusuriya no Hitorigoto (01-24) [1080p] [Batch]/05.mkv";
    let batch_range = "[Grp] Show - 01-12 [720p].mkv";
    let version = "[Grp] Show - 03v2 [720p].mkv";
    let audio = "[Grp] Show - 03v2 [720p].jpn.mka";
    let cjk = "[桜都字幕组] 葬送的芙莉莲 - 05 [1080p][简体内嵌].mp4";
    let cjk_jp = "進撃の巨人/[Nekomoe kissaten] 進撃の巨人 - 12 [BDRip 1080p].mkv";
    let cjk_folder = "葬送のフリーレン/第2期/05.mkv";
    let movie = "Kimi no Na wa (2016)/Kimi no Na wa. (2016) [BD 1080p].mkv";
    let m = parse_tree(&[
        fansub,
        fansub_sub,
        scene,
        scene_sub,
        jellyfin,
        bare,
        extras,
        sps,
        batch_file,
        batch_bare,
        batch_range,
        version,
        audio,
        cjk,
        cjk_jp,
        cjk_folder,
        movie,
    ]);

    let p = &m[fansub];
    assert_eq!(p.kind, MediaKind::Video);
    assert_eq!(p.title.as_deref(), Some("Sousou no Frieren"));
    assert_eq!(p.episode, ep("05"));
    assert_eq!(p.release_group.as_deref(), Some("SubsPlease"));
    assert_eq!(p.resolution.as_deref(), Some("1080p"));
    assert_eq!(p.checksum, Some(0xA1B2_C3D4));
    assert_eq!((p.season.as_deref(), p.version, p.year), (None, None, None));

    let p = &m[fansub_sub];
    assert_eq!(p.kind, MediaKind::Subtitle);
    assert_eq!(p.title.as_deref(), Some("Sousou no Frieren"));
    assert_eq!(p.episode, ep("05"));
    assert_eq!(p.checksum, Some(0xA1B2_C3D4));
    assert!(has(p, "language", "en"), "{p:?}");

    let p = &m[scene];
    assert_eq!(p.title.as_deref(), Some("Show Name"));
    assert_eq!(p.season.as_deref(), Some("01"));
    assert_eq!(p.episode, ep("05"));
    assert_eq!(p.resolution.as_deref(), Some("1080p"));
    assert_eq!(p.release_group.as_deref(), Some("GRP"));
    assert!(
        has(p, "source", "WEB-DL") && has(p, "video_term", "x265"),
        "{p:?}"
    );

    let p = &m[scene_sub];
    assert_eq!(p.kind, MediaKind::Subtitle);
    assert_eq!(p.release_group.as_deref(), Some("GRP"));
    assert!(
        has(p, "language", "en") && has(p, "other", "forced"),
        "{p:?}"
    );

    let p = &m[jellyfin];
    assert_eq!(p.title.as_deref(), Some("Show"));
    assert_eq!(p.season.as_deref(), Some("01"));
    assert_eq!(p.episode, ep("01"));
    assert_eq!(
        p.year,
        Some(2020),
        "the year of the folder the title matches"
    );

    let p = &m[bare];
    assert_eq!(p.title.as_deref(), Some("Title"), "from the folder");
    assert_eq!(p.season.as_deref(), Some("02"));
    assert_eq!(p.episode, ep("03"));

    let p = &m[extras];
    assert_eq!(p.title.as_deref(), Some("Title"), "Extras skipped");
    assert!(has(p, "type", "NCOP"), "{p:?}");

    let p = &m[sps];
    assert_eq!(
        p.title.as_deref(),
        Some("Title"),
        "SPs skipped, `SP` is no title"
    );
    assert_eq!(p.episode, ep("01"));

    let p = &m[batch_file];
    assert_eq!(p.title.as_deref(), Some("Frieren"));
    assert_eq!(
        p.episode,
        ep("07"),
        "the file's episode, not the folder's range"
    );

    let p = &m[batch_bare];
    assert_eq!(p.title.as_deref(), Some("Kusuriya no Hitorigoto"));
    assert_eq!(p.episode, ep("05"));

    let p = &m[batch_range];
    assert_eq!(p.episode, Some(Episode::Range("01".into(), "12".into())));
    assert_eq!(p.title.as_deref(), Some("Show"));

    let p = &m[version];
    assert_eq!(p.episode, ep("03"));
    assert_eq!(p.version, Some(2));
    assert_eq!(p.resolution.as_deref(), Some("720p"));

    let p = &m[audio];
    assert_eq!(p.kind, MediaKind::Audio);
    assert_eq!((p.episode.clone(), p.version), (ep("03"), Some(2)));
    assert!(has(p, "language", "jpn"), "{p:?}");

    let p = &m[cjk];
    assert_eq!(p.kind, MediaKind::Video);
    assert_eq!(p.title.as_deref(), Some("葬送的芙莉莲"));
    assert_eq!(p.release_group.as_deref(), Some("桜都字幕组"));
    assert_eq!(p.episode, ep("05"));

    let p = &m[cjk_jp];
    assert_eq!(p.title.as_deref(), Some("進撃の巨人"));
    assert_eq!(p.release_group.as_deref(), Some("Nekomoe kissaten"));
    assert_eq!(p.episode, ep("12"));

    let p = &m[cjk_folder];
    assert_eq!(p.title.as_deref(), Some("葬送のフリーレン"));
    assert_eq!(p.season.as_deref(), Some("2"));
    assert_eq!(p.episode, ep("05"));

    let p = &m[movie];
    assert_eq!(p.year, Some(2016));
    assert_eq!(p.episode, None);
}

#[test]
fn non_utf8_names_parse_and_keep_their_bytes() {
    let dir = scratch();
    touch(dir.path(), b"\xff Show/\x80[Grp] Show - 05 [720p].mkv");
    let items: Vec<_> = ScanParsePool::new(dir.path()).run().collect();
    assert_eq!(items.len(), 1);
    let p = items[0].as_ref().expect("parsed");
    assert_eq!(
        p.entry.file_name().as_bytes(),
        b"\x80[Grp] Show - 05 [720p].mkv"
    );
    assert_eq!(p.episode, ep("05"));
}

// ------------------------------------------------------------ panics

#[test]
fn a_parser_panic_is_one_error_item() {
    let dir = scratch();
    for i in 0..200 {
        touch(dir.path(), format!("Show/Show - {i:03}.mkv").as_bytes());
    }
    touch(dir.path(), b"Show/boom.mkv");
    for ordered in [false, true] {
        let items: Vec<_> = ScanParsePool::new(dir.path())
            .workers(2)
            .batch_size(16)
            .ordered(ordered)
            .inspect(|e| {
                if e.file_name() == "boom.mkv" {
                    panic!("forced parser panic (expected by the test)");
                }
            })
            .run()
            .collect();
        assert_eq!(items.len(), 201, "ordered={ordered}");
        let errors: Vec<_> = items.iter().filter_map(|r| r.as_ref().err()).collect();
        assert_eq!(errors.len(), 1, "ordered={ordered}");
        let e = errors[0];
        assert!(e.path().ends_with("Show/boom.mkv"));
        assert_eq!(e.depth(), 2);
        match e.cause() {
            ErrorCause::ParsePanicked(msg) => assert!(msg.contains("forced parser panic")),
            other => panic!("unexpected cause {other:?}"),
        }
        assert!(e
            .to_string()
            .contains("boom.mkv': the file name parser panicked"));
        // The worker that caught it went on parsing.
        let ok = items.iter().filter(|r| r.is_ok()).count();
        assert_eq!(ok, 200);
    }
}

// ------------------------------------------------------------ early stop

fn thread_count() -> usize {
    fs::read_dir("/proc/self/task").map_or(0, |d| d.count())
}

const CHILD_ENV: &str = "ANIVAULT_POOL_EARLY_DROP_CHILD";

/// A consumer that stops after 10 items of a 5,000-file tree returns
/// promptly and leaves no thread running. The body runs alone in a child
/// process, so no other test's threads skew the count.
#[test]
fn early_stop_leaves_no_thread() {
    common::run_body_in_child(
        "early_stop_body",
        CHILD_ENV,
        Duration::from_secs(180),
        "early-stop",
    );
}

/// The body of [`early_stop_leaves_no_thread`]; does nothing unless run as
/// its child.
#[test]
fn early_stop_body() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let dir = scratch();
    let root = dir.path().join("tree");
    for d in 0..50 {
        for f in 0..100 {
            touch(
                &root,
                format!("[Grp] Show {d:02}/[Grp] Show {d:02} - {f:03} [1080p].mkv").as_bytes(),
            );
        }
    }
    let mut failed = Vec::new();
    let mut cases = vec![Strategy::default(), Strategy::Std];
    cases.extend(strategies().into_iter().filter(|s| s.is_parallel()));
    for s in cases {
        for (workers, ordered) in [(0, false), (1, false), (2, true), (3, false)] {
            let before = thread_count();
            let pool = ScanParsePool::new(&root)
                .options(ScanOptions::new().strategy(s).threads(2))
                .workers(workers)
                .queue_capacity(2)
                .batch_size(8)
                .ordered(ordered);
            let got = within(Duration::from_secs(30), move || {
                let mut stream = pool.run();
                let first: Vec<_> = stream.by_ref().take(10).collect();
                // Let the walker and the workers fill both channels and block.
                std::thread::sleep(Duration::from_millis(30));
                drop(stream);
                first.iter().filter(|r| r.is_ok()).count()
            });
            let tag = format!("[{s} workers={workers} ordered={ordered}]");
            match got {
                Ok(10) => {}
                Ok(n) => failed.push(format!("{tag} take(10) gave {n} files")),
                Err(e) => {
                    failed.push(format!("{tag} take(10) then drop: {e}"));
                    continue;
                }
            }
            // Settle: the test's own helper thread may still be exiting.
            let deadline = std::time::Instant::now() + Duration::from_secs(5);
            let mut now = thread_count();
            while now > before && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
                now = thread_count();
            }
            if now > before {
                failed.push(format!(
                    "{tag} {before} threads before, {now} after the drop"
                ));
            }
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

// ------------------------------------------------------------ memory

/// With a consumer that sleeps about a microsecond a file, the results
/// alive in the pipeline never exceed `max_in_flight()`, on a 2,000-file
/// and a 20,000-file tree alike.
#[test]
fn in_flight_results_stay_under_the_bound() {
    let dir = scratch();
    let mut made = 0;
    for (files, label) in [(2_000usize, "2k"), (20_000, "20k")] {
        let root = dir.path().join(label);
        for i in 0..files {
            touch(
                &root,
                format!(
                    "[Grp] Show {:03}/[Grp] Show {:03} - {:02} [1080p].mkv",
                    i / 24,
                    i / 24,
                    i % 24
                )
                .as_bytes(),
            );
        }
        made += files;
        for (workers, cap, batch, ordered) in
            [(2, 4, 16, false), (3, 2, 8, true), (0, 16, 64, false)]
        {
            let probe = Arc::new(InFlightProbe::new());
            let pool = ScanParsePool::new(&root)
                .workers(workers)
                .queue_capacity(cap)
                .batch_size(batch)
                .ordered(ordered)
                .probe(Arc::clone(&probe));
            let bound = pool.max_in_flight();
            let mut n = 0;
            for r in pool.run() {
                r.expect("parsed");
                n += 1;
                std::thread::sleep(Duration::from_micros(1));
            }
            assert_eq!(n, files);
            let peak = probe.peak();
            eprintln!(
                "{label} workers={workers} cap={cap} batch={batch} ordered={ordered}: peak {peak} results in flight, bound {bound}"
            );
            assert!(peak > 0);
            assert!(peak <= bound, "peak {peak} > bound {bound}");
            assert_eq!(probe.current(), 0, "every result handed out");
        }
    }
    assert_eq!(made, 22_000);
}
